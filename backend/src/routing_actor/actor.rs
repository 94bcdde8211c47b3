//! The routing task itself: the engine, its clock, and the carrying out of
//! each decision (store first, then the hub).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use protocol::agent::{AgentEvent, Offer, Presence};
use protocol::cluster::RoutingNews;
use protocol::visitor::VisitorEvent;
use protocol::{AgentId, ConversationId, ConversationStatus, ErrorBody, ErrorCode, HISTORY_PAGE};
use routing::{Decision, Engine, Event};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::attendance::{Attendance, GRACE_MS};
use super::supervisor::Rebuild;
use super::{lock, Input, Shared};
use crate::bus::{subjects, Bus};
use crate::hub::Hub;
use crate::store::leases::{Fence, ROUTING};
use crate::store::{now_ms, ConversationRecord, Result, Store, StoreError};

/// How often queue positions that moved are told to visitors.
const POSITIONS_EVERY: Duration = Duration::from_secs(1);
/// How often the owner of a cluster's routing publishes its news, checks
/// who is still connected, and updates the queue metrics.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(1);
/// How often a cluster's owner compares its queue with the database's,
/// taking in conversations whose enqueue was lost on the way.
const RECONCILE_EVERY: Duration = Duration::from_secs(10);
/// An agent seen connected but not available is looked up at most this
/// often.
const RECHECK_AGENT_MS: u64 = 10_000;
/// Visitor messages that make up an offer's preview...
const PREVIEW_MESSAGES: usize = 3;
/// ...cut to this many characters (the newest kept).
const PREVIEW_CHARS: usize = 200;

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
    engine: Engine,
    store: Store,
    hub: Hub,
    shared: Arc<Shared>,
    started: Instant,
    term: Option<Term>,
    /// Who other nodes hold (cluster only).
    attendance: Attendance,
    /// When each agent was last reported unavailable, and last looked up.
    unavailable_at: HashMap<AgentId, u64>,
    looked_up: HashMap<AgentId, u64>,
    /// Set when a write was refused because the term is over.
    fenced: bool,
    /// Events the actor itself raises while carrying out decisions.
    followups: VecDeque<Event>,
    /// Queued conversations as read when they joined the queue, to tell
    /// their visitors about moves without reading the store each time.
    waiting: HashMap<ConversationId, ConversationRecord>,
}

impl Actor {
    /// A fresh engine holding what the store and the hub say is true now:
    /// chats in progress, agents connected and available, the queue. In a
    /// cluster, `term` is the lease this node holds; agents and visitors of
    /// other nodes join as their heartbeats arrive.
    pub async fn restore(rebuild: &Rebuild, term: Option<Term>) -> Result<Self> {
        let mut actor = Actor {
            engine: Engine::new(rebuild.config.clone()),
            store: rebuild.store.clone(),
            hub: rebuild.hub.clone(),
            shared: rebuild.shared.clone(),
            started: Instant::now(),
            term,
            attendance: Attendance::default(),
            unavailable_at: HashMap::new(),
            looked_up: HashMap::new(),
            fenced: false,
            followups: VecDeque::new(),
            waiting: HashMap::new(),
        };
        lock(&actor.shared.positions).clear();
        for c in actor.store.conversations_with_status(ConversationStatus::Active).await? {
            if let Some(agent) = c.agent_id {
                actor.apply(Event::Restore { conversation: c.id, agent }).await;
            }
        }
        for id in actor.hub.connected_agents() {
            actor.make_available_if_so(id).await?;
        }
        for c in actor.store.conversations_with_status(ConversationStatus::Queued).await? {
            let (id, visitor) = (c.id, c.visitor_id);
            actor.apply(Event::Enqueue { conversation: id, site: c.site_id }).await;
            // After a restart nobody is connected yet: each waiting visitor
            // has the usual time to come back before counting as abandoned.
            // (In a cluster the other nodes' heartbeats decide, shortly.)
            if actor.term.is_none() && !actor.hub.visitor_is_connected(visitor) {
                actor.apply(Event::VisitorLeft { conversation: id }).await;
            }
        }
        Ok(actor)
    }

