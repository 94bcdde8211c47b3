//! The message list of the open chat: stored messages then the outbox,
//! each with its delivery mark, kept scrolled to the newest while the agent
//! reads at the bottom, and paging older messages in as they scroll up.

use super::say;
use leptos::html;
use leptos::prelude::*;
use protocol::files::{size_text, Attachment};
use protocol::{Author, ClientId, ConversationId};

use super::ctx;
use crate::i18n::Key;
use crate::state::{Conversation, Delivery};

/// One line of the message list. Agent messages are keyed by client id so
/// that the same element goes from "Sending…" to "Sent" to "Seen" instead
/// of being replaced, which would make screen readers announce it again.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub key: String,
    pub author: Author,
    pub name: String,
    pub text: String,
    pub at_ms: i64,
    /// For the agent's own messages: the id to look the delivery mark up by.
    pub client_id: Option<ClientId>,
    pub file: Option<Attachment>,
}

/// The message list of a chat: stored messages, then the outbox.
pub fn rows(chat: &Conversation, agent_name: &str) -> Vec<Row> {
    let stored = chat.messages.iter().map(|m| Row {
        key: match m.author {
            Author::Agent => format!("c{}", m.client_id),
            _ => format!("s{}", m.seq),
        },
        author: m.author,
        name: m.author_name.clone(),
        text: m.text.clone(),
        at_ms: m.sent_at_ms,
        client_id: (m.author == Author::Agent).then(|| m.client_id.clone()),
        file: m.file.as_deref().cloned(),
    });
    let pending = chat.outbox.iter().map(|p| Row {
        key: format!("c{}", p.client_id),
        author: Author::Agent,
        name: agent_name.to_string(),
        text: p.text.to_string(),
        at_ms: p.created_ms,
        client_id: Some(p.client_id.clone()),
        file: None,
    });
    stored.chain(pending).collect()
}

/// A file in the chat: a picture as a thumbnail that opens full size in a
/// new tab, anything else as a link that downloads it, with its size.
fn file_view(file: Attachment) -> AnyView {
    if file.is_image() {
        let src = file.url.clone();
        view! {
            <a class="msg-file-img" href=file.url target="_blank" rel="noopener">
                <img src=src alt=file.name width=file.width height=file.height />
            </a>
        }
        .into_any()
    } else {
        let name = file.name.clone();
        view! {
            <a class="msg-file" href=file.url download=name>
                <span class="msg-file-name">{file.name}</span>
                <span class="muted">{size_text(file.bytes)}</span>
            </a>
        }
        .into_any()
    }
}

/// How close to an edge of the message list counts as being at it, in px.
const SCROLL_EDGE: i32 = 48;

#[component]
pub fn MessageLog(id: ConversationId, typing: Memo<bool>) -> impl IntoView {
    let c = ctx();
    let state = c.live.state;
    let list = Memo::new(move |_| {
        state.with(|s| {
            let agent = s.agent.as_ref().map(|a| a.name.as_str()).unwrap_or("");
            s.conversation(id).map(|chat| rows(chat, agent)).unwrap_or_default()
        })
    });
    let has_older = Memo::new(move |_| state.with(|s| s.conversation(id).is_some_and(Conversation::has_older)));
    let loading_older = Memo::new(move |_| state.with(|s| s.conversation(id).is_some_and(|c| c.loading_older)));
    let log = NodeRef::<html::Div>::new();
    let place = keep_place(id, log, typing);
    let load_older = move || {
        place.remember_from_bottom();
        c.live.load_older(id);
    };
    let on_scroll = move |_| {
        let Some(el) = log.get_untracked() else { return };
        place.at_bottom.set_value(el.scroll_height() - el.scroll_top() - el.client_height() < SCROLL_EDGE);
        if el.scroll_top() < SCROLL_EDGE && has_older.get_untracked() && !loading_older.get_untracked() {
            load_older();
        }
    };
    view! {
        // The scrolling live region wraps the list, so the list keeps its
        // list role for screen readers.
        <div class="messages" role="log" aria-live="polite" aria-label=say(Key::Messages) tabindex="0" node_ref=log on:scroll=on_scroll>
            <Show when=move || has_older.get()>
                <button type="button" class="btn btn-ghost load-older" disabled=move || loading_older.get() on:click=move |_| load_older()>
                    {move || c.t(if loading_older.get() { Key::Loading } else { Key::EarlierMessages })}
                </button>
            </Show>
            <ol class="message-list">
                <For each=move || list.get() key=|row| row.key.clone() children=move |row| view! { <Message id row/> }/>
            </ol>
        </div>
    }
}

/// Where the reader is in the list, so it can be kept.
#[derive(Clone, Copy)]
struct Place {
    log: NodeRef<html::Div>,
    at_bottom: StoredValue<bool>,
    /// Distance from the bottom to restore once older messages are in.
    anchor: StoredValue<Option<i32>>,
}

impl Place {
    fn remember_from_bottom(self) {
        if let Some(el) = self.log.get_untracked() {
            self.anchor.set_value(Some(el.scroll_height() - el.scroll_top()));
        }
    }
}

