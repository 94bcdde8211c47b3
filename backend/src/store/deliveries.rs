//! Webhook deliveries: queued with their body, claimed by any node's
//! worker (a claim moves `next_at` ahead, so a claim a dead node left comes
//! due again), and the outcome of every attempt kept for the delivery log.

use protocol::admin::Delivery;
use protocol::ConversationId;

use super::db::on_db;
use super::{now_ms, unsigned, Result, Store};

/// A delivery a worker claimed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DueDelivery {
    pub id: i64,
    pub kind: String,
    pub url: String,
    pub body: String,
    pub attempts: i64,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    kind: String,
    url: String,
    status: String,
    attempts: i64,
    last_status: Option<i64>,
    last_error: String,
    created_at: i64,
    done_at: Option<i64>,
}

/// A delivery, due now, whose body is written next (`SET_BODY`) in the
/// same transaction, once its id is known.
const NEW_DELIVERY: &str =
    "INSERT INTO webhook_deliveries (kind, url, body, status, next_at, created_at, contact_id) VALUES ($1, $2, '', 'pending', $3, $3, $4) RETURNING id";
const SET_BODY: &str = "UPDATE webhook_deliveries SET body = $1 WHERE id = $2";

impl Store {
    /// Queues a delivery of `body` (made by `body_for(id)`, so the body can
    /// carry its own delivery id) to `url`, due now.
    /// A delivery about a contact is erased with it.
    pub async fn queue_delivery(&self, kind: &str, url: &str, contact: Option<i64>, body_for: impl FnOnce(i64) -> String) -> Result<i64> {
        let now = now_ms();
        // One transaction: a sender never claims a delivery whose body is
        // not written yet, and a failure leaves no empty delivery behind.
        let id = on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(NEW_DELIVERY).bind(kind).bind(url).bind(now).bind(contact).fetch_one(&mut *tx).await?;
            sqlx::query(SET_BODY).bind(body_for(id)).bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Conversations that ended and were not announced yet, oldest first.
    pub async fn unannounced_ended(&self, limit: i64) -> Result<Vec<ConversationId>> {
        let sql = "SELECT id FROM conversations WHERE status = 'ended' AND announced_at IS NULL ORDER BY id LIMIT $1";
        let ids: Vec<i64> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(limit).fetch_all(pool).await?);
        Ok(ids.into_iter().map(ConversationId).collect())
    }

    /// Marks an ended conversation announced and, with a `url`, queues its
    /// webhook, in one transaction: false when another node announced it
    /// first (so each is announced once, and never lost between the two).
    pub async fn announce_conversation(
        &self,
        id: ConversationId,
        delivery: Option<(&str, &str, Option<i64>)>,
        body_for: impl FnOnce(i64) -> String,
    ) -> Result<bool> {
        let now = now_ms();
        let mark = "UPDATE conversations SET announced_at = $1 WHERE id = $2 AND announced_at IS NULL";
        let announced = on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let marked = sqlx::query(mark).bind(now).bind(id.get()).execute(&mut *tx).await?.rows_affected() == 1;
            if marked {
                if let Some((kind, url, contact)) = delivery {
                    let d: i64 = sqlx::query_scalar(NEW_DELIVERY).bind(kind).bind(url).bind(now).bind(contact).fetch_one(&mut *tx).await?;
                    sqlx::query(SET_BODY).bind(body_for(d)).bind(d).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            marked
        });
        Ok(announced)
    }

    /// Queues an email (`body` is its JSON) to `url` (`mailto:…`), due now,
    /// about `conversation`, unless `limit` emails of this kind about it are
    /// queued already: one statement, so two tabs asking at once cannot
    /// both pass the count. Returns whether it was queued.
    pub async fn queue_email(&self, kind: &str, url: &str, body: &str, conversation: ConversationId, limit: i64) -> Result<bool> {
        let now = now_ms();
        let sql = "INSERT INTO webhook_deliveries (kind, url, body, status, next_at, created_at, conversation_id)
                   SELECT $1, $2, $3, 'pending', $4, $4, $5
                   WHERE (SELECT COUNT(*) FROM webhook_deliveries WHERE conversation_id = $5 AND kind = $1) < $6";
        let n = on_db!(&self.db, pool => sqlx::query(sql).bind(kind).bind(url).bind(body).bind(now).bind(conversation.get()).bind(limit).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Claims the delivery due longest of those this node can send (email
    /// when it has SMTP, webhooks when it has a dialer), hiding it from
    /// other workers for `hold_ms` (longer than an attempt can take).
    pub async fn claim_delivery(&self, hold_ms: i64, email: bool, webhooks: bool) -> Result<Option<DueDelivery>> {
        let now = now_ms();
        // The outer condition is checked again after the row lock, so two
        // workers racing for one row on PostgreSQL cannot both win it.
        let sql = "UPDATE webhook_deliveries SET next_at = $1
                   WHERE id = (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_at <= $2 AND body != ''
                                 AND (($3 AND url LIKE 'mailto:%') OR ($4 AND url NOT LIKE 'mailto:%'))
                               ORDER BY next_at, id LIMIT 1)
                   AND status = 'pending' AND next_at <= $2
                   RETURNING id, kind, url, body, attempts";
        Ok(on_db!(&self.db, pool => sqlx::query_as(sql).bind(now + hold_ms).bind(now).bind(email).bind(webhooks).fetch_optional(pool).await?))
    }

    /// Records an attempt: delivered, tried again at `retry_at`, or failed
    /// for good (no `retry_at`).
    pub async fn delivery_attempted(&self, id: i64, delivered: bool, status: Option<u16>, error: &str, retry_at: Option<i64>) -> Result<()> {
        let now = now_ms();
        let (state, next_at, done_at) = match (delivered, retry_at) {
            (true, _) => ("delivered", now, Some(now)),
            (false, Some(at)) => ("pending", at, None),
            (false, None) => ("failed", now, Some(now)),
        };
        let sql =
            "UPDATE webhook_deliveries SET status = $1, next_at = $2, done_at = $3, attempts = attempts + 1, last_status = $4, last_error = $5 WHERE id = $6";
        on_db!(&self.db, pool => sqlx::query(sql)
            .bind(state)
            .bind(next_at)
            .bind(done_at)
            .bind(status.map(i64::from))
            .bind(error)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(())
    }

    /// The newest deliveries first.
    pub async fn deliveries(&self, limit: i64) -> Result<Vec<Delivery>> {
        let sql = "SELECT id, kind, url, status, attempts, last_status, last_error, created_at, done_at FROM webhook_deliveries ORDER BY id DESC LIMIT $1";
        let rows: Vec<DeliveryRow> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(limit).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|r| Delivery {
                id: r.id,
                kind: r.kind,
                url: r.url,
                status: r.status,
                attempts: unsigned(r.attempts) as u32,
                last_status: r.last_status.and_then(|s| u16::try_from(s).ok()),
                last_error: r.last_error,
                created_at_ms: r.created_at,
                done_at_ms: r.done_at,
            })
            .collect())
    }
}
