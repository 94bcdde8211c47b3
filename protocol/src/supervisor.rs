//! What supervisors read: the queues and agents as they are now, and the
//! contact-centre report of an interval (`/api/v1/supervisor/...`).

use serde::{Deserialize, Serialize};

use crate::agent::Presence;
use crate::{AgentId, QueueId, SiteId};

/// The floor now.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Overview {
    pub queues: Vec<QueueNow>,
    pub agents: Vec<AgentNow>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct QueueNow {
    pub id: QueueId,
    pub site_id: SiteId,
    pub name: String,
    pub open: bool,
    pub waiting: u32,
    /// How long the first in line has waited.
    pub longest_wait_secs: u32,
    /// Agents serving the queue who are available now.
    pub agents_available: u32,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AgentNow {
    pub id: AgentId,
    pub name: String,
    pub presence: Presence,
    /// Why they are away: `missed` when an offer lapsed unanswered.
    pub away_reason: String,
    /// Chats in progress; busy follows from these and the capacity.
    pub chats: u32,
    pub capacity: u32,
}

/// One queue's figures for the interval (see `routing::report` for the
/// definitions). Ratios are absent when nothing was there to divide.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct QueueFigures {
    pub id: QueueId,
    pub name: String,
    pub entered: u32,
    pub answered: u32,
    pub abandoned: u32,
    pub left: u32,
    pub service_level: Option<f64>,
    pub average_speed_of_answer_secs: Option<f64>,
    pub abandonment: Option<f64>,
    pub average_handle_secs: Option<f64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct AgentFigures {
    pub id: AgentId,
    pub name: String,
    pub handled: u32,
    pub staffed_secs: u64,
    pub occupancy: Option<f64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Report {
    pub from_ms: i64,
    pub to_ms: i64,
    /// Answered within this counts towards the service level.
    pub threshold_secs: u32,
    pub queues: Vec<QueueFigures>,
    pub agents: Vec<AgentFigures>,
}
