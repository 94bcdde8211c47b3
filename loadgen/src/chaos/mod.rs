//! The chaos test: visitors and agents chat over real WebSockets while the
//! harness cuts random connections and kills the server with SIGKILL (and
//! starts it again on the same address and data). Then everyone catches
//! up, and what every client saw and what every client typed is compared
//! with what the database holds.

mod client;
mod target;
mod verify;
mod view;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use protocol::{ConversationId, HISTORY_PAGE};
use rapport::config::DatabaseLocation;
use rapport::store::{Store, StoreOptions};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::server;
use client::{Agent, Control, Floor, Report, Rng, Visitor};
use target::Target;
pub use verify::Verdict;
use verify::{verify, Stored};

/// How much chaos, for how long.
#[derive(Clone, Debug)]
pub struct Plan {
    pub visitors: u32,
    pub agents: u32,
    pub cuts: u32,
    pub kills: u32,
    /// Seconds of typing and chaos (catching up comes after).
    pub seconds: u64,
    pub server_bin: Option<PathBuf>,
    /// 1: one server on SQLite; more: a cluster (PostgreSQL, NATS, HAProxy).
    pub nodes: usize,
}

pub struct Outcome {
    pub socket_cuts: u64,
    pub server_kills: u64,
    /// Connections the clients opened, first ones included.
    pub connections: u64,
    pub stale_accepts_refused: u64,
    pub verdict: Verdict,
    pub seconds: f64,
}

impl Outcome {
    pub fn lines(&self) -> Vec<String> {
        let v = &self.verdict;
        vec![
            format!("socket_cuts: {}", self.socket_cuts),
            format!("server_kills: {}", self.server_kills),
            format!("messages_sent: {}", v.messages_sent),
            format!("messages_acknowledged: {}", v.messages_acknowledged),
            format!("messages_stored: {}", v.messages_stored),
            format!("messages_lost: {}", v.messages_lost),
            format!("messages_doubled: {}", v.messages_doubled),
            format!("messages_out_of_order: {}", v.messages_out_of_order),
            format!("views_checked: {}", v.views_checked),
            format!("connections: {}", self.connections),
            format!("stale_accepts_refused: {}", self.stale_accepts_refused),
            format!("duration: {:.1} s", self.seconds),
        ]
    }
}

/// How long the clients have to deliver everything and catch up.
const SETTLE: Duration = Duration::from_secs(90);

pub async fn run(plan: &Plan) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let binary = server::binary(plan.server_bin.clone())?;
    let capacity = plan.visitors.div_ceil(plan.agents) + 5;
    let mut target = Target::start(&binary, plan.nodes, plan.agents, capacity).await?;
    let addr = target.addr();
    eprintln!("chaos: {}; {} agents and {} visitors", target.describe(), plan.agents, plan.visitors);

    let floor = Arc::new(Floor { addr, typing: AtomicBool::new(true), unacknowledged: AtomicI64::new(0), resynced: AtomicU64::new(0) });
    let mut clients = Vec::new();
    let mut tasks: JoinSet<Report> = JoinSet::new();
    for i in 0..plan.agents {
        let (tx, rx) = mpsc::channel(16);
        clients.push(tx);
        tasks.spawn(Agent::new(i, floor.clone()).run(rx));
    }
    // Agents first, so chats are answered as they start.
    tokio::time::sleep(Duration::from_secs(1)).await;
    for i in 0..plan.visitors {
        let (tx, rx) = mpsc::channel(16);
        clients.push(tx);
        tasks.spawn(Visitor::new(i, floor.clone()).run(rx));
    }

    let (socket_cuts, server_kills) = unleash(plan, &clients, &mut target).await?;
    floor.typing.store(false, Ordering::Relaxed);
    eprintln!("chaos: {socket_cuts} cuts and {server_kills} kills done; waiting for every message to be acknowledged");
    wait_until("every typed message acknowledged", SETTLE, || floor.unacknowledged.load(Ordering::Relaxed) <= 0).await?;
    for client in &clients {
        let _ = client.send(Control::Resync).await;
    }
    let total = clients.len() as u64;
    wait_until("every client caught up", SETTLE, || floor.resynced.load(Ordering::Relaxed) >= total).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    for client in &clients {
        let _ = client.send(Control::Stop).await;
    }
    let mut reports = Vec::new();
    while let Some(report) = tasks.join_next().await {
        reports.push(report.context("a client task panicked")?);
    }
    target.stop().await?;
    let stored = read_store(&target.database(), &reports).await?;
    let verdict = verify(&reports, &stored);
    let connections = reports.iter().map(|r| r.connects).sum();
    let stale_accepts_refused = reports.iter().map(|r| r.refused).sum();
    Ok(Outcome { socket_cuts, server_kills, connections, stale_accepts_refused, verdict, seconds: started.elapsed().as_secs_f64() })
}

/// The chaos itself: cuts spread evenly over the run, kills between them.
async fn unleash(plan: &Plan, clients: &[mpsc::Sender<Control>], target: &mut Target) -> anyhow::Result<(u64, u64)> {
    let mut rng = Rng::new(7);
    let length = Duration::from_secs(plan.seconds);
    let start = Instant::now();
    let cut_every = length / plan.cuts.max(1);
    let kill_every = length / (plan.kills + 1);
    let (mut cuts, mut kills) = (0u64, 0u64);
    while start.elapsed() < length && (cuts < u64::from(plan.cuts) || kills < u64::from(plan.kills)) {
        let next_cut = start + cut_every * (cuts as u32 + 1);
        let next_kill = start + kill_every * (kills as u32 + 1);
        if kills < u64::from(plan.kills) && next_kill <= next_cut {
            tokio::time::sleep_until(next_kill).await;
            let victim = target.kill_one(&mut rng).await?;
            kills += 1;
            eprintln!("chaos: killed and restarted {victim} ({kills})");
        } else {
            tokio::time::sleep_until(next_cut).await;
            let victim = &clients[(rng.next() % clients.len() as u64) as usize];
            if victim.try_send(Control::Cut).is_ok() {
                cuts += 1;
            }
        }
    }
    Ok((cuts, kills))
}

async fn wait_until(what: &str, limit: Duration, done: impl Fn() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while !done() {
        anyhow::ensure!(Instant::now() < deadline, "chaos: no {what} within {} s", limit.as_secs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Every message of every conversation any client took part in.
async fn read_store(location: &DatabaseLocation, reports: &[Report]) -> anyhow::Result<Stored> {
    let store = Store::open(location, StoreOptions::default()).await.context("opening the database after the run")?;
    let mut ids: Vec<ConversationId> = reports.iter().flat_map(|r| r.views.keys().copied().chain(r.typed.iter().filter_map(|t| t.0))).collect();
    ids.sort();
    ids.dedup();
    let mut stored = Stored::new();
    for id in ids {
        let mut messages = std::collections::BTreeMap::new();
        let mut after = 0;
        loop {
            let page = store.messages_after(id, after, HISTORY_PAGE * 20).await?;
            let Some(last) = page.last().map(|m| m.seq) else { break };
            for m in page {
                messages.insert(m.seq, (m.client_id, m.text));
            }
            after = last;
        }
        stored.insert(id, messages);
    }
    store.close().await;
    Ok(stored)
}
