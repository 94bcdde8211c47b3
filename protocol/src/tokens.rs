//! API tokens: how another system (a shop's back office, a data
//! warehouse) uses the REST API at `/rest/v1/`. Admins make and revoke
//! them in the console; each carries the scopes it may use, and its
//! secret is shown once, when it is made.

use serde::{Deserialize, Serialize};

/// The longest name of a token.
pub const MAX_TOKEN_NAME_CHARS: usize = 80;

/// What a token may do. The wire names (`contacts:read`) are what the
/// OpenAPI document lists under each route.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    #[serde(rename = "contacts:read")]
    ContactsRead,
    /// Create, change and import contacts.
    #[serde(rename = "contacts:write")]
    ContactsWrite,
    /// Export everything about a contact and erase it: the data-protection
    /// requests, kept apart from everyday writing.
    #[serde(rename = "contacts:erase")]
    ContactsErase,
    /// Conversations and callbacks, with their transcripts.
    #[serde(rename = "interactions:read")]
    InteractionsRead,
    #[serde(rename = "cases:read")]
    CasesRead,
    #[serde(rename = "cases:write")]
    CasesWrite,
    #[serde(rename = "articles:read")]
    ArticlesRead,
    #[serde(rename = "articles:write")]
    ArticlesWrite,
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::ContactsRead,
        Scope::ContactsWrite,
        Scope::ContactsErase,
        Scope::InteractionsRead,
        Scope::CasesRead,
        Scope::CasesWrite,
        Scope::ArticlesRead,
        Scope::ArticlesWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ContactsRead => "contacts:read",
            Scope::ContactsWrite => "contacts:write",
            Scope::ContactsErase => "contacts:erase",
            Scope::InteractionsRead => "interactions:read",
            Scope::CasesRead => "cases:read",
            Scope::CasesWrite => "cases:write",
            Scope::ArticlesRead => "articles:read",
            Scope::ArticlesWrite => "articles:write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// What an admin gives when making a token.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ApiTokenConfig {
    pub name: String,
    pub scopes: Vec<Scope>,
}

/// A token as the console lists it (never with its secret).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The secret's first characters, so an admin can tell tokens apart
    /// in their systems' settings.
    pub prefix: String,
    pub created_at_ms: i64,
    #[serde(default)]
    pub last_used_at_ms: Option<i64>,
    #[serde(default)]
    pub revoked_at_ms: Option<i64>,
}

/// The answer to making a token: the only time its secret is shown.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NewApiToken {
    pub token: ApiToken,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_named_on_the_wire_as_they_parse() {
        for s in Scope::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("contacts:delete"), None);
    }
}
