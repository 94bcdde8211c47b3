//! One queue's free agents: those available with room for more work,
//! grouped by how qualified they are for the queue and ordered within each
//! group by the queue's strategy.

use std::collections::BTreeSet;

use crate::spec::{Level, MAX_LEVEL};
use crate::AgentId;

/// An agent's place in a group: smaller goes first. What the two numbers
/// mean depends on the queue's strategy; the id breaks ties.
pub type PoolKey = (u64, u64, AgentId);

const LEVELS: usize = MAX_LEVEL as usize + 1;

#[derive(Clone, Debug, Default)]
pub struct Pool {
    pub by_level: [BTreeSet<PoolKey>; LEVELS],
    /// Available agents serving the queue, busy or not, and their
    /// capacities: what staffing and wait estimates read.
    pub staffed_agents: u32,
    pub staffed_units: u64,
}

impl Pool {
    /// The best free agent qualified at `level` or above that `skip` does
    /// not rule out: the first of each group's survivors, then the smallest.
    pub fn best_for(&self, level: Level, skip: impl Fn(AgentId) -> bool) -> Option<AgentId> {
        self.by_level[usize::from(level.min(MAX_LEVEL))..].iter().filter_map(|group| group.iter().find(|k| !skip(k.2)).copied()).min().map(|k| k.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_agent_is_the_first_in_strategy_order_among_the_qualified() {
        let mut pool = Pool::default();
        pool.by_level[5].insert((30, 0, AgentId(1)));
        pool.by_level[3].insert((10, 0, AgentId(2)));
        pool.by_level[1].insert((5, 0, AgentId(3)));
        assert_eq!(pool.best_for(0, |_| false), Some(AgentId(3)));
        assert_eq!(pool.best_for(2, |_| false), Some(AgentId(2)));
        assert_eq!(pool.best_for(2, |a| a == AgentId(2)), Some(AgentId(1)));
        assert_eq!(pool.best_for(5, |a| a == AgentId(1)), None);
    }
}
