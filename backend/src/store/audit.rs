//! What administration changed, and every change of an agent's state: the
//! record that audits and occupancy reports read.

use protocol::admin::AuditEntry;
use protocol::AgentId;

use super::db::on_db;
use super::{now_ms, Result, Store};

/// An agent's state as the record keeps it. "Busy" is not one: it follows
/// from the agent's conversations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentState {
    Available,
    Away,
    AfterContactWork,
    Offline,
}

impl AgentState {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::Available => "available",
            AgentState::Away => "away",
            AgentState::AfterContactWork => "after_contact_work",
            AgentState::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<AgentState> {
        [AgentState::Available, AgentState::Away, AgentState::AfterContactWork, AgentState::Offline].into_iter().find(|x| x.as_str() == s)
    }
}

impl Store {
    /// Records who changed what. `agent` is None for the command line.
    pub async fn audit(&self, agent: Option<AgentId>, action: &str, subject: &str, detail: &str) -> Result<()> {
        let sql = "INSERT INTO audit_log (agent_id, action, subject, detail, at) VALUES ($1, $2, $3, $4, $5)";
        on_db!(&self.db, pool => sqlx::query(sql).bind(agent.map(AgentId::get)).bind(action).bind(subject).bind(detail).bind(now_ms()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// The newest entries of the audit log, newest first.
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let sql = "SELECT l.at, COALESCE(a.name, ''), l.action, l.subject, l.detail FROM audit_log l LEFT JOIN agents a ON a.id = l.agent_id ORDER BY l.id DESC LIMIT $1";
        let rows: Vec<(i64, String, String, String, String)> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(i64::from(limit)).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(at_ms, agent_name, action, subject, detail)| AuditEntry { at_ms, agent_name, action, subject, detail }).collect())
    }

    /// Records a change of the agent's state, with the reason for being
    /// away.
    pub async fn record_agent_state(&self, agent: AgentId, state: AgentState, reason: &str) -> Result<()> {
        let sql = "INSERT INTO agent_state_events (agent_id, state, reason, at) VALUES ($1, $2, $3, $4)";
        on_db!(&self.db, pool => sqlx::query(sql).bind(agent.get()).bind(state.as_str()).bind(reason).bind(now_ms()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// The agent state changes between two times, oldest first, for reports.
    pub async fn agent_states_between(&self, from: i64, to: i64) -> Result<Vec<(AgentId, AgentState, i64)>> {
        let sql = "SELECT agent_id, state, at FROM agent_state_events WHERE at < $2 AND at >= $1 ORDER BY id";
        let rows: Vec<(i64, String, i64)> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(from).bind(to).fetch_all(pool).await?);
        Ok(rows.into_iter().filter_map(|(a, s, at)| AgentState::parse(&s).map(|s| (AgentId(a), s, at))).collect())
    }
}
