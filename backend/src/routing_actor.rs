//! Feeds the routing engine and carries out its decisions.
//!
//! One task owns the [`routing::Engine`]: every event reaches it through a
//! channel, so decisions are made one at a time (race-free assignment) and
//! the engine itself stays pure. This module does the I/O the engine must
//! not: it stamps events with the clock, records decisions in the store and
//! tells agents and visitors through the hub.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use protocol::agent::{AgentEvent, Offer};
use protocol::visitor::VisitorEvent;
use protocol::{Author, ConversationId, ConversationStatus, ErrorBody, ErrorCode};
use routing::{AgentId, Decision, Engine, EngineConfig, Event};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::hub::Hub;
use crate::store::{ConversationRecord, Store};

/// Cheap to clone: the way into the routing task.
#[derive(Clone)]
pub struct Routing {
    tx: mpsc::UnboundedSender<Input>,
    shared: Arc<Shared>,
}

/// What reaches the routing task: an engine event, or a request that only
/// re-reads state.
enum Input {
    Route(Event),
    /// The visitor wrote while waiting: re-send the pending offer, if any,
    /// with the new preview.
    RefreshOffer(ConversationId),
}

/// What the routing task publishes for others to read without asking it.
#[derive(Default)]
struct Shared {
    agents_online: AtomicBool,
    positions: Mutex<HashMap<ConversationId, u32>>,
}

impl Routing {
    /// Starts the routing task, restoring queued and active conversations
    /// from the store (a restart loses no place in the queue).
    pub async fn start(store: Store, hub: Hub, config: EngineConfig, shutdown: CancellationToken, tasks: &TaskTracker) -> crate::store::Result<Self> {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::default());
        let mut actor = Actor {
            engine: Engine::new(config),
            store,
            hub,
            shared: shared.clone(),
            started: Instant::now(),
            followups: VecDeque::new(),
            waiting: HashMap::new(),
        };
        actor.restore().await?;
        tasks.spawn(actor.run(rx, shutdown));
        Ok(Self { tx, shared })
    }

    pub fn send(&self, event: Event) {
        // Fails only after shutdown, when nothing is routed any more.
        let _ = self.tx.send(Input::Route(event));
    }

    /// Re-sends the conversation's pending offer with what the visitor has
    /// written since; nothing happens when it is not on offer.
    pub fn refresh_offer(&self, conversation: ConversationId) {
        let _ = self.tx.send(Input::RefreshOffer(conversation));
    }

    pub fn agents_online(&self) -> bool {
        self.shared.agents_online.load(Ordering::Relaxed)
    }

    /// The conversation's place in the queue as last decided.
    pub fn position(&self, conversation: ConversationId) -> Option<u32> {
        self.shared.positions.lock().unwrap_or_else(|p| p.into_inner()).get(&conversation).copied()
    }
}

struct Actor {
    engine: Engine,
    store: Store,
    hub: Hub,
    shared: Arc<Shared>,
    started: Instant,
    /// Events the actor itself raises while carrying out decisions.
    followups: VecDeque<Event>,
    /// Queued conversations as last read from the store. Queue positions
    /// change for every waiting visitor whenever one leaves the queue, so
    /// reading each from the store made a burst of arrivals quadratic.
    waiting: HashMap<ConversationId, ConversationRecord>,
}

