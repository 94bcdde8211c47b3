//! Co-browsing sessions as the server tells them, and the limits of their
//! data sockets. What the recorder sends and the viewer answers (the
//! recording's operations and the guidance) is written in
//! `docs/cobrowse.md`: the server relays it as bytes and never reads it,
//! except for the first byte of a recording (whether it begins with a
//! snapshot) and the kind of a guidance message (control needs consent).

use serde::{Deserialize, Serialize};

use crate::ConversationId;

/// How long a visitor's short code can be used, in milliseconds.
pub const CODE_TTL_MS: i64 = 10 * 60 * 1000;

/// How long an agent's request waits for the visitor's answer before it
/// lapses, in milliseconds.
pub const ASK_TTL_MS: i64 = 2 * 60 * 1000;

/// Digits in a short code.
pub const CODE_DIGITS: usize = 6;

/// Largest recording message (one animation frame's batch, or a snapshot,
/// compressed) the server takes from a recorder: under NATS's default
/// largest message (1 MiB), so that it crosses between nodes. A snapshot of
/// a 14,000-node page is about 70 KB.
pub const MAX_RECORDING_BYTES: usize = 1_000_000;

/// Largest guidance message a viewer may send.
pub const MAX_GUIDANCE_BYTES: usize = 1024;

/// The first byte of a recording message that begins with a snapshot: a
/// viewer may start from it.
pub const SNAPSHOT: u8 = 0;
/// The first byte of a recording message of changes only.
pub const CHANGES: u8 = 1;

/// Where a session stands.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// An agent asked; the visitor has not answered.
    Asked,
    /// The visitor made a short code; no agent holds the session yet.
    Code,
    /// The visitor consented: the page is recorded.
    Live,
    Declined,
    Ended,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asked => "asked",
            Self::Code => "code",
            Self::Live => "live",
            Self::Declined => "declined",
            Self::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Asked, Self::Code, Self::Live, Self::Declined, Self::Ended].into_iter().find(|v| v.as_str() == s)
    }

    /// Whether nothing more can happen in the session.
    pub fn is_over(self) -> bool {
        matches!(self, Self::Declined | Self::Ended)
    }
}

/// Remote control, a second consent within a live session.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Control {
    None,
    Asked,
    Granted,
    Declined,
}

impl Control {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Asked => "asked",
            Self::Granted => "granted",
            Self::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::None, Self::Asked, Self::Granted, Self::Declined].into_iter().find(|v| v.as_str() == s)
    }
}

/// Who ended a session.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    Visitor,
    Agent,
    /// It lapsed: unanswered, an unused code, or its chat ended.
    Expired,
}

impl EndedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visitor => "visitor",
            Self::Agent => "agent",
            Self::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Visitor, Self::Agent, Self::Expired].into_iter().find(|v| v.as_str() == s)
    }
}

/// A session as agents see it, with the times of each step.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub id: i64,
    /// The chat it was asked from; none for one started with a code.
    pub conversation_id: Option<ConversationId>,
    pub state: State,
    pub control: Control,
    pub agent_name: Option<String>,
    pub visitor_name: Option<String>,
    pub asked_ms: i64,
    pub consented_ms: Option<i64>,
    /// When control was granted.
    pub control_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub ended_by: Option<EndedBy>,
}

/// A session as the visitor's widget is told it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VisitorSession {
    #[serde(flatten)]
    pub session: Session,
    /// The recorder's credential for its data socket, while live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The site's CSS selectors of fields shown as typed, while live.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmask: Vec<String>,
    /// Whether remote control may submit forms on this site.
    #[serde(default)]
    pub allow_submit: bool,
    /// The short code to read aloud, while the session waits for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_expires_ms: Option<i64>,
}

/// `POST /api/v1/cobrowse/join`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Join {
    pub code: String,
}

/// A code as typed: digits only, spaces and dashes dropped.
pub fn clean_code(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// What a viewer's guidance message asks, read from its `"k"` (the server
/// reads nothing else of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guidance {
    /// The agent's pointer, a highlight, scrolling the visitor to a node.
    Point,
    /// A click or key: remote control, only while granted.
    Act,
    /// The agent asks for control.
    AskControl,
    /// The agent ends the session.
    End,
}

impl Guidance {
    pub fn of_kind(kind: &str) -> Option<Self> {
        match kind {
            "ptr" | "hl" | "goto" => Some(Self::Point),
            "click" | "key" => Some(Self::Act),
            "control" => Some(Self::AskControl),
            "end" => Some(Self::End),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_however_typed() {
        assert_eq!(clean_code("482 913").as_deref(), Some("482913"));
        assert_eq!(clean_code("482-913").as_deref(), Some("482913"));
        assert_eq!(clean_code("48291"), None);
        assert_eq!(clean_code("48291a"), None);
        assert_eq!(clean_code("４８２９１３"), None, "full-width digits are not ASCII digits");
    }

    #[test]
    fn names_round_trip() {
        for s in [State::Asked, State::Code, State::Live, State::Declined, State::Ended] {
            assert_eq!(State::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        for c in [Control::None, Control::Asked, Control::Granted, Control::Declined] {
            assert_eq!(Control::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{}\"", c.as_str()));
        }
        for e in [EndedBy::Visitor, EndedBy::Agent, EndedBy::Expired] {
            assert_eq!(EndedBy::parse(e.as_str()), Some(e));
        }
    }

    #[test]
    fn the_visitor_session_is_flat() {
        let s = VisitorSession {
            session: Session {
                id: 7,
                conversation_id: Some(ConversationId(12)),
                state: State::Live,
                control: Control::None,
                agent_name: Some("Alex".into()),
                visitor_name: None,
                asked_ms: 1,
                consented_ms: Some(2),
                control_ms: None,
                ended_ms: None,
                ended_by: None,
            },
            key: Some("k".into()),
            unmask: vec![],
            allow_submit: false,
            code: None,
            code_expires_ms: None,
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["id"], 7);
        assert_eq!(v["state"], "live");
        assert_eq!(v["key"], "k");
        assert_eq!(serde_json::from_value::<VisitorSession>(v).unwrap(), s);
    }
}
