//! Sites: who may embed the widget, and how it looks.

use super::db::on_db;
use super::{now_ms, Result, Store, StoreError};
use protocol::visitor::WidgetSettings;
use protocol::SiteId;

#[derive(Clone, Debug)]
pub struct SiteRecord {
    pub id: SiteId,
    pub key: String,
    pub name: String,
    pub allowed_origins: Vec<String>,
    pub settings: WidgetSettings,
    /// Where messages left are emailed; empty: nowhere.
    pub team_email: String,
    /// What one file, and all files of one conversation, may weigh; 0
    /// turns files off.
    pub files: FileLimits,
}

/// A site's limits on files, in megabytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileLimits {
    pub file_mb: u32,
    pub conversation_mb: u32,
}

impl SiteRecord {
    /// Whether a page served from `origin` may use this site's widget.
    /// Origins compare exactly (scheme, host and port), as browsers send them.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
    }
}

#[derive(sqlx::FromRow)]
struct SiteRow {
    id: i64,
    key: String,
    name: String,
    allowed_origins: String,
    settings: String,
    team_email: String,
    file_max_mb: i64,
    conversation_files_max_mb: i64,
}

impl SiteRow {
    fn into_record(self) -> Result<SiteRecord> {
        Ok(SiteRecord {
            id: SiteId(self.id),
            key: self.key,
            name: self.name,
            allowed_origins: serde_json::from_str(&self.allowed_origins).map_err(|e| StoreError::Corrupt(format!("site origins: {e}")))?,
            settings: serde_json::from_str(&self.settings).map_err(|e| StoreError::Corrupt(format!("site settings: {e}")))?,
            team_email: self.team_email,
            files: FileLimits {
                file_mb: u32::try_from(self.file_max_mb).unwrap_or(0),
                conversation_mb: u32::try_from(self.conversation_files_max_mb).unwrap_or(0),
            },
        })
    }
}

impl Store {
    pub async fn site_by_key(&self, key: &str) -> Result<Option<SiteRecord>> {
        let sql = "SELECT id, key, name, allowed_origins, settings, team_email, file_max_mb, conversation_files_max_mb FROM sites WHERE key = $1";
        let row: Option<SiteRow> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(key).fetch_optional(pool).await?);
        row.map(SiteRow::into_record).transpose()
    }

    /// Sets where a site's messages left are emailed, and its limits on
    /// files: what an admin sets beside the widget's settings.
    pub async fn set_site_extras(&self, id: SiteId, email: &str, files: FileLimits) -> Result<()> {
        let sql = "UPDATE sites SET team_email = $1, file_max_mb = $2, conversation_files_max_mb = $3 WHERE id = $4";
        on_db!(&self.db, pool => sqlx::query(sql).bind(email).bind(i64::from(files.file_mb)).bind(i64::from(files.conversation_mb)).bind(id.get()).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn sites(&self) -> Result<Vec<SiteRecord>> {
        let sql = "SELECT id, key, name, allowed_origins, settings, team_email, file_max_mb, conversation_files_max_mb FROM sites ORDER BY id";
        let rows: Vec<SiteRow> = on_db!(&self.db, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter().map(SiteRow::into_record).collect()
    }

    /// Creates the site, or updates its name, origins and settings if the
    /// key exists.
    pub async fn upsert_site(&self, key: &str, name: &str, allowed_origins: &[String], settings: &WidgetSettings) -> Result<SiteRecord> {
        let origins = serde_json::to_string(allowed_origins).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let settings_json = serde_json::to_string(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = "INSERT INTO sites (key, name, allowed_origins, settings, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT(key) DO UPDATE SET name = excluded.name, allowed_origins = excluded.allowed_origins, settings = excluded.settings";
        on_db!(&self.db, pool => sqlx::query(sql).bind(key).bind(name).bind(&origins).bind(&settings_json).bind(now_ms()).execute(pool).await?.rows_affected());
        let site = self.site_by_key(key).await?.ok_or_else(|| StoreError::Corrupt("site vanished after upsert".into()))?;
        self.ensure_default_queue(site.id).await?;
        Ok(site)
    }
}
