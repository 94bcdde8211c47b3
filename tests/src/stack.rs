//! The real backend, in-process, with the demo shop on a second port.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rapport::config::DemoConfig;
use rapport::{Config, Server};
use tempfile::TempDir;

use crate::paths::{demo_dir, dist_dir};

pub const DEMO_SITE_KEY: &str = "demo-shop";

/// The backend plus the demo shop, on loopback ports chosen at the first
/// start and kept across [`Stack::restart`], with a data directory that
/// outlives restarts.
pub struct Stack {
    server: Option<Server>,
    config: Config,
    backend: SocketAddr,
    demo: SocketAddr,
    _data: TempDir,
    demo_copy: TempDir,
}

impl Stack {
    /// The backend serving `dist/` and the demo shop, demo data seeded.
    pub async fn start() -> Result<Self> {
        Self::start_with_pages(&[]).await
    }

    /// Like [`Stack::start`], with extra pages (`name`, HTML) added to a
    /// copy of the demo shop. `{{RAPPORT_ORIGIN}}` and `{{SITE_KEY}}` are
    /// filled in as in the real pages.
    pub async fn start_with_pages(pages: &[(&str, &str)]) -> Result<Self> {
        Self::start_with(pages, |_| {}).await
    }

    /// Like [`Stack::start_with_pages`], with the configuration changed by
    /// `tweak` (an SMTP server, say) before the backend starts.
    pub async fn start_with(pages: &[(&str, &str)], tweak: impl FnOnce(&mut Config)) -> Result<Self> {
        crate::init_logging();
        let dist = dist_dir()?;
        let source = demo_dir()?;
        let demo_copy = tempfile::tempdir().context("creating a demo shop folder")?;
        for entry in std::fs::read_dir(&source).with_context(|| format!("reading {}", source.display()))? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                std::fs::copy(entry.path(), demo_copy.path().join(entry.file_name())).with_context(|| format!("copying {}", entry.path().display()))?;
            }
        }
        for (name, html) in pages {
            std::fs::write(demo_copy.path().join(name), html).with_context(|| format!("writing the extra demo page {name}"))?;
        }
        let data = tempfile::tempdir().context("creating a data directory")?;
        let defaults = Config::default();
        let mut config = Config {
            listen: ([127, 0, 0, 1], 0).into(),
            data_dir: data.path().to_path_buf(),
            assets_dir: dist,
            demo: DemoConfig { seed: true, listen: Some(([127, 0, 0, 1], 0).into()), dir: demo_copy.path().to_path_buf(), site_key: DEMO_SITE_KEY.into() },
            cluster: rapport::config::ClusterConfig { metrics_listen: "127.0.0.1:0".into(), ..defaults.cluster },
            ..defaults
        };
        tweak(&mut config);
        let server = Server::start(config.clone()).await.context("starting the backend")?;
        let backend = server.addr;
        let demo = server.demo_addr.context("the backend started without the demo shop")?;
        // Restarts reuse these exact addresses: the demo site's allowed
        // origins and the console's origin are derived from them.
        config.listen = backend;
        config.public_url = format!("http://{backend}");
        config.demo.listen = Some(demo);
        Ok(Self { server: Some(server), config, backend, demo, _data: data, demo_copy })
    }

    /// Where the backend keeps its database and files.
    pub fn data_dir(&self) -> &Path {
        self._data.path()
    }

    /// The running backend's store, to set up data a scenario needs.
    pub fn store(&self) -> Result<rapport::store::Store> {
        Ok(self.server.as_ref().context("the backend is stopped")?.state.store.clone())
    }

    pub fn backend_addr(&self) -> SocketAddr {
        self.backend
    }

    pub fn demo_addr(&self) -> SocketAddr {
        self.demo
    }

    /// `http://127.0.0.1:PORT`, no trailing slash: the backend's origin.
    pub fn backend_url(&self) -> String {
        format!("http://{}", self.backend)
    }

    pub fn console_url(&self) -> String {
        format!("{}/console", self.backend_url())
    }

    /// `http://127.0.0.1:PORT`: the demo shop's origin, which the demo site allows.
    pub fn demo_origin(&self) -> String {
        format!("http://{}", self.demo)
    }

    /// A demo page's URL; `""` is the home page (`/`).
    pub fn demo_url(&self, page: &str) -> String {
        format!("{}/{}", self.demo_origin(), page.trim_start_matches('/'))
    }

    /// The demo shop's files as this stack serves them.
    pub fn demo_dir(&self) -> &Path {
        self.demo_copy.path()
    }

    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// Shuts the backend (and the demo shop with it) down as `rapport`
    /// does on SIGTERM: clients are told to reconnect. Idempotent.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// Starts the backend again on the same ports and data after [`Stack::stop`].
    pub async fn resume(&mut self) -> Result<()> {
        if self.server.is_some() {
            bail!("resume called while the backend is running");
        }
        // The old sockets may take a moment to be released.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match Server::start(self.config.clone()).await {
                Ok(server) => {
                    self.server = Some(server);
                    return Ok(());
                }
                Err(e) if Instant::now() < deadline && format!("{e:#}").contains("binding") => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.context(format!("restarting the backend on {} (demo shop on {})", self.backend, self.demo))),
            }
        }
    }

    /// Stops and starts the backend: same ports, same data.
    pub async fn restart(&mut self) -> Result<()> {
        self.stop().await;
        self.resume().await
    }

    pub async fn shutdown(mut self) {
        self.stop().await;
    }
}