impl Actor {
    async fn restore(&mut self) -> crate::store::Result<()> {
        for c in self.store.conversations_with_status(ConversationStatus::Active).await? {
            if let Some(agent) = c.agent_id {
                self.engine.handle(0, Event::Restore { conversation: c.id, agent });
            }
        }
        for c in self.store.conversations_with_status(ConversationStatus::Queued).await? {
            self.apply(Event::Enqueue { conversation: c.id }).await;
        }
        Ok(())
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Input>, shutdown: CancellationToken) {
        loop {
            let deadline = self.engine.next_deadline().map(|ms| self.started + Duration::from_millis(ms));
            tokio::select! {
                _ = shutdown.cancelled() => break,
                event = rx.recv() => match event {
                    Some(Input::Route(event)) => self.apply(event).await,
                    Some(Input::RefreshOffer(conversation)) => self.refresh_offer(conversation).await,
                    None => break,
                },
                _ = async { tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)).await }, if deadline.is_some() => {
                    self.apply(Event::Tick).await;
                }
            }
        }
        tracing::debug!("routing task stopped");
    }

    fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    async fn apply(&mut self, event: Event) {
        self.followups.push_back(event);
        while let Some(event) = self.followups.pop_front() {
            if let Event::Release { conversation } = event {
                self.forget_position(conversation);
            }
            let now = self.now();
            for decision in self.engine.handle(now, event) {
                if let Err(e) = self.carry_out(decision.clone()).await {
                    tracing::error!(?decision, error = %e, "could not carry out a routing decision");
                }
            }
        }
        self.shared.agents_online.store(self.engine.any_agent_available(), Ordering::Relaxed);
    }

    async fn carry_out(&mut self, decision: Decision) -> crate::store::Result<()> {
        match decision {
            Decision::Offer { conversation, agent, expires_at } => {
                self.store.record_event(conversation, "offered", Some(agent)).await?;
                self.send_offer(conversation, agent, expires_at).await?;
            }
            Decision::Revoke { conversation, agent } => {
                self.store.record_event(conversation, "offer_revoked", Some(agent)).await?;
                self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation });
            }
            Decision::Assign { conversation, agent } => {
                if !self.store.assign_conversation(conversation, agent).await? {
                    self.followups.push_back(Event::Release { conversation });
                    self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation });
                    return Ok(());
                }
                self.forget_position(conversation);
                let Some(c) = self.store.conversation(conversation).await? else { return Ok(()) };
                let messages = self.store.messages_after(conversation, 0).await?;
                self.hub.to_agent(agent, AgentEvent::Conversation { conversation: c.summary() });
                self.hub.to_agent(agent, AgentEvent::History { conversation_id: conversation, messages });
                self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(None) });
            }
            Decision::RefuseAccept { conversation, agent } => {
                let error = ErrorBody { code: ErrorCode::InvalidState, message: "That chat is no longer offered to you.".into() };
                self.hub.to_agent(agent, AgentEvent::Error { error });
                self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation });
            }
            Decision::Position { conversation, position } => {
                self.shared.positions.lock().unwrap_or_else(|p| p.into_inner()).insert(conversation, position);
                let record = match self.waiting.get(&conversation) {
                    Some(c) => Some(c.clone()),
                    None => self.open_conversation(conversation).await?,
                };
                if let Some(c) = record {
                    self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(Some(position)) });
                    self.waiting.insert(conversation, c);
                }
            }
        }
        Ok(())
    }

    /// The conversation if it still waits; otherwise routing is told to let
    /// it go (it ended while the decision was in flight).
    async fn open_conversation(&mut self, id: ConversationId) -> crate::store::Result<Option<ConversationRecord>> {
        match self.store.conversation(id).await? {
            Some(c) if c.status == ConversationStatus::Queued => Ok(Some(c)),
            _ => {
                self.forget_position(id);
                self.followups.push_back(Event::Release { conversation: id });
                Ok(None)
            }
        }
    }

    fn forget_position(&mut self, id: ConversationId) {
        self.waiting.remove(&id);
        self.shared.positions.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }

    async fn refresh_offer(&mut self, conversation: ConversationId) {
        if let Some((agent, expires_at)) = self.engine.offer_of(conversation) {
            if let Err(e) = self.send_offer(conversation, agent, expires_at).await {
                tracing::error!(conversation, error = %e, "could not refresh an offer");
            }
        }
        // Finding the chat closed queues its release.
        if let Some(event) = self.followups.pop_front() {
            self.apply(event).await;
        }
    }

    /// Tells the agent about the offer (again, when the preview changed):
    /// who asks, what they wrote so far, and the time left to answer.
    async fn send_offer(&mut self, conversation: ConversationId, agent: AgentId, expires_at: u64) -> crate::store::Result<()> {
        let Some(c) = self.open_conversation(conversation).await? else { return Ok(()) };
        let preview = self.preview(&c).await?;
        let expires_in_ms = expires_at.saturating_sub(self.now()).min(u32::MAX as u64) as u32;
        self.hub.to_agent(agent, AgentEvent::Offer { offer: Offer { conversation_id: conversation, visitor: c.visitor_card(), preview, expires_in_ms } });
        Ok(())
    }

    /// What the visitor wrote so far, shortened, so the agent can judge the
    /// chat before accepting it.
    async fn preview(&self, c: &ConversationRecord) -> crate::store::Result<String> {
        let messages = self.store.messages_after(c.id, 0).await?;
        let text = messages.iter().filter(|m| m.author == Author::Visitor).map(|m| m.text.as_str()).collect::<Vec<_>>().join(" · ");
        Ok(if text.chars().count() > 200 { format!("{}…", text.chars().take(200).collect::<String>()) } else { text })
    }
}
