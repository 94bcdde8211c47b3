//! Conversations and the append-only record of what happened to them.

use super::db::on_db;
use super::leases::{fence_condition, Fence};
use super::{is_unique_violation, now_ms, unsigned, Result, Store, StoreError};
use protocol::agent::{ConversationSummary, VisitorCard};
use protocol::visitor::{PageInfo, Unavailable, VisitorConversation};
use protocol::{AgentId, Channel, ConversationId, ConversationStatus, PreChat, QueueId, Seq, SiteId, VisitorId};

/// A conversation with what every view of it needs (visitor, site, agent).
#[derive(Clone, Debug)]
pub struct ConversationRecord {
    pub id: ConversationId,
    pub site_id: SiteId,
    pub site_name: String,
    pub visitor_id: VisitorId,
    pub status: ConversationStatus,
    pub agent_id: Option<AgentId>,
    pub agent_name: Option<String>,
    pub prechat: PreChat,
    pub visitor_locale: String,
    pub visitor_page: PageInfo,
    pub visitor_read_seq: Seq,
    pub agent_read_seq: Seq,
    pub last_seq: Seq,
    pub created_at: i64,
    /// The queue it waits in or was answered from.
    pub queue_id: Option<QueueId>,
    pub priority: i32,
    /// When it first entered a queue (kept through transfers).
    pub entered_at: i64,
    pub wrap_up_code: Option<String>,
    pub end_reason: Option<EndReason>,
    /// A chat, or one attempt at a callback.
    pub channel: Channel,
    /// The visitor's rating (1 to 5) and comment, once given.
    pub rating: Option<u8>,
    pub rating_comment: String,
}

impl ConversationRecord {
    pub fn is_open(&self) -> bool {
        self.status != ConversationStatus::Ended
    }

    /// A chat, not an attempt at a callback (whose visitor is on the
    /// phone, not in the conversation).
    pub fn is_chat(&self) -> bool {
        self.channel == Channel::Chat
    }

    pub fn visitor_card(&self) -> VisitorCard {
        VisitorCard {
            visitor_id: self.visitor_id,
            prechat: self.prechat.clone(),
            page: self.visitor_page.clone(),
            locale: self.visitor_locale.clone(),
            site_name: self.site_name.clone(),
        }
    }

    pub fn summary(&self) -> ConversationSummary {
        ConversationSummary {
            id: self.id,
            status: self.status,
            visitor: self.visitor_card(),
            last_seq: self.last_seq,
            visitor_read_seq: self.visitor_read_seq,
            started_at_ms: self.created_at,
            channel: self.channel,
        }
    }

    /// What the visitor sees: while queued, their place and expected wait
    /// (in seconds) as routing last told.
    pub fn visitor_view(&self, queue_position: Option<u32>, estimated_wait_secs: Option<u32>) -> VisitorConversation {
        let queued = self.status == ConversationStatus::Queued;
        VisitorConversation {
            id: self.id,
            status: self.status,
            agent_name: self.agent_name.clone(),
            queue_position: queue_position.filter(|_| queued),
            agent_read_seq: self.agent_read_seq,
            prechat: self.prechat.clone(),
            estimated_wait_secs: estimated_wait_secs.filter(|_| queued),
            unavailable: match self.end_reason {
                Some(EndReason::Closed) => Some(Unavailable::Closed),
                Some(EndReason::Busy) => Some(Unavailable::Busy),
                _ => None,
            },
            rating: self.rating,
        }
    }
}

/// The result of asking for a conversation: the open one, or a new one.
#[derive(Clone, Debug)]
pub struct Started {
    pub conversation: ConversationRecord,
    /// False when the visitor already had an open conversation (another tab
    /// may have just opened it).
    pub created: bool,
}

/// Why a conversation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    Agent,
    Visitor,
    /// The visitor left the queue before anyone answered.
    Abandoned,
    /// The queue was closed and had nowhere to overflow: the visitor was
    /// offered to leave a message.
    Closed,
    /// The queue was full or waited on too long, with nowhere to overflow.
    Busy,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Visitor => "visitor",
            Self::Abandoned => "abandoned",
            Self::Closed => "closed",
            Self::Busy => "busy",
        }
    }

    fn parse(s: &str) -> Option<EndReason> {
        [Self::Agent, Self::Visitor, Self::Abandoned, Self::Closed, Self::Busy].into_iter().find(|r| r.as_str() == s)
    }

    /// The kind of the event that records it.
    pub(super) fn event(self) -> &'static str {
        match self {
            Self::Agent => "ended_by_agent",
            Self::Visitor => "ended_by_visitor",
            Self::Abandoned => "abandoned",
            Self::Closed | Self::Busy => "fell_back",
        }
    }
}

