//! The knowledge base: articles agents write and insert into chats, and
//! which the widget suggests to a visitor while they type their first
//! question, before anyone is queued.
//!
//! Agents and admins read and keep articles over `/api/v1/articles`; the
//! widget reads published ones over `/api/v1/sites/{key}/articles`, titles
//! first and an article's text only when it is opened.

use serde::{Deserialize, Serialize};

use crate::{AgentId, SiteId};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest body, in characters.
pub const MAX_BODY_CHARS: usize = 20_000;
/// The longest category, in characters.
pub const MAX_CATEGORY_CHARS: usize = 60;
/// The longest search, in characters; a visitor's first question is cut
/// to this before it is searched.
pub const MAX_QUERY_CHARS: usize = 300;
/// The most articles the widget suggests at once.
pub const SUGGESTED: usize = 3;

/// Where an article stands. Only published ones reach visitors.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    #[default]
    Draft,
    Published,
    Archived,
}

impl ArticleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::Published => "published",
            ArticleStatus::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<ArticleStatus> {
        [ArticleStatus::Draft, ArticleStatus::Published, ArticleStatus::Archived].into_iter().find(|v| v.as_str() == s)
    }
}

/// How an article's body is written. Markdown unless said otherwise:
/// plain paragraphs read the same in it (line breaks are kept), and the
/// console's form offers no choice.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ArticleFormat {
    /// Shown exactly as written: paragraphs at blank lines.
    Text,
    /// CommonMark; raw HTML in it is shown as text, and links go only to
    /// web and mail addresses.
    #[default]
    Markdown,
}

impl ArticleFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleFormat::Text => "text",
            ArticleFormat::Markdown => "markdown",
        }
    }

    pub fn parse(s: &str) -> Option<ArticleFormat> {
        [ArticleFormat::Text, ArticleFormat::Markdown].into_iter().find(|v| v.as_str() == s)
    }
}

/// What is written when an article is made or changed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleConfig {
    pub site_id: SiteId,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub format: ArticleFormat,
    /// `en`, `zh-Hant` or `zh-Hans`.
    pub language: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub status: ArticleStatus,
}

/// An article as listed for agents (`GET /api/v1/articles`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    pub id: i64,
    #[serde(flatten)]
    pub config: ArticleConfig,
    pub updated_at_ms: i64,
    /// Who wrote it; none for the demo's and those whose author left.
    #[serde(default)]
    pub author_id: Option<AgentId>,
    /// The body as plain text, as an agent inserts it into a chat
    /// (Markdown's marks taken out, links written out).
    #[serde(default)]
    pub text: String,
    /// Times visitors opened it from the widget.
    #[serde(default)]
    pub opened: i64,
    /// Times a visitor said it answered their question: each is a
    /// question that needed no agent.
    #[serde(default)]
    pub answered: i64,
    /// Times a visitor said it did not.
    #[serde(default)]
    pub not_answered: i64,
}

/// An article as the widget suggests it: its title only.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ArticleTitle {
    pub id: i64,
    pub title: String,
}

/// An article as the widget shows it when opened: the body as HTML the
/// server rendered and made safe.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ArticlePage {
    pub id: i64,
    pub title: String,
    pub html: String,
}

/// A site as agents pick it for an article (`GET /api/v1/sites`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SiteName {
    pub id: SiteId,
    pub name: String,
}

/// The visitor's answer to "did this answer your question?"
/// (`POST /api/v1/sites/{key}/articles/{id}/answer`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArticleAnswer {
    pub answered: bool,
}

/// Why an article was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleError {
    Title,
    Body,
    Language,
    Category,
}

impl std::fmt::Display for ArticleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ArticleError::Title => "a title is 1 to 200 characters",
            ArticleError::Body => "the body is empty or longer than 20,000 characters",
            ArticleError::Language => "the language is en, zh-Hant or zh-Hans",
            ArticleError::Category => "a category is at most 60 characters",
        })
    }
}

impl ArticleConfig {
    /// Checks the article, trimming its title and category.
    pub fn checked(mut self) -> Result<ArticleConfig, ArticleError> {
        self.title = crate::one_line(&self.title);
        self.category = self.category.trim().to_string();
        if !(1..=MAX_TITLE_CHARS).contains(&self.title.chars().count()) {
            return Err(ArticleError::Title);
        }
        let body = self.body.trim().chars().count();
        if body == 0 || body > MAX_BODY_CHARS {
            return Err(ArticleError::Body);
        }
        if !["en", "zh-Hant", "zh-Hans"].contains(&self.language.as_str()) {
            return Err(ArticleError::Language);
        }
        if self.category.chars().count() > MAX_CATEGORY_CHARS {
            return Err(ArticleError::Category);
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article() -> ArticleConfig {
        ArticleConfig {
            site_id: SiteId(1),
            title: "  How refunds work ".into(),
            body: "Refunds reach your card in five working days.".into(),
            format: ArticleFormat::Text,
            language: "en".into(),
            category: " Billing ".into(),
            status: ArticleStatus::Published,
        }
    }

    #[test]
    fn a_good_article_is_trimmed() {
        let a = article().checked().unwrap();
        assert_eq!(a.title, "How refunds work");
        assert_eq!(a.category, "Billing");
    }

    #[test]
    fn broken_articles_say_why() {
        assert_eq!(ArticleConfig { title: " ".into(), ..article() }.checked(), Err(ArticleError::Title));
        assert_eq!(ArticleConfig { body: "\n".into(), ..article() }.checked(), Err(ArticleError::Body));
        assert_eq!(ArticleConfig { language: "fr".into(), ..article() }.checked(), Err(ArticleError::Language));
        assert_eq!(ArticleConfig { category: "x".repeat(61), ..article() }.checked(), Err(ArticleError::Category));
    }

    #[test]
    fn statuses_and_formats_round_trip() {
        for s in [ArticleStatus::Draft, ArticleStatus::Published, ArticleStatus::Archived] {
            assert_eq!(ArticleStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        for f in [ArticleFormat::Text, ArticleFormat::Markdown] {
            assert_eq!(ArticleFormat::parse(f.as_str()), Some(f));
        }
    }
}
