//! Agents (invited with a one-time link or given a password), their roles,
//! capacities, sites and skills; teams; skills.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use protocol::admin::{AcceptInvitation, AgentAdmin, AgentConfig, Invitation, Skill, SkillConfig, Team, TeamConfig, MAX_SKILL_LEVEL};
use protocol::cluster::RoutingInput;
use protocol::{looks_like_email, AgentId, ErrorCode, SkillId, TeamId};

use super::{name, Admin};
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{AgentChange, NewAgent};

/// Passwords an admin sets or an invited agent chooses.
const MIN_PASSWORD_CHARS: usize = 10;

fn check_password(password: &str) -> Result<(), Refusal> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > 1024 {
        return Err(Refusal::new(ErrorCode::Invalid, format!("a password needs at least {MIN_PASSWORD_CHARS} characters")));
    }
    Ok(())
}

fn check_agent(c: &AgentConfig) -> Result<String, Refusal> {
    let n = name(&c.name, "agent")?;
    if !looks_like_email(c.email.trim()) {
        return Err(Refusal::new(ErrorCode::Invalid, "that email address does not look right"));
    }
    if !(1..=50).contains(&c.capacity) {
        return Err(Refusal::new(ErrorCode::Invalid, "capacity is 1 to 50 units"));
    }
    if c.skills.iter().any(|s| s.level == 0 || s.level > MAX_SKILL_LEVEL) {
        return Err(Refusal::new(ErrorCode::Invalid, "skill levels are 1 to 5"));
    }
    Ok(n)
}

async fn find_agent(state: &AppState, id: AgentId) -> Result<AgentAdmin, Refusal> {
    state.store.agents_for_admin().await?.into_iter().find(|a| a.id == id).ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such agent"))
}

/// Tells routing and connected consoles about a changed agent: a disabled
/// one is signed out everywhere; an available one is routed by their new
/// skills and queues at once.
async fn agent_changed(state: &AppState, agent: AgentId, disabled: bool) -> Result<(), Refusal> {
    if disabled {
        state.hub.sign_out_agent(agent).await;
        state.routing.send(RoutingInput::AgentUnavailable { agent }).await
    } else {
        state.routing.send(RoutingInput::AgentAvailable { agent }).await
    }
}

