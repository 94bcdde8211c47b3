//! Command-line options, with bounds that keep a run on one machine.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// Chats per agent the store accepts at most (it clamps capacity to this).
const MAX_AGENT_CAPACITY: u32 = 100;

/// Spare chat slots per agent beyond an even share, so uneven routing never
/// leaves a visitor waiting in the queue.
pub const SPARE_CAPACITY: u32 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Everything the issue asks to see: idle connections, then the
    /// open-loop sweep (which includes the figures at 1,000 msg/s).
    Full,
    /// Every visitor sends its messages one after another, each after the
    /// last one's ack (a person typing).
    Closed,
    /// A fixed offered rate for a while; latency from the scheduled send to
    /// the agent's receipt.
    Open,
    /// Open loop at rising rates until p99 passes 50 ms.
    Sweep,
    /// Visitors that connect and say hello, then hold the connection.
    Idle,
}

#[derive(Parser, Debug)]
#[command(name = "loadgen", about = "Drives a real Rapport server over loopback WebSockets and prints throughput, latency and memory figures")]
pub struct Args {
    #[arg(long, value_enum, default_value = "full")]
    pub mode: Mode,
    /// Visitors that start a chat and send (closed, open and sweep modes).
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub visitors: u32,
    /// Agents that accept every offered chat.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub agents: u32,
    /// Messages each visitor sends in closed mode.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub messages: u32,
    /// Messages per second offered in open mode.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub rate: u32,
    /// Seconds each open-loop rate is held.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub seconds: u64,
    /// Idle visitors held in idle and full modes.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=50_000))]
    pub idle_visitors: u32,
    /// The server binary. By default `target/release/rapport` beside this
    /// program, rebuilt first with cargo so it matches the sources.
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// Nodes: 1 is one server on SQLite; more is a cluster on PostgreSQL
    /// (durable commits) and NATS, the clients spread evenly over it.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub nodes: u32,
    /// Upper bound on the whole run, in seconds.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(10..=3600))]
    pub deadline_secs: u64,
}

impl Args {
    /// Concurrent chats each agent must take so that every visitor is
    /// answered.
    pub fn agent_capacity(&self) -> u32 {
        self.visitors.div_ceil(self.agents) + SPARE_CAPACITY
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.agent_capacity() <= MAX_AGENT_CAPACITY,
            "{} visitors need {} chats per agent with {} agents, over the limit of {MAX_AGENT_CAPACITY}; add agents",
            self.visitors,
            self.agent_capacity(),
            self.agents
        );
        Ok(())
    }
}
