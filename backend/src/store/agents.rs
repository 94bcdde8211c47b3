//! Agents: who they are, which sites they serve, and their presence.

use super::db::on_db;
use super::{is_unique_violation, now_ms, Result, Store, StoreError};
use protocol::agent::{AgentInfo, Presence, Role};
use protocol::{AgentId, SiteId};

#[derive(Clone, Debug)]
pub struct AgentRecord {
    pub info: AgentInfo,
    pub password_hash: String,
    pub presence: Presence,
    /// Why the agent is away (`missed` when an offer lapsed).
    pub away_reason: String,
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

/// One row of [`AGENT_COLUMNS`].
#[derive(sqlx::FromRow)]
pub(super) struct AgentRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    password_hash: String,
    presence: String,
    capacity: i64,
    disabled_at: Option<i64>,
    away_reason: String,
}

impl AgentRow {
    pub(super) fn into_record(self) -> Result<AgentRecord> {
        let role = match self.role.as_str() {
            "admin" => Role::Admin,
            "agent" => Role::Agent,
            "supervisor" => Role::Supervisor,
            other => return Err(StoreError::Corrupt(format!("agent role {other}"))),
        };
        let presence = match self.presence.as_str() {
            "available" => Presence::Available,
            "away" => Presence::Away,
            _ => Presence::Offline,
        };
        Ok(AgentRecord {
            info: AgentInfo { id: AgentId(self.id), name: self.name, email: self.email, role },
            password_hash: self.password_hash,
            presence,
            away_reason: self.away_reason,
            capacity: self.capacity.clamp(1, 100) as u32,
            sites: Vec::new(),
            disabled: self.disabled_at.is_some(),
        })
    }
}

pub(super) const AGENT_COLUMNS: &str = "a.id, a.email, a.name, a.role, a.password_hash, a.presence, a.capacity, a.disabled_at, a.away_reason";

impl Store {
    pub async fn create_agent(&self, agent: NewAgent<'_>) -> Result<AgentRecord> {
        let sql = "INSERT INTO agents (email, name, role, password_hash, capacity, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        let result: std::result::Result<i64, sqlx::Error> = on_db!(&self.db, pool => {
            sqlx::query_scalar(sql)
                .bind(agent.email.trim())
                .bind(agent.name.trim())
                .bind(agent.role.as_str())
                .bind(agent.password_hash)
                .bind(i64::from(agent.capacity))
                .bind(now_ms())
                .fetch_one(pool)
                .await
        });
        let id = match result {
            Ok(id) => AgentId(id),
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
        let sql = "INSERT INTO agent_sites (agent_id, site_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
        on_db!(&self.db, pool => sqlx::query(sql).bind(agent.get()).bind(site.get()).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub(super) async fn with_sites(&self, mut agent: AgentRecord) -> Result<AgentRecord> {
        let sql = "SELECT site_id FROM agent_sites WHERE agent_id = $1 ORDER BY site_id";
        let ids: Vec<i64> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(agent.info.id.get()).fetch_all(pool).await?);
        agent.sites = ids.into_iter().map(SiteId).collect();
        Ok(agent)
    }

    pub async fn agent(&self, id: AgentId) -> Result<Option<AgentRecord>> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM agents a WHERE a.id = $1");
        let row: Option<AgentRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(id.get()).fetch_optional(pool).await?);
        match row.map(AgentRow::into_record).transpose()? {
            Some(agent) => Ok(Some(self.with_sites(agent).await?)),
            None => Ok(None),
        }
    }

    pub async fn agent_by_email(&self, email: &str) -> Result<Option<AgentRecord>> {
        // Emails compare without case, in both databases.
        let sql = format!("SELECT {AGENT_COLUMNS} FROM agents a WHERE lower(a.email) = lower($1)");
        let row: Option<AgentRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(email.trim()).fetch_optional(pool).await?);
        match row.map(AgentRow::into_record).transpose()? {
            Some(agent) => Ok(Some(self.with_sites(agent).await?)),
            None => Ok(None),
        }
    }

    /// Every agent with their presence, in one query (without their
    /// sites): what the floor and the transfer directory read every few
    /// seconds.
    pub async fn agents_now(&self) -> Result<Vec<AgentRecord>> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM agents a ORDER BY lower(a.name), a.id");
        let rows: Vec<AgentRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(AgentRow::into_record).collect()
    }

    pub async fn agent_count(&self) -> Result<i64> {
        Ok(on_db!(&self.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM agents").fetch_one(pool).await?))
    }

    /// Admins, for giving them every new site.
    pub async fn admin_ids(&self) -> Result<Vec<AgentId>> {
        let sql = "SELECT id FROM agents WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id";
        let ids: Vec<i64> = on_db!(&self.db, pool => sqlx::query_scalar(sql).fetch_all(pool).await?);
        Ok(ids.into_iter().map(AgentId).collect())
    }

    /// How many of these emails belong to agents (for the demo warning).
    pub async fn agents_with_emails(&self, emails: &[&str]) -> Result<usize> {
        let mut n = 0;
        for email in emails {
            n += usize::from(self.agent_by_email(email).await?.is_some_and(|a| !a.disabled));
        }
        Ok(n)
    }

    /// Sets the agent's presence (with the reason when away) and records
    /// the change for reports.
    pub async fn set_presence(&self, agent: AgentId, presence: Presence, reason: &str) -> Result<()> {
        let reason = if presence == Presence::Away { reason.trim() } else { "" };
        let sql = "UPDATE agents SET presence = $1, away_reason = $2 WHERE id = $3";
        on_db!(&self.db, pool => sqlx::query(sql).bind(presence_str(presence)).bind(reason).bind(agent.get()).execute(pool).await?.rows_affected());
        let state = match presence {
            Presence::Available => super::AgentState::Available,
            Presence::Away => super::AgentState::Away,
            Presence::Offline => super::AgentState::Offline,
        };
        self.record_agent_state(agent, state, reason).await
    }

    /// Disables the agent and ends every session they have. False when no
    /// such agent exists.
    pub async fn disable_agent(&self, agent: AgentId) -> Result<bool> {
        let sql = "UPDATE agents SET disabled_at = $1, presence = 'offline' WHERE id = $2 AND disabled_at IS NULL";
        let done = on_db!(&self.db, pool => sqlx::query(sql).bind(now_ms()).bind(agent.get()).execute(pool).await?.rows_affected()) == 1;
        let sql = "DELETE FROM agent_sessions WHERE agent_id = $1";
        on_db!(&self.db, pool => sqlx::query(sql).bind(agent.get()).execute(pool).await?.rows_affected());
        Ok(done)
    }
}
