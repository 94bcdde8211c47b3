//! Keeping the indexes in step with the state they summarise. Every change
//! to an agent goes through [`Engine::update_agent`]; every change to where
//! a waiting conversation belongs goes between [`Engine::unpark`] and
//! [`Engine::park`].

use super::{Agent, Due, Engine, Handling, Waiting};
use crate::pool::PoolKey;
use crate::spec::Strategy;
use crate::{AgentId, Arrival, ConversationId, Decision, Millis, QueueId};

impl Engine {
    /// Changes an agent and keeps its entries in its queues' pools (and the
    /// queues' staffing) in step.
    pub(super) fn update_agent(&mut self, id: AgentId, change: impl FnOnce(&mut Agent)) {
        let Some(queues) = self.agents.get(&id).map(|a| a.profile.queues.clone()) else { return };
        for queue in &queues {
            self.leave_pool(id, *queue);
        }
        if let Some(agent) = self.agents.get_mut(&id) {
            change(agent);
        }
        let queues = self.agents.get(&id).map(|a| a.profile.queues.clone()).unwrap_or_default();
        for queue in &queues {
            self.enter_pool(id, *queue);
        }
    }

    /// The agent's key in `queue`'s pool under the queue's strategy.
    pub(super) fn pool_key_of(agent: &Agent, id: AgentId, queue: QueueId, strategy: Strategy) -> PoolKey {
        match strategy {
            Strategy::LongestIdle | Strategy::Manual => (agent.last_activity, 0, id),
            Strategy::RoundRobin => (agent.turns.get(&queue).copied().unwrap_or(0), agent.last_activity, id),
            Strategy::LeastBusy => (u64::from(agent.load), agent.last_activity, id),
        }
    }

    /// Counts the agent into the queue's staffing, and into its pool when
    /// they have room for more work.
    pub(super) fn enter_pool(&mut self, id: AgentId, queue_id: QueueId) {
        let (Some(agent), Some(queue)) = (self.agents.get(&id), self.queues.get_mut(&queue_id)) else { return };
        if !agent.available {
            return;
        }
        queue.pool.staffed_agents += 1;
        queue.pool.staffed_units += u64::from(agent.profile.capacity);
        if agent.free() && queue.spec.strategy != Strategy::Manual {
            let level = queue.spec.qualification(&agent.profile.skills);
            queue.pool.by_level[usize::from(level)].insert(Self::pool_key_of(agent, id, queue_id, queue.spec.strategy));
        }
    }

    /// Undoes [`Engine::enter_pool`] for the agent as they are now.
    fn leave_pool(&mut self, id: AgentId, queue_id: QueueId) {
        let (Some(agent), Some(queue)) = (self.agents.get(&id), self.queues.get_mut(&queue_id)) else { return };
        if !agent.available {
            return;
        }
        queue.pool.staffed_agents -= 1;
        queue.pool.staffed_units -= u64::from(agent.profile.capacity);
        let level = queue.spec.qualification(&agent.profile.skills);
        queue.pool.by_level[usize::from(level)].remove(&Self::pool_key_of(agent, id, queue_id, queue.spec.strategy));
    }

    /// Files a waiting conversation where matching finds it: held for one
    /// agent, or open in its queue at its level. Offered ones are in
    /// neither.
    pub(super) fn park(&mut self, conversation: ConversationId) {
        let Some(w) = self.waiting.get(&conversation) else { return };
        if w.offer.is_some() {
            return;
        }
        match w.hold {
            Some(hold) => {
                self.held.entry(hold.agent).or_default().insert((w.place, conversation));
            }
            None => {
                if let Some(queue) = self.queues.get_mut(&w.arrival.queue) {
                    queue.line.open[usize::from(w.level)].insert((w.place, conversation));
                }
            }
        }
    }

    /// Takes a waiting conversation out of wherever [`Engine::park`] put it.
    pub(super) fn unpark(&mut self, conversation: ConversationId) {
        let Some(w) = self.waiting.get(&conversation) else { return };
        if let Some(hold) = w.hold {
            if let Some(held) = self.held.get_mut(&hold.agent) {
                held.remove(&(w.place, conversation));
                if held.is_empty() {
                    self.held.remove(&hold.agent);
                }
            }
        }
        if let Some(queue) = self.queues.get_mut(&w.arrival.queue) {
            queue.line.open[usize::from(w.level)].remove(&(w.place, conversation));
        }
    }

    /// Sets the level an (unparked) waiting conversation requires after its
    /// time in the queue, and when it next relaxes.
    pub(super) fn set_level(&mut self, conversation: ConversationId, now: Millis) {
        let Some(w) = self.waiting.get(&conversation) else { return };
        let Some(queue) = self.queues.get(&w.arrival.queue) else { return };
        let (level, next) = queue.spec.level_after(now.saturating_sub(w.joined_at));
        let relax_at = next.map(|after| w.joined_at + after);
        if let Some(at) = w.relax_at {
            self.deadlines.remove(&(at, Due::Relax, conversation));
        }
        if let Some(at) = relax_at {
            self.deadlines.insert((at, Due::Relax, conversation));
        }
        if let Some(w) = self.waiting.get_mut(&conversation) {
            w.level = level;
            w.relax_at = relax_at;
        }
    }

