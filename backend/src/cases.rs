//! Escalation of cases: a sweep, on every node, that marks the open cases
//! past a due time they have not met (`Store::escalate_due`, each case once
//! whichever node gets there first) and announces each as the signed
//! `case.escalated` webhook when `[events] url` is set. The console flags
//! escalated cases in its list.

use std::time::Duration;

use crate::state::AppState;
use crate::store::{now_ms, StoreError};

/// How often due times are checked.
pub const SWEEP: Duration = Duration::from_secs(30);

/// The webhook's kind, as the delivery log shows it.
pub const ESCALATED: &str = "case.escalated";

/// Escalates what is due at `now`; returns how many cases it escalated.
pub async fn escalate(state: &AppState, now: i64) -> Result<usize, StoreError> {
    let cases = state.store.escalate_due(now).await?;
    for case in &cases {
        tracing::warn!(case = case.id, department = case.config.department_id, "a case passed its due time: escalated");
        let url = &state.config.events.url;
        if !url.is_empty() {
            let body = |delivery: i64| serde_json::json!({ "type": ESCALATED, "delivery": delivery, "case": case }).to_string();
            // One failure must not keep the others' webhooks back.
            if let Err(e) = state.store.queue_delivery(ESCALATED, url, body).await {
                tracing::error!(case = case.id, error = %e, "could not queue the case.escalated webhook");
            }
        }
    }
    Ok(cases.len())
}

/// Runs the sweep until shutdown.
pub async fn sweep(state: AppState) {
    let mut tick = tokio::time::interval(SWEEP);
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = escalate(&state, now_ms()).await {
            tracing::error!(error = %e, "could not escalate the cases past their due times");
        }
    }
}
