//! A writer batch on SQLite: the writer's own connection, `BEGIN
//! IMMEDIATE` (the file's write lock, so nothing changes between the reads
//! and the insert), three statements.

use std::collections::{BTreeSet, HashMap};

use protocol::{ChatMessage, ClientId, ConversationId};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};

use super::plan::{plan, ConversationState, Outcome};
use super::StoredRow;
use crate::store::messages::{stored_file, NewMessage, MESSAGE_COLUMNS};
use crate::store::{unsigned, Result};

/// The writer connection's page cache: it touches a page of every busy
/// conversation in every batch, and a large cache keeps them from being
/// read back each time.
const CACHE_KIB: u32 = 64 * 1024;

pub(super) async fn connect(options: SqliteConnectOptions) -> Result<SqliteConnection> {
    Ok(SqliteConnection::connect_with(&options.pragma("cache_size", format!("-{CACHE_KIB}"))).await?)
}

pub(super) async fn write_batch(conn: &mut SqliteConnection, messages: &[NewMessage], cap: u32, now_ms: i64) -> Result<Vec<Outcome>> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let conversations = conversation_states(&mut tx, messages).await?;
    let stored = stored_messages(&mut tx, messages).await?;
    let outcomes = plan(messages, conversations, stored, cap, now_ms);
    insert_new(&mut tx, messages, &outcomes).await?;
    tx.commit().await?;
    Ok(outcomes)
}

async fn conversation_states(conn: &mut SqliteConnection, messages: &[NewMessage]) -> Result<HashMap<ConversationId, ConversationState>> {
    let ids: BTreeSet<ConversationId> = messages.iter().map(|m| m.conversation_id).collect();
    let mut query = QueryBuilder::<Sqlite>::new(
        "SELECT c.id, c.status != 'ended' AS open,
         (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.conversation_id = c.id) AS last_seq
         FROM conversations c WHERE c.id IN (",
    );
    let mut list = query.separated(", ");
    for id in &ids {
        list.push_bind(id.get());
    }
    query.push(")");
    let rows: Vec<(i64, bool, i64)> = query.build_query_as().fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(|(id, open, last_seq)| (ConversationId(id), ConversationState { last_seq: unsigned(last_seq), open })).collect())
}

async fn stored_messages(conn: &mut SqliteConnection, messages: &[NewMessage]) -> Result<HashMap<(ConversationId, ClientId), ChatMessage>> {
    // SQLite takes a list of row values only as VALUES.
    let mut query =
        QueryBuilder::<Sqlite>::new(format!("SELECT conversation_id, {MESSAGE_COLUMNS} FROM messages WHERE (conversation_id, client_id) IN (VALUES "));
    let mut list = query.separated(", ");
    for m in messages {
        list.push("(");
        list.push_bind_unseparated(m.conversation_id.get());
        list.push_unseparated(", ");
        list.push_bind_unseparated(m.client_id.as_str().to_owned());
        list.push_unseparated(")");
    }
    query.push(")");
    let rows: Vec<StoredRow> = query.build_query_as().fetch_all(&mut *conn).await?;
    rows.into_iter()
        .map(|r| {
            let message = r.message.into_message()?;
            Ok(((ConversationId(r.conversation_id), message.client_id.clone()), message))
        })
        .collect()
}

async fn insert_new(conn: &mut SqliteConnection, messages: &[NewMessage], outcomes: &[Outcome]) -> Result<()> {
    let new: Vec<(&NewMessage, &ChatMessage)> = messages
        .iter()
        .zip(outcomes)
        .filter_map(|(m, o)| match o {
            Outcome::New(stored) => Some((m, stored)),
            _ => None,
        })
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    let mut query = QueryBuilder::<Sqlite>::new("INSERT INTO messages (conversation_id, seq, client_id, author, author_name, agent_id, text, sent_at, file) ");
    query.push_values(new, |mut row, (m, stored)| {
        row.push_bind(m.conversation_id.get())
            .push_bind(i64::try_from(stored.seq).unwrap_or(i64::MAX))
            .push_bind(m.client_id.as_str().to_owned())
            .push_bind(m.author.as_str())
            .push_bind(m.author_name.clone())
            .push_bind(m.agent_id.map(|a| a.get()))
            .push_bind(m.text.as_str().to_owned())
            .push_bind(stored.sent_at_ms)
            .push_bind(m.file.as_ref().map(stored_file));
    });
    query.build().execute(&mut *conn).await?;
    Ok(())
}
