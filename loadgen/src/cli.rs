//! Command-line options, with bounds that keep a run short and on one
//! machine.

use std::path::PathBuf;

use clap::Parser;

/// Chats per agent the store accepts at most (it clamps capacity to this).
const MAX_AGENT_CAPACITY: u32 = 100;

/// Spare chat slots per agent beyond an even share, so uneven routing never
/// leaves a visitor waiting in the queue.
pub const SPARE_CAPACITY: u32 = 5;

#[derive(Parser, Debug)]
#[command(name = "loadgen", about = "Drives a real Rapport server over loopback WebSockets and prints throughput, latency and memory figures")]
pub struct Args {
    /// Visitors that connect, start a chat and stay connected.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub visitors: u32,
    /// Agents that accept every offered chat.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub agents: u32,
    /// Messages each visitor sends once every chat is answered.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub messages: u32,
    /// The server binary. By default `target/release/rapport` beside this
    /// program, rebuilt first with cargo so it matches the sources.
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// Upper bound on the whole run, in seconds.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u64).range(10..=600))]
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
