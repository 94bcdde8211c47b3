//! The routing engine: decides which agent is offered which waiting
//! conversation, and tells visitors their place in the queue.
//!
//! It is a pure state machine. The gateway feeds it [`Event`]s stamped with
//! the current time (the clock is injected, never read), and it answers with
//! [`Decision`]s that the gateway carries out and the store records. Same
//! events in, same decisions out: that is what makes it testable without a
//! server, and replaceable by the full ACD without touching the gateway.
//!
//! The strategy today is the common default of contact-center platforms:
//! first come, first served for visitors, and the *longest-idle* available
//! agent with spare capacity for each (least-loaded first when agents take
//! several chats at once).

mod engine;

pub use engine::{Engine, EngineConfig};

/// Milliseconds on the caller's clock. Only differences matter.
pub type Millis = u64;
pub type AgentId = i64;
pub type ConversationId = i64;

/// Something that happened, as the gateway saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The agent is ready for up to `capacity` concurrent chats.
    AgentAvailable {
        agent: AgentId,
        capacity: u32,
    },
    /// The agent went away, offline or lost their connection. Offers they
    /// hold go back to the queue; chats they have stay theirs.
    AgentUnavailable {
        agent: AgentId,
    },
    /// A visitor asked for an agent.
    Enqueue {
        conversation: ConversationId,
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
    /// The conversation ended or the visitor left, queued or not.
    Release {
        conversation: ConversationId,
    },
    /// Time passed; offers whose deadline is reached expire.
    Tick,
}

/// What the gateway must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Offer the conversation to the agent until `expires_at`.
    Offer { conversation: ConversationId, agent: AgentId, expires_at: Millis },
    /// Withdraw the agent's offer (timed out, declined, agent left, visitor left).
    Revoke { conversation: ConversationId, agent: AgentId },
    /// The agent's accept stands: the conversation is theirs.
    Assign { conversation: ConversationId, agent: AgentId },
    /// The agent tried to accept something not offered to them (any more).
    RefuseAccept { conversation: ConversationId, agent: AgentId },
    /// The visitor's 1-based place in the queue changed.
    Position { conversation: ConversationId, position: u32 },
}
