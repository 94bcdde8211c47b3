//! What the agents received, shared by every agent task: each visitor
//! message's send stamp and how long it took to arrive, so any window of
//! the run can be measured afterwards.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

#[derive(Default)]
pub struct Receipts {
    /// (send stamp, latency), both in microseconds.
    entries: Mutex<Vec<(u64, u64)>>,
    count: AtomicU64,
}

impl Receipts {
    pub fn record(&self, stamp_us: u64, latency_us: u64) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).push((stamp_us, latency_us));
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Latencies of the messages stamped within `[from_us, to_us)`.
    pub fn latencies_between(&self, from_us: u64, to_us: u64) -> Vec<u64> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).iter().filter(|(s, _)| *s >= from_us && *s < to_us).map(|(_, l)| *l).collect()
    }

    pub fn all_latencies(&self) -> Vec<u64> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|(_, l)| *l).collect()
    }
}
