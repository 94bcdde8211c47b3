//! Contact-centre reports computed exactly from the routing record: every
//! step a conversation took (entered a queue, was offered, accepted, ended,
//! wrapped up, ...) and every change of an agent's state, each with its
//! time. Nothing here is sampled or kept as a running total, so a report
//! can be recomputed for any interval and checked by hand.
//!
//! Definitions (the common ones of contact-centre platforms, stated so that
//! a figure can be traced back to the record):
//! - a queue's **entered** contacts are the `Entered` steps into it in the
//!   interval; their outcome in that queue is the next step that ends the
//!   wait: `Accepted` (answered), `Abandoned` or `Ended` while waiting
//!   (abandoned), `Overflowed`, `FellBack` or `Transferred` (left);
//! - **speed of answer** is from entering the queue to acceptance; the
//!   **average speed of answer** averages it over answered contacts;
//! - **service level** is the share of answered and abandoned contacts
//!   that were answered within the threshold;
//! - **abandonment** is abandoned ÷ (answered + abandoned);
//! - **handle time** is from acceptance to the end (or transfer) plus the
//!   after-contact work up to the wrap-up; averaged over contacts answered
//!   from the queue in the interval whose handling is complete;
//! - an agent's **occupancy** is the time they had at least one
//!   conversation (wrap-up included) while staffed, over their staffed
//!   time; staffed means available or in after-contact work, not away or
//!   offline.

use std::collections::BTreeMap;

use crate::{AgentId, ConversationId, Millis, QueueId};

/// What a step of a conversation's routing was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepKind {
    Entered,
    Offered,
    Declined,
    Missed,
    Revoked,
    Accepted,
    Transferred,
    Overflowed,
    FellBack,
    Abandoned,
    Ended,
    WrappedUp,
}

impl StepKind {
    pub const ALL: [StepKind; 12] = [
        StepKind::Entered,
        StepKind::Offered,
        StepKind::Declined,
        StepKind::Missed,
        StepKind::Revoked,
        StepKind::Accepted,
        StepKind::Transferred,
        StepKind::Overflowed,
        StepKind::FellBack,
        StepKind::Abandoned,
        StepKind::Ended,
        StepKind::WrappedUp,
    ];

    /// The name the record stores.
    pub fn name(self) -> &'static str {
        match self {
            StepKind::Entered => "entered",
            StepKind::Offered => "offered",
            StepKind::Declined => "declined",
            StepKind::Missed => "missed",
            StepKind::Revoked => "offer_revoked",
            StepKind::Accepted => "accepted",
            StepKind::Transferred => "transferred",
            StepKind::Overflowed => "overflowed",
            StepKind::FellBack => "fell_back",
            StepKind::Abandoned => "abandoned",
            StepKind::Ended => "ended",
            StepKind::WrappedUp => "wrapped_up",
        }
    }

    pub fn from_name(name: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One recorded step. Steps of one conversation are ordered by time, then
/// by the order they were recorded in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub at: Millis,
    pub conversation: ConversationId,
    pub kind: StepKind,
    pub queue: Option<QueueId>,
    pub agent: Option<AgentId>,
}

/// An agent's state as the record keeps it ("busy" is not a state: it
/// follows from their conversations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Staffing {
    Available,
    AfterContactWork,
    Away,
    Offline,
}

impl Staffing {
    fn staffed(self) -> bool {
        matches!(self, Staffing::Available | Staffing::AfterContactWork)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateChange {
    pub at: Millis,
    pub agent: AgentId,
    pub state: Staffing,
}

/// One queue's figures for an interval.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueReport {
    pub entered: u32,
    pub answered: u32,
    pub answered_in_threshold: u32,
    pub abandoned: u32,
    /// Overflowed, fell back, or transferred away before an answer.
    pub left: u32,
    /// Still waiting at the end of the record.
    pub waiting: u32,
    pub service_level: Option<f64>,
    pub average_speed_of_answer_ms: Option<f64>,
    pub abandonment: Option<f64>,
    pub average_handle_ms: Option<f64>,
}

/// One agent's figures for an interval.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AgentReport {
    pub handled: u32,
    pub staffed_ms: Millis,
    pub busy_ms: Millis,
    pub occupancy: Option<f64>,
}

/// A handling: accepted by `agent` from `queue`, ending (wrap-up included)
/// at `until` if it has.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Handling {
    agent: AgentId,
    queue: QueueId,
    from: Millis,
    until: Option<Millis>,
}

/// A wait in a queue and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Wait {
    queue: QueueId,
    from: Millis,
    outcome: Option<(StepKind, Millis)>,
    /// The handling an answer led to.
    handling: Option<usize>,
}

#[derive(Default)]
struct Story {
    waits: Vec<Wait>,
    handlings: Vec<Handling>,
}

