//! The two data sockets of a session. The recorder's
//! (`/ws/v1/cobrowse/{id}/record`, from the visitor's page, proved by the
//! session's key) sends recordings, which are relayed and kept; it
//! receives guidance. The viewer's (`/ws/v1/cobrowse/{id}/view`, the
//! console of the agent who holds the session) receives recordings and
//! the session's state; it sends guidance, which passes only as its kind
//! allows (a click or key only while control is granted).
//!
//! Neither side reads the other's payloads beyond the recording's first
//! byte and the guidance's `"k"`: masking happened in the visitor's
//! browser, and the recorder checks every remote action again.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use protocol::cobrowse::{Control, EndedBy, Guidance, Session, State as SessionState, MAX_GUIDANCE_BYTES, MAX_RECORDING_BYTES, SNAPSHOT};
use protocol::ErrorCode;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use super::relay::{ToRecorder, ToViewer};
use crate::auth::SignedIn;
use crate::extract::{origin, ClientIp, FromConsole};
use crate::gateway::rate_limit::RateLimiter;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::now_ms;

/// How long the recorder has to prove itself.
const KEY_TIMEOUT: Duration = Duration::from_secs(10);
/// Pings go out this often; a socket silent for three of them is closed.
const PING_EVERY: Duration = Duration::from_secs(15);
/// A write that takes longer means the other side is gone or too slow.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// What one session may keep, in bytes of recording, across every
/// recorder it had: past it, the session goes on live but is no longer
/// kept (a hostile page cannot fill the disk).
const KEPT_BYTES: i64 = 64 * 1024 * 1024;
/// Recording messages waiting to be stored; past it they are not kept.
const STORE_BACKLOG: usize = 512;
/// Kept recordings are written in groups this often.
const STORE_EVERY: Duration = Duration::from_millis(500);

/// Close codes the clients read.
const CLOSE_ENDED: u16 = 4000;
const CLOSE_TAKEN_OVER: u16 = 4001;
const CLOSE_REFUSED: u16 = 4003;

fn no_session() -> Refusal {
    Refusal::new(ErrorCode::NotFound, "no such co-browse session")
}

/// `GET /ws/v1/cobrowse/{id}/record`, from the visitor's page.
pub async fn record_ws(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, Refusal> {
    let permit = state.admission.connect(ip)?;
    let record = state.store.cobrowse_session(id).await?.filter(|r| r.session.state == SessionState::Live).ok_or_else(no_session)?;
    let site = state.store.site(record.site_id).await?.ok_or_else(no_session)?;
    if !site.allows_origin(origin(&headers).unwrap_or("")) {
        return Err(Refusal::new(ErrorCode::BadOrigin, "this page's origin may not use the site's widget"));
    }
    let consented = record.session.consented_ms.unwrap_or_else(now_ms);
    let span = tracing::info_span!("cobrowse recorder", session = id, site = %site.key, visitor = record.visitor_id.get());
    Ok(ws.max_message_size(MAX_RECORDING_BYTES + 1).on_upgrade(move |socket| {
        let _permit = permit;
        let task = async move { recorder(state, socket, id, consented, ip).await };
        tracing::Instrument::instrument(task, span)
    }))
}

async fn recorder(state: AppState, mut socket: WebSocket, id: i64, consented: i64, ip: IpAddr) {
    // The first message is the key; nothing is relayed before it checks.
    let key = match tokio::time::timeout(KEY_TIMEOUT, socket.recv()).await {
        Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v["key"].as_str().map(str::to_owned)),
        _ => None,
    };
    // Listening first, then checking: an end that comes in between is
    // heard, or the check sees it.
    let relay = &state.cobrowse.relay;
    let mut inbox = relay.recorder(id).await;
    let proven = match key {
        Some(key) if key.len() <= 128 => state.store.cobrowse_key_matches(id, &key).await.unwrap_or(false),
        _ => false,
    };
    if !proven {
        tracing::info!(%ip, "a co-browse recorder without the session's key was refused");
        drop(inbox);
        relay.leave(id);
        close(&mut socket, CLOSE_REFUSED, "not this session's recorder").await;
        return;
    }
    let token: u64 = rand::random();
    relay.to_recorder(id, ToRecorder::TakeOver(token)).await;
    let keeper = Keeper::start(&state, id).await;
    let mut pings = tokio::time::interval(PING_EVERY);
    let mut heard = Instant::now();
    let mut flood = RateLimiter::new(240, 120, Instant::now());
    let why = loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => break (1001, "the server is restarting"),
            _ = pings.tick() => {
                if !keep_alive(&mut socket, heard).await {
                    break (1001, "silent too long, or gone");
                }
            }
            incoming = socket.recv() => {
                heard = Instant::now();
                match incoming {
                    Some(Ok(Message::Binary(bytes))) => {
                        if bytes.len() > MAX_RECORDING_BYTES || !matches!(bytes.first(), Some(0 | 1)) {
                            break (1003, "not a recording");
                        }
                        if !flood.allow(Instant::now()) {
                            break (1008, "too many recording messages");
                        }
                        keeper.keep(now_ms() - consented, bytes.clone());
                        relay.to_viewers(id, ToViewer::Recording(bytes)).await;
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break (1000, "closed"),
                    Some(Ok(_)) => {}
                }
            }
            message = inbox.recv() => match message {
                Ok(ToRecorder::Guidance(text)) => {
                    if !send(&mut socket, Message::Text(text.to_string().into())).await {
                        break (1001, "gone");
                    }
                }
                Ok(ToRecorder::Snapshot) => {
                    if !send(&mut socket, Message::Text(r#"{"k":"snap"}"#.into())).await {
                        break (1001, "gone");
                    }
                }
                Ok(ToRecorder::TakeOver(other)) if other != token => break (CLOSE_TAKEN_OVER, "another tab records this session"),
                Ok(ToRecorder::TakeOver(_)) => {}
                Ok(ToRecorder::End) => break (CLOSE_ENDED, "the session ended"),
                // Old pointer positions are worth nothing, but an end or a
                // takeover may have been among what was missed: the store
                // says whether the session is still live.
                Err(RecvError::Lagged(_)) => {
                    if !matches!(state.store.cobrowse_session(id).await, Ok(Some(r)) if r.session.state == SessionState::Live) {
                        break (CLOSE_ENDED, "the session ended");
                    }
                }
                Err(RecvError::Closed) => break (1011, "relay closed"),
            },
        }
    };
    drop(inbox);
    relay.leave(id);
    keeper.finish().await;
    close(&mut socket, why.0, why.1).await;
}

