//! Short codes a visitor reads to an agent on the phone, and the limit on
//! guessing them. A code is six digits (a million values, a handful in
//! use at once, each for ten minutes), so guessing must be slow: after
//! [`WRONG_PER_WINDOW`] wrong codes in a minute, an agent (and, apart, an
//! address) must wait for the minute to pass. Counted per node, like the
//! other per-address limits.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use protocol::cobrowse::CODE_DIGITS;
use protocol::{AgentId, ErrorCode};
use rand::Rng;

use crate::refusal::Refusal;

/// Wrong codes allowed per guesser per window.
pub const WRONG_PER_WINDOW: u32 = 5;
const WINDOW_MS: i64 = 60_000;
/// Guessers remembered at most; the oldest windows are forgotten first.
const REMEMBERED: usize = 10_000;

/// A fresh code: six random digits, leading zeros kept.
pub fn draw() -> String {
    let n: u32 = rand::rngs::OsRng.gen_range(0..10u32.pow(CODE_DIGITS as u32));
    format!("{n:0width$}", width = CODE_DIGITS)
}

/// Who is guessing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Guesser {
    Agent(AgentId),
    Address(IpAddr),
}

/// Wrong codes per guesser in the current window: (window start, count).
#[derive(Default)]
pub struct Guesses {
    wrong: Mutex<HashMap<Guesser, (i64, u32)>>,
}

impl Guesses {
    /// Refuses when any of `guessers` used up its wrong codes in the
    /// window, saying when to try again.
    pub fn check(&self, guessers: &[Guesser], now: i64) -> Result<(), Refusal> {
        let wrong = self.wrong.lock().unwrap_or_else(PoisonError::into_inner);
        for g in guessers {
            if let Some(&(start, n)) = wrong.get(g) {
                if now - start < WINDOW_MS && n >= WRONG_PER_WINDOW {
                    let wait = Duration::from_millis((WINDOW_MS - (now - start)).max(1) as u64);
                    return Err(Refusal::new(ErrorCode::RateLimited, "too many wrong codes; wait a minute and try again").retry_after(wait));
                }
            }
        }
        Ok(())
    }

    /// Counts a wrong code against each of `guessers`.
    pub fn wrong(&self, guessers: &[Guesser], now: i64) {
        let mut wrong = self.wrong.lock().unwrap_or_else(PoisonError::into_inner);
        if wrong.len() >= REMEMBERED {
            wrong.retain(|_, (start, _)| now - *start < WINDOW_MS);
        }
        for g in guessers {
            let entry = wrong.entry(*g).or_insert((now, 0));
            if now - entry.0 >= WINDOW_MS {
                *entry = (now, 0);
            }
            entry.1 += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..200 {
            let c = draw();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn guessing_is_limited_per_agent_and_per_address_for_a_minute() {
        let g = Guesses::default();
        let agent = [Guesser::Agent(AgentId(1)), Guesser::Address([127, 0, 0, 1].into())];
        for i in 0..WRONG_PER_WINDOW {
            assert!(g.check(&agent, 1_000 + i as i64).is_ok());
            g.wrong(&agent, 1_000 + i as i64);
        }
        assert!(g.check(&agent, 2_000).is_err(), "the sixth guess within the minute waits");
        // Another agent at the same address is held too, and the same
        // agent from elsewhere.
        assert!(g.check(&[Guesser::Agent(AgentId(2)), Guesser::Address([127, 0, 0, 1].into())], 2_000).is_err());
        assert!(g.check(&[Guesser::Agent(AgentId(1)), Guesser::Address([10, 0, 0, 1].into())], 2_000).is_err());
        assert!(g.check(&[Guesser::Agent(AgentId(2)), Guesser::Address([10, 0, 0, 1].into())], 2_000).is_ok());
        assert!(g.check(&agent, 1_000 + WINDOW_MS).is_ok(), "a minute later it may guess again");
    }
}
