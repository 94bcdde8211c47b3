//! The message writer: one task with its own connection that stores chat
//! messages from every conversation, many per transaction (group commit).
//!
//! A sender waits for its reply, which comes only after the transaction that
//! holds its message has committed, so "acknowledged" still means "on disk".
//! While one batch commits (an fsync with `synchronous=FULL`), the next
//! gathers in the queue; under load each commit carries hundreds of
//! messages, and alone a message pays one commit as before.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use protocol::{ChatMessage, ClientId, ConversationId};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, QueryBuilder, Row, Sqlite, SqliteConnection};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::background::Background;
use super::batch::{plan, ConversationState, Outcome};
use super::messages::{row_to_message, Appended, NewMessage, MESSAGE_COLUMNS};
use super::{now_ms, unsigned, Result, StoreError};

/// Messages waiting for the writer; a sender beyond this waits its turn.
const QUEUE: usize = 8_192;
/// The writer connection's page cache.
const WRITER_CACHE_KIB: u32 = 64 * 1024;
/// Messages in one transaction at most.
const BATCH: usize = 512;

struct Job {
    message: NewMessage,
    reply: oneshot::Sender<Result<Appended>>,
}

/// Cheap to clone: the way into the writer task.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
    task: Background,
    commits: Arc<AtomicU64>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("queued", &(QUEUE - self.tx.capacity())).finish()
    }
}

impl Writer {
    pub async fn start(connect: SqliteConnectOptions, messages_per_conversation: u32) -> Result<Self> {
        // The writer touches a page of every busy conversation in every
        // batch; a large cache keeps them from being read back each time.
        let connect = connect.pragma("cache_size", format!("-{WRITER_CACHE_KIB}"));
        let conn = SqliteConnection::connect_with(&connect).await?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let commits = Arc::new(AtomicU64::new(0));
        let counter = commits.clone();
        let task = Background::spawn("message writer", move |stop| run(conn, rx, stop, messages_per_conversation, counter));
        Ok(Self { tx, task, commits })
    }

    /// Stores the message (or finds it stored under its client id) and
    /// returns it with its sequence number, once committed.
    pub async fn append(&self, message: NewMessage) -> Result<Appended> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Job { message, reply }).await.map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Transactions committed so far: fewer than messages when batching works.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Stops taking messages, commits those already queued, and waits for
    /// the task to end.
    pub async fn stop(&self) {
        self.task.stop().await;
    }
}

async fn run(mut conn: SqliteConnection, mut rx: mpsc::Receiver<Job>, stop: CancellationToken, cap: u32, commits: Arc<AtomicU64>) {
    let mut closing = false;
    loop {
        tokio::select! {
            biased;
            job = rx.recv() => {
                let Some(job) = job else { break };
                let mut batch = vec![job];
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                commit(&mut conn, batch, cap).await;
                commits.fetch_add(1, Ordering::Relaxed);
            }
            _ = stop.cancelled(), if !closing => {
                // No new jobs; those already queued are still written.
                rx.close();
                closing = true;
            }
        }
    }
    if let Err(e) = conn.close().await {
        tracing::warn!(error = %e, "closing the message writer's connection");
    }
}

/// Writes one batch in one transaction and answers every sender.
async fn commit(conn: &mut SqliteConnection, batch: Vec<Job>, cap: u32) {
    let (messages, replies): (Vec<NewMessage>, Vec<oneshot::Sender<Result<Appended>>>) = batch.into_iter().map(|j| (j.message, j.reply)).unzip();
    match write_batch(conn, &messages, cap).await {
        Ok(results) => {
            for (reply, result) in replies.into_iter().zip(results) {
                // The sender may have gone (its connection closed); the
                // message is stored either way and a resend finds it.
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, messages = messages.len(), "a batch of messages could not be stored");
            let shown = e.to_string();
            for reply in replies {
                let _ = reply.send(Err(StoreError::Corrupt(format!("the batch failed: {shown}"))));
            }
        }
    }
}

/// The outer error fails the whole batch (nothing was committed); an inner
/// one refuses only its own message. Three statements whatever the batch's
/// size: read the conversations, read any resent client ids, insert.
async fn write_batch(conn: &mut SqliteConnection, messages: &[NewMessage], cap: u32) -> Result<Vec<Result<Appended>>> {
    // IMMEDIATE takes the write lock now, so what is read below cannot
    // change before the insert.
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let conversations = conversation_states(&mut tx, messages).await?;
    let stored = stored_messages(&mut tx, messages).await?;
    let outcomes = plan(messages, conversations, stored, cap, now_ms());
    insert_new(&mut tx, messages, &outcomes).await?;
    tx.commit().await?;
    Ok(outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Outcome::New(message) => Ok(Appended { message, is_new: true }),
            Outcome::Resent(message) => Ok(Appended { message, is_new: false }),
            Outcome::Full => Err(StoreError::ConversationFull(cap)),
            Outcome::Ended => Err(StoreError::ConversationEnded),
        })
        .collect())
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
    let rows = query.build().fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(|r| (ConversationId(r.get("id")), ConversationState { last_seq: unsigned(r.get("last_seq")), open: r.get("open") })).collect())
}

async fn stored_messages(conn: &mut SqliteConnection, messages: &[NewMessage]) -> Result<HashMap<(ConversationId, ClientId), ChatMessage>> {
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
    let rows = query.build().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let message = row_to_message(r)?;
            Ok(((ConversationId(r.get("conversation_id")), message.client_id.clone()), message))
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
    let mut query = QueryBuilder::<Sqlite>::new("INSERT INTO messages (conversation_id, seq, client_id, author, author_name, agent_id, text, sent_at) ");
    query.push_values(new, |mut row, (m, stored)| {
        row.push_bind(m.conversation_id.get())
            .push_bind(stored.seq as i64)
            .push_bind(m.client_id.as_str().to_owned())
            .push_bind(m.author.as_str())
            .push_bind(m.author_name.clone())
            .push_bind(m.agent_id.map(|a| a.get()))
            .push_bind(m.text.as_str().to_owned())
            .push_bind(stored.sent_at_ms);
    });
    query.build().execute(&mut *conn).await?;
    Ok(())
}
