//! Visitors: anonymous until identified, recognised by a token in their
//! browser's storage.

use protocol::visitor::PageInfo;
use protocol::{SiteId, VisitorId};
use sqlx::Row;

use super::{hash_token, new_token, now_ms, Result, Store};

#[derive(Clone, Debug)]
pub struct VisitorRecord {
    pub id: VisitorId,
    pub site_id: SiteId,
    pub locale: String,
    pub page: PageInfo,
}

impl Store {
    /// The visitor holding `token` on this site.
    pub async fn visitor_by_token(&self, site: SiteId, token: &str) -> Result<Option<VisitorRecord>> {
        let row = sqlx::query("SELECT id, site_id, locale, page_url, page_title FROM visitors WHERE token_hash = $1 AND site_id = $2")
            .bind(hash_token(token))
            .bind(site.get())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| VisitorRecord {
            id: VisitorId(r.get("id")),
            site_id: SiteId(r.get("site_id")),
            locale: r.get("locale"),
            page: PageInfo { url: r.get("page_url"), title: r.get("page_title") },
        }))
    }

    /// A new visitor and the token that identifies them from now on.
    pub async fn create_visitor(&self, site: SiteId, locale: &str, page: &PageInfo) -> Result<(VisitorRecord, String)> {
        let token = new_token();
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO visitors (site_id, token_hash, locale, page_url, page_title, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(site.get())
        .bind(hash_token(&token))
        .bind(locale)
        .bind(&page.url)
        .bind(&page.title)
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok((VisitorRecord { id: VisitorId(row.get("id")), site_id: site, locale: locale.into(), page: page.clone() }, token))
    }

    /// Records where the visitor is now.
    pub async fn touch_visitor(&self, visitor: VisitorId, locale: &str, page: &PageInfo) -> Result<()> {
        sqlx::query("UPDATE visitors SET locale = $1, page_url = $2, page_title = $3, last_seen_at = $4 WHERE id = $5")
            .bind(locale)
            .bind(&page.url)
            .bind(&page.title)
            .bind(now_ms())
            .bind(visitor.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
