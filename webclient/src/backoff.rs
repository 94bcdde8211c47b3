//! Reconnect delays: exponential with full jitter, so that a thousand
//! widgets cut off by one server restart do not all come back in the same
//! millisecond.

/// The first retry waits up to this long.
pub const BASE_MS: u32 = 500;
/// No retry waits longer than this.
pub const CAP_MS: u32 = 15_000;

/// The delay before reconnect attempt `attempt` (0 for the first retry),
/// given `random` in `[0, 1)`. Half the window is fixed and half is
/// jitter, so a retry is never immediate yet never synchronised.
pub fn delay_ms(attempt: u32, random: f64) -> u32 {
    let window = BASE_MS.saturating_mul(1u32 << attempt.min(10)).min(CAP_MS);
    let random = if random.is_finite() { random.clamp(0.0, 1.0) } else { 0.5 };
    let half = window / 2;
    half + (f64::from(window - half) * random) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps() {
        assert_eq!(delay_ms(0, 0.0), 250);
        assert_eq!(delay_ms(1, 0.0), 500);
        assert_eq!(delay_ms(3, 0.0), 2000);
        assert_eq!(delay_ms(30, 0.0), CAP_MS / 2);
        assert_eq!(delay_ms(30, 1.0), CAP_MS);
    }

    #[test]
    fn jitter_stays_inside_the_window() {
        for attempt in 0..20 {
            for r in [0.0, 0.1, 0.5, 0.99, 1.0, f64::NAN, -3.0, 7.0] {
                let d = delay_ms(attempt, r);
                let window = BASE_MS.saturating_mul(1u32 << attempt.min(10)).min(CAP_MS);
                assert!(d >= window / 2 && d <= window, "attempt {attempt} r {r}: {d}");
            }
        }
    }
}
