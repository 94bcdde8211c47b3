//! Chat messages: idempotent appends with per-conversation sequence numbers.

use protocol::{Author, ChatMessage, ConversationId, Seq};
use sqlx::Row;

use super::{now_ms, Result, Store, StoreError};

pub struct NewMessage<'a> {
    pub conversation_id: ConversationId,
    pub client_id: &'a str,
    pub author: Author,
    pub author_name: &'a str,
    pub agent_id: Option<i64>,
    pub text: &'a str,
}

fn author_str(a: Author) -> &'static str {
    match a {
        Author::Visitor => "visitor",
        Author::Agent => "agent",
        Author::System => "system",
    }
}

fn row_to_message(r: &sqlx::sqlite::SqliteRow) -> Result<ChatMessage> {
    let author = match r.get::<String, _>("author").as_str() {
        "visitor" => Author::Visitor,
        "agent" => Author::Agent,
        "system" => Author::System,
        other => return Err(StoreError::Corrupt(format!("message author {other}"))),
    };
    Ok(ChatMessage {
        seq: r.get::<i64, _>("seq") as Seq,
        client_id: r.get("client_id"),
        author,
        author_name: r.get("author_name"),
        text: r.get("text"),
        sent_at_ms: r.get("sent_at"),
    })
}

impl Store {
    /// Stores the message and returns it with its sequence number, and
    /// whether it is new. Sending the same `client_id` again returns the
    /// stored message unchanged: that is what makes retries safe.
    pub async fn append_message(&self, m: NewMessage<'_>) -> Result<(ChatMessage, bool)> {
        // One statement, so SQLite's write lock makes "next seq" and the
        // insert atomic even with several writers.
        let inserted = sqlx::query(
            "INSERT INTO messages (conversation_id, seq, client_id, author, author_name, agent_id, text, sent_at)
             SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7 FROM messages WHERE conversation_id = ?1
             ON CONFLICT (conversation_id, client_id) DO NOTHING
             RETURNING seq, client_id, author, author_name, text, sent_at",
        )
        .bind(m.conversation_id)
        .bind(m.client_id)
        .bind(author_str(m.author))
        .bind(m.author_name)
        .bind(m.agent_id)
        .bind(m.text)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = inserted {
            return Ok((row_to_message(&row)?, true));
        }
        let row = sqlx::query("SELECT seq, client_id, author, author_name, text, sent_at FROM messages WHERE conversation_id = ? AND client_id = ?")
            .bind(m.conversation_id)
            .bind(m.client_id)
            .fetch_one(&self.pool)
            .await?;
        Ok((row_to_message(&row)?, false))
    }

    /// Messages after `after`, oldest first.
    pub async fn messages_after(&self, conversation_id: ConversationId, after: Seq) -> Result<Vec<ChatMessage>> {
        let rows = sqlx::query("SELECT seq, client_id, author, author_name, text, sent_at FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq")
            .bind(conversation_id)
            .bind(after as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_to_message).collect()
    }
}

#[cfg(test)]
mod tests {
    use protocol::visitor::{PageInfo, WidgetSettings};
    use protocol::PreChat;

    use super::*;

    async fn conversation() -> (Store, ConversationId) {
        let store = Store::in_memory().await.unwrap();
        let site = store.upsert_site("k", "Shop", &["http://a".into()], &WidgetSettings::default()).await.unwrap();
        let (visitor, _) = store.create_visitor(site.id, "en", &PageInfo::default()).await.unwrap();
        let c = store.create_conversation(site.id, visitor.id, &PreChat::default()).await.unwrap();
        (store, c.id)
    }

    fn msg<'a>(conversation_id: ConversationId, client_id: &'a str, text: &'a str) -> NewMessage<'a> {
        NewMessage { conversation_id, client_id, author: Author::Visitor, author_name: "V", agent_id: None, text }
    }

    #[tokio::test]
    async fn sequence_numbers_count_up_per_conversation() {
        let (store, c) = conversation().await;
        let (a, new_a) = store.append_message(msg(c, "a", "你好")).await.unwrap();
        let (b, _) = store.append_message(msg(c, "b", "hello")).await.unwrap();
        assert!(new_a);
        assert_eq!((a.seq, b.seq), (1, 2));
        let all = store.messages_after(c, 0).await.unwrap();
        assert_eq!(all.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["你好", "hello"]);
        assert_eq!(store.messages_after(c, 1).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn resending_a_client_id_returns_the_stored_message() {
        let (store, c) = conversation().await;
        let (first, _) = store.append_message(msg(c, "same", "one")).await.unwrap();
        let (again, new) = store.append_message(msg(c, "same", "one (retry)")).await.unwrap();
        assert!(!new);
        assert_eq!(first, again);
        assert_eq!(store.messages_after(c, 0).await.unwrap().len(), 1);
    }
}
