//! The message log: greeting, messages with their delivery state, the
//! queue position and the agent's typing indicator. Text is always
//! inserted as text nodes, never parsed as HTML.
//!
//! The newest message stays in view while the reader is at the bottom;
//! scrolling to the top fetches the page before (the log takes keyboard
//! focus, so arrow keys and Page Up scroll it too), and the reader keeps
//! their place when it arrives above them.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering::Relaxed};
use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use protocol::files::{size_text, Attachment};
use protocol::visitor::Unavailable;
use protocol::{Author, ConversationStatus};

use crate::i18n::{self, t, Key, Lang};
use crate::live::{self, Signals};
use crate::model::Row;

/// How close to an edge counts as being at it, in pixels.
const EDGE: i32 = 48;

/// No anchor set.
const NONE: i32 = i32::MIN;

/// Where the reader is in the log, between events. (Atomics only because
/// view closures must be `Send`; the widget has one thread.)
struct Place {
    /// At the bottom, so new messages scroll into view.
    at_bottom: AtomicBool,
    /// The distance from the bottom when older messages were asked for.
    anchor: AtomicI32,
}

pub fn log(s: Signals) -> impl IntoView {
    let lang = s.lang;
    let state = s.state;
    let scroller = NodeRef::<html::Div>::new();
    let place = keep_place(s, scroller);
    let on_scroll = move |_| {
        let Some(el) = scroller.get_untracked() else { return };
        place.at_bottom.store(el.scroll_height() - el.scroll_top() - el.client_height() < EDGE, Relaxed);
        if el.scroll_top() < EDGE && state.with_untracked(|c| c.has_older() && !c.loading_older) {
            place.anchor.store(el.scroll_height() - el.scroll_top(), Relaxed);
            live::load_older();
        }
    };

    let greeting = move || state.with(|c| (!c.settings.greeting.trim().is_empty()).then(|| c.settings.greeting.clone()));

    view! {
        <div class="rp-scroll" tabindex="0" role="region" aria-label=t(lang, Key::Messages) node_ref=scroller on:scroll=on_scroll>
            {move || greeting().map(|g| view! { <p class="rp-greeting">{g}</p> })}
            // The live region wraps the list, so the list keeps its list role.
            <div role="log" aria-live="polite">
                <ol class="rp-log">
                    <For each=move || state.with(|c| c.rows()) key=row_key children=move |row| render_row(lang, row) />
                </ol>
            </div>
            {move || status_line(s)}
            <div aria-live="polite">{move || typing_line(s)}</div>
        </div>
    }
}

/// Something new at the end: keep it in view if the reader was there.
/// Older messages arriving above: keep the reader's place instead.
fn keep_place(s: Signals, scroller: NodeRef<html::Div>) -> Arc<Place> {
    let place = Arc::new(Place { at_bottom: AtomicBool::new(true), anchor: AtomicI32::new(NONE) });
    let follow = place.clone();
    Effect::new(move |before: Option<(u64, usize, bool, u64)>| {
        s.open.track();
        let now = s.state.with(|c| (c.last_seq(), c.outbox.len(), c.agent_typing.is_some(), c.first_seq()));
        let older_arrived = before.is_some_and(|b| now.3 < b.3);
        let anchor = if older_arrived { follow.anchor.swap(NONE, Relaxed) } else { NONE };
        let to_bottom = follow.at_bottom.load(Relaxed) && before.is_none_or(|b| (b.0, b.1, b.2) != (now.0, now.1, now.2));
        if anchor != NONE || to_bottom {
            request_animation_frame(move || {
                if let Some(el) = scroller.get_untracked() {
                    el.set_scroll_top(if anchor == NONE { el.scroll_height() } else { el.scroll_height() - anchor });
                }
            });
        }
        now
    });
    place
}

