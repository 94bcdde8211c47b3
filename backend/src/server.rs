//! Building the router and running the server, as the binary and the tests
//! both do.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::routing::{get, post};
use axum::Router;
use routing::EngineConfig;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::hub::Hub;
use crate::routing_actor::Routing;
use crate::state::AppState;
use crate::store::Store;
use crate::{api, assets, demo, gateway, seed};

/// Every route of the backend.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/api/v1/login", post(api::login))
        .route("/api/v1/logout", post(api::logout))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/sites/{key}/widget", get(api::widget_boot))
        .route("/ws/v1/visitor", get(gateway::visitor_ws))
        .route("/ws/v1/agent", get(gateway::agent_ws))
        .merge(assets::routes(&state))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A running server. Dropping it does not stop it; call [`Server::shutdown`].
pub struct Server {
    pub addr: SocketAddr,
    pub demo_addr: Option<SocketAddr>,
    pub state: AppState,
}

impl Server {
    /// Binds the listeners (port 0 picks a free port), opens and migrates
    /// the database, seeds the demo if asked, and starts serving.
    pub async fn start(mut config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
        let addr = listener.local_addr()?;
        if config.listen.port() == 0 {
            config.listen = addr;
            config.public_url = format!("http://{addr}");
        }
        let demo_listener = match config.demo.listen {
            Some(demo_addr) => Some(TcpListener::bind(demo_addr).await.with_context(|| format!("binding the demo site on {demo_addr}"))?),
            None => None,
        };
        let demo_addr = demo_listener.as_ref().map(|l| l.local_addr()).transpose()?;

        std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
        let store = Store::open(&config.database_path()).await.with_context(|| format!("opening the database {}", config.database_path().display()))?;
        if config.demo.seed {
            let mut origins = vec![];
            if let Some(a) = demo_addr {
                origins.push(format!("http://{a}"));
                origins.push(format!("http://localhost:{}", a.port()));
            }
            seed::seed_demo(&store, &config.demo.site_key, &origins, config.routing.agent_capacity).await.context("seeding the demo data")?;
        }

        let shutdown = CancellationToken::new();
        let tasks = TaskTracker::new();
        let hub = Hub::default();
        let engine_config = EngineConfig { offer_timeout_ms: config.routing.offer_timeout_secs * 1000 };
        let routing = Routing::start(store.clone(), hub.clone(), engine_config, shutdown.clone(), &tasks).await.context("starting routing")?;
        let state = AppState { config: Arc::new(config), store, hub, routing, shutdown: shutdown.clone(), tasks: tasks.clone() };

        let app = router(state.clone());
        let stop = shutdown.clone();
        tasks.spawn(async move {
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stop.cancelled_owned()).await {
                tracing::error!(error = %e, "server error");
            }
        });
        if let (Some(listener), Some(_)) = (demo_listener, demo_addr) {
            let demo_app = demo::router(state.config.demo.dir.clone(), state.config.public_url.clone(), state.config.demo.site_key.clone());
            let stop = shutdown.clone();
            tasks.spawn(async move {
                if let Err(e) = axum::serve(listener, demo_app).with_graceful_shutdown(stop.cancelled_owned()).await {
                    tracing::error!(error = %e, "demo site error");
                }
            });
        }
        tracing::info!(%addr, "rapport listening");
        Ok(Self { addr, demo_addr, state })
    }

    /// Tells every connected client to reconnect, waits for connections and
    /// background tasks to finish, and closes the database.
    pub async fn shutdown(self) {
        tracing::info!("shutting down");
        self.state.shutdown.cancel();
        self.state.tasks.close();
        if tokio::time::timeout(std::time::Duration::from_secs(10), self.state.tasks.wait()).await.is_err() {
            tracing::warn!("some connections did not close within 10 s");
        }
        self.state.store.close().await;
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
