//! Building the router and running the server, as the binary and the tests
//! both do.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::routing::{delete, get, post, put};
use axum::serve::ListenerExt;
use axum::Router;
use routing::EngineConfig;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::admission::Admission;
use crate::api::admin;
use crate::auth::lockout::Lockout;
use crate::auth::PasswordChecker;
use crate::bus::Bus;
use crate::config::Config;
use crate::fatal::Fatal;
use crate::gateway::TypingGate;
use crate::hub::Hub;
use crate::routing_actor::{ClusterRole, Routing};
use crate::state::AppState;
use crate::store::{Store, StoreOptions};
use crate::webhooks;
use crate::{api, assets, demo, gateway, headers, seed, telemetry};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route of the backend.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/healthz", get(api::healthz))
        .route("/api/v1/login", post(api::login))
        .route("/api/v1/logout", post(api::logout))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/agents/{id}/disable", post(api::disable_agent))
        .route("/api/v1/directory", get(api::directory))
        .route("/api/v1/colleagues", get(api::colleagues))
        .route("/api/v1/left-messages", get(api::left_messages))
        .route("/api/v1/shared-list", get(api::shared_list))
        .route("/api/v1/conversations/search", get(api::search_conversations))
        .route("/api/v1/conversations/{id}/transcript", get(api::transcript))
        .route("/api/v1/conversations/{id}/pop", get(api::screen_pop))
        .route("/api/v1/contacts", get(api::search_contacts))
        .route("/api/v1/contacts/{id}", get(api::contact_card))
        .route("/api/v1/canned", get(api::list_canned).post(api::create_canned))
        .route("/api/v1/canned/{id}", put(api::update_canned).delete(api::delete_canned))
        .route("/api/v1/articles", get(api::list_articles).post(api::create_article))
        .route("/api/v1/articles/{id}", get(api::get_article).put(api::update_article).delete(api::delete_article))
        .route("/api/v1/sites", get(api::site_names))
        .route("/api/v1/departments", get(api::list_departments))
        .route("/api/v1/admin/departments", get(api::list_departments).post(api::create_department))
        .route("/api/v1/admin/departments/{id}", put(api::update_department))
        .route("/api/v1/cases", get(api::list_cases).post(api::create_case))
        .route("/api/v1/cases/{id}", get(api::get_case).put(api::update_case))
        .route("/api/v1/cases/{id}/article", post(api::case_to_article))
        .route("/api/v1/cases/{id}/comments", get(api::case_comments).post(api::comment_case))
        .route("/api/v1/callbacks/by-conversation/{id}", get(api::callback_details))
        .route("/api/v1/callbacks/{id}/disposition", post(api::dispose))
        .route("/api/v1/conversations/{id}/offer-callback", post(api::offer_callback))
        .route("/api/v1/left-messages/{id}/answer", post(api::answer_left_message))
        .route("/api/v1/supervisor/overview", get(api::overview))
        .route("/api/v1/supervisor/report", get(api::report))
        .route("/api/v1/invitations/accept", post(admin::accept_invitation))
        .route("/api/v1/admin/audit", get(admin::audit_log))
        .route("/api/v1/admin/deliveries", get(admin::deliveries))
        .route("/api/v1/admin/tokens", get(admin::list_tokens).post(admin::create_token))
        .route("/api/v1/admin/tokens/{id}", put(admin::update_token).delete(admin::revoke_token))
        .route("/api/v1/callbacks/{id}/dial", post(api::dial))
        .route("/api/v1/admin/sites", get(admin::list_sites).post(admin::create_site))
        .route("/api/v1/admin/sites/{id}", put(admin::update_site))
        .route("/api/v1/admin/sites/{id}/identity-secret", post(admin::rotate_identity_secret))
        .route("/api/v1/admin/sites/{id}/entry-rules", get(admin::entry_rules).put(admin::set_entry_rules))
        .route("/api/v1/admin/agents", get(admin::list_agents).post(admin::create_agent))
        .route("/api/v1/admin/agents/{id}", put(admin::update_agent))
        .route("/api/v1/admin/skills", get(admin::list_skills).post(admin::create_skill))
        .route("/api/v1/admin/skills/{id}", put(admin::update_skill).delete(admin::delete_skill))
        .route("/api/v1/admin/teams", get(admin::list_teams).post(admin::create_team))
        .route("/api/v1/admin/teams/{id}", put(admin::update_team).delete(admin::delete_team))
        .route("/api/v1/admin/queues", get(admin::list_queues).post(admin::create_queue))
        .route("/api/v1/admin/queues/{id}", put(admin::update_queue).delete(admin::delete_queue))
        .route("/api/v1/sites/{key}/widget", get(api::widget_boot))
        .route("/api/v1/sites/{key}/articles", get(api::suggest_articles))
        .route("/api/v1/sites/{key}/articles/{id}", get(api::read_article))
        .route("/api/v1/sites/{key}/articles/{id}/answer", post(api::answer_article))
        .route("/api/v1/files", post(api::visitor_upload).options(api::visitor_upload_preflight))
        .route("/api/v1/conversations/{id}/files", post(api::agent_upload))
        .route("/api/v1/conversations/{id}", delete(api::erase_conversation))
        .route("/files/{id}", get(api::download))
        .route("/ws/v1/visitor", get(gateway::visitor_ws))
        .route("/ws/v1/agent", get(gateway::agent_ws))
        .route("/api/v1/conversations/{id}/cobrowse", post(api::ask_cobrowse))
        .route("/api/v1/cobrowse/join", post(api::join_cobrowse))
        .route("/api/v1/cobrowse/{id}/recording", get(api::cobrowse_recording))
        .route("/ws/v1/cobrowse/{id}/record", get(crate::cobrowse::record_ws))
        .route("/ws/v1/cobrowse/{id}/view", get(crate::cobrowse::view_ws))
        .nest(crate::rest::BASE, crate::rest::routes())
        .merge(assets::routes(&state));
    headers::secure(routes)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("http", method = %request.method(), path = %request.uri().path(), request_id = %id, agent = tracing::field::Empty)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, RequestIds::new()))
        .with_state(state)
}

