//! The engine's state and transitions: one method per event.
//!
//! Indexes that keep every event's cost independent of the number of
//! agents and waiting conversations:
//! - per queue, the waiting conversations open to any agent, grouped by
//!   the skill level they require now and ordered by (priority, first entry)
//!   ([`crate::line::Line`]): the best conversation for a free agent is the
//!   best of at most six group heads per queue the agent serves;
//! - per queue, the free agents grouped by qualification and ordered by the
//!   queue's strategy ([`crate::pool::Pool`]): the best agent for a
//!   conversation is the best of at most six group heads;
//! - per agent, the conversations held for them (sticky or transferred);
//! - every deadline (offer, hold, relaxation, maximum wait, abandonment,
//!   wrap-up) in one ordered set, so a tick touches only what is due.
//!
//! After every event, no open waiting conversation and free eligible agent
//! could be matched: an event only creates new pairs around the agents and
//! conversations it touched, so matching looks only at those ([`Work`]).
//! Only configuring a queue costs the size of that queue.

mod dispatch;
mod index;
mod query;

pub use query::QueueState;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::line::{Line, Place, Ticket};
use crate::pool::Pool;
use crate::spec::{AgentProfile, Level, QueueSpec};
use crate::Channel;
use crate::{AgentId, Arrival, Beyond, ConversationId, Decision, Event, Millis, QueueId, TransferRefused};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// How long an agent has to accept an offer.
    pub offer_timeout_ms: Millis,
    /// How long a waiting visitor may be without any open connection before
    /// their conversation is abandoned.
    pub abandon_after_ms: Millis,
    /// How long a returning visitor's conversation is held for the agent
    /// they last spoke to.
    pub sticky_ms: Millis,
    /// Units of an agent's capacity a chat occupies...
    pub chat_cost: u32,
    /// ...and a callback.
    pub callback_cost: u32,
    /// The handle time wait estimates assume until a queue has its own.
    pub default_handle_ms: Millis,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self { offer_timeout_ms: 30_000, abandon_after_ms: 120_000, sticky_ms: 10_000, chat_cost: 1, callback_cost: 3, default_handle_ms: 300_000 }
    }
}

impl EngineConfig {
    pub fn cost(&self, channel: Channel) -> u32 {
        match channel {
            Channel::Chat => self.chat_cost,
            Channel::Callback => self.callback_cost,
        }
    }
}

/// Where a transfer sends a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Agent(AgentId),
    Queue(QueueId),
}

/// How many recent handle times a queue's wait estimate averages.
const HANDLE_TIMES_KEPT: usize = 50;

#[derive(Clone, Debug)]
struct Agent {
    available: bool,
    profile: AgentProfile,
    /// Units occupied by offers, chats and wrap-ups.
    load: u32,
    offers: BTreeSet<ConversationId>,
    /// Conversations handled, in wrap-up or not.
    handling: BTreeSet<ConversationId>,
    /// Waiting conversations this agent declined or let lapse; not offered
    /// to them again until they next become available.
    passed: BTreeSet<ConversationId>,
    /// When the agent last became available or was last offered work.
    last_activity: Millis,
    /// Per queue: the round-robin turn at which the agent was last offered.
    turns: BTreeMap<QueueId, u64>,
}

impl Agent {
    fn new(now: Millis) -> Agent {
        Agent {
            available: false,
            profile: AgentProfile::default(),
            load: 0,
            offers: BTreeSet::new(),
            handling: BTreeSet::new(),
            passed: BTreeSet::new(),
            last_activity: now,
            turns: BTreeMap::new(),
        }
    }

    fn room(&self) -> u32 {
        self.profile.capacity.saturating_sub(self.load)
    }

    fn free(&self) -> bool {
        self.available && self.room() > 0
    }
}

/// A waiting conversation held for one agent: a returning visitor's last
/// agent (`until` the sticky window ends), or a transfer's target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Hold {
    agent: AgentId,
    until: Millis,
    /// A transfer's target (held only while they are available), not a
    /// returning visitor's last agent (held for the whole window).
    directed: bool,
}

