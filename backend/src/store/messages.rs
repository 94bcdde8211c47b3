//! Chat messages: idempotent appends with per-conversation sequence numbers
//! (through the writer), and reads a page at a time.

use super::db::on_db;
use super::{now_ms, unsigned, ConversationRecord, Result, Store, StoreError};
use protocol::files::Attachment;
use protocol::{AgentId, Author, ChatMessage, ClientId, ConversationId, MessageText, Seq, VisitorId, HISTORY_PAGE};

/// A message to store. Its text and client id were checked where they
/// entered, so the store only ever sees valid ones.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub conversation_id: ConversationId,
    pub client_id: ClientId,
    pub author: Author,
    pub author_name: String,
    pub agent_id: Option<AgentId>,
    pub text: MessageText,
    /// The file this message shows (its link is left empty here).
    pub file: Option<Attachment>,
}

impl NewMessage {
    /// A line of the server's own (a transfer, a co-browse step), read by
    /// both sides and kept in the transcript.
    pub fn system(conversation_id: ConversationId, client_id: ClientId, text: MessageText) -> Self {
        Self { conversation_id, client_id, author: Author::System, author_name: String::new(), agent_id: None, text, file: None }
    }
}

/// A stored message, and whether this call stored it (false: the client id
/// was already there, and this is the message stored then).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    pub message: ChatMessage,
    pub is_new: bool,
}

pub(super) const MESSAGE_COLUMNS: &str = "seq, client_id, author, author_name, text, sent_at, file";

/// One row of [`MESSAGE_COLUMNS`].
#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    seq: i64,
    client_id: String,
    author: String,
    author_name: String,
    text: String,
    sent_at: i64,
    file: Option<String>,
}

/// A message's file as its row keeps it: the description without a link
/// (links are signed as messages leave, and expire).
pub(super) fn stored_file(file: &Attachment) -> String {
    serde_json::to_string(&Attachment { url: String::new(), ..file.clone() }).unwrap_or_default()
}

impl MessageRow {
    pub(super) fn into_message(self) -> Result<ChatMessage> {
        Ok(ChatMessage {
            seq: unsigned(self.seq),
            client_id: ClientId::parse(self.client_id).map_err(|e| StoreError::Corrupt(format!("message client id: {e}")))?,
            author: Author::parse(&self.author).ok_or_else(|| StoreError::Corrupt(format!("message author {}", self.author)))?,
            author_name: self.author_name,
            text: self.text,
            sent_at_ms: self.sent_at,
            file: self.file.map(|f| serde_json::from_str(&f).map_err(|e| StoreError::Corrupt(format!("message file: {e}")))).transpose()?,
        })
    }
}

impl Store {
    /// Stores the message and returns it with its sequence number once it
    /// is committed. Sending the same `client_id` again returns the stored
    /// message unchanged: that is what makes retries safe. A conversation
    /// at its message limit refuses with [`StoreError::ConversationFull`].
    pub async fn append_message(&self, message: NewMessage) -> Result<Appended> {
        let started = std::time::Instant::now();
        let mut appended = self.writer.append(message).await?;
        appended.message = self.signed(appended.message);
        // From handing the message over to its commit: queueing included.
        metrics::histogram!("rapport_database_message_write_seconds").record(started.elapsed().as_secs_f64());
        if appended.is_new {
            metrics::counter!("rapport_messages_total").increment(1);
        }
        Ok(appended)
    }

    /// Transactions the message writer has committed since the store opened.
    pub fn message_commits(&self) -> u64 {
        self.writer.commits()
    }

