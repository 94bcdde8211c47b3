//! The fan-out seam: delivers events to every live connection of a visitor
//! (all their tabs) or an agent (all their consoles), and closes
//! connections that must go.
//!
//! Each node delivers to the connections it holds; with several nodes, every
//! event also goes on the bus under its visitor's or agent's subject, and a
//! node listens on the subjects of those it holds (from the first of their
//! connections to the last). Callers never see which node holds whom.
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
use protocol::cluster::SignOut;
use protocol::visitor::VisitorEvent;
use protocol::{AgentId, VisitorId};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::bus::{subjects, Bus};
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
    /// This node's link to the other nodes was lost and is back: events
    /// may have been missed, so the client reconnects and catches up.
    Resync,
}

impl Kick {
    pub fn close_code(self) -> u16 {
        match self {
            Self::TooSlow => 1013,
            Self::SignedOut => 4001,
            Self::Resync => 1012,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Self::TooSlow => "too slow, reconnect",
            Self::SignedOut => "signed out",
            Self::Resync => "reconnect to catch up",
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

/// The connections of one visitor or agent on this node, and whether (and
/// since when) this node listens for them on the bus.
struct Owner<E> {
    conns: Vec<Connection<E>>,
    /// Set while this node listens on the owner's subject; `true` once the
    /// subscription is in place. Cancelling the token ends the listening.
    listening: Option<(CancellationToken, watch::Receiver<bool>)>,
}

impl<E> Default for Owner<E> {
    fn default() -> Self {
        Self { conns: Vec::new(), listening: None }
    }
}

struct Registry<K, E> {
    by_owner: HashMap<K, Owner<E>>,
}

impl<K, E> Default for Registry<K, E> {
    fn default() -> Self {
        Self { by_owner: HashMap::new() }
    }
}

impl<K: Hash + Eq + Copy, E: Droppable> Registry<K, E> {
    fn send(&mut self, owner: K, event: Arc<E>) {
        let Some(owner) = self.by_owner.get_mut(&owner) else { return };
        for conn in owner.conns.iter() {
            if event.droppable() && conn.tx.capacity() < CONNECTION_BUFFER / 2 {
                continue;
            }
            if conn.tx.try_send(event.clone()).is_err() {
                conn.kick.kick(Kick::TooSlow);
            }
        }
    }

    /// Adds the connection unless the owner has `limit`. `Ok(Some(..))`
    /// when this node must start listening for the owner on the bus.
    fn add(&mut self, owner: K, conn: Connection<E>, limit: usize, shared: bool) -> Result<Listen, ()> {
        let entry = self.by_owner.entry(owner).or_default();
        if entry.conns.len() >= limit {
            return Err(());
        }
        entry.conns.push(conn);
        Ok(match &entry.listening {
            Some((_, ready)) => Listen::Wait(ready.clone()),
            None if shared => {
                let token = CancellationToken::new();
                let (ready_tx, ready) = watch::channel(false);
                entry.listening = Some((token.clone(), ready));
                Listen::Start(token, ready_tx)
            }
            None => Listen::No,
        })
    }

    /// Removes the connection; the number of connections the owner still
    /// has here. The last one out stops the listening.
    fn remove(&mut self, owner: K, id: ConnectionId) -> usize {
        let Some(entry) = self.by_owner.get_mut(&owner) else { return 0 };
        entry.conns.retain(|c| c.id != id);
        let left = entry.conns.len();
        if left == 0 {
            if let Some((token, _)) = &entry.listening {
                token.cancel();
            }
            self.by_owner.remove(&owner);
        }
        left
    }

    /// Forgets that the owner is listened for (the subscription failed), so
    /// the next connection tries again.
    fn stop_listening(&mut self, owner: K) {
        if let Some(entry) = self.by_owner.get_mut(&owner) {
            entry.listening = None;
        }
    }

    fn count(&self, owner: K) -> usize {
        self.by_owner.get(&owner).map_or(0, |o| o.conns.len())
    }

    fn all(&self) -> impl Iterator<Item = &Connection<E>> {
        self.by_owner.values().flat_map(|o| o.conns.iter())
    }
}

/// What a new connection means for listening on the bus.
enum Listen {
    /// One bus, one node: nothing to listen for.
    No,
    /// This connection is the owner's first here: subscribe.
    Start(CancellationToken, watch::Sender<bool>),
    /// Another connection started the subscription; wait until it is in place.
    Wait(watch::Receiver<bool>),
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
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Mutex<Inner>>,
    next_id: Arc<AtomicU64>,
    bus: Bus,
}

impl Default for Hub {
    /// A hub for one node (no bus).
    fn default() -> Self {
        Self { inner: Arc::default(), next_id: Arc::default(), bus: Bus::Local }
    }
}

/// How long a new connection waits for its owner's subscription to be in
/// place before going on without it.
const LISTEN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl Hub {
    /// A hub on `bus`. With a shared bus it listens for sign-outs from other
    /// nodes and, when the bus comes back after a loss, has every client
    /// reconnect (they may have missed events); both end with `stop`.
    pub async fn new(bus: Bus, stop: CancellationToken) -> anyhow::Result<Self> {
        let hub = Self { inner: Arc::default(), next_id: Arc::default(), bus };
        if let Some(mut sign_outs) = hub.bus.subscribe::<SignOut>(subjects::SIGN_OUT.to_string()).await? {
            let (me, stop) = (hub.clone(), stop.clone());
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        message = sign_outs.next() => match message {
                            Some(SignOut::Session { key }) => me.kick_session(&SessionKey(key)),
                            Some(SignOut::Agent { agent }) => me.kick_agent(agent),
                            None => break,
                        },
                    }
                }
            });
        }
        if let Some(mut comebacks) = hub.bus.comebacks() {
            let me = hub.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        changed = comebacks.changed() => {
                            if changed.is_err() {
                                break;
                            }
                            tracing::warn!("the bus is back: every client reconnects to catch up");
                            me.kick_everyone(Kick::Resync);
                        }
                    }
                }
            });
        }
        Ok(hub)
    }

    pub fn bus(&self) -> &Bus {
        &self.bus
    }

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

    /// Registers a visitor's connection unless they already have `limit`
    /// here. Returns once events for the visitor from any node reach it.
    pub async fn join_visitor(&self, visitor: VisitorId, limit: usize) -> Option<Subscription<VisitorEvent>> {
        let (conn, sub) = self.connection(None);
        let shared = self.bus.is_shared();
        let listen = self.lock().visitors.add(visitor, conn, limit, shared).ok()?;
        let me = self.clone();
        self.listen(listen, subjects::visitor(visitor), move |event| me.lock().visitors.send(visitor, Arc::new(event)), {
            let me = self.clone();
            move || me.lock().visitors.stop_listening(visitor)
        })
        .await;
        Some(sub)
    }

    /// Registers an agent's console opened by `session`, unless the agent
    /// already has `limit` open here.
    pub async fn join_agent(&self, agent: AgentId, session: SessionKey, limit: usize) -> Option<Subscription<AgentEvent>> {
        let (conn, sub) = self.connection(Some(session));
        let shared = self.bus.is_shared();
        let listen = self.lock().agents.add(agent, conn, limit, shared).ok()?;
        let me = self.clone();
        self.listen(listen, subjects::agent(agent), move |event| me.lock().agents.send(agent, Arc::new(event)), {
            let me = self.clone();
            move || me.lock().agents.stop_listening(agent)
        })
        .await;
        Some(sub)
    }

    /// Starts (or waits for) listening on `subject`, handing each event to
    /// `deliver` until the owner's last connection here leaves.
    async fn listen<E, D, F>(&self, listen: Listen, subject: String, deliver: D, failed: F)
    where
        E: DeserializeOwned + Send + 'static,
        D: Fn(E) + Send + 'static,
        F: FnOnce(),
    {
        match listen {
            Listen::No => {}
            Listen::Wait(mut ready) => {
                let _ = tokio::time::timeout(LISTEN_WAIT, ready.wait_for(|ready| *ready)).await;
            }
            Listen::Start(token, ready) => match self.bus.subscribe::<E>(subject).await {
                Ok(Some(mut subscription)) => {
                    let _ = ready.send(true);
                    tokio::spawn(async move {
                        loop {
                            tokio::select! {
                                _ = token.cancelled() => break,
                                event = subscription.next() => match event {
                                    Some(event) => deliver(event),
                                    None => break,
                                },
                            }
                        }
                    });
                }
                Ok(None) => {}
                Err(e) => {
                    // The client still gets this node's events; when the bus
                    // is back every client reconnects and listens again.
                    tracing::warn!(error = %e, "could not listen on the bus");
                    failed();
                }
            },
        }
    }

    /// Returns how many connections the visitor still has on this node.
    pub fn leave_visitor(&self, visitor: VisitorId, id: ConnectionId) -> usize {
        self.lock().visitors.remove(visitor, id)
    }

    /// Returns how many consoles the agent still has open on this node.
    pub fn leave_agent(&self, agent: AgentId, id: ConnectionId) -> usize {
        self.lock().agents.remove(agent, id)
    }

    pub async fn to_visitor(&self, visitor: VisitorId, event: VisitorEvent) {
        self.publish(subjects::visitor(visitor), &event).await;
        self.lock().visitors.send(visitor, Arc::new(event));
    }

    pub async fn to_agent(&self, agent: AgentId, event: AgentEvent) {
        self.publish(subjects::agent(agent), &event).await;
        self.lock().agents.send(agent, Arc::new(event));
    }

    async fn publish<T: Serialize>(&self, subject: String, event: &T) {
        if self.bus.is_shared() {
            self.bus.publish(subject, event).await;
        }
    }

    /// Whether the visitor has a connection on this node.
    pub fn visitor_is_connected(&self, visitor: VisitorId) -> bool {
        self.lock().visitors.count(visitor) > 0
    }

    /// Whether the agent has a console open on this node.
    pub fn agent_is_connected(&self, agent: AgentId) -> bool {
        self.lock().agents.count(agent) > 0
    }

    /// Agents with at least one console open on this node.
    pub fn connected_agents(&self) -> Vec<AgentId> {
        self.lock().agents.by_owner.keys().copied().collect()
    }

    /// Visitors with at least one connection on this node.
    pub fn connected_visitors(&self) -> Vec<VisitorId> {
        self.lock().visitors.by_owner.keys().copied().collect()
    }

    /// Closes every console opened by this login session, on every node.
    pub async fn sign_out_session(&self, session: &SessionKey) {
        self.kick_session(session);
        self.bus.publish(subjects::SIGN_OUT.to_string(), &SignOut::Session { key: session.0.clone() }).await;
    }

    /// Closes every console of the agent (they were disabled), on every node.
    pub async fn sign_out_agent(&self, agent: AgentId) {
        self.kick_agent(agent);
        self.bus.publish(subjects::SIGN_OUT.to_string(), &SignOut::Agent { agent }).await;
    }

    fn kick_session(&self, session: &SessionKey) {
        for conn in self.lock().agents.all().filter(|c| c.session.as_ref() == Some(session)) {
            conn.kick.kick(Kick::SignedOut);
        }
    }

    fn kick_agent(&self, agent: AgentId) {
        if let Some(owner) = self.lock().agents.by_owner.get(&agent) {
            for conn in &owner.conns {
                conn.kick.kick(Kick::SignedOut);
            }
        }
    }

    fn kick_everyone(&self, why: Kick) {
        let inner = self.lock();
        for conn in inner.agents.all() {
            conn.kick.kick(why);
        }
        for conn in inner.visitors.all() {
            conn.kick.kick(why);
        }
    }

    pub fn visitor_connection_count(&self) -> usize {
        self.lock().visitors.all().count()
    }

    pub fn agent_connection_count(&self) -> usize {
        self.lock().agents.all().count()
    }

    /// Live connections on this node, for metrics and the load benchmark.
    pub fn connection_count(&self) -> usize {
        self.visitor_connection_count() + self.agent_connection_count()
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
        let mut a = hub.join_visitor(VisitorId(1), 10).await.unwrap();
        let mut b = hub.join_visitor(VisitorId(1), 10).await.unwrap();
        let mut other = hub.join_visitor(VisitorId(2), 10).await.unwrap();
        hub.to_visitor(VisitorId(1), VisitorEvent::Read { seq: 3 }).await;
        assert_eq!(a.events.recv().await.as_deref(), Some(&VisitorEvent::Read { seq: 3 }));
        assert_eq!(b.events.recv().await.as_deref(), Some(&VisitorEvent::Read { seq: 3 }));
        assert!(other.events.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_visitor_may_not_open_more_than_the_limit() {
        let hub = Hub::default();
        let first = hub.join_visitor(VisitorId(1), 2).await.unwrap();
        let _second = hub.join_visitor(VisitorId(1), 2).await.unwrap();
        assert!(hub.join_visitor(VisitorId(1), 2).await.is_none());
        assert_eq!(hub.leave_visitor(VisitorId(1), first.id), 1);
        assert!(hub.join_visitor(VisitorId(1), 2).await.is_some());
    }

    #[tokio::test]
    async fn a_slow_connection_is_told_to_go_and_stays_counted_until_it_leaves() {
        let hub = Hub::default();
        let slow = hub.join_agent(AgentId(1), session(1), 10).await.unwrap();
        for seq in 0..=CONNECTION_BUFFER as u64 {
            hub.to_agent(AgentId(1), AgentEvent::Read { conversation_id: ConversationId(1), seq }).await;
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
        let mut sub = hub.join_agent(AgentId(1), session(1), 10).await.unwrap();
        for _ in 0..CONNECTION_BUFFER / 2 + 1 {
            hub.to_agent(AgentId(1), AgentEvent::Read { conversation_id: ConversationId(1), seq: 1 }).await;
        }
        for _ in 0..1_000 {
            hub.to_agent(AgentId(1), AgentEvent::Typing { conversation_id: ConversationId(1), on: true }).await;
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
        let mine = hub.join_agent(AgentId(1), session(1), 10).await.unwrap();
        let other_login = hub.join_agent(AgentId(1), session(2), 10).await.unwrap();
        hub.sign_out_session(&session(1)).await;
        assert_eq!(mine.kick.kicked().await, Kick::SignedOut);
        assert!(!other_login.kick.token.is_cancelled());
        hub.sign_out_agent(AgentId(1)).await;
        assert_eq!(other_login.kick.kicked().await, Kick::SignedOut);
    }
}
