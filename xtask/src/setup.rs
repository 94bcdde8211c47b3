//! `cargo xtask setup`: installs each tool the build and the browser tests
//! need, skipping what is already present, and says which it did.
//!
//! It must work on a fresh Debian with only rustup and Node, where the only
//! reachable networks are crates.io, Debian's mirrors and the npm registry.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::lockfile;
use crate::process::{self, probe, which};
use crate::workspace::Workspace;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Debian's binaryen (108) emits Wasm that fails at run time in Chromium,
/// so wasm-opt comes from npm at this exact major version.
const BINARYEN_VERSION: &str = "132";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// esbuild minifies the loader, the glue and the style sheets.
const ESBUILD_VERSION: &str = "0.25.12";
/// axe-core runs the accessibility checks of the end-to-end suite.
const AXE_VERSION: &str = "4.10.3";

/// The tools the build calls, as resolved paths.
pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub wasm_opt: PathBuf,
    pub esbuild: PathBuf,
}

pub fn setup(ws: &Workspace) -> Result<Tools> {
    ensure_wasm_target()?;
    ensure_rust_src()?;
    let wasm_bindgen = ensure_wasm_bindgen(ws)?;
    let wasm_opt = ensure_wasm_opt(ws)?;
    let esbuild = ensure_npm_tool(ws, "esbuild", ESBUILD_VERSION)?;
    ensure_axe(ws)?;
    ensure_chromium()?;
    Ok(Tools { wasm_bindgen, wasm_opt, esbuild })
}

fn ensure_wasm_target() -> Result<()> {
    let installed = probe("rustup", &["target", "list", "--installed"]).context("`rustup target list --installed` failed; is Rust installed with rustup?")?;
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        println!("{WASM_TARGET} target: present");
        return Ok(());
    }
    println!("{WASM_TARGET} target: installing");
    process::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The standard library's source, which the console's build recompiles
/// (see `wasm::CONSOLE_RUSTFLAGS`).
fn ensure_rust_src() -> Result<()> {
    let installed =
        probe("rustup", &["component", "list", "--installed"]).context("`rustup component list --installed` failed; is Rust installed with rustup?")?;
    if installed.lines().any(|l| l.trim() == "rust-src") {
        println!("rust-src component: present");
        return Ok(());
    }
    println!("rust-src component: installing");
    process::run(Command::new("rustup").args(["component", "add", "rust-src"]))
}

/// Where `cargo install` puts binaries, which need not be on PATH.
fn cargo_bin_dir() -> Option<PathBuf> {
    let root = std::env::var_os("CARGO_INSTALL_ROOT")
        .or_else(|| std::env::var_os("CARGO_HOME"))
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))?;
    Some(root.join("bin"))
}

/// The version a `wasm-bindgen --version` prints ("wasm-bindgen 0.2.130").
fn wasm_bindgen_version(binary: &Path) -> Option<String> {
    let out = probe(binary, &["--version"])?;
    out.split_whitespace().nth(1).map(str::to_string)
}

fn ensure_wasm_bindgen(ws: &Workspace) -> Result<PathBuf> {
    let lock_path = ws.path("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).with_context(|| format!("reading {}", lock_path.display()))?;
    let wanted = lockfile::package_version(&lock, "wasm-bindgen")?;
    let installed = cargo_bin_dir().map(|dir| dir.join("wasm-bindgen"));
    // Prefer cargo's own bin directory, since that is where we install to.
    let candidates = installed.iter().cloned().chain(which("wasm-bindgen"));
    for candidate in candidates {
        if wasm_bindgen_version(&candidate).as_deref() == Some(wanted.as_str()) {
            println!("wasm-bindgen {wanted}: present");
            return Ok(candidate);
        }
    }
    println!("wasm-bindgen {wanted}: installing (cargo install wasm-bindgen-cli, a few minutes)");
    // No --locked: the CLI's own lock file pins a yanked crate and fails.
    process::run(process::cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))?;
    let binary = installed.filter(|p| p.is_file()).or_else(|| which("wasm-bindgen")).context("wasm-bindgen was installed but cannot be found")?;
    match wasm_bindgen_version(&binary) {
        Some(v) if v == wanted => Ok(binary),
        other => bail!("{} reports version {other:?} after installing {wanted}", binary.display()),
    }
}

fn wasm_opt_is_wanted(binary: &Path) -> bool {
    // It prints "wasm-opt version 132 (version_132)".
    probe(binary, &["--version"]).is_some_and(|v| v.split_whitespace().nth(2) == Some(BINARYEN_VERSION))
}

fn ensure_wasm_opt(ws: &Workspace) -> Result<PathBuf> {
    let tools = ws.tools();
    let binary = tools.join("node_modules/.bin/wasm-opt");
    if wasm_opt_is_wanted(&binary) {
        println!("wasm-opt (binaryen {BINARYEN_VERSION}): present");
        return Ok(binary);
    }
    println!("wasm-opt (binaryen {BINARYEN_VERSION}): installing with npm into {}", tools.display());
    // binaryen's npm package runs wasm-opt on Node.js.
    ensure_npm()?;
    std::fs::create_dir_all(&tools).with_context(|| format!("creating {}", tools.display()))?;
    let package = format!("binaryen@{BINARYEN_VERSION}.0.0");
    process::run(Command::new("npm").arg("install").arg("--prefix").arg(&tools).args([&package, "--no-audit", "--no-fund"]))?;
    if !wasm_opt_is_wanted(&binary) {
        bail!("{} does not report version {BINARYEN_VERSION} after installing {package}", binary.display());
    }
    Ok(binary)
}

