//! What supervisors watch: every queue (open or closed, how many wait and
//! for how long, who is there to answer) and every agent (their state,
//! with the reason when away, and their load), refreshed every few
//! seconds; and today's figures, computed from the routing record.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::agent::Presence;
use protocol::supervisor::{Overview, Report};

use super::{ctx, presence_key};
use crate::api;
use crate::words::A;

const REFRESH_EVERY: Duration = Duration::from_secs(5);

fn percent(r: Option<f64>) -> String {
    r.map(|r| format!("{:.0} %", r * 100.0)).unwrap_or_else(|| "—".into())
}

fn seconds(s: Option<f64>) -> String {
    s.map(|s| format!("{s:.0} s")).unwrap_or_else(|| "—".into())
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
            let now = js_sys::Date::now() as i64;
            let midnight = {
                let d = js_sys::Date::new_0();
                d.set_hours(0);
                d.set_minutes(0);
                d.set_seconds(0);
                d.set_milliseconds(0);
                d.get_time() as i64
            };
            let path = format!("/api/v1/supervisor/report?from_ms={midnight}&to_ms={}&threshold_secs=20", now + 1);
            if let Ok(r) = api::send_json::<(), Report>("GET", &path, None).await {
                report.set(Some(r));
            }
        })
    };
    load();
    if let Ok(handle) = set_interval_with_handle(load, REFRESH_EVERY) {
        on_cleanup(move || handle.clear());
    }
    let queues = move || {
        overview.get().map(|o| {
            o.queues
                .into_iter()
                .map(|q| {
                    let open = if q.open { A::Open } else { A::Closed };
                    view! {
                        <tr>
                            <th scope="row">{q.name}</th>
                            <td>{move || c.ta(open)}</td>
                            <td class="num">{q.waiting}</td>
                            <td class="num">{format!("{} s", q.longest_wait_secs)}</td>
                            <td class="num">{q.agents_available}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let agents = move || {
        overview.get().map(|o| {
            o.agents
                .into_iter()
                .map(|a| {
                    let presence = a.presence;
                    let reason = a.away_reason.clone();
                    let state = move || {
                        let word = c.t(presence_key(presence));
                        if presence == Presence::Away && !reason.is_empty() { format!("{word} ({reason})") } else { word.to_string() }
                    };
                    view! {
                        <tr class=if a.away_reason == "missed" { "row-alert" } else { "" }>
                            <th scope="row">{a.name}</th>
                            <td>{state}</td>
                            <td class="num">{format!("{} / {}", a.chats, a.capacity)}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let figures = move || {
        report.get().map(|r| {
            let queues = r
                .queues
                .into_iter()
                .map(|q| {
                    view! {
                        <tr>
                            <th scope="row">{q.name}</th>
                            <td class="num">{q.entered}</td>
                            <td class="num">{q.answered}</td>
                            <td class="num">{q.abandoned}</td>
                            <td class="num">{percent(q.service_level)}</td>
                            <td class="num">{seconds(q.average_speed_of_answer_secs)}</td>
                            <td class="num">{seconds(q.average_handle_secs)}</td>
                        </tr>
                    }
                })
                .collect_view();
            let agents = r
                .agents
                .into_iter()
                .map(|a| view! { <tr><th scope="row">{a.name}</th><td class="num">{a.handled}</td><td class="num">{percent(a.occupancy)}</td></tr> })
                .collect_view();
            (queues, agents)
        })
    };
    view! {
        <section class="panel" aria-labelledby="floor-queues">
            <div class="panel-head">
                <h2 id="floor-queues" class="section-title">{move || c.ta(A::Queues)}</h2>
                <button type="button" class="btn btn-ghost" on:click=move |_| load()>{move || c.ta(A::Refresh)}</button>
            </div>
            <table class="table">
                <thead><tr>
                    <th scope="col">{move || c.ta(A::Name)}</th><th scope="col">{move || c.ta(A::State)}</th>
                    <th scope="col">{move || c.ta(A::Waiting)}</th><th scope="col">{move || c.ta(A::LongestWait)}</th>
                    <th scope="col">{move || c.ta(A::AgentsAvailable)}</th>
                </tr></thead>
                <tbody>{queues}</tbody>
            </table>
        </section>
        <section class="panel" aria-labelledby="floor-agents">
            <h2 id="floor-agents" class="section-title">{move || c.ta(A::Agents)}</h2>
            <table class="table">
                <thead><tr>
                    <th scope="col">{move || c.ta(A::Name)}</th><th scope="col">{move || c.ta(A::State)}</th><th scope="col">{move || c.ta(A::Chats)}</th>
                </tr></thead>
                <tbody>{agents}</tbody>
            </table>
        </section>
        <section class="panel" aria-labelledby="floor-report">
            <h2 id="floor-report" class="section-title">{move || c.ta(A::Report)}</h2>
            {move || figures().map(|(queues, agents)| view! {
                <table class="table">
                    <thead><tr>
                        <th scope="col">{move || c.ta(A::Queue)}</th><th scope="col">{move || c.ta(A::Entered)}</th>
                        <th scope="col">{move || c.ta(A::Answered)}</th><th scope="col">{move || c.ta(A::Abandoned)}</th>
                        <th scope="col">{move || c.ta(A::ServiceLevel)}</th><th scope="col">{move || c.ta(A::Asa)}</th><th scope="col">{move || c.ta(A::Aht)}</th>
                    </tr></thead>
                    <tbody>{queues}</tbody>
                </table>
                <table class="table">
                    <thead><tr>
                        <th scope="col">{move || c.ta(A::Agents)}</th><th scope="col">{move || c.ta(A::Handled)}</th><th scope="col">{move || c.ta(A::Occupancy)}</th>
                    </tr></thead>
                    <tbody>{agents}</tbody>
                </table>
            })}
        </section>
    }
}
