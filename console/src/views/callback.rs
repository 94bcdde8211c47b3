//! A callback attempt in the chat pane: the screen pop (who, the number as
//! a click-to-dial `tel:` link, the topic, attempts so far, the chat it was
//! asked from, earlier conversations) and the form that records how the
//! call went. The details are a document read by path, like the admin
//! screens' records (`protocol::callback::CallbackDetails` defines it).

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::callback::CallbackOutcome;
use protocol::ConversationId;

use super::admin::doc::{self, Doc};
use super::app::select_element;
use super::{ctx, word};
use crate::api;
use crate::words::A;

const OUTCOMES: [(CallbackOutcome, A); 5] = [
    (CallbackOutcome::Connected, A::Connected),
    (CallbackOutcome::NoAnswer, A::NoAnswer),
    (CallbackOutcome::Busy, A::LineBusy),
    (CallbackOutcome::Voicemail, A::Voicemail),
    (CallbackOutcome::WrongNumber, A::WrongNumber),
];

/// The word for a callback's status or a conversation's channel, as the
/// server names them.
fn named(name: &str) -> Option<A> {
    Some(match name {
        "scheduled" => A::CbScheduled,
        "waiting" => A::Waiting,
        "calling" => A::CbCalling,
        "completed" => A::CbCompleted,
        "failed" => A::CbFailed,
        "cancelled" => A::CbCancelled,
        "chat" => A::Chat,
        "callback" => A::Callback,
        _ => return None,
    })
}

/// A date and time in the console's language, in the agent's time zone.
fn when(ms: i64) -> String {
    let lang = ctx().lang.get_untracked().tag();
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)).to_locale_string(lang, &wasm_bindgen::JsValue::UNDEFINED).into()
}

#[component]
pub fn CallbackPane(id: ConversationId) -> impl IntoView {
    let c = ctx();
    let details = RwSignal::new(None::<Doc>);
    let error = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match api::call("GET", &format!("/api/v1/callbacks/by-conversation/{id}"), None).await {
                Ok(text) => details.set(Doc::parse(&text)),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    load();
    view! {
        <section class="callback-pane" aria-labelledby="callback-title">
            <h3 id="callback-title" class="section-title">{word(A::Callback)}</h3>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || details.get().map(|d| {
                let cb = d.get("callback");
                let phone = cb.get("phone").str();
                let due = if cb.get("asap").truthy() && cb.get("attempts").int() == Some(0) { c.ta(A::Asap).to_string() } else { when(cb.get("due_at_ms").int().unwrap_or(0)) };
                let open = matches!(cb.get("status").str().as_str(), "calling");
                let callback_id = cb.get("id").int().unwrap_or(0);
                let href = format!("tel:{phone}");
                let shown = phone.clone();
                view! {
                    <dl class="callback-facts">
                        <dt>{word(A::Name)}</dt><dd class="callback-name">{cb.get("name").str()}</dd>
                        <dt>{word(A::Phone)}</dt><dd class="callback-phone">{phone.clone()}</dd>
                        <dt>{word(A::Topic)}</dt><dd>{cb.get("topic").str()}</dd>
                        <dt>{word(A::Due)}</dt><dd>{due}</dd>
                        <dt>{word(A::Attempts)}</dt><dd class="callback-attempts">{format!("{} / {}", cb.get("attempts").str(), cb.get("max_attempts").str())}</dd>
                        <dt>{word(A::Status)}</dt><dd class="callback-status">{named(&cb.get("status").str()).map(word)}</dd>
                    </dl>
                    {open.then(|| view! {
                        <a id="dial" class="btn btn-primary" href=href on:click=move |_| dial(callback_id)>{move || format!("{} {}", c.ta(A::CallNumber), shown.clone())}</a>
                        <Disposition callback=callback_id reload=Callback::new(move |_| load())/>
                    })}
                    <Attempts list=d.get("attempts").items()/>
                    <Transcript list=d.get("transcript").items()/>
                    <Earlier list=d.get("earlier").items()/>
                }
            })}
        </section>
    }
}

