//! The end-to-end suite's own runner. Starting Chromium costs seconds, so
//! one visitor browser and one agent browser serve every scenario in turn
//! (reset between them: one window, no cookies or storage); each scenario
//! starts its own backend on fresh ports. Scenarios run one after another,
//! since two at once on a small machine make every timing flaky.
//!
//! `cargo test -p e2e --test e2e [-- FILTER...]` runs the scenarios whose
//! names contain any FILTER.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::FutureExt;

use crate::Browser;

/// The longest one scenario may take.
const SCENARIO_LIMIT: Duration = Duration::from_secs(6 * 60);

/// The two browsers every scenario shares.
pub struct World {
    pub visitor: Browser,
    pub agent: Browser,
}

pub type Run = for<'a> fn(&'a World) -> Pin<Box<dyn Future<Output = Result<()>> + 'a>>;

pub struct Scenario {
    pub name: &'static str,
    pub run: Run,
}

/// Declares a scenario from an `async fn(&World) -> Result<()>`.
#[macro_export]
macro_rules! scenario {
    ($f:path) => {
        $crate::scenario::Scenario { name: stringify!($f), run: |world| Box::pin($f(world)) }
    };
}

/// Runs the selected scenarios and reports each; the exit code says
/// whether all passed.
pub fn main(scenarios: &[Scenario]) -> ExitCode {
    crate::init_logging();
    // A failed wait panics; the runner reports the message with the
    // scenario, so the default hook's backtrace would only be noise.
    std::panic::set_hook(Box::new(|_| {}));
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let chosen: Vec<&Scenario> = scenarios.iter().filter(|s| filters.is_empty() || filters.iter().any(|f| s.name.contains(f.as_str()))).collect();
    if std::env::args().any(|a| a == "--list") {
        for s in &chosen {
            println!("{}: test", s.name);
        }
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run_all(&chosen))
}

async fn run_all(chosen: &[&Scenario]) -> ExitCode {
    println!("running {} end-to-end scenarios", chosen.len());
    let world = match tokio::try_join!(Browser::new(), Browser::new()) {
        Ok((visitor, agent)) => World { visitor, agent },
        Err(e) => {
            eprintln!("could not start the browsers: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = Vec::new();
    for scenario in chosen {
        let started = Instant::now();
        let outcome = match tokio::try_join!(world.visitor.reset(), world.agent.reset()) {
            Err(e) => Err(format!("could not reset the browsers: {e:#}")),
            Ok(_) => match tokio::time::timeout(SCENARIO_LIMIT, AssertUnwindSafe((scenario.run)(&world)).catch_unwind()).await {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(format!("{e:#}")),
                Ok(Err(panic)) => {
                    Err(panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default())
                }
                Err(_) => Err(format!("did not finish within {} s", SCENARIO_LIMIT.as_secs())),
            },
        };
        let secs = started.elapsed().as_secs_f64();
        match outcome {
            Ok(()) => println!("scenario {} ... ok ({secs:.1} s)", scenario.name),
            Err(why) => {
                println!("scenario {} ... FAILED ({secs:.1} s)\n    {}", scenario.name, why.replace('\n', "\n    "));
                failed.push(scenario.name);
            }
        }
    }
    let World { visitor, agent } = world;
    visitor.close().await;
    agent.close().await;
    if failed.is_empty() {
        println!("end-to-end: all {} scenarios passed", chosen.len());
        ExitCode::SUCCESS
    } else {
        println!("end-to-end: {} of {} scenarios failed: {}", failed.len(), chosen.len(), failed.join(", "));
        ExitCode::FAILURE
    }
}
