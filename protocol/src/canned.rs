//! Saved replies: text an agent inserts by typing `/` and its shortcut
//! (`/refund`), with variables filled in from the chat. An agent's own
//! replies are personal; the team's are shared by every agent and kept by
//! supervisors and admins.

use serde::{Deserialize, Serialize};

use crate::MAX_MESSAGE_CHARS;

/// The longest shortcut, in characters.
pub const MAX_SHORTCUT_CHARS: usize = 32;

/// A saved reply as listed (`GET /api/v1/canned`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CannedReply {
    pub id: i64,
    #[serde(flatten)]
    pub config: CannedConfig,
}

/// What is written when a saved reply is made or changed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CannedConfig {
    /// Typed after `/`: letters and digits of any script, `-` and `_`.
    pub shortcut: String,
    /// `en`, `zh-Hant`, `zh-Hans`, or empty for any language. When a
    /// shortcut exists in several, the one in the visitor's language wins.
    #[serde(default)]
    pub language: String,
    pub text: String,
    /// The agent's own, or (false) the team's.
    #[serde(default)]
    pub personal: bool,
}

/// Why a saved reply was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CannedError {
    Shortcut,
    Text,
    Language,
}

impl std::fmt::Display for CannedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CannedError::Shortcut => "a shortcut is 1 to 32 letters or digits, with - or _ and no spaces",
            CannedError::Text => "the reply's text is empty or longer than a message may be",
            CannedError::Language => "the language is en, zh-Hant, zh-Hans or empty for any",
        })
    }
}

pub fn shortcut_ok(shortcut: &str) -> bool {
    let n = shortcut.chars().count();
    (1..=MAX_SHORTCUT_CHARS).contains(&n) && shortcut.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

impl CannedConfig {
    /// Checks the reply; the shortcut is compared without case, so it is
    /// kept in lower case.
    pub fn checked(mut self) -> Result<CannedConfig, CannedError> {
        self.shortcut = self.shortcut.trim().trim_start_matches('/').to_lowercase();
        if !shortcut_ok(&self.shortcut) {
            return Err(CannedError::Shortcut);
        }
        let n = self.text.trim().chars().count();
        if n == 0 || n > MAX_MESSAGE_CHARS {
            return Err(CannedError::Text);
        }
        if !["", "en", "zh-Hant", "zh-Hans"].contains(&self.language.as_str()) {
            return Err(CannedError::Language);
        }
        Ok(self)
    }
}

/// What the variables of a reply stand for in one chat.
pub struct Variables<'a> {
    pub visitor_name: &'a str,
    pub visitor_email: &'a str,
    pub agent_name: &'a str,
}

/// The reply with `{{visitor.name}}`, `{{visitor.first_name}}`,
/// `{{visitor.email}}` and `{{agent.name}}` filled in (spaces inside the
/// braces allowed). An unknown variable is left as written, so the agent
/// sees it before sending.
pub fn fill(template: &str, vars: &Variables) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            rest = &rest[start..];
            break;
        };
        let value = match after[..end].trim() {
            "visitor.name" => Some(vars.visitor_name.trim()),
            "visitor.first_name" => Some(vars.visitor_name.split_whitespace().next().unwrap_or_default()),
            "visitor.email" => Some(vars.visitor_email.trim()),
            "agent.name" => Some(vars.agent_name.trim()),
            _ => None,
        };
        match value {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The saved-reply language for a visitor's locale (`zh-TW` is
/// Traditional Chinese, `zh-CN` Simplified, anything else English).
pub fn reply_language(locale: &str) -> &'static str {
    let l = locale.to_ascii_lowercase();
    let parts: Vec<&str> = l.split(['-', '_']).collect();
    if parts.first() != Some(&"zh") {
        "en"
    } else if parts.contains(&"hans") {
        "zh-Hans"
    } else if parts.iter().any(|p| ["hant", "tw", "hk", "mo"].contains(p)) {
        "zh-Hant"
    } else {
        "zh-Hans"
    }
}

