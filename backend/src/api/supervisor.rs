//! What supervisors see: the queues and agents now, and the contact-centre
//! report of an interval, computed exactly from the routing record.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::Json;
use protocol::agent::Presence;
use protocol::supervisor::{AgentFigures, AgentNow, Overview, QueueFigures, QueueNow, Report};
use protocol::ErrorCode;
use routing::report::{agent_report, queue_report};
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{now_ms, SessionRecord};

/// A signed-in supervisor or admin.
pub struct Supervisor(pub SessionRecord);

impl FromRequestParts<AppState> for Supervisor {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        if !session.agent.info.role.supervises() {
            return Err(Refusal::new(ErrorCode::Forbidden, "only supervisors and admins see this"));
        }
        Ok(Supervisor(session))
    }
}

/// `GET /api/v1/supervisor/overview`.
pub async fn overview(State(state): State<AppState>, _: Supervisor) -> Result<Json<Overview>, Refusal> {
    let now = now_ms();
    let waiting: HashMap<_, _> = state.store.waiting_per_queue().await?.into_iter().map(|(q, n, first)| (q, (n, first))).collect();
    let chats: HashMap<_, _> = state.store.chats_per_agent().await?.into_iter().collect();
    let mut available_per_queue: HashMap<protocol::QueueId, u32> = HashMap::new();
    let mut out = Overview::default();
    for a in state.store.agents_now().await?.into_iter().filter(|a| !a.disabled) {
        let id = a.info.id;
        if a.presence == Presence::Available {
            for q in state.store.queues_served_by(id).await? {
                *available_per_queue.entry(q).or_default() += 1;
            }
        }
        let chats = chats.get(&id).copied().unwrap_or(0);
        out.agents.push(AgentNow { id, name: a.info.name, presence: a.presence, away_reason: a.away_reason, chats, capacity: a.capacity });
    }
    for q in state.store.queues().await? {
        let (n, first) = waiting.get(&q.id).copied().unwrap_or((0, now));
        out.queues.push(QueueNow {
            id: q.id,
            site_id: q.config.site_id,
            name: q.config.name,
            open: state.routing.queue_open(q.id),
            waiting: n,
            longest_wait_secs: if n == 0 { 0 } else { ((now - first).max(0) / 1000) as u32 },
            agents_available: available_per_queue.get(&q.id).copied().unwrap_or(0),
        });
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
pub struct Interval {
    from_ms: i64,
    to_ms: i64,
    #[serde(default = "default_threshold")]
    threshold_secs: u32,
}

fn default_threshold() -> u32 {
    20
}

/// `GET /api/v1/supervisor/report?from_ms=..&to_ms=..&threshold_secs=20`:
/// per queue, service level, speed of answer, abandonment and handle time;
/// per agent, conversations handled and occupancy.
pub async fn report(State(state): State<AppState>, _: Supervisor, Query(i): Query<Interval>) -> Result<Json<Report>, Refusal> {
    if i.to_ms <= i.from_ms || i.to_ms - i.from_ms > 93 * 24 * 3600 * 1000 {
        return Err(Refusal::new(ErrorCode::Invalid, "a report covers a positive interval of at most 93 days"));
    }
    let steps = state.store.routing_steps(i.from_ms, i.to_ms).await?;
    let changes = state.store.state_changes(i.from_ms, i.to_ms).await?;
    let (from, to) = (i.from_ms.max(0) as u64, i.to_ms.max(0) as u64);
    let threshold = u64::from(i.threshold_secs) * 1000;
    let secs = |ms: Option<f64>| ms.map(|ms| ms / 1000.0);
    let queues = state
        .store
        .queues()
        .await?
        .into_iter()
        .map(|q| {
            let r = queue_report(&steps, q.id, threshold, from, to);
            QueueFigures {
                id: q.id,
                name: q.config.name,
                entered: r.entered,
                answered: r.answered,
                abandoned: r.abandoned,
                left: r.left,
                service_level: r.service_level,
                average_speed_of_answer_secs: secs(r.average_speed_of_answer_ms),
                abandonment: r.abandonment,
                average_handle_secs: secs(r.average_handle_ms),
            }
        })
        .collect();
    let agents = state
        .store
        .agents_for_admin()
        .await?
        .into_iter()
        .map(|a| {
            let r = agent_report(&steps, &changes, a.id, from, to);
            AgentFigures { id: a.id, name: a.name, handled: r.handled, staffed_secs: r.staffed_ms / 1000, occupancy: r.occupancy }
        })
        .collect();
    Ok(Json(Report { from_ms: i.from_ms, to_ms: i.to_ms, threshold_secs: i.threshold_secs, queues, agents }))
}
