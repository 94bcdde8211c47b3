//! Messages visitors left when nobody could answer: the oldest first, each
//! taken up with one click as a chat with the visitor.

use super::word;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::agent::LeftMessage;
use protocol::lean::agent::decode_left_message;
use protocol::lean::int_of;

use super::{ctx, Section};
use crate::api;
use crate::words::A;

#[component]
pub fn LeftMessages() -> impl IntoView {
    let c = ctx();
    let messages = RwSignal::new(None::<Vec<LeftMessage>>);
    let error = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match api::call("GET", "/api/v1/left-messages", None).await {
                Ok(text) => messages.set(api::read_list(&text, decode_left_message)),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    load();
    let answer = move |id: i64| {
        spawn_local(async move {
            match api::call("POST", &format!("/api/v1/left-messages/{id}/answer"), None).await {
                Ok(text) => {
                    let conversation = webclient::json::parse(&text).and_then(|v| int_of(&v)).map(protocol::ConversationId);
                    c.live.state.update(|s| s.selected = conversation);
                    c.section.set(Section::Inbox);
                }
                Err(e) => {
                    error.set(Some(e));
                    load();
                }
            }
        })
    };
    view! {
        <section class="panel" aria-labelledby="left-title">
            <div class="panel-head">
                <h2 id="left-title" class="section-title">{word(A::LeftMessages)}</h2>
                <button type="button" class="btn btn-ghost" on:click=move |_| load()>{word(A::Refresh)}</button>
            </div>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || match messages.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="muted">{word(A::NoLeftMessages)}</p> }.into_any(),
                Some(list) => view! {
                    <ul class="left-list">
                        {list.into_iter().map(|m| {
                            let id = m.id;
                            let who = if m.email.is_empty() { m.name.clone() } else { format!("{} <{}>", m.name, m.email) };
                            view! {
                                <li class="left-item">
                                    <div class="left-who">{who}</div>
                                    <p class="left-text">{m.text.clone()}</p>
                                    <button type="button" class="btn btn-primary answer-left" on:click=move |_| answer(id)>{word(A::Answer)}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