const SELECT: &str = "SELECT c.id, c.site_id, s.name AS site_name, c.visitor_id, c.status, c.agent_id, a.name AS agent_name,
        c.prechat_name, c.prechat_email, c.prechat_topic, v.locale, v.page_url, v.page_title,
        c.visitor_read_seq, c.agent_read_seq, c.created_at, c.queue_id, c.priority, c.entered_at, c.wrap_up_code, c.end_reason, c.channel,
        c.rating, c.rating_comment,
        (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.conversation_id = c.id) AS last_seq
    FROM conversations c
    JOIN visitors v ON v.id = c.visitor_id
    JOIN sites s ON s.id = c.site_id
    LEFT JOIN agents a ON a.id = c.agent_id";

/// One row of [`SELECT`].
#[derive(sqlx::FromRow)]
struct ConversationRow {
    id: i64,
    site_id: i64,
    site_name: String,
    visitor_id: i64,
    status: String,
    agent_id: Option<i64>,
    agent_name: Option<String>,
    prechat_name: String,
    prechat_email: String,
    prechat_topic: String,
    locale: String,
    page_url: String,
    page_title: String,
    visitor_read_seq: i64,
    agent_read_seq: i64,
    created_at: i64,
    queue_id: Option<i64>,
    priority: i64,
    entered_at: Option<i64>,
    wrap_up_code: Option<String>,
    end_reason: Option<String>,
    channel: String,
    rating: Option<i64>,
    rating_comment: String,
    last_seq: i64,
}

impl ConversationRow {
    fn into_record(self) -> Result<ConversationRecord> {
        let status = ConversationStatus::parse(&self.status).ok_or_else(|| StoreError::Corrupt(format!("conversation status {}", self.status)))?;
        Ok(ConversationRecord {
            id: ConversationId(self.id),
            site_id: SiteId(self.site_id),
            site_name: self.site_name,
            visitor_id: VisitorId(self.visitor_id),
            status,
            agent_id: self.agent_id.map(AgentId),
            agent_name: self.agent_name,
            prechat: PreChat { name: self.prechat_name, email: self.prechat_email, topic: self.prechat_topic },
            visitor_locale: self.locale,
            visitor_page: PageInfo { url: self.page_url, title: self.page_title },
            visitor_read_seq: unsigned(self.visitor_read_seq),
            agent_read_seq: unsigned(self.agent_read_seq),
            last_seq: unsigned(self.last_seq),
            created_at: self.created_at,
            queue_id: self.queue_id.map(QueueId),
            priority: self.priority.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
            entered_at: self.entered_at.unwrap_or(self.created_at),
            wrap_up_code: self.wrap_up_code,
            end_reason: self.end_reason.as_deref().and_then(EndReason::parse),
            channel: Channel::parse(&self.channel).ok_or_else(|| StoreError::Corrupt(format!("conversation channel {}", self.channel)))?,
            rating: self.rating.and_then(|r| u8::try_from(r).ok()),
            rating_comment: self.rating_comment,
        })
    }
}

/// Where a new conversation waits, and how urgent it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub queue: QueueId,
    pub priority: i32,
}

/// One routing step as the record keeps it.
#[derive(Clone, Copy, Debug)]
pub struct Step<'a> {
    pub kind: &'a str,
    pub agent: Option<AgentId>,
    pub queue: Option<QueueId>,
    /// A transfer's note, a wrap-up code, why it overflowed.
    pub detail: &'a str,
}

/// Which side read a conversation.
#[derive(Clone, Copy, Debug)]
pub enum Reader {
    Visitor,
    Agent,
}

