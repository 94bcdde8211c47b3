//! `cargo xtask test`: builds, then runs every suite in order and stops at
//! the first failure, naming it.

use anyhow::{Context, Result};

use testbed::{Postgres, PostgresMode};

use crate::build;
use crate::process;
use crate::setup;
use crate::weight;
use crate::workspace::Workspace;

/// The packages every host build selects. Cargo unifies dependencies'
/// features over the packages a command selects, so `-p rapport` alone
/// would build `syn` with other features than `--workspace` does, and with
/// it every proc macro and everything they touch: a second full build, in
/// time and on disk (it filled CI's disk once). One selection, one build.
const HOST_PACKAGES: &[&str] = &["--workspace", "--exclude", "widget", "--exclude", "console"];

pub fn test(ws: &Workspace) -> Result<()> {
    // Each step says when it started, so a slow or stuck CI run shows where.
    let started = std::time::Instant::now();
    let step = |name: &str| println!("test step: {name} (at {} s)", started.elapsed().as_secs());
    if let Some(ci) = std::env::var_os("CI") {
        println!("CI={} is set: running as in continuous integration", ci.to_string_lossy());
    }
    // The end-to-end tests serve what `build` wrote, so build comes first.
    let dist = build::build(ws).context("test step `build` failed")?;
    setup::ensure_services()?;
    // One throwaway cluster for the whole run; each test makes its own
    // database in it. Dropped (stopped and deleted) when the run ends.
    let postgres = Postgres::start(PostgresMode::Fast).context("test step `start PostgreSQL` failed")?;

    step("workspace tests (host, SQLite)");
    let mut host = process::cargo();
    host.current_dir(&ws.root).arg("test").args(HOST_PACKAGES);
    process::env_default(&mut host, "RAPPORT_DIST", ws.dist());
    process::env_default(&mut host, "RAPPORT_DEMO_DIR", ws.path("demo-site"));
    host.env("RAPPORT_TEST_POSTGRES", postgres.admin_url());
    process::run(&mut host).context("test step `workspace tests` failed")?;

    step("backend integration tests (PostgreSQL)");
    let mut on_postgres = process::cargo();
    on_postgres.current_dir(&ws.root).arg("test").args(HOST_PACKAGES).args(["--test", "integration"]);
    on_postgres.env("RAPPORT_TEST_DATABASE", "postgres").env("RAPPORT_TEST_POSTGRES", postgres.admin_url());
    process::run(&mut on_postgres).context("test step `backend integration tests on PostgreSQL` failed")?;

    // The front ends' pure logic (formatting, state) is tested natively;
    // their browser behaviour is covered by the end-to-end suite above.
    step("widget and console unit tests (host)");
    process::run(process::cargo().current_dir(&ws.root).args(["test", "-p", "widget", "-p", "console", "--lib"]))
        .context("test step `widget and console unit tests` failed")?;

    // The short chaos run, against the debug server the suites above built.
    step("chaos (short)");
    process::run(process::cargo().current_dir(&ws.root).arg("build").args(HOST_PACKAGES).arg("--bins")).context("test step `chaos` failed to build")?;
    let debug = ws.target.join("debug");
    process::run(std::process::Command::new(debug.join("chaos")).arg("--quick").arg("--server-bin").arg(debug.join("rapport")))
        .context("test step `chaos` failed")?;
    step("chaos (short, three nodes on PostgreSQL and NATS behind HAProxy)");
    process::run(
        std::process::Command::new(debug.join("chaos"))
            .args(["--quick", "--nodes", "3", "--server-bin"])
            .arg(debug.join("rapport"))
            .env("RAPPORT_TEST_POSTGRES", postgres.admin_url()),
    )
    .context("test step `chaos on a cluster` failed")?;

    // The load generator's modes, tiny, so `cargo xtask bench chat` cannot
    // rot unnoticed (its figures are wall-clock and never checked here).
    step("load generator (short)");
    for mode in
        [&["--mode", "closed", "--messages", "3"][..], &["--mode", "open", "--rate", "200", "--seconds", "2"], &["--mode", "idle", "--idle-visitors", "300"]]
    {
        let mut loadgen = std::process::Command::new(debug.join("loadgen"));
        loadgen.args(mode).args(["--visitors", "20", "--agents", "2", "--server-bin"]).arg(debug.join("rapport"));
        process::run(&mut loadgen).context("test step `load generator` failed")?;
    }

    step("size budgets");
    weight::check(&dist).context("test step `size budgets` failed")?;
    println!("all test steps passed in {} s", started.elapsed().as_secs());
    Ok(())
}
