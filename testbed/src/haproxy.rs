//! HAProxy in front of several Rapport nodes, as an operator would run it:
//! round robin, no sticky sessions, health checks on `/healthz`, and
//! timeouts long enough for WebSockets. The same settings are in the
//! README for operators.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::nats::which;
use crate::process::{free_port, wait_for_port, Running};

pub struct Haproxy {
    _server: Running,
    port: u16,
    dir: PathBuf,
}

impl Haproxy {
    /// Balances over `backends` (each a node's `host:port`).
    pub fn start(backends: &[SocketAddr]) -> Result<Self> {
        let program = which("haproxy").context("haproxy is not installed; `cargo xtask setup` installs Debian's haproxy package")?;
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("rapport-haproxy-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let config = dir.join("haproxy.cfg");
        std::fs::write(&config, configuration(port, backends)).context("writing haproxy.cfg")?;
        let mut cmd = Command::new(program);
        cmd.arg("-db").arg("-f").arg(&config);
        cmd.stdout(std::process::Stdio::null()).stderr(std::fs::File::create(dir.join("haproxy.log"))?);
        let mut server = Running::spawn("haproxy", &mut cmd)?;
        wait_for_port(SocketAddr::from(([127, 0, 0, 1], port)), "haproxy", &mut server, Duration::from_secs(20))?;
        Ok(Self { _server: server, port, dir })
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The configuration: what matters for WebSockets is `timeout tunnel`
/// (an upgraded connection may stay quiet between pings) and health checks
/// that take a draining or broken node out within a second.
pub fn configuration(port: u16, backends: &[SocketAddr]) -> String {
    let mut servers = String::new();
    for (i, backend) in backends.iter().enumerate() {
        servers.push_str(&format!("    server node{} {backend} check\n", i + 1));
    }
    format!(
        "global
    # Each proxied WebSocket holds two descriptors; HAProxy refuses to
    # start when the process may not open enough for maxconn.
    maxconn 9000

defaults
    mode http
    option forwardfor
    # A connection refused by a node that just died or is draining is
    # tried again on another node, before health checks notice.
    retries 3
    option redispatch
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout http-request 10s

frontend rapport
    bind 127.0.0.1:{port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
{servers}"
    )
}
