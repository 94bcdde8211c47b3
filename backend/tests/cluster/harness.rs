//! A test cluster: `testbed::Cluster` with this crate's binary, and ways to
//! reach a given node or the balancer with the shared client helpers.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rapport::config::DatabaseLocation;
use rapport::store::leases::{LeaseRecord, ROUTING};
use rapport::store::{Store, StoreOptions};
use testbed::{Cluster, ClusterSpec, PostgresMode};
use tokio::sync::{Mutex, MutexGuard};

use crate::common::Endpoint;

/// One cluster at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

pub struct TestCluster {
    pub cluster: Cluster,
    /// The cluster's database, to check what was stored.
    pub store: Store,
    _turn: MutexGuard<'static, ()>,
}

/// A node, or the balancer, as clients see it.
pub struct At {
    addr: SocketAddr,
    public_url: String,
    shop: String,
}

impl Endpoint for At {
    fn http_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    fn console_origin(&self) -> String {
        self.public_url.clone()
    }

    fn shop_origin(&self) -> String {
        self.shop.clone()
    }
}

impl TestCluster {
    /// Three nodes with `env` (`RAPPORT_*` settings) on top of defaults
    /// that make faults show quickly: a 2 s routing lease, 4 s offers.
    pub async fn start(env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let turn = ONE_AT_A_TIME.lock().await;
        let mut settings: Vec<(String, String)> = [
            ("RAPPORT_CLUSTER_LEASE_MS", "2000"),
            ("RAPPORT_ROUTING_OFFER_TIMEOUT_SECS", "4"),
            ("RAPPORT_CONNECTIONS_PING_INTERVAL_MS", "2000"),
            ("RAPPORT_CONNECTIONS_PONG_TIMEOUT_MS", "2000"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        settings.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let spec = ClusterSpec {
            binary: env!("CARGO_BIN_EXE_rapport").into(),
            nodes: 3,
            postgres_admin_url: std::env::var("RAPPORT_TEST_POSTGRES").ok(),
            mode: PostgresMode::Fast,
            env: settings,
            demo: true,
        };
        let cluster = tokio::task::spawn_blocking(move || Cluster::start(spec)).await??;
        let mut config = rapport::Config::default();
        config.database.url = cluster.database_url.clone();
        config.database.max_connections = 4;
        let store = Store::open(&DatabaseLocation::Postgres(cluster.database_url.clone()), StoreOptions::from_config(&config))
            .await
            .context("opening the cluster's database")?;
        let test = Self { cluster, store, _turn: turn };
        test.routing_owner(Duration::from_secs(10)).await?;
        Ok(test)
    }

    fn at(&self, addr: SocketAddr) -> At {
        let shop = self.cluster.nodes[0].demo_addr.map(|a| format!("http://{a}")).unwrap_or_default();
        At { addr, public_url: self.cluster.public_url(), shop }
    }

    /// Node `i` directly.
    pub fn node(&self, i: usize) -> At {
        self.at(self.cluster.nodes[i].addr)
    }

    /// The balancer, where a real client connects.
    pub fn balancer(&self) -> At {
        self.at(self.cluster.balancer())
    }

    /// The routing lease as recorded, once some node holds it unexpired.
    pub async fn routing_owner(&self, within: Duration) -> anyhow::Result<LeaseRecord> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(lease) = self.store.lease(ROUTING).await? {
                if lease.expires_at > rapport::store::now_ms() {
                    return Ok(lease);
                }
            }
            if Instant::now() > deadline {
                bail!("no node owned routing within {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The routing lease once another node than `owner`'s holds it in a
    /// later epoch.
    pub async fn takeover_from(&self, owner: &LeaseRecord, within: Duration) -> anyhow::Result<LeaseRecord> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(lease) = self.store.lease(ROUTING).await? {
                if lease.epoch > owner.epoch && lease.holder != owner.holder {
                    return Ok(lease);
                }
            }
            if Instant::now() > deadline {
                bail!("no node took routing over from {} within {within:?}", owner.holder);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Which node (index) holds `lease`.
    pub fn index_of(&self, lease: &LeaseRecord) -> anyhow::Result<usize> {
        self.cluster.nodes.iter().position(|n| n.name == lease.holder).with_context(|| format!("no node is called {}", lease.holder))
    }

    /// Node `i`'s metrics.
    pub async fn scrape(&self, i: usize) -> anyhow::Result<String> {
        let url = format!("http://{}/metrics", self.cluster.nodes[i].metrics_addr);
        Ok(reqwest::get(url).await?.error_for_status()?.text().await?)
    }

    /// The status node `i`'s `/healthz` answers (0: no answer).
    pub async fn health(&self, i: usize) -> u16 {
        let addr = self.cluster.nodes[i].addr;
        tokio::task::spawn_blocking(move || testbed::health(addr)).await.ok().flatten().unwrap_or(0)
    }

    /// Waits until node `i`'s health check answers `status`.
    pub async fn wait_health(&self, i: usize, status: u16, within: Duration) -> anyhow::Result<Duration> {
        let started = Instant::now();
        loop {
            if self.health(i).await == status {
                return Ok(started.elapsed());
            }
            if started.elapsed() > within {
                bail!("node{} did not answer {status} within {within:?}", i + 1);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
