//! Signing in and out of the console, and who is signed in.

use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use protocol::rest::{LoginRequest, Me};

use crate::auth::{self, SignedIn};
use crate::extract::{ClientIp, FromConsole};
use crate::refusal::Refusal;
use crate::state::AppState;

/// Throttled per address (a token bucket) and per account (backoff after
/// repeated failures); the password check itself waits for one of a few
/// slots, so a flood cannot exhaust memory.
pub async fn login(State(state): State<AppState>, _: FromConsole, ClientIp(ip): ClientIp, Json(req): Json<LoginRequest>) -> Result<impl IntoResponse, Refusal> {
    state.admission.login_attempt(ip)?;
    state.lockout.check(&req.email, Instant::now())?;
    let agent = state.store.agent_by_email(&req.email).await?.filter(|a| !a.disabled);
    let ok = state.passwords.check(req.password, agent.as_ref().map(|a| a.password_hash.clone())).await?;
    let Some(agent) = agent.filter(|_| ok) else {
        state.lockout.failed(&req.email, Instant::now());
        tracing::info!(email = %req.email, %ip, "failed console login");
        return Err(Refusal::unauthorized("wrong email or password"));
    };
    state.lockout.succeeded(&req.email);
    let token = state.store.create_session(agent.info.id).await?;
    tracing::info!(agent = %agent.info.id, "console login");
    let secure = state.config.public_url.starts_with("https://");
    let mut cookies = auth::session_cookies(&token, secure);
    cookies.extend(auth::expired_session_cookies().into_iter().filter(|c| c.path() == Some("/")));
    Ok((auth::set_cookie_headers(cookies), Json(Me { agent: agent.info })))
}

/// Ends the session and closes every console it opened.
pub async fn logout(State(state): State<AppState>, _: FromConsole, headers: HeaderMap) -> Result<impl IntoResponse, Refusal> {
    for token in auth::session_tokens(&headers) {
        let key = state.store.delete_session(&token).await?;
        state.hub.sign_out_session(&key).await;
    }
    Ok((auth::set_cookie_headers(auth::expired_session_cookies()), StatusCode::NO_CONTENT))
}

pub async fn me(SignedIn(session): SignedIn) -> Json<Me> {
    Json(Me { agent: session.agent.info })
}
