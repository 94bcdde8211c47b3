//! The routing task itself: the engine, its clock, and the carrying out of
//! each decision (store first, then the hub).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use protocol::agent::{AgentEvent, Offer, Presence};
use protocol::visitor::VisitorEvent;
use protocol::{AgentId, ConversationId, ConversationStatus, ErrorBody, ErrorCode, HISTORY_PAGE};
use routing::{Decision, Engine, EngineConfig, Event};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{lock, Input, Shared};
use crate::hub::Hub;
use crate::store::{ConversationRecord, EndReason, Result, Store};

/// How often queue positions that moved are told to visitors.
const POSITIONS_EVERY: Duration = Duration::from_secs(1);
/// Visitor messages that make up an offer's preview...
const PREVIEW_MESSAGES: usize = 3;
/// ...cut to this many characters (the newest kept).
const PREVIEW_CHARS: usize = 200;

pub struct Actor {
    engine: Engine,
    store: Store,
    hub: Hub,
    shared: Arc<Shared>,
    started: Instant,
    /// Events the actor itself raises while carrying out decisions.
    followups: VecDeque<Event>,
    /// Queued conversations as read when they joined the queue, to tell
    /// their visitors about moves without reading the store each time.
    waiting: HashMap<ConversationId, ConversationRecord>,
}

impl Actor {
    /// A fresh engine holding what the store and the hub say is true now:
    /// chats in progress, agents connected and available, the queue.
    pub async fn restore(store: Store, hub: Hub, config: EngineConfig, shared: Arc<Shared>) -> Result<Self> {
        let mut actor = Actor { engine: Engine::new(config), store, hub, shared, started: Instant::now(), followups: VecDeque::new(), waiting: HashMap::new() };
        for c in actor.store.conversations_with_status(ConversationStatus::Active).await? {
            if let Some(agent) = c.agent_id {
                actor.apply(Event::Restore { conversation: c.id, agent }).await;
            }
        }
        for id in actor.hub.connected_agents() {
            if let Some(agent) = actor.store.agent(id).await?.filter(|a| !a.disabled && a.presence == Presence::Available) {
                actor.apply(Event::AgentAvailable { agent: id, capacity: agent.capacity, sites: agent.sites }).await;
            }
        }
        for c in actor.store.conversations_with_status(ConversationStatus::Queued).await? {
            let (id, visitor) = (c.id, c.visitor_id);
            actor.apply(Event::Enqueue { conversation: id, site: c.site_id }).await;
            // After a restart nobody is connected yet: each waiting visitor
            // has the usual time to come back before counting as abandoned.
            if !actor.hub.visitor_is_connected(visitor) {
                actor.apply(Event::VisitorLeft { conversation: id }).await;
            }
        }
        Ok(actor)
    }

