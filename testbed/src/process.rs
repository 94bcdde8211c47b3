//! Child processes in their own process group (so stopping one stops
//! whatever it started, `runuser` included), and waiting for ports.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A running child, stopped (its whole group) when dropped.
pub struct Running {
    child: Child,
    what: &'static str,
}

impl Running {
    pub fn spawn(what: &'static str, cmd: &mut Command) -> Result<Self> {
        cmd.process_group(0);
        let child = cmd.spawn().with_context(|| format!("starting {what} ({cmd:?})"))?;
        Ok(Self { child, what })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether it has exited; its status if so.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Sends `signal` (e.g. "TERM", "KILL", "STOP", "CONT") to the group.
    pub fn signal(&self, signal: &str) -> Result<()> {
        // `kill -SIG -PID` would read the negative pid as an option and do
        // nothing, successfully (procps): name the signal and end options.
        let status = Command::new("kill").args(["-s", signal, "--"]).arg(format!("-{}", self.child.id())).status().context("running kill")?;
        if !status.success() {
            bail!("kill -{signal} of {} ({}) failed", self.what, self.child.id());
        }
        Ok(())
    }

    /// Asks it to stop, waits up to `grace`, then kills it.
    pub fn stop(&mut self, grace: Duration) {
        if self.exited().is_some() {
            return;
        }
        let _ = self.signal("TERM");
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.signal("KILL");
        // Should the group signal fail, the child itself still goes.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}

/// Waits until something accepts TCP connections on `addr`.
pub fn wait_for_port(addr: SocketAddr, what: &str, running: &mut Running, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Some(status) = running.exited() {
            bail!("{what} exited ({status}) before listening on {addr}");
        }
        if Instant::now() > deadline {
            bail!("{what} did not listen on {addr} within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether this process runs as root (PostgreSQL refuses to).
pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