    pub fn term(&self) -> Option<&Term> {
        self.term.as_ref()
    }

    fn fence(&self) -> Option<Fence> {
        self.term.as_ref().map(Term::fence)
    }

    /// Tells the engine the agent is available if the store says so.
    async fn make_available_if_so(&mut self, id: AgentId) -> Result<()> {
        self.looked_up.insert(id, self.now());
        if let Some(agent) = self.store.agent(id).await?.filter(|a| !a.disabled && a.presence == Presence::Available) {
            self.apply(Event::AgentAvailable { agent: id, capacity: agent.capacity, sites: agent.sites }).await;
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
            let deadline = self.engine.next_deadline().map(|ms| self.started + Duration::from_millis(ms));
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
            Input::Route(event) => {
                let returned = match event {
                    Event::VisitorReturned { conversation } => Some(conversation),
                    _ => None,
                };
                self.apply(event).await;
                // A visitor back on another node has not heard their place.
                if let Some(conversation) = returned {
                    self.tell_position(conversation).await;
                }
            }
            Input::VisitorLeft { conversation, visitor } => {
                // A new tab may have opened since the last one closed. In a
                // cluster another node may hold one: housekeeping decides
                // from the heartbeats within a second or two.
                if self.term.is_none() && !self.hub.visitor_is_connected(visitor) {
                    self.apply(Event::VisitorLeft { conversation }).await;
                }
            }
            Input::RefreshOffer(conversation) => self.refresh_offer(conversation).await,
            Input::Heartbeat(beat) => {
                let now = self.now();
                self.attendance.heartbeat(now, beat);
            }
            Input::Crash => panic!("the routing task was asked to crash (a test of its supervisor)"),
        }
    }

    fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// An input about an agent or a visitor is a sign they are connected
    /// somewhere (or, for unavailability, that they went).
    fn note_signs(&mut self, event: &Event) {
        if self.term.is_none() {
            return;
        }
        let now = self.now();
        match event {
            Event::AgentAvailable { agent, .. } => self.attendance.agent_sign(now, *agent),
            Event::AgentUnavailable { agent } => {
                self.unavailable_at.insert(*agent, now);
            }
            Event::VisitorReturned { conversation } | Event::Enqueue { conversation, .. } => {
                if let Some(c) = self.waiting.get(conversation) {
                    self.attendance.visitor_sign(now, c.visitor_id);
                }
            }
            _ => {}
        }
    }

