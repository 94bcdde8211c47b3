//! What the database says about itself. Today: whether it was created for
//! the demo, which is what lets demo accounts (with public passwords) in.

use sqlx::Row;

use super::{Result, Store};

const DEMO: &str = "demo";

impl Store {
    /// Whether the database holds no sites and no agents yet.
    pub async fn is_empty(&self) -> Result<bool> {
        let row = sqlx::query("SELECT (SELECT COUNT(*) FROM sites) + (SELECT COUNT(*) FROM agents) AS n").fetch_one(&self.pool).await?;
        Ok(row.get::<i64, _>("n") == 0)
    }

    /// Whether the database was created for the demo.
    pub async fn is_demo(&self) -> Result<bool> {
        let row = sqlx::query("SELECT value FROM meta WHERE key = $1").bind(DEMO).fetch_optional(&self.pool).await?;
        Ok(row.is_some_and(|r| r.get::<String, _>("value") == "1"))
    }

    pub async fn mark_demo(&self) -> Result<()> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(DEMO)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
