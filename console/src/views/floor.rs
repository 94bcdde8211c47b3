//! What supervisors watch: every queue (open or closed, how many wait and
//! for how long, who is there to answer) and every agent (their state,
//! with the reason when away, and their load), refreshed every few
//! seconds; and today's figures, computed from the routing record.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::agent::Presence;
use protocol::supervisor::{Overview, Report};

use super::admin::forms::{table, Row};
use super::{ctx, presence_key, word};
use crate::api;
use crate::words::A;

const REFRESH_EVERY: Duration = Duration::from_secs(5);

fn percent(r: Option<f64>) -> String {
    r.map(|r| format!("{:.0} %", r * 100.0)).unwrap_or_else(|| "—".into())
}

fn seconds(s: Option<f64>) -> String {
    s.map(|s| format!("{s:.0} s")).unwrap_or_else(|| "—".into())
}

/// Local midnight today, in Unix milliseconds.
fn midnight() -> i64 {
    let d = js_sys::Date::new_0();
    d.set_hours(0);
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_milliseconds(0);
    d.get_time() as i64
}

#[component]
pub fn Floor() -> impl IntoView {
    let c = ctx();
    let overview = RwSignal::new(None::<Overview>);
    let report = RwSignal::new(None::<Report>);
    let load = move || {
        spawn_local(async move {
            if let Ok(o) = api::send_json::<(), Overview>("GET", "/api/v1/supervisor/overview", None).await {
                overview.set(Some(o));
            }
            let path = format!("/api/v1/supervisor/report?from_ms={}&to_ms={}&threshold_secs=20", midnight(), js_sys::Date::now() as i64 + 1);
            if let Ok(r) = api::send_json::<(), Report>("GET", &path, None).await {
                report.set(Some(r));
            }
        })
    };
    load();
    if let Ok(handle) = set_interval_with_handle(load, REFRESH_EVERY) {
        on_cleanup(move || handle.clear());
    }
    let now = move || {
        let lang = c.lang.get();
        overview.get().map(|o| {
            let queues = o
                .queues
                .into_iter()
                .map(|q| {
                    let open = crate::words::ta(lang, if q.open { A::Open } else { A::Closed });
                    Row::of(vec![q.name, open.into(), q.waiting.to_string(), format!("{} s", q.longest_wait_secs), q.agents_available.to_string()])
                })
                .collect();
            let agents = o
                .agents
                .into_iter()
                .map(|a| {
                    let word = crate::i18n::t(lang, presence_key(a.presence));
                    let state =
                        if a.presence == Presence::Away && !a.away_reason.is_empty() { format!("{word} ({})", a.away_reason) } else { word.to_string() };
                    let class = if a.away_reason == "missed" { "row-alert" } else { "" };
                    Row { cells: vec![a.name, state, format!("{} / {}", a.chats, a.capacity)], class, action: None }
                })
                .collect();
            view! {
                {table(&[A::Queue, A::State, A::Waiting, A::LongestWait, A::AgentsAvailable], queues)}
                <h2 id="floor-agents" class="section-title">{word(A::Agents)}</h2>
                {table(&[A::Name, A::State, A::Chats], agents)}
            }
        })
    };
    let figures = move || {
        report.get().map(|r| {
            let queues = r
                .queues
                .into_iter()
                .map(|q| {
                    Row::of(vec![
                        q.name,
                        q.entered.to_string(),
                        q.answered.to_string(),
                        q.abandoned.to_string(),
                        percent(q.service_level),
                        seconds(q.average_speed_of_answer_secs),
                        seconds(q.average_handle_secs),
                    ])
                })
                .collect();
            let agents = r.agents.into_iter().map(|a| Row::of(vec![a.name, a.handled.to_string(), percent(a.occupancy)])).collect();
            view! {
                {table(&[A::Queue, A::Entered, A::Answered, A::Abandoned, A::ServiceLevel, A::Asa, A::Aht], queues)}
                {table(&[A::Agents, A::Handled, A::Occupancy], agents)}
            }
        })
    };
    view! {
        <section class="panel" aria-labelledby="floor-queues">
            <div class="panel-head">
                <h2 id="floor-queues" class="section-title">{word(A::Queues)}</h2>
                <button type="button" class="btn btn-ghost" on:click=move |_| load()>{word(A::Refresh)}</button>
            </div>
            {now}
        </section>
        <section class="panel" aria-labelledby="floor-report">
            <h2 id="floor-report" class="section-title">{word(A::Report)}</h2>
            {figures}
        </section>
    }
}
