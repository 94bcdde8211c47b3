//! What one address or visitor may open or create: connections held at
//! once, and new visitors, conversations and login attempts per period.
//!
//! Counts live in memory, per node. Rate limits are token buckets
//! (`governor`): a burst up to the hourly or per-minute allowance, then a
//! steady refill. Idle keys are forgotten now and then so a flood of
//! addresses cannot grow the maps for ever.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use protocol::{ErrorCode, VisitorId};

use crate::config::Limits;
use crate::refusal::Refusal;

/// Checks between two sweeps of idle keys.
const SWEEP_EVERY: u64 = 4_096;

struct Bucket<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    checks: AtomicU64,
}

impl<K: Hash + Eq + Clone> Bucket<K> {
    fn per_minute(n: u32) -> Self {
        Self::new(Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)))
    }

    fn per_hour(n: u32) -> Self {
        Self::new(Quota::per_hour(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)))
    }

    fn new(quota: Quota) -> Self {
        Self { limiter: RateLimiter::keyed(quota), checks: AtomicU64::new(0) }
    }

    /// Takes one from `key`'s allowance, or says how long until there is one.
    fn take(&self, key: &K) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(key).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Shared by every handler through `AppState`.
pub struct Admission {
    limits: Limits,
    connections: Mutex<HashMap<IpAddr, u32>>,
    new_visitors: Bucket<IpAddr>,
    conversations_by_ip: Bucket<IpAddr>,
    conversations_by_visitor: Bucket<VisitorId>,
    logins: Bucket<IpAddr>,
    uploads: Bucket<IpAddr>,
    article_lookups: Bucket<IpAddr>,
}

/// An open connection counted against its address; giving it back (by
/// dropping it) makes room for another.
pub struct ConnectionPermit {
    admission: Arc<Admission>,
    ip: IpAddr,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        let mut connections = self.admission.connections.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = connections.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                connections.remove(&self.ip);
            }
        }
    }
}

fn too_many(message: &'static str, wait: Duration) -> Refusal {
    Refusal::new(ErrorCode::LimitReached, message).retry_after(wait)
}

impl Admission {
    pub fn new(limits: &Limits) -> Arc<Self> {
        Arc::new(Self {
            limits: limits.clone(),
            connections: Mutex::new(HashMap::new()),
            new_visitors: Bucket::per_minute(limits.new_visitors_per_ip_per_minute),
            conversations_by_ip: Bucket::per_hour(limits.new_conversations_per_ip_per_hour),
            conversations_by_visitor: Bucket::per_hour(limits.new_conversations_per_visitor_per_hour),
            logins: Bucket::per_minute(limits.logins_per_ip_per_minute),
            uploads: Bucket::per_minute(limits.uploads_per_ip_per_minute),
            article_lookups: Bucket::per_minute(limits.article_lookups_per_ip_per_minute),
        })
    }

    /// Counts a new WebSocket from `ip`, unless it already has its share.
    pub fn connect(self: &Arc<Self>, ip: IpAddr) -> Result<ConnectionPermit, Refusal> {
        let mut connections = self.connections.lock().unwrap_or_else(|p| p.into_inner());
        let n = connections.entry(ip).or_insert(0);
        if *n >= self.limits.connections_per_ip {
            return Err(too_many("too many connections from your address", Duration::from_secs(10)));
        }
        *n += 1;
        Ok(ConnectionPermit { admission: self.clone(), ip })
    }

    pub fn new_visitor(&self, ip: IpAddr) -> Result<(), Refusal> {
        self.new_visitors.take(&ip).map_err(|wait| too_many("too many new visitors from your address; try again soon", wait))
    }

    /// A visitor starts a conversation; both their allowance and their
    /// address's are used.
    pub fn new_conversation(&self, ip: IpAddr, visitor: VisitorId) -> Result<(), Refusal> {
        self.conversations_by_visitor.take(&visitor).map_err(|wait| too_many("you have started many chats recently; please try again later", wait))?;
        self.conversations_by_ip.take(&ip).map_err(|wait| too_many("too many chats from your address; please try again later", wait))
    }

    pub fn login_attempt(&self, ip: IpAddr) -> Result<(), Refusal> {
        self.logins.take(&ip).map_err(|wait| Refusal::new(ErrorCode::RateLimited, "too many login attempts; wait a moment").retry_after(wait))
    }

    /// A file is uploaded from `ip`.
    pub fn upload(&self, ip: IpAddr) -> Result<(), Refusal> {
        self.uploads.take(&ip).map_err(|wait| too_many("too many files from your address; wait a moment", wait))
    }

    /// The widget asks the knowledge base from `ip` (a search, an
    /// article, an answer).
    pub fn article_lookup(&self, ip: IpAddr) -> Result<(), Refusal> {
        self.article_lookups.take(&ip).map_err(|wait| too_many("too many article searches from your address; wait a moment", wait))
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits { connections_per_ip: 2, new_conversations_per_visitor_per_hour: 2, new_conversations_per_ip_per_hour: 3, ..Limits::default() }
    }

    #[test]
    fn connections_are_counted_per_address_and_given_back() {
        let admission = Admission::new(&limits());
        let ip: IpAddr = [10, 0, 0, 1].into();
        let a = admission.connect(ip).unwrap();
        let _b = admission.connect(ip).unwrap();
        assert_eq!(admission.connect(ip).err().map(|r| r.code), Some(ErrorCode::LimitReached));
        assert!(admission.connect([10, 0, 0, 2].into()).is_ok(), "another address is not affected");
        drop(a);
        assert!(admission.connect(ip).is_ok());
    }

    #[test]
    fn new_conversations_are_limited_per_visitor_and_per_address() {
        let admission = Admission::new(&limits());
        let ip: IpAddr = [10, 0, 0, 1].into();
        assert!(admission.new_conversation(ip, VisitorId(1)).is_ok());
        assert!(admission.new_conversation(ip, VisitorId(1)).is_ok());
        let refused = admission.new_conversation(ip, VisitorId(1)).unwrap_err();
        assert_eq!(refused.code, ErrorCode::LimitReached);
        assert!(refused.retry_after.is_some());
        // The address has one more; then a second visitor there is refused too.
        assert!(admission.new_conversation(ip, VisitorId(2)).is_ok());
        assert!(admission.new_conversation(ip, VisitorId(3)).is_err());
    }
}
