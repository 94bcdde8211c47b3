//! The life of every WebSocket, visitor's or agent's: upgrade, hello (with
//! the protocol version checked), welcome, then frames in and events out
//! until the connection ends, then goodbye. Each side supplies only what
//! differs, as an [`Endpoint`].

use std::future::Future;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::response::Response;
use protocol::agent::AgentFrame;
use protocol::visitor::VisitorFrame;
use protocol::{ErrorCode, MAX_FRAME_BYTES, PROTOCOL_VERSION};
use serde::de::DeserializeOwned;
use std::sync::Arc;

use tokio::sync::mpsc;
use tracing::Instrument;

use super::socket::{ClientSocket, Ended, Incoming, ServerEvent};
use crate::hub::KickSignal;
use crate::refusal::Refusal;
use crate::state::AppState;

/// A frame type whose first frame must be a hello.
pub trait ClientFrame: DeserializeOwned + Send + 'static {
    /// The protocol version, if this is a hello.
    fn hello_version(&self) -> Option<u32>;
}

impl ClientFrame for VisitorFrame {
    fn hello_version(&self) -> Option<u32> {
        match self {
            Self::Hello { v, .. } => Some(*v),
            _ => None,
        }
    }
}

impl ClientFrame for AgentFrame {
    fn hello_version(&self) -> Option<u32> {
        match self {
            Self::Hello { v, .. } => Some(*v),
            _ => None,
        }
    }
}

/// What the connection receives once the hello is accepted.
pub struct Welcome<E> {
    /// Hub events for this connection, and what tells it to close.
    pub events: mpsc::Receiver<Arc<E>>,
    pub kick: KickSignal,
    /// Sent first, in order.
    pub frames: Vec<E>,
    /// When the connection must close by itself (an agent's session end).
    pub expires_at: Option<tokio::time::Instant>,
}

/// What one side of the gateway does with its connections.
pub trait Endpoint: Send + 'static {
    type Frame: ClientFrame;
    type Event: ServerEvent;

    /// The first frame, a hello of the right version: identify the client,
    /// register the connection with the hub, and say what to send first.
    fn hello(&mut self, hello: Self::Frame) -> impl Future<Output = Result<Welcome<Self::Event>, Refusal>> + Send;

    /// One later frame. Answers meant for this connection alone (acks,
    /// pages of history) go into `replies`.
    fn handle(&mut self, frame: Self::Frame, replies: &mut Vec<Self::Event>) -> impl Future<Output = Result<(), Refusal>> + Send;

    /// Sees every hub event on its way to the client (to keep caches fresh).
    fn observe(&mut self, _event: &Self::Event) {}

    /// Asked every minute; false closes the connection.
    fn still_allowed(&mut self) -> impl Future<Output = bool> + Send {
        async { true }
    }

    /// The connection is over (only called after a successful hello).
    fn goodbye(&mut self) -> impl Future<Output = ()> + Send;
}

/// Accepts the WebSocket upgrade and serves the connection in its own task,
/// tracked for shutdown and inside `span`, so every log line says whose
/// connection it was.
pub fn upgrade<P: Endpoint>(ws: WebSocketUpgrade, state: AppState, endpoint: P, span: tracing::Span) -> Response {
    let tasks = state.tasks.clone();
    ws.read_buffer_size(4096)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| tasks.track_future(serve(state, endpoint, socket).instrument(span)))
}

async fn serve<P: Endpoint>(state: AppState, mut endpoint: P, socket: WebSocket) {
    let mut socket = ClientSocket::<P::Event>::new(socket, &state.config.limits, &state.config.connections, state.shutdown.clone());
    let Some(hello) = socket.first_frame::<P::Frame>().await else { return };
    match hello.hello_version() {
        None => {
            socket.refuse(Refusal::new(ErrorCode::OutOfOrder, "the first frame must be hello")).await;
            return;
        }
        Some(v) if v != PROTOCOL_VERSION => {
            socket.refuse(Refusal::new(ErrorCode::VersionUnsupported, format!("this server speaks protocol version {PROTOCOL_VERSION}"))).await;
            socket.close(1002, "unsupported protocol version").await;
            return;
        }
        Some(_) => {}
    }
    let welcome = match endpoint.hello(hello).await {
        Ok(welcome) => welcome,
        Err(refusal) => {
            socket.refuse(refusal).await;
            socket.close(1008, "refused").await;
            return;
        }
    };
    socket.attach(welcome.events, welcome.kick);
    if let Some(at) = welcome.expires_at {
        socket.expire_at(at);
    }
    for frame in &welcome.frames {
        socket.send(frame).await;
    }
    run(&mut endpoint, &mut socket).await;
    match socket.ended {
        Some(Ended::Kicked(why)) => tracing::info!(reason = why.reason(), "connection closed by the server"),
        ended => tracing::debug!(?ended, "connection closed"),
    }
    endpoint.goodbye().await;
}

async fn run<P: Endpoint>(endpoint: &mut P, socket: &mut ClientSocket<P::Event>) {
    let mut replies = Vec::new();
    loop {
        match socket.next::<P::Frame>().await {
            None => return,
            Some(Incoming::Recheck) => {
                if !endpoint.still_allowed().await {
                    socket.close(crate::hub::Kick::SignedOut.close_code(), "signed out").await;
                    return;
                }
            }
            Some(Incoming::Event(event)) => {
                endpoint.observe(&event);
                if !socket.send(&event).await {
                    return;
                }
            }
            Some(Incoming::Frame(frame)) => {
                if frame.hello_version().is_some() {
                    socket.refuse(Refusal::new(ErrorCode::OutOfOrder, "hello was already received")).await;
                    continue;
                }
                let result = endpoint.handle(frame, &mut replies).await;
                for reply in replies.drain(..) {
                    socket.send(&reply).await;
                }
                if let Err(refusal) = result {
                    socket.refuse(refusal).await;
                }
            }
        }
    }
}
