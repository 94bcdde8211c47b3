//! Reading the routing record back for supervisors: the floor now, and
//! the steps and agent states an interval's report is computed from.

use protocol::{AgentId, ConversationId, QueueId};
use routing::report::{Staffing, StateChange, Step, StepKind};

use super::db::on_db;
use super::{AgentState, Result, Store};

/// One recorded step: when, which conversation, what, in which queue, by
/// which agent.
type StepRow = (i64, i64, String, Option<i64>, Option<i64>);

/// The record's kinds as report steps; kinds the reports do not read (a
/// left message, a follow-up) are skipped.
fn step_kind(kind: &str) -> Option<StepKind> {
    match kind {
        "ended_by_agent" | "ended_by_visitor" => Some(StepKind::Ended),
        other => StepKind::from_name(other),
    }
}

fn staffing(state: AgentState) -> Staffing {
    match state {
        AgentState::Available => Staffing::Available,
        AgentState::AfterContactWork => Staffing::AfterContactWork,
        AgentState::Away => Staffing::Away,
        AgentState::Offline => Staffing::Offline,
    }
}

impl Store {
    /// Every step of every conversation that took a step in `[from, to)`,
    /// so each one's story is whole.
    pub async fn routing_steps(&self, from: i64, to: i64) -> Result<Vec<Step>> {
        let sql = "SELECT e.at, e.conversation_id, e.kind, e.queue_id, e.agent_id FROM conversation_events e
                   WHERE e.conversation_id IN (SELECT DISTINCT conversation_id FROM conversation_events WHERE at >= $1 AND at < $2)
                   ORDER BY e.conversation_id, e.id";
        let rows: Vec<StepRow> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(from).bind(to).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .filter_map(|(at, c, kind, queue, agent)| {
                Some(Step {
                    at: at.max(0) as u64,
                    conversation: ConversationId(c),
                    kind: step_kind(&kind)?,
                    queue: queue.map(QueueId),
                    agent: agent.map(AgentId),
                })
            })
            .collect())
    }

    /// Agent state changes in `[from, to)`, after each agent's last change
    /// before `from` (the state they started the interval in).
    pub async fn state_changes(&self, from: i64, to: i64) -> Result<Vec<StateChange>> {
        let before = "SELECT s.agent_id, s.state, s.at FROM agent_state_events s
                      WHERE s.id = (SELECT MAX(t.id) FROM agent_state_events t WHERE t.agent_id = s.agent_id AND t.at < $1)";
        let during = "SELECT agent_id, state, at FROM agent_state_events WHERE at >= $1 AND at < $2 ORDER BY id";
        let mut rows: Vec<(i64, String, i64)> = on_db!(&self.db, pool => sqlx::query_as(before).bind(from).fetch_all(pool).await?);
        let later: Vec<(i64, String, i64)> = on_db!(&self.db, pool => sqlx::query_as(during).bind(from).bind(to).fetch_all(pool).await?);
        rows.extend(later);
        Ok(rows
            .into_iter()
            .filter_map(|(agent, state, at)| Some(StateChange { at: at.max(0) as u64, agent: AgentId(agent), state: staffing(AgentState::parse(&state)?) }))
            .collect())
    }

    /// Per queue: conversations waiting and when the first in line entered.
    pub async fn waiting_per_queue(&self) -> Result<Vec<(QueueId, u32, i64)>> {
        let sql = "SELECT queue_id, COUNT(*), MIN(entered_at) FROM conversations WHERE status = 'queued' AND queue_id IS NOT NULL GROUP BY queue_id";
        let rows: Vec<(i64, i64, Option<i64>)> = on_db!(&self.db, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(q, n, first)| (QueueId(q), n.clamp(0, i64::from(u32::MAX)) as u32, first.unwrap_or(0))).collect())
    }

    /// Per agent: chats in progress.
    pub async fn chats_per_agent(&self) -> Result<Vec<(AgentId, u32)>> {
        let sql = "SELECT agent_id, COUNT(*) FROM conversations WHERE status = 'active' AND agent_id IS NOT NULL GROUP BY agent_id";
        let rows: Vec<(i64, i64)> = on_db!(&self.db, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(a, n)| (AgentId(a), n.clamp(0, i64::from(u32::MAX)) as u32)).collect())
    }
}
