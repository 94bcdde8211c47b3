//! REST endpoints: console login and identity, the widget's boot data,
//! health.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::CookieJar;
use protocol::rest::{LoginRequest, Me};
use protocol::visitor::WidgetBoot;
use protocol::{ErrorBody, ErrorCode};

use crate::auth::{self, SESSION_COOKIE};
use crate::state::AppState;

/// An error answer: a status and a JSON [`ErrorBody`].
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, body: ErrorBody { code, message: message.into() } }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "something went wrong on our side")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Console requests that change state must come from the console's own
/// origin. Together with SameSite=Strict cookies and JSON-only bodies (which
/// a cross-site form cannot send) this closes CSRF.
fn check_same_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) if !state.is_console_origin(origin) => Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::BadOrigin, "cross-origin request refused")),
        _ => Ok(()),
    }
}

pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<(CookieJar, Json<Me>), ApiError> {
    check_same_origin(&state, &headers)?;
    let agent = state.store.agent_by_email(&req.email).await.map_err(ApiError::internal)?;
    let hash = agent.as_ref().map(|a| a.password_hash.clone());
    let password = req.password.clone();
    // Verify even for unknown emails so timing does not reveal which exist.
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => auth::verify_password(&password, &hash),
        None => {
            auth::verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(ApiError::internal)?;
    let Some(agent) = agent.filter(|_| ok) else {
        tracing::info!(email = %req.email, "failed console login");
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "wrong email or password"));
    };
    let token = state.store.create_session(agent.info.id).await.map_err(ApiError::internal)?;
    tracing::info!(agent = agent.info.id, "console login");
    let secure = state.config.public_url.starts_with("https://");
    Ok((jar.add(auth::session_cookie(token, secure)), Json(Me { agent: agent.info })))
}

/// A real argon2id hash of a random password, verified against when the
/// email is unknown so both paths cost the same.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(&crate::store::new_token()).unwrap_or_default())
}

pub async fn logout(State(state): State<AppState>, jar: CookieJar, headers: HeaderMap) -> Result<(CookieJar, StatusCode), ApiError> {
    check_same_origin(&state, &headers)?;
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state.store.delete_session(cookie.value()).await.map_err(ApiError::internal)?;
    }
    Ok((jar.remove(axum_extra::extract::cookie::Cookie::build(SESSION_COOKIE).path("/")), StatusCode::NO_CONTENT))
}

pub async fn me(State(state): State<AppState>, jar: CookieJar) -> Result<Json<Me>, ApiError> {
    let agent = auth::agent_from_cookies(&state, &jar).await?;
    Ok(Json(Me { agent: agent.info }))
}

/// What the loader needs to draw the launcher: settings and whether anyone
/// is online. Cross-origin, but only for the site's allowed origins.
pub async fn widget_boot(State(state): State<AppState>, Path(key): Path<String>, headers: HeaderMap) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("");
    let site = match state.store.site_by_key(&key).await {
        Ok(Some(site)) => site,
        Ok(None) => return ApiError::new(StatusCode::NOT_FOUND, ErrorCode::UnknownSite, "no site has that key").into_response(),
        Err(e) => return ApiError::internal(e).into_response(),
    };
    if !site.allows_origin(origin) {
        return ApiError::new(StatusCode::FORBIDDEN, ErrorCode::BadOrigin, "this page's origin may not use the site's widget").into_response();
    }
    let mut response = Json(WidgetBoot { settings: site.settings, agents_online: state.routing.agents_online() }).into_response();
    if let Ok(value) = HeaderValue::from_str(origin) {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(crate::assets::TIMING_ALLOW_ORIGIN, value_for_timing(origin));
    }
    response
}

/// Resource Timing sizes are visible to the allowed origin only.
fn value_for_timing(origin: &str) -> HeaderValue {
    HeaderValue::from_str(origin).unwrap_or_else(|_| HeaderValue::from_static("null"))
}
