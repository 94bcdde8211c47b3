//! The routing moves a conversation makes besides being answered: ending
//! in the queue (abandoned, or at its queue's fallback), moving to another
//! queue (overflow, transfer), and its wrap-up. Each is conditional on the
//! state routing believed it in, and fenced by the routing term.

use protocol::{AgentId, ConversationId, QueueId};

use super::conversations::{EndReason, Step};
use super::db::on_db;
use super::leases::{fence_condition, Fence};
use super::{now_ms, Result, Store};

impl Store {
    /// Ends a queued conversation (the visitor left, or it reached its
    /// queue's fallback) as routing decided in the term `fence`; false if it
    /// was no longer queued.
    pub async fn end_queued_conversation(&self, id: ConversationId, reason: EndReason, fence: Option<Fence>) -> Result<bool> {
        let sql = format!(
            "UPDATE conversations SET status = 'ended', ended_at = $1, end_reason = $2 WHERE id = $3 AND status = 'queued' AND {}",
            fence_condition(&self.db, fence, 4)
        );
        let done = on_db!(&self.db, pool => {
            let mut query = sqlx::query(&sql).bind(now_ms()).bind(reason.as_str()).bind(id.get());
            if let Some(fence) = fence {
                query = query.bind(fence.lease).bind(fence.epoch);
            }
            query.execute(pool).await?.rows_affected()
        }) == 1;
        self.settle(id, done, Step { kind: reason.event(), agent: None, queue: None, detail: "" }, fence).await
    }

    /// Moves a conversation to another queue: a queued one overflowing
    /// (`from` None), or an agent's handing it over (`from` that agent). It
    /// keeps its first time of entry. False if it was not in that state.
    pub async fn move_to_queue(&self, id: ConversationId, queue: QueueId, from: Option<AgentId>, step: Step<'_>, fence: Option<Fence>) -> Result<bool> {
        let condition = match from {
            Some(_) => "status = 'active' AND agent_id = $3",
            None => "status = 'queued' AND $3 = $3",
        };
        let sql = format!(
            "UPDATE conversations SET status = 'queued', agent_id = NULL, queue_id = $1 WHERE id = $2 AND {condition} AND {}",
            fence_condition(&self.db, fence, 4)
        );
        let done = on_db!(&self.db, pool => {
            let mut query = sqlx::query(&sql).bind(queue.get()).bind(id.get()).bind(from.map_or(0, AgentId::get));
            if let Some(fence) = fence {
                query = query.bind(fence.lease).bind(fence.epoch);
            }
            query.execute(pool).await?.rows_affected()
        }) == 1;
        self.settle(id, done, step, fence).await
    }

    /// Records the conversation's wrap-up code (the agent's, or the
    /// queue's default when the time ran out), once.
    pub async fn wrap_up(&self, id: ConversationId, agent: AgentId, code: &str, fence: Option<Fence>) -> Result<bool> {
        let sql = "UPDATE conversations SET wrap_up_code = $1 WHERE id = $2 AND wrap_up_code IS NULL";
        let done = on_db!(&self.db, pool => sqlx::query(sql).bind(code).bind(id.get()).execute(pool).await?.rows_affected()) == 1;
        self.settle(id, done, Step { kind: "wrapped_up", agent: Some(agent), queue: None, detail: code }, fence).await
    }

    /// Records the step of a move that was made; checks the fence of one
    /// that was not (it may have been refused because the term is over).
    async fn settle(&self, id: ConversationId, done: bool, step: Step<'_>, fence: Option<Fence>) -> Result<bool> {
        if done {
            self.record_step(id, step, fence).await?;
        } else if let Some(fence) = fence {
            self.check_fence(fence).await?;
        }
        Ok(done)
    }
}