/// Keeps a recorder's messages for replay, written in groups off the
/// recorder's path: a slow database delays the keeping, never the relay.
struct Keeper {
    queue: mpsc::Sender<(i64, Bytes)>,
    task: tokio::task::JoinHandle<()>,
}

impl Keeper {
    async fn start(state: &AppState, id: i64) -> Self {
        let (queue, mut incoming) = mpsc::channel::<(i64, Bytes)>(STORE_BACKLOG);
        let state = state.clone();
        let task = tokio::spawn(async move {
            let mut batch = Vec::new();
            let mut full = false;
            loop {
                let open = tokio::select! {
                    got = incoming.recv() => match got {
                        Some((at, bytes)) => {
                            if !full {
                                batch.push((at, bytes.to_vec()));
                            }
                            true
                        }
                        None => false,
                    },
                    _ = tokio::time::sleep(STORE_EVERY), if !batch.is_empty() => true,
                };
                if !batch.is_empty() && (!open || batch.len() >= 32 || incoming.is_empty()) {
                    match state.store.append_cobrowse_frames(id, &batch, KEPT_BYTES).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!("this co-browse session kept all it may; the rest is relayed, not kept");
                            full = true;
                        }
                        Err(e) => tracing::error!(error = %e, "could not keep co-browse recording"),
                    }
                    batch.clear();
                }
                if !open {
                    return;
                }
            }
        });
        Self { queue, task }
    }

    fn keep(&self, at: i64, bytes: Bytes) {
        if self.queue.try_send((at, bytes)).is_err() {
            tracing::warn!("co-browse recording not kept: the store is behind");
        }
    }

    async fn finish(self) {
        drop(self.queue);
        let _ = self.task.await;
    }
}

/// `GET /ws/v1/cobrowse/{id}/view`, from the console of the session's
/// agent.
pub async fn view_ws(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
    ws: WebSocketUpgrade,
) -> Result<Response, Refusal> {
    let serves = |site| me.agent.info.role == protocol::agent::Role::Admin || me.agent.sites.contains(&site);
    let record = state.store.cobrowse_session(id).await?.filter(|r| r.agent_id == Some(me.agent.info.id) && serves(r.site_id)).ok_or_else(no_session)?;
    if record.session.state.is_over() {
        return Err(Refusal::new(ErrorCode::InvalidState, "that co-browse session is over"));
    }
    let span = tracing::info_span!("cobrowse viewer", session = id, agent = me.agent.info.id.get());
    Ok(ws.max_message_size(MAX_GUIDANCE_BYTES).on_upgrade(move |socket| tracing::Instrument::instrument(viewer(state, socket, record.session), span)))
}

