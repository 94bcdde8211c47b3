//! The wire protocol of Rapport.
//!
//! This crate is the only place that defines types which cross the network:
//! the widget, the console and the backend all depend on it, so a change to a
//! message is a compile error on every side instead of a silent mismatch.
//! It depends on `serde` alone and compiles to `wasm32-unknown-unknown`; the
//! backend alone turns on the `openapi` feature, which derives the REST
//! API's OpenAPI document from these same types.
//!
//! Frames are JSON objects tagged by `type`. Every WebSocket session starts
//! with a `hello` that names [`PROTOCOL_VERSION`]; the server refuses versions
//! it does not speak with [`ErrorCode::VersionUnsupported`].

pub mod admin;
pub mod agent;
pub mod appearance;
pub mod articles;
pub mod callback;
pub mod canned;
pub mod cases;
pub mod cluster;
pub mod cobrowse;
pub mod contact;
pub mod crm;
pub mod files;
pub mod history;
mod ids;
pub mod lean;
pub mod rest;
pub mod supervisor;
mod text;
pub mod tokens;
pub mod visitor;

use serde::{Deserialize, Serialize};

pub use ids::{AgentId, BadClientId, CallbackId, ClientId, ConversationId, QueueId, SiteId, SkillId, TeamId, VisitorId};
pub use text::{BadText, MessageText};

/// The protocol version this build speaks. Bumped on any incompatible change.
pub const PROTOCOL_VERSION: u32 = 1;

/// Longest chat message, in characters (not bytes, so Chinese text gets the
/// same allowance as English).
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// Largest WebSocket frame the server reads. Anything larger is refused and
/// the connection closed; anything smaller but invalid gets an error frame.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Longest comment a visitor may leave with a rating, in characters.
pub const MAX_RATING_COMMENT_CHARS: usize = 1000;

/// Longest client-generated message id.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// Messages the server sends in one `history` frame: the newest page when a
/// conversation is opened (or a client is too far behind to catch up), and
/// each older page a client asks for as its reader scrolls up. Sequence
/// numbers have no gaps, so a client holding seq N > 1 as its oldest knows
/// there is more before it.
pub const HISTORY_PAGE: usize = 50;

/// Per-conversation sequence number, assigned by the server after the message
/// is durably stored. Starts at 1 and has no gaps; 0 means "nothing yet".
pub type Seq = u64;

/// Who wrote a chat message.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Visitor,
    Agent,
    System,
}

impl Author {
    /// The wire name, as serde writes it (tested in `lean`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visitor => "visitor",
            Self::Agent => "agent",
            Self::System => "system",
        }
    }

    /// The inverse of [`Author::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "visitor" => Some(Self::Visitor),
            "agent" => Some(Self::Agent),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// A chat message as stored and delivered. `client_id` is the idempotency
/// key chosen by the sender; `seq` orders the conversation.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatMessage {
    pub seq: Seq,
    pub client_id: ClientId,
    pub author: Author,
    /// Display name of the author at the time of sending.
    pub author_name: String,
    pub text: String,
    /// Milliseconds since the Unix epoch, server clock.
    pub sent_at_ms: i64,
    /// The file this message carries; its text is then the file's name.
    /// Boxed: most messages have none, and every event holding a message
    /// would otherwise carry its room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Box<files::Attachment>>,
}

/// The kinds of conversation agents handle: a chat, or one attempt at a
/// callback. Each costs its own units of an agent's capacity.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    Chat,
    Callback,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Callback => "callback",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "chat" => Some(Self::Chat),
            "callback" => Some(Self::Callback),
            _ => None,
        }
    }
}

/// Where a conversation is in its life.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Waiting for an agent (possibly with an offer out to one).
    Queued,
    /// An agent accepted it.
    Active,
    /// Closed by the agent or the visitor.
    Ended,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Active => "active",
            Self::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(Self::Queued),
            "active" => Some(Self::Active),
            "ended" => Some(Self::Ended),
            _ => None,
        }
    }
}

/// The answers of the pre-chat form. Empty strings mean "not asked" or
/// "not answered".
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct PreChat {
    pub name: String,
    pub email: String,
    pub topic: String,
}

impl PreChat {
    /// Limits in characters, shared by the widget's form (`maxlength`) and
    /// the server's check, so the form never lets through what the server
    /// refuses.
    pub const MAX_NAME_CHARS: usize = 100;
    pub const MAX_EMAIL_CHARS: usize = 254;
    pub const MAX_TOPIC_CHARS: usize = 500;

    /// The answers trimmed and checked, as the widget's form and the server
    /// both require them.
    pub fn normalized(&self) -> Result<PreChat, BadPreChat> {
        let clean = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_string();
        let p = PreChat { name: clean(&self.name), email: clean(&self.email), topic: clean(&self.topic) };
        if p.name.chars().count() > Self::MAX_NAME_CHARS || p.email.chars().count() > Self::MAX_EMAIL_CHARS || p.topic.chars().count() > Self::MAX_TOPIC_CHARS {
            return Err(BadPreChat::TooLong);
        }
        if !p.email.is_empty() && !looks_like_email(&p.email) {
            return Err(BadPreChat::BadEmail);
        }
        Ok(p)
    }
}

