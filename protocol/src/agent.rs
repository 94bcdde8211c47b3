//! Frames between the agent console and the backend (`/ws/v1/agent`).
//! The connection is authenticated by the console's session cookie.

use serde::{Deserialize, Serialize};

use crate::visitor::PageInfo;
use crate::{ChatMessage, ConversationId, ConversationStatus, ErrorBody, PreChat, Seq};

/// An agent's availability for new chats.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Available,
    Away,
    Offline,
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
    },
    Accept {
        conversation_id: ConversationId,
    },
    Decline {
        conversation_id: ConversationId,
    },
    Send {
        conversation_id: ConversationId,
        client_id: String,
        text: String,
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
}

/// Frames the backend sends to the console.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    Welcome {
        v: u32,
        agent: AgentInfo,
        presence: Presence,
    },
    Presence {
        presence: Presence,
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
    /// Messages after the console's last seq for this conversation.
    History {
        conversation_id: ConversationId,
        messages: Vec<ChatMessage>,
    },
    Message {
        conversation_id: ConversationId,
        message: ChatMessage,
    },
    Ack {
        conversation_id: ConversationId,
        client_id: String,
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
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Admin => "admin",
        }
    }
}

/// The screen pop: who the visitor is and where they are.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VisitorCard {
    pub visitor_id: i64,
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
}