    /// Takes the offer back from whoever holds it and returns who did;
    /// `passed` means the agent declined or let it lapse, so they are not
    /// offered it again soon. The caller says which decision it was.
    pub(super) fn withdraw_offer(&mut self, conversation: ConversationId, passed: bool) -> Option<AgentId> {
        let w = self.waiting.get_mut(&conversation)?;
        let (agent, expires_at) = w.offer.take()?;
        let cost = self.config.cost(w.arrival.channel);
        if passed {
            w.passed.insert(agent);
            // A conversation held for this agent waits for them no more.
            if w.hold.is_some_and(|h| h.agent == agent) {
                let hold = w.hold.take();
                if let Some(hold) = hold {
                    self.deadlines.remove(&(hold.until, Due::Hold, conversation));
                }
            }
        }
        self.deadlines.remove(&(expires_at, Due::Offer, conversation));
        self.update_agent(agent, |a| {
            a.offers.remove(&conversation);
            a.load -= cost.min(a.load);
            if passed {
                a.passed.insert(conversation);
            }
        });
        self.park(conversation);
        self.work.conversations.insert(conversation);
        self.work.agents.insert(agent);
        Some(agent)
    }

    /// Takes a waiting conversation out of the queue, withdrawing its offer.
    pub(super) fn remove_waiting(&mut self, conversation: ConversationId, out: &mut Vec<Decision>) {
        if let Some(agent) = self.withdraw_offer(conversation, false) {
            out.push(Decision::Revoke { conversation, agent });
        }
        self.forget_waiting(conversation);
    }

    /// Drops every trace of a waiting conversation and returns it. An offer
    /// it holds is the caller's to settle with the agent.
    pub(super) fn forget_waiting(&mut self, conversation: ConversationId) -> Option<Waiting> {
        self.unpark(conversation);
        let w = self.waiting.remove(&conversation)?;
        if let Some((_, at)) = w.offer {
            self.deadlines.remove(&(at, Due::Offer, conversation));
        }
        if let Some(hold) = w.hold {
            self.deadlines.remove(&(hold.until, Due::Hold, conversation));
        }
        if let Some(at) = w.relax_at {
            self.deadlines.remove(&(at, Due::Relax, conversation));
        }
        if let Some(at) = w.max_wait_at {
            self.deadlines.remove(&(at, Due::MaxWait, conversation));
        }
        if let Some(since) = w.gone_since {
            self.deadlines.remove(&(since + self.config.abandon_after_ms, Due::Abandon, conversation));
        }
        if let Some(queue) = self.queues.get_mut(&w.arrival.queue) {
            queue.line.order.remove(&w.place);
        }
        for agent in &w.passed {
            if let Some(a) = self.agents.get_mut(agent) {
                a.passed.remove(&conversation);
            }
        }
        self.told_positions.remove(&conversation);
        self.positions_dirty.insert(w.arrival.queue);
        Some(w)
    }

    /// The agent starts handling the conversation.
    pub(super) fn take_on(&mut self, now: Millis, agent: AgentId, arrival: Arrival) {
        let (conversation, cost) = (arrival.conversation, self.config.cost(arrival.channel));
        self.handling.insert(conversation, Handling { agent, arrival, since: now, wrap_up_until: None });
        self.update_agent(agent, |a| {
            a.handling.insert(conversation);
            a.load += cost;
            a.last_activity = now;
        });
    }

    /// The agent is done with the conversation (ended, wrapped up, or
    /// transferred): its units are free, and its handle time counts
    /// towards its queue's wait estimates.
    pub(super) fn free_handling(&mut self, now: Millis, conversation: ConversationId) {
        let Some(h) = self.handling.remove(&conversation) else { return };
        if let Some(at) = h.wrap_up_until {
            self.deadlines.remove(&(at, Due::WrapUp, conversation));
        }
        let cost = self.config.cost(h.arrival.channel);
        self.update_agent(h.agent, |a| {
            a.handling.remove(&conversation);
            a.load -= cost.min(a.load);
        });
        if let Some(queue) = self.queues.get_mut(&h.arrival.queue) {
            queue.handle_times.push_back(now.saturating_sub(h.since));
            if queue.handle_times.len() > super::HANDLE_TIMES_KEPT {
                queue.handle_times.pop_front();
            }
        }
        self.work.agents.insert(h.agent);
    }

    /// Withdraws offers an agent can no longer take (their capacity dropped,
    /// or restored chats filled it), newest conversation first.
    pub(super) fn trim_offers(&mut self, id: AgentId, out: &mut Vec<Decision>) {
        while let Some(a) = self.agents.get(&id) {
            if a.load <= a.profile.capacity {
                break;
            }
            let Some(&conversation) = a.offers.last() else { break };
            self.withdraw_offer(conversation, false);
            out.push(Decision::Revoke { conversation, agent: id });
        }
    }

    pub(super) fn holds_offer(&self, conversation: ConversationId, agent: AgentId) -> bool {
        matches!(self.offer_of(conversation), Some((a, _)) if a == agent)
    }

    /// Whether the agent may take the conversation from a manual queue's
    /// shared list: it waits unoffered there, and the agent serves the
    /// queue, is qualified at its level now, and has room.
    pub(super) fn may_pick(&self, conversation: ConversationId, agent: AgentId) -> bool {
        let (Some(w), Some(a)) = (self.waiting.get(&conversation), self.agents.get(&agent)) else { return false };
        let Some(queue) = self.queues.get(&w.arrival.queue) else { return false };
        w.offer.is_none()
            && queue.spec.strategy == Strategy::Manual
            && a.available
            && a.profile.queues.contains(&w.arrival.queue)
            && queue.spec.qualification(&a.profile.skills) >= w.level
            && a.room() >= self.config.cost(w.arrival.channel)
    }
}