    pub async fn run(&mut self, inbox: &mut mpsc::Receiver<Input>, shutdown: &CancellationToken) {
        let mut positions = tokio::time::interval(POSITIONS_EVERY);
        loop {
            let deadline = self.engine.next_deadline().map(|ms| self.started + Duration::from_millis(ms));
            tokio::select! {
                _ = shutdown.cancelled() => break,
                input = inbox.recv() => match input {
                    Some(input) => self.take(input).await,
                    None => break,
                },
                _ = async { tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)).await }, if deadline.is_some() => {
                    self.apply(Event::Tick).await;
                }
                _ = positions.tick() => self.tell_positions(),
            }
        }
    }

    async fn take(&mut self, input: Input) {
        match input {
            Input::Route(event) => self.apply(event).await,
            Input::VisitorLeft { conversation, visitor } => {
                // A new tab may have opened since the last one closed.
                if !self.hub.visitor_is_connected(visitor) {
                    self.apply(Event::VisitorLeft { conversation }).await;
                }
            }
            Input::RefreshOffer(conversation) => self.refresh_offer(conversation).await,
            Input::Crash => panic!("the routing task was asked to crash (a test of its supervisor)"),
        }
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
            tracing::debug!(?event, "routing event");
            for decision in self.engine.handle(now, event) {
                tracing::debug!(?decision, "routing decision");
                if let Err(e) = self.carry_out(decision.clone()).await {
                    tracing::error!(?decision, error = %e, "could not carry out a routing decision");
                }
            }
        }
        let mut staffed = lock(&self.shared.staffed);
        for (site, any) in self.engine.staffing() {
            staffed.insert(site, any);
        }
    }

    async fn carry_out(&mut self, decision: Decision) -> Result<()> {
        match decision {
            Decision::Queued { conversation, position } => self.queued(conversation, position).await,
            Decision::Offer { conversation, agent, expires_at } => {
                self.store.record_event(conversation, "offered", Some(agent)).await?;
                self.send_offer(conversation, agent, expires_at).await
            }
            Decision::Revoke { conversation, agent } => {
                self.store.record_event(conversation, "offer_revoked", Some(agent)).await?;
                self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation });
                Ok(())
            }
            Decision::Assign { conversation, agent } => self.assign(conversation, agent).await,
            Decision::RefuseAccept { conversation, agent } => {
                let error = ErrorBody { code: ErrorCode::InvalidState, message: "That chat is no longer offered to you.".into() };
                self.hub.to_agent(agent, AgentEvent::Error { error });
                self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation });
                Ok(())
            }
            Decision::Abandon { conversation } => self.abandon(conversation).await,
        }
    }

    async fn queued(&mut self, conversation: ConversationId, position: u32) -> Result<()> {
        lock(&self.shared.positions).insert(conversation, position);
        if let Some(c) = self.open_conversation(conversation).await? {
            self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(Some(position)) });
            self.waiting.insert(conversation, c);
        }
        Ok(())
    }

    async fn assign(&mut self, conversation: ConversationId, agent: AgentId) -> Result<()> {
        if !self.store.assign_conversation(conversation, agent).await? {
            // It ended while the accept was on its way.
            self.followups.push_back(Event::Release { conversation });
            self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation });
            return Ok(());
        }
        self.forget_position(conversation);
        let Some(c) = self.store.conversation(conversation).await? else { return Ok(()) };
        let messages = self.store.messages_before(conversation, u64::MAX, HISTORY_PAGE).await?;
        self.hub.to_agent(agent, AgentEvent::Conversation { conversation: c.summary() });
        self.hub.to_agent(agent, AgentEvent::History { conversation_id: conversation, reset: true, messages });
        self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(None) });
        Ok(())
    }

    async fn abandon(&mut self, conversation: ConversationId) -> Result<()> {
        self.forget_position(conversation);
        self.store.end_conversation(conversation, EndReason::Abandoned, None).await?;
        tracing::info!(%conversation, "a waiting visitor left; conversation abandoned");
        if let Some(c) = self.store.conversation(conversation).await? {
            self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(None) });
        }
        Ok(())
    }

    /// Tells every waiting visitor whose place moved where they are now.
    fn tell_positions(&mut self) {
        for (conversation, position) in self.engine.changed_positions() {
            lock(&self.shared.positions).insert(conversation, position);
            if let Some(c) = self.waiting.get(&conversation) {
                self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(Some(position)) });
            }
        }
    }

    /// The conversation if it still waits; otherwise routing is told to let
    /// it go (it ended while the decision was in flight).
    async fn open_conversation(&mut self, id: ConversationId) -> Result<Option<ConversationRecord>> {
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
        lock(&self.shared.positions).remove(&id);
    }

    async fn refresh_offer(&mut self, conversation: ConversationId) {
        if let Some((agent, expires_at)) = self.engine.offer_of(conversation) {
            if let Err(e) = self.send_offer(conversation, agent, expires_at).await {
                tracing::error!(%conversation, error = %e, "could not refresh an offer");
            }
        }
        // Finding the chat closed queues its release.
        if let Some(event) = self.followups.pop_front() {
            self.apply(event).await;
        }
    }

    /// Tells the agent about the offer (again, when the preview changed):
    /// who asks, what they wrote last, and the time left to answer.
    async fn send_offer(&mut self, conversation: ConversationId, agent: AgentId, expires_at: u64) -> Result<()> {
        let Some(c) = self.open_conversation(conversation).await? else { return Ok(()) };
        let preview = preview(&self.store.latest_visitor_texts(conversation, PREVIEW_MESSAGES).await?);
        let expires_in_ms = expires_at.saturating_sub(self.now()).min(u64::from(u32::MAX)) as u32;
        self.hub.to_agent(agent, AgentEvent::Offer { offer: Offer { conversation_id: conversation, visitor: c.visitor_card(), preview, expires_in_ms } });
        Ok(())
    }
}

/// The visitor's last few messages as one line, the newest end kept when
/// it is too long.
fn preview(texts: &[String]) -> String {
    let text = texts.join(" · ");
    let n = text.chars().count();
    if n > PREVIEW_CHARS {
        format!("…{}", text.chars().skip(n - PREVIEW_CHARS).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_keep_the_newest_words() {
        assert_eq!(preview(&["hi".into(), "where is my order?".into()]), "hi · where is my order?");
        let long = preview(&["x".repeat(300), "the question".into()]);
        assert!(long.ends_with("the question"));
        assert_eq!(long.chars().count(), PREVIEW_CHARS + 1);
    }
}