/// The queue position while waiting, or that the chat has ended.
fn status_line(s: Signals) -> Option<AnyView> {
    let lang = s.lang;
    s.state.with(|c| match &c.conversation {
        Some(conv) if conv.status == ConversationStatus::Queued => {
            let text = if !c.agents_online {
                t(lang, Key::Away).to_string()
            } else if let Some(p) = conv.queue_position {
                let wait = conv.estimated_wait_secs.map(|w| i18n::estimated_wait(lang, w)).unwrap_or_default();
                format!("{} {} {wait}", i18n::queue_position(lang, p), t(lang, Key::Waiting))
            } else {
                t(lang, Key::Waiting).to_string()
            };
            Some(view! { <p class="rp-queue" role="status">{text}</p> }.into_any())
        }
        // Nobody could answer: why, and that the composer leaves a message
        // (then the thanks).
        Some(conv) if conv.status == ConversationStatus::Ended && conv.unavailable.is_some() => {
            let text = if c.message_left {
                t(lang, Key::MessageLeft).to_string()
            } else {
                let why = t(lang, if conv.unavailable == Some(Unavailable::Closed) { Key::Closed } else { Key::Busy });
                format!("{why} {}", t(lang, Key::LeaveMessageHint))
            };
            Some(view! { <p class="rp-ended" role="status">{text}</p> }.into_any())
        }
        Some(conv) if conv.status == ConversationStatus::Ended => Some(view! { <p class="rp-ended" role="status">{t(lang, Key::Ended)}</p> }.into_any()),
        _ => None,
    })
}

fn typing_line(s: Signals) -> Option<impl IntoView> {
    s.state.with(|c| c.agent_typing.clone()).map(|name| {
        view! {
            <p class="rp-typing">
                <span class="rp-dots" aria-hidden="true"><i></i><i></i><i></i></span>
                {i18n::typing(s.lang, &name)}
            </p>
        }
    })
}

/// The key changes when a row's visible state changes (pending → sent →
/// seen), so only that row is redrawn.
fn row_key(row: &Row) -> String {
    match row {
        Row::Message { message, seen } => format!("{}:{}", message.seq, seen),
        Row::Pending(p) => format!("p:{}", p.client_id),
    }
}

/// A file in the log, one template for both kinds: a picture shows as a
/// thumbnail above its name, anything else as its name and size (the
/// picture's `src` is empty, which fetches nothing, and CSS hides it).
/// Either opens in a new tab: a picture full size, anything else as a
/// download (the server sends it as an attachment).
fn file_view(file: Attachment) -> impl IntoView {
    let image = file.is_image();
    let url = file.url;
    let (class, thumbnail) = if image { ("rp-file rp-file-img", url.clone()) } else { ("rp-file", String::new()) };
    view! {
        <a class=class href=url target="_blank">
            <img src=thumbnail alt="" />
            <span class="rp-file-name">{file.name}</span>
            <span class="rp-file-size">{size_text(file.bytes)}</span>
        </a>
    }
}

fn render_row(lang: Lang, row: Row) -> impl IntoView {
    let mut file = None;
    let (class, author, text, time, status) = match row {
        Row::Message { message, seen } => {
            let class = match message.author {
                Author::Visitor => "rp-msg rp-msg-visitor",
                Author::Agent => "rp-msg rp-msg-agent",
                Author::System => "rp-msg rp-msg-system",
            };
            let status = (message.author == Author::Visitor).then(|| t(lang, if seen { Key::Seen } else { Key::Sent }));
            let author = (message.author == Author::Agent).then_some(message.author_name);
            // A file's message says its name, which the file shows already.
            let text = if message.file.is_some() { String::new() } else { message.text };
            file = message.file;
            (class, author, text, webclient::time::clock(message.sent_at_ms), status)
        }
        Row::Pending(p) => ("rp-msg rp-msg-visitor rp-pending", None, p.text.into_string(), webclient::time::clock(p.at_ms), Some(t(lang, Key::Sending))),
    };
    view! {
        <li class=class>
            {author.map(|a| view! { <span class="rp-author">{a}</span> })}
            {file.map(|f| file_view(*f))}
            <p class="rp-text">{text}</p>
            <span class="rp-meta">
                <time>{time}</time>
                {status.map(|s| view! { <span class="rp-status">{s}</span> })}
            </span>
        </li>
    }
}