    /// Once a second: queue metrics and, in a cluster, the news for the
    /// other nodes and who is still connected anywhere.
    async fn housekeeping(&mut self) {
        let wall = now_ms();
        for (site, depth, first) in self.engine.queues() {
            let site = site.to_string();
            metrics::gauge!("rapport_queue_depth", "site" => site.clone()).set(depth as f64);
            let longest = first.and_then(|c| self.waiting.get(&c)).map_or(0.0, |c| (wall - c.created_at).max(0) as f64 / 1000.0);
            metrics::gauge!("rapport_queue_longest_wait_seconds", "site" => site).set(longest);
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
        if now < GRACE_MS {
            return Ok(());
        }
        let gone: Vec<AgentId> = self.engine.available_agents().filter(|a| !local.contains(a) && !self.attendance.has_agent(*a)).collect();
        for agent in gone {
            tracing::info!(%agent, "an available agent is connected nowhere: unavailable");
            self.apply(Event::AgentUnavailable { agent }).await;
        }
        let waiting: Vec<(ConversationId, protocol::VisitorId)> = self.waiting.values().map(|c| (c.id, c.visitor_id)).collect();
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
                self.apply(Event::Enqueue { conversation: c.id, site: c.site_id }).await;
            }
        }
    }

    async fn tell_position(&mut self, conversation: ConversationId) {
        if let (Some(position), Some(c)) = (self.engine.position(conversation), self.waiting.get(&conversation)) {
            self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(Some(position)) }).await;
        }
    }

    async fn apply(&mut self, event: Event) {
        self.note_signs(&event);
        self.followups.push_back(event);
        while let Some(event) = self.followups.pop_front() {
            if let Event::Release { conversation } = event {
                self.forget_position(conversation);
            }
            let now = self.now();
            tracing::debug!(?event, "routing event");
            for decision in self.engine.handle(now, event) {
                tracing::debug!(?decision, "routing decision");
                metrics::counter!("rapport_routing_decisions_total", "decision" => decision_kind(&decision)).increment(1);
                if self.fenced {
                    continue;
                }
                match self.carry_out(decision.clone()).await {
                    Ok(()) => {}
                    Err(StoreError::Fenced { epoch, current, .. }) => {
                        metrics::counter!("rapport_routing_fenced_writes_total").increment(1);
                        tracing::warn!(epoch, ?current, ?decision, "routing moved to another node: this node's late decision was refused");
                        self.fenced = true;
                    }
                    Err(e) => tracing::error!(?decision, error = %e, "could not carry out a routing decision"),
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
                self.store.record_routing_event(conversation, "offered", Some(agent), self.fence()).await?;
                self.send_offer(conversation, agent, expires_at).await
            }
            Decision::Revoke { conversation, agent } => {
                self.store.record_routing_event(conversation, "offer_revoked", Some(agent), self.fence()).await?;
                self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation }).await;
                Ok(())
            }
            Decision::Assign { conversation, agent } => self.assign(conversation, agent).await,
            Decision::RefuseAccept { conversation, agent } => {
                let error = ErrorBody { code: ErrorCode::InvalidState, message: "That chat is no longer offered to you.".into() };
                self.hub.to_agent(agent, AgentEvent::Error { error }).await;
                self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation }).await;
                Ok(())
            }
            Decision::Abandon { conversation } => self.abandon(conversation).await,
        }
    }

    async fn queued(&mut self, conversation: ConversationId, position: u32) -> Result<()> {
        lock(&self.shared.positions).insert(conversation, position);
        if let Some(c) = self.open_conversation(conversation).await? {
            self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(Some(position)) }).await;
            self.waiting.insert(conversation, c);
        }
        Ok(())
    }

    async fn assign(&mut self, conversation: ConversationId, agent: AgentId) -> Result<()> {
        if !self.store.assign_conversation(conversation, agent, self.fence()).await? {
            // It ended while the accept was on its way.
            self.followups.push_back(Event::Release { conversation });
            self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation }).await;
            return Ok(());
        }
        self.forget_position(conversation);
        let Some(c) = self.store.conversation(conversation).await? else { return Ok(()) };
        let messages = self.store.messages_before(conversation, u64::MAX, HISTORY_PAGE).await?;
        self.hub.to_agent(agent, AgentEvent::Conversation { conversation: c.summary() }).await;
        self.hub.to_agent(agent, AgentEvent::History { conversation_id: conversation, reset: true, messages }).await;
        self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(None) }).await;
        Ok(())
    }

    async fn abandon(&mut self, conversation: ConversationId) -> Result<()> {
        self.forget_position(conversation);
        if !self.store.abandon_conversation(conversation, self.fence()).await? {
            return Ok(());
        }
        tracing::info!(%conversation, "a waiting visitor left; conversation abandoned");
        if let Some(c) = self.store.conversation(conversation).await? {
            self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(None) }).await;
        }
        Ok(())
    }

    /// Tells every waiting visitor whose place moved where they are now.
    async fn tell_positions(&mut self) {
        for (conversation, position) in self.engine.changed_positions() {
            lock(&self.shared.positions).insert(conversation, position);
            if let Some(c) = self.waiting.get(&conversation) {
                self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(Some(position)) }).await;
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
        self.hub.to_agent(agent, AgentEvent::Offer { offer: Offer { conversation_id: conversation, visitor: c.visitor_card(), preview, expires_in_ms } }).await;
        Ok(())
    }
}

fn decision_kind(decision: &Decision) -> &'static str {
    match decision {
        Decision::Queued { .. } => "queued",
        Decision::Offer { .. } => "offer",
        Decision::Revoke { .. } => "revoke",
        Decision::Assign { .. } => "assign",
        Decision::RefuseAccept { .. } => "refuse_accept",
        Decision::Abandon { .. } => "abandon",
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
