//! The routing task itself: the engine, its clock, and what it is told.
//! Carrying out the engine's decisions is in [`super::carry`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use protocol::admin::Queue;
use protocol::agent::{AgentEvent, TransferTarget};
use protocol::cluster::{RoutingInput, RoutingNews};
use protocol::visitor::VisitorEvent;
use protocol::{AgentId, ConversationId, ConversationStatus, ErrorBody, ErrorCode, QueueId};
use routing::{Arrival, Engine, Event, Target};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::attendance::{Attendance, GRACE_MS};
use super::setup;
use super::supervisor::Rebuild;
use super::{lock, Input, Shared};
use crate::bus::{subjects, Bus};
use crate::hub::Hub;
use crate::store::leases::{Fence, ROUTING};
use crate::store::{now_ms, ConversationRecord, Result, Store};

/// How often queue positions and wait estimates that moved are told to
/// visitors.
const POSITIONS_EVERY: Duration = Duration::from_secs(1);
/// How often business hours are evaluated, queue metrics updated, and (in
/// a cluster) the owner publishes its news and checks who is connected.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(1);
/// How often a cluster's owner compares its queue with the database's,
/// taking in conversations whose enqueue was lost on the way.
const RECONCILE_EVERY: Duration = Duration::from_secs(10);
/// An agent seen connected but not available is looked up at most this
/// often.
const RECHECK_AGENT_MS: u64 = 10_000;

/// A term of routing ownership in a cluster: the lease epoch that fences
/// every write, and what the owner needs to talk to the other nodes.
#[derive(Clone)]
pub struct Term {
    pub epoch: i64,
    pub node: String,
    pub bus: Bus,
}

impl Term {
    fn fence(&self) -> Fence {
        Fence { lease: ROUTING, epoch: self.epoch }
    }
}

pub struct Actor {
    pub(super) engine: Engine,
    pub(super) store: Store,
    pub(super) hub: Hub,
    pub(super) shared: Arc<Shared>,
    pub(super) term: Option<Term>,
    /// Who other nodes hold (cluster only).
    attendance: Attendance,
    /// When this engine was rebuilt (wall-clock ms): nobody is let go
    /// before the first heartbeats of the other nodes can have arrived.
    restored_at: u64,
    /// When each agent was last reported unavailable, and last looked up.
    unavailable_at: HashMap<AgentId, u64>,
    looked_up: HashMap<AgentId, u64>,
    /// Set when a write was refused because the term is over.
    pub(super) fenced: bool,
    /// Events the actor itself raises while carrying out decisions.
    pub(super) followups: VecDeque<Event>,
    /// Queued conversations as read when they joined the queue, to tell
    /// their visitors about moves without reading the store each time.
    pub(super) waiting: HashMap<ConversationId, ConversationRecord>,
    /// Every queue as its admin configured it (whether each is open now is
    /// in `shared.open`).
    pub(super) queues: HashMap<QueueId, Queue>,
    /// Transfers asked for and not yet decided: who asked, with what note.
    pub(super) transfer_notes: HashMap<ConversationId, String>,
}