#[derive(Clone, Debug)]
struct Waiting {
    arrival: Arrival,
    place: Place,
    /// When it joined this queue: relaxation and the maximum wait count
    /// from here.
    joined_at: Millis,
    level: Level,
    relax_at: Option<Millis>,
    max_wait_at: Option<Millis>,
    offer: Option<(AgentId, Millis)>,
    hold: Option<Hold>,
    /// Since when the visitor has had no open connection.
    gone_since: Option<Millis>,
    /// Agents who declined it or let it lapse.
    passed: BTreeSet<AgentId>,
    /// Overflows so far, to stop a cycle of queues.
    hops: usize,
}

/// A conversation an agent has: in progress, or in after-contact work.
#[derive(Clone, Debug)]
struct Handling {
    agent: AgentId,
    arrival: Arrival,
    since: Millis,
    wrap_up_until: Option<Millis>,
}

#[derive(Clone, Debug)]
struct Queue {
    spec: QueueSpec,
    line: Line,
    pool: Pool,
    handle_times: VecDeque<Millis>,
    /// Round-robin turns given so far.
    turn: u64,
}

/// What is due at a deadline. The order breaks ties between deadlines at
/// the same time: offers lapse before anything else moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    Offer,
    Hold,
    Relax,
    MaxWait,
    Abandon,
    WrapUp,
}

/// Agents and conversations an event touched, to be matched before it
/// returns.
#[derive(Clone, Debug, Default)]
struct Work {
    agents: BTreeSet<AgentId>,
    conversations: BTreeSet<ConversationId>,
}

