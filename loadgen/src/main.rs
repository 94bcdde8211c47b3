//! `loadgen`: starts a real Rapport server as a child process on
//! 127.0.0.1, drives it with agents and visitors over real WebSockets, and
//! prints one figure per line as `name: value unit`.
//!
//! Run with `cargo xtask bench chat [--mode full|closed|open|sweep|idle]
//! [--visitors N] [--agents M] ...`. Progress goes to stderr; the figures
//! alone to stdout.

use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::time::Instant;

use loadgen::cli::Args;
use loadgen::server::{self, ServerProcess};
use loadgen::{fixture, run};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    args.validate()?;
    loadgen::raise_open_file_limit();
    let overall = Instant::now() + Duration::from_secs(args.deadline_secs);

    let binary = server::binary(args.server_bin.clone())?;
    let data = tempfile::tempdir().context("creating a data directory")?;
    fixture::prepare(data.path(), args.agents, args.agent_capacity()).await?;
    let server = ServerProcess::start(&binary, data.path()).await?;
    eprintln!("loadgen: server {} running on {}", binary.display(), server.endpoint.addr);

    // Whatever happens in the run, the server is stopped before we report.
    let outcome = tokio::time::timeout_at(overall, run::drive(&args, &server, overall)).await;
    let log_tail = server.log_tail();
    let stopped = server.stop().await;

    let outcome = match outcome {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => return Err(e.context(log_tail)),
        Err(_) => anyhow::bail!("the run passed its deadline of {} s\n{log_tail}", args.deadline_secs),
    };
    let status = stopped.context("stopping the server")?;
    if !status.success() {
        eprintln!("loadgen: the server exited with {status}\n{log_tail}");
    }
    run::show_problems(&outcome.problems);
    for line in &outcome.lines {
        println!("{line}");
    }
    anyhow::ensure!(outcome.problems.is_empty(), "{} problems during the run", outcome.problems.len());
    Ok(())
}
