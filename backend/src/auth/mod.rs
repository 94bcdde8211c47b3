//! Console authentication: passwords, the session cookie, and the extractor
//! that gives a handler the signed-in agent.

pub mod lockout;
pub mod password;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;

pub use password::{hash_password, verify_password, PasswordChecker};

use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::SessionRecord;

pub const SESSION_COOKIE: &str = "rapport_session";

/// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no
/// other site's request carries it), Secure when served over HTTPS.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token)).http_only(true).same_site(SameSite::Strict).secure(secure).path("/").build()
}

/// The agent whose live session cookie came with the request. Handlers that
/// take it never run for anybody else.
pub struct SignedIn(pub SessionRecord);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Err(Refusal::unauthorized("log in first"));
        };
        match state.store.session(cookie.value()).await? {
            Some(session) => {
                tracing::Span::current().record("agent", session.agent.info.id.get());
                Ok(SignedIn(session))
            }
            None => Err(Refusal::unauthorized("your session has expired; log in again")),
        }
    }
}
