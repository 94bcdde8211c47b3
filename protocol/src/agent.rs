//! Frames between the agent console and the backend (`/ws/v1/agent`).
//! The connection is authenticated by the console's session cookie.

use serde::{Deserialize, Serialize};

use crate::visitor::PageInfo;
use crate::{AgentId, ChatMessage, ClientId, ConversationId, ConversationStatus, ErrorBody, MessageText, PreChat, QueueId, Seq, VisitorId};

/// An agent's availability for new chats.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Available,
    Away,
    Offline,
}

impl Presence {
    /// The wire name, as serde writes it (tested in `lean::agent`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<Presence> {
        [Self::Available, Self::Away, Self::Offline].into_iter().find(|p| p.as_str() == s)
    }
}

/// Frames the console sends.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentFrame {
    /// First frame. `last_seqs` lists, per conversation the console already
    /// shows, the highest seq it has, so the server sends only what is new.
    Hello {
        v: u32,
        last_seqs: Vec<(ConversationId, Seq)>,
    },
    SetPresence {
        presence: Presence,
        /// Why the agent is away (a break, training, ...), for supervisors
        /// and reports.
        #[serde(default)]
        reason: String,
    },
    Accept {
        conversation_id: ConversationId,
    },
    /// Take a conversation from a manual queue's shared list.
    Pick {
        conversation_id: ConversationId,
    },
    /// Hand the conversation to another agent or queue, with a note the
    /// receiving agent sees.
    Transfer {
        conversation_id: ConversationId,
        to: TransferTarget,
        #[serde(default)]
        note: String,
    },
    /// The after-contact work of an ended conversation is done.
    WrapUp {
        conversation_id: ConversationId,
        code: String,
    },
    Decline {
        conversation_id: ConversationId,
    },
    Send {
        conversation_id: ConversationId,
        client_id: ClientId,
        text: MessageText,
    },
    Typing {
        conversation_id: ConversationId,
        on: bool,
    },
    Read {
        conversation_id: ConversationId,
        seq: Seq,
    },
    End {
        conversation_id: ConversationId,
    },
    /// The agent scrolled up: the page of messages before `before_seq`.
    LoadOlder {
        conversation_id: ConversationId,
        before_seq: Seq,
    },
}

/// Frames the backend sends to the console.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    Welcome {
        v: u32,
        agent: AgentInfo,
        presence: Presence,
        #[serde(default)]
        away_reason: String,
    },
    /// The agent's presence changed; `away_reason` is `missed` when an
    /// offer lapsed unanswered.
    Presence {
        presence: Presence,
        #[serde(default)]
        away_reason: String,
    },
    /// An ended conversation's after-contact work: pick a code within
    /// `expires_in_ms`, or `default_code` is recorded.
    WrapUp {
        conversation_id: ConversationId,
        codes: Vec<String>,
        default_code: String,
        expires_in_ms: u32,
    },
    /// The conversation's after-contact work is over (a code was recorded).
    WrappedUp {
        conversation_id: ConversationId,
    },
    /// A queued chat is offered to this agent until it expires.
    Offer {
        offer: Offer,
    },
    /// The offer was withdrawn (timed out, taken elsewhere, visitor left).
    OfferRevoked {
        conversation_id: ConversationId,
    },
    /// A conversation assigned to this agent was created or changed.
    Conversation {
        conversation: ConversationSummary,
    },
    /// Messages of a conversation, oldest first, at most
    /// [`crate::HISTORY_PAGE`]: what came after the console's last seq, or an
    /// older page it asked for. `reset` means drop what is shown first (the
    /// console is too far behind and gets the newest page instead).
    History {
        conversation_id: ConversationId,
        reset: bool,
        messages: Vec<ChatMessage>,
    },
    Message {
        conversation_id: ConversationId,
        message: ChatMessage,
    },
    Ack {
        conversation_id: ConversationId,
        client_id: ClientId,
        seq: Seq,
    },
    Typing {
        conversation_id: ConversationId,
        on: bool,
    },
    /// The visitor has read up to `seq`.
    Read {
        conversation_id: ConversationId,
        seq: Seq,
    },
    Error {
        error: ErrorBody,
    },
    Reconnect {
        after_ms: u32,
    },
}

/// The logged-in agent.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AgentInfo {
    pub id: AgentId,
    pub name: String,
    pub email: String,
    pub role: Role,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    /// An agent who also sees every queue and agent of their sites.
    Supervisor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role may watch queues and agents.
    pub fn supervises(self) -> bool {
        matches!(self, Self::Supervisor | Self::Admin)
    }
}

/// The screen pop: who the visitor is and where they are.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VisitorCard {
    pub visitor_id: VisitorId,
    pub prechat: PreChat,
    pub page: PageInfo,
    pub locale: String,
    pub site_name: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub conversation_id: ConversationId,
    pub visitor: VisitorCard,
    /// First message(s) the visitor wrote, to judge the chat before accepting.
    pub preview: String,
    pub expires_in_ms: u32,
    /// The queue it waited in.
    #[serde(default)]
    pub queue_name: String,
    /// Set when another agent handed it over.
    #[serde(default)]
    pub transfer: Option<TransferInfo>,
    #[serde(default)]
    pub channel: crate::Channel,
}

/// Who handed a conversation over, and what they want the next agent to
/// know.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TransferInfo {
    pub from_agent: String,
    pub note: String,
}

/// Where a transfer sends a conversation.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransferTarget {
    Agent { agent_id: AgentId },
    Queue { queue_id: QueueId },
}

/// Whom a conversation can be transferred to: the agents and queues of its
/// site (`GET /api/directory`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Directory {
    pub agents: Vec<DirectoryAgent>,
    pub queues: Vec<DirectoryQueue>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DirectoryAgent {
    pub id: AgentId,
    pub name: String,
    pub available: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DirectoryQueue {
    pub id: QueueId,
    pub name: String,
    pub site_name: String,
    pub open: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub visitor: VisitorCard,
    pub last_seq: Seq,
    /// Highest seq the visitor has read.
    pub visitor_read_seq: Seq,
    pub started_at_ms: i64,
    /// A chat, or an attempt at a callback (whose screen pop the console
    /// reads from `GET /api/v1/callbacks/by-conversation/{id}`).
    #[serde(default)]
    pub channel: crate::Channel,
}

/// A conversation waiting in a manual-pick queue the agent serves
/// (`GET /api/v1/shared-list`), for the agent to take with
/// [`AgentFrame::Pick`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Pickable {
    pub conversation_id: ConversationId,
    pub queue_name: String,
    pub visitor: VisitorCard,
    /// When it entered a queue (kept through transfers).
    pub entered_at_ms: i64,
}

/// A message a visitor left when nobody could answer
/// (`GET /api/v1/left-messages`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct LeftMessage {
    pub id: i64,
    pub site_id: crate::SiteId,
    pub queue_id: Option<QueueId>,
    pub visitor_id: VisitorId,
    pub conversation_id: Option<ConversationId>,
    pub name: String,
    pub email: String,
    pub text: String,
    pub created_at_ms: i64,
}
