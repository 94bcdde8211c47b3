//! What every node of a cluster does for routing, owner or not: beat once
//! a second with whom it holds, and keep a copy of the owner's news (which
//! sites are staffed, who waits) for its own connections to read.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use protocol::cluster::{Heartbeat, RoutingNews};
use tokio::time::Instant;
use tokio_util::task::TaskTracker;

use super::supervisor::Rebuild;
use super::{lock, ClusterRole};
use crate::bus::subjects;
use crate::fatal::Fatal;

const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);

pub(super) async fn start(rebuild: &Rebuild, role: &ClusterRole, fatal: &Fatal, tasks: &TaskTracker) -> anyhow::Result<()> {
    let bus = rebuild.hub.bus().clone();
    let stop = fatal.shutdown_token().clone();
    let Some(mut news) = bus.subscribe::<RoutingNews>(subjects::ROUTING_NEWS.to_string()).await? else { return Ok(()) };
    let shared = rebuild.shared.clone();
    let until = stop.clone();
    tasks.spawn(async move {
        loop {
            tokio::select! {
                _ = until.cancelled() => break,
                message = news.next() => {
                    let Some(news) = message else { break };
                    if (news.epoch as i64) < shared.epoch.load(Ordering::SeqCst) {
                        continue;
                    }
                    shared.epoch.store(news.epoch as i64, Ordering::SeqCst);
                    *lock(&shared.staffed) = news.staffed.iter().map(|site| (*site, true)).collect::<HashMap<_, _>>();
                    *lock(&shared.waiting) = news.waiting;
                    *lock(&shared.heard) = Some(Instant::now());
                }
            }
        }
    });
    let (hub, shared, node) = (rebuild.hub.clone(), rebuild.shared.clone(), role.node.clone());
    tasks.spawn(async move {
        let mut every = tokio::time::interval(HEARTBEAT_EVERY);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = every.tick() => {
                    let waiting = lock(&shared.waiting).clone();
                    let visitors = waiting.into_iter().filter(|v| hub.visitor_is_connected(*v)).collect();
                    let beat = Heartbeat { node: node.clone(), agents: hub.connected_agents(), visitors };
                    bus.publish(subjects::HEARTBEAT.to_string(), &beat).await;
                }
            }
        }
    });
    Ok(())
}
