//! A token bucket per connection: bursts are fine, floods are not.

use std::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    pub fn new(burst: u32, per_second: u32, now: Instant) -> Self {
        let capacity = burst.max(1) as f64;
        Self { capacity, per_second: per_second.max(1) as f64, tokens: capacity, last: now }
    }

    /// Takes a token if there is one. The clock is passed in so tests can
    /// drive time.
    pub fn allow(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn allows_a_burst_then_the_steady_rate() {
        let t0 = Instant::now();
        let mut r = RateLimiter::new(5, 2, t0);
        assert_eq!((0..10).filter(|_| r.allow(t0)).count(), 5);
        assert!(!r.allow(t0 + Duration::from_millis(100)));
        assert!(r.allow(t0 + Duration::from_millis(600)));
        // A long pause refills only up to the burst.
        let later = t0 + Duration::from_secs(60);
        assert_eq!((0..10).filter(|_| r.allow(later)).count(), 5);
    }
}
