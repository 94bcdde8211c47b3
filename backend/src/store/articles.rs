//! The knowledge base's articles, their search index and what visitors did
//! with them.
//!
//! The search terms come from `knowledge::terms`. SQLite keeps them in an
//! FTS5 table (`articles_fts`, rowid = article id) written in the same
//! transaction as the article; PostgreSQL in the article's own `search`
//! column (a `tsvector` with a GIN index). Each database finds and ranks
//! candidates its own way; `terms::Relevance` then keeps and orders them
//! the same way on both.

use protocol::articles::{Article, ArticleConfig, ArticleFormat, ArticleStatus, ArticleTitle};
use protocol::{AgentId, SiteId};

use crate::knowledge::render;

use super::db::{on_db, Db};
use super::{now_ms, Result, Store, StoreError};
use crate::knowledge::terms::{self, Candidate, Relevance};

/// What a visitor did with a suggested article.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArticleEvent {
    Opened,
    Answered,
    NotAnswered,
}

impl ArticleEvent {
    fn as_str(self) -> &'static str {
        match self {
            ArticleEvent::Opened => "opened",
            ArticleEvent::Answered => "answered",
            ArticleEvent::NotAnswered => "not_answered",
        }
    }
}

/// Which articles an agent lists.
#[derive(Default, Debug)]
pub struct ArticleFilter {
    pub site: Option<SiteId>,
    pub status: Option<ArticleStatus>,
    /// Words to search for; without them, the newest first.
    pub query: String,
}

/// The most articles one listing returns.
const LISTED: i64 = 200;
/// How many candidates the database hands to `Relevance`.
const CANDIDATES: i64 = 30;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    site_id: i64,
    title: String,
    body: String,
    format: String,
    language: String,
    category: String,
    status: String,
    updated_at: i64,
    author_id: Option<i64>,
    opened: i64,
    answered: i64,
    not_answered: i64,
}

impl Row {
    fn article(self) -> Article {
        let format = ArticleFormat::parse(&self.format).unwrap_or_default();
        Article {
            text: render::to_text(format, &self.body),
            id: self.id,
            config: ArticleConfig {
                site_id: SiteId(self.site_id),
                title: self.title,
                body: self.body,
                format,
                language: self.language,
                category: self.category,
                status: ArticleStatus::parse(&self.status).unwrap_or_default(),
            },
            updated_at_ms: self.updated_at,
            author_id: self.author_id.map(AgentId),
            opened: self.opened,
            answered: self.answered,
            not_answered: self.not_answered,
        }
    }
}

const COLUMNS: &str = "a.id, a.site_id, a.title, a.body, a.format, a.language, a.category, a.status, a.updated_at, a.author_id,
    (SELECT COUNT(*) FROM article_events e WHERE e.article_id = a.id AND e.kind = 'opened') AS opened,
    (SELECT COUNT(*) FROM article_events e WHERE e.article_id = a.id AND e.kind = 'answered') AS answered,
    (SELECT COUNT(*) FROM article_events e WHERE e.article_id = a.id AND e.kind = 'not_answered') AS not_answered";

#[derive(sqlx::FromRow)]
struct CandidateRow {
    id: i64,
    title_terms: String,
    body_terms: String,
}

/// An article's terms: as both databases store them, and as PostgreSQL's
/// `tsvector`.
struct Indexed {
    title: String,
    body: String,
    tsvector: String,
}

impl Indexed {
    fn of(c: &ArticleConfig) -> Self {
        let (title, body) = (terms::terms(&c.title), terms::terms(&c.body));
        Self { title: terms::joined(&title), body: terms::joined(&body), tsvector: terms::tsvector(&title, &body) }
    }
}

/// Binds an article's columns, `$1` to `$9`, in the order the statements
/// name them, to any of sqlx's query kinds.
macro_rules! bind_article {
    ($q:expr, $c:expr, $ix:expr) => {
        $q.bind($c.site_id.get())
            .bind(&$c.title)
            .bind(&$c.body)
            .bind($c.format.as_str())
            .bind(&$c.language)
            .bind(&$c.category)
            .bind($c.status.as_str())
            .bind(&$ix.title)
            .bind(&$ix.body)
    };
}

