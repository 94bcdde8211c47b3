//! Matching: after each event, the agents and conversations it touched are
//! paired with the best counterpart, until no pair is left.

use super::{Due, Engine};
use crate::spec::Strategy;
use crate::{AgentId, ConversationId, Decision, Millis};

impl Engine {
    /// Offers what can be offered among the touched agents and
    /// conversations. Agents go first: one freed picks the best waiting
    /// conversation across every queue they serve.
    pub(super) fn dispatch(&mut self, now: Millis, out: &mut Vec<Decision>) {
        loop {
            if let Some(agent) = self.work.agents.pop_first() {
                while let Some(conversation) = self.best_for_agent(agent) {
                    self.offer(now, conversation, agent, out);
                }
            } else if let Some(conversation) = self.work.conversations.pop_first() {
                if let Some(agent) = self.best_for_conversation(conversation) {
                    self.offer(now, conversation, agent, out);
                }
            } else {
                break;
            }
        }
    }

    /// The conversation a free agent should be offered: one held for them,
    /// else the best open one (priority, then first entry) among their
    /// queues that they are qualified for now, have room for, and have not
    /// passed on.
    fn best_for_agent(&self, id: AgentId) -> Option<ConversationId> {
        let agent = self.agents.get(&id).filter(|a| a.free())?;
        let room = agent.room();
        let fits = |c: ConversationId| self.waiting.get(&c).is_some_and(|w| self.config.cost(w.arrival.channel) <= room);
        let serves = |c: ConversationId| self.waiting.get(&c).is_some_and(|w| agent.profile.queues.contains(&w.arrival.queue));
        if let Some(&(_, held)) = self.held.get(&id).and_then(|h| h.iter().find(|(_, c)| fits(*c) && serves(*c))) {
            return Some(held);
        }
        agent
            .profile
            .queues
            .iter()
            .filter_map(|q| self.queues.get(q))
            .filter(|q| q.spec.strategy != Strategy::Manual)
            .filter_map(|q| q.line.best_for(q.spec.qualification(&agent.profile.skills), |c| agent.passed.contains(&c) || !fits(c)))
            .min()
            .map(|(_, c)| c)
    }

    /// The agent an open (or held) waiting conversation should be offered
    /// to: the one it is held for, else the first by the queue's strategy
    /// among the free agents qualified at its level that have room and
    /// have not passed on it.
    fn best_for_conversation(&self, conversation: ConversationId) -> Option<AgentId> {
        let w = self.waiting.get(&conversation).filter(|w| w.offer.is_none())?;
        let cost = self.config.cost(w.arrival.channel);
        let fits = |a: AgentId| self.agents.get(&a).is_some_and(|a| a.free() && a.room() >= cost);
        if let Some(hold) = w.hold {
            let serves = self.agents.get(&hold.agent).is_some_and(|a| a.profile.queues.contains(&w.arrival.queue));
            return (serves && fits(hold.agent) && !w.passed.contains(&hold.agent)).then_some(hold.agent);
        }
        let queue = self.queues.get(&w.arrival.queue).filter(|q| q.spec.strategy != Strategy::Manual)?;
        queue.pool.best_for(w.level, |a| w.passed.contains(&a) || !fits(a))
    }

    fn offer(&mut self, now: Millis, conversation: ConversationId, agent: AgentId, out: &mut Vec<Decision>) {
        let expires_at = now + self.config.offer_timeout_ms;
        self.unpark(conversation);
        let Some(w) = self.waiting.get_mut(&conversation) else { return };
        w.offer = Some((agent, expires_at));
        let (queue, cost) = (w.arrival.queue, self.config.cost(w.arrival.channel));
        self.deadlines.insert((expires_at, Due::Offer, conversation));
        let turn = self.queues.get_mut(&queue).map(|q| {
            q.turn += 1;
            q.turn
        });
        self.update_agent(agent, |a| {
            a.offers.insert(conversation);
            a.load += cost;
            a.last_activity = now;
            if let Some(turn) = turn {
                a.turns.insert(queue, turn);
            }
        });
        out.push(Decision::Offer { conversation, agent, expires_at });
    }
}
