//! The routing engine: decides which agent is offered which waiting
//! conversation, and when a waiting visitor has given up.
//!
//! It is a pure state machine. The gateway feeds it [`Event`]s stamped with
//! the current time (the clock is injected, never read), and it answers with
//! [`Decision`]s that the gateway carries out and the store records. Same
//! events in, same decisions out: that is what makes it testable without a
//! server, and replaceable by the full ACD without touching the gateway.
//!
//! The strategy today is the common default of contact-center platforms:
//! first come, first served for visitors of a site, and the least-loaded,
//! then *longest-idle*, available agent of that site with spare capacity.
//! Agents only ever receive conversations of the sites they belong to.
//!
//! No event costs time in proportion to the whole queue or every agent:
//! waiting conversations are indexed per site in arrival order, free agents
//! per site by (load, idle since), and deadlines in ordered sets. Queue
//! positions are the one thing that changes for everybody when the head of a
//! queue leaves, so they are not part of each decision: the caller asks for
//! [`Engine::changed_positions`] at the pace it wants to tell visitors.

mod engine;
mod queue;

pub use engine::{Engine, EngineConfig};
pub use protocol::{AgentId, ConversationId, SiteId};

/// Milliseconds on the caller's clock. Only differences matter.
pub type Millis = u64;

/// Something that happened, as the gateway saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The agent is ready for up to `capacity` concurrent chats of `sites`.
    AgentAvailable {
        agent: AgentId,
        capacity: u32,
        sites: Vec<SiteId>,
    },
    /// The agent went away, offline or lost their last connection. Offers
    /// they hold go back to the queue; chats they have stay theirs.
    AgentUnavailable {
        agent: AgentId,
    },
    /// A visitor of `site` asked for an agent.
    Enqueue {
        conversation: ConversationId,
        site: SiteId,
    },
    /// After a restart: this conversation is already being handled by
    /// `agent`, so it counts against the agent's capacity.
    Restore {
        conversation: ConversationId,
        agent: AgentId,
    },
    Accept {
        conversation: ConversationId,
        agent: AgentId,
    },
    Decline {
        conversation: ConversationId,
        agent: AgentId,
    },
    /// The conversation ended, queued or not.
    Release {
        conversation: ConversationId,
    },
    /// The visitor's last connection closed while the conversation waits.
    /// Unless they come back in time, it is abandoned.
    VisitorLeft {
        conversation: ConversationId,
    },
    /// A connection of the visitor is open again.
    VisitorReturned {
        conversation: ConversationId,
    },
    /// Time passed; offers and absences whose deadline is reached expire.
    Tick,
}

/// What the gateway must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The conversation joined its site's queue at `position` (1-based).
    /// Later moves are told in batches by [`Engine::changed_positions`].
    Queued { conversation: ConversationId, position: u32 },
    /// Offer the conversation to the agent until `expires_at`.
    Offer { conversation: ConversationId, agent: AgentId, expires_at: Millis },
    /// Withdraw the agent's offer (timed out, declined, agent left, visitor left).
    Revoke { conversation: ConversationId, agent: AgentId },
    /// The agent's accept stands: the conversation is theirs.
    Assign { conversation: ConversationId, agent: AgentId },
    /// The agent tried to accept something not offered to them (any more).
    RefuseAccept { conversation: ConversationId, agent: AgentId },
    /// The visitor left the queue and did not come back in time: end the
    /// conversation as abandoned. The engine has already forgotten it.
    Abandon { conversation: ConversationId },
}
