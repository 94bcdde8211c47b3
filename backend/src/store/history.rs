//! Past conversations searched by text, visitor, agent, date and status,
//! within the sites the searching agent serves, newest first.
//!
//! Text is matched as a lower-case substring (`LIKE '%…%'`), which finds
//! Chinese as well as English without a word tokenizer. It reads every
//! message of the sites in the date range; an index for it (FTS5 with
//! the trigram tokenizer on SQLite, pg_trgm on PostgreSQL) is the next
//! step once histories grow past what a scan answers in time.

use protocol::history::{Found, Search, Transcript, SEARCH_PAGE, TRANSCRIPT_LIMIT};
use protocol::{AgentId, Channel, ConversationId, ConversationStatus};

use super::db::on_db;
use super::{Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    site_name: String,
    prechat_name: String,
    prechat_email: String,
    prechat_topic: String,
    agent_name: Option<String>,
    status: String,
    channel: String,
    created_at: i64,
    ended_at: Option<i64>,
    snippet: Option<String>,
}

impl Row {
    fn found(self) -> Result<Found> {
        Ok(Found {
            id: ConversationId(self.id),
            site_name: self.site_name,
            visitor_name: self.prechat_name,
            visitor_email: self.prechat_email,
            topic: self.prechat_topic,
            agent_name: self.agent_name,
            status: ConversationStatus::parse(&self.status).ok_or_else(|| StoreError::Corrupt(format!("conversation status {}", self.status)))?,
            channel: Channel::parse(&self.channel).unwrap_or_default(),
            started_at_ms: self.created_at,
            ended_at_ms: self.ended_at,
            snippet: self.snippet.unwrap_or_default(),
        })
    }
}

/// `text` as a `LIKE` pattern matching it anywhere, in lower case, with
/// `\` escaping the pattern's own wildcards.
pub(super) fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    // PostgreSQL's lower() folds every script; SQLite's only ASCII, so
    // there a non-ASCII capital (É) matches only in the case typed.
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

const SEARCH: &str = "SELECT c.id, s.name AS site_name, c.prechat_name, c.prechat_email, c.prechat_topic, a.name AS agent_name,
        c.status, c.channel, c.created_at, c.ended_at,
        (SELECT m.text FROM messages m WHERE m.conversation_id = c.id AND m.author != 'system'
            AND ($1 = '' OR lower(m.text) LIKE $2 ESCAPE '\\') ORDER BY m.seq LIMIT 1) AS snippet
     FROM conversations c
     JOIN sites s ON s.id = c.site_id
     LEFT JOIN agents a ON a.id = c.agent_id
     WHERE ($3 = 0 OR (SELECT r.role FROM agents r WHERE r.id = $3) = 'admin' OR c.site_id IN (SELECT x.site_id FROM agent_sites x WHERE x.agent_id = $3))
       AND ($1 = '' OR lower(c.prechat_topic) LIKE $2 ESCAPE '\\'
            OR EXISTS (SELECT 1 FROM messages t WHERE t.conversation_id = c.id AND lower(t.text) LIKE $2 ESCAPE '\\'))
       AND ($4 = '' OR lower(c.prechat_name) LIKE $5 ESCAPE '\\' OR lower(c.prechat_email) LIKE $5 ESCAPE '\\')
       AND ($6 = 0 OR c.agent_id = $6 OR EXISTS (SELECT 1 FROM messages w WHERE w.conversation_id = c.id AND w.agent_id = $6))
       AND c.created_at >= $7 AND c.created_at < $8
       AND ($9 = '' OR c.status = $9)
       AND c.id < $10
     ORDER BY c.id DESC
     LIMIT $11";

impl Store {
    /// One page of the conversations `agent` may see that match `search`
    /// (agent 0: every site's).
    pub async fn search_conversations(&self, agent: AgentId, search: &Search) -> Result<Vec<Found>> {
        let q = search.q.trim();
        let visitor = search.visitor.trim();
        let rows: Vec<Row> = on_db!(&self.db, pool => sqlx::query_as(SEARCH)
            .bind(q)
            .bind(like_pattern(q))
            .bind(agent.get())
            .bind(visitor)
            .bind(like_pattern(visitor))
            .bind(search.agent.map_or(0, AgentId::get))
            .bind(search.from.unwrap_or(0))
            .bind(search.to.unwrap_or(i64::MAX))
            .bind(search.status.map_or("", ConversationStatus::as_str))
            .bind(search.before.map_or(i64::MAX, |c| c.0))
            .bind(SEARCH_PAGE as i64)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(Row::found).collect()
    }

    /// One conversation as the search shows it, if `viewer` may see it
    /// (`None`: a reader of every site, such as an API token).
    pub async fn found_conversation(&self, viewer: Option<AgentId>, id: ConversationId) -> Result<Option<Found>> {
        let search = Search { before: Some(ConversationId(id.0.saturating_add(1))), ..Search::default() };
        Ok(self.search_conversations(viewer.unwrap_or(AgentId(0)), &search).await?.into_iter().find(|f| f.id == id))
    }

    /// A conversation with its messages, if `viewer` may see it.
    pub async fn transcript(&self, viewer: Option<AgentId>, id: ConversationId) -> Result<Option<Transcript>> {
        let Some(conversation) = self.found_conversation(viewer, id).await? else { return Ok(None) };
        let messages = self.messages_after(id, 0, TRANSCRIPT_LIMIT).await?;
        Ok(Some(Transcript { conversation, messages }))
    }
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(like_pattern(" Refund "), "%refund%");
        assert_eq!(like_pattern("100%_\\"), "%100\\%\\_\\\\%");
        assert_eq!(like_pattern("退款"), "%退款%");
    }
}
