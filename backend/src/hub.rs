//! The fan-out seam: delivers events to every live connection of a visitor
//! (all their tabs) or an agent (all their consoles).
//!
//! In-process channels today. Several nodes would put a broker (NATS or
//! Redis) behind these same methods; callers never see which.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use protocol::agent::AgentEvent;
use protocol::visitor::VisitorEvent;
use tokio::sync::mpsc;

/// Frames queued for one connection before it counts as too slow. A client
/// that falls this far behind is disconnected and resumes from its last seq.
pub const CONNECTION_BUFFER: usize = 256;

pub type ConnectionId = u64;

struct Subscribers<E> {
    by_owner: HashMap<i64, Vec<(ConnectionId, mpsc::Sender<E>)>>,
}

impl<E> Default for Subscribers<E> {
    fn default() -> Self {
        Self { by_owner: HashMap::new() }
    }
}

impl<E: Clone> Subscribers<E> {
    fn send(&mut self, owner: i64, event: &E) {
        if let Some(conns) = self.by_owner.get_mut(&owner) {
            // A full buffer drops the sender: the connection's receiver then
            // ends and the client reconnects and resumes.
            conns.retain(|(_, tx)| tx.try_send(event.clone()).is_ok());
            if conns.is_empty() {
                self.by_owner.remove(&owner);
            }
        }
    }

    fn remove(&mut self, owner: i64, id: ConnectionId) -> bool {
        if let Some(conns) = self.by_owner.get_mut(&owner) {
            conns.retain(|(c, _)| *c != id);
            if conns.is_empty() {
                self.by_owner.remove(&owner);
                return true;
            }
        }
        false
    }
}

#[derive(Default)]
struct Inner {
    visitors: Subscribers<VisitorEvent>,
    agents: Subscribers<AgentEvent>,
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

    pub fn subscribe_visitor(&self, visitor_id: i64) -> (ConnectionId, mpsc::Receiver<VisitorEvent>) {
        let (tx, rx) = mpsc::channel(CONNECTION_BUFFER);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().visitors.by_owner.entry(visitor_id).or_default().push((id, tx));
        (id, rx)
    }

    pub fn subscribe_agent(&self, agent_id: i64) -> (ConnectionId, mpsc::Receiver<AgentEvent>) {
        let (tx, rx) = mpsc::channel(CONNECTION_BUFFER);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().agents.by_owner.entry(agent_id).or_default().push((id, tx));
        (id, rx)
    }

    pub fn unsubscribe_visitor(&self, visitor_id: i64, id: ConnectionId) {
        self.lock().visitors.remove(visitor_id, id);
    }

    /// Returns true when this was the agent's last connection.
    pub fn unsubscribe_agent(&self, agent_id: i64, id: ConnectionId) -> bool {
        self.lock().agents.remove(agent_id, id)
    }

    pub fn to_visitor(&self, visitor_id: i64, event: VisitorEvent) {
        self.lock().visitors.send(visitor_id, &event);
    }

    pub fn to_agent(&self, agent_id: i64, event: AgentEvent) {
        self.lock().agents.send(agent_id, &event);
    }

    pub fn agent_is_connected(&self, agent_id: i64) -> bool {
        self.lock().agents.by_owner.contains_key(&agent_id)
    }

    /// Live connections, for metrics and the load benchmark.
    pub fn connection_count(&self) -> usize {
        let inner = self.lock();
        inner.visitors.by_owner.values().map(Vec::len).sum::<usize>() + inner.agents.by_owner.values().map(Vec::len).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_tab_of_a_visitor_gets_the_event() {
        let hub = Hub::default();
        let (_, mut a) = hub.subscribe_visitor(1);
        let (_, mut b) = hub.subscribe_visitor(1);
        let (_, mut other) = hub.subscribe_visitor(2);
        hub.to_visitor(1, VisitorEvent::Read { seq: 3 });
        assert_eq!(a.recv().await, Some(VisitorEvent::Read { seq: 3 }));
        assert_eq!(b.recv().await, Some(VisitorEvent::Read { seq: 3 }));
        assert!(other.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_slow_connection_is_cut_loose_not_waited_for() {
        let hub = Hub::default();
        let (_, mut slow) = hub.subscribe_agent(1);
        for seq in 0..=CONNECTION_BUFFER as u64 {
            hub.to_agent(1, AgentEvent::Read { conversation_id: 1, seq });
        }
        assert!(!hub.agent_is_connected(1));
        let mut n = 0;
        while slow.recv().await.is_some() {
            n += 1;
        }
        assert_eq!(n, CONNECTION_BUFFER);
    }

    #[test]
    fn the_last_connection_leaving_is_reported() {
        let hub = Hub::default();
        let (a, _ra) = hub.subscribe_agent(1);
        let (b, _rb) = hub.subscribe_agent(1);
        assert!(!hub.unsubscribe_agent(1, a));
        assert!(hub.unsubscribe_agent(1, b));
    }
}
