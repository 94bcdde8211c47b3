//! A NATS server with JetStream on a free loopback port. It can be stopped
//! and started again on the same port and storage, which is how tests play
//! a broker restart.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::process::{free_port, wait_for_port, Running};

const PROGRAM: &str = "nats-server";

pub struct Nats {
    server: Option<Running>,
    port: u16,
    dir: PathBuf,
}

impl Nats {
    pub fn start() -> Result<Self> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("rapport-nats-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut nats = Self { server: None, port, dir };
        nats.resume()?;
        Ok(nats)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stops the server (as SIGKILL would), keeping its port and storage.
    pub fn kill(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.signal("KILL");
            server.stop(Duration::from_secs(5));
        }
    }

    /// Starts it again after [`Nats::kill`].
    pub fn resume(&mut self) -> Result<()> {
        let program = which(PROGRAM).context("nats-server is not installed; `cargo xtask setup` installs Debian's nats-server package")?;
        let mut cmd = Command::new(program);
        cmd.args(["-a", "127.0.0.1", "-p", &self.port.to_string(), "-js", "-sd"]).arg(self.dir.join("jetstream"));
        cmd.stdout(std::process::Stdio::null()).stderr(std::fs::File::create(self.dir.join("nats.log"))?);
        let mut server = Running::spawn("nats-server", &mut cmd)?;
        wait_for_port(SocketAddr::from(([127, 0, 0, 1], self.port)), "nats-server", &mut server, Duration::from_secs(20))?;
        self.server = Some(server);
        Ok(())
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        if let Some(mut server) = self.server.take() {
            server.stop(Duration::from_secs(5));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")]).map(|dir| dir.join(program)).find(|p| p.is_file())
}
