//! `/healthz`: whether this node can do its job (database reachable, the
//! broker reachable when there is one, routing running here or heard from
//! lately), not only whether the process is up. A balancer sends nothing to
//! a node that fails it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

pub async fn healthz(State(state): State<AppState>) -> Response {
    if state.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining").into_response();
    }
    if let Err(e) = state.store.ping().await {
        tracing::error!(error = %e, "health check: database unavailable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
    }
    if !state.hub.bus().is_connected() {
        return (StatusCode::SERVICE_UNAVAILABLE, "bus unavailable").into_response();
    }
    if !state.routing.is_alive() {
        return (StatusCode::SERVICE_UNAVAILABLE, "routing is not running").into_response();
    }
    (StatusCode::OK, "ok").into_response()
}
