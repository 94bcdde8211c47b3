//! A tiny web server for pages the demo shop does not serve: a foreign
//! origin, or the demo shop's own origin while the backend is down.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::oneshot;

/// A server on its own task; dropping it stops it.
pub struct StaticSite {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl StaticSite {
    /// Serves `pages` (path such as `/` or `/shop.html`, HTML) on `addr`
    /// (port 0 picks one); everything else is 404.
    pub async fn pages(addr: SocketAddr, pages: &[(&str, String)]) -> Result<Self> {
        let pages: HashMap<String, String> = pages.iter().map(|(path, html)| (path.to_string(), html.clone())).collect();
        let router = Router::new().fallback(page).with_state(Arc::new(pages));
        Self::serve(addr, router).await
    }

    /// Serves the demo shop in `dir` exactly as the backend's demo server
    /// does, pointing its pages at `backend_origin`.
    pub async fn demo_shop(addr: SocketAddr, dir: PathBuf, backend_origin: &str, site_key: &str) -> Result<Self> {
        Self::serve(addr, rapport::demo::router(dir, backend_origin.to_string(), site_key.to_string())).await
    }

    pub async fn serve(addr: SocketAddr, router: Router) -> Result<Self> {
        // A port the backend just released may take a moment to be free.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let listener = loop {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(listener) => break listener,
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && std::time::Instant::now() < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e).with_context(|| format!("binding a static site on {addr}")),
            }
        };
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self { addr, stop: Some(stop) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.origin(), path.trim_start_matches('/'))
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn page(State(pages): State<Arc<HashMap<String, String>>>, uri: Uri) -> Response {
    match pages.get(uri.path()) {
        Some(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], html.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "no such page").into_response(),
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}