impl Store {
    /// Articles for agents: searched, or the newest first.
    pub async fn articles(&self, filter: &ArticleFilter) -> Result<Vec<Article>> {
        let site = filter.site.map(|s| s.get());
        let status = filter.status.map(|s| s.as_str());
        let query = terms::query_terms(&filter.query);
        if !query.is_empty() {
            let ids = self.search_articles(site, status, query, Some(1), LISTED as usize).await?;
            return self.articles_by_ids(&ids).await;
        }
        // Words, but none that say anything ("how", "??"): nothing matches.
        if !filter.query.trim().is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM articles a WHERE ($1 IS NULL OR a.site_id = $1) AND ($2 IS NULL OR a.status = $2)
             ORDER BY a.updated_at DESC, a.id DESC LIMIT {LISTED}"
        );
        let rows: Vec<Row> = match &self.db {
            Db::Sqlite(pool) => sqlx::query_as(&sql).bind(site).bind(status).fetch_all(pool).await?,
            Db::Postgres(pool) => {
                let sql = sql.replace("$1 IS NULL", "$1::BIGINT IS NULL").replace("$2 IS NULL", "$2::TEXT IS NULL");
                sqlx::query_as(&sql).bind(site).bind(status).fetch_all(pool).await?
            }
        };
        Ok(rows.into_iter().map(Row::article).collect())
    }

    /// Articles by id, in the order given.
    async fn articles_by_ids(&self, ids: &[i64]) -> Result<Vec<Article>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!("SELECT {COLUMNS} FROM articles a WHERE a.id IN ({list})");
        let rows: Vec<Row> = on_db!(&self.db, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        let mut articles: Vec<Article> = rows.into_iter().map(Row::article).collect();
        articles.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
        Ok(articles)
    }

    pub async fn article(&self, id: i64) -> Result<Article> {
        self.articles_by_ids(&[id]).await?.pop().ok_or(StoreError::NotFound("article"))
    }

    /// The ids of the articles that share at least `needed` of `query`'s
    /// terms (by default, as many as the question's length asks), best
    /// first.
    async fn search_articles(&self, site: Option<i64>, status: Option<&str>, query: Vec<String>, needed: Option<usize>, limit: usize) -> Result<Vec<i64>> {
        let candidates = CANDIDATES.max(i64::try_from(limit).unwrap_or(LISTED));
        let rows: Vec<CandidateRow> = match &self.db {
            Db::Sqlite(pool) => {
                let sql = "SELECT a.id, a.title_terms, a.body_terms FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
                     WHERE articles_fts MATCH $1 AND ($2 IS NULL OR a.site_id = $2) AND ($3 IS NULL OR a.status = $3)
                     ORDER BY bm25(articles_fts, 4.0, 1.0) LIMIT $4";
                sqlx::query_as(sql).bind(terms::fts5_query(&query)).bind(site).bind(status).bind(candidates).fetch_all(pool).await?
            }
            Db::Postgres(pool) => {
                let sql = "SELECT id, title_terms, body_terms FROM articles
                     WHERE search @@ $1::TSQUERY AND ($2::BIGINT IS NULL OR site_id = $2) AND ($3::TEXT IS NULL OR status = $3)
                     ORDER BY ts_rank(search, $1::TSQUERY) DESC, id LIMIT $4";
                sqlx::query_as(sql).bind(terms::tsquery(&query)).bind(site).bind(status).bind(candidates).fetch_all(pool).await?
            }
        };
        let relevance = Relevance::new(query);
        let candidates: Vec<Candidate> = rows.iter().map(|r| Candidate { title_terms: &r.title_terms, body_terms: &r.body_terms }).collect();
        let needed = needed.unwrap_or_else(|| relevance.needed());
        Ok(relevance.order(&candidates, needed).into_iter().take(limit).map(|i| rows[i].id).collect())
    }

    /// What the widget suggests for a visitor's first question: up to
    /// `limit` published articles of the site that share enough with it,
    /// all in one language: the visitor's when any match, else that of the
    /// best match (a shop writes the same article in both Chinese scripts,
    /// and a visitor on an English page may ask in Chinese).
    pub async fn suggest_articles(&self, site: SiteId, question: &str, language: &str, limit: usize) -> Result<Vec<ArticleTitle>> {
        let query = terms::query_terms(question);
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let ids = self.search_articles(Some(site.get()), Some(ArticleStatus::Published.as_str()), query, None, limit * 3).await?;
        let mut found = self.articles_by_ids(&ids).await?;
        let chosen = match found.iter().find(|a| a.config.language == language).or(found.first()) {
            Some(a) => a.config.language.clone(),
            None => return Ok(Vec::new()),
        };
        found.retain(|a| a.config.language == chosen);
        Ok(found.into_iter().take(limit).map(|a| ArticleTitle { id: a.id, title: a.config.title }).collect())
    }

    /// A published article of `site`, as a visitor may read it.
    pub async fn published_article(&self, site: SiteId, id: i64) -> Result<Article> {
        let article = self.article(id).await?;
        if article.config.site_id != site || article.config.status != ArticleStatus::Published {
            return Err(StoreError::NotFound("article"));
        }
        Ok(article)
    }

    /// Whether `site` has anything to suggest.
    pub async fn site_has_articles(&self, site: SiteId) -> Result<bool> {
        let sql = "SELECT id FROM articles WHERE site_id = $1 AND status = 'published' LIMIT 1";
        let found: Option<i64> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(site.get()).fetch_optional(pool).await?);
        Ok(found.is_some())
    }

    pub async fn create_article(&self, author: Option<AgentId>, c: &ArticleConfig) -> Result<Article> {
        let ix = Indexed::of(c);
        let sql = "INSERT INTO articles (site_id, title, body, format, language, category, status, title_terms, body_terms, author_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id";
        // PostgreSQL's index is a column of the row; SQLite's FTS5 table
        // follows the row by trigger.
        let id: i64 = match &self.db {
            Db::Sqlite(pool) => bind_article!(sqlx::query_scalar(sql), c, ix).bind(author.map(|a| a.get())).bind(now_ms()).fetch_one(pool).await?,
            Db::Postgres(pool) => {
                let sql = sql.replace("author_id, created_at", "author_id, search, created_at").replace("$10, $11, $11", "$10, $12::TSVECTOR, $11, $11");
                bind_article!(sqlx::query_scalar(&sql), c, ix).bind(author.map(|a| a.get())).bind(now_ms()).bind(&ix.tsvector).fetch_one(pool).await?
            }
        };
        self.article(id).await
    }

    /// Changes an article and its index together. With `only_a_draft`, only
    /// while it is still a draft (an agent's change must not undo a
    /// publication that came first).
    pub async fn update_article(&self, id: i64, c: &ArticleConfig, only_a_draft: bool) -> Result<Article> {
        let ix = Indexed::of(c);
        let mut sql = "UPDATE articles SET site_id = $1, title = $2, body = $3, format = $4, language = $5, category = $6, status = $7,
             title_terms = $8, body_terms = $9, updated_at = $10 WHERE id = $11"
            .to_string();
        if only_a_draft {
            sql.push_str(" AND status = 'draft'");
        }
        let changed = match &self.db {
            Db::Sqlite(pool) => bind_article!(sqlx::query(&sql), c, ix).bind(now_ms()).bind(id).execute(pool).await?.rows_affected(),
            Db::Postgres(pool) => {
                let sql = sql.replace(" WHERE id", ", search = $12::TSVECTOR WHERE id");
                bind_article!(sqlx::query(&sql), c, ix).bind(now_ms()).bind(id).bind(&ix.tsvector).execute(pool).await?.rows_affected()
            }
        };
        if changed == 0 {
            return Err(StoreError::NotFound("draft article"));
        }
        self.article(id).await
    }

    pub async fn delete_article(&self, id: i64) -> Result<()> {
        let n = on_db!(&self.db, pool => sqlx::query("DELETE FROM articles WHERE id = $1").bind(id).execute(pool).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound("article"));
        }
        Ok(())
    }

    pub async fn record_article_event(&self, id: i64, event: ArticleEvent) -> Result<()> {
        let sql = "INSERT INTO article_events (article_id, kind, at) VALUES ($1, $2, $3)";
        on_db!(&self.db, pool => sqlx::query(sql).bind(id).bind(event.as_str()).bind(now_ms()).execute(pool).await?.rows_affected());
        Ok(())
    }
}