    /// Up to `limit` messages after `after`, oldest first.
    pub async fn messages_after(&self, conversation: ConversationId, after: Seq, limit: usize) -> Result<Vec<ChatMessage>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3");
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let rows: Vec<MessageRow> =
            on_db!(&self.db, pool => sqlx::query_as(&sql).bind(conversation.get()).bind(after).bind(limit as i64).fetch_all(pool).await?);
        rows.into_iter().map(|r| r.into_message().map(|m| self.signed(m))).collect()
    }

    /// A message as it leaves the store: its file's link signed for now.
    fn signed(&self, mut message: ChatMessage) -> ChatMessage {
        if let Some(file) = &mut message.file {
            self.links.sign(file, now_ms() / 1000);
        }
        message
    }

    /// The message the visitor sent as `client_id`, in whichever of their
    /// conversations it is stored (one probe of the unique index per
    /// conversation they had).
    pub async fn visitor_message_with_client_id(&self, visitor: VisitorId, client_id: &ClientId) -> Result<Option<ChatMessage>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE client_id = $2 AND author = 'visitor' \
             AND conversation_id IN (SELECT id FROM conversations WHERE visitor_id = $1) LIMIT 1"
        );
        let row: Option<MessageRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(visitor.get()).bind(client_id.as_str()).fetch_optional(pool).await?);
        row.map(|r| r.into_message().map(|m| self.signed(m))).transpose()
    }

    /// Up to `limit` messages just before `before` (all of the newest when
    /// `before` is past the end), oldest first.
    pub async fn messages_before(&self, conversation: ConversationId, before: Seq, limit: usize) -> Result<Vec<ChatMessage>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3");
        let before = i64::try_from(before).unwrap_or(i64::MAX);
        let rows: Vec<MessageRow> =
            on_db!(&self.db, pool => sqlx::query_as(&sql).bind(conversation.get()).bind(before).bind(limit as i64).fetch_all(pool).await?);
        let mut messages = rows.into_iter().map(|r| r.into_message().map(|m| self.signed(m))).collect::<Result<Vec<_>>>()?;
        messages.reverse();
        Ok(messages)
    }

    /// What a client showing `conversation` up to `after` needs: the
    /// messages it missed, or (when it shows nothing of it, missed more than
    /// a page, or claims more than there is) the newest page, with `true`
    /// meaning "drop what you show first".
    pub async fn catch_up(&self, conversation: &ConversationRecord, after: Option<Seq>) -> Result<(bool, Vec<ChatMessage>)> {
        match after {
            Some(after) if after <= conversation.last_seq && conversation.last_seq - after <= HISTORY_PAGE as u64 => {
                Ok((false, self.messages_after(conversation.id, after, HISTORY_PAGE).await?))
            }
            _ => Ok((true, self.messages_before(conversation.id, u64::MAX, HISTORY_PAGE).await?)),
        }
    }

    /// The last few things the visitor wrote, oldest first: what an agent
    /// reads before accepting.
    pub async fn latest_visitor_texts(&self, conversation: ConversationId, limit: usize) -> Result<Vec<String>> {
        let sql = "SELECT text FROM messages WHERE conversation_id = $1 AND author = 'visitor' ORDER BY seq DESC LIMIT $2";
        let mut texts: Vec<String> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(conversation.get()).bind(limit as i64).fetch_all(pool).await?);
        texts.reverse();
        Ok(texts)
    }
}

#[cfg(test)]
mod tests {
    use protocol::visitor::{PageInfo, WidgetSettings};
    use protocol::PreChat;

    use super::*;
    use crate::store::temp_store;

    async fn conversation(store: &Store) -> ConversationId {
        let site = store.upsert_site("k", "Shop", &["http://a".into()], &WidgetSettings::default()).await.unwrap();
        let (visitor, _) = store.create_visitor(site.id, "en", &PageInfo::default()).await.unwrap();
        store.start_conversation(site.id, visitor.id, &PreChat::default(), store.default_entry(site.id).await.unwrap()).await.unwrap().conversation.id
    }

    fn msg(conversation_id: ConversationId, client_id: &str, text: &str) -> NewMessage {
        NewMessage {
            conversation_id,
            client_id: ClientId::parse(client_id).unwrap(),
            author: Author::Visitor,
            author_name: "V".into(),
            agent_id: None,
            text: MessageText::parse(text).unwrap(),
            file: None,
        }
    }

