//! Shared helpers for the backend's integration tests: the real server on
//! free loopback ports with a fresh data directory, and small WebSocket
//! clients that speak the wire protocol the way the widget and console do.

// Every test binary compiles this module but uses only part of it.
#![allow(dead_code)]

use std::fmt::Debug;
use std::marker::PhantomData;
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use futures_util::{SinkExt, StreamExt};
use protocol::agent::{AgentEvent, AgentFrame, Offer, Presence};
use protocol::visitor::{PageInfo, Resume, VisitorConversation, VisitorEvent, VisitorFrame};
use protocol::{ChatMessage, ClientId, ConversationId, ConversationStatus, ErrorCode, MessageText, PreChat, Seq, PROTOCOL_VERSION};
use rapport::config::DemoConfig;
use rapport::{Config, Server};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Long enough for a loaded CI machine, short enough that a lost frame
/// fails the test instead of hanging it.
pub const RECV_TIMEOUT: Duration = Duration::from_secs(10);

pub const SITE: &str = "demo-shop";
pub const AGENT_EMAIL: &str = "mei@rapport.demo";
pub const AGENT_PASSWORD: &str = "demo-agent-pass";
/// Mei's display name, as the demo seed creates her.
pub const AGENT_NAME: &str = "林美 Mei";

/// The page the test visitor is on, as the visitor card must show it.
pub const PAGE_PATH: &str = "/teas/oolong?ref=test";

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Which database the suite runs on: SQLite unless `RAPPORT_TEST_DATABASE`
/// is `postgres`, in which case `RAPPORT_TEST_POSTGRES` is the URL of a
/// server where tests may create databases (`cargo xtask test` starts a
/// throwaway one and runs the suite once on each).
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("RAPPORT_TEST_DATABASE").as_deref() {
        Ok("postgres") => Some(std::env::var("RAPPORT_TEST_POSTGRES").unwrap_or_else(|_| {
            panic!("RAPPORT_TEST_DATABASE=postgres needs RAPPORT_TEST_POSTGRES, the URL of a PostgreSQL server where tests may create databases")
        })),
        Ok("sqlite") | Err(_) => None,
        Ok(other) => panic!("RAPPORT_TEST_DATABASE must be sqlite or postgres, not {other}"),
    }
}

/// A fresh, empty database for one test on the PostgreSQL run; `None`
/// (SQLite in the data directory) otherwise.
pub fn fresh_database_url() -> anyhow::Result<Option<String>> {
    let Some(admin) = postgres_admin_url() else { return Ok(None) };
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("t{}_{n}_{}", std::process::id(), rand::random::<u32>());
    Ok(Some(testbed::create_database(&admin, &name)?))
}

/// One test's data: a directory, and on the PostgreSQL run a database.
pub struct TestData {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
}

impl TestData {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self { dir: tempfile::tempdir().context("creating a data directory")?, database_url: fresh_database_url()? })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// A configuration for a server on free loopback ports, with the demo site
/// and agents seeded into `data`.
pub fn config(data: &TestData) -> Config {
    let defaults = Config::default();
    let data_dir = data.path();
    Config {
        listen: ([127, 0, 0, 1], 0).into(),
        data_dir: data_dir.to_path_buf(),
        // The tests need no widget or console build; a missing folder only logs.
        assets_dir: data_dir.join("no-dist"),
        demo: DemoConfig {
            seed: true,
            listen: Some(([127, 0, 0, 1], 0).into()),
            dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo-site"),
            ..defaults.demo
        },
        database: rapport::config::DatabaseConfig { url: data.database_url.clone().unwrap_or_default(), ..defaults.database },
        cluster: rapport::config::ClusterConfig { metrics_listen: "127.0.0.1:0".into(), ..defaults.cluster },
        ..defaults
    }
}

/// Server logs on stderr when `RUST_LOG` is set (e.g. `RUST_LOG=rapport=debug`).
fn init_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_test_writer().try_init();
        }
    });
}

/// The real server plus the data directory it lives in, which outlives a
/// restart.
pub struct TestServer {
    pub server: Server,
    pub data: TestData,
    /// The configuration it was started with (ports 0), kept for restarts.
    pub config: Config,
}