/// Request ids unique to this process: a random prefix per start, then a
/// counter.
#[derive(Clone)]
struct RequestIds {
    prefix: u32,
    next: Arc<AtomicU64>,
}

impl RequestIds {
    fn new() -> Self {
        Self { prefix: rand::random(), next: Arc::new(AtomicU64::new(1)) }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:08x}-{n}", self.prefix)).ok().map(RequestId::new)
    }
}

/// A running server. Dropping it does not stop it; call [`Server::shutdown`].
pub struct Server {
    pub addr: SocketAddr,
    pub demo_addr: Option<SocketAddr>,
    /// Where `/metrics` is served, if anywhere.
    pub metrics_addr: Option<SocketAddr>,
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
        let metrics_listener = bind_metrics(&config.cluster.metrics_listen).await;
        let metrics_addr = metrics_listener.as_ref().and_then(|l| l.local_addr().ok());
        telemetry::install();
        let node = config.cluster.node_name();

        std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
        let options = StoreOptions::from_config(&config);
        let store = Store::open(&config.database(), options).await.with_context(|| format!("opening the database ({})", config.database()))?;
        prepare_data(&store, &config, demo_addr).await?;

        let shutdown = CancellationToken::new();
        let tasks = TaskTracker::new();
        let fatal = Fatal::new(shutdown.clone());
        let bus = Bus::connect(&config.cluster.bus_url, &node).await?;
        let cluster = bus.is_shared().then(|| ClusterRole { node: node.clone(), lease: config.cluster.lease() });
        let hub = Hub::new(bus, shutdown.clone()).await.context("listening on the bus")?;
        let engine_config = EngineConfig {
            offer_timeout_ms: config.routing.offer_timeout_secs * 1000,
            abandon_after_ms: config.routing.abandon_after_secs * 1000,
            sticky_ms: config.routing.sticky_secs * 1000,
            default_handle_ms: config.routing.default_handle_secs * 1000,
            ..EngineConfig::default()
        };
        let routing = Routing::start(store.clone(), hub.clone(), engine_config, fatal.clone(), &tasks, cluster).await.context("starting routing")?;
        let mailer = crate::email::Mailer::new(&config.smtp).context("reading the [smtp] settings")?;
        let blobs = crate::files::blobs::DiskBlobs::new(config.data_dir.join("files"));
        let cobrowse = crate::cobrowse::Cobrowse::new(hub.bus().clone());
        let state = AppState {
            cobrowse,
            files: crate::files::Files::new(Arc::new(blobs)),
            mailer,
            admission: Admission::new(&config.limits),
            passwords: Arc::new(PasswordChecker::new(config.limits.password_checks_at_once)),
            lockout: Arc::new(Lockout::default()),
            typing: Arc::new(TypingGate::default()),
            config: Arc::new(config),
            node: node.into(),
            store,
            hub,
            routing,
            shutdown: shutdown.clone(),
            tasks: tasks.clone(),
            fatal,
        };

