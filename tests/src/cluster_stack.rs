//! Three `rapport` nodes on PostgreSQL and NATS behind HAProxy, serving the
//! built widget and console, with the demo shop on the first node: the
//! cluster a site owner's visitors and agents meet through the balancer.

use std::path::PathBuf;

use anyhow::{Context, Result};
use testbed::{Cluster, ClusterSpec, PostgresMode};

use crate::paths::{demo_dir, dist_dir, repo_root};
use crate::site::Site;

pub struct ClusterStack {
    pub cluster: Cluster,
}

impl ClusterStack {
    /// Starts the cluster (PostgreSQL from `RAPPORT_TEST_POSTGRES`, else a
    /// throwaway one) with the `rapport` binary beside this test's.
    pub async fn start() -> Result<Self> {
        let binary = rapport_binary()?;
        let dist = dist_dir()?;
        let demo = demo_dir()?;
        let spec = ClusterSpec {
            binary,
            nodes: 3,
            postgres_admin_url: std::env::var("RAPPORT_TEST_POSTGRES").ok(),
            mode: PostgresMode::Fast,
            env: vec![
                ("RAPPORT_ASSETS_DIR".into(), dist.display().to_string()),
                ("RAPPORT_DEMO_DIR".into(), demo.display().to_string()),
                ("RAPPORT_CLUSTER_LEASE_MS".into(), "2000".into()),
            ],
            demo: true,
        };
        let cluster = tokio::task::spawn_blocking(move || Cluster::start(spec)).await??;
        Ok(Self { cluster })
    }

    /// Which node holds the one visitor connection, from the nodes' metrics.
    pub async fn node_holding_the_visitor(&self) -> Result<usize> {
        for (i, node) in self.cluster.nodes.iter().enumerate() {
            if self.cluster.pid(i).is_none() {
                continue;
            }
            let text = metrics(node.metrics_addr).await?;
            if testbed::metric(&text, "rapport_connections", "kind=\"visitor\"") > 0.0 {
                return Ok(i);
            }
        }
        anyhow::bail!("no node holds a visitor connection")
    }
}

impl Site for ClusterStack {
    fn console_url(&self) -> String {
        format!("{}/console", self.cluster.public_url())
    }

    fn demo_url(&self, page: &str) -> String {
        let shop = self.cluster.nodes[0].demo_addr.map(|a| format!("http://{a}")).unwrap_or_default();
        format!("{shop}/{}", page.trim_start_matches('/'))
    }
}

/// `target/<profile>/rapport`, beside the directory of this test binary;
/// cargo builds it with the workspace's tests.
fn rapport_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("locating this test")?;
    let profile = exe.parent().and_then(|deps| deps.parent()).context("the test binary is not in target/<profile>/deps")?;
    let binary = profile.join("rapport");
    anyhow::ensure!(
        binary.is_file(),
        "{} is missing: build the server first (`cargo build -p rapport`, or run everything with `cargo xtask test`); repository {}",
        binary.display(),
        repo_root().display()
    );
    Ok(binary)
}

/// A plain GET of `/metrics` on `addr`.
async fn metrics(addr: std::net::SocketAddr) -> Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.write_all(format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    let mut body = Vec::new();
    stream.read_to_end(&mut body).await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}