impl TestServer {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(|_| {}).await
    }

    /// Starts with the test configuration changed by `tweak` (tighter
    /// limits, faster timers).
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> anyhow::Result<Self> {
        init_logging();
        let data = TestData::new()?;
        let mut config = config(&data);
        tweak(&mut config);
        let server = Server::start(config.clone()).await.context("starting the server")?;
        Ok(Self { server, data, config })
    }

    /// Stops the server and starts a new one (new ports) on the same data.
    pub async fn restart(self) -> anyhow::Result<Self> {
        let Self { server, data, config } = self;
        server.shutdown().await;
        let server = Server::start(config.clone()).await.context("restarting the server")?;
        Ok(Self { server, data, config })
    }

    pub fn store(&self) -> &rapport::store::Store {
        &self.server.state.store
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    /// Where `/metrics` is served.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.server.metrics_addr.expect("the test config serves metrics"))
    }
}

/// Where clients reach a Rapport deployment: one in-process server, or a
/// node or the balancer of a cluster. The helpers below work with any.
pub trait Endpoint {
    fn http_url(&self, path: &str) -> String;

    fn ws_url(&self, path: &str) -> String;

    /// Where the console is served from: the only origin agents may use.
    fn console_origin(&self) -> String;

    /// The demo shop's origin, which the demo site allows.
    fn shop_origin(&self) -> String;

    fn visitor_url(&self) -> String {
        self.ws_url(&format!("/ws/v1/visitor?site={SITE}"))
    }
}

impl Endpoint for TestServer {
    fn http_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr)
    }

    fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.server.addr)
    }

    fn console_origin(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    fn shop_origin(&self) -> String {
        format!("http://{}", self.server.demo_addr.expect("the test config serves the demo shop"))
    }
}

/// Opens a WebSocket with extra request headers (Origin, Cookie).
pub async fn connect(url: &str, headers: &[(&str, &str)]) -> Result<Socket, tungstenite::Error> {
    let mut request = url.into_client_request()?;
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| tungstenite::Error::HttpFormat(e.into()))?;
        let value = HeaderValue::from_str(value).map_err(|e| tungstenite::Error::HttpFormat(e.into()))?;
        request.headers_mut().insert(name, value);
    }
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

/// The HTTP status a refused upgrade answered with; an error if the
/// upgrade went through.
pub async fn refused_upgrade_status(url: &str, headers: &[(&str, &str)]) -> anyhow::Result<u16> {
    match connect(url, headers).await {
        Ok(_) => bail!("the upgrade to {url} was accepted"),
        Err(tungstenite::Error::Http(response)) => Ok(response.status().as_u16()),
        Err(e) => Err(anyhow!("the upgrade to {url} failed without an HTTP answer: {e}")),
    }
}

/// One side of the protocol: sends any frame, reads server events of type `E`.
pub struct Client<E> {
    socket: Socket,
    _events: PhantomData<E>,
}

impl<E: DeserializeOwned + Debug> Client<E> {
    pub fn new(socket: Socket) -> Self {
        Self { socket, _events: PhantomData }
    }

    pub async fn send<F: Serialize>(&mut self, frame: &F) -> anyhow::Result<()> {
        let text = serde_json::to_string(frame).context("encoding a frame")?;
        self.send_text(text).await
    }

    /// Sends raw text, for frames the protocol types cannot express.
    pub async fn send_text(&mut self, text: impl Into<String>) -> anyhow::Result<()> {
        self.socket.send(Message::text(text.into())).await.context("sending a frame")
    }

