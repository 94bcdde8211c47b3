//! Callback requests: what the widget asks for and sees, and what the
//! console reads and records. A callback is worked in attempts; each
//! attempt is routed like a chat, as a conversation of the
//! [`Channel::Callback`](crate::Channel) channel.

use serde::{Deserialize, Serialize};

use crate::{AgentId, CallbackId, ChatMessage, ConversationId};

/// The form's answers. `at_ms` is the start of the chosen slot (Unix
/// milliseconds); `None` asks for a call as soon as possible.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CallbackRequest {
    pub name: String,
    /// As typed; the server normalises it to E.164.
    pub phone: String,
    /// The ISO 3166 region the number is read in when it has no `+` prefix.
    pub country: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub at_ms: Option<i64>,
}

/// A region the country chooser offers, with its calling code.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Country {
    pub region: String,
    pub calling_code: u16,
}

/// What the form may offer now.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CallbackOptions {
    pub countries: Vec<Country>,
    /// The region preselected, from the visitor's language.
    pub default_country: String,
    /// Whether "as soon as possible" is offered (the queue is open now).
    pub asap: bool,
    /// Starts of the slots with room left (Unix milliseconds), soonest
    /// first, each `slot_secs` long.
    pub slots: Vec<i64>,
    pub slot_secs: u32,
}

/// Where a callback request is in its life.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CallbackStatus {
    /// Waiting for its time (a slot, or a retry after no answer).
    Scheduled,
    /// In its queue, waiting for an agent.
    Waiting,
    /// An agent has it and is calling.
    Calling,
    /// Someone answered (or a voicemail was left).
    Completed,
    /// Nobody could be reached in the attempts allowed, or the number was wrong.
    Failed,
    /// The visitor (or an agent) called it off.
    Cancelled,
}

impl CallbackStatus {
    pub const ALL: [CallbackStatus; 6] = [Self::Scheduled, Self::Waiting, Self::Calling, Self::Completed, Self::Failed, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Waiting => "waiting",
            Self::Calling => "calling",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Still to be worked: it can be cancelled or rescheduled.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Scheduled | Self::Waiting | Self::Calling)
    }
}

/// What the visitor sees of their callback.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VisitorCallback {
    pub id: CallbackId,
    pub status: CallbackStatus,
    /// E.164.
    pub phone: String,
    pub name: String,
    pub topic: String,
    pub asap: bool,
    /// When it enters (or entered) the queue.
    pub due_at_ms: i64,
    /// Attempts made so far.
    pub attempts: u32,
    /// While waiting: the place in the queue.
    #[serde(default)]
    pub queue_position: Option<u32>,
}

/// Why a callback request, cancellation or new time was refused. The
/// refusal's message says it in the visitor's language.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CallbackRefusal {
    /// The number cannot exist.
    InvalidPhone,
    /// A field is missing or too long.
    Invalid,
    /// This number already has a callback waiting.
    Duplicate,
    /// Too many requests from this visitor, address or site this hour.
    TooMany,
    /// The slot is full, closed or past; choose another.
    SlotUnavailable,
    /// Nobody takes calls now; choose a time.
    Closed,
    /// There is no such open callback.
    NotFound,
}

/// How an attempt to call ended, as the agent records it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CallbackOutcome {
    Connected,
    NoAnswer,
    Busy,
    Voicemail,
    WrongNumber,
}

impl CallbackOutcome {
    pub const ALL: [CallbackOutcome; 5] = [Self::Connected, Self::NoAnswer, Self::Busy, Self::Voicemail, Self::WrongNumber];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::NoAnswer => "no_answer",
            Self::Busy => "busy",
            Self::Voicemail => "voicemail",
            Self::WrongNumber => "wrong_number",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Nobody picked up: worth another try.
    pub fn retries(self) -> bool {
        matches!(self, Self::NoAnswer | Self::Busy)
    }
}

/// `POST /api/v1/callbacks/{id}/disposition`: how the attempt ended.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Disposition {
    pub outcome: CallbackOutcome,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub wrap_up_code: String,
}

/// One recorded attempt.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CallbackAttempt {
    pub outcome: CallbackOutcome,
    pub notes: String,
    pub wrap_up_code: String,
    pub agent_id: Option<AgentId>,
    pub agent_name: String,
    pub at_ms: i64,
}

/// The callback as the console shows it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CallbackInfo {
    pub id: CallbackId,
    pub status: CallbackStatus,
    pub name: String,
    /// E.164, also the `tel:` link's target.
    pub phone: String,
    pub topic: String,
    pub asap: bool,
    pub due_at_ms: i64,
    pub attempts: u32,
    pub max_attempts: u32,
    pub queue_name: String,
    /// The attempt under way.
    pub conversation_id: Option<ConversationId>,
    pub created_at_ms: i64,
}

/// An earlier conversation of the same visitor, for the screen pop.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct EarlierInteraction {
    pub conversation_id: ConversationId,
    pub channel: crate::Channel,
    pub started_at_ms: i64,
    pub agent_name: String,
    pub topic: String,
    pub wrap_up_code: String,
}

/// `GET /api/v1/callbacks/by-conversation/{id}`: the screen pop of a
/// callback attempt: the request, its attempts so far, the chat it was
/// asked from and the visitor's earlier conversations.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CallbackDetails {
    pub callback: CallbackInfo,
    pub attempts: Vec<CallbackAttempt>,
    pub transcript: Vec<ChatMessage>,
    pub earlier: Vec<EarlierInteraction>,
}

/// The dialer webhook's event name (`DialRequest::event`, and the
/// delivery log's kind).
pub const DIAL_EVENT: &str = "callback.dial";

/// The body of the dialer webhook (`callback.dial`): the agent clicked to
/// call, so a telephony system can place the call. Signed with the
/// `X-Rapport-Timestamp` and `X-Rapport-Signature` headers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DialRequest {
    /// Always `callback.dial`.
    pub event: String,
    /// Unique per click: a receiver that sees it twice (a retry after a
    /// lost answer) places the call once.
    pub delivery_id: i64,
    pub callback_id: CallbackId,
    pub conversation_id: ConversationId,
    /// E.164.
    pub phone: String,
    pub name: String,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub agent_email: String,
    pub at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde() {
        for s in CallbackStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(CallbackStatus::parse(s.as_str()), Some(s));
        }
        for o in CallbackOutcome::ALL {
            assert_eq!(serde_json::to_value(o).unwrap(), o.as_str());
            assert_eq!(CallbackOutcome::parse(o.as_str()), Some(o));
        }
    }

    #[test]
    fn an_asap_request_has_no_time() {
        let r: CallbackRequest = serde_json::from_str(r#"{"name":"Ann","phone":"0912 345 678","country":"TW"}"#).unwrap();
        assert_eq!(r.at_ms, None);
        assert_eq!(r.topic, "");
    }
}
