//! The engine's state and transitions: one method per event.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use crate::queue::{ReadyKey, SiteQueue, Ticket};
use crate::{AgentId, ConversationId, Decision, Event, Millis, SiteId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// How long an agent has to accept an offer.
    pub offer_timeout_ms: Millis,
    /// How long a waiting visitor may be without any open connection before
    /// their conversation is abandoned.
    pub abandon_after_ms: Millis,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self { offer_timeout_ms: 30_000, abandon_after_ms: 120_000 }
    }
}

#[derive(Clone, Debug)]
struct Agent {
    available: bool,
    capacity: u32,
    sites: Vec<SiteId>,
    active: BTreeSet<ConversationId>,
    offers: BTreeSet<ConversationId>,
    /// Conversations this agent declined or let expire; not offered to them
    /// again until they next become available.
    passed: BTreeSet<ConversationId>,
    /// When the agent last became free of chats (or available).
    idle_since: Millis,
}

impl Agent {
    fn new(now: Millis) -> Agent {
        Agent { available: false, capacity: 1, sites: Vec::new(), active: BTreeSet::new(), offers: BTreeSet::new(), passed: BTreeSet::new(), idle_since: now }
    }

    fn load(&self) -> u32 {
        (self.active.len() + self.offers.len()) as u32
    }

    /// Its key in its sites' free-agent sets, if it can take another chat.
    fn ready_key(&self, id: AgentId) -> Option<ReadyKey> {
        (self.available && self.load() < self.capacity).then_some((self.load(), self.idle_since, id))
    }
}

#[derive(Clone, Debug)]
struct Waiting {
    ticket: Ticket,
    site: SiteId,
    offer: Option<(AgentId, Millis)>,
    /// Since when the visitor has had no open connection.
    gone_since: Option<Millis>,
}

