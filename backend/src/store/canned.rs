//! Saved replies: the team's (no owner) and each agent's own.

use protocol::canned::{CannedConfig, CannedReply};
use protocol::AgentId;

use super::db::on_db;
use super::{is_unique_violation, now_ms, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    agent_id: Option<i64>,
    shortcut: String,
    language: String,
    text: String,
}

impl Row {
    fn reply(self) -> CannedReply {
        CannedReply {
            id: self.id,
            config: CannedConfig { shortcut: self.shortcut, language: self.language, text: self.text, personal: self.agent_id.is_some() },
        }
    }
}

/// Who owns a saved reply: `None` for the team's.
pub type Owner = Option<AgentId>;

impl Store {
    /// The team's replies and the agent's own, by shortcut.
    pub async fn canned_for(&self, agent: AgentId) -> Result<Vec<CannedReply>> {
        let sql = "SELECT id, agent_id, shortcut, language, text FROM canned_replies
             WHERE agent_id IS NULL OR agent_id = $1 ORDER BY shortcut, language, id";
        let rows: Vec<Row> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(agent.get()).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Row::reply).collect())
    }

    /// The owner of a saved reply, if it exists.
    pub async fn canned_owner(&self, id: i64) -> Result<Owner> {
        let sql = "SELECT agent_id FROM canned_replies WHERE id = $1";
        let row: Option<Option<i64>> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(id).fetch_optional(pool).await?);
        row.map(|owner| owner.map(AgentId)).ok_or(StoreError::NotFound("saved reply"))
    }

    pub async fn create_canned(&self, owner: Owner, c: &CannedConfig) -> Result<CannedReply> {
        let sql = "INSERT INTO canned_replies (agent_id, shortcut, language, text, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
        let now = now_ms();
        let id: std::result::Result<i64, sqlx::Error> = on_db!(&self.db, pool => sqlx::query_scalar(sql)
            .bind(owner.map(|a| a.get()))
            .bind(&c.shortcut)
            .bind(&c.language)
            .bind(&c.text)
            .bind(now)
            .fetch_one(pool)
            .await);
        match id {
            Ok(id) => Ok(CannedReply { id, config: CannedConfig { personal: owner.is_some(), ..c.clone() } }),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate("a saved reply with that shortcut and language")),
            Err(e) => Err(e.into()),
        }
    }

    /// Changes a reply's shortcut, language and text (never its owner).
    pub async fn update_canned(&self, id: i64, c: &CannedConfig) -> Result<()> {
        let sql = "UPDATE canned_replies SET shortcut = $1, language = $2, text = $3, updated_at = $4 WHERE id = $5";
        let n: std::result::Result<u64, sqlx::Error> = on_db!(&self.db, pool => sqlx::query(sql)
            .bind(&c.shortcut)
            .bind(&c.language)
            .bind(&c.text)
            .bind(now_ms())
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match n {
            Ok(0) => Err(StoreError::NotFound("saved reply")),
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate("a saved reply with that shortcut and language")),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete_canned(&self, id: i64) -> Result<()> {
        let n = on_db!(&self.db, pool => sqlx::query("DELETE FROM canned_replies WHERE id = $1").bind(id).execute(pool).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound("saved reply"));
        }
        Ok(())
    }
}
