//! The routing engine, Rapport's automatic call distributor (ACD): decides
//! which agent is offered which waiting conversation, when a conversation
//! moves to another queue or to its queue's fallback, and when a waiting
//! visitor has given up.
//!
//! It is a pure state machine. The gateway feeds it [`Event`]s stamped with
//! the current time (the clock is injected, never read), and it answers with
//! [`Decision`]s that the gateway carries out and the store records. Same
//! events in, same decisions out: that is what makes it testable without a
//! server, and a restart restorable from the record.
//!
//! The model is the one contact centres share (Genesys, Amazon Connect,
//! Twilio TaskRouter, Asterisk queues):
//! - a conversation waits in one **queue** ([`QueueSpec`]), ordered by
//!   priority and then by the time it first entered (a transfer or an
//!   overflow keeps that time);
//! - a queue requires **skills** at a minimum level that relaxes in timed
//!   steps, and picks among eligible free agents by its [`Strategy`];
//! - an **agent** ([`AgentProfile`]) has skills with levels, serves a list of
//!   queues, and has a capacity in units that each channel's conversations
//!   cost; offers, chats and their wrap-up all occupy it;
//! - an **offer** is a reservation with a deadline: declined, it goes to the
//!   next eligible agent; left to lapse, the agent goes away as *missed*;
//! - beyond a queue's length or wait limit, or while it is closed, the
//!   conversation overflows to another queue or reaches the fallback.
//!
//! No event costs time in proportion to every agent or every waiting
//! conversation; see [`engine`]'s docs for the indexes that make it so.
//! Queue positions are the one thing that changes for everybody when the
//! head of a queue leaves, so they are not part of each decision: the caller
//! asks for [`Engine::changed_positions`] at the pace it wants to tell
//! visitors.

mod engine;
mod line;
mod pool;
pub mod report;
mod spec;

pub use engine::{Engine, EngineConfig, QueueState, Target};
pub use protocol::{AgentId, Channel, ConversationId, QueueId, SiteId, SkillId};
pub use spec::{AgentProfile, Fallback, Level, QueueSpec, RelaxStep, Strategy, MAX_LEVEL};

/// Milliseconds on the caller's clock. Only differences matter.
pub type Millis = u64;

/// A conversation asking for an agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub conversation: ConversationId,
    pub queue: QueueId,
    pub channel: Channel,
    /// Added to the queue's priority: a valued customer's tier, for one.
    pub priority: i32,
    /// When it first asked; earlier than now after a restart, a transfer or
    /// an overflow, so it keeps its place.
    pub entered_at: Millis,
    /// The agent the visitor last spoke to, offered first for a few seconds.
    pub sticky: Option<AgentId>,
}

/// Something that happened, as the gateway saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A queue was created or changed (or opened or closed for the day).
    ConfigureQueue {
        queue: QueueId,
        spec: QueueSpec,
    },
    /// The agent is ready for conversations of their queues.
    AgentAvailable {
        agent: AgentId,
        profile: AgentProfile,
    },
    /// The agent went away, offline or lost their last connection. Offers
    /// they hold go back to the queue; chats they have stay theirs.
    AgentUnavailable {
        agent: AgentId,
    },
    /// A conversation asks for an agent.
    Enqueue(Arrival),
    /// After a restart: this conversation was waiting. It takes its place
    /// again (by its first entry) whatever the queue's limits and hours say
    /// now; its relaxation and maximum wait count again from now.
    Requeue(Arrival),
    /// After a restart: this conversation is already being handled by
    /// `agent`, so it counts against the agent's capacity.
    Restore {
        conversation: ConversationId,
        agent: AgentId,
        queue: QueueId,
        channel: Channel,
    },
    Accept {
        conversation: ConversationId,
        agent: AgentId,
    },
    Decline {
        conversation: ConversationId,
        agent: AgentId,
    },
    /// An agent took a waiting conversation of a manual-pick queue.
    Pick {
        conversation: ConversationId,
        agent: AgentId,
    },
    /// The agent hands the conversation on.
    Transfer {
        conversation: ConversationId,
        agent: AgentId,
        to: Target,
    },
    /// The conversation ended, queued or not. A handled one enters its
    /// queue's after-contact work, if the queue has some.
    Release {
        conversation: ConversationId,
    },
    /// The agent finished the conversation's after-contact work.
    WrapUp {
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
    /// Time passed; whatever deadline is reached takes effect.
    Tick,
}

/// Why a conversation left its queue for the queue's fallback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Beyond {
    /// The queue is outside its business hours.
    Closed,
    /// The queue holds its maximum number of conversations.
    Full,
    /// The conversation waited the queue's maximum time.
    WaitedTooLong,
    /// No such queue (it was removed).
    NoQueue,
}

/// What the gateway must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The conversation joined `queue` at `position` (1-based). Later moves
    /// are told in batches by [`Engine::changed_positions`].
    Queued { conversation: ConversationId, queue: QueueId, position: u32 },
    /// Offer the conversation to the agent until `expires_at`.
    Offer { conversation: ConversationId, agent: AgentId, expires_at: Millis },
    /// The agent declined the offer.
    Declined { conversation: ConversationId, agent: AgentId },
    /// Withdraw the agent's offer (the agent left, the visitor left, the
    /// agent's capacity or queues changed).
    Revoke { conversation: ConversationId, agent: AgentId },
    /// The offer lapsed: withdrawn, and the agent is away as "missed" until
    /// they make themselves available again.
    Missed { conversation: ConversationId, agent: AgentId },
    /// The agent's accept (or pick) stands: the conversation is theirs.
    Assign { conversation: ConversationId, agent: AgentId },
    /// The agent tried to accept or pick something not theirs to take.
    RefuseAccept { conversation: ConversationId, agent: AgentId },
    /// The visitor left the queue and did not come back in time: end the
    /// conversation as abandoned. The engine has already forgotten it.
    Abandon { conversation: ConversationId },
    /// The conversation moved to `to`, keeping its place in time.
    Overflow { conversation: ConversationId, from: QueueId, to: QueueId, why: Beyond },
    /// The conversation cannot wait: offer the visitor `queue`'s fallback.
    /// The engine has already forgotten it.
    Fallback { conversation: ConversationId, queue: QueueId, why: Beyond, fallback: Fallback },
    /// The agent's transfer stands: the conversation waits again, for the
    /// target, with its original time of entry.
    Transferred { conversation: ConversationId, from: AgentId, to: Target },
    /// The transfer cannot be made; the conversation stays the agent's.
    RefuseTransfer { conversation: ConversationId, agent: AgentId, why: TransferRefused },
    /// The conversation ended; its after-contact work started (it keeps
    /// occupying the agent until wrapped up or `until`).
    WrapUpStarted { conversation: ConversationId, agent: AgentId, until: Millis },
    /// The after-contact work's time is up: record the queue's default code.
    WrapUpDue { conversation: ConversationId, agent: AgentId },
}

/// Why a transfer was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferRefused {
    /// The conversation is not the transferring agent's.
    NotYours,
    /// The target agent is not available, or does not serve the queue.
    AgentUnavailable,
    /// The target queue is closed or full.
    QueueUnavailable,
    /// No such queue.
    NoQueue,
}
