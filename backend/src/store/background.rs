//! A task the store owns: told to stop and waited for when the store closes.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Cheap to clone; every clone stops the same task.
#[derive(Clone)]
pub(super) struct Background {
    name: &'static str,
    stop: CancellationToken,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Background {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Background").field("name", &self.name).field("stopping", &self.stop.is_cancelled()).finish()
    }
}

impl Background {
    /// Runs `work` until it returns; it should return soon after the token
    /// it is given is cancelled.
    pub fn spawn<F, Fut>(name: &'static str, work: F) -> Self
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let stop = CancellationToken::new();
        let task = tokio::spawn(work(stop.clone()));
        Self { name, stop, task: Arc::new(Mutex::new(Some(task))) }
    }

    /// Asks the task to stop and waits until it has.
    pub async fn stop(&self) {
        self.stop.cancel();
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            if let Err(e) = task.await {
                tracing::error!(error = %e, task = self.name, "a store task ended abnormally");
            }
        }
    }
}
