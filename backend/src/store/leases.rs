//! Leases: which node runs a job that must run on one node at a time, and
//! the fencing token (the lease's epoch) that the job's writes carry.
//!
//! A holder renews well within the lease; when it stops renewing (it died,
//! or stalled), the lease expires and another node claims it with the next
//! epoch. Every write of the job is conditional on its epoch still being
//! the lease's: on PostgreSQL the check takes a share lock on the lease row,
//! so a claim waits for writes under the old epoch to commit, and anything
//! the old holder tries afterwards is refused ([`StoreError::Fenced`]).
//! Clocks: expiry times are the nodes' wall clocks, so nodes must keep them
//! in step (NTP) to well under a lease.

use super::db::{on_db, Db};
use super::{now_ms, Result, Store, StoreError};

/// The routing engine's lease.
pub const ROUTING: &str = "routing";

/// The token a job's writes carry: the lease and the epoch it was held in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fence {
    pub lease: &'static str,
    pub epoch: i64,
}

/// Who holds a lease, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LeaseRecord {
    pub holder: String,
    pub epoch: i64,
    pub expires_at: i64,
}

impl Store {
    /// Claims or renews `lease` for `holder` until `ttl_ms` from now.
    /// Returns the epoch it is held in, or `None` while another holds it.
    /// A holder whose lease lapsed gets a new epoch even if nobody else
    /// took it: whatever it did in the old one may have been overtaken.
    pub async fn claim_lease(&self, lease: &str, holder: &str, ttl_ms: i64) -> Result<Option<i64>> {
        let now = now_ms();
        let sql = "INSERT INTO leases (name, holder, epoch, expires_at) VALUES ($1, $2, 1, $3) \
                   ON CONFLICT (name) DO UPDATE SET \
                     epoch = CASE WHEN leases.holder = excluded.holder AND leases.expires_at >= $4 THEN leases.epoch ELSE leases.epoch + 1 END, \
                     holder = excluded.holder, expires_at = excluded.expires_at \
                   WHERE leases.holder = excluded.holder OR leases.expires_at < $4 \
                   RETURNING epoch";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(lease).bind(holder).bind(now + ttl_ms).bind(now).fetch_optional(pool).await?))
    }

    /// Gives the lease up at once (a node shutting down), if still held in
    /// `epoch`, so another node need not wait for it to expire.
    pub async fn release_lease(&self, lease: &str, holder: &str, epoch: i64) -> Result<()> {
        let sql = "UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2 AND epoch = $3";
        on_db!(&self.db, pool => sqlx::query(sql).bind(lease).bind(holder).bind(epoch).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn lease(&self, lease: &str) -> Result<Option<LeaseRecord>> {
        let sql = "SELECT holder, epoch, expires_at FROM leases WHERE name = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_as(sql).bind(lease).fetch_optional(pool).await?))
    }

    /// Fails with [`StoreError::Fenced`] unless `fence` is still current.
    pub(super) async fn check_fence(&self, fence: Fence) -> Result<()> {
        match self.lease(fence.lease).await? {
            Some(held) if held.epoch == fence.epoch => Ok(()),
            held => Err(StoreError::Fenced { lease: fence.lease, epoch: fence.epoch, current: held.map(|h| h.epoch) }),
        }
    }
}

/// The SQL condition that `fence` is current, its two parameters numbered
/// from `first`; `TRUE` without a fence (one node, nothing to fence).
pub(super) fn fence_condition(db: &Db, fence: Option<Fence>, first: usize) -> String {
    match (fence, db) {
        (None, _) => "TRUE".into(),
        (Some(_), Db::Postgres(_)) => format!("EXISTS (SELECT 1 FROM leases WHERE name = ${first} AND epoch = ${} FOR SHARE)", first + 1),
        // SQLite has one writer at a time: the check and the write cannot
        // interleave with a claim.
        (Some(_), Db::Sqlite(_)) => format!("EXISTS (SELECT 1 FROM leases WHERE name = ${first} AND epoch = ${})", first + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::temp_store;

    #[tokio::test]
    async fn a_lease_has_one_holder_and_a_new_epoch_for_each() {
        let (store, _dir) = temp_store().await;
        assert_eq!(store.claim_lease(ROUTING, "a", 60_000).await.unwrap(), Some(1));
        // Renewing keeps the epoch; another node is refused while it lasts.
        assert_eq!(store.claim_lease(ROUTING, "a", 60_000).await.unwrap(), Some(1));
        assert_eq!(store.claim_lease(ROUTING, "b", 60_000).await.unwrap(), None);
        // Given up (or expired), it goes to the next claimant, one epoch on.
        store.release_lease(ROUTING, "a", 1).await.unwrap();
        assert_eq!(store.claim_lease(ROUTING, "b", 60_000).await.unwrap(), Some(2));
        assert_eq!(store.claim_lease(ROUTING, "a", 60_000).await.unwrap(), None);
        // A holder whose lease lapsed starts a new term even if nobody took it.
        assert_eq!(store.claim_lease(ROUTING, "b", -1).await.unwrap(), Some(2));
        assert_eq!(store.claim_lease(ROUTING, "b", 60_000).await.unwrap(), Some(3));
    }

    #[tokio::test]
    async fn a_stale_epoch_is_refused() {
        let (store, _dir) = temp_store().await;
        let old = Fence { lease: ROUTING, epoch: store.claim_lease(ROUTING, "a", 60_000).await.unwrap().unwrap() };
        store.check_fence(old).await.unwrap();
        store.release_lease(ROUTING, "a", old.epoch).await.unwrap();
        store.claim_lease(ROUTING, "b", 60_000).await.unwrap().unwrap();
        assert!(matches!(store.check_fence(old).await, Err(StoreError::Fenced { current: Some(2), .. })));
    }
}
