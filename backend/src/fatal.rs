//! The way a background task says "this process must not go on": it
//! records why and starts the shutdown; `rapport serve` then exits with an
//! error instead of running without, say, routing.

use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

#[derive(Clone)]
pub struct Fatal {
    reason: Arc<OnceLock<String>>,
    shutdown: CancellationToken,
}

impl Fatal {
    pub fn new(shutdown: CancellationToken) -> Self {
        Self { reason: Arc::new(OnceLock::new()), shutdown }
    }

    pub fn raise(&self, reason: String) {
        tracing::error!(%reason, "stopping: a vital task failed");
        let _ = self.reason.set(reason);
        self.shutdown.cancel();
    }

    /// Why the process is stopping, if it is because of a failure.
    pub fn reason(&self) -> Option<&str> {
        self.reason.get().map(String::as_str)
    }

    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }
}
