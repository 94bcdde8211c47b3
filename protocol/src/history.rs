//! Past conversations: what an agent searches them by, and what a search
//! and an opened transcript return (`GET /api/v1/conversations/search`,
//! `GET /api/v1/conversations/{id}/transcript`).

use serde::{Deserialize, Serialize};

use crate::{AgentId, Channel, ChatMessage, ConversationId, ConversationStatus};

/// Results per page of a search; the next page is asked with `before`.
pub const SEARCH_PAGE: usize = 50;
/// The most messages a transcript carries.
pub const TRANSCRIPT_LIMIT: usize = 2_000;

/// The query string of a search; every part is optional.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(default)]
pub struct Search {
    /// Words in any message or the pre-chat topic, matched as a substring
    /// (so Chinese, which has no spaces between words, is found too).
    pub q: String,
    /// Part of the visitor's name or email.
    pub visitor: String,
    /// An agent who answered or wrote in it.
    pub agent: Option<AgentId>,
    /// Started at or after (Unix ms).
    pub from: Option<i64>,
    /// Started before (Unix ms).
    pub to: Option<i64>,
    pub status: Option<ConversationStatus>,
    /// Only conversations older than this one (the next page).
    pub before: Option<ConversationId>,
}

/// One conversation found.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Found {
    pub id: ConversationId,
    pub site_name: String,
    pub visitor_name: String,
    pub visitor_email: String,
    pub topic: String,
    /// The agent it was last with, if any.
    pub agent_name: Option<String>,
    pub status: ConversationStatus,
    #[serde(default)]
    pub channel: Channel,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    /// The first message that matched the text (or the first message).
    pub snippet: String,
}

/// A conversation opened from the search, with its messages.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transcript {
    pub conversation: Found,
    pub messages: Vec<ChatMessage>,
}
