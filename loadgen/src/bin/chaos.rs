//! `chaos`: the chaos test, run as `cargo xtask chaos` (a short version runs
//! in `cargo xtask test`). Figures go to stdout as `name: value` lines;
//! progress and problems to stderr. Exits non-zero if anything was lost,
//! doubled or reordered.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use loadgen::chaos::{self, Plan};

#[derive(Parser, Debug)]
#[command(name = "chaos", about = "Chats under cut connections and killed servers, then checks that nothing was lost, doubled or reordered")]
struct Args {
    /// The short version `cargo xtask test` runs (200 cuts, 3 kills).
    #[arg(long)]
    quick: bool,
    #[arg(long, default_value_t = 60)]
    visitors: u32,
    #[arg(long, default_value_t = 10)]
    agents: u32,
    #[arg(long, default_value_t = 1_000)]
    cuts: u32,
    #[arg(long, default_value_t = 10)]
    kills: u32,
    /// Seconds of chaos.
    #[arg(long, default_value_t = 75)]
    seconds: u64,
    /// The server binary (by default the release build, built first).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Nodes: 1 is one server on SQLite; more is a cluster on PostgreSQL
    /// and NATS behind HAProxy, whose nodes are killed at random.
    #[arg(long, default_value_t = 1)]
    nodes: usize,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    loadgen::raise_open_file_limit();
    let plan = if args.quick {
        Plan { visitors: 20, agents: 4, cuts: 200, kills: 3, seconds: 20, server_bin: args.server_bin, nodes: args.nodes }
    } else {
        Plan {
            visitors: args.visitors,
            agents: args.agents.max(1),
            cuts: args.cuts,
            kills: args.kills,
            seconds: args.seconds,
            server_bin: args.server_bin,
            nodes: args.nodes,
        }
    };
    match chaos::run(&plan).await {
        Ok(outcome) => {
            for line in outcome.lines() {
                println!("{line}");
            }
            for problem in outcome.verdict.problems.iter().take(20) {
                eprintln!("chaos: problem: {problem}");
            }
            if outcome.verdict.passed() {
                ExitCode::SUCCESS
            } else {
                eprintln!("chaos: FAILED ({} problems)", outcome.verdict.problems.len());
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("chaos: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
