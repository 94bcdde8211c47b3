//! What supervisors watch: every queue (open or closed, how many wait and
//! for how long, who is there to answer) and every agent (their state,
//! with the reason when away, and their load), refreshed every few
//! seconds; and today's figures, computed from the routing record.

use std::time::Duration;

use leptos::prelude::*;

use super::admin::doc::Doc;
use super::admin::forms::{table, Row};
use super::admin::resources::{cell, col, Column, Show};
use super::admin::screen::load;
use super::{ctx, word};
use crate::words::A;

const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// The queues now (`protocol::supervisor::QueueNow`).
const QUEUES_NOW: [Column; 5] = [
    col(A::Queue, "name", Show::Text),
    col(A::State, "open", Show::Open),
    col(A::Waiting, "waiting", Show::Text),
    col(A::LongestWait, "longest_wait_secs", Show::Seconds),
    col(A::AgentsAvailable, "agents_available", Show::Text),
];

/// Today's figures per queue (`protocol::supervisor::QueueFigures`).
const QUEUE_FIGURES: [Column; 7] = [
    col(A::Queue, "name", Show::Text),
    col(A::Entered, "entered", Show::Text),
    col(A::Answered, "answered", Show::Text),
    col(A::Abandoned, "abandoned", Show::Text),
    col(A::ServiceLevel, "service_level", Show::Percent),
    col(A::Asa, "average_speed_of_answer_secs", Show::Seconds),
    col(A::Aht, "average_handle_secs", Show::Seconds),
];

/// Today's figures per agent (`protocol::supervisor::AgentFigures`).
const AGENT_FIGURES: [Column; 3] = [col(A::Agents, "name", Show::Text), col(A::Handled, "handled", Show::Text), col(A::Occupancy, "occupancy", Show::Percent)];

/// A table of `records` (a JSON list) in `columns`.
fn columns_table(records: &Doc, columns: &[Column], lang: crate::i18n::Lang) -> AnyView {
    let rows = records.items().iter().map(|r| Row::of(columns.iter().map(|c| cell(r, c, lang)).collect())).collect();
    table(&columns.iter().map(|c| c.label).collect::<Vec<_>>(), rows)
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
    let overview = RwSignal::new_local(None::<Doc>);
    let report = RwSignal::new_local(None::<Doc>);
    let refresh = move || {
        load("/api/v1/supervisor/overview".into(), overview);
        load(format!("/api/v1/supervisor/report?from_ms={}&to_ms={}&threshold_secs=20", midnight(), js_sys::Date::now() as i64 + 1), report);
    };
    refresh();
    if let Ok(handle) = set_interval_with_handle(refresh, REFRESH_EVERY) {
        on_cleanup(move || handle.clear());
    }
    let now = move || {
        let lang = c.lang.get();
        overview.get().map(|o| {
            let agents = o
                .get("agents")
                .items()
                .iter()
                .map(|a| {
                    let presence = a.get("presence").str();
                    let reason = a.get("away_reason").str();
                    let shown = protocol::agent::Presence::parse(&presence).map_or("", |p| crate::i18n::t(lang, super::presence_key(p)));
                    let state = if presence == "away" && !reason.is_empty() { format!("{shown} ({reason})") } else { shown.to_string() };
                    let class = if reason == "missed" { "row-alert" } else { "" };
                    let load = format!("{} / {}", a.get("chats").str(), a.get("capacity").str());
                    Row { cells: vec![a.get("name").str(), state, load], class, action: None }
                })
                .collect();
            view! {
                {columns_table(&o.get("queues"), &QUEUES_NOW, lang)}
                <h2 id="floor-agents" class="section-title">{word(A::Agents)}</h2>
                {table(&[A::Name, A::State, A::Chats], agents)}
            }
        })
    };
    let figures = move || {
        let lang = c.lang.get();
        report.get().map(|r| {
            view! {
                {columns_table(&r.get("queues"), &QUEUE_FIGURES, lang)}
                {columns_table(&r.get("agents"), &AGENT_FIGURES, lang)}
            }
        })
    };
    view! {
        <section class="panel" aria-labelledby="floor-queues">
            <div class="panel-head">
                <h2 id="floor-queues" class="section-title">{word(A::Queues)}</h2>
                <button type="button" class="btn btn-ghost" on:click=move |_| refresh()>{word(A::Refresh)}</button>
            </div>
            {now}
        </section>
        <section class="panel" aria-labelledby="floor-report">
            <h2 id="floor-report" class="section-title">{word(A::Report)}</h2>
            {figures}
        </section>
    }
}
