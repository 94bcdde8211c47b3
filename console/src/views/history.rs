//! Past conversations: search by words (Chinese or English), visitor,
//! agent, dates and status, and open any transcript the agent's sites
//! hold. Built from the admin screens' pieces (fields, table) so that it
//! adds little to the console's download.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::admin::doc::Doc;
use super::admin::forms::{select_field, table, text_field, Label, Row};
use super::{ctx, word};
use crate::api;
use crate::words::A;

/// Midnight at the start of a `YYYY-MM-DD` day in the agent's time zone
/// (of the day after, with `after`), as Unix milliseconds. The calendar
/// counts the days, so a day of 23 or 25 hours ends where it should.
fn day_ms(date: &str, after: bool) -> Option<f64> {
    let date = date.trim();
    if date.is_empty() {
        return None;
    }
    let day = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&format!("{date}T00:00:00")));
    if after {
        day.set_date(day.get_date() + 1);
    }
    let ms = day.get_time();
    (!ms.is_nan()).then_some(ms)
}

pub fn when(ms: f64) -> String {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms)).to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED).into()
}

#[component]
pub fn History() -> impl IntoView {
    let c = ctx();
    let (q, visitor, agent, status, from, to) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let found = RwSignal::new_local(None::<Doc>);
    let opened = RwSignal::new_local(None::<Doc>);
    let error = RwSignal::new(None::<String>);
    let agents = RwSignal::new(Vec::<(String, String)>::new());
    spawn_local(async move {
        if let Some(d) = api::call("GET", "/api/v1/directory", None).await.ok().and_then(|t| Doc::parse(&t)) {
            agents.set(d.get("agents").items().iter().map(|a| (a.get("id").str(), a.get("name").str())).collect());
        }
    });
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut query = Vec::new();
        let enc = |s: &str| String::from(js_sys::encode_uri_component(s.trim()));
        for (key, value) in
            [("q", q.get_untracked()), ("visitor", visitor.get_untracked()), ("agent", agent.get_untracked()), ("status", status.get_untracked())]
        {
            if !value.trim().is_empty() {
                query.push(format!("{key}={}", enc(&value)));
            }
        }
        if let Some(ms) = day_ms(&from.get_untracked(), false) {
            // Whole milliseconds: formatting an f64 would bring Rust's
            // float printing (5 KB) into the Wasm.
            query.push(format!("from={}", ms as i64));
        }
        // The "to" day is included: up to the next midnight.
        if let Some(ms) = day_ms(&to.get_untracked(), true) {
            query.push(format!("to={}", ms as i64));
        }
        spawn_local(async move {
            match api::call("GET", &format!("/api/v1/conversations/search?{}", query.join("&")), None).await {
                Ok(text) => {
                    error.set(None);
                    opened.set(None);
                    found.set(Doc::parse(&text));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let open = move |id: String| {
        spawn_local(async move {
            match api::call("GET", &format!("/api/v1/conversations/{id}/transcript"), None).await {
                Ok(text) => opened.set(Doc::parse(&text)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let statuses = move || {
        [("", A::AnyStatus), ("active", A::StatusActive), ("queued", A::Waiting), ("ended", A::StatusEnded)]
            .iter()
            .map(|(v, a)| (v.to_string(), c.ta(*a).to_string()))
            .collect::<Vec<_>>()
    };
    let results = move || {
        let list = found.get()?;
        let rows = list
            .items()
            .iter()
            .map(|f| {
                let id = f.get("id").str();
                let mut row = Row::of(vec![
                    when(f.get("started_at_ms").num().unwrap_or_default()),
                    format!("{} {}", f.get("visitor_name").str(), f.get("visitor_email").str()),
                    f.get("agent_name").str(),
                    c.ta(match f.get("status").str().as_str() {
                        "active" => A::StatusActive,
                        "ended" => A::StatusEnded,
                        _ => A::Waiting,
                    })
                    .to_string(),
                    // A callback's attempt has no messages: its topic says
                    // what it was about.
                    Some(f.get("snippet").str()).filter(|s| !s.is_empty()).unwrap_or_else(|| f.get("topic").str()),
                ]);
                row.action = Some((A::OpenTranscript, Callback::new(move |()| open(id.clone()))));
                row
            })
            .collect::<Vec<_>>();
        // The newest page only: a full page means there may be older ones,
        // which a narrower search finds (a "more" button cost 2 KB of the
        // console's budget).
        let full = rows.len() >= protocol::history::SEARCH_PAGE;
        Some(if rows.is_empty() {
            view! { <p class="muted" role="status">{word(A::NothingFound)}</p> }.into_any()
        } else if full {
            view! { {table(&[A::When, A::VisitorCol, A::AgentCol, A::Status, A::What], rows)} <p class="muted" role="status">{word(A::NarrowSearch)}</p> }
                .into_any()
        } else {
            table(&[A::When, A::VisitorCol, A::AgentCol, A::Status, A::What], rows)
        })
    };
    let transcript = move || {
        let t = opened.get()?;
        let head = t.get("conversation");
        let title = format!("{} · {}", head.get("visitor_name").str(), when(head.get("started_at_ms").num().unwrap_or_default()));
        Some(view! {
            <section class="panel" aria-labelledby="transcript-title">
                <h2 id="transcript-title" class="section-title">{title}</h2>
                <ol class="transcript" id="transcript">
                    {t.get("messages").items().iter().map(|m| {
                        let class = format!("transcript-line transcript-{}", m.get("author").str());
                        view! {
                            <li class=class>
                                <span class="transcript-who">{m.get("author_name").str()}</span>
                                <span class="transcript-text">{m.get("text").str()}</span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </section>
        })
    };
    view! {
        <section class="panel" aria-labelledby="history-title">
            <h2 id="history-title" class="section-title">{word(A::PastConversations)}</h2>
            <form class="form history-form" role="search" on:submit=search>
                {text_field("history-q", A::Words, q)}
                {text_field("history-visitor", A::VisitorNameOrEmail, visitor)}
                {move || {
                    let mut options = vec![(String::new(), c.ta(A::AnyAgent).to_string())];
                    options.extend(agents.get());
                    select_field("history-agent".into(), Label::Word(A::AgentCol), options, agent)
                }}
                {move || select_field("history-status".into(), Label::Word(A::Status), statuses(), status)}
                <label class="field" for="history-from"><span>{word(A::FromDay)}</span>
                    <input id="history-from" class="input" type="date" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/></label>
                <label class="field" for="history-to"><span>{word(A::ToDay)}</span>
                    <input id="history-to" class="input" type="date" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/></label>
                <div class="form-actions"><button type="submit" id="history-search" class="btn btn-primary">{word(A::Search)}</button></div>
            </form>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {results}
        </section>
        {transcript}
    }
}