/// An npm package with a command of the same name, at an exact version,
/// in target/tools.
fn ensure_npm_tool(ws: &Workspace, name: &str, version: &str) -> Result<PathBuf> {
    let tools = ws.tools();
    let binary = tools.join("node_modules/.bin").join(name);
    let is_wanted = |b: &Path| probe(b, &["--version"]).is_some_and(|v| v.trim() == version);
    if is_wanted(&binary) {
        println!("{name} {version}: present");
        return Ok(binary);
    }
    println!("{name} {version}: installing with npm into {}", tools.display());
    ensure_npm()?;
    std::fs::create_dir_all(&tools).with_context(|| format!("creating {}", tools.display()))?;
    process::run(Command::new("npm").arg("install").arg("--prefix").arg(&tools).args([&format!("{name}@{version}"), "--no-audit", "--no-fund"]))?;
    if !is_wanted(&binary) {
        bail!("{} does not report version {version} after installing it", binary.display());
    }
    Ok(binary)
}

/// axe-core's browser script, which the end-to-end suite injects into pages
/// (it finds it at target/tools/node_modules/axe-core/axe.min.js).
fn ensure_axe(ws: &Workspace) -> Result<()> {
    let tools = ws.tools();
    let package = tools.join("node_modules/axe-core/package.json");
    let installed = std::fs::read_to_string(&package).ok().and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    if installed.as_ref().and_then(|p| p["version"].as_str()) == Some(AXE_VERSION) && tools.join("node_modules/axe-core/axe.min.js").is_file() {
        println!("axe-core {AXE_VERSION}: present");
        return Ok(());
    }
    println!("axe-core {AXE_VERSION}: installing with npm into {}", tools.display());
    ensure_npm()?;
    std::fs::create_dir_all(&tools).with_context(|| format!("creating {}", tools.display()))?;
    process::run(Command::new("npm").arg("install").arg("--prefix").arg(&tools).args([&format!("axe-core@{AXE_VERSION}"), "--no-audit", "--no-fund"]))
}

/// npm (and Node.js, which runs wasm-opt and the npm tools) from Debian.
fn ensure_npm() -> Result<()> {
    if which("npm").is_none() {
        println!("node + npm: installing with apt-get");
        apt_install(&["nodejs", "npm"])?;
        which("npm").context("npm is still missing after installing Debian's nodejs and npm packages")?;
    }
    Ok(())
}

/// The servers the tests and benchmarks run against: PostgreSQL, NATS and
/// HAProxy from Debian (started per run by the `testbed` crate, never as
/// system services).
pub fn ensure_services() -> Result<()> {
    let postgres = std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|mut versions| versions.any(|v| v.is_ok_and(|v| v.path().join("bin/initdb").is_file())));
    let wanted = [
        ("postgresql", postgres),
        ("nats-server", which("nats-server").is_some()),
        ("haproxy", which("haproxy").is_some() || Path::new("/usr/sbin/haproxy").is_file()),
    ];
    let missing: Vec<&str> = wanted.iter().filter(|(_, present)| !present).map(|(package, _)| *package).collect();
    if missing.is_empty() {
        println!("postgresql + nats-server + haproxy: present");
        return Ok(());
    }
    println!("{}: installing with apt-get", missing.join(" + "));
    apt_install(&missing)
}

fn ensure_chromium() -> Result<()> {
    if Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file() {
        println!("chromium + chromedriver: present");
        return Ok(());
    }
    println!("chromium + chromedriver: installing with apt-get");
    apt_install(&["chromium", "chromium-driver"])
}

/// Installs Debian packages, refreshing the package lists first.
///
/// apt's maintainer scripts may start services (PostgreSQL's and HAProxy's
/// packages do, where no `policy-rc.d` forbids it). A daemon started that
/// way inherits apt's stdout, and a CI runner waiting for its log pipe to
/// close would wait for ever. So apt writes to a log file, which is echoed
/// afterwards. (The tests never use such services: they start their own
/// servers on free ports.)
fn apt_install(packages: &[&str]) -> Result<()> {
    let log_path = std::env::temp_dir().join(format!("rapport-apt-{}.log", std::process::id()));
    let result = apt_install_logged(packages, &log_path);
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    let tail: Vec<&str> = log.lines().rev().take(40).collect();
    for line in tail.into_iter().rev() {
        println!("  apt: {line}");
    }
    result
}

fn apt_install_logged(packages: &[&str], log_path: &Path) -> Result<()> {
    let log = std::fs::File::create(log_path).with_context(|| format!("creating {}", log_path.display()))?;
    let quiet = |cmd: &mut Command| -> Result<()> {
        cmd.stdin(std::process::Stdio::null()).stdout(log.try_clone()?).stderr(log.try_clone()?);
        process::run(cmd)
    };
    quiet(&mut as_root(&["apt-get", "update"])?)?;
    let mut argv = vec!["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y"];
    argv.extend_from_slice(packages);
    quiet(&mut as_root(&argv)?)
}

/// A command run as root: directly when we are root, else through sudo.
fn as_root(argv: &[&str]) -> Result<Command> {
    let is_root = probe("id", &["-u"]).is_some_and(|uid| uid.trim() == "0");
    let mut cmd = if is_root {
        Command::new(argv[0])
    } else if which("sudo").is_some() {
        let mut sudo = Command::new("sudo");
        sudo.arg(argv[0]);
        sudo
    } else {
        bail!("`{}` needs root: run xtask as root or install sudo", argv.join(" "));
    };
    cmd.args(&argv[1..]);
    Ok(cmd)
}
