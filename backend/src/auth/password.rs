//! Password hashes (argon2id) and the bound on how many are checked at once:
//! each check takes about 19 MiB and a core for a moment, so a flood of
//! logins must queue, not run all at once.

use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use protocol::ErrorCode;
use tokio::sync::Semaphore;

use crate::refusal::Refusal;

/// How long a login waits for a free checker before it is told to retry.
const QUEUE_WAIT: Duration = Duration::from_secs(3);

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| anyhow::anyhow!("hashing the password failed: {e}"))
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()).unwrap_or(false)
}

/// Runs password checks on the blocking pool, at most a few at a time.
pub struct PasswordChecker {
    slots: Semaphore,
}

impl PasswordChecker {
    pub fn new(at_once: u32) -> Self {
        Self { slots: Semaphore::new(at_once.max(1) as usize) }
    }

    /// Hashes a new password, under the same bound as checks.
    pub async fn hash(&self, password: String) -> Result<String, Refusal> {
        let _slot = match tokio::time::timeout(QUEUE_WAIT, self.slots.acquire()).await {
            Ok(Ok(slot)) => slot,
            _ => return Err(Refusal::new(ErrorCode::Busy, "the server is busy; try again in a moment").retry_after(QUEUE_WAIT)),
        };
        tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(Refusal::internal)?.map_err(|e| Refusal::internal(format!("{e:#}")))
    }

    /// Whether `password` matches `hash`; with no hash (an unknown email) a
    /// real check still runs, so timing does not tell which emails exist.
    pub async fn check(&self, password: String, hash: Option<String>) -> Result<bool, Refusal> {
        let _slot = match tokio::time::timeout(QUEUE_WAIT, self.slots.acquire()).await {
            Ok(Ok(slot)) => slot,
            _ => return Err(Refusal::new(ErrorCode::Busy, "the server is busy; try again in a moment").retry_after(QUEUE_WAIT)),
        };
        tokio::task::spawn_blocking(move || match hash {
            Some(hash) => verify_password(&password, &hash),
            None => {
                verify_password(&password, dummy_hash());
                false
            }
        })
        .await
        .map_err(Refusal::internal)
    }
}

/// A real argon2id hash of a random password, checked against when the
/// email is unknown so both paths cost the same.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&crate::store::new_token()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse 電池").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse 電池", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[tokio::test]
    async fn a_full_checker_says_busy_instead_of_piling_up() {
        let checker = PasswordChecker::new(1);
        let _held = checker.slots.acquire().await.unwrap();
        let started = std::time::Instant::now();
        let refused = checker.check("x".into(), None).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::Busy);
        assert!(started.elapsed() >= QUEUE_WAIT);
    }
}
