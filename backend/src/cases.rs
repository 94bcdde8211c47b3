//! Escalation of cases: a sweep, on every node, that marks the open cases
//! past a due time they have not met (`Store::escalate_due`, each case once
//! whichever node gets there first) and announces each as the signed
//! `case.escalated` webhook (`events`) when `[events] url` is set. The console flags
//! escalated cases in its list.

use std::time::Duration;

use crate::events;
use crate::state::AppState;
use crate::store::{now_ms, StoreError};

/// How often due times are checked.
pub const SWEEP: Duration = Duration::from_secs(30);

/// Escalates what is due at `now`; returns how many cases it escalated.
pub async fn escalate(state: &AppState, now: i64) -> Result<usize, StoreError> {
    let cases = state.store.escalate_due(now).await?;
    for case in &cases {
        tracing::warn!(case = case.id, department = case.config.department_id, "a case passed its due time: escalated");
        // One failure must not keep the others' webhooks back (it is logged there).
        events::case_event(state, events::CASE_ESCALATED, case).await;
    }
    Ok(cases.len())
}

/// Runs the sweep until shutdown.
pub async fn sweep(state: AppState) {
    crate::periodic::every(state, SWEEP, "escalate the cases past their due times", |state| async move { escalate(&state, now_ms()).await.map(drop) }).await
}
