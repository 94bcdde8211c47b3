//! `loadgen`: starts a real Rapport server as a child process on
//! 127.0.0.1, drives it with agents and visitors over real WebSockets, and
//! prints one figure per line as `name: value unit`.
//!
//! Run with `cargo xtask bench chat [--mode full|closed|open|sweep|idle]
//! [--visitors N] [--agents M] ...`. Progress goes to stderr; the figures
//! alone to stdout.

use std::time::Duration;

use clap::Parser;
use tokio::time::Instant;

use loadgen::cli::Args;
use loadgen::run;
use loadgen::server;
use loadgen::servers::Servers;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    args.validate()?;
    loadgen::raise_open_file_limit();
    let overall = Instant::now() + Duration::from_secs(args.deadline_secs);

    let binary = server::binary(args.server_bin.clone())?;
    let server = Servers::start(&binary, args.nodes as usize, args.agents, args.agent_capacity()).await?;
    eprintln!("loadgen: {} running: {}", binary.display(), server.describe());

    // Whatever happens in the run, the server is stopped before we report.
    let outcome = tokio::time::timeout_at(overall, run::drive(&args, &server, overall)).await;
    let log_tail = server.log_tail();
    let nodes = server.sample_nodes().await.unwrap_or_default();
    let stopped = server.stop().await;

    let outcome = match outcome {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => return Err(e.context(log_tail)),
        Err(_) => anyhow::bail!("the run passed its deadline of {} s\n{log_tail}", args.deadline_secs),
    };
    if let Err(e) = stopped {
        eprintln!("loadgen: stopping: {e:#}\n{log_tail}");
    }
    run::show_problems(&outcome.problems);
    for line in &outcome.lines {
        println!("{line}");
    }
    for line in node_shares(&nodes, &outcome.lines) {
        println!("{line}");
    }
    anyhow::ensure!(outcome.problems.is_empty(), "{} problems during the run", outcome.problems.len());
    Ok(())
}

/// Per node of a cluster: the messages it stored, and its share of the
/// run's rate (the last rate line the run printed: the closed loop's, or
/// the highest open-loop step's delivered rate).
fn node_shares(nodes: &[loadgen::servers::NodeSample], lines: &[String]) -> Vec<String> {
    let total: u64 = nodes.iter().map(|n| n.messages).sum();
    let rate = lines
        .iter()
        .rev()
        .find(|l| l.starts_with("messages_per_second:") || (l.starts_with("open_loop_") && l.contains("_delivered:")))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok());
    let mut out = Vec::new();
    for node in nodes {
        out.push(format!("{}_messages_stored: {} messages", node.name, node.messages));
        if let (Some(rate), true) = (rate, total > 0) {
            out.push(format!("{}_messages_per_second: {:.0} msg/s", node.name, rate * node.messages as f64 / total as f64));
        }
    }
    if !nodes.is_empty() {
        out.push(format!("cluster_messages_stored: {total} messages"));
    }
    out
}
