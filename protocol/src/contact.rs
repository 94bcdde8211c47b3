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

/// What `Rapport.identify({...})` says. Every field may be left out, and
/// is read leniently: a page's number, yes/no or null is taken as text
/// (or nothing), because a page's mistake must not become an error the
/// visitor reads.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    #[serde(default, deserialize_with = "text")]
    pub user_id: String,
    #[serde(default, deserialize_with = "text")]
    pub email: String,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, deserialize_with = "text")]
    pub phone: String,
    /// The site's own facts about the customer (`plan`, `tier`,
    /// `country`…), as text (numbers and booleans are taken as their
    /// text). `tier` and `country` are read by routing, but only from a
    /// verified identity.
    #[serde(default)]
    pub attributes: Attributes,
    #[serde(default, deserialize_with = "text")]
    pub user_hash: String,
}

/// A page's value: text, a number or a yes/no, kept as text; anything
/// else (null, a list, an object) as nothing.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Number(f64),
    Flag(bool),
    Other(serde::de::IgnoredAny),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::Text(s) => s,
            Scalar::Number(n) => n.to_string(),
            Scalar::Flag(b) => b.to_string(),
            Scalar::Other(_) => String::new(),
        }
    }
}

fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Scalar::deserialize(d)?.into_text())
}

/// An identity's attributes: name and text, each name once, in name
/// order; a JSON object on the wire. Kept as a list rather than a map
/// because every type in a frame is paid for in the widget's download
/// (a map's drop code alone cost it 0.7 KB), and the widget never reads
/// them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes(pub Vec<(String, String)>);

impl Attributes {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Attributes {
    /// Later values of a name win; the result is in name order.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let map: BTreeMap<String, String> = items.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        Attributes(map.into_iter().collect())
    }
}

impl Serialize for Attributes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, Scalar>::deserialize(d)?;
        Ok(raw.into_iter().map(|(k, v)| (k, v.into_text())).collect())
    }
}

/// Why an identity was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadIdentity {
    /// The named field is longer than its limit.
    TooLong(&'static str),
    TooManyAttributes,
    BadEmail,
    /// The named field is given but empty where it may not be (a contact's
    /// external id, an attribute's name).
    Empty(&'static str),
}

impl std::fmt::Display for BadIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLong(field) => write!(f, "the {field} is too long"),
            Self::TooManyAttributes => write!(f, "a contact carries at most {MAX_ATTRIBUTES} attributes"),
            Self::BadEmail => write!(f, "the email does not look like an address"),
            Self::Empty(field) => write!(f, "the {field} is empty"),
        }
    }
}

impl std::error::Error for BadIdentity {}

/// Text as it is kept: no control characters, trimmed.
pub(crate) fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_string()
}

pub(crate) fn within(s: String, max: usize, field: &'static str) -> Result<String, BadIdentity> {
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
        let mut kept = Vec::new();
        for (k, v) in self.attributes.iter() {
            let (k, v) = (clean(k), clean(v));
            if !k.is_empty() && !v.is_empty() {
                kept.push((within(k, MAX_ATTRIBUTE_KEY_CHARS, "attribute name")?, within(v, MAX_ATTRIBUTE_VALUE_CHARS, "attribute value")?));
            }
        }
        let attributes: Attributes = kept.into_iter().collect();
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
        raw.attributes = [(" plan ", " gold "), ("empty", " ")].into_iter().collect();
        let ok = raw.checked().unwrap();
        assert_eq!((ok.user_id.as_str(), ok.email.as_str(), ok.user_hash.as_str()), ("u-42", "Mei@Example.tw", "abcd"));
        assert_eq!(ok.attributes.0, [("plan".to_string(), "gold".to_string())]);

        let long = Identity { name: "名".repeat(MAX_NAME_CHARS + 1), ..Default::default() };
        assert_eq!(long.checked(), Err(BadIdentity::TooLong("name")));
        let bad = Identity { email: "not an address".into(), ..Default::default() };
        assert_eq!(bad.checked(), Err(BadIdentity::BadEmail));
        let page: Identity =
            serde_json::from_str(r#"{"user_id":1042,"name":null,"attributes":{"plan":"gold","seats":12,"trial":false,"tags":["a"],"none":null}}"#).unwrap();
        assert_eq!((page.user_id.as_str(), page.name.as_str()), ("1042", ""));
        assert_eq!(page.attributes.get("seats"), Some("12"));
        assert_eq!(page.attributes.get("trial"), Some("false"));
        assert_eq!(page.checked().unwrap().attributes.0.len(), 3, "empty values are dropped");
        assert_eq!(serde_json::to_string(&page.checked().unwrap().attributes).unwrap(), r#"{"plan":"gold","seats":"12","trial":"false"}"#);
        let many = Identity { attributes: (0..=MAX_ATTRIBUTES).map(|i| (format!("k{i}"), "v")).collect(), ..Default::default() };
        assert_eq!(many.checked(), Err(BadIdentity::TooManyAttributes));
    }
}
