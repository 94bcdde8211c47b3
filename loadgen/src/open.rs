//! Open loop: messages are offered at a fixed rate whatever the server
//! does, and each is stamped with the time it was due, so a server that
//! falls behind shows it as latency (no coordinated omission). A sweep
//! raises the rate step by step to find the highest one whose p99 stays
//! under 50 ms.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::receipts::Receipts;
use crate::report::percentile;
use crate::stamp;
use crate::visitor::OpenVisitor;

/// The p99 a durable rate must keep.
pub const P99_LIMIT_US: u64 = 50_000;
/// Rates tried by the sweep, in order.
pub const SWEEP: [u32; 12] = [1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000, 12_000, 14_000, 16_000, 20_000];
/// How long the tail of a step may take to arrive after it ends.
const DRAIN: Duration = Duration::from_secs(3);

/// What one rate did.
pub struct Step {
    pub offered: u32,
    pub sent: u64,
    pub delivered: u64,
    pub p50_us: Option<u64>,
    pub p99_us: Option<u64>,
    pub achieved: f64,
}

impl Step {
    /// Every message arrived and the slowest 1% within 50 ms.
    pub fn holds(&self) -> bool {
        self.sent > 0 && self.delivered == self.sent && self.p99_us.is_some_and(|p| p <= P99_LIMIT_US)
    }
}

/// Offers `rate` messages a second for `seconds`, spread over the visitors
/// in turn, then waits for the stragglers and measures.
pub async fn step(visitors: &[OpenVisitor], receipts: &Arc<Receipts>, rate: u32, seconds: u64) -> Step {
    let started_us = stamp::now_us();
    let started = Instant::now();
    let length = Duration::from_secs(seconds);
    let mut sent = 0u64;
    let mut next = 0usize;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    while started.elapsed() < length {
        tick.tick().await;
        let due = (started.elapsed().as_secs_f64() * f64::from(rate)) as u64;
        while sent < due {
            // The time this message was due, not the time it left.
            let due_us = started_us + sent * 1_000_000 / u64::from(rate);
            if visitors[next % visitors.len()].sends.try_send(due_us).is_ok() {
                sent += 1;
            } else {
                // The generator itself cannot keep up: stop offering more.
                break;
            }
            next += 1;
        }
    }
    let ended_us = stamp::now_us();
    let drain_until = Instant::now() + DRAIN;
    while (receipts.latencies_between(started_us, ended_us).len() as u64) < sent && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut latencies = receipts.latencies_between(started_us, ended_us);
    latencies.sort_unstable();
    Step {
        offered: rate,
        sent,
        delivered: latencies.len() as u64,
        p50_us: percentile(&latencies, 50.0),
        p99_us: percentile(&latencies, 99.0),
        achieved: latencies.len() as f64 / length.as_secs_f64(),
    }
}
