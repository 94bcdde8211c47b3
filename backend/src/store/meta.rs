//! What the database says about itself. Today: whether it was created for
//! the demo, which is what lets demo accounts (with public passwords) in.

use super::db::{on_db, Db};
use super::{Result, Store, StoreError};

const DEMO: &str = "demo";
/// The key links to files are signed with (hex), made once by whichever
/// node opens the database first, then read by all.
const LINK_KEY: &str = "file_link_key";

/// The link key, made now if the database has none yet.
pub(super) async fn link_key(db: &Db) -> Result<[u8; 32]> {
    let insert = "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
    let fresh = super::new_token();
    on_db!(db, pool => sqlx::query(insert).bind(LINK_KEY).bind(&fresh).execute(pool).await?.rows_affected());
    let hex: String = on_db!(db, pool => sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(LINK_KEY).fetch_one(pool).await?);
    super::from_hex(&hex).and_then(|bytes| <[u8; 32]>::try_from(bytes).ok()).ok_or_else(|| StoreError::Corrupt("the file link key".into()))
}

impl Store {
    /// Whether the database holds no sites and no agents yet.
    pub async fn is_empty(&self) -> Result<bool> {
        let sql = "SELECT (SELECT COUNT(*) FROM sites) + (SELECT COUNT(*) FROM agents)";
        let n: i64 = on_db!(&self.db, pool => sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(n == 0)
    }

    /// Whether the database was created for the demo.
    pub async fn is_demo(&self) -> Result<bool> {
        let value: Option<String> =
            on_db!(&self.db, pool => sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(DEMO).fetch_optional(pool).await?);
        Ok(value.as_deref() == Some("1"))
    }

    pub async fn mark_demo(&self) -> Result<()> {
        let sql = "INSERT INTO meta (key, value) VALUES ($1, '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        on_db!(&self.db, pool => sqlx::query(sql).bind(DEMO).execute(pool).await?.rows_affected());
        Ok(())
    }
}