    #[tokio::test]
    async fn sequence_numbers_count_up_per_conversation() {
        let (store, _dir) = temp_store().await;
        let c = conversation(&store).await;
        let a = store.append_message(msg(c, "a", "你好")).await.unwrap();
        let b = store.append_message(msg(c, "b", "hello")).await.unwrap();
        assert!(a.is_new);
        assert_eq!((a.message.seq, b.message.seq), (1, 2));
        let all = store.messages_after(c, 0, 50).await.unwrap();
        assert_eq!(all.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["你好", "hello"]);
        assert_eq!(store.messages_after(c, 1, 50).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn resending_a_client_id_returns_the_stored_message() {
        let (store, _dir) = temp_store().await;
        let c = conversation(&store).await;
        let first = store.append_message(msg(c, "same", "one")).await.unwrap();
        let again = store.append_message(msg(c, "same", "one (retry)")).await.unwrap();
        assert!(!again.is_new);
        assert_eq!(first.message, again.message);
        assert_eq!(store.messages_after(c, 0, 50).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn concurrent_senders_share_commits_and_get_distinct_sequence_numbers() {
        let (store, _dir) = temp_store().await;
        let c = conversation(&store).await;
        let sends: Vec<_> = (0..200)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { store.append_message(msg(c, &format!("m{i}"), "hi")).await.unwrap().message.seq })
            })
            .collect();
        let mut seqs: Vec<Seq> = Vec::new();
        for s in sends {
            seqs.push(s.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
        let commits = store.message_commits();
        assert!(commits < 100, "200 concurrent messages took {commits} commits");
    }

    #[tokio::test]
    async fn pages_read_backwards_and_forwards() {
        let (store, _dir) = temp_store().await;
        let c = conversation(&store).await;
        for i in 0..7 {
            store.append_message(msg(c, &format!("m{i}"), &format!("text {i}"))).await.unwrap();
        }
        let seqs = |ms: Vec<ChatMessage>| ms.into_iter().map(|m| m.seq).collect::<Vec<_>>();
        assert_eq!(seqs(store.messages_before(c, u64::MAX, 3).await.unwrap()), [5, 6, 7]);
        assert_eq!(seqs(store.messages_before(c, 5, 3).await.unwrap()), [2, 3, 4]);
        assert_eq!(seqs(store.messages_before(c, 2, 3).await.unwrap()), [1]);
        assert_eq!(seqs(store.messages_after(c, 2, 3).await.unwrap()), [3, 4, 5]);
        assert_eq!(store.latest_visitor_texts(c, 2).await.unwrap(), ["text 5", "text 6"]);
    }

    #[tokio::test]
    async fn an_ended_conversation_takes_no_new_messages_but_answers_resends() {
        let (store, _dir) = temp_store().await;
        let c = conversation(&store).await;
        store.append_message(msg(c, "before", "hi")).await.unwrap();
        store.end_conversation(c, crate::store::EndReason::Visitor, None).await.unwrap();
        assert!(matches!(store.append_message(msg(c, "after", "late")).await, Err(StoreError::ConversationEnded)));
        assert!(!store.append_message(msg(c, "before", "hi")).await.unwrap().is_new);
        assert_eq!(store.messages_after(c, 0, 10).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_full_conversation_refuses_new_messages_but_not_resends() {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::store::StoreOptions { messages_per_conversation: 3, ..Default::default() };
        let store = Store::open(&crate::config::DatabaseLocation::Sqlite(dir.path().join("t.db")), options).await.unwrap();
        let c = conversation(&store).await;
        for i in 0..3 {
            store.append_message(msg(c, &format!("m{i}"), "x")).await.unwrap();
        }
        assert!(matches!(store.append_message(msg(c, "m3", "x")).await, Err(StoreError::ConversationFull(3))));
        assert!(!store.append_message(msg(c, "m1", "x")).await.unwrap().is_new);
    }
}
