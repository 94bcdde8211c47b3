//! Callback requests and their attempts.
//!
//! A request waits as `scheduled` until its time; routing's owner then
//! claims it (`waiting`) and opens a conversation of the callback channel
//! for the attempt, which is routed like a chat. The agent's disposition
//! ends the attempt and either closes the request or schedules the next
//! attempt.

use protocol::callback::{CallbackAttempt, CallbackOutcome, CallbackStatus, EarlierInteraction, VisitorCallback};
use protocol::{AgentId, CallbackId, Channel, ConversationId, QueueId, SiteId, VisitorId};

use super::db::on_db;
use super::leases::{fence_condition, Fence};
use super::{is_unique_violation, now_ms, unsigned, Result, Step, Store, StoreError};

/// A callback request as stored.
#[derive(Clone, Debug)]
pub struct CallbackRecord {
    pub id: CallbackId,
    pub site_id: SiteId,
    pub visitor_id: VisitorId,
    pub queue_id: Option<QueueId>,
    pub origin_conversation_id: Option<ConversationId>,
    pub name: String,
    pub phone: String,
    pub topic: String,
    pub locale: String,
    pub status: CallbackStatus,
    pub asap: bool,
    pub due_at: i64,
    pub attempts: u32,
    pub conversation_id: Option<ConversationId>,
    pub created_at: i64,
}

impl CallbackRecord {
    /// What the visitor sees; `position` while it waits in the queue.
    pub fn visitor_view(&self, position: Option<u32>) -> VisitorCallback {
        VisitorCallback {
            id: self.id,
            status: self.status,
            phone: self.phone.clone(),
            name: self.name.clone(),
            topic: self.topic.clone(),
            asap: self.asap,
            due_at_ms: self.due_at,
            attempts: self.attempts,
            queue_position: position.filter(|_| self.status == CallbackStatus::Waiting),
        }
    }
}

/// A request about to be stored (checked and normalised already).
#[derive(Clone, Debug)]
pub struct NewCallback<'a> {
    pub site: SiteId,
    pub visitor: VisitorId,
    pub queue: QueueId,
    pub origin: Option<ConversationId>,
    pub name: &'a str,
    pub phone: &'a str,
    pub topic: &'a str,
    pub locale: &'a str,
    pub asap: bool,
    pub due_at: i64,
    pub ip: &'a str,
}

const COLUMNS: &str =
    "id, site_id, visitor_id, queue_id, origin_conversation_id, name, phone, topic, locale, status, asap, due_at, attempts, conversation_id, created_at";

#[derive(sqlx::FromRow)]
struct CallbackRow {
    id: i64,
    site_id: i64,
    visitor_id: i64,
    queue_id: Option<i64>,
    origin_conversation_id: Option<i64>,
    name: String,
    phone: String,
    topic: String,
    locale: String,
    status: String,
    asap: i64,
    due_at: i64,
    attempts: i64,
    conversation_id: Option<i64>,
    created_at: i64,
}

impl CallbackRow {
    fn into_record(self) -> Result<CallbackRecord> {
        Ok(CallbackRecord {
            id: CallbackId(self.id),
            site_id: SiteId(self.site_id),
            visitor_id: VisitorId(self.visitor_id),
            queue_id: self.queue_id.map(QueueId),
            origin_conversation_id: self.origin_conversation_id.map(ConversationId),
            name: self.name,
            phone: self.phone,
            topic: self.topic,
            locale: self.locale,
            status: CallbackStatus::parse(&self.status).ok_or_else(|| StoreError::Corrupt(format!("callback status {}", self.status)))?,
            asap: self.asap != 0,
            due_at: self.due_at,
            attempts: unsigned(self.attempts) as u32,
            conversation_id: self.conversation_id.map(ConversationId),
            created_at: self.created_at,
        })
    }
}

/// Where a request goes after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Closed with this status.
    Close(CallbackStatus),
    /// Tried again at this time.
    Retry { at: i64 },
}

