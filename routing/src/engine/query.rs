//! What the gateway may ask the engine between events.

use super::Engine;
use crate::{AgentId, ConversationId, Millis, QueueId, SiteId};

/// A queue as supervisors and metrics see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueState {
    pub queue: QueueId,
    pub site: SiteId,
    pub waiting: usize,
    /// The conversation first in line.
    pub first: Option<ConversationId>,
    /// Available agents serving the queue.
    pub staffed: u32,
    pub open: bool,
}

impl Engine {
    /// The earliest time a [`crate::Event::Tick`] would change something.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.deadlines.first().map(|d| d.0)
    }

    /// The conversation's 1-based place in its queue, if it waits.
    /// Costs its distance from the nearer end of the queue; see
    /// [`Engine::changed_positions`] for telling many.
    pub fn position(&self, conversation: ConversationId) -> Option<u32> {
        let w = self.waiting.get(&conversation)?;
        Some(self.queues.get(&w.arrival.queue)?.line.position(&w.place))
    }

    /// The queue a conversation waits in or was handled from.
    pub fn queue_of(&self, conversation: ConversationId) -> Option<QueueId> {
        self.waiting.get(&conversation).map(|w| w.arrival.queue).or_else(|| self.handling.get(&conversation).map(|h| h.arrival.queue))
    }

    /// How long the conversation should expect to wait from now: its
    /// position (as last told by [`Engine::changed_positions`]) over the conversations the queue's available agents take at
    /// once, times the queue's recent average handle time. None while no
    /// agent serving the queue is available.
    pub fn estimated_wait(&self, conversation: ConversationId) -> Option<Millis> {
        let w = self.waiting.get(&conversation)?;
        let queue = self.queues.get(&w.arrival.queue)?;
        let slots = queue.pool.staffed_units / u64::from(self.config.cost(w.arrival.channel).max(1));
        if slots == 0 {
            return None;
        }
        let handle = match queue.handle_times.len() {
            0 => self.config.default_handle_ms,
            n => queue.handle_times.iter().sum::<Millis>() / n as u64,
        };
        // The position last told costs nothing to read; computing it costs
        // the distance to the nearer end of the queue, too much for every
        // waiting conversation every second.
        let position = u64::from(self.told_positions.get(&conversation).copied().or_else(|| self.position(conversation))?);
        Some(position.div_ceil(slots) * handle)
    }

    /// The positions that changed since the last call, for every waiting
    /// conversation of the queues that moved. One pass over those queues,
    /// however many events moved them.
    pub fn changed_positions(&mut self) -> Vec<(ConversationId, u32)> {
        let mut changed = Vec::new();
        for queue in std::mem::take(&mut self.positions_dirty) {
            let Some(queue) = self.queues.get(&queue) else { continue };
            for (i, conversation) in queue.line.order.values().enumerate() {
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

    /// The offers an agent holds now, and when each expires.
    pub fn offers_held_by(&self, agent: AgentId) -> Vec<(ConversationId, Millis)> {
        let Some(a) = self.agents.get(&agent) else { return Vec::new() };
        a.offers.iter().filter_map(|c| self.offer_of(*c).map(|(_, at)| (*c, at))).collect()
    }

    /// The agent handling a conversation (in wrap-up or not).
    pub fn agent_of(&self, conversation: ConversationId) -> Option<AgentId> {
        self.handling.get(&conversation).map(|h| h.agent)
    }

    /// How many conversations wait, over every queue.
    pub fn queue_len(&self) -> usize {
        self.waiting.len()
    }

    /// Whether any agent serving a queue of `site` is available now.
    pub fn any_agent_available(&self, site: SiteId) -> bool {
        self.queues.values().any(|q| q.spec.site == site && q.pool.staffed_agents > 0)
    }

    /// For every site with a queue: whether an agent serving one of its
    /// queues is available now.
    pub fn staffing(&self) -> impl Iterator<Item = (SiteId, bool)> + '_ {
        let mut sites = std::collections::BTreeMap::new();
        for q in self.queues.values() {
            *sites.entry(q.spec.site).or_insert(false) |= q.pool.staffed_agents > 0;
        }
        sites.into_iter()
    }

    /// Agents available now.
    pub fn available_agents(&self) -> impl Iterator<Item = AgentId> + '_ {
        self.agents.iter().filter(|(_, a)| a.available).map(|(id, _)| *id)
    }

    pub fn is_available(&self, agent: AgentId) -> bool {
        self.agents.get(&agent).is_some_and(|a| a.available)
    }

    /// Whether the agent has a conversation in after-contact work.
    pub fn in_wrap_up(&self, agent: AgentId) -> bool {
        self.agents.get(&agent).is_some_and(|a| a.handling.iter().any(|c| self.handling.get(c).is_some_and(|h| h.wrap_up_until.is_some())))
    }

    /// Whether the waiting conversation's visitor counts as gone.
    pub fn visitor_gone(&self, conversation: ConversationId) -> bool {
        self.waiting.get(&conversation).is_some_and(|w| w.gone_since.is_some())
    }

    /// Every queue's state now.
    pub fn queues(&self) -> impl Iterator<Item = QueueState> + '_ {
        self.queues.iter().map(|(id, q)| QueueState {
            queue: *id,
            site: q.spec.site,
            waiting: q.line.len(),
            first: q.line.order.values().next().copied(),
            staffed: q.pool.staffed_agents,
            open: q.spec.open,
        })
    }
}
