//! Client-side pacing that stays under the server's per-connection rate
//! limit (a token bucket: burst 40, then 10 frames a second), so the run
//! measures the server rather than its flood protection.

use std::time::Duration;

use tokio::time::Instant;

/// Frames a fresh connection may send at once. Below the server's burst of
/// 40, leaving room for hello and the frame that follows it.
const BURST: f64 = 34.0;
/// Frames per second after the burst, below the server's 10.
const PER_SECOND: f64 = 8.0;

pub struct Pacer {
    tokens: f64,
    last: Instant,
}

impl Pacer {
    pub fn new() -> Self {
        Self { tokens: BURST, last: Instant::now() }
    }

    /// Waits until one more frame may be sent, and counts it.
    pub async fn ready(&mut self) {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * PER_SECOND).min(BURST);
        self.last = now;
        if self.tokens < 1.0 {
            let wait = Duration::from_secs_f64((1.0 - self.tokens) / PER_SECOND);
            tokio::time::sleep(wait).await;
            self.tokens = 1.0;
            self.last = Instant::now();
        }
        self.tokens -= 1.0;
    }
}
