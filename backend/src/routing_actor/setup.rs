//! What the engine is told about queues and agents, read from the store:
//! an admin's queue as the engine's [`QueueSpec`], an agent's skills and
//! queues as their [`AgentProfile`], and whether a queue is open now.

use protocol::admin::Queue;
use protocol::agent::Presence;
use protocol::AgentId;
use routing::{AgentProfile, QueueSpec, RelaxStep};

use crate::hours;
use crate::store::{Result, Store};

/// The engine's view of an admin's queue, open or closed as given.
pub fn spec_of(queue: &Queue, open: bool) -> QueueSpec {
    let c = &queue.config;
    let secs = |s: u32| u64::from(s) * 1000;
    QueueSpec {
        site: c.site_id,
        strategy: c.strategy,
        priority: c.priority,
        skills: c.skills.clone(),
        level: c.level.min(routing::MAX_LEVEL),
        relax: c.relax.iter().map(|r| RelaxStep { after_ms: secs(r.after_secs), level: r.level.min(routing::MAX_LEVEL) }).collect(),
        max_len: c.max_len,
        max_wait_ms: c.max_wait_secs.map(secs),
        overflow: c.overflow_queue_id,
        fallback: routing::Fallback::LeaveMessage,
        open,
        wrap_up_ms: c.wrap_up_secs.map(secs),
    }
}

/// Whether the queue is inside its business hours at `now_ms`. A calendar
/// that cannot be read (it is validated when saved, so only a corrupt
/// database has one) counts as open rather than turning everyone away.
pub fn open_at(queue: &Queue, now_ms: i64) -> bool {
    match &queue.config.hours {
        None => true,
        Some(h) => hours::is_open(h, now_ms).unwrap_or_else(|e| {
            tracing::error!(queue = %queue.id, error = %e, "a queue's business hours cannot be read; treating it as open");
            true
        }),
    }
}

/// The agent's profile if they may take work now: enabled and set
/// available. Skills and queues come from the store each time, so they
/// follow the agent to whatever browser they log in from.
pub async fn available_profile(store: &Store, agent: AgentId) -> Result<Option<AgentProfile>> {
    let Some(record) = store.agent(agent).await?.filter(|a| !a.disabled && a.presence == Presence::Available) else { return Ok(None) };
    let skills = store.agent_skills(agent).await?.into_iter().map(|s| (s.skill_id, s.level)).collect();
    let queues = store.queues_served_by(agent).await?;
    Ok(Some(AgentProfile { capacity: record.capacity, skills, queues }))
}
