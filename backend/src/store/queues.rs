//! Queues and the entry rules that fill them.

use protocol::admin::{EntryRule, Queue, QueueConfig, Strategy};
use protocol::{QueueId, SiteId};

use super::db::on_db;
use super::{json, now_ms, parse_json, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct QueueRow {
    id: i64,
    site_id: i64,
    name: String,
    strategy: String,
    priority: i64,
    skills: String,
    level: i64,
    relax: String,
    max_len: Option<i64>,
    max_wait_secs: Option<i64>,
    overflow_queue_id: Option<i64>,
    hours: String,
    wrap_up_secs: Option<i64>,
    wrap_up_codes: String,
    default_wrap_up_code: String,
    team_id: Option<i64>,
    is_default: i64,
    callbacks: String,
}

const QUEUE_COLUMNS: &str = "id, site_id, name, strategy, priority, skills, level, relax, max_len, max_wait_secs, overflow_queue_id, hours, wrap_up_secs, wrap_up_codes, default_wrap_up_code, team_id, is_default, callbacks";

fn small(n: Option<i64>) -> Option<u32> {
    n.map(|n| n.clamp(0, i64::from(u32::MAX)) as u32)
}

impl QueueRow {
    fn into_queue(self) -> Result<Queue> {
        let strategy = Strategy::parse(&self.strategy).ok_or_else(|| StoreError::Corrupt(format!("queue strategy {}", self.strategy)))?;
        let hours = if self.hours.is_empty() { None } else { Some(parse_json(&self.hours, "queue hours")?) };
        Ok(Queue {
            id: QueueId(self.id),
            is_default: self.is_default != 0,
            config: QueueConfig {
                site_id: SiteId(self.site_id),
                name: self.name,
                strategy,
                priority: self.priority.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
                skills: parse_json(&self.skills, "queue skills")?,
                level: self.level.clamp(0, 5) as u8,
                relax: parse_json(&self.relax, "queue relaxation")?,
                max_len: small(self.max_len),
                max_wait_secs: small(self.max_wait_secs),
                overflow_queue_id: self.overflow_queue_id.map(QueueId),
                hours,
                wrap_up_secs: small(self.wrap_up_secs),
                wrap_up_codes: parse_json(&self.wrap_up_codes, "wrap-up codes")?,
                default_wrap_up_code: self.default_wrap_up_code,
                team_id: self.team_id.map(protocol::TeamId),
                // Empty for a queue saved before callbacks existed.
                callbacks: if self.callbacks.is_empty() { Default::default() } else { parse_json(&self.callbacks, "queue callbacks")? },
            },
        })
    }
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    queue_id: i64,
    url_pattern: String,
    topic: String,
    language: String,
    tier: String,
    country: String,
}

impl Store {
    /// Every queue of every site.
    pub async fn queues(&self) -> Result<Vec<Queue>> {
        let sql = format!("SELECT {QUEUE_COLUMNS} FROM queues ORDER BY site_id, id");
        let rows: Vec<QueueRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(QueueRow::into_queue).collect()
    }

    pub async fn queue(&self, id: QueueId) -> Result<Option<Queue>> {
        let sql = format!("SELECT {QUEUE_COLUMNS} FROM queues WHERE id = $1");
        let row: Option<QueueRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(id.get()).fetch_optional(pool).await?);
        row.map(QueueRow::into_queue).transpose()
    }

    /// Where a site's conversations go when no entry rule matches.
    pub async fn default_queue(&self, site: SiteId) -> Result<QueueId> {
        let sql = "SELECT id FROM queues WHERE site_id = $1 AND is_default = 1";
        let id: Option<i64> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(site.get()).fetch_optional(pool).await?);
        id.map(QueueId).ok_or_else(|| StoreError::Corrupt(format!("site {site} has no default queue")))
    }

    /// The default queue at no extra priority.
    pub async fn default_entry(&self, site: SiteId) -> Result<super::Entry> {
        Ok(super::Entry { queue: self.default_queue(site).await?, priority: 0 })
    }

    /// Gives the site its default queue if it has none yet.
    pub(super) async fn ensure_default_queue(&self, site: SiteId) -> Result<()> {
        let sql = "INSERT INTO queues (site_id, name, is_default, created_at) SELECT $1, 'General', 1, $2
                   WHERE NOT EXISTS (SELECT 1 FROM queues WHERE site_id = $1 AND is_default = 1)";
        on_db!(&self.db, pool => sqlx::query(sql).bind(site.get()).bind(now_ms()).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn create_queue(&self, config: &QueueConfig) -> Result<Queue> {
        let sql = "INSERT INTO queues (site_id, name, created_at) VALUES ($1, $2, $3) RETURNING id";
        let id: i64 =
            on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(config.site_id.get()).bind(config.name.trim()).bind(now_ms()).fetch_one(pool).await?);
        self.update_queue(QueueId(id), config).await
    }

    /// Replaces the queue's configuration (its site stays).
    pub async fn update_queue(&self, id: QueueId, c: &QueueConfig) -> Result<Queue> {
        let hours = match &c.hours {
            Some(h) => json(h)?,
            None => String::new(),
        };
        let sql = "UPDATE queues SET name = $1, strategy = $2, priority = $3, skills = $4, level = $5, relax = $6, max_len = $7, max_wait_secs = $8,
                   overflow_queue_id = $9, hours = $10, wrap_up_secs = $11, wrap_up_codes = $12, default_wrap_up_code = $13, team_id = $14, callbacks = $15 WHERE id = $16";
        let changed = on_db!(&self.db, pool => sqlx::query(sql)
            .bind(c.name.trim())
            .bind(c.strategy.as_str())
            .bind(i64::from(c.priority))
            .bind(json(&c.skills)?)
            .bind(i64::from(c.level))
            .bind(json(&c.relax)?)
            .bind(c.max_len.map(i64::from))
            .bind(c.max_wait_secs.map(i64::from))
            .bind(c.overflow_queue_id.map(QueueId::get))
            .bind(hours)
            .bind(c.wrap_up_secs.map(i64::from))
            .bind(json(&c.wrap_up_codes)?)
            .bind(c.default_wrap_up_code.trim())
            .bind(c.team_id.map(protocol::TeamId::get))
            .bind(json(&c.callbacks)?)
            .bind(id.get())
            .execute(pool)
            .await?
            .rows_affected());
        if changed == 0 {
            return Err(StoreError::NotFound("queue"));
        }
        self.queue(id).await?.ok_or(StoreError::NotFound("queue"))
    }

    /// Removes a queue that is not its site's default; its conversations
    /// keep their history (their queue becomes empty).
    pub async fn delete_queue(&self, id: QueueId) -> Result<()> {
        let sql = "DELETE FROM queues WHERE id = $1 AND is_default = 0";
        let n = on_db!(&self.db, pool => sqlx::query(sql).bind(id.get()).execute(pool).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound("queue (the default queue cannot be removed)"));
        }
        Ok(())
    }

    /// The site's entry rules, first to match first.
    pub async fn entry_rules(&self, site: SiteId) -> Result<Vec<EntryRule>> {
        let sql = "SELECT queue_id, url_pattern, topic, language, tier, country FROM entry_rules WHERE site_id = $1 ORDER BY position";
        let rows: Vec<RuleRow> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(site.get()).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|r| EntryRule {
                queue_id: QueueId(r.queue_id),
                url_pattern: r.url_pattern,
                topic: r.topic,
                language: r.language,
                tier: r.tier,
                country: r.country,
            })
            .collect())
    }

    /// Replaces the site's entry rules, in order.
    pub async fn set_entry_rules(&self, site: SiteId, rules: &[EntryRule]) -> Result<()> {
        on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM entry_rules WHERE site_id = $1").bind(site.get()).execute(&mut *tx).await?;
            for (position, r) in rules.iter().enumerate() {
                sqlx::query("INSERT INTO entry_rules (site_id, position, queue_id, url_pattern, topic, language, tier, country) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(site.get())
                    .bind(position as i64)
                    .bind(r.queue_id.get())
                    .bind(r.url_pattern.trim())
                    .bind(r.topic.trim())
                    .bind(r.language.trim())
                    .bind(r.tier.trim())
                    .bind(r.country.trim())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
