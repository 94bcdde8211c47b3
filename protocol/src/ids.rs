//! Identifiers, each its own type so that passing a visitor's id where a
//! conversation's is expected does not compile.
//!
//! Database ids are integers on the wire (plain JSON numbers, thanks to
//! `serde(transparent)`); the client id is a string the sender chooses and
//! is checked when it is parsed, so nothing past the boundary ever holds an
//! unchecked one.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::MAX_CLIENT_ID_CHARS;

macro_rules! database_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

database_id!(
    /// A conversation, assigned by the server when a chat starts.
    ConversationId
);
database_id!(
    /// A visitor of one site (anonymous until identified).
    VisitorId
);
database_id!(
    /// An agent, supervisor or admin of the console.
    AgentId
);
database_id!(
    /// A site that embeds the widget.
    SiteId
);
database_id!(
    /// A queue: where routing holds a site's conversations of one kind
    /// until an agent takes them.
    QueueId
);
database_id!(
    /// A visitor's request to be called back.
    CallbackId
);
database_id!(
    /// A skill agents have at a level and queues require.
    SkillId
);
database_id!(
    /// A team of agents, for administration and reports.
    TeamId
);

/// The sender's id for one message: what makes a resend after a dropped
/// connection land on the message already stored instead of a second copy.
/// 1 to [`MAX_CLIENT_ID_CHARS`] ASCII letters, digits, `-` or `_`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

/// Why a client id was refused. The text is part of the wire contract: the
/// server's frame parser recognises it to answer with the right error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadClientId;

impl BadClientId {
    pub const MESSAGE: &'static str = "client_id must be 1 to 64 letters, digits, '-' or '_'";
}

impl fmt::Display for BadClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::MESSAGE)
    }
}

impl ClientId {
    pub fn parse(id: impl Into<String>) -> Result<Self, BadClientId> {
        let id = id.into();
        let ok = !id.is_empty() && id.len() <= MAX_CLIENT_ID_CHARS && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(id))
        } else {
            Err(BadClientId)
        }
    }

    /// An id made of random bytes (as hex), always valid.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut id = String::with_capacity(32);
        for b in bytes {
            id.push(DIGITS[usize::from(b >> 4)] as char);
            id.push(DIGITS[usize::from(b & 15)] as char);
        }
        Self(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientId {
    type Error = BadClientId;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<ClientId> for String {
    fn from(id: ClientId) -> String {
        id.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ClientId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::error::Error for BadClientId {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_checked_when_parsed() {
        assert!(ClientId::parse("m-1699_abc").is_ok());
        assert_eq!(ClientId::parse(""), Err(BadClientId));
        assert_eq!(ClientId::parse("has space"), Err(BadClientId));
        assert_eq!(ClientId::parse("x".repeat(65)), Err(BadClientId));
        assert_eq!(ClientId::parse("雪"), Err(BadClientId));
        assert!(serde_json::from_str::<ClientId>("\"ok-1\"").is_ok());
        let err = serde_json::from_str::<ClientId>("\"no way\"").unwrap_err().to_string();
        assert!(err.contains(BadClientId::MESSAGE), "{err}");
    }

    #[test]
    fn random_ids_are_hex_and_valid() {
        let id = ClientId::from_random([0, 1, 0xab, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
        assert_eq!(id.as_str(), "0001abff000000000000000000000009");
        assert_eq!(ClientId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn database_ids_are_plain_numbers_on_the_wire() {
        assert_eq!(serde_json::to_string(&ConversationId(42)).unwrap(), "42");
        assert_eq!(serde_json::from_str::<VisitorId>("7").unwrap(), VisitorId(7));
    }
}
