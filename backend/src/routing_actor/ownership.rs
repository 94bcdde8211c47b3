//! Which node of a cluster runs routing: the one holding the routing lease.
//!
//! Every node tries to claim the lease a few times per lease period. The
//! holder runs a term: it listens for forwarded inputs and heartbeats,
//! rebuilds the engine from the database, and runs it with every write
//! fenced by the term's epoch. The term ends when a renewal fails (another
//! node holds the lease, or the database could not be reached before the
//! lease ran out), when a write is refused because the epoch moved on, or
//! at shutdown, which gives the lease up so another node takes over at once.

use std::sync::atomic::Ordering;
use std::time::Duration;

use protocol::cluster::{Heartbeat, RoutingInput};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::actor::{Actor, Term};
use super::supervisor::{supervise, Rebuild};
use super::{wire, ClusterRole, Input};
use crate::bus::subjects;
use crate::fatal::Fatal;
use crate::store::leases::ROUTING;

pub(super) async fn own(mut inbox: mpsc::Receiver<Input>, rebuild: Rebuild, fatal: Fatal, role: ClusterRole) {
    let shutdown = fatal.shutdown_token().clone();
    let ttl = role.lease.as_millis() as i64;
    let every = role.lease / 4;
    loop {
        let Some(epoch) = claim(&rebuild, &role, ttl, every, &shutdown).await else { return };
        metrics::gauge!("rapport_lease_held", "lease" => ROUTING, "node" => role.node.clone()).set(1.0);
        tracing::info!(epoch, node = %role.node, "this node owns routing");
        let term = shutdown.child_token();
        run_term(&mut inbox, &rebuild, &fatal, &role, epoch, &term, ttl, every).await;
        term.cancel();
        rebuild.shared.owner.store(false, Ordering::SeqCst);
        metrics::gauge!("rapport_lease_held", "lease" => ROUTING, "node" => role.node.clone()).set(0.0);
        if shutdown.is_cancelled() {
            if let Err(e) = rebuild.store.release_lease(ROUTING, &role.node, epoch).await {
                tracing::warn!(error = %e, "could not give the routing lease up");
            }
            return;
        }
        tracing::warn!(epoch, "this node no longer owns routing");
    }
}

/// Waits until this node holds the lease; its epoch, or `None` at shutdown.
async fn claim(rebuild: &Rebuild, role: &ClusterRole, ttl: i64, every: Duration, shutdown: &CancellationToken) -> Option<i64> {
    loop {
        match rebuild.store.claim_lease(ROUTING, &role.node, ttl).await {
            Ok(Some(epoch)) => return Some(epoch),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not claim the routing lease"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return None,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_term(
    inbox: &mut mpsc::Receiver<Input>,
    rebuild: &Rebuild,
    fatal: &Fatal,
    role: &ClusterRole,
    epoch: i64,
    term: &CancellationToken,
    ttl: i64,
    every: Duration,
) {
    // Inputs left from an earlier term are stale; the rebuild below reads
    // what they did from the database.
    while inbox.try_recv().is_ok() {}
    let bus = rebuild.hub.bus().clone();
    // Listen before rebuilding, so nothing sent meanwhile is missed.
    let inputs = match bus.subscribe::<RoutingInput>(subjects::ROUTING_INPUT.to_string()).await {
        Ok(Some(inputs)) => inputs,
        _ => return tracing::warn!("could not listen for routing inputs; giving the term up"),
    };
    let beats = match bus.subscribe::<Heartbeat>(subjects::HEARTBEAT.to_string()).await {
        Ok(Some(beats)) => beats,
        _ => return tracing::warn!("could not listen for heartbeats; giving the term up"),
    };
    rebuild.shared.epoch.store(epoch, Ordering::SeqCst);
    rebuild.shared.owner.store(true, Ordering::SeqCst);
    tokio::spawn(forward(inputs, beats, rebuild.tx.clone(), term.clone()));
    tokio::spawn(renew(rebuild.store.clone(), role.node.clone(), epoch, ttl, every, term.clone()));

    let actor = match Actor::restore(rebuild, Some(Term { epoch, node: role.node.clone(), bus })).await {
        Ok(actor) => actor,
        Err(e) => return tracing::error!(error = %e, "could not rebuild routing from the database; giving the term up"),
    };
    supervise(actor, inbox, rebuild, fatal, term).await;
}

/// Forwarded inputs and heartbeats into the inbox, for as long as the term.
async fn forward(
    mut inputs: crate::bus::Subscription<RoutingInput>,
    mut beats: crate::bus::Subscription<Heartbeat>,
    tx: mpsc::Sender<Input>,
    term: CancellationToken,
) {
    loop {
        let input = tokio::select! {
            _ = term.cancelled() => break,
            input = inputs.next() => match input {
                Some(input) => wire::incoming(input),
                None => break,
            },
            beat = beats.next() => match beat {
                Some(beat) => Input::Heartbeat(beat),
                None => break,
            },
        };
        if tx.send(input).await.is_err() {
            break;
        }
    }
}

/// Renews the lease until it is lost (then ends the term). A renewal that
/// fails for want of the database is retried until the lease would have
/// run out.
async fn renew(store: crate::store::Store, node: String, epoch: i64, ttl: i64, every: Duration, term: CancellationToken) {
    let mut held_until = Instant::now() + Duration::from_millis(ttl as u64);
    loop {
        tokio::select! {
            _ = term.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let asked = Instant::now();
        match store.claim_lease(ROUTING, &node, ttl).await {
            Ok(Some(now)) if now == epoch => held_until = asked + Duration::from_millis(ttl as u64),
            Ok(other) => {
                tracing::warn!(epoch, now = ?other, "the routing lease moved on");
                return term.cancel();
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not renew the routing lease");
                if Instant::now() >= held_until {
                    return term.cancel();
                }
            }
        }
    }
}