/// Why pre-chat answers were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadPreChat {
    TooLong,
    BadEmail,
}

/// `text` without control characters other than tab and line breaks: what
/// a composer sends when something odd was pasted into it.
pub fn without_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')).collect()
}

/// A title or subject: trimmed, on one line, without control characters.
pub fn one_line(text: &str) -> String {
    without_controls(text.trim()).replace(['\n', '\r', '\t'], " ")
}

/// A light check: one '@' with something on both sides and a dot after it,
/// no spaces. Real validation is sending mail; this catches typos. The
/// widget checks before sending and the server checks again.
pub fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

/// Why a request failed. Sent in error frames and REST error bodies.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame was not valid JSON or did not match any message's shape.
    BadFrame,
    /// The frame named a `type` this server does not know.
    UnknownType,
    /// A message or field was longer than allowed.
    TooLarge,
    /// Too many frames in too short a time; the frame was dropped.
    RateLimited,
    /// Not logged in, or the session expired.
    Unauthorized,
    /// Logged in, but this needs a role the agent does not have.
    Forbidden,
    /// The page's origin is not in the site's allowed-origins list.
    BadOrigin,
    /// No site has that key.
    UnknownSite,
    /// The client speaks a protocol version the server does not.
    VersionUnsupported,
    /// The frame came before `hello`, or a second `hello` came.
    OutOfOrder,
    /// The action needs a conversation that does not exist or is not yours.
    NoConversation,
    /// The action does not fit the conversation's state (e.g. sending to an
    /// ended chat).
    InvalidState,
    /// A field failed validation (e.g. an empty message).
    Invalid,
    /// The thing asked for (a queue, a team, an agent) does not exist.
    NotFound,
    /// A limit on how much one visitor, address or conversation may have
    /// was reached (connections, new chats, messages in one chat).
    LimitReached,
    /// The server is too busy to do this now; try again shortly.
    Busy,
    /// Something went wrong on the server; nothing was changed.
    Internal,
    /// A file's content is not of a type the site accepts (whatever its
    /// name says).
    FileType,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 18] = [
        Self::BadFrame,
        Self::UnknownType,
        Self::TooLarge,
        Self::RateLimited,
        Self::Unauthorized,
        Self::Forbidden,
        Self::BadOrigin,
        Self::UnknownSite,
        Self::VersionUnsupported,
        Self::OutOfOrder,
        Self::NoConversation,
        Self::InvalidState,
        Self::Invalid,
        Self::NotFound,
        Self::LimitReached,
        Self::Busy,
        Self::Internal,
        Self::FileType,
    ];

    /// The wire name, as serde writes it (tested in `lean`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "bad_frame" => Self::BadFrame,
            "unknown_type" => Self::UnknownType,
            "too_large" => Self::TooLarge,
            "rate_limited" => Self::RateLimited,
            "unauthorized" => Self::Unauthorized,
            "forbidden" => Self::Forbidden,
            "bad_origin" => Self::BadOrigin,
            "unknown_site" => Self::UnknownSite,
            "version_unsupported" => Self::VersionUnsupported,
            "out_of_order" => Self::OutOfOrder,
            "no_conversation" => Self::NoConversation,
            "invalid_state" => Self::InvalidState,
            "invalid" => Self::Invalid,
            "not_found" => Self::NotFound,
            "limit_reached" => Self::LimitReached,
            "busy" => Self::Busy,
            "internal" => Self::Internal,
            "file_type" => Self::FileType,
            _ => return None,
        })
    }
}

/// An error frame's payload, also the body of REST error responses.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_lightly() {
        assert!(looks_like_email("mei@example.tw"));
        assert!(looks_like_email("ada@example.com"));
        assert!(!looks_like_email("mei@example"));
        assert!(!looks_like_email("ada example.com"));
        assert!(!looks_like_email("@example.com"));
        assert!(!looks_like_email("ada@.com"));
        assert!(!looks_like_email("a b@example.com"));
        assert!(!looks_like_email("a@b@example.com"));
    }

    #[test]
    fn prechat_answers_are_trimmed_and_limited() {
        let p = PreChat { name: " 林美 ".into(), email: "".into(), topic: "訂單".into() }.normalized().unwrap();
        assert_eq!(p.name, "林美");
        assert_eq!(PreChat { name: "x".repeat(101), ..PreChat::default() }.normalized(), Err(BadPreChat::TooLong));
        assert_eq!(PreChat { email: "nope".into(), ..PreChat::default() }.normalized(), Err(BadPreChat::BadEmail));
    }

    #[test]
    fn status_round_trips_through_its_string() {
        for s in [ConversationStatus::Queued, ConversationStatus::Active, ConversationStatus::Ended] {
            assert_eq!(ConversationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ConversationStatus::parse("nope"), None);
    }
}
