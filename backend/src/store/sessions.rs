//! Console sessions. Only a hash of the cookie's token is stored, and the
//! hash (a [`SessionKey`]) is also how live connections are tied to the
//! session that opened them, so ending it can close them.

use super::agents::{AgentRow, AGENT_COLUMNS};
use super::db::on_db;
use super::{hash_token, new_token, now_ms, AgentRecord, Result, Store};
use protocol::AgentId;

/// How long a console login lasts.
const SESSION_MS: i64 = 7 * 24 * 3600 * 1000;

/// The stored form of a session token.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionKey(pub String);

impl SessionKey {
    pub fn of_token(token: &str) -> Self {
        Self(hash_token(token))
    }
}

/// A live session and its agent.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub agent: AgentRecord,
    pub key: SessionKey,
    /// Milliseconds since the epoch.
    pub expires_at_ms: i64,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    agent: AgentRow,
    expires_at: i64,
}

impl Store {
    /// Starts a console session; returns the cookie's token.
    pub async fn create_session(&self, agent: AgentId) -> Result<String> {
        let token = new_token();
        let now = now_ms();
        let sql = "INSERT INTO agent_sessions (token_hash, agent_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
        on_db!(&self.db, pool => sqlx::query(sql).bind(hash_token(&token)).bind(agent.get()).bind(now).bind(now + SESSION_MS).execute(pool).await?.rows_affected());
        Ok(token)
    }

    /// The session a token opens, if it is live and its agent enabled.
    pub async fn session(&self, token: &str) -> Result<Option<SessionRecord>> {
        self.session_by_key(&SessionKey::of_token(token)).await
    }

    pub async fn session_by_key(&self, key: &SessionKey) -> Result<Option<SessionRecord>> {
        let sql = format!(
            "SELECT {AGENT_COLUMNS}, s.expires_at FROM agent_sessions s JOIN agents a ON a.id = s.agent_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled_at IS NULL"
        );
        let row: Option<SessionRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(&key.0).bind(now_ms()).fetch_optional(pool).await?);
        let Some(row) = row else { return Ok(None) };
        let expires_at_ms = row.expires_at;
        let agent = self.with_sites(row.agent.into_record()?).await?;
        Ok(Some(SessionRecord { agent, key: key.clone(), expires_at_ms }))
    }

    /// Moves a session's end, e.g. to end every session of a compromised
    /// account at a set time (and in tests, to see expiry happen).
    pub async fn set_session_expiry(&self, key: &SessionKey, expires_at_ms: i64) -> Result<()> {
        let sql = "UPDATE agent_sessions SET expires_at = $1 WHERE token_hash = $2";
        on_db!(&self.db, pool => sqlx::query(sql).bind(expires_at_ms).bind(&key.0).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Ends the session; returns its key so its connections can be closed.
    pub async fn delete_session(&self, token: &str) -> Result<SessionKey> {
        let key = SessionKey::of_token(token);
        on_db!(&self.db, pool => sqlx::query("DELETE FROM agent_sessions WHERE token_hash = $1").bind(&key.0).execute(pool).await?.rows_affected());
        Ok(key)
    }
}
