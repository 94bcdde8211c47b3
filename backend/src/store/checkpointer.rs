//! Moves committed pages from the write-ahead log into the database file,
//! off the message writer's path.
//!
//! SQLite checkpoints by default inside whichever commit finds the log
//! over 1,000 pages, so under load the message writer would stop every few
//! batches to copy and fsync megabytes while senders wait. Here a task of
//! its own does it instead, on its own connection: a passive checkpoint
//! runs beside the writer without blocking it.

use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row, SqliteConnection};
use tokio_util::sync::CancellationToken;

use super::background::Background;
use super::Result;

/// How often the log is copied back.
const EVERY: Duration = Duration::from_millis(250);

/// The log size (in pages) at which a committing connection checkpoints
/// by itself after all: a safety net should this task fall behind.
pub(super) const FALLBACK_PAGES: u32 = 65_536;

pub(super) async fn start(connect: &SqliteConnectOptions) -> Result<Background> {
    let conn = SqliteConnection::connect_with(connect).await?;
    Ok(Background::spawn("checkpointer", move |stop| run(conn, stop)))
}

async fn run(mut conn: SqliteConnection, stop: CancellationToken) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = checkpoint(&mut conn).await {
                    tracing::warn!(error = %e, "checkpointing the write-ahead log");
                }
            }
        }
    }
    if let Err(e) = conn.close().await {
        tracing::warn!(error = %e, "closing the checkpointer's connection");
    }
}

async fn checkpoint(conn: &mut SqliteConnection) -> Result<()> {
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut *conn).await?;
    let (log, copied): (i64, i64) = (row.get(1), row.get(2));
    if log > 0 {
        tracing::trace!(log, copied, "checkpointed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use protocol::visitor::{PageInfo, WidgetSettings};
    use protocol::{Author, ClientId, MessageText, PreChat};

    use crate::store::{temp_store, NewMessage};

    /// Messages reach the database file itself (not only the log) with no
    /// commit big enough to checkpoint on its own.
    #[tokio::test]
    async fn the_log_is_copied_into_the_database_file_in_the_background() {
        let (store, dir) = temp_store().await;
        let site = store.upsert_site("k", "Shop", &["http://a".into()], &WidgetSettings::default()).await.unwrap();
        let (visitor, _) = store.create_visitor(site.id, "en", &PageInfo::default()).await.unwrap();
        let c = store.start_conversation(site.id, visitor.id, &PreChat::default(), store.default_entry(site.id).await.unwrap()).await.unwrap().conversation.id;
        tokio::time::sleep(super::EVERY * 3).await;
        let file = dir.path().join("test.db");
        let before = std::fs::metadata(&file).unwrap().len();
        for i in 0..300 {
            let text = MessageText::parse(format!("{i} {}", "x".repeat(1000))).unwrap();
            let message = NewMessage {
                conversation_id: c,
                client_id: ClientId::parse(format!("m{i}")).unwrap(),
                author: Author::Visitor,
                author_name: "V".into(),
                agent_id: None,
                text,
                file: None,
            };
            store.append_message(message).await.unwrap();
        }
        tokio::time::sleep(super::EVERY * 3).await;
        let after = std::fs::metadata(&file).unwrap().len();
        assert!(after >= before + 300 * 1000, "the database file grew from {before} to only {after} bytes");
    }
}