impl Actor {
    /// A fresh engine holding what the store and the hub say is true now:
    /// the queues, chats in progress, agents connected and available, the
    /// waiting conversations in their order. In a cluster, `term` is the
    /// lease this node holds; agents and visitors of other nodes join as
    /// their heartbeats arrive.
    pub async fn restore(rebuild: &Rebuild, term: Option<Term>) -> Result<Self> {
        let mut actor = Actor {
            engine: Engine::new(rebuild.config.clone()),
            store: rebuild.store.clone(),
            hub: rebuild.hub.clone(),
            shared: rebuild.shared.clone(),
            term,
            attendance: Attendance::default(),
            restored_at: now_ms().max(0) as u64,
            unavailable_at: HashMap::new(),
            looked_up: HashMap::new(),
            fenced: false,
            followups: VecDeque::new(),
            waiting: HashMap::new(),
            queues: HashMap::new(),
            transfer_notes: HashMap::new(),
        };
        lock(&actor.shared.positions).clear();
        lock(&actor.shared.waits).clear();
        actor.load_queues().await?;
        for c in actor.store.conversations_with_status(ConversationStatus::Active).await? {
            if let (Some(agent), Some(queue)) = (c.agent_id, actor.queue_or_default(&c).await?) {
                actor.apply(Event::Restore { conversation: c.id, agent, queue, channel: c.channel }).await;
            }
        }
        for id in actor.hub.connected_agents() {
            actor.make_available_if_so(id).await?;
        }
        for c in actor.store.conversations_with_status(ConversationStatus::Queued).await? {
            let (id, visitor) = (c.id, c.visitor_id);
            let Some(queue) = actor.queue_or_default(&c).await? else { continue };
            let arrival = Arrival { conversation: id, queue, channel: c.channel, priority: c.priority, entered_at: c.entered_at.max(0) as u64, sticky: None };
            let chat = c.is_chat();
            actor.apply(Event::Requeue(arrival)).await;
            // After a restart nobody is connected yet: each waiting visitor
            // has the usual time to come back before counting as abandoned.
            // (In a cluster the other nodes' heartbeats decide, shortly.) A
            // callback waits for an agent, not for the visitor's browser.
            if chat && actor.term.is_none() && !actor.hub.visitor_is_connected(visitor) {
                actor.apply(Event::VisitorLeft { conversation: id }).await;
            }
        }
        Ok(actor)
    }

    pub fn term(&self) -> Option<&Term> {
        self.term.as_ref()
    }

    pub(super) fn fence(&self) -> Option<Fence> {
        self.term.as_ref().map(Term::fence)
    }

    /// The conversation's queue; its site's default queue if its own was
    /// removed.
    async fn queue_or_default(&mut self, c: &ConversationRecord) -> Result<Option<QueueId>> {
        if let Some(q) = c.queue_id {
            self.know_queues(&[q]).await?;
        }
        match c.queue_id.filter(|q| self.queues.contains_key(q)) {
            Some(q) => Ok(Some(q)),
            None => {
                let q = self.store.default_queue(c.site_id).await?;
                self.know_queues(&[q]).await?;
                Ok(Some(q))
            }
        }
    }

    /// Reads the queues again when one of these is new to routing (a site
    /// or queue created by the command line, or on another node).
    async fn know_queues(&mut self, queues: &[QueueId]) -> Result<()> {
        if queues.iter().any(|q| !self.queues.contains_key(q)) {
            self.load_queues().await?;
        }
        Ok(())
    }

    /// Reads every queue and tells the engine how each is configured and
    /// whether it is open now.
    async fn load_queues(&mut self) -> Result<()> {
        let now = now_ms();
        let queues = self.store.queues().await?;
        self.queues = queues.iter().map(|q| (q.id, q.clone())).collect();
        for queue in queues {
            let open = setup::open_at(&queue, now);
            lock(&self.shared.open).insert(queue.id, open);
            self.apply(Event::ConfigureQueue { queue: queue.id, spec: setup::spec_of(&queue, open) }).await;
        }
        Ok(())
    }

    /// Tells the engine the agent is available if the store says so, with
    /// their skills and queues as the store has them now.
    async fn make_available_if_so(&mut self, id: AgentId) -> Result<()> {
        self.looked_up.insert(id, self.now());
        if let Some(profile) = setup::available_profile(&self.store, id).await? {
            self.know_queues(&profile.queues).await?;
            self.apply(Event::AgentAvailable { agent: id, profile }).await;
        }
        Ok(())
    }

