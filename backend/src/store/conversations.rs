//! Conversations and the append-only record of what happened to them.

use protocol::agent::{ConversationSummary, VisitorCard};
use protocol::visitor::{PageInfo, VisitorConversation};
use protocol::{ConversationId, ConversationStatus, PreChat, Seq};
use sqlx::Row;

use super::{now_ms, Result, Store, StoreError};

/// A conversation with what every view of it needs (visitor, site, agent).
#[derive(Clone, Debug)]
pub struct ConversationRecord {
    pub id: ConversationId,
    pub site_id: i64,
    pub site_name: String,
    pub visitor_id: i64,
    pub status: ConversationStatus,
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    pub prechat: PreChat,
    pub visitor_locale: String,
    pub visitor_page: PageInfo,
    pub visitor_read_seq: Seq,
    pub agent_read_seq: Seq,
    pub last_seq: Seq,
    pub created_at: i64,
}

impl ConversationRecord {
    pub fn is_open(&self) -> bool {
        self.status != ConversationStatus::Ended
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
        }
    }

    pub fn visitor_view(&self, queue_position: Option<u32>) -> VisitorConversation {
        VisitorConversation {
            id: self.id,
            status: self.status,
            agent_name: self.agent_name.clone(),
            queue_position: if self.status == ConversationStatus::Queued { queue_position } else { None },
            agent_read_seq: self.agent_read_seq,
            prechat: self.prechat.clone(),
        }
    }
}

const SELECT: &str = "SELECT c.id, c.site_id, s.name AS site_name, c.visitor_id, c.status, c.agent_id, a.name AS agent_name,
        c.prechat_name, c.prechat_email, c.prechat_topic, v.locale, v.page_url, v.page_title,
        c.visitor_read_seq, c.agent_read_seq, c.created_at,
        (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.conversation_id = c.id) AS last_seq
    FROM conversations c
    JOIN visitors v ON v.id = c.visitor_id
    JOIN sites s ON s.id = c.site_id
    LEFT JOIN agents a ON a.id = c.agent_id";

fn row_to_conversation(r: &sqlx::sqlite::SqliteRow) -> Result<ConversationRecord> {
    let status: String = r.get("status");
    Ok(ConversationRecord {
        id: r.get("id"),
        site_id: r.get("site_id"),
        site_name: r.get("site_name"),
        visitor_id: r.get("visitor_id"),
        status: ConversationStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("conversation status {status}")))?,
        agent_id: r.get("agent_id"),
        agent_name: r.get("agent_name"),
        prechat: PreChat { name: r.get("prechat_name"), email: r.get("prechat_email"), topic: r.get("prechat_topic") },
        visitor_locale: r.get("locale"),
        visitor_page: PageInfo { url: r.get("page_url"), title: r.get("page_title") },
        visitor_read_seq: r.get::<i64, _>("visitor_read_seq") as Seq,
        agent_read_seq: r.get::<i64, _>("agent_read_seq") as Seq,
        last_seq: r.get::<i64, _>("last_seq") as Seq,
        created_at: r.get("created_at"),
    })
}

/// Which side read a conversation.
#[derive(Clone, Copy, Debug)]
pub enum Reader {
    Visitor,
    Agent,
}

impl Store {
    pub async fn conversation(&self, id: ConversationId) -> Result<Option<ConversationRecord>> {
        let row = sqlx::query(&format!("{SELECT} WHERE c.id = ?")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(row_to_conversation).transpose()
    }

    /// The visitor's most recent conversation, open or not.
    pub async fn latest_conversation(&self, visitor_id: i64) -> Result<Option<ConversationRecord>> {
        let row = sqlx::query(&format!("{SELECT} WHERE c.visitor_id = ? ORDER BY c.id DESC LIMIT 1")).bind(visitor_id).fetch_optional(&self.pool).await?;
        row.as_ref().map(row_to_conversation).transpose()
    }

    pub async fn conversations_with_status(&self, status: ConversationStatus) -> Result<Vec<ConversationRecord>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE c.status = ? ORDER BY c.id")).bind(status.as_str()).fetch_all(&self.pool).await?;
        rows.iter().map(row_to_conversation).collect()
    }

    pub async fn active_conversations_of(&self, agent_id: i64) -> Result<Vec<ConversationRecord>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE c.status = 'active' AND c.agent_id = ? ORDER BY c.id")).bind(agent_id).fetch_all(&self.pool).await?;
        rows.iter().map(row_to_conversation).collect()
    }

    /// Opens a queued conversation for the visitor.
    pub async fn create_conversation(&self, site_id: i64, visitor_id: i64, prechat: &PreChat) -> Result<ConversationRecord> {
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO conversations (site_id, visitor_id, status, prechat_name, prechat_email, prechat_topic, created_at)
             VALUES (?, ?, 'queued', ?, ?, ?, ?) RETURNING id",
        )
        .bind(site_id)
        .bind(visitor_id)
        .bind(&prechat.name)
        .bind(&prechat.email)
        .bind(&prechat.topic)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        let id: i64 = row.get("id");
        self.record_event(id, "queued", None).await?;
        self.conversation(id).await?.ok_or_else(|| StoreError::Corrupt("conversation vanished".into()))
    }

    /// Hands a queued conversation to an agent. Returns false if it was no
    /// longer queued (ended meanwhile), so nothing changed.
    pub async fn assign_conversation(&self, id: ConversationId, agent_id: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE conversations SET status = 'active', agent_id = ?, answered_at = ? WHERE id = ? AND status = 'queued'")
            .bind(agent_id)
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1;
        if done {
            self.record_event(id, "accepted", Some(agent_id)).await?;
        }
        Ok(done)
    }

    /// Ends the conversation; false if it had already ended.
    pub async fn end_conversation(&self, id: ConversationId, by_agent: Option<i64>) -> Result<bool> {
        let done = sqlx::query("UPDATE conversations SET status = 'ended', ended_at = ? WHERE id = ? AND status != 'ended'")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1;
        if done {
            self.record_event(id, if by_agent.is_some() { "ended_by_agent" } else { "ended_by_visitor" }, by_agent).await?;
        }
        Ok(done)
    }

    /// Moves a side's read marker forward (never back).
    pub async fn mark_read(&self, id: ConversationId, reader: Reader, seq: Seq) -> Result<()> {
        let sql = match reader {
            Reader::Visitor => "UPDATE conversations SET visitor_read_seq = MAX(visitor_read_seq, ?) WHERE id = ?",
            Reader::Agent => "UPDATE conversations SET agent_read_seq = MAX(agent_read_seq, ?) WHERE id = ?",
        };
        sqlx::query(sql).bind(seq as i64).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Appends to the conversation's event log (offered, declined, ...).
    pub async fn record_event(&self, id: ConversationId, kind: &str, agent_id: Option<i64>) -> Result<()> {
        sqlx::query("INSERT INTO conversation_events (conversation_id, kind, agent_id, at) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(kind)
            .bind(agent_id)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The kinds of the conversation's events, oldest first.
    pub async fn conversation_events(&self, id: ConversationId) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT kind FROM conversation_events WHERE conversation_id = ? ORDER BY id").bind(id).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(|r| r.get("kind")).collect())
    }
}