/// The click on the number is on the record, and reaches the dialer if the
/// server has one (the link itself opens the agent's own phone app).
fn dial(callback: i64) {
    spawn_local(async move {
        let _ = api::call("POST", &format!("/api/v1/callbacks/{callback}/dial"), None).await;
    });
}

/// How the call went: outcome, notes, wrap-up code.
#[component]
fn Disposition(callback: i64, reload: Callback<()>) -> impl IntoView {
    let outcome = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = Doc::object();
        body.set("outcome", doc::string(&outcome.get_untracked()));
        body.set("notes", doc::string(&notes.get_untracked()));
        body.set("wrap_up_code", doc::string(&code.get_untracked()));
        saving.set(true);
        spawn_local(async move {
            match api::call("POST", &format!("/api/v1/callbacks/{callback}/disposition"), Some(body.text())).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
            saving.set(false);
        });
    };
    view! {
        <form id="disposition" class="disposition" on:submit=submit>
            <label for="call-outcome">{word(A::Outcome)}</label>
            <select id="call-outcome" class="select" required=true on:change=move |ev| {
                if let Some(s) = select_element(&ev) {
                    outcome.set(s.value());
                }
            }>
                <option value="">"—"</option>
                {OUTCOMES.iter().map(|(o, a)| view! { <option value=o.as_str()>{word(*a)}</option> }).collect_view()}
            </select>
            <label for="call-notes">{word(A::Notes)}</label>
            <textarea id="call-notes" class="input" rows="3" maxlength="2000" on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
            <label for="call-code">{word(A::WrapUpCode)}</label>
            <input id="call-code" class="input" maxlength="100" on:input=move |ev| code.set(event_target_value(&ev))/>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <button type="submit" id="record-call" class="btn btn-primary" disabled=move || outcome.get().is_empty() || saving.get()>{word(A::RecordCall)}</button>
        </form>
    }
}

#[component]
fn Attempts(list: Vec<Doc>) -> impl IntoView {
    let word_of = |o: &str| OUTCOMES.iter().find(|(x, _)| x.as_str() == o).map(|(_, a)| *a);
    (!list.is_empty()).then(|| {
        view! {
            <ol class="callback-attempts-list" aria-label=word(A::Attempts)>
                {list.into_iter().map(|a| {
                    let outcome = word_of(&a.get("outcome").str());
                    view! {
                        <li>
                            <span>{when(a.get("at_ms").int().unwrap_or(0))}</span> " · "
                            <strong>{outcome.map(word)}</strong> " · "
                            <span>{a.get("agent_name").str()}</span>
                            <p class="muted">{a.get("notes").str()}</p>
                        </li>
                    }
                }).collect_view()}
            </ol>
        }
    })
}

#[component]
fn Transcript(list: Vec<Doc>) -> impl IntoView {
    (!list.is_empty()).then(|| {
        view! {
            <h4 class="section-title">{word(A::ChatBefore)}</h4>
            <ol class="callback-transcript">
                {list.into_iter().map(|m| view! {
                    <li><strong>{m.get("author_name").str()}</strong> ": " {m.get("text").str()}</li>
                }).collect_view()}
            </ol>
        }
    })
}

#[component]
fn Earlier(list: Vec<Doc>) -> impl IntoView {
    (!list.is_empty()).then(|| {
        view! {
            <h4 class="section-title">{word(A::Earlier)}</h4>
            <ul class="callback-earlier">
                {list.into_iter().map(|e| {
                    let channel = named(&e.get("channel").str()).map(|a| ctx().ta(a).to_string()).unwrap_or_default();
                    let parts = [channel, e.get("agent_name").str(), e.get("topic").str(), e.get("wrap_up_code").str()];
                    let text = parts.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join(" · ");
                    view! { <li>{when(e.get("started_at_ms").int().unwrap_or(0))} " · " {text}</li> }
                }).collect_view()}
            </ul>
        }
    })
}