/// The routing state machine. See the crate docs.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    config: EngineConfig,
    queues: BTreeMap<QueueId, Queue>,
    /// Agents serving each queue, available or not, configured or not yet.
    members: BTreeMap<QueueId, BTreeSet<AgentId>>,
    agents: BTreeMap<AgentId, Agent>,
    waiting: BTreeMap<ConversationId, Waiting>,
    handling: BTreeMap<ConversationId, Handling>,
    /// Conversations held for each agent, in the order they are served.
    held: BTreeMap<AgentId, BTreeSet<(Place, ConversationId)>>,
    deadlines: BTreeSet<(Millis, Due, ConversationId)>,
    next_ticket: Ticket,
    /// The positions last handed out by [`Engine::changed_positions`].
    told_positions: BTreeMap<ConversationId, u32>,
    /// Queues whose order changed since positions were last told.
    positions_dirty: BTreeSet<QueueId>,
    work: Work,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        Self { config, ..Self::default() }
    }

    /// Applies one event at time `now` and returns what must happen.
    pub fn handle(&mut self, now: Millis, event: Event) -> Vec<Decision> {
        let mut out = Vec::new();
        match event {
            Event::ConfigureQueue { queue, spec } => self.configure_queue(queue, spec),
            Event::AgentAvailable { agent, profile } => self.agent_available(now, agent, profile, &mut out),
            Event::AgentUnavailable { agent } => self.agent_unavailable(agent, &mut out),
            Event::Enqueue(arrival) => self.enqueue(now, arrival, &mut out),
            Event::Requeue(arrival) => self.requeue(now, arrival, &mut out),
            Event::Restore { conversation, agent, queue, channel } => self.restore(now, conversation, agent, queue, channel, &mut out),
            Event::Accept { conversation, agent } => self.accept(now, conversation, agent, &mut out),
            Event::Decline { conversation, agent } => self.decline(conversation, agent, &mut out),
            Event::Pick { conversation, agent } => self.pick(now, conversation, agent, &mut out),
            Event::Transfer { conversation, agent, to } => self.transfer(now, conversation, agent, to, &mut out),
            Event::Release { conversation } => self.release(now, conversation, &mut out),
            Event::WrapUp { conversation } => self.wrap_up(now, conversation),
            Event::VisitorLeft { conversation } => self.visitor_left(now, conversation),
            Event::VisitorReturned { conversation } => self.visitor_returned(conversation),
            Event::Tick => self.tick(now, &mut out),
        }
        self.dispatch(now, &mut out);
        out
    }

    fn configure_queue(&mut self, id: QueueId, spec: QueueSpec) {
        let queue = self.queues.entry(id).or_insert_with(|| Queue {
            spec: spec.clone(),
            line: Line::default(),
            pool: Pool::default(),
            handle_times: VecDeque::new(),
            turn: 0,
        });
        queue.spec = spec;
        // Rebuild the queue's pool: the strategy or the skills may have
        // changed every member's key or group.
        queue.pool = Pool::default();
        let members: Vec<AgentId> = self.members.get(&id).map(|m| m.iter().copied().collect()).unwrap_or_default();
        for agent in members {
            self.enter_pool(agent, id);
            self.work.agents.insert(agent);
        }
        // Re-level every waiting conversation of the queue.
        let waiting: Vec<ConversationId> = self.queues[&id].line.order.values().copied().collect();
        for conversation in waiting {
            self.unpark(conversation);
            let Some(w) = self.waiting.get(&conversation) else { continue };
            let joined_at = w.joined_at;
            self.set_level(conversation, joined_at);
            self.park(conversation);
            self.work.conversations.insert(conversation);
        }
    }

    fn agent_available(&mut self, now: Millis, id: AgentId, mut profile: AgentProfile, out: &mut Vec<Decision>) {
        profile.queues.sort();
        profile.queues.dedup();
        self.agents.entry(id).or_insert_with(|| Agent::new(now));
        let before = self.agents[&id].profile.queues.clone();
        for queue in &before {
            if let Some(m) = self.members.get_mut(queue) {
                m.remove(&id);
            }
        }
        for queue in &profile.queues {
            self.members.entry(*queue).or_default().insert(id);
        }
        // Becoming available again is a fresh start for conversations the
        // agent passed on earlier.
        let passed = self.agents.get_mut(&id).map(|a| std::mem::take(&mut a.passed)).unwrap_or_default();
        for conversation in passed {
            if let Some(w) = self.waiting.get_mut(&conversation) {
                w.passed.remove(&id);
                self.work.conversations.insert(conversation);
            }
        }
        self.update_agent(id, |a| {
            if !a.available {
                a.last_activity = now;
            }
            a.available = true;
            a.profile = profile;
        });
        self.work.agents.insert(id);
        // Offers of queues the agent no longer serves go back.
        let foreign: Vec<ConversationId> = match self.agents.get(&id) {
            Some(a) => a.offers.iter().copied().filter(|c| self.waiting.get(c).is_some_and(|w| !a.profile.queues.contains(&w.arrival.queue))).collect(),
            None => Vec::new(),
        };
        for conversation in foreign {
            self.withdraw_offer(conversation, false);
            out.push(Decision::Revoke { conversation, agent: id });
        }
        self.trim_offers(id, out);
    }

    fn agent_unavailable(&mut self, id: AgentId, out: &mut Vec<Decision>) {
        let Some(agent) = self.agents.get(&id) else { return };
        let offers: Vec<ConversationId> = agent.offers.iter().copied().collect();
        self.update_agent(id, |a| a.available = false);
        for conversation in offers {
            self.withdraw_offer(conversation, false);
            out.push(Decision::Revoke { conversation, agent: id });
        }
        // Transfers aimed at the agent go to their queue instead.
        let held: Vec<ConversationId> = self.held.get(&id).map(|h| h.iter().map(|(_, c)| *c).collect()).unwrap_or_default();
        for conversation in held {
            if self.waiting.get(&conversation).is_some_and(|w| w.hold.is_some_and(|h| h.directed)) {
                self.hold_ended(conversation);
            }
        }
    }

    fn enqueue(&mut self, now: Millis, arrival: Arrival, out: &mut Vec<Decision>) {
        if self.waiting.contains_key(&arrival.conversation) || self.handling.contains_key(&arrival.conversation) {
            return;
        }
        let hold = arrival.sticky.filter(|_| self.config.sticky_ms > 0).map(|agent| Hold { agent, until: now + self.config.sticky_ms, directed: false });
        self.join(now, arrival, hold, 0, true, out);
    }

    fn requeue(&mut self, now: Millis, arrival: Arrival, out: &mut Vec<Decision>) {
        if !self.waiting.contains_key(&arrival.conversation) && !self.handling.contains_key(&arrival.conversation) {
            self.join(now, arrival, None, 0, false, out);
        }
    }

    /// Puts a conversation into its arrival's queue, unless the queue is
    /// closed or full (when `checked`): then it overflows or falls back.
    fn join(&mut self, now: Millis, arrival: Arrival, hold: Option<Hold>, hops: usize, checked: bool, out: &mut Vec<Decision>) {
        let conversation = arrival.conversation;
        let Some(queue) = self.queues.get(&arrival.queue) else {
            out.push(Decision::Fallback { conversation, queue: arrival.queue, why: Beyond::NoQueue, fallback: Default::default() });
            return;
        };
        if checked {
            let why = if !queue.spec.open {
                Some(Beyond::Closed)
            } else if queue.spec.max_len.is_some_and(|max| queue.line.len() >= max as usize) {
                Some(Beyond::Full)
            } else {
                None
            };
            if let Some(why) = why {
                return self.beyond(now, arrival, why, hops, out);
            }
        }
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        let priority = i64::from(queue.spec.priority) + i64::from(arrival.priority);
        let place = (std::cmp::Reverse(priority), arrival.entered_at, ticket);
        let max_wait_at = queue.spec.max_wait_ms.map(|ms| now + ms);
        let queue_id = arrival.queue;
        self.waiting.insert(
            conversation,
            Waiting {
                arrival,
                place,
                joined_at: now,
                level: 0,
                relax_at: None,
                max_wait_at,
                offer: None,
                hold,
                gone_since: None,
                passed: BTreeSet::new(),
                hops,
            },
        );
        self.set_level(conversation, now);
        if let Some(at) = max_wait_at {
            self.deadlines.insert((at, Due::MaxWait, conversation));
        }
        if let Some(hold) = hold {
            self.deadlines.insert((hold.until, Due::Hold, conversation));
        }
        if let Some(q) = self.queues.get_mut(&queue_id) {
            q.line.order.insert(place, conversation);
        }
        self.park(conversation);
        let position = self.queues.get(&queue_id).map_or(1, |q| q.line.position(&place));
        self.told_positions.insert(conversation, position);
        self.positions_dirty.insert(queue_id);
        self.work.conversations.insert(conversation);
        out.push(Decision::Queued { conversation, queue: queue_id, position });
    }

    /// A conversation that cannot wait in its queue: on to the overflow
    /// queue if there is one (keeping its first entry), else the fallback.
    fn beyond(&mut self, now: Millis, arrival: Arrival, why: Beyond, hops: usize, out: &mut Vec<Decision>) {
        let Some(queue) = self.queues.get(&arrival.queue) else { return };
        let fallback = queue.spec.fallback;
        match queue.spec.overflow.filter(|to| *to != arrival.queue && hops < self.queues.len()) {
            Some(to) => {
                out.push(Decision::Overflow { conversation: arrival.conversation, from: arrival.queue, to, why });
                self.join(now, Arrival { queue: to, ..arrival }, None, hops + 1, true, out);
            }
            None => out.push(Decision::Fallback { conversation: arrival.conversation, queue: arrival.queue, why, fallback }),
        }
    }

    fn restore(&mut self, now: Millis, conversation: ConversationId, agent: AgentId, queue: QueueId, channel: Channel, out: &mut Vec<Decision>) {
        self.remove_waiting(conversation, out);
        self.free_handling(now, conversation);
        self.agents.entry(agent).or_insert_with(|| Agent::new(now));
        let arrival = Arrival { conversation, queue, channel, priority: 0, entered_at: now, sticky: None };
        self.take_on(now, agent, arrival);
        self.trim_offers(agent, out);
    }

    fn accept(&mut self, now: Millis, conversation: ConversationId, agent: AgentId, out: &mut Vec<Decision>) {
        if !self.holds_offer(conversation, agent) {
            out.push(Decision::RefuseAccept { conversation, agent });
            return;
        }
        let Some(w) = self.forget_waiting(conversation) else { return };
        // The offer's load becomes the chat's.
        let cost = self.config.cost(w.arrival.channel);
        self.update_agent(agent, |a| {
            a.offers.remove(&conversation);
            a.load -= cost.min(a.load);
        });
        self.take_on(now, agent, w.arrival);
        out.push(Decision::Assign { conversation, agent });
    }

    fn decline(&mut self, conversation: ConversationId, agent: AgentId, out: &mut Vec<Decision>) {
        if self.holds_offer(conversation, agent) {
            self.withdraw_offer(conversation, true);
            out.push(Decision::Declined { conversation, agent });
        }
    }

    fn pick(&mut self, now: Millis, conversation: ConversationId, agent: AgentId, out: &mut Vec<Decision>) {
        if !self.may_pick(conversation, agent) {
            out.push(Decision::RefuseAccept { conversation, agent });
            return;
        }
        let Some(w) = self.forget_waiting(conversation) else { return };
        self.take_on(now, agent, w.arrival);
        out.push(Decision::Assign { conversation, agent });
    }

    fn transfer(&mut self, now: Millis, conversation: ConversationId, from: AgentId, to: Target, out: &mut Vec<Decision>) {
        let refuse = |why| Decision::RefuseTransfer { conversation, agent: from, why };
        let Some(h) = self.handling.get(&conversation).filter(|h| h.agent == from && h.wrap_up_until.is_none()) else {
            return out.push(refuse(TransferRefused::NotYours));
        };
        let mut arrival = h.arrival.clone();
        let hold = match to {
            Target::Queue(queue) => {
                let Some(q) = self.queues.get(&queue) else { return out.push(refuse(TransferRefused::NoQueue)) };
                if !q.spec.open || q.spec.max_len.is_some_and(|max| q.line.len() >= max as usize) {
                    return out.push(refuse(TransferRefused::QueueUnavailable));
                }
                arrival.queue = queue;
                None
            }
            Target::Agent(agent) => {
                let serves = self.agents.get(&agent).is_some_and(|a| a.available && a.profile.queues.contains(&arrival.queue));
                if agent == from || !serves {
                    return out.push(refuse(TransferRefused::AgentUnavailable));
                }
                Some(Hold { agent, until: now + self.config.offer_timeout_ms, directed: true })
            }
        };
        self.free_handling(now, conversation);
        out.push(Decision::Transferred { conversation, from, to });
        self.join(now, arrival, hold, 0, false, out);
        // The agent handing it over is not offered it back.
        if let Some(w) = self.waiting.get_mut(&conversation) {
            w.passed.insert(from);
            if let Some(a) = self.agents.get_mut(&from) {
                a.passed.insert(conversation);
            }
        }
    }

    fn release(&mut self, now: Millis, conversation: ConversationId, out: &mut Vec<Decision>) {
        self.remove_waiting(conversation, out);
        let Some(h) = self.handling.get(&conversation) else { return };
        if h.wrap_up_until.is_some() {
            return;
        }
        let (agent, queue) = (h.agent, h.arrival.queue);
        match self.queues.get(&queue).and_then(|q| q.spec.wrap_up_ms) {
            Some(ms) => {
                let until = now + ms;
                if let Some(h) = self.handling.get_mut(&conversation) {
                    h.wrap_up_until = Some(until);
                }
                self.deadlines.insert((until, Due::WrapUp, conversation));
                out.push(Decision::WrapUpStarted { conversation, agent, until });
            }
            None => self.free_handling(now, conversation),
        }
    }

    fn wrap_up(&mut self, now: Millis, conversation: ConversationId) {
        if self.handling.get(&conversation).is_some_and(|h| h.wrap_up_until.is_some()) {
            self.free_handling(now, conversation);
        }
    }

    fn visitor_left(&mut self, now: Millis, conversation: ConversationId) {
        let abandon_after = self.config.abandon_after_ms;
        if let Some(w) = self.waiting.get_mut(&conversation) {
            if w.gone_since.is_none() {
                w.gone_since = Some(now);
                self.deadlines.insert((now + abandon_after, Due::Abandon, conversation));
            }
        }
    }

    fn visitor_returned(&mut self, conversation: ConversationId) {
        if let Some(w) = self.waiting.get_mut(&conversation) {
            if let Some(since) = w.gone_since.take() {
                self.deadlines.remove(&(since + self.config.abandon_after_ms, Due::Abandon, conversation));
            }
        }
    }

    fn tick(&mut self, now: Millis, out: &mut Vec<Decision>) {
        while let Some(&(at, due, conversation)) = self.deadlines.first() {
            if at > now {
                break;
            }
            self.deadlines.pop_first();
            match due {
                Due::Offer => self.offer_lapsed(conversation, out),
                Due::Hold => self.hold_ended(conversation),
                Due::Relax => self.relax(now, conversation),
                Due::MaxWait => self.waited_too_long(now, conversation, out),
                Due::Abandon => {
                    self.remove_waiting(conversation, out);
                    out.push(Decision::Abandon { conversation });
                }
                Due::WrapUp => {
                    if let Some(agent) = self.handling.get(&conversation).map(|h| h.agent) {
                        self.free_handling(now, conversation);
                        out.push(Decision::WrapUpDue { conversation, agent });
                    }
                }
            }
        }
    }

    /// An offer nobody answered: the agent goes away as "missed" and every
    /// other offer they hold goes back too.
    fn offer_lapsed(&mut self, conversation: ConversationId, out: &mut Vec<Decision>) {
        let Some((agent, _)) = self.waiting.get(&conversation).and_then(|w| w.offer) else { return };
        self.withdraw_offer(conversation, true);
        out.push(Decision::Missed { conversation, agent });
        self.agent_unavailable(agent, out);
    }

    fn hold_ended(&mut self, conversation: ConversationId) {
        if self.waiting.get(&conversation).is_some_and(|w| w.hold.is_some()) {
            self.unpark(conversation);
            if let Some(hold) = self.waiting.get_mut(&conversation).and_then(|w| w.hold.take()) {
                self.deadlines.remove(&(hold.until, Due::Hold, conversation));
            }
            self.park(conversation);
            self.work.conversations.insert(conversation);
        }
    }

    fn relax(&mut self, now: Millis, conversation: ConversationId) {
        if !self.waiting.contains_key(&conversation) {
            return;
        }
        self.unpark(conversation);
        self.set_level(conversation, now);
        self.park(conversation);
        self.work.conversations.insert(conversation);
    }

    fn waited_too_long(&mut self, now: Millis, conversation: ConversationId, out: &mut Vec<Decision>) {
        let Some(w) = self.waiting.get_mut(&conversation) else { return };
        w.max_wait_at = None;
        // An agent is deciding: let them. If the offer comes back, the
        // conversation is past its wait and goes on at once.
        if let Some((_, expires_at)) = w.offer {
            w.max_wait_at = Some(expires_at);
            self.deadlines.insert((expires_at, Due::MaxWait, conversation));
            return;
        }
        let hops = w.hops;
        let Some(w) = self.forget_waiting(conversation) else { return };
        self.beyond(now, w.arrival, Beyond::WaitedTooLong, hops, out);
    }
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
