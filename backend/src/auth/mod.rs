//! Console authentication: passwords, the session cookie, and the extractor
//! that gives a handler the signed-in agent.

pub mod lockout;
pub mod password;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, SameSite};

pub use password::{hash_password, verify_password, PasswordChecker};

use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::SessionRecord;

pub const SESSION_COOKIE: &str = "rapport_session";

/// The paths the session cookie is sent to: the REST API and the agent's
/// socket. Nothing else needs it, and files (`/files/`) must not get it.
pub const SESSION_PATHS: [&str; 2] = ["/api", "/ws"];

/// The session cookie, once per path in [`SESSION_PATHS`]: HttpOnly (no
/// script reads it), SameSite=Strict (no other site's request carries
/// it), Secure when served over HTTPS.
pub fn session_cookies(token: &str, secure: bool) -> Vec<Cookie<'static>> {
    SESSION_PATHS
        .iter()
        .map(|path| Cookie::build((SESSION_COOKIE, token.to_string())).http_only(true).same_site(SameSite::Strict).secure(secure).path(*path).build())
        .collect()
}

/// What ends the session cookie on every path it was set for (and on `/`,
/// where releases before files set it: login sends this one too, so an
/// old cookie neither outlives the new session nor reaches `/files/`).
pub fn expired_session_cookies() -> Vec<Cookie<'static>> {
    SESSION_PATHS
        .iter()
        .chain(&["/"])
        .map(|path| {
            let mut cookie = Cookie::build((SESSION_COOKIE, "")).path(*path).build();
            cookie.make_removal();
            cookie
        })
        .collect()
}

/// The cookies as `Set-Cookie` headers (one jar holds one cookie per name,
/// so the paths' twins are written out here).
pub fn set_cookie_headers(cookies: Vec<Cookie<'static>>) -> axum::response::AppendHeaders<Vec<(axum::http::HeaderName, String)>> {
    axum::response::AppendHeaders(cookies.into_iter().map(|c| (axum::http::header::SET_COOKIE, c.to_string())).collect())
}

/// Every session cookie the request carries, most specific path first as
/// browsers send them: a cookie set on `/` by an older release can ride
/// along beside the current one, and a jar keyed by name would keep only
/// one of them. At most a few are read.
pub fn session_tokens(headers: &axum::http::HeaderMap) -> Vec<String> {
    let prefix = format!("{SESSION_COOKIE}=");
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix(prefix.as_str()))
        .filter(|token| !token.is_empty())
        .take(3)
        .map(str::to_string)
        .collect()
}

/// The agent whose live session cookie came with the request. Handlers that
/// take it never run for anybody else.
pub struct SignedIn(pub SessionRecord);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let tokens = session_tokens(&parts.headers);
        if tokens.is_empty() {
            return Err(Refusal::unauthorized("log in first"));
        }
        for token in tokens {
            if let Some(session) = state.store.session(&token).await? {
                tracing::Span::current().record("agent", session.agent.info.id.get());
                return Ok(SignedIn(session));
            }
        }
        Err(Refusal::unauthorized("your session has expired; log in again"))
    }
}
