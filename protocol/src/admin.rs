//! The administration's REST bodies: sites, agents, teams, skills, queues
//! and entry rules, as the console edits them and the backend stores them.
//! Each `*Config` is what an admin sends; the type without the suffix is
//! what the server answers, with its id.

use serde::{Deserialize, Serialize};

use crate::agent::Role;
use crate::visitor::WidgetSettings;
use crate::{AgentId, QueueId, SiteId, SkillId, TeamId};

/// Highest skill level; a queue's level 0 means "any agent".
pub const MAX_SKILL_LEVEL: u8 = 5;

/// How a queue picks among the eligible free agents.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    #[default]
    LongestIdle,
    RoundRobin,
    LeastBusy,
    /// No offers: agents pick from the queue's shared list.
    Manual,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [Strategy::LongestIdle, Strategy::RoundRobin, Strategy::LeastBusy, Strategy::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::LongestIdle => "longest_idle",
            Strategy::RoundRobin => "round_robin",
            Strategy::LeastBusy => "least_busy",
            Strategy::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// After `after_secs` waiting in the queue, the required level drops to
/// `level`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelaxStep {
    pub after_secs: u32,
    pub level: u8,
}

/// Opening hours on one day, local time `HH:MM` to `HH:MM`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TimeSpan {
    pub from: String,
    pub to: String,
}

/// When a queue is open: spans per weekday (Monday first) in an IANA time
/// zone, closed on the holiday dates (`YYYY-MM-DD`, in that zone).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct BusinessHours {
    pub time_zone: String,
    pub week: Vec<Vec<TimeSpan>>,
    #[serde(default)]
    pub holidays: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct QueueConfig {
    pub site_id: SiteId,
    pub name: String,
    #[serde(default)]
    pub strategy: Strategy,
    /// Higher goes first across the queues an agent serves.
    #[serde(default)]
    pub priority: i32,
    /// Skills an agent needs, at `level` at first, relaxing by `relax`.
    #[serde(default)]
    pub skills: Vec<SkillId>,
    #[serde(default)]
    pub level: u8,
    #[serde(default)]
    pub relax: Vec<RelaxStep>,
    #[serde(default)]
    pub max_len: Option<u32>,
    #[serde(default)]
    pub max_wait_secs: Option<u32>,
    /// Where conversations go beyond the limits or outside hours; without
    /// it the visitor is offered to leave a message.
    #[serde(default)]
    pub overflow_queue_id: Option<QueueId>,
    /// None: always open.
    #[serde(default)]
    pub hours: Option<BusinessHours>,
    /// After-contact work: how long the agent has to pick a wrap-up code
    /// before `default_wrap_up_code` is recorded. None: no wrap-up.
    #[serde(default)]
    pub wrap_up_secs: Option<u32>,
    #[serde(default)]
    pub wrap_up_codes: Vec<String>,
    #[serde(default)]
    pub default_wrap_up_code: String,
    /// Only this team's members serve the queue; None: every agent of the
    /// site.
    #[serde(default)]
    pub team_id: Option<TeamId>,
    /// How the queue takes callback requests.
    #[serde(default)]
    pub callbacks: CallbackSettings,
}

/// A queue's callback slots and retries. Slots are cut from the queue's
/// business hours (Genesys calls them buckets); a slot with `per_slot`
/// callbacks is full.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct CallbackSettings {
    pub slot_secs: u32,
    pub per_slot: u32,
    /// How far ahead slots are offered.
    pub days_ahead: u32,
    /// After no answer or busy, the next attempt comes this much later...
    pub retry_delay_secs: u32,
    /// ...until this many attempts were made; then the request failed.
    pub max_attempts: u32,
}

impl Default for CallbackSettings {
    fn default() -> Self {
        Self { slot_secs: 30 * 60, per_slot: 5, days_ahead: 7, retry_delay_secs: 10 * 60, max_attempts: 3 }
    }
}

