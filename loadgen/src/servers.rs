//! What a load run drives: one server on SQLite, or a cluster of nodes on
//! PostgreSQL and NATS (`--nodes`). Clients of a cluster are spread over
//! the nodes evenly by connecting to each directly, as a perfectly fair
//! balancer would (HAProxy on the same two cores would measure itself).

use std::path::Path;

use anyhow::Context;
use rapport::config::DatabaseLocation;
use testbed::{Cluster, ClusterSpec, PostgresMode};

use crate::fixture;
use crate::server::{self, Endpoint, ServerProcess, LOAD_SETTINGS};

pub enum Servers {
    Single { server: ServerProcess, _data: tempfile::TempDir },
    Cluster(Cluster),
}

/// One node's figures at one moment.
pub struct NodeSample {
    pub name: String,
    pub rss_kib: u64,
    pub connections: u64,
    pub messages: u64,
}

impl Servers {
    pub async fn start(binary: &Path, nodes: usize, agents: u32, capacity: u32) -> anyhow::Result<Self> {
        if nodes <= 1 {
            let data = tempfile::tempdir().context("creating a data directory")?;
            fixture::prepare(data.path(), agents, capacity).await?;
            let server = ServerProcess::start(binary, data.path()).await?;
            return Ok(Self::Single { server, _data: data });
        }
        // Commits wait for the disk, as in production.
        Ok(Self::Cluster(start_cluster(binary, nodes, PostgresMode::Durable, agents, capacity).await?))
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Single { server, .. } => format!("server on {}", server.endpoint.addr),
            Self::Cluster(c) => format!("{} nodes ({})", c.nodes.len(), c.nodes.iter().map(|n| n.addr.to_string()).collect::<Vec<_>>().join(", ")),
        }
    }

    /// Where client `index` connects.
    pub fn endpoint(&self, index: u32) -> Endpoint {
        match self {
            Self::Single { server, .. } => server.endpoint,
            Self::Cluster(c) => Endpoint { addr: c.nodes[index as usize % c.nodes.len()].addr, public: c.balancer() },
        }
    }

    /// Resident memory of every server process together, in KiB.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        match self {
            Self::Single { server, .. } => server.rss_kib(),
            Self::Cluster(c) => (0..c.nodes.len()).map(|i| server::rss_kib(c.pid(i).context("a node is not running")?)).sum(),
        }
    }

    /// Per node: memory, connections and messages stored so far (from its
    /// `/metrics`). Empty for a single server.
    pub async fn sample_nodes(&self) -> anyhow::Result<Vec<NodeSample>> {
        let Self::Cluster(c) = self else { return Ok(Vec::new()) };
        let mut samples = Vec::new();
        for (i, node) in c.nodes.iter().enumerate() {
            let text = reqwest::get(format!("http://{}/metrics", node.metrics_addr)).await?.text().await?;
            samples.push(NodeSample {
                name: node.name.clone(),
                rss_kib: server::rss_kib(c.pid(i).context("a node is not running")?)?,
                connections: testbed::metric(&text, "rapport_connections", "") as u64,
                messages: testbed::metric(&text, "rapport_messages_total", "") as u64,
            });
        }
        Ok(samples)
    }

    pub fn log_tail(&self) -> String {
        match self {
            Self::Single { server, .. } => server.log_tail(),
            Self::Cluster(c) => (0..c.nodes.len()).map(|i| c.log_tail(i)).collect::<Vec<_>>().join("\n"),
        }
    }

    /// Stops gracefully; fails if a server did not exit well.
    pub async fn stop(self) -> anyhow::Result<()> {
        match self {
            Self::Single { server, .. } => {
                let status = server.stop().await?;
                anyhow::ensure!(status.success(), "the server exited with {status}");
            }
            Self::Cluster(mut c) => {
                for i in 0..c.nodes.len() {
                    tokio::task::block_in_place(|| c.drain(i, std::time::Duration::from_secs(20)))?;
                }
            }
        }
        Ok(())
    }
}

/// A cluster of `nodes` under load settings (PostgreSQL from
/// `RAPPORT_TEST_POSTGRES`, else a throwaway one), with the run's site and
/// `agents` agents of `capacity` in its database.
pub async fn start_cluster(binary: &Path, nodes: usize, mode: PostgresMode, agents: u32, capacity: u32) -> anyhow::Result<Cluster> {
    let spec = ClusterSpec {
        binary: binary.to_path_buf(),
        nodes,
        postgres_admin_url: std::env::var("RAPPORT_TEST_POSTGRES").ok(),
        mode,
        env: LOAD_SETTINGS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        demo: false,
    };
    let cluster = tokio::task::spawn_blocking(move || Cluster::start(spec)).await??;
    fixture::prepare_in(&DatabaseLocation::Postgres(cluster.database_url.clone()), agents, capacity).await?;
    Ok(cluster)
}