/// Where the request goes after `outcome` on attempt number `attempts`
/// (counting this one): pure, so the rule is tested on its own.
pub fn after_attempt(outcome: CallbackOutcome, attempts: u32, max_attempts: u32, now: i64, retry_delay_secs: u32) -> AfterAttempt {
    match outcome {
        CallbackOutcome::Connected | CallbackOutcome::Voicemail => AfterAttempt::Close(CallbackStatus::Completed),
        CallbackOutcome::WrongNumber => AfterAttempt::Close(CallbackStatus::Failed),
        CallbackOutcome::NoAnswer | CallbackOutcome::Busy if attempts < max_attempts => AfterAttempt::Retry { at: now + i64::from(retry_delay_secs) * 1000 },
        CallbackOutcome::NoAnswer | CallbackOutcome::Busy => AfterAttempt::Close(CallbackStatus::Failed),
    }
}

impl Store {
    /// Stores a new request. `Duplicate` when the number already has an
    /// open callback on this site (a unique index decides, so two tabs
    /// asking at once get one).
    pub async fn create_callback(&self, new: NewCallback<'_>) -> Result<CallbackRecord> {
        let sql =
            "INSERT INTO callbacks (site_id, visitor_id, queue_id, origin_conversation_id, name, phone, topic, locale, status, asap, due_at, ip, created_at, contact_id)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled', $9, $10, $11, $12, (SELECT contact_id FROM visitors WHERE id = $2)) RETURNING id";
        let id: std::result::Result<i64, sqlx::Error> = on_db!(&self.db, pool => sqlx::query_scalar(sql)
            .bind(new.site.get())
            .bind(new.visitor.get())
            .bind(new.queue.get())
            .bind(new.origin.map(ConversationId::get))
            .bind(new.name)
            .bind(new.phone)
            .bind(new.topic)
            .bind(new.locale)
            .bind(i64::from(new.asap))
            .bind(new.due_at)
            .bind(new.ip)
            .bind(now_ms())
            .fetch_one(pool)
            .await);
        match id {
            Ok(id) => self.callback(CallbackId(id)).await?.ok_or(StoreError::NotFound("callback")),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate("an open callback for this number")),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn callback(&self, id: CallbackId) -> Result<Option<CallbackRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM callbacks WHERE id = $1");
        let row: Option<CallbackRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(id.get()).fetch_optional(pool).await?);
        row.map(CallbackRow::into_record).transpose()
    }

    /// The request an attempt's conversation belongs to.
    pub async fn callback_of_conversation(&self, conversation: ConversationId) -> Result<Option<CallbackRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM callbacks WHERE id = (SELECT callback_id FROM callback_attempts WHERE conversation_id = $1 LIMIT 1) OR conversation_id = $1 LIMIT 1"
        );
        let row: Option<CallbackRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(conversation.get()).fetch_optional(pool).await?);
        row.map(CallbackRow::into_record).transpose()
    }

    /// The visitor's most recent request, open or not.
    pub async fn latest_callback(&self, visitor: VisitorId) -> Result<Option<CallbackRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM callbacks WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1");
        let row: Option<CallbackRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(visitor.get()).fetch_optional(pool).await?);
        row.map(CallbackRow::into_record).transpose()
    }

    /// Requests made since `since` by the visitor, from the address, and on
    /// the site: what the hourly limits count.
    pub async fn callbacks_made_since(&self, visitor: VisitorId, ip: &str, site: SiteId, since: i64) -> Result<(u32, u32, u32)> {
        let sql = "SELECT
                (SELECT COUNT(*) FROM callbacks WHERE visitor_id = $1 AND created_at >= $4),
                (SELECT COUNT(*) FROM callbacks WHERE ip = $2 AND created_at >= $4),
                (SELECT COUNT(*) FROM callbacks WHERE site_id = $3 AND created_at >= $4)";
        let (v, i, s): (i64, i64, i64) =
            on_db!(&self.db, pool => sqlx::query_as(sql).bind(visitor.get()).bind(ip).bind(site.get()).bind(since).fetch_one(pool).await?);
        Ok((unsigned(v) as u32, unsigned(i) as u32, unsigned(s) as u32))
    }

    /// How many open requests of the queue are due in `[from, to)`, by due
    /// time: what fills the slots.
    pub async fn callbacks_due_between(&self, queue: QueueId, from: i64, to: i64) -> Result<Vec<i64>> {
        let sql = "SELECT due_at FROM callbacks WHERE queue_id = $1 AND status IN ('scheduled', 'waiting', 'calling') AND due_at >= $2 AND due_at < $3";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(queue.get()).bind(from).bind(to).fetch_all(pool).await?))
    }

    /// Calls off an open request that has no attempt under way with an
    /// agent. Returns the request as it is now, or None if it is not open.
    pub async fn cancel_callback(&self, id: CallbackId, visitor: VisitorId) -> Result<Option<CallbackRecord>> {
        let sql = "UPDATE callbacks SET status = 'cancelled', closed_at = $1 WHERE id = $2 AND visitor_id = $3 AND status IN ('scheduled', 'waiting')";
        let done = on_db!(&self.db, pool => sqlx::query(sql).bind(now_ms()).bind(id.get()).bind(visitor.get()).execute(pool).await?.rows_affected()) == 1;
        if !done {
            return Ok(None);
        }
        self.callback(id).await
    }

    /// Moves a scheduled request to `due_at`. None if it is not scheduled
    /// (it is waiting for or with an agent, or closed).
    pub async fn reschedule_callback(&self, id: CallbackId, visitor: VisitorId, due_at: i64, asap: bool) -> Result<Option<CallbackRecord>> {
        let sql = "UPDATE callbacks SET due_at = $1, asap = $2 WHERE id = $3 AND visitor_id = $4 AND status = 'scheduled'";
        let done = on_db!(&self.db, pool => sqlx::query(sql)
            .bind(due_at)
            .bind(i64::from(asap))
            .bind(id.get())
            .bind(visitor.get())
            .execute(pool)
            .await?
            .rows_affected())
            == 1;
        if !done {
            return Ok(None);
        }
        self.callback(id).await
    }

    /// Requests whose time has come.
    pub async fn due_callbacks(&self, now: i64, limit: i64) -> Result<Vec<CallbackRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM callbacks WHERE status = 'scheduled' AND due_at <= $1 ORDER BY due_at, id LIMIT $2");
        let rows: Vec<CallbackRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(pool).await?);
        rows.into_iter().map(CallbackRow::into_record).collect()
    }

    /// Routing's owner claims a due request and opens the conversation of
    /// its next attempt, queued in its queue: one transaction, so a request
    /// is never claimed without its attempt, nor an attempt left without
    /// its request. None when it was cancelled, moved or claimed meanwhile.
    pub async fn open_attempt(&self, c: &CallbackRecord, queue: QueueId, fence: Option<Fence>) -> Result<Option<ConversationId>> {
        let now = now_ms();
        let claim = format!(
            "UPDATE callbacks SET status = 'waiting' WHERE id = $1 AND status = 'scheduled' AND due_at <= $2 AND {}",
            fence_condition(&self.db, fence, 3)
        );
        let insert = "INSERT INTO conversations (site_id, visitor_id, status, channel, prechat_name, prechat_topic, created_at, queue_id, priority, entered_at, contact_id)
                      VALUES ($1, $2, 'queued', 'callback', $3, $4, $5, $6, 0, $5, (SELECT contact_id FROM visitors WHERE id = $2)) RETURNING id";
        let link = "UPDATE callbacks SET conversation_id = $1, queue_id = $2 WHERE id = $3";
        let opened: Option<i64> = on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let mut query = sqlx::query(&claim).bind(c.id.get()).bind(now);
            if let Some(fence) = fence {
                query = query.bind(fence.lease).bind(fence.epoch);
            }
            if query.execute(&mut *tx).await?.rows_affected() == 1 {
                let id: i64 = sqlx::query_scalar(insert)
                    .bind(c.site_id.get())
                    .bind(c.visitor_id.get())
                    .bind(&c.name)
                    .bind(&c.topic)
                    .bind(now)
                    .bind(queue.get())
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(link).bind(id).bind(queue.get()).bind(c.id.get()).execute(&mut *tx).await?;
                tx.commit().await?;
                Some(id)
            } else {
                tx.rollback().await?;
                None
            }
        });
        let Some(id) = opened else {
            if let Some(fence) = fence {
                self.check_fence(fence).await?;
            }
            return Ok(None);
        };
        let conversation = ConversationId(id);
        let detail = format!("callback {}", c.id);
        self.record_step(conversation, Step { kind: "entered", agent: None, queue: Some(queue), detail: &detail }, fence).await?;
        Ok(Some(conversation))
    }

    /// The attempt's conversation reached an agent.
    pub async fn callback_calling(&self, conversation: ConversationId) -> Result<Option<CallbackRecord>> {
        let sql = "UPDATE callbacks SET status = 'calling' WHERE conversation_id = $1 AND status = 'waiting'";
        on_db!(&self.db, pool => sqlx::query(sql).bind(conversation.get()).execute(pool).await?.rows_affected());
        self.callback_of_conversation(conversation).await
    }

    /// The attempt's conversation could not be routed (its queue closed or
    /// filled, or it waited too long): it counts as an attempt, and the
    /// request waits for its next time, or fails after `max_attempts`.
    pub async fn callback_not_routed(&self, conversation: ConversationId, retry_at: i64, max_attempts: u32) -> Result<Option<CallbackRecord>> {
        let sql = "UPDATE callbacks SET attempts = attempts + 1, conversation_id = NULL,
                   status = CASE WHEN attempts + 1 >= $1 THEN 'failed' ELSE 'scheduled' END,
                   due_at = CASE WHEN attempts + 1 >= $1 THEN due_at ELSE $2 END,
                   closed_at = CASE WHEN attempts + 1 >= $1 THEN $3 ELSE NULL END
                   WHERE conversation_id = $4 AND status IN ('waiting', 'calling')";
        let done = on_db!(&self.db, pool => sqlx::query(sql)
            .bind(i64::from(max_attempts))
            .bind(retry_at)
            .bind(now_ms())
            .bind(conversation.get())
            .execute(pool)
            .await?
            .rows_affected())
            == 1;
        if !done {
            return Ok(None);
        }
        self.callback_of_conversation(conversation).await
    }

    /// Records how the attempt under way ended and moves the request on.
    /// `NotFound` when the request has no attempt with this agent.
    pub async fn record_attempt(
        &self,
        c: &CallbackRecord,
        agent: AgentId,
        outcome: CallbackOutcome,
        notes: &str,
        wrap_up_code: &str,
        next: AfterAttempt,
    ) -> Result<CallbackRecord> {
        let now = now_ms();
        let conversation = c.conversation_id.ok_or(StoreError::NotFound("attempt under way"))?;
        let (status, due_at, closed_at) = match next {
            AfterAttempt::Close(status) => (status, c.due_at, Some(now)),
            AfterAttempt::Retry { at } => (CallbackStatus::Scheduled, at, None),
        };
        // Only the attempt this agent holds moves the request on, once.
        let sql = "UPDATE callbacks SET status = $1, due_at = $2, closed_at = $3, attempts = attempts + 1, conversation_id = NULL
                   WHERE id = $4 AND status = 'calling' AND conversation_id = $5
                   AND EXISTS (SELECT 1 FROM conversations WHERE id = $5 AND agent_id = $6 AND status = 'active')";
        let done = on_db!(&self.db, pool => sqlx::query(sql)
            .bind(status.as_str())
            .bind(due_at)
            .bind(closed_at)
            .bind(c.id.get())
            .bind(conversation.get())
            .bind(agent.get())
            .execute(pool)
            .await?
            .rows_affected())
            == 1;
        if !done {
            return Err(StoreError::NotFound("callback attempt of yours under way"));
        }
        let insert =
            "INSERT INTO callback_attempts (callback_id, conversation_id, agent_id, outcome, notes, wrap_up_code, at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_db!(&self.db, pool => sqlx::query(insert)
            .bind(c.id.get())
            .bind(conversation.get())
            .bind(agent.get())
            .bind(outcome.as_str())
            .bind(notes)
            .bind(wrap_up_code)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected());
        self.callback(c.id).await?.ok_or(StoreError::NotFound("callback"))
    }

    pub async fn callback_attempts(&self, id: CallbackId) -> Result<Vec<CallbackAttempt>> {
        let sql = "SELECT t.outcome, t.notes, t.wrap_up_code, t.agent_id, COALESCE(a.name, '') AS agent_name, t.at
                   FROM callback_attempts t LEFT JOIN agents a ON a.id = t.agent_id WHERE t.callback_id = $1 ORDER BY t.id";
        let rows: Vec<(String, String, String, Option<i64>, String, i64)> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(id.get()).fetch_all(pool).await?);
        rows.into_iter()
            .map(|(outcome, notes, wrap_up_code, agent, agent_name, at)| {
                Ok(CallbackAttempt {
                    outcome: CallbackOutcome::parse(&outcome).ok_or_else(|| StoreError::Corrupt(format!("callback outcome {outcome}")))?,
                    notes,
                    wrap_up_code,
                    agent_id: agent.map(AgentId),
                    agent_name,
                    at_ms: at,
                })
            })
            .collect()
    }

    /// The visitor's conversations other than `except`, newest first.
    pub async fn earlier_interactions(&self, visitor: VisitorId, except: ConversationId, limit: i64) -> Result<Vec<EarlierInteraction>> {
        let sql = "SELECT c.id, c.channel, c.created_at, COALESCE(a.name, '') AS agent_name, c.prechat_topic, COALESCE(c.wrap_up_code, '') AS code
                   FROM conversations c LEFT JOIN agents a ON a.id = c.agent_id
                   WHERE c.visitor_id = $1 AND c.id != $2 ORDER BY c.id DESC LIMIT $3";
        let rows: Vec<(i64, String, i64, String, String, String)> =
            on_db!(&self.db, pool => sqlx::query_as(sql).bind(visitor.get()).bind(except.get()).bind(limit).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(id, channel, at, agent_name, topic, code)| EarlierInteraction {
                conversation_id: ConversationId(id),
                channel: Channel::parse(&channel).unwrap_or_default(),
                started_at_ms: at,
                agent_name,
                topic,
                wrap_up_code: code,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_answer_and_busy_retry_until_the_last_attempt() {
        for outcome in [CallbackOutcome::NoAnswer, CallbackOutcome::Busy] {
            assert_eq!(after_attempt(outcome, 1, 3, 1_000, 60), AfterAttempt::Retry { at: 61_000 });
            assert_eq!(after_attempt(outcome, 2, 3, 1_000, 60), AfterAttempt::Retry { at: 61_000 });
            assert_eq!(after_attempt(outcome, 3, 3, 1_000, 60), AfterAttempt::Close(CallbackStatus::Failed));
        }
    }

    #[test]
    fn an_answer_or_a_voicemail_completes_and_a_wrong_number_fails_at_once() {
        assert_eq!(after_attempt(CallbackOutcome::Connected, 1, 3, 0, 60), AfterAttempt::Close(CallbackStatus::Completed));
        assert_eq!(after_attempt(CallbackOutcome::Voicemail, 1, 3, 0, 60), AfterAttempt::Close(CallbackStatus::Completed));
        assert_eq!(after_attempt(CallbackOutcome::WrongNumber, 1, 3, 0, 60), AfterAttempt::Close(CallbackStatus::Failed));
    }
}
