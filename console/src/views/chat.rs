//! The chat pane: the selected conversation's messages and the composer.

use leptos::html;
use leptos::prelude::*;
use protocol::{Author, ClientId, ConversationId};

use super::{ctx, visitor_name};
use crate::i18n::{t_name, Key};
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
    });
    let pending = chat.outbox.iter().map(|p| Row {
        key: format!("c{}", p.client_id),
        author: Author::Agent,
        name: agent_name.to_string(),
        text: p.text.to_string(),
        at_ms: p.created_ms,
        client_id: Some(p.client_id.clone()),
    });
    stored.chain(pending).collect()
}

/// How close to an edge of the message list counts as being at it, in px.
const SCROLL_EDGE: i32 = 48;

/// The selected chat, or a hint when there is none.
#[component]
pub fn ChatArea() -> impl IntoView {
    let c = ctx();
    let selected = Memo::new(move |_| c.live.state.with(|s| s.selected_conversation().map(Conversation::id)));
    move || match selected.get() {
        Some(id) => view! { <ChatPane id/> }.into_any(),
        None => view! {
            <section class="chat chat-empty">
                <h2>{move || c.t(Key::NoChatSelected)}</h2>
                <p class="muted">{move || c.t(Key::NoChatSelectedHint)}</p>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn ChatPane(id: ConversationId) -> impl IntoView {
    let c = ctx();
    let state = c.live.state;
    let name = Memo::new(move |_| {
        let lang = c.lang.get();
        state.with(|s| s.conversation(id).map(|chat| visitor_name(lang, &chat.summary.visitor)).unwrap_or_default())
    });
    let subtitle = Memo::new(move |_| {
        state.with(|s| {
            s.conversation(id)
                .map(|chat| {
                    let v = &chat.summary.visitor;
                    [v.prechat.email.as_str(), v.site_name.as_str()].iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(" · ")
                })
                .unwrap_or_default()
        })
    });
    let ended = Memo::new(move |_| state.with(|s| s.conversation(id).is_some_and(Conversation::is_ended)));
    let typing = Memo::new(move |_| {
        let now = c.live.now.get();
        state.with(|s| s.conversation(id).is_some_and(|chat| chat.visitor_is_typing(now)))
    });
    let list = Memo::new(move |_| {
        state.with(|s| {
            let agent = s.agent.as_ref().map(|a| a.name.as_str()).unwrap_or("");
            s.conversation(id).map(|chat| rows(chat, agent)).unwrap_or_default()
        })
    });

    // Keep the newest message in view while the agent is at the bottom; when
    // older messages arrive above, keep the agent's place. The frame delay
    // lets the list render the rows first.
    let log = NodeRef::<html::Div>::new();
    let at_bottom = StoredValue::new(true);
    let anchor = StoredValue::new(None::<i32>);
    let tail = Memo::new(move |_| state.with(|s| s.conversation(id).map(|c| (c.last_seq(), c.outbox.len()))));
    let first_seq = Memo::new(move |_| state.with(|s| s.conversation(id).map(Conversation::first_seq)));
    let has_older = Memo::new(move |_| state.with(|s| s.conversation(id).is_some_and(Conversation::has_older)));
    let loading_older = Memo::new(move |_| state.with(|s| s.conversation(id).is_some_and(|c| c.loading_older)));
    Effect::new(move |_| {
        tail.track();
        typing.track();
        if at_bottom.get_value() {
            request_animation_frame(move || {
                if let Some(el) = log.get_untracked() {
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
                if let Some(el) = log.get_untracked() {
                    el.set_scroll_top(el.scroll_height() - from_bottom);
                }
            });
        }
    });
    let load_older = move || {
        if let Some(el) = log.get_untracked() {
            anchor.set_value(Some(el.scroll_height() - el.scroll_top()));
        }
        c.live.load_older(id);
    };
    let on_scroll = move |_| {
        let Some(el) = log.get_untracked() else { return };
        at_bottom.set_value(el.scroll_height() - el.scroll_top() - el.client_height() < SCROLL_EDGE);
        if el.scroll_top() < SCROLL_EDGE && has_older.get_untracked() && !loading_older.get_untracked() {
            load_older();
        }
    };

    let composer = NodeRef::<html::Textarea>::new();
    let initial_draft = c.live.draft(id);
    let submit = move || {
        let Some(area) = composer.get_untracked() else { return };
        if c.live.send_message(id, &area.value()) {
            area.set_value("");
            c.live.set_draft(id, String::new());
        }
        let _ = area.focus();
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // While an input method is composing (Chinese, Japanese…), Enter
        // picks a candidate; it must not send the half-typed message.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() && ev.key_code() != 229 {
            ev.prevent_default();
            submit();
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        c.live.typed(id, text.trim().is_empty());
        c.live.set_draft(id, text);
    };

    view! {
        <section id="chat" class="chat" aria-labelledby="chat-title">
            <header class="chat-header">
                <div class="chat-title">
                    <h2 id="chat-title" class="chat-visitor-name">{move || name.get()}</h2>
                    <p class="chat-sub muted">{move || subtitle.get()}</p>
                </div>
                <Show when=move || ended.get()>
                    <span class="badge badge-muted">{move || c.t(Key::Ended)}</span>
                </Show>
                <button type="button" id="end-chat" class="btn btn-danger" disabled=move || ended.get() on:click=move |_| c.live.end_chat(id)>
                    {move || c.t(Key::EndChat)}
                </button>
            </header>
            // The scrolling live region wraps the list, so the list keeps
            // its list role for screen readers.
            <div class="messages" role="log" aria-live="polite" aria-label=move || c.t(Key::Messages) tabindex="0" node_ref=log on:scroll=on_scroll>
                <Show when=move || has_older.get()>
                    <button type="button" class="btn btn-ghost load-older" disabled=move || loading_older.get() on:click=move |_| load_older()>
                        {move || c.t(if loading_older.get() { Key::Loading } else { Key::EarlierMessages })}
                    </button>
                </Show>
                <ol class="message-list">
                    <For each=move || list.get() key=|row| row.key.clone() children=move |row| view! { <Message id row/> }/>
                </ol>
            </div>
            <div class="typing-slot" aria-live="polite">
                <Show when=move || typing.get()>
                    <p class="typing">{move || t_name(c.lang.get(), Key::IsTyping, &name.get())}</p>
                </Show>
            </div>
            <Show when=move || ended.get()>
                <p class="chat-ended" role="status">{move || c.t(Key::ChatEnded)}</p>
            </Show>
            <form class="composer" on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }>
                <label for="composer" class="visually-hidden">{move || c.t(Key::Composer)}</label>
                <textarea
                    id="composer"
                    rows="3"
                    placeholder=move || c.t(Key::ComposerPlaceholder)
                    aria-describedby="composer-hint"
                    disabled=move || ended.get()
                    prop:value=initial_draft
                    on:keydown=on_keydown
                    on:input=on_input
                    node_ref=composer
                ></textarea>
                <div class="composer-bar">
                    <span id="composer-hint" class="composer-hint muted">{move || c.t(Key::ComposerHint)}</span>
                    <button type="submit" id="send" class="btn btn-primary" disabled=move || ended.get()>
                        {move || c.t(Key::Send)}
                    </button>
                </div>
            </form>
        </section>
    }
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
            <p class="msg-text">{row.text}</p>
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
        let summary =
            ConversationSummary { id: ConversationId(1), status: ConversationStatus::Active, visitor, last_seq: 0, visitor_read_seq: 0, started_at_ms: 0 };
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
