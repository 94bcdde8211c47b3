//! The message log: greeting, messages with their delivery state, the
//! queue position and the agent's typing indicator. Text is always
//! inserted as text nodes, never parsed as HTML.

use leptos::html;
use leptos::prelude::*;
use protocol::{Author, ConversationStatus};

use crate::i18n::{self, t, Key, Lang};
use crate::model::Row;
use crate::session::Signals;

pub fn log(s: Signals) -> impl IntoView {
    let lang = s.lang;
    let chat = s.chat;
    let scroller = NodeRef::<html::Div>::new();

    // Keep the newest message in view as rows arrive or the panel opens.
    Effect::new(move |_| {
        chat.track();
        s.open.track();
        request_animation_frame(move || {
            if let Some(el) = scroller.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    });

    let greeting = move || chat.with(|c| (!c.settings.greeting.trim().is_empty()).then(|| c.settings.greeting.clone()));
    let status_line = move || {
        chat.with(|c| match &c.conversation {
            Some(conv) if conv.status == ConversationStatus::Queued => {
                let text = if !c.agents_online {
                    t(lang, Key::Away).to_string()
                } else if let Some(p) = conv.queue_position {
                    format!("{} {}", i18n::queue_position(lang, p), t(lang, Key::Waiting))
                } else {
                    t(lang, Key::Waiting).to_string()
                };
                Some(view! { <p class="rp-queue" role="status">{text}</p> }.into_any())
            }
            Some(conv) if conv.status == ConversationStatus::Ended => Some(view! { <p class="rp-ended" role="status">{t(lang, Key::Ended)}</p> }.into_any()),
            _ => None,
        })
    };
    let typing = move || {
        chat.with(|c| c.agent_typing.clone()).map(|name| {
            view! {
                <p class="rp-typing">
                    <span class="rp-dots" aria-hidden="true"><i></i><i></i><i></i></span>
                    {i18n::typing(lang, &name)}
                </p>
            }
        })
    };

    view! {
        <div class="rp-scroll" node_ref=scroller>
            {move || greeting().map(|g| view! { <p class="rp-greeting">{g}</p> })}
            <ol class="rp-log" role="log" aria-live="polite" aria-label=t(lang, Key::Messages)>
                <For each=move || chat.with(|c| c.rows()) key=row_key children=move |row| render_row(lang, row) />
            </ol>
            {status_line}
            <div aria-live="polite">{typing}</div>
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
        Row::Pending(p) => ("rp-msg rp-msg-visitor rp-pending", None, p.text, webclient::time::clock(p.at_ms), Some(t(lang, Key::Sending))),
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