    /// The next server event; fails on timeout, close or an unparsable frame.
    pub async fn recv(&mut self) -> anyhow::Result<E> {
        loop {
            let next = tokio::time::timeout(RECV_TIMEOUT, self.socket.next()).await.context("no frame arrived in time")?;
            match next {
                None => bail!("the connection ended"),
                Some(Err(e)) => bail!("the connection failed: {e}"),
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str()).with_context(|| format!("the server sent a frame the protocol does not define: {text}"));
                }
                Some(Ok(Message::Close(close))) => bail!("the server closed the connection: {close:?}"),
                // Pings and pongs are the WebSocket layer's business.
                Some(Ok(_)) => {}
            }
        }
    }

    /// Skips events until one matches `wanted`; `what` names it in failures,
    /// which list everything skipped.
    pub async fn recv_until(&mut self, what: &str, mut wanted: impl FnMut(&E) -> bool) -> anyhow::Result<E> {
        let mut skipped = Vec::new();
        loop {
            match self.recv().await {
                Ok(event) if wanted(&event) => return Ok(event),
                Ok(event) => skipped.push(event),
                Err(e) => return Err(e.context(format!("waiting for {what}; skipped {skipped:?}"))),
            }
        }
    }

    /// Whether the server ends the connection within the timeout, reading
    /// (and dropping) whatever it still sends first.
    pub async fn is_closed_by_server(&mut self) -> bool {
        let ended = async {
            loop {
                match self.socket.next().await {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                    Some(Ok(_)) => {}
                }
            }
        };
        tokio::time::timeout(RECV_TIMEOUT, ended).await.is_ok()
    }

    /// Ends the connection from the client side, as a closed tab would.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// The code of an error event, whichever side it came from.
pub trait ErrorEvent {
    fn error_code(&self) -> Option<ErrorCode>;
}

impl ErrorEvent for VisitorEvent {
    fn error_code(&self) -> Option<ErrorCode> {
        match self {
            VisitorEvent::Error { error } => Some(error.code),
            _ => None,
        }
    }
}

impl ErrorEvent for AgentEvent {
    fn error_code(&self) -> Option<ErrorCode> {
        match self {
            AgentEvent::Error { error } => Some(error.code),
            _ => None,
        }
    }
}

impl<E: DeserializeOwned + Debug + ErrorEvent> Client<E> {
    /// Waits for an error frame and returns its code.
    pub async fn recv_error(&mut self) -> anyhow::Result<ErrorCode> {
        let event = self.recv_until("an error frame", |e| e.error_code().is_some()).await?;
        event.error_code().context("an error frame without a code")
    }
}

// ---- Visitors ----------------------------------------------------------

pub type VisitorClient = Client<VisitorEvent>;

/// What the widget learns from `welcome`.
pub struct Welcome {
    pub token: String,
    pub conversation: Option<VisitorConversation>,
}

/// Connects from the demo shop's origin and says hello, as the widget does
/// on page load. Returns the connection and the welcome's contents.
pub async fn connect_visitor(server: &impl Endpoint, token: Option<&str>, resume: Option<Resume>) -> anyhow::Result<(VisitorClient, Welcome)> {
    let mut client = say_hello(server, token, resume).await?;
    match client.recv_until("welcome", |e| matches!(e, VisitorEvent::Welcome { .. })).await? {
        VisitorEvent::Welcome { token, conversation, .. } => Ok((client, Welcome { token, conversation })),
        _ => unreachable!("recv_until returned a frame it did not ask for"),
    }
}

/// Connects and says hello without waiting for the answer (which may be a
/// refusal).
pub async fn say_hello(server: &impl Endpoint, token: Option<&str>, resume: Option<Resume>) -> anyhow::Result<VisitorClient> {
    let origin = server.shop_origin();
    let socket = connect(&server.visitor_url(), &[("origin", &origin)]).await.context("connecting a visitor")?;
    let mut client = VisitorClient::new(socket);
    let page = PageInfo { url: format!("{origin}{PAGE_PATH}"), title: "凍頂烏龍 Oolong".into() };
    client.send(&VisitorFrame::Hello { v: PROTOCOL_VERSION, token: token.map(str::to_string), resume, page, locale: "zh-Hant".into() }).await?;
    Ok(client)
}

/// A client id from a test's literal.
pub fn cid(id: &str) -> ClientId {
    ClientId::parse(id).unwrap_or_else(|e| panic!("{id:?} is not a valid client id: {e}"))
}

/// Message text from a test's literal.
pub fn text(t: &str) -> MessageText {
    MessageText::parse(t).unwrap_or_else(|e| panic!("{t:?} is not a valid message: {e}"))
}

pub fn prechat() -> PreChat {
    PreChat { name: "陳小明".into(), email: "ming@example.tw".into(), topic: "訂單 #1234 還沒到".into() }
}

