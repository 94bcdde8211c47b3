//! Idle visitors: the widget is loaded and connected, nobody chats. What a
//! node pays for each of them is what decides how many one node can hold.

use std::sync::Arc;
use std::time::Duration;

use protocol::visitor::VisitorEvent;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::servers::Servers;
use crate::visitor;

/// Handshakes in flight at once.
const CONCURRENT_HANDSHAKES: usize = 128;
/// Time for memory to settle before it is read.
const SETTLE: Duration = Duration::from_secs(1);

pub struct IdleFigures {
    pub held: u64,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    /// Per node of a cluster: its name, connections held, and memory
    /// before and with them (KiB).
    pub nodes: Vec<(String, u64, u64, u64)>,
}

impl IdleFigures {
    pub fn per_connection_kib(&self) -> f64 {
        if self.held == 0 {
            return 0.0;
        }
        self.rss_after_kib.saturating_sub(self.rss_before_kib) as f64 / self.held as f64
    }

    pub fn lines(&self) -> Vec<String> {
        vec![
            format!("idle_visitors_held: {} connections", self.held),
            format!("server_rss_before_idle: {:.1} MiB", self.rss_before_kib as f64 / 1024.0),
            format!("server_rss_with_idle: {:.1} MiB", self.rss_after_kib as f64 / 1024.0),
            format!("server_memory_per_idle_connection: {:.1} KiB", self.per_connection_kib()),
        ]
        .into_iter()
        .chain(self.nodes.iter().flat_map(|(name, held, before, after)| {
            [
                format!("{name}_idle_connections: {held} connections"),
                format!("{name}_memory_per_idle_connection: {:.1} KiB", after.saturating_sub(*before) as f64 / (*held).max(1) as f64),
            ]
        }))
        .collect()
    }
}

/// Connects `count` visitors that say hello and then only answer pings,
/// reads the server's memory, and lets them go.
pub async fn hold(server: &Servers, count: u32, deadline: Instant) -> anyhow::Result<IdleFigures> {
    tokio::time::sleep(SETTLE).await;
    let rss_before_kib = server.rss_kib()?;
    let nodes_before = server.sample_nodes().await?;
    let handshakes = Arc::new(Semaphore::new(CONCURRENT_HANDSHAKES));
    let mut connecting = JoinSet::new();
    for i in 0..count {
        let handshakes = handshakes.clone();
        let endpoint = server.endpoint(i);
        connecting.spawn(async move { visitor::hello(endpoint, &handshakes, 1_000_000 + i, deadline).await });
    }
    let mut readers = JoinSet::new();
    let mut failed = 0u64;
    while let Some(result) = connecting.join_next().await {
        match result {
            Ok(Ok(socket)) => {
                // Reading is what answers the server's pings.
                let (writer, mut reader) = socket.split();
                readers.spawn(async move {
                    let _keep = writer;
                    while let Ok(Some(_)) = reader.recv::<VisitorEvent>().await {}
                });
            }
            _ => failed += 1,
        }
    }
    eprintln!("loadgen: {} idle visitors connected ({failed} failed)", readers.len());
    tokio::time::sleep(SETTLE).await;
    let rss_after_kib = server.rss_kib()?;
    let nodes = nodes_before.iter().zip(server.sample_nodes().await?).map(|(b, a)| (a.name, a.connections, b.rss_kib, a.rss_kib)).collect();
    let held = readers.len() as u64;
    readers.abort_all();
    while readers.join_next().await.is_some() {}
    anyhow::ensure!(failed == 0, "{failed} of {count} idle visitors could not connect");
    Ok(IdleFigures { held, rss_before_kib, rss_after_kib, nodes })
}
