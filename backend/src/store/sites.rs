//! Sites: who may embed the widget, and how it looks.

use protocol::visitor::WidgetSettings;
use protocol::SiteId;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::{now_ms, Result, Store, StoreError};

#[derive(Clone, Debug)]
pub struct SiteRecord {
    pub id: SiteId,
    pub key: String,
    pub name: String,
    pub allowed_origins: Vec<String>,
    pub settings: WidgetSettings,
}

impl SiteRecord {
    /// Whether a page served from `origin` may use this site's widget.
    /// Origins compare exactly (scheme, host and port), as browsers send them.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
    }
}

fn row_to_site(r: &SqliteRow) -> Result<SiteRecord> {
    let origins: String = r.get("allowed_origins");
    let settings: String = r.get("settings");
    Ok(SiteRecord {
        id: SiteId(r.get("id")),
        key: r.get("key"),
        name: r.get("name"),
        allowed_origins: serde_json::from_str(&origins).map_err(|e| StoreError::Corrupt(format!("site origins: {e}")))?,
        settings: serde_json::from_str(&settings).map_err(|e| StoreError::Corrupt(format!("site settings: {e}")))?,
    })
}

impl Store {
    pub async fn site_by_key(&self, key: &str) -> Result<Option<SiteRecord>> {
        let row = sqlx::query("SELECT id, key, name, allowed_origins, settings FROM sites WHERE key = $1").bind(key).fetch_optional(&self.pool).await?;
        row.as_ref().map(row_to_site).transpose()
    }

    pub async fn sites(&self) -> Result<Vec<SiteRecord>> {
        let rows = sqlx::query("SELECT id, key, name, allowed_origins, settings FROM sites ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter().map(row_to_site).collect()
    }

    /// Creates the site, or updates its name, origins and settings if the
    /// key exists.
    pub async fn upsert_site(&self, key: &str, name: &str, allowed_origins: &[String], settings: &WidgetSettings) -> Result<SiteRecord> {
        let origins = serde_json::to_string(allowed_origins).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let settings_json = serde_json::to_string(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO sites (key, name, allowed_origins, settings, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT(key) DO UPDATE SET name = excluded.name, allowed_origins = excluded.allowed_origins, settings = excluded.settings",
        )
        .bind(key)
        .bind(name)
        .bind(origins)
        .bind(settings_json)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        self.site_by_key(key).await?.ok_or_else(|| StoreError::Corrupt("site vanished after upsert".into()))
    }
}