pub async fn list_agents(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<AgentAdmin>>, Refusal> {
    Ok(Json(state.store.agents_for_admin().await?))
}

/// `POST /api/v1/admin/agents`: with a password, the agent can sign in at
/// once; without, the answer carries a one-time link to hand them.
pub async fn create_agent(State(state): State<AppState>, admin: Admin, Json(c): Json<AgentConfig>) -> Result<Json<Invitation>, Refusal> {
    let n = check_agent(&c)?;
    let invite = c.password.is_empty();
    // An invited agent cannot sign in until they choose a password: their
    // hash is of a random secret nobody knows.
    let password = if invite { crate::store::new_token() } else { c.password.clone() };
    check_password(&password)?;
    let hash = state.passwords.hash(password).await?;
    let created =
        state.store.create_agent(NewAgent { email: &c.email, name: &n, role: c.role, password_hash: &hash, capacity: c.capacity, sites: &c.sites }).await?;
    state.store.set_agent_skills(created.info.id, &c.skills).await?;
    let link = if invite { Some(format!("/?invitation={}", state.store.invite(created.info.id).await?)) } else { None };
    admin.audit(&state, "create agent", &c.email, if invite { "invited" } else { "password set" }).await?;
    Ok(Json(Invitation { agent: find_agent(&state, created.info.id).await?, link }))
}

pub async fn update_agent(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>, Json(c): Json<AgentConfig>) -> Result<Json<AgentAdmin>, Refusal> {
    let n = check_agent(&c)?;
    let id = AgentId(id);
    if id == admin.0.agent.info.id && (c.disabled || c.role != protocol::agent::Role::Admin) {
        return Err(Refusal::new(ErrorCode::Invalid, "you cannot disable yourself or give up your own admin role"));
    }
    let hash = if c.password.is_empty() {
        None
    } else {
        check_password(&c.password)?;
        Some(state.passwords.hash(c.password.clone()).await?)
    };
    let change =
        AgentChange { name: &n, email: &c.email, role: c.role, capacity: c.capacity, sites: &c.sites, password_hash: hash.as_deref(), disabled: c.disabled };
    state.store.update_agent(id, change).await?;
    state.store.set_agent_skills(id, &c.skills).await?;
    let detail = format!("role {}, capacity {}, {} skills{}", c.role.as_str(), c.capacity, c.skills.len(), if c.disabled { ", disabled" } else { "" });
    admin.audit(&state, "update agent", &c.email, &detail).await?;
    agent_changed(&state, id, c.disabled).await?;
    Ok(Json(find_agent(&state, id).await?))
}

/// `POST /api/v1/invitations/accept`: the invited agent sets a password
/// with the token from their link (once, within a week).
pub async fn accept_invitation(State(state): State<AppState>, _: crate::extract::FromConsole, Json(a): Json<AcceptInvitation>) -> Result<StatusCode, Refusal> {
    check_password(&a.password)?;
    let hash = state.passwords.hash(a.password).await?;
    match state.store.accept_invitation(a.token.trim(), &hash).await? {
        Some(agent) => {
            state.store.audit(Some(agent), "accept invitation", &agent.to_string(), "").await?;
            Ok(StatusCode::NO_CONTENT)
        }
        None => Err(Refusal::new(ErrorCode::Invalid, "this invitation link is not valid any more; ask your admin for a new one")),
    }
}

pub async fn list_skills(State(state): State<AppState>, _: crate::auth::SignedIn) -> Result<Json<Vec<Skill>>, Refusal> {
    Ok(Json(state.store.skills().await?))
}

pub async fn create_skill(State(state): State<AppState>, admin: Admin, Json(c): Json<SkillConfig>) -> Result<Json<Skill>, Refusal> {
    let n = name(&c.name, "skill")?;
    let id = state.store.create_skill(&n).await?;
    admin.audit(&state, "create skill", &n, "").await?;
    Ok(Json(Skill { id, name: n }))
}

pub async fn update_skill(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>, Json(c): Json<SkillConfig>) -> Result<Json<Skill>, Refusal> {
    let n = name(&c.name, "skill")?;
    state.store.rename_skill(SkillId(id), &n).await?;
    admin.audit(&state, "rename skill", &n, &id.to_string()).await?;
    Ok(Json(Skill { id: SkillId(id), name: n }))
}

pub async fn delete_skill(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>) -> Result<StatusCode, Refusal> {
    state.store.delete_skill(SkillId(id)).await?;
    admin.audit(&state, "delete skill", &id.to_string(), "").await?;
    state.routing.reconfigure().await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_teams(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<Team>>, Refusal> {
    Ok(Json(state.store.teams().await?))
}

pub async fn create_team(State(state): State<AppState>, admin: Admin, Json(c): Json<TeamConfig>) -> Result<Json<Team>, Refusal> {
    let n = name(&c.name, "team")?;
    let id = state.store.create_team(&TeamConfig { name: n.clone(), members: c.members.clone() }).await?;
    admin.audit(&state, "create team", &n, &format!("{} members", c.members.len())).await?;
    state.routing.reconfigure().await;
    Ok(Json(Team { id, name: n, members: c.members }))
}

pub async fn update_team(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>, Json(c): Json<TeamConfig>) -> Result<Json<Team>, Refusal> {
    let n = name(&c.name, "team")?;
    state.store.update_team(TeamId(id), &TeamConfig { name: n.clone(), members: c.members.clone() }).await?;
    admin.audit(&state, "update team", &n, &format!("{} members", c.members.len())).await?;
    state.routing.reconfigure().await;
    Ok(Json(Team { id: TeamId(id), name: n, members: c.members }))
}

pub async fn delete_team(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>) -> Result<StatusCode, Refusal> {
    state.store.delete_team(TeamId(id)).await?;
    admin.audit(&state, "delete team", &id.to_string(), "").await?;
    state.routing.reconfigure().await;
    Ok(StatusCode::NO_CONTENT)
}
