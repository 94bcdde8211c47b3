//! Polling until the page reaches a state, with failures that say what
//! was awaited and what was last seen instead.

use std::time::{Duration, Instant};

/// How long any one expected change may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

const POLL: Duration = Duration::from_millis(100);

/// Runs `check` until it succeeds and returns its value; an error means
/// "not yet" and should describe what is there instead. Panics after
/// [`TIMEOUT`] naming `what` and the last error.
pub async fn wait_for<T>(what: &str, check: impl AsyncFnMut() -> anyhow::Result<T>) -> T {
    wait_for_within(what, TIMEOUT, check).await
}

/// [`wait_for`] with its own time limit.
pub async fn wait_for_within<T>(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> anyhow::Result<T>) -> T {
    let start = Instant::now();
    loop {
        let attempt = tokio::time::timeout(limit, check()).await;
        match attempt {
            Ok(Ok(value)) => return value,
            Ok(Err(e)) if start.elapsed() >= limit => {
                panic!("timed out after {:.1} s waiting for {what}; last check: {e:#}", limit.as_secs_f64())
            }
            Err(_) => panic!("timed out after {:.1} s waiting for {what}; the check itself did not finish", limit.as_secs_f64()),
            Ok(Err(_)) => tokio::time::sleep(POLL).await,
        }
    }
}
