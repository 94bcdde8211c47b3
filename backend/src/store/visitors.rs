//! Visitors: anonymous until identified, recognised by a token in their
//! browser's storage.

use protocol::visitor::PageInfo;
use sqlx::Row;

use super::{hash_token, new_token, now_ms, Result, Store};

#[derive(Clone, Debug)]
pub struct VisitorRecord {
    pub id: i64,
    pub site_id: i64,
    pub locale: String,
    pub page: PageInfo,
}

impl Store {
    /// The visitor holding `token` on this site.
    pub async fn visitor_by_token(&self, site_id: i64, token: &str) -> Result<Option<VisitorRecord>> {
        let row = sqlx::query("SELECT id, site_id, locale, page_url, page_title FROM visitors WHERE token_hash = ? AND site_id = ?")
            .bind(hash_token(token))
            .bind(site_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| VisitorRecord {
            id: r.get("id"),
            site_id: r.get("site_id"),
            locale: r.get("locale"),
            page: PageInfo { url: r.get("page_url"), title: r.get("page_title") },
        }))
    }

    /// A new visitor and the token that identifies them from now on.
    pub async fn create_visitor(&self, site_id: i64, locale: &str, page: &PageInfo) -> Result<(VisitorRecord, String)> {
        let token = new_token();
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO visitors (site_id, token_hash, locale, page_url, page_title, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(site_id)
        .bind(hash_token(&token))
        .bind(locale)
        .bind(&page.url)
        .bind(&page.title)
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok((VisitorRecord { id: row.get("id"), site_id, locale: locale.into(), page: page.clone() }, token))
    }

    /// Records where the visitor is now.
    pub async fn touch_visitor(&self, visitor_id: i64, locale: &str, page: &PageInfo) -> Result<()> {
        sqlx::query("UPDATE visitors SET locale = ?, page_url = ?, page_title = ?, last_seen_at = ? WHERE id = ?")
            .bind(locale)
            .bind(&page.url)
            .bind(&page.title)
            .bind(now_ms())
            .bind(visitor_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