/// Replays each conversation's steps into its waits and handlings.
fn stories(steps: &[Step]) -> Vec<Story> {
    let mut by_conversation: BTreeMap<ConversationId, Vec<&Step>> = BTreeMap::new();
    for step in steps {
        by_conversation.entry(step.conversation).or_default().push(step);
    }
    by_conversation
        .into_values()
        .map(|mut steps| {
            // Stable: steps at the same time keep their recorded order.
            steps.sort_by_key(|s| s.at);
            let mut story = Story::default();
            let mut waiting: Option<usize> = None;
            let mut handling: Option<usize> = None;
            let mut ended_handling: Option<usize> = None;
            for step in steps {
                match step.kind {
                    StepKind::Entered => {
                        if let Some(queue) = step.queue {
                            story.waits.push(Wait { queue, from: step.at, outcome: None, handling: None });
                            waiting = Some(story.waits.len() - 1);
                        }
                    }
                    StepKind::Accepted => {
                        if let (Some(w), Some(agent)) = (waiting.take(), step.agent) {
                            let wait = &mut story.waits[w];
                            wait.outcome = Some((StepKind::Accepted, step.at));
                            story.handlings.push(Handling { agent, queue: wait.queue, from: step.at, until: None });
                            wait.handling = Some(story.handlings.len() - 1);
                            handling = Some(story.handlings.len() - 1);
                        }
                    }
                    StepKind::Abandoned | StepKind::Overflowed | StepKind::FellBack => {
                        if let Some(w) = waiting.take() {
                            story.waits[w].outcome = Some((step.kind, step.at));
                        }
                    }
                    StepKind::Transferred => {
                        if let Some(h) = handling.take() {
                            story.handlings[h].until = Some(step.at);
                        }
                    }
                    StepKind::Ended => {
                        if let Some(w) = waiting.take() {
                            story.waits[w].outcome = Some((StepKind::Abandoned, step.at));
                        }
                        if let Some(h) = handling.take() {
                            // Complete now, unless a wrap-up follows.
                            story.handlings[h].until = Some(step.at);
                            ended_handling = Some(h);
                        }
                    }
                    StepKind::WrappedUp => {
                        if let Some(h) = ended_handling.take() {
                            story.handlings[h].until = Some(step.at);
                        }
                    }
                    StepKind::Offered | StepKind::Declined | StepKind::Missed | StepKind::Revoked => {}
                }
            }
            story
        })
        .collect()
}

fn ratio(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

/// `queue`'s figures for contacts that entered it in `[from, to)`.
pub fn queue_report(steps: &[Step], queue: QueueId, threshold_ms: Millis, from: Millis, to: Millis) -> QueueReport {
    let mut r = QueueReport::default();
    let (mut answer_ms, mut handle_ms, mut handled) = (0u64, 0u64, 0u32);
    for story in stories(steps) {
        for wait in story.waits.iter().filter(|w| w.queue == queue && (from..to).contains(&w.from)) {
            r.entered += 1;
            match wait.outcome {
                Some((StepKind::Accepted, at)) => {
                    r.answered += 1;
                    answer_ms += at - wait.from;
                    if at - wait.from <= threshold_ms {
                        r.answered_in_threshold += 1;
                    }
                    if let Some(until) = wait.handling.and_then(|h| story.handlings[h].until) {
                        handled += 1;
                        handle_ms += until - story.handlings[wait.handling.unwrap_or_default()].from;
                    }
                }
                Some((StepKind::Abandoned, _)) => r.abandoned += 1,
                Some(_) => r.left += 1,
                None => r.waiting += 1,
            }
        }
    }
    let finished = f64::from(r.answered + r.abandoned);
    r.service_level = ratio(f64::from(r.answered_in_threshold), finished);
    r.abandonment = ratio(f64::from(r.abandoned), finished);
    r.average_speed_of_answer_ms = ratio(answer_ms as f64, f64::from(r.answered));
    r.average_handle_ms = ratio(handle_ms as f64, f64::from(handled));
    r
}

/// Merges overlapping intervals.
fn union(mut spans: Vec<(Millis, Millis)>) -> Vec<(Millis, Millis)> {
    spans.sort();
    let mut merged: Vec<(Millis, Millis)> = Vec::new();
    for (a, b) in spans.into_iter().filter(|(a, b)| a < b) {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// Total length of the overlap of two sets of disjoint intervals.
fn overlap(a: &[(Millis, Millis)], b: &[(Millis, Millis)]) -> Millis {
    let mut total = 0;
    for (a0, a1) in a {
        for (b0, b1) in b {
            let (s, e) = ((*a0).max(*b0), (*a1).min(*b1));
            if s < e {
                total += e - s;
            }
        }
    }
    total
}

/// `agent`'s figures for `[from, to)`. State changes before `from` set the
/// state the interval starts in; a handling still open at `to` counts up
/// to `to`.
pub fn agent_report(steps: &[Step], changes: &[StateChange], agent: AgentId, from: Millis, to: Millis) -> AgentReport {
    let mut changes: Vec<&StateChange> = changes.iter().filter(|c| c.agent == agent).collect();
    changes.sort_by_key(|c| c.at);
    let mut staffed = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let end = changes.get(i + 1).map_or(to, |next| next.at);
        if change.state.staffed() {
            staffed.push((change.at.max(from), end.min(to)));
        }
    }
    let staffed = union(staffed);
    let mut handled = 0;
    let mut busy = Vec::new();
    for story in stories(steps) {
        for h in story.handlings.iter().filter(|h| h.agent == agent) {
            let until = h.until.unwrap_or(to);
            if (from..to).contains(&h.from) {
                handled += 1;
            }
            busy.push((h.from.max(from), until.min(to)));
        }
    }
    let busy = union(busy);
    let staffed_ms: Millis = staffed.iter().map(|(a, b)| b - a).sum();
    let busy_ms = overlap(&busy, &staffed);
    AgentReport { handled, staffed_ms, busy_ms, occupancy: ratio(busy_ms as f64, staffed_ms as f64) }
}

#[cfg(test)]
mod tests;
