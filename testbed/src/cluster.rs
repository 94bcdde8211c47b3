//! A Rapport cluster as an operator runs one: several `rapport serve`
//! processes on one PostgreSQL database and one NATS server, behind HAProxy
//! (round robin, no sticky sessions). Nodes can be killed, paused, resumed
//! and started again, and the broker restarted, to test what a user sees.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::postgres::create_database;
use crate::process::{free_port, Running};
use crate::{Haproxy, Nats, Postgres, PostgresMode};

/// What the cluster is made of.
pub struct ClusterSpec {
    /// The `rapport` binary.
    pub binary: PathBuf,
    pub nodes: usize,
    /// A PostgreSQL server to make the database on (its admin URL); `None`
    /// starts a throwaway one.
    pub postgres_admin_url: Option<String>,
    pub mode: PostgresMode,
    /// Extra configuration for every node, as `RAPPORT_*` variables.
    pub env: Vec<(String, String)>,
    /// Whether the first node seeds the demo site and agents (and serves
    /// the demo shop).
    pub demo: bool,
}

pub struct Node {
    pub name: String,
    pub addr: SocketAddr,
    pub metrics_addr: SocketAddr,
    /// The first node also serves the demo shop (and seeds the demo data).
    pub demo_addr: Option<SocketAddr>,
    log: PathBuf,
    data_dir: PathBuf,
    process: Option<Running>,
}

pub struct Cluster {
    pub nodes: Vec<Node>,
    pub nats: Nats,
    pub database_url: String,
    balancer: Option<Haproxy>,
    env: Vec<(String, String)>,
    binary: PathBuf,
    dir: PathBuf,
    _postgres: Option<Postgres>,
}

