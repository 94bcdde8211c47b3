//! The list of the agent's conversations, open ones first.

use super::say;
use leptos::prelude::*;
use protocol::{Author, ConversationId};

use super::{ctx, visitor_name};
use crate::i18n::{t_n, Key};
use crate::state::Conversation;

/// What one row shows, compared so that a row redraws only when it changed.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    name: String,
    preview: String,
    from_agent: bool,
    unread: usize,
    ended: bool,
    last_ms: i64,
}

#[component]
pub fn ChatList() -> impl IntoView {
    let c = ctx();
    let ids = Memo::new(move |_| c.live.state.with(|s| s.ordered_conversation_ids()));
    view! {
        <nav class="chat-list" aria-labelledby="chats-title">
            <h2 id="chats-title" class="section-title">{say(Key::Conversations)}</h2>
            <Show when=move || ids.with(Vec::is_empty)>
                <p class="empty muted">{say(Key::NoConversations)}</p>
            </Show>
            <ul>
                <For each=move || ids.get() key=|id| *id children=move |id| view! { <Item id/> }/>
            </ul>
        </nav>
    }
}

#[component]
fn Item(id: ConversationId) -> impl IntoView {
    let c = ctx();
    let row = Memo::new(move |_| {
        let lang = c.lang.get();
        c.live.state.with(|s| {
            s.conversation(id).map(|chat| {
                let (author, preview) = chat.preview().unwrap_or((Author::System, ""));
                Row {
                    name: visitor_name(lang, &chat.summary.visitor),
                    preview: preview.lines().next().unwrap_or("").to_string(),
                    from_agent: author == Author::Agent,
                    unread: chat.unread(),
                    ended: chat.is_ended(),
                    last_ms: chat.last_activity_ms(),
                }
            })
        })
    });
    let selected = move || c.live.state.with(|s| s.selected == Some(id));
    let field = move |f: fn(&Row) -> String| move || row.with(|r| r.as_ref().map(f).unwrap_or_default());
    let unread = move || row.with(|r| r.as_ref().map(|r| r.unread).unwrap_or(0));
    let ended = move || row.with(|r| r.as_ref().is_some_and(|r| r.ended));
    let from_agent = move || row.with(|r| r.as_ref().is_some_and(|r| r.from_agent));
    let callback = c.live.state.with_untracked(|s| s.conversation(id).is_some_and(Conversation::is_callback));
    view! {
        <li>
            <button
                type="button"
                class="chat-item"
                class:selected=selected
                class:ended=ended
                data-conversation=id.to_string()
                aria-current=move || selected().then_some("true")
                on:click=move |_| c.live.select(id)
            >
                <span class="chat-item-top">
                    <span class="chat-item-name">{field(|r| r.name.clone())}</span>
                    <time class="chat-item-time">{field(|r| if r.last_ms > 0 { webclient::time::clock(r.last_ms) } else { String::new() })}</time>
                </span>
                <span class="chat-item-bottom">
                    <span class="chat-item-preview">
                        {callback.then(|| view! { <span class="badge badge-callback">{super::word(crate::words::A::Callback)}</span> })}
                        {move || from_agent().then(|| format!("{}: ", c.t(Key::You)))}
                        {field(|r| r.preview.clone())}
                    </span>
                    {move || ended().then(|| view! { <span class="badge badge-muted">{say(Key::Ended)}</span> })}
                    {move || {
                        let n = unread();
                        (n > 0)
                            .then(|| {
                                view! {
                                    <span class="unread" aria-label=move || t_n(c.lang.get(), Key::UnreadCount, n)>
                                        {n}
                                    </span>
                                }
                            })
                    }}
                </span>
            </button>
        </li>
    }
}