impl QueueConfig {
    /// A queue of `site` that takes everyone, always open.
    pub fn new(site_id: SiteId, name: &str) -> QueueConfig {
        QueueConfig {
            site_id,
            name: name.into(),
            strategy: Strategy::default(),
            priority: 0,
            skills: Vec::new(),
            level: 0,
            relax: Vec::new(),
            max_len: None,
            max_wait_secs: None,
            overflow_queue_id: None,
            hours: None,
            wrap_up_secs: None,
            wrap_up_codes: Vec::new(),
            default_wrap_up_code: String::new(),
            team_id: None,
            callbacks: CallbackSettings::default(),
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Queue {
    pub id: QueueId,
    /// Where conversations no entry rule matches go. One per site.
    pub is_default: bool,
    pub config: QueueConfig,
}

/// Puts a new conversation of the site into `queue_id` when every
/// non-empty condition matches. `url_pattern` is a glob (`*` for any run
/// of characters) over the page's URL; `language` a prefix of the
/// visitor's locale (`zh` matches `zh-Hant`); the others match exactly,
/// ignoring case.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct EntryRule {
    pub queue_id: QueueId,
    #[serde(default)]
    pub url_pattern: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub country: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Skill {
    pub id: SkillId,
    pub name: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SkillConfig {
    pub name: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub members: Vec<AgentId>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TeamConfig {
    pub name: String,
    #[serde(default)]
    pub members: Vec<AgentId>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SkillLevel {
    pub skill_id: SkillId,
    pub level: u8,
}

/// An agent as administration sees them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AgentAdmin {
    pub id: AgentId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub capacity: u32,
    pub sites: Vec<SiteId>,
    pub skills: Vec<SkillLevel>,
    /// How many of the chats they answered visitors rated...
    #[serde(default)]
    pub ratings: i64,
    /// ...and the average, to one decimal ("4.6"); empty before the first.
    #[serde(default)]
    pub rating: String,
}

/// Changes to an agent; a new agent also needs `email` and either a
/// `password` or an invitation (answered with its one-time link).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AgentConfig {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub capacity: u32,
    pub sites: Vec<SiteId>,
    #[serde(default)]
    pub skills: Vec<SkillLevel>,
    /// Sets the password; empty leaves it (or, for a new agent, invites).
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub disabled: bool,
}

/// What creating an agent by invitation answers: the link to hand over.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub agent: AgentAdmin,
    /// Path (under the console) that lets the agent set a password once.
    pub link: Option<String>,
}

/// The body of accepting an invitation.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AcceptInvitation {
    pub token: String,
    pub password: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub id: SiteId,
    pub key: String,
    pub config: SiteConfig,
    /// The key of `Rapport.identify`'s `user_hash` (HMAC-SHA256 of the
    /// customer's id), for the site's server; shown to admins only, and
    /// changed with `POST /api/v1/admin/sites/{id}/identity-secret`.
    #[serde(default)]
    pub identity_secret: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SiteConfig {
    pub name: String,
    pub allowed_origins: Vec<String>,
    pub settings: WidgetSettings,
    /// Where messages left while nobody could answer are emailed (when the
    /// server has SMTP settings); empty: nowhere. Never sent to visitors.
    #[serde(default)]
    pub team_email: String,
    /// What one file may weigh, in megabytes (at most
    /// [`crate::files::MAX_FILE_MB`]); 0 turns files off for the site.
    #[serde(default = "default_file_max_mb")]
    pub file_max_mb: u32,
    /// What all files of one conversation may weigh together, in megabytes.
    #[serde(default = "default_conversation_files_max_mb")]
    pub conversation_files_max_mb: u32,
    /// Co-browsing: CSS selectors of the fields the recorder shows as
    /// typed. Every other field is masked; password, card and one-time
    /// code fields are blocked whatever this says.
    #[serde(default)]
    pub cobrowse_unmask: Vec<String>,
    /// Co-browsing: whether an agent in control may submit forms.
    #[serde(default)]
    pub cobrowse_allow_submit: bool,
}

fn default_file_max_mb() -> u32 {
    10
}

fn default_conversation_files_max_mb() -> u32 {
    50
}

/// One line of the audit log.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at_ms: i64,
    /// Who did it (empty when it was the command line).
    pub agent_name: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// The delivery log's kinds of email (beside `callback::DIAL_EVENT`).
pub const EMAIL_TRANSCRIPT: &str = "email.transcript";
pub const EMAIL_LEFT_MESSAGE: &str = "email.left_message";

/// A webhook delivery's states, as `Delivery::status` names them.
pub const DELIVERY_STATUSES: [&str; 3] = ["pending", "delivered", "failed"];

/// One webhook delivery and how it went (`GET /api/v1/admin/deliveries`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub kind: String,
    pub url: String,
    /// `pending`, `delivered` or `failed` (out of attempts).
    pub status: String,
    pub attempts: u32,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<u16>,
    /// Why the last attempt failed, if it did.
    pub last_error: String,
    pub created_at_ms: i64,
    pub done_at_ms: Option<i64>,
}
