//! Clients that behave like the widget and the console under bad network
//! and server conditions: they keep typing while disconnected (an outbox),
//! reconnect with their resume points, resend the outbox, complete their
//! history after a reset, and remember everything they were told, for the
//! final comparison with the database.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::agent::{AgentEvent, AgentFrame, Presence};
use protocol::visitor::{PageInfo, Resume, VisitorEvent, VisitorFrame};
use protocol::{ClientId, ConversationId, ConversationStatus, MessageText, PreChat, Seq, PROTOCOL_VERSION};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::view::View;
use crate::fixture::{agent_email, AGENT_PASSWORD, SITE_KEY, SITE_ORIGIN};

type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the harness tells a client.
#[derive(Clone, Copy, Debug)]
pub enum Control {
    /// Drop the connection at once (no close frame), then reconnect.
    Cut,
    /// Reconnect once more and catch up, as a last check.
    Resync,
    /// Stop and report.
    Stop,
}

/// What every client shares.
pub struct Floor {
    pub addr: SocketAddr,
    /// Clients type while this is set.
    pub typing: AtomicBool,
    /// Messages typed and not yet acknowledged, over every client.
    pub unacknowledged: AtomicI64,
    /// Clients that have caught up after a [`Control::Resync`].
    pub resynced: AtomicU64,
}

/// One client's account of the run.
#[derive(Debug, Default)]
pub struct Report {
    pub who: String,
    /// Every message typed, in the order typed, with its conversation
    /// when known at typing time (agents know it; visitors learn it).
    pub typed: Vec<(Option<ConversationId>, ClientId, String)>,
    pub acknowledged: HashSet<ClientId>,
    pub views: BTreeMap<ConversationId, View>,
    pub problems: Vec<String>,
    pub connects: u64,
    /// Frames the server refused as out of date (a stale accept).
    pub refused: u64,
}

/// xorshift64*, seeded per client, so runs repeat.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn millis(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.next() % (to - from).max(1))
    }
}

