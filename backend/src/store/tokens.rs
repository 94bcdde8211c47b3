//! API tokens: made and revoked by admins, checked on every REST API
//! request. Only the secret's SHA-256 is stored.

use protocol::tokens::{ApiToken, ApiTokenConfig, Scope};
use protocol::AgentId;

use super::db::on_db;
use super::{hash_token, new_token, now_ms, Result, Store, StoreError};

/// What every token's secret starts with, so a leaked one is recognisable
/// (secret scanners look for such prefixes).
pub const TOKEN_PREFIX: &str = "rpt_";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    prefix: String,
    scopes: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl Row {
    fn token(self) -> ApiToken {
        ApiToken {
            id: self.id,
            name: self.name,
            // A scope this release does not know (written by a newer one)
            // grants nothing here.
            scopes: self.scopes.split(' ').filter_map(Scope::parse).collect(),
            prefix: self.prefix,
            created_at_ms: self.created_at,
            last_used_at_ms: self.last_used_at,
            revoked_at_ms: self.revoked_at,
        }
    }
}

const COLUMNS: &str = "id, name, prefix, scopes, created_at, last_used_at, revoked_at";

/// Scopes as stored: sorted, each once, space-separated.
fn scope_list(scopes: &[Scope]) -> String {
    let mut scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    scopes.sort_unstable();
    scopes.dedup();
    scopes.join(" ")
}

/// How often a token's "last used" time is written: not on every request.
const LAST_USED_GRAIN_MS: i64 = 60_000;

impl Store {
    /// A new token and its secret (returned once, never stored).
    pub async fn create_api_token(&self, by: AgentId, c: &ApiTokenConfig) -> Result<(ApiToken, String)> {
        let secret = format!("{TOKEN_PREFIX}{}", new_token());
        let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
        let sql = "INSERT INTO api_tokens (name, prefix, secret_hash, scopes, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        let id: i64 = on_db!(&self.db, pool => sqlx::query_scalar(sql)
            .bind(c.name.trim()).bind(&prefix).bind(hash_token(&secret)).bind(scope_list(&c.scopes)).bind(by.get()).bind(now_ms())
            .fetch_one(pool).await?);
        Ok((self.api_token(id).await?, secret))
    }

    pub async fn api_token(&self, id: i64) -> Result<ApiToken> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1");
        let row: Option<Row> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
        row.map(Row::token).ok_or(StoreError::NotFound("token"))
    }

    /// Every token, newest first, revoked ones included.
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens ORDER BY id DESC");
        let rows: Vec<Row> = on_db!(&self.db, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Row::token).collect())
    }

    pub async fn update_api_token(&self, id: i64, c: &ApiTokenConfig) -> Result<ApiToken> {
        let sql = "UPDATE api_tokens SET name = $1, scopes = $2 WHERE id = $3";
        let n = on_db!(&self.db, pool => sqlx::query(sql).bind(c.name.trim()).bind(scope_list(&c.scopes)).bind(id).execute(pool).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound("token"));
        }
        self.api_token(id).await
    }

    /// Revokes a token at once; revoking twice changes nothing.
    pub async fn revoke_api_token(&self, id: i64) -> Result<ApiToken> {
        let sql = "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";
        on_db!(&self.db, pool => sqlx::query(sql).bind(now_ms()).bind(id).execute(pool).await?.rows_affected());
        self.api_token(id).await
    }

    /// The live token whose secret this is, noting that it was used.
    pub async fn use_api_token(&self, secret: &str) -> Result<Option<ApiToken>> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE secret_hash = $1 AND revoked_at IS NULL");
        let row: Option<Row> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(hash_token(secret)).fetch_optional(pool).await?);
        let Some(token) = row.map(Row::token) else { return Ok(None) };
        let now = now_ms();
        if token.last_used_at_ms.is_none_or(|at| now - at >= LAST_USED_GRAIN_MS) {
            let touch = "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2";
            on_db!(&self.db, pool => sqlx::query(touch).bind(now).bind(token.id).execute(pool).await?.rows_affected());
        }
        Ok(Some(token))
    }
}
