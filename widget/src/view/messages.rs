//! The message log: greeting, messages with their delivery state, the
//! queue position and the agent's typing indicator. Text is always
//! inserted as text nodes, never parsed as HTML.
//!
//! The newest message stays in view while the reader is at the bottom;
//! scrolling to the top (or the "earlier messages" button, for keyboards)
//! fetches the page before, and the reader keeps their place when it
//! arrives above them.

use leptos::html;
use leptos::prelude::*;
use protocol::{Author, ConversationStatus};

use crate::i18n::{self, t, Key, Lang};
use crate::live::{self, Signals};
use crate::model::Row;

/// How close to an edge counts as being at it, in pixels.
const EDGE: i32 = 48;

pub fn log(s: Signals) -> impl IntoView {
    let lang = s.lang;
    let state = s.state;
    let scroller = NodeRef::<html::Div>::new();
    // Whether the reader is at the bottom (so new messages scroll into view).
    let at_bottom = StoredValue::new(true);
    // The distance from the bottom when older messages were asked for.
    let anchor = StoredValue::new(None::<i32>);

    let tail = Memo::new(move |_| state.with(|c| (c.last_seq(), c.outbox.len(), c.agent_typing.is_some(), c.status())));
    let first_seq = Memo::new(move |_| state.with(|c| c.first_seq()));
    let has_older = Memo::new(move |_| state.with(|c| c.has_older()));
    let loading = Memo::new(move |_| state.with(|c| c.loading_older));

    Effect::new(move |_| {
        tail.track();
        s.open.track();
        if at_bottom.get_value() {
            request_animation_frame(move || {
                if let Some(el) = scroller.get_untracked() {
                    el.set_scroll_top(el.scroll_height());
                }
            });
        }
    });
    Effect::new(move |_| {
        first_seq.track();
        if let Some(from_bottom) = anchor.get_value() {
            anchor.set_value(None);
            request_animation_frame(move || {
                if let Some(el) = scroller.get_untracked() {
                    el.set_scroll_top(el.scroll_height() - from_bottom);
                }
            });
        }
    });
    let load_older = move || {
        if let Some(el) = scroller.get_untracked() {
            anchor.set_value(Some(el.scroll_height() - el.scroll_top()));
        }
        live::load_older();
    };
    let on_scroll = move |_| {
        let Some(el) = scroller.get_untracked() else { return };
        at_bottom.set_value(el.scroll_height() - el.scroll_top() - el.client_height() < EDGE);
        if el.scroll_top() < EDGE && has_older.get_untracked() && !loading.get_untracked() {
            load_older();
        }
    };

    let greeting = Memo::new(move |_| state.with(|c| (!c.settings.greeting.trim().is_empty()).then(|| c.settings.greeting.clone())));
    let status = Memo::new(move |_| {
        state.with(|c| match &c.conversation {
            Some(conv) if conv.status == ConversationStatus::Queued => Some(if !c.agents_online {
                t(lang, Key::Away).to_string()
            } else if let Some(p) = conv.queue_position {
                format!("{} {}", i18n::queue_position(lang, p), t(lang, Key::Waiting))
            } else {
                t(lang, Key::Waiting).to_string()
            }),
            _ => None,
        })
    });
    let ended = Memo::new(move |_| state.with(|c| c.status() == Some(ConversationStatus::Ended)));
    let typing = Memo::new(move |_| state.with(|c| c.agent_typing.clone()));

    view! {
        <div class="rp-scroll" node_ref=scroller on:scroll=on_scroll>
            <Show when=move || has_older.get()>
                <button class="rp-older" type="button" disabled=move || loading.get() on:click=move |_| load_older()>
                    {move || t(lang, if loading.get() { Key::Loading } else { Key::Earlier })}
                </button>
            </Show>
            {move || greeting.get().map(|g| view! { <p class="rp-greeting">{g}</p> })}
            <ol class="rp-log" role="log" aria-live="polite" aria-label=t(lang, Key::Messages)>
                <For each=move || state.with(|c| c.rows()) key=row_key children=move |row| render_row(lang, row) />
            </ol>
            {move || status.get().map(|text| view! { <p class="rp-queue" role="status">{text}</p> })}
            <Show when=move || ended.get()>
                <p class="rp-ended" role="status">{t(lang, Key::Ended)}</p>
            </Show>
            <div aria-live="polite">
                {move || typing.get().map(|name| view! {
                    <p class="rp-typing">
                        <span class="rp-dots" aria-hidden="true"><i></i><i></i><i></i></span>
                        {i18n::typing(lang, &name)}
                    </p>
                })}
            </div>
        </div>
    }
}

/// The key changes when a row's visible state changes (pending → sent →
/// seen), so only that row is redrawn.
fn row_key(row: &Row) -> String {
    match row {
        Row::Message { message, seen } => format!("{}:{}", message.seq, seen),
        Row::Pending(p) => format!("p:{}", p.client_id),
    }
}

fn render_row(lang: Lang, row: Row) -> impl IntoView {
    let (class, author, text, time, status) = match row {
        Row::Message { message, seen } => {
            let class = match message.author {
                Author::Visitor => "rp-msg rp-msg-visitor",
                Author::Agent => "rp-msg rp-msg-agent",
                Author::System => "rp-msg rp-msg-system",
            };
            let status = (message.author == Author::Visitor).then(|| t(lang, if seen { Key::Seen } else { Key::Sent }));
            let author = (message.author == Author::Agent).then_some(message.author_name);
            (class, author, message.text, webclient::time::clock(message.sent_at_ms), status)
        }
        Row::Pending(p) => ("rp-msg rp-msg-visitor rp-pending", None, p.text.into_string(), webclient::time::clock(p.at_ms), Some(t(lang, Key::Sending))),
    };
    view! {
        <li class=class>
            {author.map(|a| view! { <span class="rp-author">{a}</span> })}
            <p class="rp-text">{text}</p>
            <span class="rp-meta">
                <time>{time}</time>
                {status.map(|s| view! { <span class="rp-status">{s}</span> })}
            </span>
        </li>
    }
}
