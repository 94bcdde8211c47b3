//! One site's queue: its waiting conversations in arrival order and its
//! free agents in the order they should be offered the next chat.

use std::collections::{BTreeMap, BTreeSet};

use crate::{AgentId, ConversationId, Millis};

/// Arrival order within the engine; grows with every enqueue.
pub type Ticket = u64;

/// Where a free agent stands in line: least loaded first, then the one idle
/// the longest, then the lowest id (so ties break the same way every run).
pub type ReadyKey = (u32, Millis, AgentId);

#[derive(Clone, Debug, Default)]
pub struct SiteQueue {
    /// Every waiting conversation, first come first.
    pub order: BTreeMap<Ticket, ConversationId>,
    /// The waiting conversations nobody holds an offer for.
    pub unoffered: BTreeSet<(Ticket, ConversationId)>,
    /// Available agents of the site with spare capacity.
    pub ready: BTreeSet<ReadyKey>,
}

impl SiteQueue {
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether dispatching could offer anything.
    pub fn has_work(&self) -> bool {
        !self.unoffered.is_empty() && !self.ready.is_empty()
    }

    /// 1-based place of the conversation with `ticket`. Costs its position,
    /// which is why the engine tells positions in batches, not per event.
    pub fn position(&self, ticket: Ticket) -> u32 {
        self.order.range(..ticket).count() as u32 + 1
    }
}
