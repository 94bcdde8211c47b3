//! The message writer: one task that stores chat messages from every
//! conversation, many per transaction (group commit).
//!
//! A sender waits for its reply, which comes only after the transaction that
//! holds its message has committed, so "acknowledged" still means "on disk".
//! While one batch commits (an fsync with `synchronous=FULL`), the next
//! gathers in the queue; under load each commit carries hundreds of
//! messages, and alone a message pays one commit as before.
//!
//! Each batch costs a few statements whatever its size: read what the
//! database holds for the batch's conversations and client ids, decide
//! every message in code (`plan`), insert the new ones at once. `sqlite`
//! and `postgres` hold the statements; on PostgreSQL the conversations are
//! locked first, so writers on several nodes number one conversation's
//! messages one after another.

mod plan;
mod postgres;
mod sqlite;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sqlx::{Connection, PgPool, SqliteConnection};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::background::Background;
use super::db::WriterTarget;
use super::messages::{Appended, MessageRow, NewMessage};
use super::{now_ms, Result, StoreError};
use plan::Outcome;

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
    task: Background,
    commits: Arc<AtomicU64>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("queued", &(QUEUE - self.tx.capacity())).finish()
    }
}

impl Writer {
    pub async fn start(target: WriterTarget, messages_per_conversation: u32) -> Result<Self> {
        let sink = match target {
            WriterTarget::Sqlite(connect) => Sink::Sqlite(sqlite::connect(*connect).await?),
            WriterTarget::Postgres(pool) => Sink::Postgres(pool),
        };
        let (tx, rx) = mpsc::channel(QUEUE);
        let commits = Arc::new(AtomicU64::new(0));
        let counter = commits.clone();
        let task = Background::spawn("message writer", move |stop| run(sink, rx, stop, messages_per_conversation, counter));
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

/// Where batches go.
enum Sink {
    /// The writer's own connection: SQLite has one writer per file anyway.
    Sqlite(SqliteConnection),
    /// Connections from the shared pool, one per batch.
    Postgres(PgPool),
}

impl Sink {
    /// Writes one batch in one transaction. An error fails the whole batch
    /// (nothing was committed); otherwise each message has its outcome.
    async fn write(&mut self, messages: &[NewMessage], cap: u32) -> Result<Vec<Outcome>> {
        match self {
            Self::Sqlite(conn) => sqlite::write_batch(conn, messages, cap, now_ms()).await,
            Self::Postgres(pool) => postgres::write_batch(pool, messages, cap, now_ms()).await,
        }
    }

    async fn close(self) {
        if let Self::Sqlite(conn) = self {
            if let Err(e) = conn.close().await {
                tracing::warn!(error = %e, "closing the message writer's connection");
            }
        }
    }
}

/// A stored message and its conversation, as the resend lookups read it.
#[derive(sqlx::FromRow)]
struct StoredRow {
    conversation_id: i64,
    #[sqlx(flatten)]
    message: MessageRow,
}

async fn run(mut sink: Sink, mut rx: mpsc::Receiver<Job>, stop: CancellationToken, cap: u32, commits: Arc<AtomicU64>) {
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
                commit(&mut sink, batch, cap).await;
                commits.fetch_add(1, Ordering::Relaxed);
            }
            _ = stop.cancelled(), if !closing => {
                // No new jobs; those already queued are still written.
                rx.close();
                closing = true;
            }
        }
    }
    sink.close().await;
}

/// Writes one batch and answers every sender.
async fn commit(sink: &mut Sink, batch: Vec<Job>, cap: u32) {
    let (messages, replies): (Vec<NewMessage>, Vec<oneshot::Sender<Result<Appended>>>) = batch.into_iter().map(|j| (j.message, j.reply)).unzip();
    match sink.write(&messages, cap).await {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let result = match outcome {
                    Outcome::New(message) => Ok(Appended { message, is_new: true }),
                    Outcome::Resent(message) => Ok(Appended { message, is_new: false }),
                    Outcome::Full => Err(StoreError::ConversationFull(cap)),
                    Outcome::Ended => Err(StoreError::ConversationEnded),
                };
                // The sender may have gone (its connection closed); the
                // message is stored either way and a resend finds it.
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, messages = messages.len(), "a batch of messages could not be stored");
            let shown = e.to_string();
            for reply in replies {
                let _ = reply.send(Err(StoreError::BatchFailed(shown.clone())));
            }
        }
    }
}
