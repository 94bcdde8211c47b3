//! The chat pane: the selected conversation's header, its messages and the
//! composer, or a hint when no chat is selected.

use super::say;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ConversationId;

use super::callback::CallbackPane;
use super::composer::Composer;
use super::message_log::MessageLog;
use super::transfer::TransferButton;
use super::wrap_up::WrapUpForm;
use super::{ctx, visitor_name, word};
use crate::i18n::{t_name, Key};
use crate::state::Conversation;
use crate::words::A;

/// The selected chat, or a hint when there is none.
#[component]
pub fn ChatArea() -> impl IntoView {
    let c = ctx();
    let selected = Memo::new(move |_| c.live.state.with(|s| s.selected_conversation().map(Conversation::id)));
    move || match selected.get() {
        Some(id) => view! { <ChatPane id/> }.into_any(),
        None => view! {
            <section class="chat chat-empty">
                <h2>{say(Key::NoChatSelected)}</h2>
                <p class="muted">{say(Key::NoChatSelectedHint)}</p>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn ChatPane(id: ConversationId) -> AnyView {
    let c = ctx();
    let state = c.live.state;
    let name = Memo::new(move |_| {
        let lang = c.lang.get();
        state.with(|s| s.conversation(id).map(|chat| visitor_name(lang, &chat.summary.visitor)).unwrap_or_default())
    });
    let ended = Memo::new(move |_| state.with(|s| s.conversation(id).is_some_and(Conversation::is_ended)));
    let callback = state.with_untracked(|s| s.conversation(id).is_some_and(Conversation::is_callback));
    if callback {
        return view! {
            <section id="chat" class="chat" aria-labelledby="chat-title">
                <ChatHeader id name ended/>
                <CallbackPane id/>
                <WrapUpForm id/>
            </section>
        }
        .into_any();
    }
    let typing = Memo::new(move |_| {
        let now = c.live.now.get();
        state.with(|s| s.conversation(id).is_some_and(|chat| chat.visitor_is_typing(now)))
    });
    view! {
        <section id="chat" class="chat" aria-labelledby="chat-title">
            <ChatHeader id name ended/>
            <MessageLog id typing/>
            <div class="typing-slot" aria-live="polite">
                <Show when=move || typing.get()>
                    <p class="typing">{move || t_name(c.lang.get(), Key::IsTyping, &name.get())}</p>
                </Show>
            </div>
            <Show when=move || ended.get()>
                <p class="chat-ended" role="status">{say(Key::ChatEnded)}</p>
            </Show>
            <WrapUpForm id/>
            <Composer id ended/>
        </section>
    }
    .into_any()
}

/// Who the visitor is, and the button that ends the chat.
#[component]
fn ChatHeader(id: ConversationId, name: Memo<String>, ended: Memo<bool>) -> impl IntoView {
    let c = ctx();
    let subtitle = Memo::new(move |_| {
        c.live.state.with(|s| {
            s.conversation(id)
                .map(|chat| {
                    let v = &chat.summary.visitor;
                    [v.prechat.email.as_str(), v.site_name.as_str()].iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(" · ")
                })
                .unwrap_or_default()
        })
    });
    let callback = c.live.state.with_untracked(|s| s.conversation(id).is_some_and(Conversation::is_callback));
    let offered = RwSignal::new(false);
    view! {
        <header class="chat-header">
            <div class="chat-title">
                <h2 id="chat-title" class="chat-visitor-name">{move || name.get()}</h2>
                <p class="chat-sub muted">{move || subtitle.get()}</p>
                {move || {
                    c.live.state.with(|s| s.conversation(id).and_then(|chat| chat.transfer.clone())).map(|t| {
                        view! {
                            <p class="chat-transfer">
                                <strong>{move || t_name(c.lang.get(), Key::TransferredBy, &t.from_agent)}</strong>
                                " "
                                {t.note.clone()}
                            </p>
                        }
                    })
                }}
            </div>
            <Show when=move || ended.get()>
                <span class="badge badge-muted">{say(Key::Ended)}</span>
            </Show>
            <button type="button" id="open-case" class="btn btn-ghost" on:click=move |_| open_case(id)>{word(A::OpenCase)}</button>
            {(!callback).then(|| view! {
                <button type="button" id="cobrowse" class="btn btn-ghost" disabled=move || ended.get()
                    on:click=move |_| crate::cobrowse::ask(c.lang.get_untracked().tag(), id, name.get_untracked())>
                    {word(A::Cobrowse)}
                </button>
                <TransferButton id ended/>
                <button type="button" id="offer-callback" class="btn btn-ghost" disabled=move || ended.get() on:click=move |_| offer_callback(id, offered)>
                    {word(A::OfferCallback)}
                </button>
                <button type="button" id="end-chat" class="btn btn-danger" disabled=move || ended.get() on:click=move |_| c.live.end_chat(id)>
                    {say(Key::EndChat)}
                </button>
            })}
        </header>
        {move || offered.get().then(|| view! { <p class="chat-offered muted" role="status">{word(A::CallbackOffered)}</p> })}
    }
}

/// Opens a new case about this chat or callback, its topic the subject:
/// the agent picks the department and saves.
fn open_case(id: ConversationId) {
    let c = super::ctx();
    let topic = c.live.state.with_untracked(|s| s.conversation(id).map(|chat| chat.summary.visitor.prechat.topic.clone()).unwrap_or_default());
    let record = super::admin::doc::Doc::object();
    record.set("conversation_id", super::admin::doc::number(id.get()));
    record.set("subject", super::admin::doc::string(&topic));
    super::admin::screen::prefill("case", record);
    c.section.set(super::Section::Cases);
}

/// Asks the visitor's widget to open its callback form.
fn offer_callback(id: ConversationId, offered: RwSignal<bool>) {
    spawn_local(async move {
        if crate::api::call("POST", &format!("/api/v1/conversations/{id}/offer-callback"), None).await.is_ok() {
            offered.set(true);
        }
    });
}
