//! Visitors: anonymous until identified, recognised by a token in their
//! browser's storage.

use super::db::on_db;
use super::{hash_token, new_token, now_ms, Result, Store};
use protocol::visitor::PageInfo;
use protocol::{SiteId, VisitorId};

#[derive(Clone, Debug)]
pub struct VisitorRecord {
    pub id: VisitorId,
    pub site_id: SiteId,
    pub locale: String,
    pub page: PageInfo,
    /// What routing knows of the customer: their tier (`vip` goes first)
    /// and country, for entry rules.
    pub tier: String,
    pub country: String,
}

const VISITOR_COLUMNS: &str = "id, site_id, locale, page_url, page_title, tier, country";

type VisitorRow = (i64, i64, String, String, String, String, String);

fn visitor_record((id, site_id, locale, url, title, tier, country): VisitorRow) -> VisitorRecord {
    VisitorRecord { id: VisitorId(id), site_id: SiteId(site_id), locale, page: PageInfo { url, title }, tier, country }
}

impl Store {
    /// The visitor holding `token` on this site.
    pub async fn visitor_by_token(&self, site: SiteId, token: &str) -> Result<Option<VisitorRecord>> {
        let sql = format!("SELECT {VISITOR_COLUMNS} FROM visitors WHERE token_hash = $1 AND site_id = $2");
        let row: Option<VisitorRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(hash_token(token)).bind(site.get()).fetch_optional(pool).await?);
        Ok(row.map(visitor_record))
    }

    pub async fn visitor(&self, id: VisitorId) -> Result<Option<VisitorRecord>> {
        let sql = format!("SELECT {VISITOR_COLUMNS} FROM visitors WHERE id = $1");
        let row: Option<VisitorRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(id.get()).fetch_optional(pool).await?);
        Ok(row.map(visitor_record))
    }

    /// A new visitor and the token that identifies them from now on.
    pub async fn create_visitor(&self, site: SiteId, locale: &str, page: &PageInfo) -> Result<(VisitorRecord, String)> {
        let token = new_token();
        let now = now_ms();
        let sql = "INSERT INTO visitors (site_id, token_hash, locale, page_url, page_title, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        let id: i64 = on_db!(&self.db, pool => {
            sqlx::query_scalar(sql).bind(site.get()).bind(hash_token(&token)).bind(locale).bind(&page.url).bind(&page.title).bind(now).bind(now).fetch_one(pool).await?
        });
        self.record_page(VisitorId(id), page, now).await?;
        Ok((VisitorRecord { id: VisitorId(id), site_id: site, locale: locale.into(), page: page.clone(), tier: String::new(), country: String::new() }, token))
    }

    /// Records where the visitor is now.
    pub async fn touch_visitor(&self, visitor: VisitorId, locale: &str, page: &PageInfo) -> Result<()> {
        let sql = "UPDATE visitors SET locale = $1, page_url = $2, page_title = $3, last_seen_at = $4 WHERE id = $5";
        let now = now_ms();
        on_db!(&self.db, pool => sqlx::query(sql).bind(locale).bind(&page.url).bind(&page.title).bind(now).bind(visitor.get()).execute(pool).await?.rows_affected());
        self.record_page(visitor, page, now).await
    }

    /// Sets what is known of the customer behind a visitor (until the CRM's
    /// contacts own it: the command line and tests set it).
    pub async fn set_visitor_attributes(&self, visitor: VisitorId, tier: &str, country: &str) -> Result<()> {
        let sql = "UPDATE visitors SET tier = $1, country = $2 WHERE id = $3";
        on_db!(&self.db, pool => sqlx::query(sql).bind(tier).bind(country).bind(visitor.get()).execute(pool).await?.rows_affected());
        Ok(())
    }
}
