//! `cargo xtask run` (the demo: backend plus demo shop), `cargo xtask bench
//! chat` (the load generator) and `cargo xtask chaos`, thin wrappers around
//! `cargo run` that hand back the child's exit code.

use std::process::{Command, ExitCode};

use anyhow::Result;

use crate::build;
use crate::process;
use crate::workspace::Workspace;

pub fn run(ws: &Workspace) -> Result<ExitCode> {
    build::build(ws)?;
    let mut cmd = process::cargo();
    cmd.current_dir(&ws.root).args(["run", "-p", "rapport", "--", "serve"]);
    if std::env::var_os("RAPPORT_CONFIG").is_some() {
        // Environment variables override the config file, so any default we
        // set here would silently beat the user's file.
        println!("RAPPORT_CONFIG is set: using it, without xtask's demo defaults");
    } else {
        process::env_default(&mut cmd, "RAPPORT_DEMO", "1");
        process::env_default(&mut cmd, "RAPPORT_DEMO_LISTEN", "127.0.0.1:8081");
        process::env_default(&mut cmd, "RAPPORT_ASSETS_DIR", ws.dist());
        process::env_default(&mut cmd, "RAPPORT_DEMO_DIR", ws.path("demo-site"));
        process::env_default(&mut cmd, "RAPPORT_DATA_DIR", ws.path("data"));
    }
    pass_through(&mut cmd)
}

pub fn bench_chat(ws: &Workspace, args: &[String]) -> Result<ExitCode> {
    let mut cmd = process::cargo();
    cmd.current_dir(&ws.root).args(["run", "--release", "-p", "loadgen", "--bin", "loadgen", "--"]).args(args);
    pass_through(&mut cmd)
}

pub fn bench_routing(ws: &Workspace) -> Result<ExitCode> {
    let mut cmd = process::cargo();
    cmd.current_dir(&ws.root).args(["bench", "-p", "routing", "--bench", "routing"]);
    pass_through(&mut cmd)
}

pub fn chaos(ws: &Workspace, args: &[String]) -> Result<ExitCode> {
    let mut cmd = process::cargo();
    cmd.current_dir(&ws.root).args(["run", "--release", "-p", "loadgen", "--bin", "chaos", "--"]).args(args);
    pass_through(&mut cmd)
}

/// Hands the terminal to `cmd` and returns its exit code.
///
/// On Unix xtask replaces itself with the command, so Ctrl-C reaches only
/// the server, which then shuts down gracefully and exits with its own code;
/// a waiting parent would instead die at once and lose that code.
#[cfg(unix)]
fn pass_through(cmd: &mut Command) -> Result<ExitCode> {
    use anyhow::Context;
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    Err(err).with_context(|| format!("could not start `{}`", process::describe(cmd)))
}

#[cfg(not(unix))]
fn pass_through(cmd: &mut Command) -> Result<ExitCode> {
    let status = process::status(cmd)?;
    // A child killed by a signal has no code; report plain failure.
    let code = status.code().unwrap_or(1);
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
