//! What nodes of one deployment tell each other over the bus (NATS). No
//! browser ever sees these; they live here because this crate is where
//! every type that crosses a network is defined.
//!
//! Events for a visitor or an agent travel as the very frames their
//! clients receive ([`crate::visitor::VisitorEvent`],
//! [`crate::agent::AgentEvent`]) on a subject named after them. What is
//! below is the rest: routing inputs for the node that owns routing, what
//! that node tells everyone, and sign-outs.

use serde::{Deserialize, Serialize};

use crate::agent::TransferTarget;
use crate::{AgentId, ConversationId, SiteId, VisitorId};

/// A node of the deployment, named at start (unique per process).
pub type NodeName = String;

/// What reaches the routing owner, from its own node or forwarded by
/// another: whatever happens at a connection that routing must know (who
/// is where is reported by [`Heartbeat`]s instead). Routing reads what it
/// needs beyond the ids (an agent's skills, a conversation's queue) from
/// the database, so these stay small and always current.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RoutingInput {
    /// The agent set themselves available (or their settings changed).
    AgentAvailable {
        agent: AgentId,
    },
    /// The agent set themselves away or offline, closed their last console,
    /// or was disabled.
    AgentUnavailable {
        agent: AgentId,
    },
    /// A new conversation asks for an agent.
    Enqueue {
        conversation: ConversationId,
    },
    Accept {
        conversation: ConversationId,
        agent: AgentId,
    },
    Decline {
        conversation: ConversationId,
        agent: AgentId,
    },
    /// The agent takes a conversation from a manual queue's list.
    Pick {
        conversation: ConversationId,
        agent: AgentId,
    },
    Transfer {
        conversation: ConversationId,
        agent: AgentId,
        to: TransferTarget,
        note: String,
    },
    WrapUp {
        conversation: ConversationId,
        agent: AgentId,
        code: String,
    },
    /// The agent recorded how a callback attempt ended: the conversation
    /// ended and `code` is its wrap-up (kept for the after-contact work, if
    /// the queue has some).
    Disposed {
        conversation: ConversationId,
        agent: AgentId,
        code: String,
    },
    /// The conversation ended.
    Release {
        conversation: ConversationId,
    },
    /// The visitor of a waiting conversation is back.
    VisitorReturned {
        conversation: ConversationId,
    },
    /// The visitor's last connection on the sending node closed; the owner
    /// checks the other nodes' heartbeats before believing they are gone.
    VisitorLeft {
        conversation: ConversationId,
        visitor: VisitorId,
    },
    /// The visitor wrote while waiting: the offer's preview changed.
    RefreshOffer {
        conversation: ConversationId,
    },
    /// Queues, skills or teams changed: routing reads them again.
    Reconfigure,
    /// An agent opened a conversation of their own (a follow-up to a left
    /// message): it counts against their capacity.
    Adopt {
        conversation: ConversationId,
        agent: AgentId,
    },
}

/// What the routing owner tells every node, about once a second.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RoutingNews {
    pub owner: NodeName,
    /// The owner's lease epoch: news from an older epoch is stale.
    pub epoch: u64,
    /// Sites with at least one available agent.
    pub staffed: Vec<SiteId>,
    /// Visitors whose conversations wait in the queue: each node reports
    /// which of them it holds, so heartbeats stay as small as the queue.
    pub waiting: Vec<VisitorId>,
}

/// Every node says it is alive about once a second, with whom it holds
/// that routing cares about; the owner lets go of whom a silent node held.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    pub node: NodeName,
    /// Agents with a console open on the node.
    pub agents: Vec<AgentId>,
    /// Of the waiting visitors in the last news, those connected here.
    pub visitors: Vec<VisitorId>,
}

/// Close consoles on every node: one login session's, or all of an agent's.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SignOut {
    /// The session whose cookie hashes to this key logged out or expired.
    Session { key: String },
    /// The agent was disabled.
    Agent { agent: AgentId },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_inputs_round_trip() {
        let inputs = [
            RoutingInput::AgentAvailable { agent: AgentId(1) },
            RoutingInput::Transfer {
                conversation: ConversationId(2),
                agent: AgentId(1),
                to: TransferTarget::Queue { queue_id: crate::QueueId(3) },
                note: "wants a refund".into(),
            },
            RoutingInput::Reconfigure,
            RoutingInput::Accept { conversation: ConversationId(2), agent: AgentId(1) },
            RoutingInput::VisitorLeft { conversation: ConversationId(2), visitor: VisitorId(4) },
        ];
        for input in inputs {
            let json = serde_json::to_string(&input).unwrap();
            assert_eq!(serde_json::from_str::<RoutingInput>(&json).unwrap(), input);
        }
    }
}
