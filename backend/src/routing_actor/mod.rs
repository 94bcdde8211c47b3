//! Feeds the routing engine and carries out its decisions.
//!
//! One task owns the [`routing::Engine`]: every event reaches it through a
//! bounded inbox, so decisions are made one at a time (race-free assignment)
//! and the engine itself stays pure. The task does the I/O the engine must
//! not: it stamps events with the clock, records decisions in the store and
//! tells agents and visitors through the hub.
//!
//! The task is supervised: if it panics it is rebuilt from the database and
//! the live connections (the inbox survives, so senders never notice);
//! if that fails, or it keeps failing, the whole process stops with an
//! error rather than run without routing.
//!
//! With several nodes (a bus is configured), exactly one node runs the
//! task: the holder of the routing lease ([`ownership`]). The others
//! forward their inputs to it over the bus, beat once a second with whom
//! they hold, and mirror what it publishes (which sites are staffed). Every
//! write the task makes carries the lease's epoch, so a node that lost the
//! lease (it stalled) cannot write after another took over.
//!
//! Inbox policy: it holds [`INBOX`] inputs. A sender of an event waits for
//! room (which slows only that sender's connection); hints that only
//! refresh what an agent sees (a new offer preview) are dropped when full.

mod actor;
mod attendance;
mod callbacks;
mod carry;
mod node;
mod ownership;
pub mod setup;
mod supervisor;
mod wire;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use protocol::cluster::Heartbeat;
use protocol::cluster::RoutingInput;
use protocol::{ConversationId, ErrorCode, SiteId, VisitorId};
use routing::EngineConfig;
use tokio::sync::mpsc;
use tokio_util::task::TaskTracker;

use crate::bus::{subjects, Bus};
use crate::fatal::Fatal;
use crate::hub::Hub;
use crate::refusal::Refusal;
use crate::store::Store;

/// Inputs the routing task holds before senders must wait.
pub const INBOX: usize = 4_096;

/// Cheap to clone: the way into the routing task, wherever it runs.
#[derive(Clone)]
pub struct Routing {
    tx: mpsc::Sender<Input>,
    shared: Arc<Shared>,
    bus: Bus,
}

/// What reaches the routing task.
#[derive(Debug)]
enum Input {
    /// From a connection of this node or, forwarded, another's.
    Request(RoutingInput),
    /// Another node's attendance (cluster only).
    Heartbeat(Heartbeat),
    /// For tests of the supervisor: the task panics.
    Crash,
}

/// What the routing task publishes for others to read without asking it.
#[derive(Default)]
struct Shared {
    /// Sites with at least one available agent.
    staffed: Mutex<HashMap<SiteId, bool>>,
    positions: Mutex<HashMap<ConversationId, u32>>,
    /// Expected waits in seconds, told with the positions.
    waits: Mutex<HashMap<ConversationId, u32>>,
    /// Queues inside their business hours.
    open: Mutex<HashMap<protocol::QueueId, bool>>,
    alive: AtomicBool,
    /// Whether this node runs the routing task now (always, alone).
    owner: AtomicBool,
    /// The routing epoch this node last heard of (its own when owner).
    epoch: AtomicI64,
    /// When this node last heard from a routing owner (itself included).
    heard: Mutex<Option<tokio::time::Instant>>,
    /// Visitors waiting in the queue, as the owner last said.
    waiting: Mutex<Vec<VisitorId>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// This node's part in a cluster.
#[derive(Clone, Debug)]
pub struct ClusterRole {
    pub node: String,
    pub lease: Duration,
}

/// News older than this means no node owns routing (or this node cannot
/// hear it): the health check fails.
const NEWS_STALE: Duration = Duration::from_secs(5);

impl Routing {
    /// Starts routing. Alone, the routing task starts here at once
    /// (restoring queued and active conversations from the store). In a
    /// cluster it starts on whichever node gets the lease; this node beats,
    /// listens for the owner's news, and competes for the lease.
    pub async fn start(store: Store, hub: Hub, config: EngineConfig, fatal: Fatal, tasks: &TaskTracker, cluster: Option<ClusterRole>) -> anyhow::Result<Self> {
        let (tx, rx) = mpsc::channel(INBOX);
        let shared = Arc::new(Shared::default());
        let bus = hub.bus().clone();
        let rebuild = supervisor::Rebuild { store, hub, config, shared: shared.clone(), tx: tx.clone() };
        match cluster.filter(|_| bus.is_shared()) {
            None => {
                shared.owner.store(true, Ordering::SeqCst);
                let first = actor::Actor::restore(&rebuild, None).await?;
                let stop = fatal.shutdown_token().clone();
                tasks.spawn(async move {
                    let mut inbox = rx;
                    supervisor::supervise(first, &mut inbox, &rebuild, &fatal, &stop).await;
                });
            }
            Some(role) => {
                node::start(&rebuild, &role, &fatal, tasks).await?;
                tasks.spawn(ownership::own(rx, rebuild, fatal, role));
            }
        }
        Ok(Self { tx, shared, bus })
    }