/// Starts a chat with the pre-chat answers; returns the conversation's id.
pub async fn start_chat(visitor: &mut VisitorClient, prechat: PreChat) -> anyhow::Result<ConversationId> {
    visitor.send(&VisitorFrame::StartChat { prechat }).await?;
    match visitor.recv_until("the new conversation", |e| matches!(e, VisitorEvent::Conversation { .. })).await? {
        VisitorEvent::Conversation { conversation } => Ok(conversation.id),
        _ => unreachable!("recv_until returned a frame it did not ask for"),
    }
}

/// Sends a chat message and waits for its acknowledgement; returns the seq.
pub async fn visitor_says(visitor: &mut VisitorClient, client_id: &str, text: &str) -> anyhow::Result<Seq> {
    visitor.send(&VisitorFrame::Send { client_id: cid(client_id), text: self::text(text) }).await?;
    let ack = visitor.recv_until("the ack", |e| matches!(e, VisitorEvent::Ack { client_id: c, .. } if c.as_str() == client_id)).await?;
    match ack {
        VisitorEvent::Ack { seq, .. } => Ok(seq),
        _ => unreachable!("recv_until returned a frame it did not ask for"),
    }
}

/// Waits for the `history` frame every resuming visitor gets after welcome.
pub async fn visitor_history(visitor: &mut VisitorClient) -> anyhow::Result<(ConversationId, bool, Vec<ChatMessage>)> {
    match visitor.recv_until("history", |e| matches!(e, VisitorEvent::History { .. })).await? {
        VisitorEvent::History { conversation_id, reset, messages } => Ok((conversation_id, reset, messages)),
        _ => unreachable!("recv_until returned a frame it did not ask for"),
    }
}

/// Whether the widget's boot data says anybody is there, as the loader
/// asks it from the shop's page.
pub async fn agents_online(server: &impl Endpoint) -> anyhow::Result<bool> {
    let boot: protocol::visitor::WidgetBoot = reqwest::Client::new()
        .get(server.http_url(&format!("/api/v1/sites/{SITE}/widget")))
        .header("origin", server.shop_origin())
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(boot.agents_online)
}

// ---- Agents ------------------------------------------------------------

pub type AgentClient = Client<AgentEvent>;

/// Logs in through the REST API from the console's origin and returns the
/// session cookie (`name=value`) to send on the agent WebSocket.
pub async fn login(server: &impl Endpoint, email: &str, password: &str) -> anyhow::Result<String> {
    let response = reqwest::Client::new()
        .post(server.http_url("/api/v1/login"))
        .header("origin", server.console_origin())
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .context("posting the login")?;
    anyhow::ensure!(response.status() == 200, "login answered {}", response.status());
    let set_cookie = response.headers().get("set-cookie").context("login set no cookie")?.to_str().context("a non-text cookie")?;
    let pair = set_cookie.split(';').next().unwrap_or_default().trim();
    anyhow::ensure!(pair.starts_with("rapport_session="), "unexpected cookie {set_cookie}");
    Ok(pair.to_string())
}

/// Connects the console's WebSocket with the session cookie and says hello
/// with the seqs the console already shows. Returns after `welcome`.
pub async fn agent_with_seqs(server: &impl Endpoint, cookie: &str, last_seqs: Vec<(ConversationId, Seq)>) -> anyhow::Result<AgentClient> {
    let origin = server.console_origin();
    let socket = connect(&server.ws_url("/ws/v1/agent"), &[("origin", &origin), ("cookie", cookie)]).await.context("connecting an agent")?;
    let mut client = AgentClient::new(socket);
    client.send(&AgentFrame::Hello { v: PROTOCOL_VERSION, last_seqs }).await?;
    client.recv_until("welcome", |e| matches!(e, AgentEvent::Welcome { .. })).await?;
    Ok(client)
}

/// Mei, logged in, connected and available for chats.
pub async fn available_agent(server: &impl Endpoint) -> anyhow::Result<AgentClient> {
    available_agent_as(server, AGENT_EMAIL, AGENT_PASSWORD).await
}

/// Any agent, logged in, connected and available for chats.
pub async fn available_agent_as(server: &impl Endpoint, email: &str, password: &str) -> anyhow::Result<AgentClient> {
    let cookie = login(server, email, password).await?;
    let mut agent = agent_with_seqs(server, &cookie, vec![]).await?;
    agent.send(&AgentFrame::SetPresence { presence: Presence::Available, reason: String::new() }).await?;
    agent.recv_until("the presence change", |e| matches!(e, AgentEvent::Presence { presence: Presence::Available, .. })).await?;
    Ok(agent)
}

