//! Agents: who they are, which sites they serve, and their presence.

use protocol::agent::{AgentInfo, Presence, Role};
use protocol::{AgentId, SiteId};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::{is_unique_violation, now_ms, Result, Store, StoreError};

#[derive(Clone, Debug)]
pub struct AgentRecord {
    pub info: AgentInfo,
    pub password_hash: String,
    pub presence: Presence,
    pub capacity: u32,
    /// The sites whose visitors this agent serves (and may see).
    pub sites: Vec<SiteId>,
    pub disabled: bool,
}

pub struct NewAgent<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub capacity: u32,
    pub sites: &'a [SiteId],
}

fn presence_str(p: Presence) -> &'static str {
    match p {
        Presence::Available => "available",
        Presence::Away => "away",
        Presence::Offline => "offline",
    }
}

pub(super) fn row_to_agent(r: &SqliteRow) -> Result<AgentRecord> {
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
        info: AgentInfo { id: AgentId(r.get("id")), name: r.get("name"), email: r.get("email"), role },
        password_hash: r.get("password_hash"),
        presence,
        capacity: r.get::<i64, _>("capacity").clamp(1, 100) as u32,
        sites: Vec::new(),
        disabled: r.get::<Option<i64>, _>("disabled_at").is_some(),
    })
}

pub(super) const AGENT_COLUMNS: &str = "a.id, a.email, a.name, a.role, a.password_hash, a.presence, a.capacity, a.disabled_at";

impl Store {
    pub async fn create_agent(&self, agent: NewAgent<'_>) -> Result<AgentRecord> {
        let result = sqlx::query("INSERT INTO agents (email, name, role, password_hash, capacity, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(agent.email.trim())
            .bind(agent.name.trim())
            .bind(agent.role.as_str())
            .bind(agent.password_hash)
            .bind(i64::from(agent.capacity))
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await;
        let id = match result {
            Ok(row) => AgentId(row.get("id")),
            Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate("an agent with that email")),
            Err(e) => return Err(e.into()),
        };
        for site in agent.sites {
            self.add_agent_to_site(id, *site).await?;
        }
        self.agent(id).await?.ok_or_else(|| StoreError::Corrupt("agent vanished".into()))
    }

    /// Lets the agent serve the site's visitors (idempotent).
    pub async fn add_agent_to_site(&self, agent: AgentId, site: SiteId) -> Result<()> {
        sqlx::query("INSERT INTO agent_sites (agent_id, site_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(agent.get())
            .bind(site.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn with_sites(&self, mut agent: AgentRecord) -> Result<AgentRecord> {
        let rows = sqlx::query("SELECT site_id FROM agent_sites WHERE agent_id = $1 ORDER BY site_id").bind(agent.info.id.get()).fetch_all(&self.pool).await?;
        agent.sites = rows.iter().map(|r| SiteId(r.get("site_id"))).collect();
        Ok(agent)
    }

    pub async fn agent(&self, id: AgentId) -> Result<Option<AgentRecord>> {
        let row = sqlx::query(&format!("SELECT {AGENT_COLUMNS} FROM agents a WHERE a.id = $1")).bind(id.get()).fetch_optional(&self.pool).await?;
        match row.as_ref().map(row_to_agent).transpose()? {
            Some(agent) => Ok(Some(self.with_sites(agent).await?)),
            None => Ok(None),
        }
    }

    pub async fn agent_by_email(&self, email: &str) -> Result<Option<AgentRecord>> {
        let row = sqlx::query(&format!("SELECT {AGENT_COLUMNS} FROM agents a WHERE a.email = $1")).bind(email.trim()).fetch_optional(&self.pool).await?;
        match row.as_ref().map(row_to_agent).transpose()? {
            Some(agent) => Ok(Some(self.with_sites(agent).await?)),
            None => Ok(None),
        }
    }

    pub async fn agent_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM agents").fetch_one(&self.pool).await?.get("n"))
    }

    /// Admins, for giving them every new site.
    pub async fn admin_ids(&self) -> Result<Vec<AgentId>> {
        let rows = sqlx::query("SELECT id FROM agents WHERE role = 'admin' AND disabled_at IS NULL").fetch_all(&self.pool).await?;
        Ok(rows.iter().map(|r| AgentId(r.get("id"))).collect())
    }

    /// How many of these emails belong to agents (for the demo warning).
    pub async fn agents_with_emails(&self, emails: &[&str]) -> Result<usize> {
        let mut n = 0;
        for email in emails {
            n += usize::from(self.agent_by_email(email).await?.is_some_and(|a| !a.disabled));
        }
        Ok(n)
    }

    pub async fn set_presence(&self, agent: AgentId, presence: Presence) -> Result<()> {
        sqlx::query("UPDATE agents SET presence = $1 WHERE id = $2").bind(presence_str(presence)).bind(agent.get()).execute(&self.pool).await?;
        Ok(())
    }

    /// Disables the agent and ends every session they have. False when no
    /// such agent exists.
    pub async fn disable_agent(&self, agent: AgentId) -> Result<bool> {
        let done = sqlx::query("UPDATE agents SET disabled_at = $1, presence = 'offline' WHERE id = $2 AND disabled_at IS NULL")
            .bind(now_ms())
            .bind(agent.get())
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1;
        sqlx::query("DELETE FROM agent_sessions WHERE agent_id = $1").bind(agent.get()).execute(&self.pool).await?;
        Ok(done)
    }
}
