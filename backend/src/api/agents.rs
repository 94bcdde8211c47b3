//! Agent administration over REST (the console's admin screens build on it).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use protocol::agent::Role;
use protocol::cluster::RoutingInput;
use protocol::{AgentId, ErrorCode};

use crate::auth::SignedIn;
use crate::extract::FromConsole;
use crate::refusal::Refusal;
use crate::state::AppState;

/// `POST /api/v1/agents/{id}/disable`: the agent can no longer sign in, and
/// every console they have open is closed at once.
pub async fn disable_agent(State(state): State<AppState>, _: FromConsole, SignedIn(session): SignedIn, Path(id): Path<i64>) -> Result<StatusCode, Refusal> {
    if session.agent.info.role != Role::Admin {
        return Err(Refusal::new(ErrorCode::Forbidden, "only an admin may disable agents"));
    }
    let agent = AgentId(id);
    if !state.store.disable_agent(agent).await? {
        return Err(Refusal::new(ErrorCode::Invalid, "no such agent, or already disabled"));
    }
    state.hub.sign_out_agent(agent).await;
    state.routing.send(RoutingInput::AgentUnavailable { agent }).await?;
    state.store.audit(Some(session.agent.info.id), "disable agent", &agent.to_string(), "").await?;
    tracing::info!(by = %session.agent.info.id, %agent, "agent disabled");
    Ok(StatusCode::NO_CONTENT)
}
