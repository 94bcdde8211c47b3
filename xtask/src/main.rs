//! `cargo xtask <command>`: the project's build, run, test and benchmark
//! entry points, so that a fresh checkout needs only Rust and Node.
//!
//! This file only dispatches; each command lives in its own module.

mod build;
mod compress;
mod esbuild;
mod glue;
mod lockfile;
mod process;
mod run;
mod services;
mod setup;
mod test;
mod wasm;
mod weight;
mod workspace;

use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::workspace::Workspace;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup         install the wasm target, wasm-bindgen, wasm-opt and Chromium if missing
  build         setup, then build the widget, loader and console into dist/
  run           build, then serve the backend with the demo shop (127.0.0.1:8080, demo on :8081)
  test          build, then run every test suite and the size budgets
  bench weight  build, then print the widget's byte sizes and browser transfer
  bench chat    run the load generator (arguments after `chat` are passed through)
  bench routing the routing engine alone: 10,000 agents, 50 skills, 100,000 waiting
  bench cobrowse build, then time the co-browse recorder in Chromium on each demo page and a 10,000-node page, and a session's latency
  chaos         chat under cut connections and killed servers, then check nothing was lost (arguments passed through)
  services      start a throwaway PostgreSQL and NATS for work by hand, until Enter";

fn main() -> ExitCode {
    match dispatch() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the requested command; commands that wrap a child process return
/// its exit code so that `cargo xtask run` behaves like the server itself.
fn dispatch() -> Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        println!("{USAGE}");
        return Ok(ExitCode::FAILURE);
    };
    let rest = &args[1..];
    let ws = Workspace::locate()?;
    match (command.as_str(), rest) {
        ("setup", []) => setup::setup(&ws).map(|_| ExitCode::SUCCESS),
        ("build", []) => build::build(&ws).map(|_| ExitCode::SUCCESS),
        ("run", []) => run::run(&ws),
        ("test", []) => test::test(&ws).map(|_| ExitCode::SUCCESS),
        ("bench", [name, bench_args @ ..]) => match name.as_str() {
            "weight" if bench_args.is_empty() => weight::bench(&ws).map(|_| ExitCode::SUCCESS),
            "chat" => run::bench_chat(&ws, bench_args),
            "routing" if bench_args.is_empty() => run::bench_routing(&ws),
            "cobrowse" if bench_args.is_empty() => weight::bench_cobrowse(&ws).map(|_| ExitCode::SUCCESS),
            other => bail!("unknown benchmark `{other}`, or unexpected arguments\n\n{USAGE}"),
        },
        ("chaos", args) => run::chaos(&ws, args),
        ("services", []) => services::services(),
        ("bench", []) => bail!("`bench` needs a name: `weight`, `chat`, `routing` or `cobrowse`\n\n{USAGE}"),
        ("help" | "--help" | "-h", _) => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => bail!("unknown command or unexpected arguments: `{}`\n\n{USAGE}", args.join(" ")),
    }
}
