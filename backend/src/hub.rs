//! The fan-out seam: delivers events to every live connection of a visitor
//! (all their tabs) or an agent (all their consoles), and closes
//! connections that must go.
//!
//! In-process channels today. Several nodes would put a broker behind these
//! same methods; callers never see which.
//!
//! Events travel as `Arc`s: one allocation per event however many tabs and
//! consoles receive it, and a queue slot is a pointer, which keeps an idle
//! connection's queue small.
//!
//! Each connection has a bounded queue. When it fills, the policy is:
//! typing and presence (which the next one replaces) are dropped once the
//! queue is half full; anything else that does not fit closes the
//! connection, which then resumes from its last sequence number. A message
//! is never silently dropped.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use protocol::agent::AgentEvent;
use protocol::visitor::VisitorEvent;
use protocol::{AgentId, VisitorId};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::store::SessionKey;

/// Frames queued for one connection before it counts as too slow.
pub const CONNECTION_BUFFER: usize = 256;

pub type ConnectionId = u64;

/// Why the server closes a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kick {
    /// It fell too far behind; it should reconnect and resume.
    TooSlow,
    /// Its session ended (logout, expiry) or its agent was disabled.
    SignedOut,
}

impl Kick {
    pub fn close_code(self) -> u16 {
        match self {
            Self::TooSlow => 1013,
            Self::SignedOut => 4001,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Self::TooSlow => "too slow, reconnect",
            Self::SignedOut => "signed out",
        }
    }
}

/// Tells one connection to close, and why; cheap to clone.
#[derive(Clone, Default)]
pub struct KickSignal {
    token: CancellationToken,
    reason: Arc<OnceLock<Kick>>,
}

impl KickSignal {
    fn kick(&self, why: Kick) {
        let _ = self.reason.set(why);
        self.token.cancel();
    }

    /// Resolves when the connection must close.
    pub async fn kicked(&self) -> Kick {
        self.token.cancelled().await;
        self.reason.get().copied().unwrap_or(Kick::TooSlow)
    }
}

/// Events the hub may drop rather than close a connection over.
pub trait Droppable {
    fn droppable(&self) -> bool;
}

impl Droppable for VisitorEvent {
    fn droppable(&self) -> bool {
        matches!(self, VisitorEvent::Typing { .. })
    }
}

impl Droppable for AgentEvent {
    fn droppable(&self) -> bool {
        matches!(self, AgentEvent::Typing { .. } | AgentEvent::Presence { .. })
    }
}

struct Connection<E> {
    id: ConnectionId,
    tx: mpsc::Sender<Arc<E>>,
    kick: KickSignal,
    /// For agents: the login session that opened it.
    session: Option<SessionKey>,
}

struct Registry<K, E> {
    by_owner: HashMap<K, Vec<Connection<E>>>,
}

impl<K, E> Default for Registry<K, E> {
    fn default() -> Self {
        Self { by_owner: HashMap::new() }
    }
}

impl<K: Hash + Eq + Copy, E: Droppable> Registry<K, E> {
    fn send(&mut self, owner: K, event: Arc<E>) {
        let Some(conns) = self.by_owner.get_mut(&owner) else { return };
        for conn in conns.iter() {
            if event.droppable() && conn.tx.capacity() < CONNECTION_BUFFER / 2 {
                continue;
            }
            if conn.tx.try_send(event.clone()).is_err() {
                conn.kick.kick(Kick::TooSlow);
            }
        }
    }

    /// Removes the connection; the number of connections the owner still has.
    fn remove(&mut self, owner: K, id: ConnectionId) -> usize {
        let Some(conns) = self.by_owner.get_mut(&owner) else { return 0 };
        conns.retain(|c| c.id != id);
        let left = conns.len();
        if left == 0 {
            self.by_owner.remove(&owner);
        }
        left
    }

    fn count(&self, owner: K) -> usize {
        self.by_owner.get(&owner).map_or(0, Vec::len)
    }
}