    /// Runs until `stop`, or until a write is refused because this node's
    /// term as routing owner is over.
    pub async fn run(&mut self, inbox: &mut mpsc::Receiver<Input>, stop: &CancellationToken) {
        let mut positions = tokio::time::interval(POSITIONS_EVERY);
        let mut housekeeping = tokio::time::interval(HOUSEKEEPING_EVERY);
        let mut reconcile = tokio::time::interval(RECONCILE_EVERY);
        reconcile.tick().await;
        while !self.fenced {
            let deadline = self.engine.next_deadline().map(|ms| Instant::now() + Duration::from_millis(ms.saturating_sub(self.now())));
            tokio::select! {
                _ = stop.cancelled() => break,
                input = inbox.recv() => match input {
                    Some(input) => self.take(input).await,
                    None => break,
                },
                _ = async { tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)).await }, if deadline.is_some() => {
                    self.apply(Event::Tick).await;
                }
                _ = positions.tick() => self.tell_positions().await,
                _ = housekeeping.tick() => self.housekeeping().await,
                _ = reconcile.tick(), if self.term.is_some() => self.reconcile_queue().await,
            }
        }
    }

    async fn take(&mut self, input: Input) {
        match input {
            Input::Request(request) => {
                if let Err(e) = self.request(request).await {
                    tracing::error!(error = %e, "a routing input could not be handled");
                }
            }
            Input::Heartbeat(beat) => {
                let now = self.now();
                self.attendance.heartbeat(now, beat);
            }
            Input::Crash => panic!("the routing task was asked to crash (a test of its supervisor)"),
        }
    }

    async fn request(&mut self, request: RoutingInput) -> Result<()> {
        match request {
            RoutingInput::AgentAvailable { agent } => {
                self.note_agent(agent);
                self.make_available_if_so(agent).await?;
            }
            RoutingInput::AgentUnavailable { agent } => {
                if self.term.is_some() {
                    self.unavailable_at.insert(agent, self.now());
                }
                self.apply(Event::AgentUnavailable { agent }).await;
            }
            RoutingInput::Enqueue { conversation } => self.enqueue(conversation).await?,
            RoutingInput::Accept { conversation, agent } => self.apply(Event::Accept { conversation, agent }).await,
            RoutingInput::Decline { conversation, agent } => self.apply(Event::Decline { conversation, agent }).await,
            RoutingInput::Pick { conversation, agent } => self.apply(Event::Pick { conversation, agent }).await,
            RoutingInput::Transfer { conversation, agent, to, note } => {
                let to = match to {
                    TransferTarget::Agent { agent_id } => Target::Agent(agent_id),
                    TransferTarget::Queue { queue_id } => Target::Queue(queue_id),
                };
                self.transfer_notes.insert(conversation, note);
                self.apply(Event::Transfer { conversation, agent, to }).await;
                self.transfer_notes.remove(&conversation);
            }
            RoutingInput::WrapUp { conversation, agent, code } => self.wrap_up(conversation, agent, &code).await?,
            RoutingInput::Release { conversation } => self.apply(Event::Release { conversation }).await,
            RoutingInput::Disposed { conversation, agent, code } => self.disposed(conversation, agent, &code).await?,
            RoutingInput::VisitorReturned { conversation } => {
                if let Some(c) = self.waiting.get(&conversation) {
                    let now = self.now();
                    self.attendance.visitor_sign(now, c.visitor_id);
                }
                self.apply(Event::VisitorReturned { conversation }).await;
                // A visitor back on another node has not heard their place.
                self.tell_position(conversation).await;
            }
            RoutingInput::VisitorLeft { conversation, visitor } => {
                // A new tab may have opened since the last one closed. In a
                // cluster another node may hold one: housekeeping decides
                // from the heartbeats within a second or two.
                if self.term.is_none() && !self.hub.visitor_is_connected(visitor) {
                    self.apply(Event::VisitorLeft { conversation }).await;
                }
            }
            RoutingInput::RefreshOffer { conversation } => self.refresh_offer(conversation).await,
            RoutingInput::Adopt { conversation, agent } => {
                if let Some(c) = self.store.conversation(conversation).await? {
                    if let Some(queue) = self.queue_or_default(&c).await? {
                        self.apply(Event::Restore { conversation, agent, queue, channel: c.channel }).await;
                    }
                }
            }
            RoutingInput::Reconfigure => {
                self.load_queues().await?;
                let available: Vec<AgentId> = self.engine.available_agents().collect();
                for agent in available {
                    self.make_available_if_so(agent).await?;
                }
            }
        }
        Ok(())
    }

    /// An agent's input is a sign they are connected somewhere.
    fn note_agent(&mut self, agent: AgentId) {
        if self.term.is_some() {
            let now = self.now();
            self.attendance.agent_sign(now, agent);
        }
    }

    /// A new conversation joins its queue, held for a few seconds for the
    /// agent the visitor last spoke to.
    pub(super) async fn enqueue(&mut self, conversation: ConversationId) -> Result<()> {
        let Some(c) = self.store.conversation(conversation).await?.filter(|c| c.status == ConversationStatus::Queued) else { return Ok(()) };
        let Some(queue) = self.queue_or_default(&c).await? else { return Ok(()) };
        if self.term.is_some() {
            let now = self.now();
            self.attendance.visitor_sign(now, c.visitor_id);
        }
        let sticky = self.store.last_agent_of(c.visitor_id, c.id).await?;
        let arrival = Arrival { conversation, queue, channel: c.channel, priority: c.priority, entered_at: c.entered_at.max(0) as u64, sticky };
        self.apply(Event::Enqueue(arrival)).await;
        Ok(())
    }

    /// The agent chose a wrap-up code for a conversation in after-contact
    /// work: it must be one of the queue's codes (any text when it has
    /// none).
    pub(super) async fn wrap_up(&mut self, conversation: ConversationId, agent: AgentId, code: &str) -> Result<()> {
        let code = code.trim();
        let queue = self.engine.queue_of(conversation).and_then(|q| self.queues.get(&q));
        let known = queue.is_none_or(|q| q.config.wrap_up_codes.is_empty() || q.config.wrap_up_codes.iter().any(|c| c == code));
        if self.engine.agent_of(conversation) != Some(agent) || !self.engine.in_wrap_up(agent) || code.is_empty() || !known {
            let error = ErrorBody { code: ErrorCode::InvalidState, message: "That conversation has no wrap-up waiting for that code.".into() };
            self.hub.to_agent(agent, AgentEvent::Error { error }).await;
            return Ok(());
        }
        self.store.wrap_up(conversation, agent, code, self.fence()).await?;
        self.apply(Event::WrapUp { conversation }).await;
        self.hub.to_agent(agent, AgentEvent::WrappedUp { conversation_id: conversation }).await;
        Ok(())
    }

    /// Wall-clock milliseconds: the engine's clock, the same on every node,
    /// so times of entry read from the store keep their meaning.
    pub(super) fn now(&self) -> u64 {
        now_ms().max(0) as u64
    }

    /// Once a second: business hours, queue metrics and, in a cluster, the
    /// news for the other nodes and who is still connected anywhere.
    async fn housekeeping(&mut self) {
        let wall = now_ms();
        let changed: Vec<(Queue, bool)> = {
            let told = lock(&self.shared.open);
            self.queues
                .values()
                .filter_map(|q| {
                    let open = setup::open_at(q, wall);
                    (told.get(&q.id) != Some(&open)).then(|| (q.clone(), open))
                })
                .collect()
        };
        for (queue, open) in changed {
            tracing::info!(queue = %queue.id, open, "a queue's business hours began or ended");
            lock(&self.shared.open).insert(queue.id, open);
            self.apply(Event::ConfigureQueue { queue: queue.id, spec: setup::spec_of(&queue, open) }).await;
        }
        for q in self.engine.queues() {
            let queue = q.queue.to_string();
            metrics::gauge!("rapport_queue_depth", "queue" => queue.clone()).set(q.waiting as f64);
            metrics::gauge!("rapport_queue_agents_available", "queue" => queue.clone()).set(f64::from(q.staffed));
            let longest = q.first.and_then(|c| self.waiting.get(&c)).map_or(0.0, |c| (wall - c.entered_at).max(0) as f64 / 1000.0);
            metrics::gauge!("rapport_queue_longest_wait_seconds", "queue" => queue).set(longest);
        }
        if let Err(e) = self.take_in_due_callbacks().await {
            tracing::error!(error = %e, "could not take in the callbacks that are due");
        }
        let Some(term) = self.term.clone() else { return };
        let news = RoutingNews {
            owner: term.node.clone(),
            epoch: term.epoch as u64,
            staffed: self.engine.staffing().filter(|(_, any)| *any).map(|(site, _)| site).collect(),
            waiting: self.waiting.values().map(|c| c.visitor_id).collect(),
        };
        *lock(&self.shared.waiting) = news.waiting.clone();
        *lock(&self.shared.heard) = Some(Instant::now());
        term.bus.publish(subjects::ROUTING_NEWS.to_string(), &news).await;

        let now = self.now();
        for node in self.attendance.expire(now) {
            tracing::warn!(%node, "a node went silent: whom it held count as gone");
        }
        metrics::gauge!("rapport_cluster_nodes").set((self.attendance.node_count() + 1) as f64);
        if let Err(e) = self.reconcile_attendance(now).await {
            tracing::error!(error = %e, "could not reconcile who is connected");
        }
    }

    /// Brings the engine in line with who is connected on any node: agents
    /// seen (since they were last reported unavailable) are looked up and
    /// made available if they are; available agents and waiting visitors
    /// nobody holds any more are let go (after a grace period at the start
    /// of the term, while the first heartbeats arrive).
    async fn reconcile_attendance(&mut self, now: u64) -> Result<()> {
        let local: HashSet<AgentId> = self.hub.connected_agents().into_iter().collect();
        let seen: HashSet<AgentId> = local.iter().copied().chain(self.attendance.agents()).collect();
        for agent in seen {
            let stale = self.unavailable_at.get(&agent).is_some_and(|at| now.saturating_sub(*at) < GRACE_MS);
            let recent = self.looked_up.get(&agent).is_some_and(|at| now.saturating_sub(*at) < RECHECK_AGENT_MS);
            if !self.engine.is_available(agent) && !stale && !recent {
                self.make_available_if_so(agent).await?;
            }
        }
        // The engine's clock is wall-clock time, so the grace is counted
        // from the rebuild, not from zero.
        if now.saturating_sub(self.restored_at) < GRACE_MS {
            return Ok(());
        }
        let gone: Vec<AgentId> = self.engine.available_agents().filter(|a| !local.contains(a) && !self.attendance.has_agent(*a)).collect();
        for agent in gone {
            tracing::info!(%agent, "an available agent is connected nowhere: unavailable");
            self.apply(Event::AgentUnavailable { agent }).await;
        }
        let waiting: Vec<(ConversationId, protocol::VisitorId)> = self.waiting.values().filter(|c| c.is_chat()).map(|c| (c.id, c.visitor_id)).collect();
        for (conversation, visitor) in waiting {
            let here = self.hub.visitor_is_connected(visitor) || self.attendance.has_visitor(visitor);
            match (here, self.engine.visitor_gone(conversation)) {
                (false, false) => self.apply(Event::VisitorLeft { conversation }).await,
                (true, true) => self.apply(Event::VisitorReturned { conversation }).await,
                _ => {}
            }
        }
        Ok(())
    }

    /// Takes in queued conversations the engine does not know (their
    /// enqueue was lost while no node owned routing, or the bus was away).
    async fn reconcile_queue(&mut self) {
        let queued = match self.store.conversations_with_status(ConversationStatus::Queued).await {
            Ok(queued) => queued,
            Err(e) => return tracing::error!(error = %e, "could not read the queue"),
        };
        for c in queued {
            if self.engine.position(c.id).is_none() {
                tracing::info!(conversation = %c.id, "a queued conversation routing had not heard of joins the queue");
                if let Err(e) = self.enqueue(c.id).await {
                    tracing::error!(conversation = %c.id, error = %e, "could not take in a queued conversation");
                }
            }
        }
    }

    pub(super) async fn tell_position(&mut self, conversation: ConversationId) {
        if let Some(position) = self.engine.position(conversation) {
            self.tell_place(conversation, position).await;
        }
    }

    /// Tells the visitor their place, known already, and expected wait.
    pub(super) async fn tell_place(&mut self, conversation: ConversationId, position: u32) {
        if self.waiting.get(&conversation).is_some_and(|c| !c.is_chat()) {
            if let Err(e) = self.tell_callback(conversation).await {
                tracing::error!(%conversation, error = %e, "could not tell a callback's place");
            }
            return;
        }
        if let Some(c) = self.waiting.get(&conversation) {
            let wait = self.wait_secs(conversation);
            self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(Some(position), wait) }).await;
        }
    }

    /// The engine's wait estimate in whole seconds, rounded up.
    pub(super) fn wait_secs(&self, conversation: ConversationId) -> Option<u32> {
        self.engine.estimated_wait(conversation).map(|ms| ms.div_ceil(1000).min(u64::from(u32::MAX)) as u32)
    }
}
