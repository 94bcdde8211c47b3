//! The server under test, run as a child process so its memory can be read
//! from /proc and nothing of the load generator is counted in it.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::process::{Child, Command};
use tokio::time::Instant;

/// How long the server may take to answer its health check after start.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How long it may take to drain its connections after SIGTERM. Its own
/// shutdown waits at most 10 s for connections.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// Settings for a server under load, single or clustered.
pub const LOAD_SETTINGS: &[(&str, &str)] = &[
    // Per-connection info lines would cost the server more than the load
    // does; warnings and errors still show in the log.
    ("RUST_LOG", "warn"),
    // Every client comes from 127.0.0.1 and sends far faster than a
    // person: the limits that protect a real deployment would measure
    // themselves instead of the server.
    ("RAPPORT_LIMITS_BURST_FRAMES", "100000"),
    ("RAPPORT_LIMITS_FRAMES_PER_SECOND", "100000"),
    ("RAPPORT_LIMITS_CONNECTIONS_PER_IP", "1000000"),
    ("RAPPORT_LIMITS_NEW_VISITORS_PER_IP_PER_MINUTE", "1000000"),
    ("RAPPORT_LIMITS_NEW_CONVERSATIONS_PER_IP_PER_HOUR", "1000000"),
    ("RAPPORT_LIMITS_LOGINS_PER_IP_PER_MINUTE", "100000"),
    ("RAPPORT_LIMITS_MESSAGES_PER_CONVERSATION", "10000000"),
];

pub struct ServerProcess {
    child: Child,
    pid: u32,
    pub endpoint: Endpoint,
    log: PathBuf,
}

/// Where a client connects (a server, or one node of a cluster), always
/// on 127.0.0.1, and the deployment's public address (the console's
/// origin). Copied into every task.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub public: SocketAddr,
}

impl Endpoint {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// The console's origin, which agent requests must come from.
    pub fn origin(&self) -> String {
        format!("http://{}", self.public)
    }
}

/// The workspace this program was built from, for building the server.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// The server binary to run: the one given, or `rapport` beside this
/// program, built (or brought up to date) by cargo first.
pub fn binary(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        anyhow::ensure!(path.is_file(), "no server binary at {}", path.display());
        return Ok(path);
    }
    let exe = std::env::current_exe().context("locating this program")?;
    let path = exe.with_file_name("rapport");
    // Cargo's own variable when run through `cargo run`; plain `cargo` otherwise.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("loadgen: building the server (cargo build --release -p rapport)");
    let built = std::process::Command::new(&cargo).args(["build", "--release", "--quiet", "-p", "rapport"]).current_dir(workspace_root()).status();
    match built {
        Ok(status) if status.success() => {}
        Ok(status) => bail!("`cargo build --release -p rapport` failed ({status})"),
        // Without cargo a binary built earlier is still good enough.
        Err(e) if path.is_file() => eprintln!("loadgen: could not run cargo ({e}); using the existing {}", path.display()),
        Err(e) => bail!("could not run cargo to build the server ({e}); build it with `cargo build --release -p rapport` or pass --server-bin"),
    }
    anyhow::ensure!(path.is_file(), "no server binary at {} after building; pass --server-bin", path.display());
    Ok(path)
}

/// A loopback port nobody listens on right now. The server binds it a
/// moment later; another process taking it in between is unlikely.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

impl ServerProcess {
    /// Starts the server on a free loopback port with `data_dir`, and waits
    /// until it answers its health check.
    pub async fn start(binary: &Path, data_dir: &Path) -> anyhow::Result<Self> {
        Self::start_on(binary, data_dir, SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()?))).await
    }

    /// Like [`ServerProcess::start`], on `addr` (a restart keeps its
    /// address, as a real one behind a fixed port would).
    pub async fn start_on(binary: &Path, data_dir: &Path, addr: SocketAddr) -> anyhow::Result<Self> {
        let log = data_dir.join("server.log");
        let out = std::fs::OpenOptions::new().create(true).append(true).open(&log).with_context(|| format!("opening {}", log.display()))?;
        let err = out.try_clone().context("sharing the log file")?;
        let mut command = Command::new(binary);
        command
            .env("RAPPORT_LISTEN", addr.to_string())
            .env("RAPPORT_PUBLIC_URL", format!("http://{addr}"))
            .env("RAPPORT_DATA_DIR", data_dir)
            .env("RAPPORT_CLUSTER_METRICS_LISTEN", "127.0.0.1:0")
            .env("RAPPORT_ASSETS_DIR", "/nonexistent")
            .envs(LOAD_SETTINGS.iter().copied())
            // An inherited setting must not seed demo data or open more ports.
            .env_remove("RAPPORT_CONFIG")
            .env_remove("RAPPORT_DEMO")
            .env_remove("RAPPORT_DEMO_LISTEN")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // If the load generator dies, the server must not outlive it.
            .kill_on_drop(true);
        let child = command.spawn().with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let mut server = Self { child, pid, endpoint: Endpoint { addr, public: addr }, log };
        if let Err(e) = server.wait_until_healthy().await {
            return Err(e.context(server.log_tail()));
        }
        Ok(server)
    }

    async fn wait_until_healthy(&mut self) -> anyhow::Result<()> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited during start ({status})");
            }
            if let Ok(response) = http.get(self.endpoint.url("/healthz")).send().await {
                if response.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the server did not answer /healthz within {START_TIMEOUT:?}")
    }

    /// The server's resident memory, in KiB, from /proc.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        rss_kib(self.pid)
    }

    /// SIGTERM, then waits for a clean exit; kills it if it hangs.
    pub async fn stop(mut self) -> anyhow::Result<ExitStatus> {
        let pid = libc::pid_t::try_from(self.pid).context("a process id out of range")?;
        // SAFETY: kill(2) only sends a signal; the pid is our own child's,
        // which is not reaped yet (we have not waited on it), so it cannot
        // have been reused by another process.
        if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
            bail!("could not signal the server: {}", std::io::Error::last_os_error());
        }
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(status) => status.context("waiting for the server"),
            Err(_) => {
                self.child.kill().await.context("killing a hung server")?;
                bail!("the server did not stop within {STOP_TIMEOUT:?} of SIGTERM; killed it")
            }
        }
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub async fn kill(mut self) -> anyhow::Result<()> {
        self.child.start_kill().context("killing the server")?;
        self.child.wait().await.context("waiting for the killed server")?;
        Ok(())
    }

    /// The end of the server's log, to explain a failure.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        format!("server log ({}):\n{tail}", self.log.display())
    }
}

/// A process's resident memory, in KiB, from /proc.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS line in /proc/<pid>/status")?;
    let kib = line.split_whitespace().nth(1).context("an empty VmRSS line")?;
    kib.parse().with_context(|| format!("VmRSS is not a number: {line}"))
}