/// The routing state machine. See the crate docs.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    config: EngineConfig,
    agents: BTreeMap<AgentId, Agent>,
    waiting: BTreeMap<ConversationId, Waiting>,
    sites: BTreeMap<SiteId, SiteQueue>,
    assigned: BTreeMap<ConversationId, AgentId>,
    offer_deadlines: BTreeSet<(Millis, ConversationId)>,
    abandon_deadlines: BTreeSet<(Millis, ConversationId)>,
    /// Available agents per site, for "is anybody there?".
    available: BTreeMap<SiteId, usize>,
    next_ticket: Ticket,
    /// The positions last handed out by [`Engine::changed_positions`].
    told_positions: BTreeMap<ConversationId, u32>,
    /// Sites whose queue order changed since positions were last told.
    positions_dirty: BTreeSet<SiteId>,
    /// Sites whose waiting conversations or free agents changed during the
    /// current event, to be dispatched before it returns.
    touched: BTreeSet<SiteId>,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        Self { config, ..Self::default() }
    }

    /// Applies one event at time `now` and returns what must happen.
    pub fn handle(&mut self, now: Millis, event: Event) -> Vec<Decision> {
        let mut out = Vec::new();
        match event {
            Event::AgentAvailable { agent, capacity, sites } => self.agent_available(now, agent, capacity, sites, &mut out),
            Event::AgentUnavailable { agent } => self.agent_unavailable(agent, &mut out),
            Event::Enqueue { conversation, site } => self.enqueue(conversation, site, &mut out),
            Event::Restore { conversation, agent } => self.restore(now, conversation, agent, &mut out),
            Event::Accept { conversation, agent } => self.accept(conversation, agent, &mut out),
            Event::Decline { conversation, agent } => self.decline(conversation, agent, &mut out),
            Event::Release { conversation } => self.release(now, conversation, &mut out),
            Event::VisitorLeft { conversation } => self.visitor_left(now, conversation),
            Event::VisitorReturned { conversation } => self.visitor_returned(conversation),
            Event::Tick => self.tick(now, &mut out),
        }
        self.dispatch(now, &mut out);
        out
    }

    fn agent_available(&mut self, now: Millis, id: AgentId, capacity: u32, mut sites: Vec<SiteId>, out: &mut Vec<Decision>) {
        sites.sort();
        sites.dedup();
        self.agents.entry(id).or_insert_with(|| Agent::new(now));
        self.update_agent(id, |a| {
            if !a.available && a.active.is_empty() {
                a.idle_since = now;
            }
            a.available = true;
            a.capacity = capacity;
            a.sites = sites;
            // Becoming available again is a fresh start for conversations
            // the agent passed on earlier.
            a.passed.clear();
        });
        // Forgetting what the agent passed on may make old waiting
        // conversations theirs to take, whatever else changed.
        if let Some(a) = self.agents.get(&id) {
            self.touched.extend(a.sites.iter().copied());
        }
        // Offers for sites the agent no longer serves go back to the queue.
        let foreign: Vec<ConversationId> = match self.agents.get(&id) {
            Some(a) => a.offers.iter().copied().filter(|c| self.waiting.get(c).is_some_and(|w| !a.sites.contains(&w.site))).collect(),
            None => Vec::new(),
        };
        for conversation in foreign {
            self.withdraw_offer(conversation, false, out);
        }
        self.trim_offers(id, out);
    }

    fn agent_unavailable(&mut self, id: AgentId, out: &mut Vec<Decision>) {
        let Some(offers) = self.agents.get(&id).map(|a| a.offers.clone()) else { return };
        self.update_agent(id, |a| a.available = false);
        for conversation in offers {
            self.withdraw_offer(conversation, false, out);
        }
    }

    fn enqueue(&mut self, conversation: ConversationId, site: SiteId, out: &mut Vec<Decision>) {
        if self.waiting.contains_key(&conversation) || self.assigned.contains_key(&conversation) {
            return;
        }
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        let queue = self.sites.entry(site).or_default();
        queue.order.insert(ticket, conversation);
        queue.unoffered.insert((ticket, conversation));
        // Arrivals join at the back, so the queue's length is their place.
        let position = queue.len() as u32;
        self.waiting.insert(conversation, Waiting { ticket, site, offer: None, gone_since: None });
        self.told_positions.insert(conversation, position);
        self.touched.insert(site);
        out.push(Decision::Queued { conversation, position });
    }

    fn restore(&mut self, now: Millis, conversation: ConversationId, agent: AgentId, out: &mut Vec<Decision>) {
        self.remove_waiting(conversation, out);
        if let Some(previous) = self.assigned.remove(&conversation) {
            self.update_agent(previous, |a| {
                a.active.remove(&conversation);
            });
        }
        self.agents.entry(agent).or_insert_with(|| Agent::new(now));
        self.update_agent(agent, |a| {
            a.active.insert(conversation);
        });
        self.assigned.insert(conversation, agent);
        self.trim_offers(agent, out);
    }

    fn accept(&mut self, conversation: ConversationId, agent: AgentId, out: &mut Vec<Decision>) {
        if !self.holds_offer(conversation, agent) {
            out.push(Decision::RefuseAccept { conversation, agent });
            return;
        }
        self.forget_waiting(conversation);
        self.update_agent(agent, |a| {
            a.offers.remove(&conversation);
            a.active.insert(conversation);
        });
        self.assigned.insert(conversation, agent);
        out.push(Decision::Assign { conversation, agent });
    }

    fn decline(&mut self, conversation: ConversationId, agent: AgentId, out: &mut Vec<Decision>) {
        if self.holds_offer(conversation, agent) {
            self.withdraw_offer(conversation, true, out);
        }
    }

    fn release(&mut self, now: Millis, conversation: ConversationId, out: &mut Vec<Decision>) {
        self.remove_waiting(conversation, out);
        if let Some(agent) = self.assigned.remove(&conversation) {
            self.update_agent(agent, |a| {
                a.active.remove(&conversation);
                if a.active.is_empty() {
                    a.idle_since = now;
                }
            });
        }
    }

    fn visitor_left(&mut self, now: Millis, conversation: ConversationId) {
        let abandon_after = self.config.abandon_after_ms;
        if let Some(w) = self.waiting.get_mut(&conversation) {
            if w.gone_since.is_none() {
                w.gone_since = Some(now);
                self.abandon_deadlines.insert((now + abandon_after, conversation));
            }
        }
    }

    fn visitor_returned(&mut self, conversation: ConversationId) {
        if let Some(w) = self.waiting.get_mut(&conversation) {
            if let Some(since) = w.gone_since.take() {
                self.abandon_deadlines.remove(&(since + self.config.abandon_after_ms, conversation));
            }
        }
    }

    fn tick(&mut self, now: Millis, out: &mut Vec<Decision>) {
        while let Some(&(deadline, conversation)) = self.offer_deadlines.first() {
            if deadline > now {
                break;
            }
            self.withdraw_offer(conversation, true, out);
        }
        while let Some(&(deadline, conversation)) = self.abandon_deadlines.first() {
            if deadline > now {
                break;
            }
            self.remove_waiting(conversation, out);
            out.push(Decision::Abandon { conversation });
        }
    }

    /// The earliest time a [`Event::Tick`] would change something.
    pub fn next_deadline(&self) -> Option<Millis> {
        let offer = self.offer_deadlines.first().map(|d| d.0);
        let abandon = self.abandon_deadlines.first().map(|d| d.0);
        offer.into_iter().chain(abandon).min()
    }

    /// The conversation's 1-based place in its site's queue, if it waits.
    /// Costs its position; see [`Engine::changed_positions`] for telling many.
    pub fn position(&self, conversation: ConversationId) -> Option<u32> {
        let w = self.waiting.get(&conversation)?;
        Some(self.sites.get(&w.site)?.position(w.ticket))
    }

    /// The positions that changed since the last call, for every waiting
    /// conversation of the sites whose queue moved. One pass over those
    /// queues, however many events moved them.
    pub fn changed_positions(&mut self) -> Vec<(ConversationId, u32)> {
        let mut changed = Vec::new();
        for site in std::mem::take(&mut self.positions_dirty) {
            let Some(queue) = self.sites.get(&site) else { continue };
            for (i, conversation) in queue.order.values().enumerate() {
                let position = i as u32 + 1;
                if self.told_positions.insert(*conversation, position) != Some(position) {
                    changed.push((*conversation, position));
                }
            }
        }
        changed
    }

    /// The agent a waiting conversation is offered to now, and when that
    /// offer expires.
    pub fn offer_of(&self, conversation: ConversationId) -> Option<(AgentId, Millis)> {
        self.waiting.get(&conversation).and_then(|w| w.offer)
    }

    /// How many conversations wait, over every site.
    pub fn queue_len(&self) -> usize {
        self.waiting.len()
    }

    /// Whether any agent of `site` is available to take chats now.
    pub fn any_agent_available(&self, site: SiteId) -> bool {
        self.available.get(&site).is_some_and(|n| *n > 0)
    }

    /// For every site the engine has seen an agent of: whether one is
    /// available now.
    pub fn staffing(&self) -> impl Iterator<Item = (SiteId, bool)> + '_ {
        self.available.iter().map(|(site, n)| (*site, *n > 0))
    }

    /// Agents available now.
    pub fn available_agents(&self) -> impl Iterator<Item = AgentId> + '_ {
        self.agents.iter().filter(|(_, a)| a.available).map(|(id, _)| *id)
    }

    pub fn is_available(&self, agent: AgentId) -> bool {
        self.agents.get(&agent).is_some_and(|a| a.available)
    }

    /// Whether the waiting conversation's visitor counts as gone.
    pub fn visitor_gone(&self, conversation: ConversationId) -> bool {
        self.waiting.get(&conversation).is_some_and(|w| w.gone_since.is_some())
    }

    /// Per site: how many wait, and the conversation first in line.
    pub fn queues(&self) -> impl Iterator<Item = (SiteId, usize, Option<ConversationId>)> + '_ {
        self.sites.iter().map(|(site, q)| (*site, q.len(), q.order.values().next().copied()))
    }

    fn holds_offer(&self, conversation: ConversationId, agent: AgentId) -> bool {
        matches!(self.offer_of(conversation), Some((a, _)) if a == agent)
    }

    /// Changes an agent and keeps every index that depends on it (free
    /// agents per site, available agents per site) in step.
    fn update_agent(&mut self, id: AgentId, change: impl FnOnce(&mut Agent)) {
        let Some(agent) = self.agents.get_mut(&id) else { return };
        let (before_key, before_available, before_sites) = (agent.ready_key(id), agent.available, agent.sites.clone());
        change(agent);
        let (after_key, after_available, after_sites) = (agent.ready_key(id), agent.available, agent.sites.clone());
        for site in &before_sites {
            if let (Some(key), Some(queue)) = (before_key, self.sites.get_mut(site)) {
                queue.ready.remove(&key);
            }
            if before_available {
                if let Some(n) = self.available.get_mut(site) {
                    *n -= 1;
                }
            }
        }
        for site in &after_sites {
            if let Some(key) = after_key {
                self.sites.entry(*site).or_default().ready.insert(key);
            }
            if after_available {
                *self.available.entry(*site).or_default() += 1;
            }
            // A site gains a free agent when the agent's place in line
            // changed or the agent has just joined it.
            if after_key.is_some() && (after_key != before_key || !before_sites.contains(site)) {
                self.touched.insert(*site);
            }
        }
    }

    /// Takes the offer back from whoever holds it; `passed` means the agent
    /// declined or let it lapse, so they are not offered it again soon.
    fn withdraw_offer(&mut self, conversation: ConversationId, passed: bool, out: &mut Vec<Decision>) {
        let Some(w) = self.waiting.get_mut(&conversation) else { return };
        let Some((agent, expires_at)) = w.offer.take() else { return };
        let (site, ticket) = (w.site, w.ticket);
        self.offer_deadlines.remove(&(expires_at, conversation));
        if let Some(queue) = self.sites.get_mut(&site) {
            queue.unoffered.insert((ticket, conversation));
        }
        self.touched.insert(site);
        self.update_agent(agent, |a| {
            a.offers.remove(&conversation);
            if passed {
                a.passed.insert(conversation);
            }
        });
        out.push(Decision::Revoke { conversation, agent });
    }

    /// Takes a waiting conversation out of the queue, withdrawing its offer.
    fn remove_waiting(&mut self, conversation: ConversationId, out: &mut Vec<Decision>) {
        self.withdraw_offer(conversation, false, out);
        self.forget_waiting(conversation);
    }

    /// Drops every trace of a waiting conversation (its offer, if any, is the
    /// caller's to settle).
    fn forget_waiting(&mut self, conversation: ConversationId) {
        let Some(w) = self.waiting.remove(&conversation) else { return };
        if let Some((_, expires_at)) = w.offer {
            self.offer_deadlines.remove(&(expires_at, conversation));
        }
        if let Some(since) = w.gone_since {
            self.abandon_deadlines.remove(&(since + self.config.abandon_after_ms, conversation));
        }
        if let Some(queue) = self.sites.get_mut(&w.site) {
            queue.order.remove(&w.ticket);
            queue.unoffered.remove(&(w.ticket, conversation));
        }
        self.told_positions.remove(&conversation);
        self.positions_dirty.insert(w.site);
    }

    /// Withdraws offers an agent can no longer take (their capacity dropped,
    /// or restored chats filled it), newest conversation first.
    fn trim_offers(&mut self, id: AgentId, out: &mut Vec<Decision>) {
        while let Some(a) = self.agents.get(&id) {
            if a.load() <= a.capacity {
                break;
            }
            let Some(&conversation) = a.offers.last() else { break };
            self.withdraw_offer(conversation, false, out);
        }
    }

    /// Offers waiting conversations of every touched site, oldest first, to
    /// the best free agent that has not passed on them.
    fn dispatch(&mut self, now: Millis, out: &mut Vec<Decision>) {
        for site in std::mem::take(&mut self.touched) {
            let mut after: Option<(Ticket, ConversationId)> = None;
            while let Some((conversation, agent)) = self.next_match(site, after) {
                after = self.waiting.get(&conversation).map(|w| (w.ticket, conversation));
                self.offer(now, conversation, agent, out);
            }
        }
        // Offers only use up room, so the sites they touched have no new
        // work; forgetting them saves a second pass over their queues.
        self.touched.clear();
    }

    /// The first unoffered conversation of `site` after `after` that some
    /// free agent may take, and the agent that should.
    fn next_match(&self, site: SiteId, after: Option<(Ticket, ConversationId)>) -> Option<(ConversationId, AgentId)> {
        let queue = self.sites.get(&site)?;
        if !queue.has_work() {
            return None;
        }
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        for &(_, conversation) in queue.unoffered.range((from, Bound::Unbounded)) {
            let agent = queue.ready.iter().map(|k| k.2).find(|a| self.agents.get(a).is_some_and(|a| !a.passed.contains(&conversation)));
            if let Some(agent) = agent {
                return Some((conversation, agent));
            }
        }
        None
    }

    fn offer(&mut self, now: Millis, conversation: ConversationId, agent: AgentId, out: &mut Vec<Decision>) {
        let expires_at = now + self.config.offer_timeout_ms;
        let Some(w) = self.waiting.get_mut(&conversation) else { return };
        w.offer = Some((agent, expires_at));
        let (site, ticket) = (w.site, w.ticket);
        if let Some(queue) = self.sites.get_mut(&site) {
            queue.unoffered.remove(&(ticket, conversation));
        }
        self.offer_deadlines.insert((expires_at, conversation));
        self.update_agent(agent, |a| {
            a.offers.insert(conversation);
        });
        out.push(Decision::Offer { conversation, agent, expires_at });
    }
}

#[cfg(test)]
mod tests;