/// The replies whose shortcut starts with what was typed after `/`, in
/// the order given (the server's: by shortcut), one per shortcut (the one
/// in the visitor's language, else for any language, else the first), with
/// an exact match first. No sorting, which would cost the console's Wasm a
/// sort routine of its own. `typed` comes in lower case already: the
/// console lowers it with the browser's own `toLowerCase`, since Rust's
/// brings Unicode's case tables (5 KB) into the Wasm.
pub fn matching<'a>(replies: &'a [CannedReply], typed: &str, visitor_language: &str) -> Vec<&'a CannedReply> {
    let rank = |r: &CannedReply| match r.config.language.as_str() {
        l if l == visitor_language => 0,
        "" => 1,
        _ => 2,
    };
    let mut found: Vec<&CannedReply> = Vec::new();
    for r in replies.iter().filter(|r| r.config.shortcut.starts_with(typed)) {
        match found.iter_mut().find(|f| f.config.shortcut == r.config.shortcut) {
            Some(best) if rank(r) < rank(best) => *best = r,
            Some(_) => {}
            None => found.push(r),
        }
    }
    if let Some(exact) = found.iter().position(|r| r.config.shortcut == typed) {
        let r = found.remove(exact);
        found.insert(0, r);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(id: i64, shortcut: &str, language: &str, text: &str, personal: bool) -> CannedReply {
        CannedReply { id, config: CannedConfig { shortcut: shortcut.into(), language: language.into(), text: text.into(), personal } }
    }

    #[test]
    fn locales_map_to_reply_languages() {
        assert_eq!(reply_language("zh-TW"), "zh-Hant");
        assert_eq!(reply_language("zh-Hant-HK"), "zh-Hant");
        assert_eq!(reply_language("zh-CN"), "zh-Hans");
        assert_eq!(reply_language("zh"), "zh-Hans");
        assert_eq!(reply_language("zh-Hans-HK"), "zh-Hans");
        assert_eq!(reply_language("zh_TW"), "zh-Hant");
        assert_eq!(reply_language("en-GB"), "en");
        assert_eq!(reply_language(""), "en");
    }

    #[test]
    fn variables_are_filled_and_unknown_ones_kept() {
        let vars = Variables { visitor_name: "Ada Lovelace", visitor_email: "ada@example.com", agent_name: "林美 Mei" };
        assert_eq!(fill("Hi {{visitor.name}}, I am {{ agent.name }}.", &vars), "Hi Ada Lovelace, I am 林美 Mei.");
        assert_eq!(fill("{{visitor.first_name}} <{{visitor.email}}>", &vars), "Ada <ada@example.com>");
        assert_eq!(fill("{{order.id}} stays", &vars), "{{order.id}} stays");
        assert_eq!(fill("open {{visitor.name", &vars), "open {{visitor.name");
        assert_eq!(fill("no variables 你好", &vars), "no variables 你好");
        let nobody = Variables { visitor_name: "", visitor_email: "", agent_name: "" };
        assert_eq!(fill("Hi {{visitor.first_name}}!", &nobody), "Hi !");
    }

    #[test]
    fn shortcuts_are_checked_and_lowered() {
        let ok = CannedConfig { shortcut: " /Refund ".into(), language: String::new(), text: "We refund.".into(), personal: true }.checked();
        assert_eq!(ok.map(|c| c.shortcut), Ok("refund".to_string()));
        for bad in ["", "two words", "x".repeat(33).as_str(), "a/b"] {
            let c = CannedConfig { shortcut: bad.into(), language: String::new(), text: "t".into(), personal: true };
            assert_eq!(c.checked(), Err(CannedError::Shortcut), "{bad:?}");
        }
        assert!(shortcut_ok("退款"));
        let empty = CannedConfig { shortcut: "x".into(), language: String::new(), text: "  ".into(), personal: true };
        assert_eq!(empty.checked(), Err(CannedError::Text));
        let klingon = CannedConfig { shortcut: "x".into(), language: "tlh".into(), text: "t".into(), personal: true };
        assert_eq!(klingon.checked(), Err(CannedError::Language));
    }

    #[test]
    fn matches_prefer_the_exact_shortcut_and_the_visitors_language() {
        // As the server lists them: by shortcut, then language.
        let replies = vec![
            reply(4, "hello", "", "hi", true),
            reply(1, "refund", "", "any", false),
            reply(2, "refund", "zh-Hant", "退款", false),
            reply(3, "refund-late", "en", "late", false),
        ];
        let ids = |typed: &str, lang: &str| matching(&replies, typed, lang).iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids("ref", "zh-Hant"), vec![2, 3]);
        assert_eq!(ids("refund", "en"), vec![1, 3]);
        assert_eq!(ids("", "en"), vec![4, 1, 3]);
        assert_eq!(ids("refund-", "zh-Hans"), vec![3]);
        assert_eq!(ids("x", "en"), Vec::<i64>::new());
    }
}
