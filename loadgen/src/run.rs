//! One load run against a started server, phase by phase: agents go
//! available, visitors connect and are accepted, visitors send, and the
//! figures are gathered. Every phase has a deadline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::agent::{self, AgentReport};
use crate::cli::Args;
use crate::report::Figures;
use crate::server::ServerProcess;
use crate::visitor::{self, Visitor};

/// Upgrades in flight at once. The server would take more, but a wave of
/// hundreds of simultaneous handshakes tests the kernel's accept queue,
/// not the chat server.
const CONCURRENT_HANDSHAKES: usize = 64;

/// How long memory is left to settle before it is read.
const SETTLE: Duration = Duration::from_millis(500);

/// The longest any single phase may take, within the overall deadline.
const PHASE_LIMIT: Duration = Duration::from_secs(40);

/// Problems shown in full; the rest are only counted.
const SHOWN_PROBLEMS: usize = 10;

pub struct Outcome {
    pub figures: Figures,
    pub expected_messages: u64,
    pub problems: Vec<String>,
}

fn phase_deadline(overall: Instant) -> Instant {
    (Instant::now() + PHASE_LIMIT).min(overall)
}

fn joined<T>(result: Result<anyhow::Result<T>, tokio::task::JoinError>) -> anyhow::Result<T> {
    result.context("a task panicked")?
}

pub async fn drive(args: &Args, server: &ServerProcess, overall: Instant) -> anyhow::Result<Outcome> {
    let endpoint = server.endpoint;
    let mut problems = Vec::new();

    eprintln!("loadgen: {} agents log in and go available", args.agents);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let mut logins = JoinSet::new();
    for i in 0..args.agents {
        logins.spawn(agent::connect(endpoint, http.clone(), i));
    }
    let mut agent_sockets = Vec::new();
    while let Some(result) = logins.join_next().await {
        // A run without all its agents measures something else: stop here.
        agent_sockets.push(joined(result).context("connecting an agent")?);
    }

    tokio::time::sleep(SETTLE).await;
    let rss_idle_kib = server.rss_kib()?;

    let (stop, stop_rx) = watch::channel(false);
    let received = Arc::new(AtomicU64::new(0));
    let mut agents = JoinSet::new();
    for socket in agent_sockets {
        agents.spawn(agent::run(socket, stop_rx.clone(), received.clone(), overall));
    }

    eprintln!("loadgen: {} visitors connect and start chats", args.visitors);
    let connected_at = Instant::now();
    let handshakes = Arc::new(Semaphore::new(CONCURRENT_HANDSHAKES));
    let deadline = phase_deadline(overall);
    let mut connecting = JoinSet::new();
    for i in 0..args.visitors {
        connecting.spawn(visitor::connect(endpoint, handshakes.clone(), i, deadline));
    }
    let mut visitors: Vec<Visitor> = Vec::new();
    while let Some(result) = connecting.join_next().await {
        match joined(result) {
            Ok(v) => visitors.push(v),
            Err(e) => problems.push(format!("visitor did not get a chat: {e:#}")),
        }
    }
    eprintln!("loadgen: {} chats answered in {:.1} s", visitors.len(), connected_at.elapsed().as_secs_f64());
    let visitors_connected = visitors.len() as u64;
    tokio::time::sleep(SETTLE).await;
    let rss_connected_kib = server.rss_kib()?;

    eprintln!("loadgen: each visitor sends {} messages", args.messages);
    let started = Instant::now();
    let deadline = phase_deadline(overall);
    let expected_messages = visitors.len() as u64 * args.messages as u64;
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
    while received.load(Ordering::Relaxed) < expected_messages && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let rss_loaded_kib = server.rss_kib()?.max(rss_connected_kib);

    let _ = stop.send(true);
    let mut reports: Vec<AgentReport> = Vec::new();
    while let Some(result) = agents.join_next().await {
        match result {
            Ok(report) => reports.push(report),
            Err(e) => problems.push(format!("an agent task panicked: {e}")),
        }
    }
    let visitors_held = finished.len() as u64;
    let mut closing = JoinSet::new();
    for v in finished {
        closing.spawn(v.close());
    }
    while closing.join_next().await.is_some() {}

    let last_receipt = reports.iter().filter_map(|r| r.last_receipt).max().unwrap_or(started);
    let agents_held = reports.iter().filter(|r| r.held).count() as u64;
    let accepted: u32 = reports.iter().map(|r| r.accepted).sum();
    eprintln!("loadgen: agents accepted {accepted} chats");
    for r in &mut reports {
        problems.append(&mut r.problems);
    }
    let figures = Figures {
        connections_held: visitors_held + agents_held,
        messages_delivered: received.load(Ordering::Relaxed),
        send_window: last_receipt.saturating_duration_since(started),
        latencies_us: reports.into_iter().flat_map(|r| r.latencies_us).collect(),
        rss_idle_kib,
        rss_loaded_kib,
        connections_added: visitors_connected,
    };
    Ok(Outcome { figures, expected_messages, problems })
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
