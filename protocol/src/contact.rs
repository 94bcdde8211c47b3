//! Who a visitor is: the identity a site's page passes to
//! `Rapport.identify`, and its limits.
//!
//! A site that knows its customer (they are signed in) passes their id
//! with `user_hash`, the HMAC-SHA256 of the id under the site's identity
//! secret, computed on the site's server. Only a verified identity links
//! the visitor to a known contact; an unverified one is recorded as what
//! the visitor claims, and never merges with anything.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const MAX_USER_ID_CHARS: usize = 200;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_PHONE_CHARS: usize = 40;
pub const MAX_ATTRIBUTES: usize = 50;
pub const MAX_ATTRIBUTE_KEY_CHARS: usize = 64;
pub const MAX_ATTRIBUTE_VALUE_CHARS: usize = 500;
/// A SHA-256 HMAC in hex.
pub const USER_HASH_CHARS: usize = 64;

/// What `Rapport.identify({...})` says. Every field may be left out.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    /// The site's own facts about the customer (`plan`, `tier`,
    /// `country`…), as text. `tier` and `country` are read by routing,
    /// but only from a verified identity.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub user_hash: String,
}

/// Why an identity was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadIdentity {
    /// The named field is longer than its limit.
    TooLong(&'static str),
    TooManyAttributes,
    BadEmail,
}

impl std::fmt::Display for BadIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLong(field) => write!(f, "the identity's {field} is too long"),
            Self::TooManyAttributes => write!(f, "an identity carries at most {MAX_ATTRIBUTES} attributes"),
            Self::BadEmail => write!(f, "the identity's email does not look like an address"),
        }
    }
}

impl std::error::Error for BadIdentity {}

/// Text as it is kept: no control characters, trimmed.
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_string()
}

fn within(s: String, max: usize, field: &'static str) -> Result<String, BadIdentity> {
    if s.chars().count() > max {
        Err(BadIdentity::TooLong(field))
    } else {
        Ok(s)
    }
}

impl Identity {
    /// The identity cleaned (no control characters, trimmed, empty
    /// attributes dropped) and checked against the limits.
    pub fn checked(&self) -> Result<Identity, BadIdentity> {
        if self.attributes.len() > MAX_ATTRIBUTES {
            return Err(BadIdentity::TooManyAttributes);
        }
        let mut attributes = BTreeMap::new();
        for (k, v) in &self.attributes {
            let (k, v) = (clean(k), clean(v));
            if !k.is_empty() && !v.is_empty() {
                attributes.insert(within(k, MAX_ATTRIBUTE_KEY_CHARS, "attribute name")?, within(v, MAX_ATTRIBUTE_VALUE_CHARS, "attribute value")?);
            }
        }
        let identity = Identity {
            user_id: within(clean(&self.user_id), MAX_USER_ID_CHARS, "user_id")?,
            email: within(clean(&self.email), MAX_EMAIL_CHARS, "email")?,
            name: within(clean(&self.name), MAX_NAME_CHARS, "name")?,
            phone: within(clean(&self.phone), MAX_PHONE_CHARS, "phone")?,
            attributes,
            user_hash: within(clean(&self.user_hash).to_ascii_lowercase(), USER_HASH_CHARS, "user_hash")?,
        };
        if !identity.email.is_empty() && !crate::looks_like_email(&identity.email) {
            return Err(BadIdentity::BadEmail);
        }
        Ok(identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_cleaned_and_held_to_their_limits() {
        let mut raw = Identity { user_id: " u-42\n".into(), email: "Mei@Example.tw ".into(), user_hash: "ABCD".into(), ..Default::default() };
        raw.attributes.insert(" plan ".into(), " gold ".into());
        raw.attributes.insert("empty".into(), " ".into());
        let ok = raw.checked().unwrap();
        assert_eq!((ok.user_id.as_str(), ok.email.as_str(), ok.user_hash.as_str()), ("u-42", "Mei@Example.tw", "abcd"));
        assert_eq!(ok.attributes.into_iter().collect::<Vec<_>>(), [("plan".to_string(), "gold".to_string())]);

        let long = Identity { name: "名".repeat(MAX_NAME_CHARS + 1), ..Default::default() };
        assert_eq!(long.checked(), Err(BadIdentity::TooLong("name")));
        let bad = Identity { email: "not an address".into(), ..Default::default() };
        assert_eq!(bad.checked(), Err(BadIdentity::BadEmail));
        let many = Identity { attributes: (0..=MAX_ATTRIBUTES).map(|i| (format!("k{i}"), "v".to_string())).collect(), ..Default::default() };
        assert_eq!(many.checked(), Err(BadIdentity::TooManyAttributes));
    }
}
