//! The message writer: one task with its own connection that stores chat
//! messages from every conversation, many per transaction (group commit).
//!
//! A sender waits for its reply, which comes only after the transaction that
//! holds its message has committed, so "acknowledged" still means "on disk".
//! While one batch commits (an fsync with `synchronous=FULL`), the next
//! gathers in the queue; under load each commit carries hundreds of
//! messages, and alone a message pays one commit as before.

use std::sync::{Arc, Mutex};

use protocol::{ConversationId, Seq};
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{Connection, Row, SqliteConnection};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::messages::{row_to_message, Appended, NewMessage, MESSAGE_COLUMNS};
use super::{now_ms, unsigned, Result, StoreError};

/// Messages waiting for the writer; a sender beyond this waits its turn.
const QUEUE: usize = 8_192;
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
    stop: CancellationToken,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("queued", &(QUEUE - self.tx.capacity())).finish()
    }
}

impl Writer {
    pub async fn start(connect: SqliteConnectOptions, messages_per_conversation: u32) -> Result<Self> {
        let conn = SqliteConnection::connect_with(&connect).await?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(conn, rx, stop.clone(), messages_per_conversation));
        Ok(Self { tx, stop, task: Arc::new(Mutex::new(Some(task))) })
    }

    /// Stores the message (or finds it stored under its client id) and
    /// returns it with its sequence number, once committed.
    pub async fn append(&self, message: NewMessage) -> Result<Appended> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Job { message, reply }).await.map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Stops taking messages, commits those already queued, and waits for
    /// the task to end.
    pub async fn stop(&self) {
        self.stop.cancel();
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "the message writer ended abnormally");
            }
        }
    }
}

async fn run(mut conn: SqliteConnection, mut rx: mpsc::Receiver<Job>, stop: CancellationToken, cap: u32) {
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
/// one refuses only its own message.
async fn write_batch(conn: &mut SqliteConnection, messages: &[NewMessage], cap: u32) -> Result<Vec<Result<Appended>>> {
    // IMMEDIATE takes the write lock now, so the reads below cannot be
    // overtaken by another writer between them and the inserts.
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let now = now_ms();
    let mut results = Vec::with_capacity(messages.len());
    for m in messages {
        results.push(append_one(&mut tx, m, cap, now).await?);
    }
    tx.commit().await?;
    Ok(results)
}

/// One statement in the usual case: the next seq, the message limit and
/// the conversation being open are all checked by the insert itself. Only
/// when it inserts nothing do the slower reads find out why.
async fn append_one(conn: &mut SqliteConnection, m: &NewMessage, cap: u32, now: i64) -> Result<Result<Appended>> {
    let inserted: Option<SqliteRow> = sqlx::query(&format!(
        "INSERT INTO messages (conversation_id, seq, client_id, author, author_name, agent_id, text, sent_at)
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM messages
         WHERE conversation_id = $1
         HAVING COALESCE(MAX(seq), 0) < $8 AND EXISTS (SELECT 1 FROM conversations WHERE id = $1 AND status != 'ended')
         ON CONFLICT (conversation_id, client_id) DO NOTHING
         RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(m.conversation_id.get())
    .bind(m.client_id.as_str())
    .bind(m.author.as_str())
    .bind(&m.author_name)
    .bind(m.agent_id.map(|a| a.get()))
    .bind(m.text.as_str())
    .bind(now)
    .bind(i64::from(cap))
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = inserted {
        return Ok(Ok(Appended { message: row_to_message(&row)?, is_new: true }));
    }
    // A resend of a stored message returns it, whatever else is true now.
    let existing = sqlx::query(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND client_id = $2"))
        .bind(m.conversation_id.get())
        .bind(m.client_id.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = existing {
        return Ok(Ok(Appended { message: row_to_message(&row)?, is_new: false }));
    }
    if last_seq(conn, m.conversation_id).await? >= u64::from(cap) {
        return Ok(Err(StoreError::ConversationFull(cap)));
    }
    Ok(Err(StoreError::ConversationEnded))
}

async fn last_seq(conn: &mut SqliteConnection, conversation: ConversationId) -> Result<Seq> {
    let row =
        sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM messages WHERE conversation_id = $1").bind(conversation.get()).fetch_one(&mut *conn).await?;
    Ok(unsigned(row.get("last")))
}
