//! Cases: complaints and requests that outlive a chat, dispatched to the
//! department that owns them, with a severity, a priority and due times
//! (first response and resolution) that escalate when they pass.
//!
//! Admins keep departments (`/api/v1/admin/departments`); agents work cases
//! over `/api/v1/cases`: each sees their departments' queues, and admins
//! and supervisors see every case.

use serde::{Deserialize, Serialize};

use crate::{AgentId, ConversationId};

/// The longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The longest description or resolution, in characters.
pub const MAX_CASE_TEXT_CHARS: usize = 10_000;

/// A department as admins keep it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Department {
    pub id: i64,
    #[serde(flatten)]
    pub config: DepartmentConfig,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DepartmentConfig {
    pub name: String,
    /// The agents who see and work its queue of cases.
    #[serde(default)]
    pub members: Vec<AgentId>,
}

/// How bad it is: sets the due times.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    #[default]
    Normal,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Low, Severity::Normal, Severity::High, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Normal => "normal",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// (first response, resolution) due after opening, in milliseconds.
    pub fn due_ms(self) -> (i64, i64) {
        const HOUR: i64 = 3_600_000;
        match self {
            Severity::Critical => (HOUR, 4 * HOUR),
            Severity::High => (4 * HOUR, 24 * HOUR),
            Severity::Normal => (8 * HOUR, 72 * HOUR),
            Severity::Low => (24 * HOUR, 7 * 24 * HOUR),
        }
    }
}

/// Where a case stands.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    #[default]
    New,
    Assigned,
    /// Waiting for the customer or someone else.
    Pending,
    Resolved,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [CaseStatus::New, CaseStatus::Assigned, CaseStatus::Pending, CaseStatus::Resolved, CaseStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::Assigned => "assigned",
            CaseStatus::Pending => "pending",
            CaseStatus::Resolved => "resolved",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Resolved or closed: no due time runs.
    pub fn is_done(self) -> bool {
        matches!(self, CaseStatus::Resolved | CaseStatus::Closed)
    }
}

/// What is written when a case is opened or changed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseConfig {
    pub subject: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub severity: Severity,
    /// 1 (highest) to 5.
    #[serde(default = "default_priority")]
    pub priority: u8,
    #[serde(default)]
    pub status: CaseStatus,
    pub department_id: i64,
    #[serde(default)]
    pub assignee_id: Option<AgentId>,
    /// The chat or callback it was opened from.
    #[serde(default)]
    pub conversation_id: Option<ConversationId>,
    /// How it was resolved; becomes the draft article's text.
    #[serde(default)]
    pub resolution: String,
    /// Asked with a change to a resolved case: also make a draft article
    /// of it (as `POST /api/v1/cases/{id}/article` does). Never stored.
    #[serde(default)]
    pub make_article: bool,
    /// Asked with a change to a resolved case: send the resolution to the
    /// customer, who reads it in the widget on their next visit. What is
    /// stored is when it was sent.
    #[serde(default)]
    pub send_resolution: bool,
}

fn default_priority() -> u8 {
    3
}

/// A case as listed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: i64,
    #[serde(flatten)]
    pub config: CaseConfig,
    pub department_name: String,
    pub created_at_ms: i64,
    pub first_response_due_ms: i64,
    pub resolution_due_ms: i64,
    /// When someone first acted on it (assigned it, or moved it on).
    #[serde(default)]
    pub first_response_at_ms: Option<i64>,
    /// When a due time passed without it being met (flagged, and sent as
    /// the `case.escalated` webhook).
    #[serde(default)]
    pub escalated_at_ms: Option<i64>,
    /// Whether it was escalated (for lists that show a flag).
    #[serde(default)]
    pub escalated: bool,
}

/// A case's resolution as the customer reads it in the widget.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CaseResolution {
    pub case_id: i64,
    pub subject: String,
    pub resolution: String,
    pub sent_at_ms: i64,
}

/// The longest comment on a case, in characters.
pub const MAX_COMMENT_CHARS: usize = 5_000;

/// A comment on a case by someone working it (or another system).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseComment {
    pub id: i64,
    /// Who wrote it: an agent, or the API token another system used.
    pub author: String,
    pub text: String,
    pub at_ms: i64,
}

/// What is written to comment on a case.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewComment {
    pub text: String,
}

impl NewComment {
    /// The comment trimmed, if it is 1 to 5,000 characters.
    pub fn checked(&self) -> Option<String> {
        let text = self.text.trim();
        (!text.is_empty() && text.chars().count() <= MAX_COMMENT_CHARS).then(|| text.to_string())
    }
}

/// Why a case was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseError {
    Subject,
    Text,
    Priority,
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CaseError::Subject => "a subject is 1 to 200 characters",
            CaseError::Text => "a description or resolution is at most 10,000 characters",
            CaseError::Priority => "a priority is 1 (highest) to 5",
        })
    }
}

impl CaseConfig {
    pub fn checked(mut self) -> Result<CaseConfig, CaseError> {
        self.subject = crate::one_line(&self.subject);
        if !(1..=MAX_SUBJECT_CHARS).contains(&self.subject.chars().count()) {
            return Err(CaseError::Subject);
        }
        if self.description.chars().count() > MAX_CASE_TEXT_CHARS || self.resolution.chars().count() > MAX_CASE_TEXT_CHARS {
            return Err(CaseError::Text);
        }
        if !(1..=5).contains(&self.priority) {
            return Err(CaseError::Priority);
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worse_cases_are_due_sooner() {
        let dues: Vec<(i64, i64)> = Severity::ALL.iter().map(|s| s.due_ms()).collect();
        assert!(dues.windows(2).all(|w| w[0].0 > w[1].0 && w[0].1 > w[1].1), "{dues:?}");
        assert!(dues.iter().all(|(first, resolve)| first < resolve));
    }

    #[test]
    fn names_round_trip() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
    }

    #[test]
    fn a_case_is_checked() {
        let c = CaseConfig {
            subject: " Tea arrived broken ".into(),
            description: String::new(),
            severity: Severity::High,
            priority: 2,
            status: CaseStatus::New,
            department_id: 1,
            assignee_id: None,
            conversation_id: None,
            resolution: String::new(),
            make_article: false,
            send_resolution: false,
        };
        assert_eq!(c.clone().checked().map(|c| c.subject), Ok("Tea arrived broken".into()));
        assert_eq!(CaseConfig { subject: " ".into(), ..c.clone() }.checked(), Err(CaseError::Subject));
        assert_eq!(CaseConfig { priority: 0, ..c.clone() }.checked(), Err(CaseError::Priority));
        assert_eq!(CaseConfig { resolution: "x".repeat(10_001), ..c }.checked(), Err(CaseError::Text));
    }
}
