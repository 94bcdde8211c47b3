//! Console authentication: argon2id password hashes and session cookies.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::http::StatusCode;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use protocol::ErrorCode;

use crate::api::ApiError;
use crate::state::AppState;
use crate::store::AgentRecord;

pub const SESSION_COOKIE: &str = "rapport_session";

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| anyhow::anyhow!("hashing the password failed: {e}"))
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()).unwrap_or(false)
}

/// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no
/// other site's request carries it), Secure when served over HTTPS.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token)).http_only(true).same_site(SameSite::Strict).secure(secure).path("/").build()
}

pub async fn agent_from_cookies(state: &AppState, jar: &CookieJar) -> Result<AgentRecord, ApiError> {
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "log in first"));
    };
    match state.store.session_agent(cookie.value()).await {
        Ok(Some(agent)) => Ok(agent),
        Ok(None) => Err(ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "your session has expired; log in again")),
        Err(e) => Err(ApiError::internal(e)),
    }
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
}
