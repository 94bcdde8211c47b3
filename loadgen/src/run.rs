//! One load run against a started server, phase by phase: idle visitors
//! come and go; agents go available; chatting visitors connect and are
//! accepted; then they send (closed loop, a fixed rate, or a sweep of
//! rates), and the figures are gathered. Every phase has a deadline.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::agent::{self, AgentReport};
use crate::cli::{Args, Mode};
use crate::idle;
use crate::open::{self, Step, SWEEP};
use crate::receipts::Receipts;
use crate::report::{ms, ClosedFigures};
use crate::servers::Servers;
use crate::visitor::{self, Visitor};

/// Upgrades in flight at once. The server would take more, but a wave of
/// hundreds of simultaneous handshakes tests the kernel's accept queue,
/// not the chat server.
const CONCURRENT_HANDSHAKES: usize = 64;

/// How long memory is left to settle before it is read.
const SETTLE: Duration = Duration::from_millis(500);

/// The longest any single phase may take, within the overall deadline.
const PHASE_LIMIT: Duration = Duration::from_secs(60);

/// Problems shown in full; the rest are only counted.
const SHOWN_PROBLEMS: usize = 10;

pub struct Outcome {
    pub lines: Vec<String>,
    pub problems: Vec<String>,
}

fn phase_deadline(overall: Instant) -> Instant {
    (Instant::now() + PHASE_LIMIT).min(overall)
}

fn joined<T>(result: Result<anyhow::Result<T>, tokio::task::JoinError>) -> anyhow::Result<T> {
    result.context("a task panicked")?
}

/// Agents available, visitors in accepted chats, and the agents' tasks
/// recording what arrives.
struct Floor {
    visitors: Vec<Visitor>,
    agents: JoinSet<AgentReport>,
    stop: watch::Sender<bool>,
    receipts: Arc<Receipts>,
    rss_idle_kib: u64,
    rss_connected_kib: u64,
}

pub async fn drive(args: &Args, server: &Servers, overall: Instant) -> anyhow::Result<Outcome> {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    if matches!(args.mode, Mode::Idle | Mode::Full) {
        eprintln!("loadgen: {} idle visitors connect and hold", args.idle_visitors);
        let figures = idle::hold(server, args.idle_visitors, phase_deadline(overall)).await?;
        lines.extend(figures.lines());
        if args.mode == Mode::Idle {
            return Ok(Outcome { lines, problems });
        }
    }
    let floor = staff(args, server, overall, &mut lines, &mut problems).await?;
    match args.mode {
        Mode::Closed => closed(args, server, floor, overall, &mut lines, &mut problems).await?,
        Mode::Open => {
            let steps = open_loop(floor, &[args.rate], args.seconds, &mut problems).await?;
            lines.extend(steps.iter().flat_map(step_lines));
        }
        Mode::Sweep | Mode::Full => {
            let steps = open_loop(floor, &SWEEP, args.seconds, &mut problems).await?;
            lines.extend(sweep_lines(&steps));
        }
        Mode::Idle => {}
    }
    Ok(Outcome { lines, problems })
}

async fn staff(args: &Args, server: &Servers, overall: Instant, lines: &mut Vec<String>, problems: &mut Vec<String>) -> anyhow::Result<Floor> {
    let nodes_before = server.sample_nodes().await?;
    eprintln!("loadgen: {} agents log in and go available", args.agents);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let mut logins = JoinSet::new();
    for i in 0..args.agents {
        logins.spawn(agent::connect(server.endpoint(i), http.clone(), i));
    }
    let mut agent_sockets = Vec::new();
    while let Some(result) = logins.join_next().await {
        // A run without all its agents measures something else: stop here.
        agent_sockets.push(joined(result).context("connecting an agent")?);
    }
    tokio::time::sleep(SETTLE).await;
    let rss_idle_kib = server.rss_kib()?;

    let (stop, stop_rx) = watch::channel(false);
    let receipts = Arc::new(Receipts::default());
    let mut agents = JoinSet::new();
    for socket in agent_sockets {
        agents.spawn(agent::run(socket, stop_rx.clone(), receipts.clone(), overall));
    }

    eprintln!("loadgen: {} visitors connect and start chats", args.visitors);
    let connected_at = Instant::now();
    let handshakes = Arc::new(Semaphore::new(CONCURRENT_HANDSHAKES));
    let deadline = phase_deadline(overall);
    let mut connecting = JoinSet::new();
    for i in 0..args.visitors {
        connecting.spawn(visitor::connect(server.endpoint(i), handshakes.clone(), i, deadline));
    }
    let mut visitors = Vec::new();
    while let Some(result) = connecting.join_next().await {
        match joined(result) {
            Ok(v) => visitors.push(v),
            Err(e) => problems.push(format!("visitor did not get a chat: {e:#}")),
        }
    }
    eprintln!("loadgen: {} chats answered in {:.1} s", visitors.len(), connected_at.elapsed().as_secs_f64());
    tokio::time::sleep(SETTLE).await;
    let rss_connected_kib = server.rss_kib()?;
    // Per node of a cluster: what the connections on it cost it.
    for (before, after) in nodes_before.iter().zip(server.sample_nodes().await?) {
        let added = after.rss_kib.saturating_sub(before.rss_kib) as f64;
        lines.push(format!("{}_connections: {} connections", after.name, after.connections));
        lines.push(format!("{}_rss_loaded: {:.1} MiB", after.name, after.rss_kib as f64 / 1024.0));
        lines.push(format!("{}_memory_per_connection: {:.1} KiB", after.name, added / after.connections.max(1) as f64));
    }
    Ok(Floor { visitors, agents, stop, receipts, rss_idle_kib, rss_connected_kib })
}