impl Cluster {
    /// Starts everything and returns once every node is healthy through
    /// its own port.
    pub fn start(spec: ClusterSpec) -> Result<Self> {
        let (postgres, admin) = match spec.postgres_admin_url {
            Some(url) => (None, url),
            None => {
                let pg = Postgres::start(spec.mode)?;
                let url = pg.admin_url();
                (Some(pg), url)
            }
        };
        let name = format!("cluster_{}_{}", std::process::id(), free_port()?);
        let database_url = create_database(&admin, &name)?;
        let nats = Nats::start()?;
        let dir = std::env::temp_dir().join(format!("rapport-{name}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut nodes = Vec::new();
        for i in 0..spec.nodes.max(1) {
            let data_dir = dir.join(format!("node{}", i + 1));
            std::fs::create_dir_all(&data_dir)?;
            nodes.push(Node {
                name: format!("node{}", i + 1),
                addr: SocketAddr::from(([127, 0, 0, 1], free_port()?)),
                metrics_addr: SocketAddr::from(([127, 0, 0, 1], free_port()?)),
                demo_addr: (i == 0 && spec.demo).then(|| free_port().map(|p| SocketAddr::from(([127, 0, 0, 1], p)))).transpose()?,
                log: data_dir.join("rapport.log"),
                data_dir,
                process: None,
            });
        }
        let mut cluster = Self { nodes, nats, database_url, balancer: None, env: spec.env, binary: spec.binary, dir, _postgres: postgres };
        // The balancer's port must be known before the nodes start: it is
        // their public URL (the console's origin).
        let backends: Vec<SocketAddr> = cluster.nodes.iter().map(|n| n.addr).collect();
        cluster.balancer = Some(Haproxy::start(&backends)?);
        // The first node migrates and seeds alone; then the rest join.
        cluster.start_node(0)?;
        for i in 1..cluster.nodes.len() {
            cluster.start_node(i)?;
        }
        Ok(cluster)
    }

    /// Where clients connect: the balancer.
    pub fn balancer(&self) -> SocketAddr {
        self.balancer.as_ref().map(Haproxy::addr).unwrap_or(self.nodes[0].addr)
    }

    pub fn public_url(&self) -> String {
        format!("http://{}", self.balancer())
    }

    /// Starts node `i` (again) and waits until it is healthy.
    pub fn start_node(&mut self, i: usize) -> Result<()> {
        let public_url = self.public_url();
        let node = &mut self.nodes[i];
        let mut cmd = Command::new(&self.binary);
        cmd.arg("serve")
            .env("RAPPORT_LISTEN", node.addr.to_string())
            .env("RAPPORT_PUBLIC_URL", &public_url)
            .env("RAPPORT_DATA_DIR", &node.data_dir)
            .env("RAPPORT_ASSETS_DIR", node.data_dir.join("no-dist"))
            .env("RAPPORT_DATABASE_URL", &self.database_url)
            .env("RAPPORT_CLUSTER_BUS_URL", self.nats.url())
            .env("RAPPORT_CLUSTER_NODE_NAME", &node.name)
            .env("RAPPORT_CLUSTER_METRICS_LISTEN", node.metrics_addr.to_string())
            .env("RAPPORT_TRUST_FORWARDED_FOR", "true")
            .env("RAPPORT_LOG_FORMAT", "json");
        if let Some(demo) = node.demo_addr {
            cmd.env("RAPPORT_DEMO", "1").env("RAPPORT_DEMO_LISTEN", demo.to_string());
        }
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&node.log)?;
        cmd.stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
        let running = Running::spawn("rapport", &mut cmd)?;
        node.process = Some(running);
        self.wait_healthy(i, Duration::from_secs(60))
    }

    /// Waits until node `i` answers `/healthz` with 200.
    pub fn wait_healthy(&mut self, i: usize, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        loop {
            if health(self.nodes[i].addr) == Some(200) {
                return Ok(());
            }
            if let Some(process) = self.nodes[i].process.as_mut() {
                if let Some(status) = process.exited() {
                    bail!("{} exited ({status}); its log:\n{}", self.nodes[i].name, tail(&self.nodes[i].log));
                }
            }
            if Instant::now() > deadline {
                bail!("{} was not healthy within {within:?}; its log:\n{}", self.nodes[i].name, tail(&self.nodes[i].log));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// kill -9: no goodbye to anyone.
    pub fn kill(&mut self, i: usize) -> Result<()> {
        let mut process = self.nodes[i].process.take().context("the node is not running")?;
        process.signal("KILL")?;
        process.stop(Duration::from_secs(5));
        Ok(())
    }

    /// SIGSTOP: the node stalls with everything open.
    pub fn pause(&self, i: usize) -> Result<()> {
        self.nodes[i].process.as_ref().context("the node is not running")?.signal("STOP")
    }

    pub fn resume(&self, i: usize) -> Result<()> {
        self.nodes[i].process.as_ref().context("the node is not running")?.signal("CONT")
    }

    /// SIGTERM, as a rolling restart does: the node drains and exits.
    pub fn drain(&mut self, i: usize, within: Duration) -> Result<()> {
        let mut process = self.nodes[i].process.take().context("the node is not running")?;
        process.signal("TERM")?;
        let deadline = Instant::now() + within;
        while process.exited().is_none() {
            if Instant::now() > deadline {
                bail!("{} did not exit within {within:?} of SIGTERM", self.nodes[i].name);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Node `i`'s process id, while it runs.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.nodes[i].process.as_ref().map(Running::id)
    }

    /// The last lines of node `i`'s log, for failure messages.
    pub fn log_tail(&self, i: usize) -> String {
        tail(&self.nodes[i].log)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut process) = node.process.take() {
                let _ = process.signal("CONT");
                process.stop(Duration::from_secs(10));
            }
        }
        if !std::thread::panicking() && std::env::var_os("RAPPORT_KEEP_CLUSTER").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        } else {
            eprintln!("cluster logs kept in {}", self.dir.display());
        }
    }
}

/// The status `/healthz` answers on `addr`, if it answers at all.
pub fn health(addr: SocketAddr) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).ok()?;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.split_whitespace().nth(1)?.parse().ok()
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}
