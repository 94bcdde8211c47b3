//! Chat message text, checked once where it enters (the widget's and the
//! console's composers, the server's frame parser), so the store and the
//! fan-out only ever hold text that fits the rules.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::MAX_MESSAGE_CHARS;

/// Not blank, at most [`MAX_MESSAGE_CHARS`] characters (characters, not
/// bytes, so Chinese gets the same allowance as English), and no control
/// characters but tab and line breaks. It is plain text: whatever it
/// contains is shown as those characters, never as markup.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash)]
#[serde(try_from = "String", into = "String")]
pub struct MessageText(String);

/// Why a text was refused. The messages are part of the wire contract: the
/// server's frame parser recognises them to pick the error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadText {
    Blank,
    TooLong,
    Control,
}

impl BadText {
    pub const BLANK: &'static str = "a message cannot be empty";
    pub const TOO_LONG: &'static str = "a message can have at most 4000 characters";
    pub const CONTROL: &'static str = "a message cannot contain control characters";
}

impl fmt::Display for BadText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Blank => Self::BLANK,
            Self::TooLong => Self::TOO_LONG,
            Self::Control => Self::CONTROL,
        })
    }
}

impl MessageText {
    pub fn parse(text: impl Into<String>) -> Result<Self, BadText> {
        let text = text.into();
        if text.trim().is_empty() {
            Err(BadText::Blank)
        } else if text.len() > MAX_MESSAGE_CHARS && text.chars().count() > MAX_MESSAGE_CHARS {
            Err(BadText::TooLong)
        } else if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
            Err(BadText::Control)
        } else {
            Ok(Self(text))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl TryFrom<String> for MessageText {
    type Error = BadText;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<MessageText> for String {
    fn from(text: MessageText) -> String {
        text.0
    }
}

impl fmt::Display for MessageText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for MessageText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::error::Error for BadText {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters_not_bytes() {
        let chinese: String = "你".repeat(MAX_MESSAGE_CHARS);
        assert!(chinese.len() > MAX_MESSAGE_CHARS);
        assert!(MessageText::parse(chinese.clone()).is_ok());
        assert_eq!(MessageText::parse(format!("{chinese}好")), Err(BadText::TooLong));
        assert_eq!(MessageText::parse("  \n "), Err(BadText::Blank));
        assert!(MessageText::parse("<img src=x onerror=alert(1)>").is_ok());
        assert!(MessageText::parse("line\nline\ttab").is_ok());
        assert_eq!(MessageText::parse("nul\0byte"), Err(BadText::Control));
        assert_eq!(MessageText::parse("bell\u{7}"), Err(BadText::Control));
    }

    #[test]
    fn the_wire_refuses_what_parse_refuses() {
        let err = serde_json::from_str::<MessageText>("\"   \"").unwrap_err().to_string();
        assert!(err.contains(BadText::BLANK), "{err}");
        assert_eq!(serde_json::from_str::<MessageText>("\"hi\"").unwrap().as_str(), "hi");
    }
}
