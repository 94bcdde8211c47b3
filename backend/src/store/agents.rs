//! Agents and their console sessions.

use protocol::agent::{AgentInfo, Presence, Role};
use sqlx::Row;

use super::{hash_token, is_unique_violation, new_token, now_ms, Result, Store, StoreError};

/// How long a console login lasts.
const SESSION_MS: i64 = 7 * 24 * 3600 * 1000;

#[derive(Clone, Debug)]
pub struct AgentRecord {
    pub info: AgentInfo,
    pub password_hash: String,
    pub presence: Presence,
    pub capacity: u32,
}

pub struct NewAgent<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub capacity: u32,
}

fn presence_str(p: Presence) -> &'static str {
    match p {
        Presence::Available => "available",
        Presence::Away => "away",
        Presence::Offline => "offline",
    }
}

fn row_to_agent(r: &sqlx::sqlite::SqliteRow) -> Result<AgentRecord> {
    let role = match r.get::<String, _>("role").as_str() {
        "admin" => Role::Admin,
        "agent" => Role::Agent,
        other => return Err(StoreError::Corrupt(format!("agent role {other}"))),
    };
    let presence = match r.get::<String, _>("presence").as_str() {
        "available" => Presence::Available,
        "away" => Presence::Away,
        _ => Presence::Offline,
    };
    Ok(AgentRecord {
        info: AgentInfo { id: r.get("id"), name: r.get("name"), email: r.get("email"), role },
        password_hash: r.get("password_hash"),
        presence,
        capacity: r.get::<i64, _>("capacity").clamp(1, 100) as u32,
    })
}

const AGENT_COLUMNS: &str = "id, email, name, role, password_hash, presence, capacity";

impl Store {
    pub async fn create_agent(&self, agent: NewAgent<'_>) -> Result<AgentRecord> {
        let result = sqlx::query("INSERT INTO agents (email, name, role, password_hash, capacity, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id")
            .bind(agent.email.trim())
            .bind(agent.name.trim())
            .bind(agent.role.as_str())
            .bind(agent.password_hash)
            .bind(agent.capacity as i64)
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await;
        match result {
            Ok(row) => self.agent(row.get("id")).await?.ok_or_else(|| StoreError::Corrupt("agent vanished".into())),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate("an agent with that email")),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn agent(&self, id: i64) -> Result<Option<AgentRecord>> {
        let row = sqlx::query(&format!("SELECT {AGENT_COLUMNS} FROM agents WHERE id = ?")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(row_to_agent).transpose()
    }

    pub async fn agent_by_email(&self, email: &str) -> Result<Option<AgentRecord>> {
        let row = sqlx::query(&format!("SELECT {AGENT_COLUMNS} FROM agents WHERE email = ?")).bind(email.trim()).fetch_optional(&self.pool).await?;
        row.as_ref().map(row_to_agent).transpose()
    }

    pub async fn agent_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM agents").fetch_one(&self.pool).await?.get("n"))
    }

    pub async fn set_presence(&self, agent_id: i64, presence: Presence) -> Result<()> {
        sqlx::query("UPDATE agents SET presence = ? WHERE id = ?").bind(presence_str(presence)).bind(agent_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a console session; returns the cookie's token.
    pub async fn create_session(&self, agent_id: i64) -> Result<String> {
        let token = new_token();
        let now = now_ms();
        sqlx::query("INSERT INTO agent_sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(hash_token(&token))
            .bind(agent_id)
            .bind(now)
            .bind(now + SESSION_MS)
            .execute(&self.pool)
            .await?;
        Ok(token)
    }

    /// The agent a live session token belongs to.
    pub async fn session_agent(&self, token: &str) -> Result<Option<AgentRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {AGENT_COLUMNS} FROM agents WHERE id = (SELECT agent_id FROM agent_sessions WHERE token_hash = ? AND expires_at > ?)"
        ))
        .bind(hash_token(token))
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_to_agent).transpose()
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM agent_sessions WHERE token_hash = ?").bind(hash_token(token)).execute(&self.pool).await?;
        Ok(())
    }
}