#[derive(Default)]
struct Inner {
    visitors: Registry<VisitorId, VisitorEvent>,
    agents: Registry<AgentId, AgentEvent>,
}

/// A registered connection: where its events arrive and what tells it to
/// close. Give it back with [`Hub::leave_visitor`] or [`Hub::leave_agent`].
pub struct Subscription<E> {
    pub id: ConnectionId,
    pub events: mpsc::Receiver<Arc<E>>,
    pub kick: KickSignal,
}

/// Cheap to clone.
#[derive(Clone, Default)]
pub struct Hub {
    inner: Arc<Mutex<Inner>>,
    next_id: Arc<AtomicU64>,
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain maps behind, still valid.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn connection<E>(&self, session: Option<SessionKey>) -> (Connection<E>, Subscription<E>) {
        let (tx, events) = mpsc::channel(CONNECTION_BUFFER);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let kick = KickSignal::default();
        (Connection { id, tx, kick: kick.clone(), session }, Subscription { id, events, kick })
    }

    /// Registers a visitor's connection unless they already have `limit`.
    pub fn join_visitor(&self, visitor: VisitorId, limit: usize) -> Option<Subscription<VisitorEvent>> {
        let (conn, sub) = self.connection(None);
        let mut inner = self.lock();
        if inner.visitors.count(visitor) >= limit {
            return None;
        }
        inner.visitors.by_owner.entry(visitor).or_default().push(conn);
        Some(sub)
    }

    /// Registers an agent's console opened by `session`, unless the agent
    /// already has `limit` open.
    pub fn join_agent(&self, agent: AgentId, session: SessionKey, limit: usize) -> Option<Subscription<AgentEvent>> {
        let (conn, sub) = self.connection(Some(session));
        let mut inner = self.lock();
        if inner.agents.count(agent) >= limit {
            return None;
        }
        inner.agents.by_owner.entry(agent).or_default().push(conn);
        Some(sub)
    }

    /// Returns how many connections the visitor still has.
    pub fn leave_visitor(&self, visitor: VisitorId, id: ConnectionId) -> usize {
        self.lock().visitors.remove(visitor, id)
    }

    /// Returns how many consoles the agent still has open.
    pub fn leave_agent(&self, agent: AgentId, id: ConnectionId) -> usize {
        self.lock().agents.remove(agent, id)
    }

    pub fn to_visitor(&self, visitor: VisitorId, event: VisitorEvent) {
        self.lock().visitors.send(visitor, Arc::new(event));
    }

    pub fn to_agent(&self, agent: AgentId, event: AgentEvent) {
        self.lock().agents.send(agent, Arc::new(event));
    }

    pub fn visitor_is_connected(&self, visitor: VisitorId) -> bool {
        self.lock().visitors.count(visitor) > 0
    }

    pub fn agent_is_connected(&self, agent: AgentId) -> bool {
        self.lock().agents.count(agent) > 0
    }

    /// Agents with at least one console open.
    pub fn connected_agents(&self) -> Vec<AgentId> {
        self.lock().agents.by_owner.keys().copied().collect()
    }

    /// Closes every console opened by this login session.
    pub fn sign_out_session(&self, session: &SessionKey) {
        for conns in self.lock().agents.by_owner.values() {
            for conn in conns.iter().filter(|c| c.session.as_ref() == Some(session)) {
                conn.kick.kick(Kick::SignedOut);
            }
        }
    }

    /// Closes every console of the agent (they were disabled).
    pub fn sign_out_agent(&self, agent: AgentId) {
        if let Some(conns) = self.lock().agents.by_owner.get(&agent) {
            for conn in conns {
                conn.kick.kick(Kick::SignedOut);
            }
        }
    }

