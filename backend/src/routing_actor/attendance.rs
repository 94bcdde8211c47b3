//! Who is connected where, as the routing owner of a cluster knows it from
//! the other nodes' heartbeats. Pure: the caller passes the time.
//!
//! A node's report replaces its previous one; a node silent for
//! [`NODE_SILENCE_MS`] is forgotten, and with it whom it held. An agent or
//! visitor also counts as present for [`GRACE_MS`] after any sign of them
//! (an input from their node), so the owner does not act on a report that
//! was sent before they arrived.

use std::collections::HashMap;

use protocol::cluster::{Heartbeat, NodeName};
use protocol::{AgentId, VisitorId};

/// Nodes beat once a second; three missed beats and a node is gone.
pub const NODE_SILENCE_MS: u64 = 3_000;
/// How long a sign of life counts without a report to back it.
pub const GRACE_MS: u64 = 3_000;

struct Report {
    at: u64,
    agents: Vec<AgentId>,
    visitors: Vec<VisitorId>,
}

#[derive(Default)]
pub struct Attendance {
    nodes: HashMap<NodeName, Report>,
    agent_signs: HashMap<AgentId, u64>,
    visitor_signs: HashMap<VisitorId, u64>,
}

impl Attendance {
    pub fn heartbeat(&mut self, now: u64, beat: Heartbeat) {
        self.nodes.insert(beat.node, Report { at: now, agents: beat.agents, visitors: beat.visitors });
    }

    pub fn agent_sign(&mut self, now: u64, agent: AgentId) {
        self.agent_signs.insert(agent, now);
    }

    pub fn visitor_sign(&mut self, now: u64, visitor: VisitorId) {
        self.visitor_signs.insert(visitor, now);
    }

    /// Forgets silent nodes and old signs; the nodes forgotten.
    pub fn expire(&mut self, now: u64) -> Vec<NodeName> {
        let silent: Vec<NodeName> = self.nodes.iter().filter(|(_, r)| now.saturating_sub(r.at) > NODE_SILENCE_MS).map(|(n, _)| n.clone()).collect();
        for node in &silent {
            self.nodes.remove(node);
        }
        self.agent_signs.retain(|_, at| now.saturating_sub(*at) <= GRACE_MS);
        self.visitor_signs.retain(|_, at| now.saturating_sub(*at) <= GRACE_MS);
        silent
    }

    /// Agents some live node holds, or showed a sign of lately.
    pub fn agents(&self) -> impl Iterator<Item = AgentId> + '_ {
        self.nodes.values().flat_map(|r| r.agents.iter().copied()).chain(self.agent_signs.keys().copied())
    }

    pub fn has_agent(&self, agent: AgentId) -> bool {
        self.agent_signs.contains_key(&agent) || self.nodes.values().any(|r| r.agents.contains(&agent))
    }

    pub fn has_visitor(&self, visitor: VisitorId) -> bool {
        self.visitor_signs.contains_key(&visitor) || self.nodes.values().any(|r| r.visitors.contains(&visitor))
    }

    /// Other nodes heard from lately.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat(node: &str, agents: &[i64], visitors: &[i64]) -> Heartbeat {
        Heartbeat { node: node.into(), agents: agents.iter().map(|a| AgentId(*a)).collect(), visitors: visitors.iter().map(|v| VisitorId(*v)).collect() }
    }

    #[test]
    fn a_silent_node_takes_whom_it_held_with_it() {
        let mut a = Attendance::default();
        a.heartbeat(0, beat("n1", &[1], &[10]));
        a.heartbeat(0, beat("n2", &[2], &[]));
        assert!(a.has_agent(AgentId(1)) && a.has_visitor(VisitorId(10)));
        a.heartbeat(2_000, beat("n2", &[2], &[]));
        assert_eq!(a.expire(3_500), vec!["n1".to_string()]);
        assert!(!a.has_agent(AgentId(1)) && !a.has_visitor(VisitorId(10)));
        assert!(a.has_agent(AgentId(2)));
    }

    #[test]
    fn a_report_replaces_the_last_one_from_that_node() {
        let mut a = Attendance::default();
        a.heartbeat(0, beat("n1", &[1], &[10]));
        a.heartbeat(1_000, beat("n1", &[], &[]));
        assert!(!a.has_agent(AgentId(1)) && !a.has_visitor(VisitorId(10)));
    }

    #[test]
    fn a_sign_counts_until_the_reports_catch_up() {
        let mut a = Attendance::default();
        a.agent_sign(0, AgentId(5));
        a.visitor_sign(0, VisitorId(6));
        a.expire(GRACE_MS);
        assert!(a.has_agent(AgentId(5)) && a.has_visitor(VisitorId(6)));
        a.expire(GRACE_MS + 1);
        assert!(!a.has_agent(AgentId(5)) && !a.has_visitor(VisitorId(6)));
    }
}