/// Keeps the newest message in view while the agent is at the bottom; when
/// older messages arrive above, keeps the agent's place. The frame delay
/// lets the list render the rows first.
fn keep_place(id: ConversationId, log: NodeRef<html::Div>, typing: Memo<bool>) -> Place {
    let state = ctx().live.state;
    let place = Place { log, at_bottom: StoredValue::new(true), anchor: StoredValue::new(None) };
    let tail = Memo::new(move |_| state.with(|s| s.conversation(id).map(|c| (c.last_seq(), c.outbox.len()))));
    let first_seq = Memo::new(move |_| state.with(|s| s.conversation(id).map(Conversation::first_seq)));
    Effect::new(move |_| {
        tail.track();
        typing.track();
        if place.at_bottom.get_value() {
            request_animation_frame(move || {
                if let Some(el) = log.get_untracked() {
                    el.set_scroll_top(el.scroll_height());
                }
            });
        }
    });
    Effect::new(move |_| {
        first_seq.track();
        if let Some(from_bottom) = place.anchor.get_value() {
            place.anchor.set_value(None);
            request_animation_frame(move || {
                if let Some(el) = log.get_untracked() {
                    el.set_scroll_top(el.scroll_height() - from_bottom);
                }
            });
        }
    });
    place
}

#[component]
fn Message(id: ConversationId, row: Row) -> impl IntoView {
    let c = ctx();
    let class = match row.author {
        Author::Visitor => "msg msg-visitor",
        Author::Agent => "msg msg-agent",
        Author::System => "msg msg-system",
    };
    let status = row.client_id.clone().map(|client_id| {
        let delivery = Memo::new(move |_| c.live.state.with(|s| s.conversation(id).and_then(|chat| chat.delivery_of(client_id.as_str()))));
        let text = move || {
            delivery.get().map(|d| {
                c.t(match d {
                    Delivery::Sending => Key::Sending,
                    Delivery::Sent => Key::Sent,
                    Delivery::Seen => Key::Seen,
                    Delivery::NotSent => Key::NotSent,
                })
            })
        };
        let class = move || match delivery.get() {
            Some(Delivery::Seen) => "msg-status seen",
            Some(Delivery::NotSent) => "msg-status failed",
            _ => "msg-status",
        };
        view! { <span class=class>{text}</span> }
    });
    let time = if row.at_ms > 0 { webclient::time::clock(row.at_ms) } else { String::new() };
    let show_meta = row.author != Author::System;
    view! {
        <li class=class>
            {show_meta
                .then(|| {
                    view! {
                        <div class="msg-meta">
                            <span class="msg-author">{row.name.clone()}</span>
                            <time class="msg-time">{time.clone()}</time>
                        </div>
                    }
                })}
            // Plain text, never markup: a visitor's "<img onerror>" must show
            // as those characters.
            {match row.file {
                Some(file) => file_view(file),
                None => view! { <p class="msg-text">{row.text}</p> }.into_any(),
            }}
            {status}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ConsoleState, Pending};
    use protocol::agent::{AgentEvent, ConversationSummary, VisitorCard};
    use protocol::visitor::PageInfo;
    use protocol::{ChatMessage, ConversationStatus, PreChat};

    #[test]
    fn rows_keep_the_client_id_key_from_outbox_to_stored() {
        let visitor = VisitorCard {
            visitor_id: protocol::VisitorId(1),
            prechat: PreChat::default(),
            page: PageInfo::default(),
            locale: String::new(),
            site_name: String::new(),
        };
        let summary = ConversationSummary {
            id: ConversationId(1),
            status: ConversationStatus::Active,
            visitor,
            last_seq: 0,
            visitor_read_seq: 0,
            started_at_ms: 0,
            channel: protocol::Channel::Chat,
        };
        let mut state = ConsoleState::default();
        state.apply(AgentEvent::Conversation { conversation: summary }, 0);
        let chat = state.conversation_mut(ConversationId(1)).unwrap();
        chat.merge(ChatMessage {
            seq: 1,
            client_id: ClientId::parse("v1").unwrap(),
            author: Author::Visitor,
            author_name: "V".into(),
            text: "<img src=x onerror=alert(1)>".into(),
            sent_at_ms: 1,
            file: None,
        });
        chat.outbox.push(Pending { client_id: ClientId::parse("a1").unwrap(), text: protocol::MessageText::parse("hi").unwrap(), created_ms: 2 });
        let before = rows(chat, "Ada");
        assert_eq!(before.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), vec!["s1", "ca1"]);
        assert_eq!(before[0].text, "<img src=x onerror=alert(1)>");
        assert_eq!(before[1].name, "Ada");
        state.apply(AgentEvent::Ack { conversation_id: ConversationId(1), client_id: ClientId::parse("a1").unwrap(), seq: 2 }, 3);
        let after = rows(state.conversation(ConversationId(1)).unwrap(), "Ada");
        assert_eq!(after[1].key, "ca1");
        assert_eq!(after[1].client_id.as_ref().map(ClientId::as_str), Some("a1"));
    }
}