async fn connect(url: &str, headers: &[(&'static str, &str)]) -> Option<Stream> {
    let mut request = url.into_client_request().ok()?;
    for (name, value) in headers {
        request.headers_mut().insert(*name, HeaderValue::from_str(value).ok()?);
    }
    tokio::time::timeout(Duration::from_secs(3), tokio_tungstenite::connect_async(request)).await.ok()?.ok().map(|(s, _)| s)
}

async fn send<F: Serialize>(ws: &mut Stream, frame: &F) -> bool {
    match serde_json::to_string(frame) {
        Ok(text) => ws.send(Message::text(text)).await.is_ok(),
        Err(_) => false,
    }
}

/// The next protocol event; `None` when the connection is over.
async fn recv<E: DeserializeOwned>(ws: &mut Stream) -> Option<Result<E, String>> {
    loop {
        match ws.next().await? {
            Ok(Message::Text(text)) => return Some(serde_json::from_str(text.as_str()).map_err(|e| format!("{e}: {text}"))),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// What a client does between two events.
enum Next {
    Continue,
    Reconnect(Duration),
    Stop,
}

/// A visitor on the shop, typing now and then.
pub struct Visitor {
    index: u32,
    floor: Arc<Floor>,
    rng: Rng,
    token: Option<String>,
    conversation: Option<ConversationId>,
    view: View,
    outbox: Vec<(ClientId, MessageText)>,
    older_asked: Option<Seq>,
    resyncing: bool,
    /// This connection's welcome has arrived (sending waits for it).
    welcomed: bool,
    report: Report,
}

impl Visitor {
    pub fn new(index: u32, floor: Arc<Floor>) -> Self {
        Self {
            index,
            floor,
            rng: Rng::new(u64::from(index) + 1),
            token: None,
            conversation: None,
            view: View::default(),
            outbox: Vec::new(),
            older_asked: None,
            resyncing: false,
            welcomed: false,
            report: Report { who: format!("visitor {index}"), ..Report::default() },
        }
    }

    pub async fn run(mut self, mut control: mpsc::Receiver<Control>) -> Report {
        let url = format!("ws://{}/ws/v1/visitor?site={SITE_KEY}", self.floor.addr);
        let mut typing = tokio::time::interval(self.rng.millis(900, 2_000));
        loop {
            let Some(mut ws) = connect(&url, &[("origin", SITE_ORIGIN)]).await else {
                // The server is down: keep typing, try again soon.
                match self.wait_offline(&mut control, &mut typing).await {
                    Next::Stop => return self.finish(),
                    _ => continue,
                }
            };
            self.report.connects += 1;
            self.older_asked = None;
            let resume = self.conversation.map(|id| Resume { conversation_id: id, last_seq: self.view.last_seq() });
            let page = PageInfo { url: format!("{SITE_ORIGIN}/chaos/{}", self.index), title: "Chaos".into() };
            if !send(&mut ws, &VisitorFrame::Hello { v: PROTOCOL_VERSION, token: self.token.clone(), resume, page, locale: "en".into() }).await {
                continue;
            }
            // As the widget does, nothing is sent before the welcome: until
            // then the visitor is not known to be who they were (a cut
            // before it would make the server a second visitor of them,
            // with a second copy of what was sent).
            self.welcomed = false;
            let next = loop {
                tokio::select! {
                    c = control.recv() => match c.unwrap_or(Control::Stop) {
                        Control::Cut => break Next::Reconnect(self.rng.millis(20, 300)),
                        Control::Resync => { self.resyncing = true; break Next::Reconnect(Duration::ZERO) }
                        Control::Stop => break Next::Stop,
                    },
                    _ = typing.tick(), if self.floor.typing.load(Ordering::Relaxed) => {
                        let frame = self.type_message();
                        if self.welcomed && !send(&mut ws, &frame).await { break Next::Reconnect(self.rng.millis(20, 200)) }
                    }
                    event = recv::<VisitorEvent>(&mut ws) => match event {
                        None => break Next::Reconnect(self.rng.millis(50, 300)),
                        Some(Err(e)) => { self.report.problems.push(format!("unreadable frame: {e}")); }
                        Some(Ok(event)) => match self.on_event(&mut ws, event).await {
                            Next::Continue => {}
                            other => break other,
                        },
                    },
                }
            };
            // Dropping the socket without a close frame is the cut.
            drop(ws);
            match next {
                Next::Stop => return self.finish(),
                Next::Reconnect(after) => tokio::time::sleep(after).await,
                Next::Continue => {}
            }
        }
    }

    async fn wait_offline(&mut self, control: &mut mpsc::Receiver<Control>, typing: &mut tokio::time::Interval) -> Next {
        let retry = tokio::time::sleep(self.rng.millis(100, 300));
        tokio::pin!(retry);
        loop {
            tokio::select! {
                c = control.recv() => match c.unwrap_or(Control::Stop) {
                    Control::Stop => return Next::Stop,
                    Control::Resync => self.resyncing = true,
                    Control::Cut => {}
                },
                _ = typing.tick(), if self.floor.typing.load(Ordering::Relaxed) => { self.type_message(); }
                _ = &mut retry => return Next::Continue,
            }
        }
    }

    /// Puts a new message in the outbox and returns its frame.
    fn type_message(&mut self) -> VisitorFrame {
        let k = self.report.typed.len();
        let client_id = ClientId::from_random(self.rng_id(k as u64));
        let text = format!("visitor {} says {k}", self.index);
        self.report.typed.push((self.conversation, client_id.clone(), text.clone()));
        let text = MessageText::parse(text).unwrap_or_else(|_| unreachable!("a short message is valid"));
        self.outbox.push((client_id.clone(), text.clone()));
        self.floor.unacknowledged.fetch_add(1, Ordering::Relaxed);
        VisitorFrame::Send { client_id, text }
    }

    fn rng_id(&mut self, k: u64) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&(u64::from(self.index) << 32 | k).to_be_bytes());
        bytes[8..].copy_from_slice(&self.rng.next().to_be_bytes());
        bytes
    }

    async fn on_event(&mut self, ws: &mut Stream, event: VisitorEvent) -> Next {
        match event {
            VisitorEvent::Welcome { token, conversation, .. } => {
                self.token = Some(token);
                self.welcomed = true;
                match conversation {
                    Some(c) => self.switch_to(c.id),
                    None => {
                        let prechat = PreChat { name: format!("Chaos visitor {}", self.index), email: String::new(), topic: "chaos".into() };
                        if !send(ws, &VisitorFrame::StartChat { prechat }).await {
                            return Next::Reconnect(Duration::ZERO);
                        }
                    }
                }
                // Everything not acknowledged goes again, in order.
                for (client_id, text) in self.outbox.clone() {
                    if !send(ws, &VisitorFrame::Send { client_id, text }).await {
                        return Next::Reconnect(Duration::ZERO);
                    }
                }
                if self.resyncing && self.conversation.is_none() {
                    self.resynced();
                }
            }
            VisitorEvent::History { conversation_id, reset, messages } => {
                if Some(conversation_id) == self.conversation {
                    self.view.history(reset, messages);
                    return self.complete_history(ws).await;
                }
            }
            VisitorEvent::Message { message } => self.view.insert(message),
            VisitorEvent::Ack { client_id, .. } => {
                if let Some(i) = self.outbox.iter().position(|(id, _)| *id == client_id) {
                    self.outbox.remove(i);
                    self.floor.unacknowledged.fetch_sub(1, Ordering::Relaxed);
                }
                self.report.acknowledged.insert(client_id);
            }
            VisitorEvent::Conversation { conversation } => {
                self.switch_to(conversation.id);
                if conversation.status == ConversationStatus::Ended {
                    self.report.problems.push(format!("conversation {} ended", conversation.id));
                }
            }
            VisitorEvent::Error { error } => self.report.problems.push(format!("error frame: {:?} {}", error.code, error.message)),
            VisitorEvent::Reconnect { after_ms } => return Next::Reconnect(Duration::from_millis(u64::from(after_ms))),
            VisitorEvent::Typing { .. }
            | VisitorEvent::Read { .. }
            | VisitorEvent::MessageLeft
            | VisitorEvent::CallbackOptions { .. }
            | VisitorEvent::Callback { .. }
            | VisitorEvent::CallbackRefused { .. }
            | VisitorEvent::CallbackSuggested
            | VisitorEvent::TranscriptQueued { .. }
            | VisitorEvent::Rated { .. }
            | VisitorEvent::Cobrowse { .. } => {}
        }
        Next::Continue
    }

    fn switch_to(&mut self, id: ConversationId) {
        if self.conversation != Some(id) {
            if self.conversation.is_some() {
                self.report.problems.push(format!("the conversation changed to {id}"));
            }
            self.conversation = Some(id);
            self.view = View::default();
            // Messages typed before the conversation was known belong to it.
            for typed in &mut self.report.typed {
                typed.0.get_or_insert(id);
            }
        }
    }

    /// Asks for the page before the oldest message until nothing is
    /// missing; then a resync is complete.
    async fn complete_history(&mut self, ws: &mut Stream) -> Next {
        match self.view.missing_before() {
            Some(before) if self.older_asked != Some(before) => {
                self.older_asked = Some(before);
                if !send(ws, &VisitorFrame::LoadOlder { before_seq: before }).await {
                    return Next::Reconnect(Duration::ZERO);
                }
            }
            Some(_) => {}
            None => {
                if self.resyncing {
                    self.resynced();
                }
            }
        }
        Next::Continue
    }

    fn resynced(&mut self) {
        self.resyncing = false;
        self.floor.resynced.fetch_add(1, Ordering::Relaxed);
    }

    fn finish(mut self) -> Report {
        if let Some(id) = self.conversation {
            self.report.views.insert(id, std::mem::take(&mut self.view));
        }
        self.report
    }
}

/// An agent in the console: accepts every offer and answers now and then.
pub struct Agent {
    index: u32,
    floor: Arc<Floor>,
    rng: Rng,
    cookie: Option<String>,
    active: Vec<ConversationId>,
    views: BTreeMap<ConversationId, View>,
    outbox: Vec<(ConversationId, ClientId, MessageText)>,
    older_asked: BTreeMap<ConversationId, Seq>,
    resyncing: bool,
    report: Report,
}

impl Agent {
    pub fn new(index: u32, floor: Arc<Floor>) -> Self {
        Self {
            index,
            floor,
            rng: Rng::new(1_000_000 + u64::from(index)),
            cookie: None,
            active: Vec::new(),
            views: BTreeMap::new(),
            outbox: Vec::new(),
            older_asked: BTreeMap::new(),
            resyncing: false,
            report: Report { who: format!("agent {index}"), ..Report::default() },
        }
    }

    async fn login(&mut self) -> Option<String> {
        if let Some(cookie) = &self.cookie {
            return Some(cookie.clone());
        }
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().ok()?;
        let origin = format!("http://{}", self.floor.addr);
        let response = http
            .post(format!("{origin}/api/v1/login"))
            .header("origin", &origin)
            .json(&serde_json::json!({ "email": agent_email(self.index), "password": AGENT_PASSWORD }))
            .send()
            .await
            .ok()?;
        let cookie = response.headers().get("set-cookie")?.to_str().ok()?.split(';').next()?.trim().to_string();
        self.cookie = Some(cookie.clone());
        Some(cookie)
    }

    pub async fn run(mut self, mut control: mpsc::Receiver<Control>) -> Report {
        let url = format!("ws://{}/ws/v1/agent", self.floor.addr);
        let origin = format!("http://{}", self.floor.addr);
        let mut typing = tokio::time::interval(self.rng.millis(300, 700));
        loop {
            let stream = match self.login().await {
                Some(cookie) => connect(&url, &[("origin", &origin), ("cookie", &cookie)]).await,
                None => None,
            };
            let Some(mut ws) = stream else {
                match self.wait_offline(&mut control, &mut typing).await {
                    Next::Stop => return self.finish(),
                    _ => continue,
                }
            };
            self.report.connects += 1;
            self.older_asked.clear();
            let last_seqs = self.views.iter().map(|(id, v)| (*id, v.last_seq())).collect();
            if !send(&mut ws, &AgentFrame::Hello { v: PROTOCOL_VERSION, last_seqs }).await {
                continue;
            }
            let next = loop {
                tokio::select! {
                    c = control.recv() => match c.unwrap_or(Control::Stop) {
                        Control::Cut => break Next::Reconnect(self.rng.millis(20, 300)),
                        Control::Resync => { self.resyncing = true; break Next::Reconnect(Duration::ZERO) }
                        Control::Stop => break Next::Stop,
                    },
                    _ = typing.tick(), if self.floor.typing.load(Ordering::Relaxed) => {
                        if let Some(frame) = self.type_reply() {
                            if !send(&mut ws, &frame).await { break Next::Reconnect(self.rng.millis(20, 200)) }
                        }
                    }
                    event = recv::<AgentEvent>(&mut ws) => match event {
                        None => break Next::Reconnect(self.rng.millis(50, 300)),
                        Some(Err(e)) => { self.report.problems.push(format!("unreadable frame: {e}")); }
                        Some(Ok(event)) => match self.on_event(&mut ws, event).await {
                            Next::Continue => {}
                            other => break other,
                        },
                    },
                }
            };
            drop(ws);
            match next {
                Next::Stop => return self.finish(),
                Next::Reconnect(after) => tokio::time::sleep(after).await,
                Next::Continue => {}
            }
        }
    }

    async fn wait_offline(&mut self, control: &mut mpsc::Receiver<Control>, typing: &mut tokio::time::Interval) -> Next {
        let retry = tokio::time::sleep(self.rng.millis(100, 300));
        tokio::pin!(retry);
        loop {
            tokio::select! {
                c = control.recv() => match c.unwrap_or(Control::Stop) {
                    Control::Stop => return Next::Stop,
                    Control::Resync => self.resyncing = true,
                    Control::Cut => {}
                },
                _ = typing.tick(), if self.floor.typing.load(Ordering::Relaxed) => { self.type_reply(); }
                _ = &mut retry => return Next::Continue,
            }
        }
    }

    fn type_reply(&mut self) -> Option<AgentFrame> {
        if self.active.is_empty() {
            return None;
        }
        let conversation_id = self.active[(self.rng.next() % self.active.len() as u64) as usize];
        let k = self.report.typed.len() as u64;
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&(1 << 63 | u64::from(self.index) << 32 | k).to_be_bytes());
        bytes[8..].copy_from_slice(&self.rng.next().to_be_bytes());
        let client_id = ClientId::from_random(bytes);
        let text = format!("agent {} answers {k}", self.index);
        self.report.typed.push((Some(conversation_id), client_id.clone(), text.clone()));
        let text = MessageText::parse(text).unwrap_or_else(|_| unreachable!("a short message is valid"));
        self.outbox.push((conversation_id, client_id.clone(), text.clone()));
        self.floor.unacknowledged.fetch_add(1, Ordering::Relaxed);
        Some(AgentFrame::Send { conversation_id, client_id, text })
    }

    async fn on_event(&mut self, ws: &mut Stream, event: AgentEvent) -> Next {
        match event {
            AgentEvent::Welcome { presence, .. } => {
                if presence != Presence::Available && !send(ws, &AgentFrame::SetPresence { presence: Presence::Available, reason: String::new() }).await {
                    return Next::Reconnect(Duration::ZERO);
                }
                for (conversation_id, client_id, text) in self.outbox.clone() {
                    if !send(ws, &AgentFrame::Send { conversation_id, client_id, text }).await {
                        return Next::Reconnect(Duration::ZERO);
                    }
                }
                if self.resyncing && self.views.is_empty() {
                    self.resynced();
                }
            }
            AgentEvent::Offer { offer } => {
                if !send(ws, &AgentFrame::Accept { conversation_id: offer.conversation_id }).await {
                    return Next::Reconnect(Duration::ZERO);
                }
            }
            AgentEvent::Conversation { conversation } => {
                self.views.entry(conversation.id).or_default();
                if conversation.status == ConversationStatus::Active && !self.active.contains(&conversation.id) {
                    self.active.push(conversation.id);
                }
            }
            AgentEvent::History { conversation_id, reset, messages } => {
                self.views.entry(conversation_id).or_default().history(reset, messages);
                return self.complete_history(ws, conversation_id).await;
            }
            AgentEvent::Message { conversation_id, message } => self.views.entry(conversation_id).or_default().insert(message),
            AgentEvent::Ack { client_id, .. } => {
                if let Some(i) = self.outbox.iter().position(|(_, id, _)| *id == client_id) {
                    self.outbox.remove(i);
                    self.floor.unacknowledged.fetch_sub(1, Ordering::Relaxed);
                }
                self.report.acknowledged.insert(client_id);
            }
            // Accepting an offer that a restart or a timeout took back is
            // refused that way; that is the protocol working, not a fault.
            AgentEvent::Error { error } if error.code == protocol::ErrorCode::InvalidState => self.report.refused += 1,
            AgentEvent::Error { error } => self.report.problems.push(format!("error frame: {:?} {}", error.code, error.message)),
            AgentEvent::Reconnect { after_ms } => return Next::Reconnect(Duration::from_millis(u64::from(after_ms))),
            AgentEvent::Presence { .. }
            | AgentEvent::OfferRevoked { .. }
            | AgentEvent::Typing { .. }
            | AgentEvent::Read { .. }
            | AgentEvent::WrapUp { .. }
            | AgentEvent::WrappedUp { .. } => {}
        }
        Next::Continue
    }

    async fn complete_history(&mut self, ws: &mut Stream, id: ConversationId) -> Next {
        let missing = self.views.get(&id).and_then(View::missing_before);
        if let Some(before) = missing {
            if self.older_asked.get(&id) != Some(&before) {
                self.older_asked.insert(id, before);
                if !send(ws, &AgentFrame::LoadOlder { conversation_id: id, before_seq: before }).await {
                    return Next::Reconnect(Duration::ZERO);
                }
            }
        } else if self.resyncing && self.views.values().all(|v| v.missing_before().is_none()) {
            self.resynced();
        }
        Next::Continue
    }

    fn resynced(&mut self) {
        self.resyncing = false;
        self.floor.resynced.fetch_add(1, Ordering::Relaxed);
    }

    fn finish(mut self) -> Report {
        self.report.views = std::mem::take(&mut self.views);
        self.report
    }
}