async fn closed(args: &Args, server: &Servers, floor: Floor, overall: Instant, lines: &mut Vec<String>, problems: &mut Vec<String>) -> anyhow::Result<()> {
    let Floor { visitors, mut agents, stop, receipts, rss_idle_kib, rss_connected_kib } = floor;
    eprintln!("loadgen: each visitor sends {} messages", args.messages);
    let started = Instant::now();
    let deadline = phase_deadline(overall);
    let expected = visitors.len() as u64 * u64::from(args.messages);
    let connections_added = visitors.len() as u64;
    let mut chatting = JoinSet::new();
    for mut v in visitors {
        let count = args.messages;
        chatting.spawn(async move {
            let result = v.chat(count, deadline).await;
            (v, result)
        });
    }
    let mut finished = Vec::new();
    while let Some(result) = chatting.join_next().await {
        match result {
            Ok((v, Ok(_))) => finished.push(v),
            Ok((v, Err(e))) => {
                problems.push(format!("visitor {} could not finish: {e:#}", v.index));
                v.close().await;
            }
            Err(e) => problems.push(format!("a visitor task panicked: {e}")),
        }
    }
    // Acks come before delivery to the agent; give the last ones time.
    while receipts.count() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let send_window_secs = started.elapsed().as_secs_f64();
    let rss_loaded_kib = server.rss_kib()?.max(rss_connected_kib);
    let reports = stop_agents(&mut agents, stop, problems).await;
    let held = finished.len() as u64 + reports.iter().filter(|r| r.held).count() as u64;
    for v in finished {
        v.close().await;
    }
    if receipts.count() != expected {
        problems.push(format!("{} of {expected} messages reached an agent", receipts.count()));
    }
    let figures = ClosedFigures {
        connections_held: held,
        messages_delivered: receipts.count(),
        send_window_secs,
        latencies_us: receipts.all_latencies(),
        rss_idle_kib,
        rss_loaded_kib,
        connections_added,
    };
    lines.extend(figures.lines());
    Ok(())
}

async fn open_loop(floor: Floor, rates: &[u32], seconds: u64, problems: &mut Vec<String>) -> anyhow::Result<Vec<Step>> {
    let Floor { visitors, mut agents, stop, receipts, .. } = floor;
    anyhow::ensure!(!visitors.is_empty(), "no visitor got a chat");
    let open: Vec<_> = visitors.into_iter().map(Visitor::open_loop).collect();
    let mut steps = Vec::new();
    for &rate in rates {
        let step = open::step(&open, &receipts, rate, seconds).await;
        eprintln!("loadgen: offered {rate} msg/s: sent {}, delivered {}, p50 {} ms, p99 {} ms", step.sent, step.delivered, ms(step.p50_us), ms(step.p99_us));
        let holds = step.holds();
        steps.push(step);
        if !holds && rates.len() > 1 {
            break;
        }
    }
    for v in open {
        drop(v.sends);
        if let Ok(Err(e)) = v.sender.await {
            problems.push(format!("a visitor's sender: {e:#}"));
        }
        v.reader.abort();
    }
    stop_agents(&mut agents, stop, problems).await;
    Ok(steps)
}

async fn stop_agents(agents: &mut JoinSet<AgentReport>, stop: watch::Sender<bool>, problems: &mut Vec<String>) -> Vec<AgentReport> {
    let _ = stop.send(true);
    let mut reports = Vec::new();
    while let Some(result) = agents.join_next().await {
        match result {
            Ok(mut report) => {
                problems.append(&mut report.problems);
                reports.push(report);
            }
            Err(e) => problems.push(format!("an agent task panicked: {e}")),
        }
    }
    reports
}

fn step_lines(step: &Step) -> Vec<String> {
    let rate = step.offered;
    vec![
        format!("open_loop_{rate}_offered: {rate} msg/s"),
        format!("open_loop_{rate}_delivered: {:.0} msg/s", step.achieved),
        format!("open_loop_{rate}_p50: {} ms", ms(step.p50_us)),
        format!("open_loop_{rate}_p99: {} ms", ms(step.p99_us)),
    ]
}

/// The figures at 1,000 msg/s, every step's p99, and the highest rate that
/// held (all delivered, p99 under 50 ms).
fn sweep_lines(steps: &[Step]) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(first) = steps.first() {
        lines.extend(step_lines(first));
    }
    for step in steps.iter().skip(1) {
        lines.push(format!("open_loop_{}_p99: {} ms", step.offered, ms(step.p99_us)));
    }
    let best = steps.iter().filter(|s| s.holds()).map(|s| s.offered).max().unwrap_or(0);
    lines.push(format!("durable_rate_p99_under_50ms: {best} msg/s"));
    lines
}

/// Prints the first problems in full and counts the rest, on stderr.
pub fn show_problems(problems: &[String]) {
    for p in problems.iter().take(SHOWN_PROBLEMS) {
        eprintln!("loadgen: problem: {p}");
    }
    if problems.len() > SHOWN_PROBLEMS {
        eprintln!("loadgen: ... and {} more problems", problems.len() - SHOWN_PROBLEMS);
    }
}
