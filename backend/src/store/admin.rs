//! What administration changes beyond queues and skills: agents (their
//! role, capacity, sites, password, whether they may sign in), sites by id,
//! and the one-time invitations that let a new agent set a password.

use protocol::admin::AgentAdmin;
use protocol::agent::Role;
use protocol::visitor::WidgetSettings;
use protocol::{AgentId, SiteId};

use super::agents::{AgentRow, AGENT_COLUMNS};
use super::db::on_db;
use super::{hash_token, is_unique_violation, json, new_token, now_ms, Result, SiteRecord, Store, StoreError};

/// How long an invitation link works.
pub const INVITATION_MS: i64 = 7 * 24 * 3600 * 1000;

/// What an admin may change about an agent.
pub struct AgentChange<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub capacity: u32,
    pub sites: &'a [SiteId],
    /// None leaves the password as it is.
    pub password_hash: Option<&'a str>,
    pub disabled: bool,
}

impl Store {
    /// Every agent with their sites and skills, for the admin screens.
    pub async fn agents_for_admin(&self) -> Result<Vec<AgentAdmin>> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM agents a ORDER BY lower(a.name), a.id");
        let rows: Vec<AgentRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let agent = self.with_sites(row.into_record()?).await?;
            let skills = self.agent_skills(agent.info.id).await?;
            let (ratings, average) = self.agent_rating(agent.info.id).await?;
            out.push(AgentAdmin {
                ratings,
                rating: average.map(|a| format!("{a:.1}")).unwrap_or_default(),
                id: agent.info.id,
                name: agent.info.name,
                email: agent.info.email,
                role: agent.info.role,
                disabled: agent.disabled,
                capacity: agent.capacity,
                sites: agent.sites,
                skills,
            });
        }
        Ok(out)
    }

    /// Changes an agent; their sites are replaced. Disabling ends every
    /// session they have; enabling lets them sign in again.
    pub async fn update_agent(&self, id: AgentId, c: AgentChange<'_>) -> Result<()> {
        let sql = "UPDATE agents SET name = $1, email = $2, role = $3, capacity = $4,
                   disabled_at = CASE WHEN $5 THEN COALESCE(disabled_at, $6) ELSE NULL END,
                   presence = CASE WHEN $5 THEN 'offline' ELSE presence END WHERE id = $7";
        let n: std::result::Result<u64, sqlx::Error> = on_db!(&self.db, pool => sqlx::query(sql)
            .bind(c.name.trim())
            .bind(c.email.trim())
            .bind(c.role.as_str())
            .bind(i64::from(c.capacity))
            .bind(c.disabled)
            .bind(now_ms())
            .bind(id.get())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match n {
            Ok(0) => return Err(StoreError::NotFound("agent")),
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate("an agent with that email")),
            Err(e) => return Err(e.into()),
        }
        if let Some(hash) = c.password_hash {
            on_db!(&self.db, pool => sqlx::query("UPDATE agents SET password_hash = $1 WHERE id = $2").bind(hash).bind(id.get()).execute(pool).await?.rows_affected());
        }
        on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM agent_sites WHERE agent_id = $1").bind(id.get()).execute(&mut *tx).await?;
            for site in c.sites {
                sqlx::query("INSERT INTO agent_sites (agent_id, site_id) VALUES ($1, $2) ON CONFLICT DO NOTHING").bind(id.get()).bind(site.get()).execute(&mut *tx).await?;
            }
            if c.disabled {
                sqlx::query("DELETE FROM agent_sessions WHERE agent_id = $1").bind(id.get()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn site(&self, id: SiteId) -> Result<Option<SiteRecord>> {
        Ok(self.sites().await?.into_iter().find(|s| s.id == id))
    }

    /// Creates a site with a fresh key (and its default queue).
    pub async fn create_site(&self, name: &str, origins: &[String], settings: &WidgetSettings) -> Result<SiteRecord> {
        let key = format!("site_{}", &new_token()[..16]);
        self.upsert_site(&key, name, origins, settings).await
    }

    pub async fn update_site(&self, id: SiteId, name: &str, origins: &[String], settings: &WidgetSettings) -> Result<SiteRecord> {
        let sql = "UPDATE sites SET name = $1, allowed_origins = $2, settings = $3 WHERE id = $4";
        let n = on_db!(&self.db, pool => sqlx::query(sql).bind(name.trim()).bind(json(&origins)?).bind(json(settings)?).bind(id.get()).execute(pool).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound("site"));
        }
        self.site(id).await?.ok_or(StoreError::NotFound("site"))
    }

    /// A one-time token that lets the agent set their password; only its
    /// hash is stored.
    pub async fn invite(&self, agent: AgentId) -> Result<String> {
        let token = new_token();
        let now = now_ms();
        let sql = "INSERT INTO invitations (token_hash, agent_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
        on_db!(&self.db, pool => sqlx::query(sql).bind(hash_token(&token)).bind(agent.get()).bind(now).bind(now + INVITATION_MS).execute(pool).await?.rows_affected());
        Ok(token)
    }

    /// Uses an invitation: sets the password of its agent, once, before it
    /// expires. Returns the agent, or None for an unknown, used or expired
    /// token.
    pub async fn accept_invitation(&self, token: &str, password_hash: &str) -> Result<Option<AgentId>> {
        let now = now_ms();
        let sql = "UPDATE invitations SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING agent_id";
        let agent: Option<i64> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(now).bind(hash_token(token)).fetch_optional(pool).await?);
        let Some(agent) = agent.map(AgentId) else { return Ok(None) };
        on_db!(&self.db, pool => sqlx::query("UPDATE agents SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(agent.get()).execute(pool).await?.rows_affected());
        Ok(Some(agent))
    }
}
