//! Work every node does every so often until it shuts down: the sweeps
//! (cases past their due times, ended conversations to announce) and the
//! telemetry probe. One loop, so each stops the same way on shutdown.

use std::future::Future;
use std::time::Duration;

use crate::state::AppState;

/// Runs `work` every `period` (the first time at once) until shutdown. A
/// round that fails is logged as "could not {what}"; the next one runs.
pub async fn every<F, Fut, E>(state: AppState, period: Duration, what: &'static str, mut work: F)
where
    F: FnMut(AppState) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut tick = tokio::time::interval(period);
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = work(state.clone()).await {
            tracing::error!(error = %e, "could not {what}");
        }
    }
}
