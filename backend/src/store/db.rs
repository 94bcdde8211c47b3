//! The two databases the store runs on, and the one way its modules reach
//! either: [`on_db!`] runs the same code against whichever pool this node
//! has, so SQL that both dialects accept is written once and each arm is
//! still checked by the compiler with its own driver's types.
//!
//! Rows are read through `#[derive(sqlx::FromRow)]` structs, which work
//! for both drivers; columns are `INTEGER`/`BIGINT` (read as `i64`), `TEXT`
//! and booleans (`BOOLEAN` in PostgreSQL, 0/1 in SQLite).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use super::{checkpointer, Result, StoreOptions};
use crate::config::{DatabaseLocation, Synchronous};

/// A pool on one of the two databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to this store's pool, whichever it is.
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::store::db::Db::Sqlite($pool) => $body,
            $crate::store::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_db;

/// How the message writer reaches the database: its own connection for
/// SQLite (one writer per file), the shared pool for PostgreSQL.
pub enum WriterTarget {
    Sqlite(Box<SqliteConnectOptions>),
    Postgres(PgPool),
}

impl Db {
    /// Connects and migrates. Returns what the writer needs, and SQLite's
    /// connect options for the checkpointer.
    pub async fn open(location: &DatabaseLocation, options: &StoreOptions) -> Result<(Self, WriterTarget, Option<SqliteConnectOptions>)> {
        match location {
            DatabaseLocation::Sqlite(path) => {
                let connect = sqlite_options(path, options.synchronous)?;
                let pool = SqlitePoolOptions::new().max_connections(options.max_connections.clamp(1, 8)).connect_with(connect.clone()).await?;
                sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
                Ok((Self::Sqlite(pool), WriterTarget::Sqlite(Box::new(connect.clone())), Some(connect)))
            }
            DatabaseLocation::Postgres(url) => {
                let connect = PgConnectOptions::from_str(url)?.application_name("rapport");
                let pool =
                    PgPoolOptions::new().max_connections(options.max_connections.max(2)).acquire_timeout(Duration::from_secs(10)).connect_with(connect).await?;
                // Migrations take an advisory lock, so nodes starting
                // together apply each one once.
                sqlx::migrate!("./migrations/postgres").run(&pool).await?;
                Ok((Self::Postgres(pool.clone()), WriterTarget::Postgres(pool), None))
            }
        }
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

fn sqlite_options(path: &std::path::Path, synchronous: Synchronous) -> Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(match synchronous {
            // Every commit is on disk before it returns, so a sequence
            // number (given only after the commit) survives power loss.
            Synchronous::Full => SqliteSynchronous::Full,
            // Survives a killed process, not an OS crash.
            Synchronous::Normal => SqliteSynchronous::Normal,
        })
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // The checkpointer task does this; see there.
        .pragma("wal_autocheckpoint", checkpointer::FALLBACK_PAGES.to_string()))
}
