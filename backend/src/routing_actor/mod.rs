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
//! Inbox policy: it holds [`INBOX`] inputs. A sender of an event waits for
//! room (which slows only that sender's connection); hints that only
//! refresh what an agent sees (a new offer preview) are dropped when full.

mod actor;
mod supervisor;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use protocol::{ConversationId, ErrorCode, SiteId, VisitorId};
use routing::{EngineConfig, Event};
use tokio::sync::mpsc;
use tokio_util::task::TaskTracker;

use crate::fatal::Fatal;
use crate::hub::Hub;
use crate::refusal::Refusal;
use crate::store::Store;

/// Inputs the routing task holds before senders must wait.
pub const INBOX: usize = 4_096;

/// Cheap to clone: the way into the routing task.
#[derive(Clone)]
pub struct Routing {
    tx: mpsc::Sender<Input>,
    shared: Arc<Shared>,
}

/// What reaches the routing task.
enum Input {
    Route(Event),
    /// The visitor's last connection closed. Checked against the hub when it
    /// is handled, since a new tab may have opened meanwhile.
    VisitorLeft {
        conversation: ConversationId,
        visitor: VisitorId,
    },
    /// The visitor wrote while waiting: re-send the pending offer, if any,
    /// with the new preview.
    RefreshOffer(ConversationId),
    /// For tests of the supervisor: the task panics.
    Crash,
}

/// What the routing task publishes for others to read without asking it.
#[derive(Default)]
struct Shared {
    /// Sites with at least one available agent.
    staffed: Mutex<HashMap<SiteId, bool>>,
    positions: Mutex<HashMap<ConversationId, u32>>,
    alive: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Routing {
    /// Starts the routing task (restoring queued and active conversations
    /// from the store) under its supervisor.
    pub async fn start(store: Store, hub: Hub, config: EngineConfig, fatal: Fatal, tasks: &TaskTracker) -> crate::store::Result<Self> {
        let (tx, rx) = mpsc::channel(INBOX);
        let shared = Arc::new(Shared::default());
        let first = actor::Actor::restore(store.clone(), hub.clone(), config.clone(), shared.clone()).await?;
        tasks.spawn(supervisor::supervise(first, rx, supervisor::Rebuild { store, hub, config, shared: shared.clone() }, fatal));
        Ok(Self { tx, shared })
    }

    /// Hands an event to the routing task, waiting for room in its inbox.
    pub async fn send(&self, event: Event) -> Result<(), Refusal> {
        self.tx.send(Input::Route(event)).await.map_err(|_| Refusal::new(ErrorCode::Internal, "routing is not running; please try again shortly"))
    }

    pub async fn visitor_left(&self, conversation: ConversationId, visitor: VisitorId) {
        let _ = self.tx.send(Input::VisitorLeft { conversation, visitor }).await;
    }

    /// Re-sends the conversation's pending offer with what the visitor has
    /// written since; dropped when the inbox is full.
    pub fn refresh_offer(&self, conversation: ConversationId) {
        let _ = self.tx.try_send(Input::RefreshOffer(conversation));
    }

    /// Whether anybody is there to answer the site's visitors.
    pub fn agents_online(&self, site: SiteId) -> bool {
        lock(&self.shared.staffed).get(&site).copied().unwrap_or(false)
    }

    /// The conversation's place in the queue as last told.
    pub fn position(&self, conversation: ConversationId) -> Option<u32> {
        lock(&self.shared.positions).get(&conversation).copied()
    }

    /// Whether the routing task is running (for the health check).
    pub fn is_alive(&self) -> bool {
        self.shared.alive.load(Ordering::Relaxed)
    }

    /// Makes the routing task panic, to test that it is restored.
    #[doc(hidden)]
    pub async fn crash_for_test(&self) {
        let _ = self.tx.send(Input::Crash).await;
    }
}
