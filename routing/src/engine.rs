//! The engine's state and transitions.

use std::collections::{BTreeMap, BTreeSet};

use crate::{AgentId, ConversationId, Decision, Event, Millis};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// How long an agent has to accept an offer.
    pub offer_timeout_ms: Millis,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self { offer_timeout_ms: 30_000 }
    }
}

#[derive(Clone, Debug)]
struct Agent {
    available: bool,
    capacity: u32,
    active: BTreeSet<ConversationId>,
    offers: BTreeSet<ConversationId>,
    /// When the agent last became free of chats (or available).
    idle_since: Millis,
}

impl Agent {
    fn load(&self) -> u32 {
        (self.active.len() + self.offers.len()) as u32
    }
}

#[derive(Clone, Debug)]
struct Waiting {
    conversation: ConversationId,
    offer: Option<(AgentId, Millis)>,
    /// Agents who declined or let the offer expire; not offered again
    /// until they next become available.
    passed: BTreeSet<AgentId>,
}

/// The routing state machine. See the crate docs.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    config: EngineConfig,
    agents: BTreeMap<AgentId, Agent>,
    /// Waiting conversations, first come first served.
    queue: Vec<Waiting>,
    assigned: BTreeMap<ConversationId, AgentId>,
    /// The positions last told to visitors, so only changes are announced.
    told_positions: BTreeMap<ConversationId, u32>,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        Self { config, ..Self::default() }
    }

    /// Applies one event at time `now` and returns what must happen.
    pub fn handle(&mut self, now: Millis, event: Event) -> Vec<Decision> {
        let mut out = Vec::new();
        match event {
            Event::AgentAvailable { agent, capacity } => {
                let a = self.agents.entry(agent).or_insert_with(|| Agent {
                    available: false,
                    capacity,
                    active: BTreeSet::new(),
                    offers: BTreeSet::new(),
                    idle_since: now,
                });
                if !a.available && a.active.is_empty() {
                    a.idle_since = now;
                }
                a.available = true;
                a.capacity = capacity;
                // Becoming available again is a fresh start for conversations
                // the agent passed on earlier.
                for w in &mut self.queue {
                    w.passed.remove(&agent);
                }
                self.trim_offers(agent, &mut out);
            }
            Event::AgentUnavailable { agent } => {
                if let Some(a) = self.agents.get_mut(&agent) {
                    a.available = false;
                    let offers = std::mem::take(&mut a.offers);
                    for conversation in offers {
                        self.clear_offer(conversation);
                        out.push(Decision::Revoke { conversation, agent });
                    }
                }
            }
            Event::Enqueue { conversation } => {
                let known = self.assigned.contains_key(&conversation) || self.queue.iter().any(|w| w.conversation == conversation);
                if !known {
                    self.queue.push(Waiting { conversation, offer: None, passed: BTreeSet::new() });
                }
            }
            Event::Restore { conversation, agent } => {
                self.remove_waiting(conversation, &mut out);
                if let Some(previous) = self.assigned.remove(&conversation) {
                    if let Some(a) = self.agents.get_mut(&previous) {
                        a.active.remove(&conversation);
                    }
                }
                let a = self.agents.entry(agent).or_insert_with(|| Agent {
                    available: false,
                    capacity: 1,
                    active: BTreeSet::new(),
                    offers: BTreeSet::new(),
                    idle_since: now,
                });
                a.active.insert(conversation);
                self.assigned.insert(conversation, agent);
                self.trim_offers(agent, &mut out);
            }
            Event::Accept { conversation, agent } => {
                let held = self.queue.iter().position(|w| w.conversation == conversation && matches!(w.offer, Some((a, _)) if a == agent));
                match held {
                    Some(i) => {
                        self.queue.remove(i);
                        self.told_positions.remove(&conversation);
                        if let Some(a) = self.agents.get_mut(&agent) {
                            a.offers.remove(&conversation);
                            a.active.insert(conversation);
                        }
                        self.assigned.insert(conversation, agent);
                        out.push(Decision::Assign { conversation, agent });
                    }
                    None => out.push(Decision::RefuseAccept { conversation, agent }),
                }
            }
            Event::Decline { conversation, agent } => {
                let held = self.queue.iter_mut().find(|w| w.conversation == conversation && matches!(w.offer, Some((a, _)) if a == agent));
                if let Some(w) = held {
                    w.offer = None;
                    w.passed.insert(agent);
                    if let Some(a) = self.agents.get_mut(&agent) {
                        a.offers.remove(&conversation);
                    }
                    out.push(Decision::Revoke { conversation, agent });
                }
            }
            Event::Release { conversation } => {
                self.remove_waiting(conversation, &mut out);
                if let Some(agent) = self.assigned.remove(&conversation) {
                    if let Some(a) = self.agents.get_mut(&agent) {
                        a.active.remove(&conversation);
                        if a.active.is_empty() {
                            a.idle_since = now;
                        }
                    }
                }
            }
            Event::Tick => {
                for w in &mut self.queue {
                    if let Some((agent, expires_at)) = w.offer {
                        if expires_at <= now {
                            w.offer = None;
                            w.passed.insert(agent);
                            if let Some(a) = self.agents.get_mut(&agent) {
                                a.offers.remove(&w.conversation);
                            }
                            out.push(Decision::Revoke { conversation: w.conversation, agent });
                        }
                    }
                }
            }
        }
        self.dispatch(now, &mut out);
        self.announce_positions(&mut out);
        out
    }

    /// The earliest time a [`Event::Tick`] would change something.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.queue.iter().filter_map(|w| w.offer.map(|(_, t)| t)).min()
    }

    /// The conversation's 1-based place in the queue, if it waits.
    pub fn position(&self, conversation: ConversationId) -> Option<u32> {
        self.queue.iter().position(|w| w.conversation == conversation).map(|i| i as u32 + 1)
    }

    /// The agent a waiting conversation is offered to now, and when that
    /// offer expires.
    pub fn offer_of(&self, conversation: ConversationId) -> Option<(AgentId, Millis)> {
        self.queue.iter().find(|w| w.conversation == conversation).and_then(|w| w.offer)
    }

    /// How many conversations wait.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Whether any agent is available to take chats now.
    pub fn any_agent_available(&self) -> bool {
        self.agents.values().any(|a| a.available)
    }

    fn remove_waiting(&mut self, conversation: ConversationId, out: &mut Vec<Decision>) {
        if let Some(i) = self.queue.iter().position(|w| w.conversation == conversation) {
            let w = self.queue.remove(i);
            self.told_positions.remove(&conversation);
            if let Some((agent, _)) = w.offer {
                if let Some(a) = self.agents.get_mut(&agent) {
                    a.offers.remove(&conversation);
                }
                out.push(Decision::Revoke { conversation, agent });
            }
        }
    }

    /// Withdraws offers an agent can no longer take (their capacity dropped,
    /// or restored chats filled it), newest conversation first.
    fn trim_offers(&mut self, agent: AgentId, out: &mut Vec<Decision>) {
        while let Some(a) = self.agents.get_mut(&agent) {
            if a.load() <= a.capacity {
                break;
            }
            let Some(conversation) = a.offers.pop_last() else { break };
            self.clear_offer(conversation);
            out.push(Decision::Revoke { conversation, agent });
        }
    }

    fn clear_offer(&mut self, conversation: ConversationId) {
        if let Some(w) = self.queue.iter_mut().find(|w| w.conversation == conversation) {
            w.offer = None;
        }
    }

    /// Offers every unoffered waiting conversation, oldest first, to the
    /// best agent that can take it.
    fn dispatch(&mut self, now: Millis, out: &mut Vec<Decision>) {
        let expires_at = now + self.config.offer_timeout_ms;
        for w in self.queue.iter_mut().filter(|w| w.offer.is_none()) {
            let best = self
                .agents
                .iter()
                .filter(|(id, a)| a.available && a.load() < a.capacity && !w.passed.contains(id))
                .min_by_key(|(id, a)| (a.load(), a.idle_since, **id))
                .map(|(id, _)| *id);
            if let Some(agent) = best {
                if let Some(a) = self.agents.get_mut(&agent) {
                    a.offers.insert(w.conversation);
                }
                w.offer = Some((agent, expires_at));
                out.push(Decision::Offer { conversation: w.conversation, agent, expires_at });
            }
        }
    }

    fn announce_positions(&mut self, out: &mut Vec<Decision>) {
        for (i, w) in self.queue.iter().enumerate() {
            let position = i as u32 + 1;
            if self.told_positions.insert(w.conversation, position) != Some(position) {
                out.push(Decision::Position { conversation: w.conversation, position });
            }
        }
    }
}

#[cfg(test)]
mod tests;
