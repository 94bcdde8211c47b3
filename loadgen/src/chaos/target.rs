//! What the chaos is aimed at: one server on SQLite, killed and restarted
//! on the same address, or a cluster of nodes on PostgreSQL and NATS behind
//! HAProxy, where a random node is killed and restarted while the clients
//! reconnect through the balancer.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use rapport::config::{Config, DatabaseLocation};
use testbed::{Cluster, PostgresMode};
use tokio::time::Instant;

use super::client::Rng;
use crate::fixture;
use crate::server::{self, ServerProcess};
use crate::servers;

pub enum Target {
    Single { server: Option<ServerProcess>, binary: PathBuf, data: tempfile::TempDir, addr: SocketAddr },
    Cluster(Cluster),
}

impl Target {
    /// Prepares the data (a site, `agents` agents with `capacity`) and
    /// starts the server, or a cluster of `nodes`.
    pub async fn start(binary: &Path, nodes: usize, agents: u32, capacity: u32) -> anyhow::Result<Self> {
        if nodes <= 1 {
            let data = tempfile::tempdir().context("creating a data directory")?;
            fixture::prepare(data.path(), agents, capacity).await?;
            let addr = SocketAddr::from(([127, 0, 0, 1], server::free_port()?));
            let server = Some(ServerProcess::start_on(binary, data.path(), addr).await?);
            return Ok(Self::Single { server, binary: binary.to_path_buf(), data, addr });
        }
        Ok(Self::Cluster(servers::start_cluster(binary, nodes, PostgresMode::Fast, agents, capacity).await?))
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        match self {
            Self::Single { addr, .. } => *addr,
            Self::Cluster(cluster) => cluster.balancer(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Single { addr, .. } => format!("server on {addr}"),
            Self::Cluster(cluster) => format!("{} nodes behind {}", cluster.nodes.len(), cluster.balancer()),
        }
    }

    /// kill -9 of the server (or of a random node), then a start again.
    pub async fn kill_one(&mut self, rng: &mut Rng) -> anyhow::Result<String> {
        match self {
            Self::Single { server, binary, data, addr } => {
                if let Some(running) = server.take() {
                    running.kill().await?;
                }
                tokio::time::sleep(rng.millis(300, 900)).await;
                *server = Some(start_again(binary, data.path(), *addr).await?);
                Ok("the server".into())
            }
            Self::Cluster(cluster) => {
                let victim = (rng.next() % cluster.nodes.len() as u64) as usize;
                tokio::task::block_in_place(|| cluster.kill(victim))?;
                tokio::time::sleep(rng.millis(300, 900)).await;
                tokio::task::block_in_place(|| cluster.start_node(victim))?;
                Ok(cluster.nodes[victim].name.clone())
            }
        }
    }

    /// Stops everything gracefully; fails if the server did not exit well.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        match self {
            Self::Single { server, .. } => {
                let status = server.take().context("no server at the end")?.stop().await?;
                anyhow::ensure!(status.success(), "the server exited with {status} at the end");
            }
            Self::Cluster(cluster) => {
                for i in 0..cluster.nodes.len() {
                    tokio::task::block_in_place(|| cluster.drain(i, Duration::from_secs(20)))?;
                }
            }
        }
        Ok(())
    }

    /// Where the data is, to compare with what the clients saw.
    pub fn database(&self) -> DatabaseLocation {
        match self {
            Self::Single { data, .. } => Config { data_dir: data.path().to_path_buf(), ..Config::default() }.database(),
            Self::Cluster(cluster) => DatabaseLocation::Postgres(cluster.database_url.clone()),
        }
    }
}

/// The port may take a moment to be free after the kill.
async fn start_again(binary: &Path, data: &Path, addr: SocketAddr) -> anyhow::Result<ServerProcess> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match ServerProcess::start_on(binary, data, addr).await {
            Ok(server) => return Ok(server),
            Err(e) if Instant::now() < deadline => {
                eprintln!("chaos: restarting: {e:#}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(e.context("restarting the server")),
        }
    }
}
