//! The pages each visitor opened: recorded as the widget reports them
//! (without query strings), the newest few kept, for the screen pop's
//! "pages of this visit".

use protocol::crm::{PageView, VISIT_GAP_MS, VISIT_PAGES};
use protocol::visitor::PageInfo;
use protocol::VisitorId;

use super::db::on_db;
use super::{Result, Store};

/// Page views kept per visitor.
const KEPT: i64 = 30;

/// The pages of the latest visit in `views` (newest first): those before
/// the first gap of [`VISIT_GAP_MS`], at most [`VISIT_PAGES`].
pub fn this_visit(views: Vec<PageView>) -> Vec<PageView> {
    let mut visit: Vec<PageView> = Vec::new();
    for v in views {
        if visit.len() == VISIT_PAGES || visit.last().is_some_and(|newer| newer.at_ms - v.at_ms > VISIT_GAP_MS) {
            break;
        }
        visit.push(v);
    }
    visit
}

#[derive(sqlx::FromRow)]
struct Row {
    url: String,
    title: String,
    at: i64,
}

impl Store {
    /// Records that the visitor opened `page` at `now`, unless it is the
    /// page they were on; keeps the newest few.
    pub async fn record_page(&self, visitor: VisitorId, page: &PageInfo, now: i64) -> Result<()> {
        // Query strings and fragments can carry what is nobody's business
        // (tokens, search words, an email address): only the path is kept.
        let url = page.url.split(['?', '#']).next().unwrap_or_default();
        if url.is_empty() {
            return Ok(());
        }
        let insert = "INSERT INTO page_views (visitor_id, url, title, at) SELECT $1, $2, $3, $4
             WHERE NOT EXISTS (SELECT 1 FROM page_views p WHERE p.id = (SELECT MAX(q.id) FROM page_views q WHERE q.visitor_id = $1) AND p.url = $2)";
        let trim = "DELETE FROM page_views WHERE visitor_id = $1 AND id <= (SELECT p.id FROM page_views p WHERE p.visitor_id = $1 ORDER BY p.id DESC LIMIT 1 OFFSET $2)";
        on_db!(&self.db, pool => {
            sqlx::query(insert).bind(visitor.get()).bind(url).bind(&page.title).bind(now).execute(pool).await?;
            sqlx::query(trim).bind(visitor.get()).bind(KEPT).execute(pool).await?;
        });
        Ok(())
    }

    /// The pages of the visitor's latest visit, newest first.
    pub async fn visit_pages(&self, visitor: VisitorId) -> Result<Vec<PageView>> {
        let sql = "SELECT url, title, at FROM page_views WHERE visitor_id = $1 ORDER BY id DESC LIMIT $2";
        let rows: Vec<Row> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(visitor.get()).bind(KEPT).fetch_all(pool).await?);
        Ok(this_visit(rows.into_iter().map(|r| PageView { url: r.url, title: r.title, at_ms: r.at }).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(at_ms: i64) -> PageView {
        PageView { url: format!("/p{at_ms}"), title: String::new(), at_ms }
    }

    #[test]
    fn a_visit_ends_at_a_long_gap_or_after_ten_pages() {
        let ats = |v: Vec<PageView>| v.into_iter().map(|p| p.at_ms).collect::<Vec<_>>();
        assert_eq!(ats(this_visit(vec![view(100), view(90), view(90 - VISIT_GAP_MS - 1), view(0)])), [100, 90]);
        assert_eq!(ats(this_visit(vec![view(100), view(100 - VISIT_GAP_MS)])), [100, 100 - VISIT_GAP_MS]);
        assert_eq!(this_visit((0..20).rev().map(view).collect()).len(), VISIT_PAGES);
        assert!(this_visit(vec![]).is_empty());
    }
}
