//! The administration's REST endpoints (`/api/v1/admin/...`): sites,
//! agents, teams, skills, queues and entry rules, and the audit log. Every
//! one checks the caller's role on the server, and every change is written
//! to the audit log (who, what, when).

mod people;
mod queues;
mod sites;
mod tokens;

pub use people::{
    accept_invitation, create_agent, create_skill, create_team, delete_skill, delete_team, list_agents, list_skills, list_teams, update_agent, update_skill,
    update_team,
};
pub use queues::{create_queue, delete_queue, entry_rules, list_queues, set_entry_rules, update_queue};
pub use sites::{create_site, list_sites, rotate_identity_secret, update_site};
pub use tokens::{create_token, list_tokens, revoke_token, update_token};

use axum::extract::FromRequestParts;
use axum::extract::State;
use axum::http::request::Parts;
use axum::Json;
use protocol::admin::AuditEntry;
use protocol::ErrorCode;

use crate::auth::SignedIn;
use crate::extract::FromConsole;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::SessionRecord;

/// A signed-in admin, from the console's own origin.
pub struct Admin(pub SessionRecord);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        FromConsole::from_request_parts(parts, state).await?;
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        if session.agent.info.role != protocol::agent::Role::Admin {
            return Err(Refusal::new(ErrorCode::Forbidden, "only an admin may do this"));
        }
        Ok(Admin(session))
    }
}

impl Admin {
    /// Writes the change to the audit log.
    pub(crate) async fn audit(&self, state: &AppState, action: &str, subject: &str, detail: &str) -> Result<(), Refusal> {
        state.store.audit(Some(self.0.agent.info.id), action, subject, detail).await?;
        tracing::info!(by = %self.0.agent.info.id, action, subject, "administration changed");
        Ok(())
    }
}

/// A name an admin typed: trimmed, not empty, not too long.
fn name(value: &str, what: &str) -> Result<String, Refusal> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > 100 {
        return Err(Refusal::new(ErrorCode::Invalid, format!("the {what} needs a name of 1 to 100 characters")));
    }
    Ok(value.to_string())
}

/// `GET /api/v1/admin/audit`: the newest 200 changes.
pub async fn audit_log(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<AuditEntry>>, Refusal> {
    Ok(Json(state.store.audit_log(200).await?))
}

/// `GET /api/v1/admin/deliveries`: the webhook delivery log, newest first.
pub async fn deliveries(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<protocol::admin::Delivery>>, Refusal> {
    Ok(Json(state.store.deliveries(200).await?))
}
