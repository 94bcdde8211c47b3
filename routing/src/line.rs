//! One queue's waiting conversations: all of them in the order they are
//! served (for positions), and those open to any eligible agent grouped by
//! the skill level they require now (for matching).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use crate::spec::{Level, MAX_LEVEL};
use crate::{ConversationId, Millis};

/// Arrival order within the engine; grows with every enqueue.
pub type Ticket = u64;

/// Where a waiting conversation stands: higher priority first, then the
/// earlier first entry, then arrival order in the engine (so ties break the
/// same way every run).
pub type Place = (Reverse<i64>, Millis, Ticket);

const LEVELS: usize = MAX_LEVEL as usize + 1;

#[derive(Clone, Debug, Default)]
pub struct Line {
    /// Every waiting conversation, in the order they are served.
    pub order: BTreeMap<Place, ConversationId>,
    /// The waiting conversations nobody holds an offer for and that are not
    /// held for one agent, by the level they require now.
    pub open: [BTreeSet<(Place, ConversationId)>; LEVELS],
}

impl Line {
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// 1-based place of the conversation at `place`. Costs the smaller of
    /// the number ahead and the number behind, which is why the engine
    /// tells positions in batches, not per event.
    pub fn position(&self, place: &Place) -> u32 {
        let half = self.order.len() / 2;
        let behind = self.order.range((Bound::Excluded(place), Bound::Unbounded)).rev().take(half + 1).count();
        if behind <= half {
            (self.order.len() - behind) as u32
        } else {
            self.order.range(..place).count() as u32 + 1
        }
    }

    /// The first open conversation an agent qualified at `qualification`
    /// may take, skipping those `skip` rules out: the best head among the
    /// groups at or below the agent's level.
    pub fn best_for(&self, qualification: Level, skip: impl Fn(ConversationId) -> bool) -> Option<(Place, ConversationId)> {
        self.open[..=usize::from(qualification.min(MAX_LEVEL))].iter().filter_map(|group| group.iter().find(|(_, c)| !skip(*c)).copied()).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(priority: i64, entered: Millis, ticket: Ticket) -> Place {
        (Reverse(priority), entered, ticket)
    }

    #[test]
    fn positions_count_from_whichever_end_is_nearer() {
        let mut line = Line::default();
        for t in 0..10 {
            line.order.insert(place(0, t, t), ConversationId(t as i64));
        }
        line.order.insert(place(5, 100, 10), ConversationId(10));
        assert_eq!(line.position(&place(5, 100, 10)), 1, "higher priority goes first whatever its age");
        assert_eq!(line.position(&place(0, 0, 0)), 2);
        assert_eq!(line.position(&place(0, 9, 9)), 11);
        assert_eq!(line.position(&place(0, 4, 4)), 6);
        assert_eq!(line.position(&place(0, 5, 5)), 7);
    }

    #[test]
    fn an_agent_is_offered_the_best_conversation_within_their_level() {
        let mut line = Line::default();
        line.open[4].insert((place(0, 1, 1), ConversationId(1)));
        line.open[2].insert((place(0, 2, 2), ConversationId(2)));
        line.open[0].insert((place(1, 3, 3), ConversationId(3)));
        assert_eq!(line.best_for(5, |_| false).map(|b| b.1), Some(ConversationId(3)), "priority first");
        assert_eq!(line.best_for(5, |c| c == ConversationId(3)).map(|b| b.1), Some(ConversationId(1)));
        assert_eq!(line.best_for(3, |c| c == ConversationId(3)).map(|b| b.1), Some(ConversationId(2)), "level 4 is out of reach");
        assert_eq!(line.best_for(1, |c| c == ConversationId(3)), None);
    }
}
