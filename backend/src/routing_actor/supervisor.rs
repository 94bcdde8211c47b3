//! Keeps the routing task running: a panic rebuilds it from the database
//! and the hub's live connections, with the same inbox, so no sender
//! notices. Too many failures in a short time, or a failure to rebuild,
//! stop the process instead.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use routing::EngineConfig;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::actor::Actor;
use super::{Input, Shared};
use crate::fatal::Fatal;
use crate::hub::Hub;
use crate::store::Store;

/// More failures than this within [`WINDOW`] stop the process.
const MAX_RESTARTS: usize = 5;
const WINDOW: Duration = Duration::from_secs(60);

/// What rebuilding the actor needs.
pub struct Rebuild {
    pub store: Store,
    pub hub: Hub,
    pub config: EngineConfig,
    pub shared: Arc<Shared>,
    /// The routing inbox's sending side (forwarded inputs go in here).
    pub tx: mpsc::Sender<Input>,
}

/// Runs `first` until `stop`, rebuilding it after a panic (in the same
/// routing term, if any).
pub async fn supervise(first: Actor, inbox: &mut mpsc::Receiver<Input>, rebuild: &Rebuild, fatal: &Fatal, stop: &CancellationToken) {
    let mut actor = first;
    let mut failures: VecDeque<Instant> = VecDeque::new();
    loop {
        rebuild.shared.alive.store(true, Ordering::Relaxed);
        let outcome = AssertUnwindSafe(actor.run(inbox, stop)).catch_unwind().await;
        rebuild.shared.alive.store(false, Ordering::Relaxed);
        let Err(panic) = outcome else {
            tracing::debug!("routing task stopped");
            return;
        };
        let what = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned()).unwrap_or_default();
        tracing::error!(panic = %what, "the routing task failed; restoring it from the database");
        let now = Instant::now();
        failures.push_back(now);
        while failures.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
            failures.pop_front();
        }
        if failures.len() > MAX_RESTARTS {
            fatal.raise(format!("routing failed {} times within {} s; last: {what}", failures.len(), WINDOW.as_secs()));
            return;
        }
        let term = actor.term().cloned();
        actor = match Actor::restore(rebuild, term).await {
            Ok(actor) => actor,
            Err(e) => {
                fatal.raise(format!("routing could not be restored: {e}"));
                return;
            }
        };
        tracing::info!("routing restored");
    }
}
