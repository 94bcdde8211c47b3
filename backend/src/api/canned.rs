//! Saved replies over REST: every agent reads the team's and their own,
//! and keeps their own; the team's are kept by supervisors and admins.

use axum::extract::{Path, State};
use axum::Json;
use protocol::canned::{CannedConfig, CannedReply};
use protocol::ErrorCode;

use crate::auth::SignedIn;
use crate::extract::FromConsole;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::SessionRecord;

fn checked(c: CannedConfig) -> Result<CannedConfig, Refusal> {
    c.checked().map_err(|e| Refusal::new(ErrorCode::Invalid, e.to_string()))
}

/// Whether `session` may change a reply owned by `owner` (`None`: the team).
fn may_change(session: &SessionRecord, owner: Option<protocol::AgentId>) -> Result<(), Refusal> {
    let me = &session.agent.info;
    let allowed = match owner {
        Some(agent) => agent == me.id,
        None => me.role.supervises(),
    };
    if allowed {
        Ok(())
    } else if owner.is_none() {
        Err(Refusal::new(ErrorCode::Forbidden, "only supervisors and admins keep the team's saved replies"))
    } else {
        Err(Refusal::new(ErrorCode::NotFound, "no such saved reply"))
    }
}

/// `GET /api/v1/canned`
pub async fn list_canned(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Json<Vec<CannedReply>>, Refusal> {
    Ok(Json(state.store.canned_for(session.agent.info.id).await?))
}

/// `POST /api/v1/canned`
pub async fn create_canned(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(session): SignedIn,
    Json(c): Json<CannedConfig>,
) -> Result<Json<CannedReply>, Refusal> {
    let c = checked(c)?;
    let owner = c.personal.then_some(session.agent.info.id);
    may_change(&session, owner)?;
    Ok(Json(state.store.create_canned(owner, &c).await?))
}

/// `PUT /api/v1/canned/{id}`: the owner stays what it was.
pub async fn update_canned(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
    Json(c): Json<CannedConfig>,
) -> Result<Json<CannedReply>, Refusal> {
    let c = checked(c)?;
    let owner = state.store.canned_owner(id).await?;
    may_change(&session, owner)?;
    state.store.update_canned(id, &c).await?;
    Ok(Json(CannedReply { id, config: CannedConfig { personal: owner.is_some(), ..c } }))
}

/// `DELETE /api/v1/canned/{id}`
pub async fn delete_canned(State(state): State<AppState>, _: FromConsole, SignedIn(session): SignedIn, Path(id): Path<i64>) -> Result<(), Refusal> {
    let owner = state.store.canned_owner(id).await?;
    may_change(&session, owner)?;
    state.store.delete_canned(id).await?;
    Ok(())
}