        let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let stop = shutdown.clone();
        tasks.spawn(async move {
            if let Err(e) = axum::serve(listener.tap_io(no_delay), app).with_graceful_shutdown(stop.cancelled_owned()).await {
                tracing::error!(error = %e, "server error");
            }
        });
        if let (Some(listener), Some(_)) = (demo_listener, demo_addr) {
            let demo_app = demo::router(state.config.demo.dir.clone(), state.config.public_url.clone(), state.config.demo.site_key.clone());
            let stop = shutdown.clone();
            tasks.spawn(async move {
                if let Err(e) = axum::serve(listener.tap_io(no_delay), demo_app).with_graceful_shutdown(stop.cancelled_owned()).await {
                    tracing::error!(error = %e, "demo site error");
                }
            });
        }
        if let Some(listener) = metrics_listener {
            let app = telemetry::router(state.clone());
            let stop = shutdown.clone();
            tasks.spawn(async move {
                if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stop.cancelled_owned()).await {
                    tracing::error!(error = %e, "metrics listener error");
                }
            });
        }
        tasks.spawn(telemetry::probe(state.clone()));
        tasks.spawn(crate::cases::sweep(state.clone()));
        tasks.spawn(crate::events::sweep(state.clone()));
        tasks.spawn(crate::cobrowse::sweep(state.clone()));
        // One task sends the outbox: webhooks (the dialer's, case events)
        // and email.
        if !state.config.dialer.url.is_empty() || !state.config.events.url.is_empty() || state.mailer.is_some() {
            tasks.spawn(webhooks::deliver(state.clone()));
        }
        tracing::info!(%addr, node = %state.node, metrics = ?metrics_addr, "rapport listening");
        Ok(Self { addr, demo_addr, metrics_addr, state })
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

/// The metrics listener, if configured. A port already taken costs the
/// metrics, not the chat: it is logged and the node runs without.
async fn bind_metrics(listen: &str) -> Option<TcpListener> {
    let listen = listen.trim();
    if listen.is_empty() {
        return None;
    }
    match TcpListener::bind(listen).await {
        Ok(listener) => Some(listener),
        Err(e) => {
            tracing::error!(error = %e, %listen, "could not bind the metrics listener; running without /metrics");
            None
        }
    }
}

/// Chat frames are small and must go out at once: Nagle's algorithm would
/// hold one back until the previous one is acknowledged (tens of ms).
fn no_delay(stream: &mut tokio::net::TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY");
    }
}

/// Seeds the demo when asked (only into an empty or demo database) and
/// warns, at every start, while demo accounts with public passwords exist.
async fn prepare_data(store: &Store, config: &Config, demo_addr: Option<SocketAddr>) -> anyhow::Result<()> {
    if config.demo.seed {
        let mut origins = vec![];
        if let Some(a) = demo_addr {
            origins.push(format!("http://{a}"));
            origins.push(format!("http://localhost:{}", a.port()));
        }
        seed::seed_demo(store, &config.demo.site_key, &origins, config.routing.agent_capacity).await.context("seeding the demo data")?;
    }
    let demo_accounts = seed::demo_accounts(store).await?;
    if demo_accounts > 0 {
        tracing::warn!(
            accounts = demo_accounts,
            "this database has demo accounts whose passwords are public (see the README); do not expose it to the internet"
        );
    }
    Ok(())
}
