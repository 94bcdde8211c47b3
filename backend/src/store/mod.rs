//! The storage seam: everything Rapport keeps goes through [`Store`].
//!
//! SQLite (WAL, migrations embedded in the binary) is the embedded default.
//! Other modules never write SQL; a PostgreSQL implementation replaces this
//! module's internals, not its callers. New SQL uses `$1`-style parameters,
//! which SQLite and PostgreSQL both read.
//!
//! Chat messages, the hot path, go through one writer task that commits
//! many at once ([`writer`]): with `synchronous=FULL` every commit waits for
//! the disk, so batching is what keeps durable writes fast.

mod admin;
mod agents;
mod articles;
mod audit;
mod background;
mod callbacks;
mod canned;
mod cases;
mod checkpointer;
mod cobrowse;
mod contact_admin;
mod contacts;
mod conversations;
mod db;
mod deliveries;
mod erasure;
mod files;
mod history;
pub mod leases;
mod left_messages;
mod messages;
mod meta;
mod moves;
mod pages;
mod queues;
mod reports;
mod sessions;
mod sites;
mod skills;
mod timeline;
mod tokens;
mod visitors;
mod writer;

use sha2::{Digest, Sha256};

use crate::files::links::Links;
pub use admin::{AgentChange, INVITATION_MS};
pub use agents::{AgentRecord, NewAgent};
pub use articles::{ArticleEvent, ArticleFilter};
pub use audit::AgentState;
pub use callbacks::{after_attempt, AfterAttempt, CallbackRecord, NewCallback};
pub use cases::CommentBy;
pub use cobrowse::{CobrowseRecord, CobrowseSettings, Starter};
pub use contacts::ContactRecord;
pub use conversations::{ConversationRecord, EndReason, Entry, Reader, Started, Step};
pub use deliveries::DueDelivery;
pub use files::StoredFile;
pub use messages::{Appended, NewMessage};
pub use sessions::{SessionKey, SessionRecord};
pub use sites::{FileLimits, SiteRecord};
pub use timeline::TimelineCursor;
pub use tokens::TOKEN_PREFIX;
pub use visitors::VisitorRecord;

use crate::config::{DatabaseLocation, Synchronous};
use db::{on_db, Db};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0} already exists")]
    Duplicate(&'static str),
    #[error("no such {0}")]
    NotFound(&'static str),
    /// A write the data's own rules refuse (the client's mistake).
    #[error("{0}")]
    Invalid(&'static str),
    #[error("the conversation already holds {0} messages")]
    ConversationFull(u32),
    #[error("the conversation has ended")]
    ConversationEnded,
    #[error("the message writer has stopped")]
    WriterStopped,
    #[error("a batch of messages could not be stored: {0}")]
    BatchFailed(String),
    /// A write of a leased job in an epoch that is over: another node owns
    /// the job now.
    #[error("lease {lease} moved on from epoch {epoch} (now {current:?})")]
    Fenced { lease: &'static str, epoch: i64, current: Option<i64> },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How the store is opened.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub synchronous: Synchronous,
    /// Messages one conversation may hold; a send beyond is refused.
    pub messages_per_conversation: u32,
    pub max_connections: u32,
    /// The origin links to files are written on (`public_url`).
    pub public_url: String,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { synchronous: Synchronous::Full, messages_per_conversation: 5_000, max_connections: 16, public_url: String::new() }
    }
}

impl StoreOptions {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            synchronous: config.database.synchronous,
            messages_per_conversation: config.limits.messages_per_conversation,
            max_connections: config.database.max_connections,
            public_url: config.public_url.clone(),
        }
    }
}

/// Cheap to clone: a handle on the connection pool and the message writer.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    writer: writer::Writer,
    /// Signs the links to files in the messages that leave the store.
    links: Links,
    /// SQLite only: PostgreSQL checkpoints by itself.
    checkpointer: Option<background::Background>,
}

impl Store {
    /// Opens (creating a SQLite file if needed) the database and migrates it.
    pub async fn open(location: &DatabaseLocation, options: StoreOptions) -> Result<Self> {
        let (db, writer_target, sqlite) = Db::open(location, &options).await?;
        let checkpointer = match sqlite {
            Some(connect) => Some(checkpointer::start(&connect).await?),
            None => None,
        };
        let writer = writer::Writer::start(writer_target, options.messages_per_conversation).await?;
        let links = Links::new(meta::link_key(&db).await?, &options.public_url);
        Ok(Self { db, writer, links, checkpointer })
    }

    /// The signer of links to files, for the download to check them.
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// Which database this is, for the few places that must know.
    pub fn is_postgres(&self) -> bool {
        matches!(self.db, Db::Postgres(_))
    }

    pub async fn ping(&self) -> Result<()> {
        on_db!(&self.db, pool => sqlx::query("SELECT 1").execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Finishes the writes in flight, then closes every connection.
    pub async fn close(&self) {
        self.writer.stop().await;
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.stop().await;
        }
        self.db.close().await;
    }
}

impl Store {
    /// For tests on either database: the one number a query of theirs
    /// answers (a count, say). Nothing in the server calls it.
    #[doc(hidden)]
    pub async fn count_for_tests(&self, sql: &str) -> Result<i64> {
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(sql).fetch_one(pool).await?))
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A fresh 256-bit secret, hex-encoded, for cookies and visitor tokens.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    to_hex(&bytes)
}

/// Secrets are stored hashed, so a leaked database grants no sessions.
pub fn hash_token(token: &str) -> String {
    to_hex(&Sha256::digest(token.as_bytes()))
}

/// The bytes of even-length hex text (either case), or None if it is not.
pub(crate) fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

/// A value as the JSON text a column holds.
fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A JSON column read back; `what` names it in the error.
fn parse_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
impl Store {
    /// The SQLite pool of a test store, for checks below the store's API.
    pub(crate) fn sqlite_pool(&self) -> &sqlx::SqlitePool {
        match &self.db {
            Db::Sqlite(pool) => pool,
            Db::Postgres(_) => panic!("a SQLite test store was expected"),
        }
    }
}

/// A store in a fresh temporary directory, for unit tests; the directory
/// lives as long as the returned guard.
#[cfg(test)]
pub async fn temp_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let location = DatabaseLocation::Sqlite(dir.path().join("test.db"));
    let store = Store::open(&location, StoreOptions::default()).await.expect("opening a test database");
    (store, dir)
}

/// A count or sequence number read from an INTEGER column.
fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use super::*;

    /// "A sequence number means durable": by default every connection
    /// waits for the disk at each commit (synchronous=FULL is 2).
    #[tokio::test]
    async fn commits_wait_for_the_disk_by_default() {
        let (store, _dir) = temp_store().await;
        for _ in 0..3 {
            let Db::Sqlite(pool) = &store.db else { unreachable!() };
            let row = sqlx::query("PRAGMA synchronous").fetch_one(pool).await.unwrap();
            assert_eq!(row.get::<i64, _>(0), 2);
        }
        assert_eq!(crate::config::Config::default().database.synchronous, Synchronous::Full);
    }
}
