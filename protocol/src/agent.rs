//! Frames between the agent console and the backend (`/ws/v1/agent`).
//! The connection is authenticated by the console's session cookie.

use serde::{Deserialize, Serialize};

use crate::visitor::PageInfo;
use crate::{AgentId, ChatMessage, ClientId, ConversationId, ConversationStatus, ErrorBody, MessageText, PreChat, Seq, VisitorId};

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
