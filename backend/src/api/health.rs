//! `/healthz`: whether this node can do its job (database reachable,
//! routing running), not only whether the process is up.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

pub async fn healthz(State(state): State<AppState>) -> Response {
    if let Err(e) = state.store.ping().await {
        tracing::error!(error = %e, "health check: database unavailable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
    }
    if !state.routing.is_alive() {
        return (StatusCode::SERVICE_UNAVAILABLE, "routing is not running").into_response();
    }
    (StatusCode::OK, "ok").into_response()
}
