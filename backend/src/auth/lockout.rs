//! Per-account backoff after failed logins: five wrong passwords in a row,
//! then each further attempt must wait twice as long as the last (1 s, 2 s,
//! 4 s ... up to 15 minutes). A success clears it. Unknown emails are
//! tracked the same way, so the lockout does not reveal which exist.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use protocol::ErrorCode;

use crate::refusal::Refusal;

const FREE_FAILURES: u32 = 5;
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// Accounts tracked at most; past it, the oldest settled entries go.
const TRACKED: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    locked_until: Instant,
}

#[derive(Default)]
pub struct Lockout {
    accounts: Mutex<HashMap<String, Failures>>,
}

fn account(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Lockout {
    /// Refuses while the account waits out its backoff.
    pub fn check(&self, email: &str, now: Instant) -> Result<(), Refusal> {
        let accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        match accounts.get(&account(email)) {
            Some(f) if f.locked_until > now => {
                Err(Refusal::new(ErrorCode::RateLimited, "too many wrong passwords for this account; wait before trying again")
                    .retry_after(f.locked_until - now))
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, email: &str, now: Instant) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        if accounts.len() >= TRACKED {
            accounts.retain(|_, f| f.locked_until > now);
        }
        let f = accounts.entry(account(email)).or_insert(Failures { count: 0, locked_until: now });
        f.count += 1;
        if f.count >= FREE_FAILURES {
            let doublings = (f.count - FREE_FAILURES).min(20);
            f.locked_until = now + Duration::from_secs(1u64 << doublings).min(LONGEST_WAIT);
        }
    }

    pub fn succeeded(&self, email: &str) {
        self.accounts.lock().unwrap_or_else(|p| p.into_inner()).remove(&account(email));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_five_failures_and_a_success_clears_them() {
        let lockout = Lockout::default();
        let t0 = Instant::now();
        for _ in 0..4 {
            lockout.failed("Mei@Example.com", t0);
            assert!(lockout.check("mei@example.com", t0).is_ok());
        }
        lockout.failed("mei@example.com", t0);
        let refused = lockout.check("mei@example.com", t0).unwrap_err();
        assert_eq!(refused.retry_after, Some(Duration::from_secs(1)));
        assert!(lockout.check("mei@example.com", t0 + Duration::from_secs(1)).is_ok());
        lockout.failed("mei@example.com", t0 + Duration::from_secs(1));
        assert_eq!(lockout.check("mei@example.com", t0 + Duration::from_secs(1)).unwrap_err().retry_after, Some(Duration::from_secs(2)));
        for _ in 0..30 {
            lockout.failed("mei@example.com", t0);
        }
        assert_eq!(lockout.check("mei@example.com", t0).unwrap_err().retry_after, Some(LONGEST_WAIT));
        assert!(lockout.check("sam@example.com", t0).is_ok(), "other accounts are not affected");
        lockout.succeeded("mei@example.com");
        assert!(lockout.check("mei@example.com", t0).is_ok());
    }
}
