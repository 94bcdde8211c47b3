//! What the engine is told about queues and agents: their configuration,
//! as plain data the gateway reads from the store.

use std::collections::BTreeMap;

use crate::{Millis, QueueId, SiteId, SkillId};

/// A skill level: 1 (novice) to [`MAX_LEVEL`] (expert). A requirement of 0
/// means "any agent of the queue, skilled or not".
pub type Level = u8;

pub const MAX_LEVEL: Level = 5;

/// How a queue picks among the eligible free agents: the wire's own
/// type, since an admin chooses it.
pub use protocol::admin::Strategy;

/// After `after_ms` in the queue, the required level drops to `level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelaxStep {
    pub after_ms: Millis,
    pub level: Level,
}

/// What a queue offers a visitor who cannot wait in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fallback {
    /// A leave-a-message form, stored for follow-up.
    #[default]
    LeaveMessage,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueSpec {
    pub site: SiteId,
    pub strategy: Strategy,
    /// Higher goes first, across the queues an agent serves.
    pub priority: i32,
    /// Skills every agent offered this queue's conversations must have...
    pub skills: Vec<SkillId>,
    /// ...at this level at first...
    pub level: Level,
    /// ...relaxing in these steps (in order of time).
    pub relax: Vec<RelaxStep>,
    /// More waiting conversations than this overflow or fall back.
    pub max_len: Option<u32>,
    /// A conversation waiting this long overflows or falls back.
    pub max_wait_ms: Option<Millis>,
    /// Where conversations go beyond the limits or while closed; without
    /// it, they reach the fallback.
    pub overflow: Option<QueueId>,
    pub fallback: Fallback,
    /// Inside business hours (the gateway evaluates the calendar).
    pub open: bool,
    /// After-contact work: how long a handled conversation keeps its agent
    /// busy after it ends, unless wrapped up sooner. None: no wrap-up.
    pub wrap_up_ms: Option<Millis>,
}

impl QueueSpec {
    /// A queue that takes every conversation of `site` for any of its
    /// agents, longest idle first, always open.
    pub fn open_to_all(site: SiteId) -> QueueSpec {
        QueueSpec {
            site,
            strategy: Strategy::default(),
            priority: 0,
            skills: Vec::new(),
            level: 0,
            relax: Vec::new(),
            max_len: None,
            max_wait_ms: None,
            overflow: None,
            fallback: Fallback::default(),
            open: true,
            wrap_up_ms: None,
        }
    }

    /// The level required after waiting `waited` in the queue, and when it
    /// next drops (as time waited), if it does.
    pub fn level_after(&self, waited: Millis) -> (Level, Option<Millis>) {
        let mut level = self.level;
        for step in &self.relax {
            if waited < step.after_ms {
                return (level, Some(step.after_ms));
            }
            level = level.min(step.level);
        }
        (level, None)
    }

    /// How qualified an agent with `skills` is for this queue: the lowest of
    /// their levels in the required skills (0 if one is missing), or the
    /// top level when the queue requires none.
    pub fn qualification(&self, skills: &BTreeMap<SkillId, Level>) -> Level {
        self.skills.iter().map(|s| skills.get(s).copied().unwrap_or(0)).min().unwrap_or(MAX_LEVEL).min(MAX_LEVEL)
    }
}

/// What the engine needs to know of an available agent. Read from the
/// store at each login, so an agent's skills and queues follow them to any
/// browser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentProfile {
    /// Units of work the agent takes at once (a chat costs
    /// [`crate::EngineConfig::chat_cost`]).
    pub capacity: u32,
    pub skills: BTreeMap<SkillId, Level>,
    pub queues: Vec<QueueId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_relax_in_steps_and_never_rise() {
        let mut q = QueueSpec::open_to_all(SiteId(1));
        q.level = 4;
        q.relax = vec![RelaxStep { after_ms: 30_000, level: 2 }, RelaxStep { after_ms: 60_000, level: 0 }, RelaxStep { after_ms: 90_000, level: 3 }];
        assert_eq!(q.level_after(0), (4, Some(30_000)));
        assert_eq!(q.level_after(29_999), (4, Some(30_000)));
        assert_eq!(q.level_after(30_000), (2, Some(60_000)));
        assert_eq!(q.level_after(60_000), (0, Some(90_000)));
        assert_eq!(q.level_after(100_000), (0, None), "a later step cannot raise the bar again");
    }

    #[test]
    fn an_agent_is_as_qualified_as_their_weakest_required_skill() {
        let mut q = QueueSpec::open_to_all(SiteId(1));
        let skills: BTreeMap<SkillId, Level> = [(SkillId(1), 5), (SkillId(2), 3)].into();
        assert_eq!(q.qualification(&skills), MAX_LEVEL, "no requirement: everyone is fully qualified");
        q.skills = vec![SkillId(1), SkillId(2)];
        assert_eq!(q.qualification(&skills), 3);
        q.skills.push(SkillId(9));
        assert_eq!(q.qualification(&skills), 0);
    }
}
