//! Every subject on the bus, named in one place.

use protocol::{AgentId, VisitorId};

/// Events for every connection of one visitor.
pub fn visitor(id: VisitorId) -> String {
    format!("rapport.visitor.{id}")
}

/// Events for every console of one agent.
pub fn agent(id: AgentId) -> String {
    format!("rapport.agent.{id}")
}

/// Inputs for whichever node owns routing.
pub const ROUTING_INPUT: &str = "rapport.routing.input";
/// What the routing owner tells everyone.
pub const ROUTING_NEWS: &str = "rapport.routing.news";
/// Every node's heartbeat.
pub const HEARTBEAT: &str = "rapport.node.heartbeat";
/// Consoles to close on every node.
pub const SIGN_OUT: &str = "rapport.sign_out";

/// What a co-browse session's viewers receive (recordings, its state).
pub fn cobrowse_viewers(session: i64) -> String {
    format!("rapport.cobrowse.{session}.view")
}

/// What a co-browse session's recorder receives (guidance, requests).
pub fn cobrowse_recorders(session: i64) -> String {
    format!("rapport.cobrowse.{session}.record")
}
