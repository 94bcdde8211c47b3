//! API tokens, for admins: make one with its scopes (its secret shown this
//! once), list them, change one's name or scopes, revoke one. Every change is audited.

use axum::extract::{Path, State};
use axum::Json;
use protocol::tokens::{ApiToken, ApiTokenConfig, NewApiToken, MAX_TOKEN_NAME_CHARS};
use protocol::ErrorCode;

use super::{name, Admin};
use crate::refusal::Refusal;
use crate::state::AppState;

/// `GET /api/v1/admin/tokens`: newest first, revoked ones included.
pub async fn list_tokens(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<ApiToken>>, Refusal> {
    Ok(Json(state.store.api_tokens().await?))
}

fn checked(c: ApiTokenConfig) -> Result<ApiTokenConfig, Refusal> {
    let token_name = name(&c.name, "token")?;
    if token_name.chars().count() > MAX_TOKEN_NAME_CHARS {
        return Err(Refusal::new(ErrorCode::Invalid, "a token's name is at most 80 characters"));
    }
    if c.scopes.is_empty() {
        return Err(Refusal::new(ErrorCode::Invalid, "give the token at least one scope"));
    }
    Ok(ApiTokenConfig { name: token_name, ..c })
}

/// `POST /api/v1/admin/tokens`
pub async fn create_token(State(state): State<AppState>, admin: Admin, Json(c): Json<ApiTokenConfig>) -> Result<Json<NewApiToken>, Refusal> {
    let (token, secret) = state.store.create_api_token(admin.0.agent.info.id, &checked(c)?).await?;
    let scopes: Vec<&str> = token.scopes.iter().map(|s| s.as_str()).collect();
    admin.audit(&state, "token.create", &format!("token {} ({})", token.id, token.name), &scopes.join(" ")).await?;
    Ok(Json(NewApiToken { token, secret }))
}

/// `PUT /api/v1/admin/tokens/{id}`: a new name or scopes (a revoked token
/// stays revoked).
pub async fn update_token(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>, Json(c): Json<ApiTokenConfig>) -> Result<Json<ApiToken>, Refusal> {
    let token = state.store.update_api_token(id, &checked(c)?).await?;
    let scopes: Vec<&str> = token.scopes.iter().map(|s| s.as_str()).collect();
    admin.audit(&state, "token.update", &format!("token {} ({})", token.id, token.name), &scopes.join(" ")).await?;
    Ok(Json(token))
}

/// `DELETE /api/v1/admin/tokens/{id}`: revoked at once; listed still.
pub async fn revoke_token(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>) -> Result<Json<ApiToken>, Refusal> {
    let token = state.store.revoke_api_token(id).await?;
    admin.audit(&state, "token.revoke", &format!("token {} ({})", token.id, token.name), "").await?;
    Ok(Json(token))
}