async fn viewer(state: AppState, mut socket: WebSocket, mut session: Session) {
    let id = session.id;
    let relay = &state.cobrowse.relay;
    let mut inbox = relay.viewer(id).await;
    // Read again after joining, so a change in between is not missed.
    if let Ok(Some(now)) = state.store.cobrowse_session(id).await {
        session = now.session;
    }
    let mut waiting_for_snapshot = true;
    if !send(&mut socket, Message::Text(super::state_message(&session).into())).await {
        relay.leave(id);
        return;
    }
    if session.state == SessionState::Live {
        relay.request_snapshot(id).await;
    }
    let mut pings = tokio::time::interval(PING_EVERY);
    let mut heard = Instant::now();
    // Pointer moves come 30 a second; room for more, not for a flood.
    let mut flood = RateLimiter::new(120, 60, Instant::now());
    let why = loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => break (1001, "the server is restarting"),
            _ = pings.tick() => {
                if !keep_alive(&mut socket, heard).await {
                    break (1001, "silent too long, or gone");
                }
            }
            message = inbox.recv() => match message {
                Ok(ToViewer::Recording(bytes)) => {
                    if waiting_for_snapshot && bytes.first() != Some(&SNAPSHOT) {
                        continue;
                    }
                    waiting_for_snapshot = false;
                    if !send(&mut socket, Message::Binary(bytes)).await {
                        break (1001, "too slow");
                    }
                }
                Ok(ToViewer::State(text)) => {
                    if let Some(s) = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| serde_json::from_value::<Session>(v["session"].clone()).ok()) {
                        let went_live = s.state == SessionState::Live && session.state != SessionState::Live;
                        session = s;
                        if went_live {
                            relay.request_snapshot(id).await;
                        }
                    }
                    if !send(&mut socket, Message::Text(text.to_string().into())).await || session.state.is_over() {
                        break (CLOSE_ENDED, "the session ended");
                    }
                }
                // Behind: skip to a fresh snapshot rather than queue, and
                // read the session again (a change of state may be among
                // what was missed).
                Err(RecvError::Lagged(missed)) => {
                    tracing::info!(missed, "a co-browse viewer fell behind; it resyncs from a fresh snapshot");
                    waiting_for_snapshot = true;
                    relay.request_snapshot(id).await;
                    if let Ok(Some(now)) = state.store.cobrowse_session(id).await {
                        session = now.session;
                        if !send(&mut socket, Message::Text(super::state_message(&session).into())).await || session.state.is_over() {
                            break (CLOSE_ENDED, "the session ended");
                        }
                    }
                }
                Err(RecvError::Closed) => break (1011, "relay closed"),
            },
            incoming = socket.recv() => {
                heard = Instant::now();
                match incoming {
                    Some(Ok(Message::Text(text))) => {
                        if !flood.allow(Instant::now()) {
                            continue;
                        }
                        if let Err(refusal) = guidance(&state, &session, text.as_str()).await {
                            let body = serde_json::json!({ "k": "error", "error": refusal.body() }).to_string();
                            if !send(&mut socket, Message::Text(body.into())).await {
                                break (1001, "gone");
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break (1000, "closed"),
                    Some(Ok(_)) => {}
                }
            }
        }
    };
    drop(inbox);
    relay.leave(id);
    close(&mut socket, why.0, why.1).await;
}

/// One guidance message from the viewer: passed to the recorder as its
/// kind allows, or acted on here (asking for control, ending).
async fn guidance(state: &AppState, session: &Session, text: &str) -> Result<(), Refusal> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| Refusal::new(ErrorCode::BadFrame, "guidance is a JSON object"))?;
    let kind = value["k"].as_str().and_then(Guidance::of_kind).ok_or_else(|| Refusal::new(ErrorCode::UnknownType, "unknown guidance"))?;
    let live = session.state == SessionState::Live;
    match kind {
        Guidance::End => super::end(state, session.id, EndedBy::Agent).await,
        _ if !live => Err(Refusal::new(ErrorCode::InvalidState, "the visitor has not accepted yet")),
        Guidance::AskControl => super::ask_control(state, session.id).await,
        Guidance::Act if session.control != Control::Granted => Err(Refusal::new(ErrorCode::Forbidden, "the visitor has not granted control")),
        Guidance::Point | Guidance::Act => {
            state.cobrowse.relay.to_recorder(session.id, ToRecorder::Guidance(text.into())).await;
            Ok(())
        }
    }
}

/// Pings the other side; false when it has said nothing for three pings
/// (`heard`: when it last did) or the ping cannot go.
async fn keep_alive(socket: &mut WebSocket, heard: Instant) -> bool {
    heard.elapsed() <= PING_EVERY * 3 && send(socket, Message::Ping(Bytes::new())).await
}

/// Sends within the write timeout; false when the socket is gone or slow.
async fn send(socket: &mut WebSocket, message: Message) -> bool {
    matches!(tokio::time::timeout(WRITE_TIMEOUT, socket.send(message)).await, Ok(Ok(())))
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame { code, reason: reason.into() };
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.send(Message::Close(Some(frame)))).await;
}