    /// Hands an input to the routing task: into its inbox when it runs
    /// here (waiting for room), else over the bus to the node where it does.
    async fn deliver(&self, input: Input) -> Result<(), Refusal> {
        if self.shared.owner.load(Ordering::SeqCst) {
            return self.tx.send(input).await.map_err(|_| Refusal::new(ErrorCode::Internal, "routing is not running; please try again shortly"));
        }
        if let Some(forwarded) = wire::outgoing(&input) {
            self.bus.publish(subjects::ROUTING_INPUT.to_string(), &forwarded).await;
        }
        Ok(())
    }

    /// Hands an input to the routing task.
    pub async fn send(&self, input: RoutingInput) -> Result<(), Refusal> {
        self.deliver(Input::Request(input)).await
    }

    /// The visitor's last connection (on this node) closed. Checked against
    /// who is connected when it is handled, since a new tab may have opened
    /// meanwhile.
    pub async fn visitor_left(&self, conversation: ConversationId, visitor: VisitorId) {
        let _ = self.send(RoutingInput::VisitorLeft { conversation, visitor }).await;
    }

    /// Re-sends the conversation's pending offer with what the visitor has
    /// written since; dropped when the inbox is full.
    pub async fn refresh_offer(&self, conversation: ConversationId) {
        let input = Input::Request(RoutingInput::RefreshOffer { conversation });
        if self.shared.owner.load(Ordering::SeqCst) {
            let _ = self.tx.try_send(input);
        } else {
            let _ = self.deliver(input).await;
        }
    }

    /// Queues, skills or teams changed: routing reads them again.
    pub async fn reconfigure(&self) {
        let _ = self.send(RoutingInput::Reconfigure).await;
    }

    /// The conversation's expected wait as last told.
    pub fn estimated_wait(&self, conversation: ConversationId) -> Option<u32> {
        lock(&self.shared.waits).get(&conversation).copied()
    }

    /// Whether the queue is inside its business hours, as routing last
    /// evaluated them (unknown queues count as open).
    pub fn queue_open(&self, queue: protocol::QueueId) -> bool {
        lock(&self.shared.open).get(&queue).copied().unwrap_or(true)
    }

    /// Whether anybody is there to answer the site's visitors.
    pub fn agents_online(&self, site: SiteId) -> bool {
        lock(&self.shared.staffed).get(&site).copied().unwrap_or(false)
    }

    /// The conversation's place in the queue as last told (on the node
    /// that owns routing; elsewhere the owner tells the visitor itself).
    pub fn position(&self, conversation: ConversationId) -> Option<u32> {
        lock(&self.shared.positions).get(&conversation).copied()
    }

    /// Whether routing works from here: the task runs on this node, or
    /// this node has heard from the node where it runs lately.
    pub fn is_alive(&self) -> bool {
        if self.shared.owner.load(Ordering::SeqCst) {
            return self.shared.alive.load(Ordering::SeqCst);
        }
        lock(&self.shared.heard).is_some_and(|at| at.elapsed() < NEWS_STALE)
    }

    /// Whether the routing task runs on this node.
    pub fn is_owner(&self) -> bool {
        self.shared.owner.load(Ordering::SeqCst) && self.shared.alive.load(Ordering::SeqCst)
    }

    /// Makes the routing task panic, to test that it is restored.
    #[doc(hidden)]
    pub async fn crash_for_test(&self) {
        let _ = self.tx.send(Input::Crash).await;
    }
}