impl Store {
    pub async fn conversation(&self, id: ConversationId) -> Result<Option<ConversationRecord>> {
        let sql = format!("{SELECT} WHERE c.id = $1");
        let row: Option<ConversationRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(id.get()).fetch_optional(pool).await?);
        row.map(ConversationRow::into_record).transpose()
    }

    /// Stores the visitor's rating of a conversation, once: false when it
    /// was rated already.
    pub async fn rate_conversation(&self, id: ConversationId, score: u8, comment: &str) -> Result<bool> {
        let sql = "UPDATE conversations SET rating = $1, rating_comment = $2, rated_at = $3 WHERE id = $4 AND rating IS NULL";
        let n =
            on_db!(&self.db, pool => sqlx::query(sql).bind(i64::from(score)).bind(comment).bind(now_ms()).bind(id.get()).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// An agent's record: how many of their chats were rated, and the
    /// average score.
    pub async fn agent_rating(&self, agent: AgentId) -> Result<(i64, Option<f64>)> {
        let sql = "SELECT COUNT(rating), AVG(CAST(rating AS DOUBLE PRECISION)) FROM conversations WHERE agent_id = $1 AND rating IS NOT NULL";
        let (n, avg): (i64, Option<f64>) = on_db!(&self.db, pool => sqlx::query_as(sql).bind(agent.get()).fetch_one(pool).await?);
        Ok((n, avg))
    }

    /// The visitor's most recent chat, open or not.
    pub async fn latest_conversation(&self, visitor: VisitorId) -> Result<Option<ConversationRecord>> {
        let sql = format!("{SELECT} WHERE c.visitor_id = $1 AND c.channel = 'chat' ORDER BY c.id DESC LIMIT 1");
        let row: Option<ConversationRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(visitor.get()).fetch_optional(pool).await?);
        row.map(ConversationRow::into_record).transpose()
    }

    /// The visitor's open chat (there is at most one; callback attempts
    /// are not chats).
    pub async fn open_conversation(&self, visitor: VisitorId) -> Result<Option<ConversationRecord>> {
        let sql = format!("{SELECT} WHERE c.visitor_id = $1 AND c.status != 'ended' AND c.channel = 'chat'");
        let row: Option<ConversationRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(visitor.get()).fetch_optional(pool).await?);
        row.map(ConversationRow::into_record).transpose()
    }

    pub async fn conversations_with_status(&self, status: ConversationStatus) -> Result<Vec<ConversationRecord>> {
        let sql = format!("{SELECT} WHERE c.status = $1 ORDER BY c.id");
        let rows: Vec<ConversationRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(status.as_str()).fetch_all(pool).await?);
        rows.into_iter().map(ConversationRow::into_record).collect()
    }

    /// The first `limit` conversations waiting in the manual-pick queues
    /// agent serves, most urgent and longest waiting first, with the name
    /// of their queue.
    pub async fn waiting_for_pick(&self, agent: AgentId, limit: i64) -> Result<Vec<(ConversationRecord, String)>> {
        let served = super::skills::SERVED;
        let sql = format!(
            "{SELECT} WHERE c.status = 'queued' AND c.queue_id IN
                (SELECT q.id FROM queues q, agents a WHERE a.id = $1 AND q.strategy = 'manual' AND {served})
             ORDER BY c.priority DESC, c.entered_at, c.id LIMIT $2"
        );
        let rows: Vec<ConversationRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(agent.get()).bind(limit).fetch_all(pool).await?);
        let names: std::collections::HashMap<QueueId, String> = self.queues().await?.into_iter().map(|q| (q.id, q.config.name)).collect();
        rows.into_iter()
            .map(|row| {
                let record = row.into_record()?;
                let name = record.queue_id.and_then(|q| names.get(&q).cloned()).unwrap_or_default();
                Ok((record, name))
            })
            .collect()
    }

    pub async fn active_conversations_of(&self, agent: AgentId) -> Result<Vec<ConversationRecord>> {
        let sql = format!("{SELECT} WHERE c.status = 'active' AND c.agent_id = $1 ORDER BY c.id");
        let rows: Vec<ConversationRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(agent.get()).fetch_all(pool).await?);
        rows.into_iter().map(ConversationRow::into_record).collect()
    }

    /// The visitor's open conversation, or a new one queued in `entry`'s
    /// queue. A unique index allows one open conversation per visitor, so
    /// two tabs asking at the same moment get the same one.
    pub async fn start_conversation(&self, site: SiteId, visitor: VisitorId, prechat: &PreChat, entry: Entry) -> Result<Started> {
        if let Some(conversation) = self.open_conversation(visitor).await? {
            return Ok(Started { conversation, created: false });
        }
        let sql =
            "INSERT INTO conversations (site_id, visitor_id, status, prechat_name, prechat_email, prechat_topic, created_at, queue_id, priority, entered_at, contact_id)
             VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $6, (SELECT contact_id FROM visitors WHERE id = $2)) RETURNING id";
        let inserted: std::result::Result<i64, sqlx::Error> = on_db!(&self.db, pool => {
            sqlx::query_scalar(sql)
                .bind(site.get())
                .bind(visitor.get())
                .bind(&prechat.name)
                .bind(&prechat.email)
                .bind(&prechat.topic)
                .bind(now_ms())
                .bind(entry.queue.get())
                .bind(i64::from(entry.priority))
                .fetch_one(pool)
                .await
        });
        match inserted {
            Ok(id) => {
                let id = ConversationId(id);
                self.record_step(id, Step { kind: "entered", agent: None, queue: Some(entry.queue), detail: "" }, None).await?;
                let conversation = self.conversation(id).await?.ok_or_else(|| StoreError::Corrupt("conversation vanished".into()))?;
                Ok(Started { conversation, created: true })
            }
            Err(e) if is_unique_violation(&e) => {
                let conversation = self.open_conversation(visitor).await?.ok_or_else(|| StoreError::Corrupt("open conversation vanished".into()))?;
                Ok(Started { conversation, created: false })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Hands a queued conversation to an agent, as routing decided in the
    /// term `fence` (none with one node). Returns false if it was no longer
    /// queued (ended meanwhile), so nothing changed; [`StoreError::Fenced`]
    /// if routing has moved to another node since.
    pub async fn assign_conversation(&self, id: ConversationId, agent: AgentId, fence: Option<Fence>) -> Result<bool> {
        let sql = format!(
            "UPDATE conversations SET status = 'active', agent_id = $1, answered_at = $2 WHERE id = $3 AND status = 'queued' AND {}",
            fence_condition(&self.db, fence, 4)
        );
        let done = on_db!(&self.db, pool => {
            let mut query = sqlx::query(&sql).bind(agent.get()).bind(now_ms()).bind(id.get());
            if let Some(fence) = fence {
                query = query.bind(fence.lease).bind(fence.epoch);
            }
            query.execute(pool).await?.rows_affected()
        }) == 1;
        if done {
            self.record_routing_event(id, "accepted", Some(agent), fence).await?;
        } else if let Some(fence) = fence {
            self.check_fence(fence).await?;
        }
        Ok(done)
    }

    /// Ends the conversation; false if it had already ended.
    pub async fn end_conversation(&self, id: ConversationId, reason: EndReason, by_agent: Option<AgentId>) -> Result<bool> {
        let sql = "UPDATE conversations SET status = 'ended', ended_at = $1, end_reason = $2 WHERE id = $3 AND status != 'ended'";
        let done = on_db!(&self.db, pool => sqlx::query(sql).bind(now_ms()).bind(reason.as_str()).bind(id.get()).execute(pool).await?.rows_affected()) == 1;
        if done {
            self.record_event(id, reason.event(), by_agent).await?;
        }
        Ok(done)
    }

    /// Moves a side's read marker forward (never back).
    pub async fn mark_read(&self, id: ConversationId, reader: Reader, seq: Seq) -> Result<()> {
        let sql = match reader {
            Reader::Visitor => "UPDATE conversations SET visitor_read_seq = $1 WHERE id = $2 AND visitor_read_seq < $1",
            Reader::Agent => "UPDATE conversations SET agent_read_seq = $1 WHERE id = $2 AND agent_read_seq < $1",
        };
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        on_db!(&self.db, pool => sqlx::query(sql).bind(seq).bind(id.get()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Appends to the conversation's event log (declined, ended, ...).
    pub async fn record_event(&self, id: ConversationId, kind: &str, agent: Option<AgentId>) -> Result<()> {
        self.record_routing_event(id, kind, agent, None).await
    }

    /// Appends a routing step (without queue or detail) with the routing
    /// term that took it; refused if that term is over.
    pub async fn record_routing_event(&self, id: ConversationId, kind: &str, agent: Option<AgentId>, fence: Option<Fence>) -> Result<()> {
        self.record_step(id, Step { kind, agent, queue: None, detail: "" }, fence).await
    }

    /// Appends a routing step to the conversation's event log with the
    /// routing term that took it; refused if that term is over.
    pub async fn record_step(&self, id: ConversationId, step: Step<'_>, fence: Option<Fence>) -> Result<()> {
        let sql = format!(
            "INSERT INTO conversation_events (conversation_id, kind, agent_id, at, epoch, queue_id, detail) SELECT $1, $2, $3, $4, $5, $6, $7 WHERE {}",
            fence_condition(&self.db, fence, 8)
        );
        let done = on_db!(&self.db, pool => {
            let mut query = sqlx::query(&sql)
                .bind(id.get())
                .bind(step.kind)
                .bind(step.agent.map(AgentId::get))
                .bind(now_ms())
                .bind(fence.map(|f| f.epoch))
                .bind(step.queue.map(QueueId::get))
                .bind(step.detail);
            if let Some(fence) = fence {
                query = query.bind(fence.lease).bind(fence.epoch);
            }
            query.execute(pool).await?.rows_affected()
        }) == 1;
        match fence {
            Some(fence) if !done => self.check_fence(fence).await,
            _ => Ok(()),
        }
    }

    /// The conversation's steps with the routing term of each and when it
    /// was recorded (ms), oldest first.
    pub async fn routing_events(&self, id: ConversationId) -> Result<Vec<(String, Option<i64>, i64)>> {
        let sql = "SELECT kind, epoch, at FROM conversation_events WHERE conversation_id = $1 ORDER BY id";
        Ok(on_db!(&self.db, pool => sqlx::query_as(sql).bind(id.get()).fetch_all(pool).await?))
    }

    /// The agent who last handled one of the visitor's other conversations:
    /// whom a returning visitor is offered to first.
    pub async fn last_agent_of(&self, visitor: VisitorId, except: ConversationId) -> Result<Option<AgentId>> {
        let sql = "SELECT agent_id FROM conversations WHERE visitor_id = $1 AND id != $2 AND agent_id IS NOT NULL ORDER BY id DESC LIMIT 1";
        let id: Option<i64> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(visitor.get()).bind(except.get()).fetch_optional(pool).await?);
        Ok(id.map(AgentId))
    }

    /// Who last transferred the conversation, and their note.
    pub async fn last_transfer(&self, id: ConversationId) -> Result<Option<(String, String)>> {
        let sql = "SELECT a.name, e.detail FROM conversation_events e JOIN agents a ON a.id = e.agent_id
                   WHERE e.conversation_id = $1 AND e.kind = 'transferred' ORDER BY e.id DESC LIMIT 1";
        Ok(on_db!(&self.db, pool => sqlx::query_as(sql).bind(id.get()).fetch_optional(pool).await?))
    }

    /// The kinds of the conversation's events, oldest first.
    pub async fn conversation_events(&self, id: ConversationId) -> Result<Vec<String>> {
        let sql = "SELECT kind FROM conversation_events WHERE conversation_id = $1 ORDER BY id";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(id.get()).fetch_all(pool).await?))
    }
}

#[cfg(test)]
mod tests {
    use protocol::visitor::WidgetSettings;

    use super::*;
    use crate::store::temp_store;

    #[tokio::test]
    async fn a_visitor_has_at_most_one_open_conversation_even_when_tabs_race() {
        let (store, _dir) = temp_store().await;
        let site = store.upsert_site("k", "Shop", &[], &WidgetSettings::default()).await.unwrap();
        let (visitor, _) = store.create_visitor(site.id, "en", &PageInfo::default()).await.unwrap();
        let starts = (0..8).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store.start_conversation(site.id, visitor.id, &PreChat::default(), store.default_entry(site.id).await.unwrap()).await.unwrap()
            })
        });
        let mut ids = Vec::new();
        let mut created = 0;
        for s in starts {
            let started = s.await.unwrap();
            ids.push(started.conversation.id);
            created += usize::from(started.created);
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "two conversations were opened: {ids:?}");
        assert_eq!(created, 1);
        // The index itself refuses a second open conversation.
        let second = sqlx::query("INSERT INTO conversations (site_id, visitor_id, status, created_at) VALUES ($1, $2, 'queued', 0)")
            .bind(site.id.get())
            .bind(visitor.id.get())
            .execute(store.sqlite_pool())
            .await;
        assert!(second.is_err_and(|e| is_unique_violation(&e)));
        // Once it ends, a new one may start.
        assert!(store.end_conversation(ids[0], EndReason::Visitor, None).await.unwrap());
        assert!(store.start_conversation(site.id, visitor.id, &PreChat::default(), store.default_entry(site.id).await.unwrap()).await.unwrap().created);
    }

    #[tokio::test]
    async fn read_markers_only_move_forward() {
        let (store, _dir) = temp_store().await;
        let site = store.upsert_site("k", "Shop", &[], &WidgetSettings::default()).await.unwrap();
        let (visitor, _) = store.create_visitor(site.id, "en", &PageInfo::default()).await.unwrap();
        let c = store.start_conversation(site.id, visitor.id, &PreChat::default(), store.default_entry(site.id).await.unwrap()).await.unwrap().conversation.id;
        store.mark_read(c, Reader::Visitor, 5).await.unwrap();
        store.mark_read(c, Reader::Visitor, 3).await.unwrap();
        assert_eq!(store.conversation(c).await.unwrap().unwrap().visitor_read_seq, 5);
    }
}