    /// Live connections, for metrics and the load benchmark.
    pub fn connection_count(&self) -> usize {
        let inner = self.lock();
        inner.visitors.by_owner.values().map(Vec::len).sum::<usize>() + inner.agents.by_owner.values().map(Vec::len).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use protocol::ConversationId;

    use super::*;

    fn session(n: u8) -> SessionKey {
        SessionKey(format!("s{n}"))
    }

    #[tokio::test]
    async fn every_tab_of_a_visitor_gets_the_event() {
        let hub = Hub::default();
        let mut a = hub.join_visitor(VisitorId(1), 10).unwrap();
        let mut b = hub.join_visitor(VisitorId(1), 10).unwrap();
        let mut other = hub.join_visitor(VisitorId(2), 10).unwrap();
        hub.to_visitor(VisitorId(1), VisitorEvent::Read { seq: 3 });
        assert_eq!(a.events.recv().await.as_deref(), Some(&VisitorEvent::Read { seq: 3 }));
        assert_eq!(b.events.recv().await.as_deref(), Some(&VisitorEvent::Read { seq: 3 }));
        assert!(other.events.try_recv().is_err());
    }

    #[test]
    fn a_visitor_may_not_open_more_than_the_limit() {
        let hub = Hub::default();
        let first = hub.join_visitor(VisitorId(1), 2).unwrap();
        let _second = hub.join_visitor(VisitorId(1), 2).unwrap();
        assert!(hub.join_visitor(VisitorId(1), 2).is_none());
        assert_eq!(hub.leave_visitor(VisitorId(1), first.id), 1);
        assert!(hub.join_visitor(VisitorId(1), 2).is_some());
    }

    #[tokio::test]
    async fn a_slow_connection_is_told_to_go_and_stays_counted_until_it_leaves() {
        let hub = Hub::default();
        let slow = hub.join_agent(AgentId(1), session(1), 10).unwrap();
        for seq in 0..=CONNECTION_BUFFER as u64 {
            hub.to_agent(AgentId(1), AgentEvent::Read { conversation_id: ConversationId(1), seq });
        }
        assert_eq!(slow.kick.kicked().await, Kick::TooSlow);
        // Still registered: its own teardown reports the agent gone, so the
        // routing engine hears of it.
        assert!(hub.agent_is_connected(AgentId(1)));
        assert_eq!(hub.leave_agent(AgentId(1), slow.id), 0);
        assert!(!hub.agent_is_connected(AgentId(1)));
    }

    #[tokio::test]
    async fn typing_is_dropped_before_a_connection_is_cut() {
        let hub = Hub::default();
        let mut sub = hub.join_agent(AgentId(1), session(1), 10).unwrap();
        for _ in 0..CONNECTION_BUFFER / 2 + 1 {
            hub.to_agent(AgentId(1), AgentEvent::Read { conversation_id: ConversationId(1), seq: 1 });
        }
        for _ in 0..1_000 {
            hub.to_agent(AgentId(1), AgentEvent::Typing { conversation_id: ConversationId(1), on: true });
        }
        let mut typing = 0;
        while let Ok(event) = sub.events.try_recv() {
            typing += usize::from(matches!(*event, AgentEvent::Typing { .. }));
        }
        assert_eq!(typing, 0, "typing was queued into a half-full buffer");
        assert!(!sub.kick.token.is_cancelled(), "dropping typing must not cut the connection");
    }

    #[tokio::test]
    async fn signing_out_a_session_closes_only_its_consoles() {
        let hub = Hub::default();
        let mine = hub.join_agent(AgentId(1), session(1), 10).unwrap();
        let other_login = hub.join_agent(AgentId(1), session(2), 10).unwrap();
        hub.sign_out_session(&session(1));
        assert_eq!(mine.kick.kicked().await, Kick::SignedOut);
        assert!(!other_login.kick.token.is_cancelled());
        hub.sign_out_agent(AgentId(1));
        assert_eq!(other_login.kick.kicked().await, Kick::SignedOut);
    }
}
