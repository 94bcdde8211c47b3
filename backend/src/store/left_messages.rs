//! Messages visitors leave when nobody can answer (the queue was closed or
//! busy), and how an agent takes one up: as a conversation of their own,
//! which the visitor finds in the widget on their next visit.

use protocol::agent::LeftMessage;
use protocol::{AgentId, ConversationId, QueueId, SiteId, VisitorId};

use super::conversations::Step;
use super::db::on_db;
use super::{is_unique_violation, now_ms, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    site_id: i64,
    queue_id: Option<i64>,
    visitor_id: i64,
    conversation_id: Option<i64>,
    name: String,
    email: String,
    text: String,
    created_at: i64,
}

impl From<Row> for LeftMessage {
    fn from(r: Row) -> LeftMessage {
        LeftMessage {
            id: r.id,
            site_id: SiteId(r.site_id),
            queue_id: r.queue_id.map(QueueId),
            visitor_id: VisitorId(r.visitor_id),
            conversation_id: r.conversation_id.map(ConversationId),
            name: r.name,
            email: r.email,
            text: r.text,
            created_at_ms: r.created_at,
        }
    }
}

const COLUMNS: &str = "id, site_id, queue_id, visitor_id, conversation_id, name, email, text, created_at";

impl Store {
    /// Stores the message the visitor left on their conversation that could
    /// not be answered; once per conversation.
    pub async fn leave_message(&self, conversation: ConversationId, text: &str) -> Result<i64> {
        let c = self.conversation(conversation).await?.ok_or(StoreError::NotFound("conversation"))?;
        let sql = "INSERT INTO left_messages (site_id, queue_id, visitor_id, conversation_id, name, email, text, created_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        let id: std::result::Result<i64, sqlx::Error> = on_db!(&self.db, pool => sqlx::query_scalar(sql)
            .bind(c.site_id.get())
            .bind(c.queue_id.map(QueueId::get))
            .bind(c.visitor_id.get())
            .bind(conversation.get())
            .bind(&c.prechat.name)
            .bind(&c.prechat.email)
            .bind(text)
            .bind(now_ms())
            .fetch_one(pool)
            .await);
        match id {
            Ok(id) => {
                self.record_step(conversation, Step { kind: "message_left", agent: None, queue: c.queue_id, detail: "" }, None).await?;
                Ok(id)
            }
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate("a message for this chat")),
            Err(e) => Err(e.into()),
        }
    }

    /// Messages of `sites` nobody has taken up yet, oldest first.
    pub async fn open_left_messages(&self, sites: &[SiteId]) -> Result<Vec<LeftMessage>> {
        let sql = format!("SELECT {COLUMNS} FROM left_messages WHERE taken_by IS NULL AND site_id = $1 ORDER BY id LIMIT 200");
        let mut all = Vec::new();
        for site in sites {
            let rows: Vec<Row> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(site.get()).fetch_all(pool).await?);
            all.extend(rows.into_iter().map(LeftMessage::from));
        }
        all.sort_by_key(|m| m.id);
        Ok(all)
    }

    pub async fn left_message(&self, id: i64) -> Result<Option<LeftMessage>> {
        let sql = format!("SELECT {COLUMNS} FROM left_messages WHERE id = $1");
        let row: Option<Row> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
        Ok(row.map(LeftMessage::from))
    }

    /// The agent takes the message up: false if someone else already did.
    pub async fn take_left_message(&self, id: i64, agent: AgentId) -> Result<bool> {
        let sql = "UPDATE left_messages SET taken_by = $1, taken_at = $2 WHERE id = $3 AND taken_by IS NULL";
        Ok(on_db!(&self.db, pool => sqlx::query(sql).bind(agent.get()).bind(now_ms()).bind(id).execute(pool).await?.rows_affected()) == 1)
    }

    /// Gives the message back (its conversation could not be opened).
    pub async fn release_left_message(&self, id: i64) -> Result<()> {
        let sql = "UPDATE left_messages SET taken_by = NULL, taken_at = NULL WHERE id = $1";
        on_db!(&self.db, pool => sqlx::query(sql).bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Opens a conversation with the visitor that is the agent's from the
    /// start: a follow-up the agent begins. Fails with `Duplicate` while the
    /// visitor has another open conversation.
    pub async fn open_follow_up(
        &self,
        site: SiteId,
        visitor: VisitorId,
        queue: Option<QueueId>,
        agent: AgentId,
        name: &str,
        email: &str,
    ) -> Result<ConversationId> {
        let now = now_ms();
        let sql =
            "INSERT INTO conversations (site_id, visitor_id, status, agent_id, prechat_name, prechat_email, created_at, answered_at, queue_id, entered_at, contact_id)
                   VALUES ($1, $2, 'active', $3, $4, $5, $6, $6, $7, $6, (SELECT contact_id FROM visitors WHERE id = $2)) RETURNING id";
        let id: std::result::Result<i64, sqlx::Error> = on_db!(&self.db, pool => sqlx::query_scalar(sql)
            .bind(site.get())
            .bind(visitor.get())
            .bind(agent.get())
            .bind(name)
            .bind(email)
            .bind(now)
            .bind(queue.map(QueueId::get))
            .fetch_one(pool)
            .await);
        match id {
            Ok(id) => {
                let id = ConversationId(id);
                self.record_step(id, Step { kind: "follow_up", agent: Some(agent), queue, detail: "" }, None).await?;
                Ok(id)
            }
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate("an open chat with this visitor")),
            Err(e) => Err(e.into()),
        }
    }
}