/// Waits for the offer of `conversation`, accepts it, and returns the offer
/// and the history the agent is then given.
pub async fn accept(agent: &mut AgentClient, conversation: ConversationId) -> anyhow::Result<(Offer, Vec<ChatMessage>)> {
    let offer = match agent.recv_until("the offer", |e| matches!(e, AgentEvent::Offer { offer } if offer.conversation_id == conversation)).await? {
        AgentEvent::Offer { offer } => offer,
        _ => unreachable!("recv_until returned a frame it did not ask for"),
    };
    agent.send(&AgentFrame::Accept { conversation_id: conversation }).await?;
    agent
        .recv_until(
            "the accepted conversation",
            |e| matches!(e, AgentEvent::Conversation { conversation: c } if c.id == conversation && c.status == ConversationStatus::Active),
        )
        .await?;
    match agent.recv_until("the history", |e| matches!(e, AgentEvent::History { conversation_id, .. } if *conversation_id == conversation)).await? {
        AgentEvent::History { messages, .. } => Ok((offer, messages)),
        _ => unreachable!("recv_until returned a frame it did not ask for"),
    }
}

/// Sends a chat message as the agent and waits for its acknowledgement.
pub async fn agent_says(agent: &mut AgentClient, conversation: ConversationId, client_id: &str, text: &str) -> anyhow::Result<Seq> {
    agent.send(&AgentFrame::Send { conversation_id: conversation, client_id: cid(client_id), text: self::text(text) }).await?;
    let ack = agent.recv_until("the ack", |e| matches!(e, AgentEvent::Ack { client_id: c, .. } if c.as_str() == client_id)).await?;
    match ack {
        AgentEvent::Ack { seq, .. } => Ok(seq),
        _ => unreachable!("recv_until returned a frame it did not ask for"),
    }
}

/// A visitor in an active chat with an available agent: the state most
/// tests start from.
pub struct Chat {
    pub visitor: VisitorClient,
    pub token: String,
    pub agent: AgentClient,
    pub conversation: ConversationId,
}

pub async fn chat(server: &impl Endpoint) -> anyhow::Result<Chat> {
    let mut agent = available_agent(server).await?;
    let (mut visitor, welcome) = connect_visitor(server, None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;
    accept(&mut agent, conversation).await?;
    visitor.recv_until("the agent joining", |e| matches!(e, VisitorEvent::Conversation { conversation: c } if c.status == ConversationStatus::Active)).await?;
    Ok(Chat { visitor, token: welcome.token, agent, conversation })
}

/// Reads a Prometheus sample from `/metrics` text.
pub use testbed::metric as sample;

// ---- Co-browsing's data sockets ----

/// The next message on a data socket, skipping pings.
#[track_caller]
pub fn next(socket: &mut Socket) -> impl std::future::Future<Output = anyhow::Result<Message>> + '_ {
    let at = std::panic::Location::caller();
    async move { next_at(socket, at).await }
}

pub async fn next_at(socket: &mut Socket, at: &'static std::panic::Location<'static>) -> anyhow::Result<Message> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .with_context(|| format!("waiting on a data socket at {at}"))?
            .context("the socket closed")??;
        if !matches!(message, Message::Ping(_) | Message::Pong(_)) {
            return Ok(message);
        }
    }
}

/// The next text message's JSON.
#[track_caller]
pub fn next_json(socket: &mut Socket) -> impl std::future::Future<Output = anyhow::Result<serde_json::Value>> + '_ {
    let at = std::panic::Location::caller();
    async move {
        match next_at(socket, at).await? {
            Message::Text(text) => Ok(serde_json::from_str(text.as_str())?),
            other => anyhow::bail!("expected text, got {other:?}"),
        }
    }
}

/// The close code a socket ends with.
pub async fn closed_with(socket: &mut Socket) -> anyhow::Result<u16> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await.context("waiting for a close")? {
            Some(Ok(Message::Close(Some(frame)))) => return Ok(frame.code.into()),
            Some(Ok(Message::Close(None))) | None => return Ok(1005),
            Some(Ok(_)) => {}
            Some(Err(e)) => anyhow::bail!("the socket failed instead of closing: {e}"),
        }
    }
}
