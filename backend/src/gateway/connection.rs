//! One WebSocket connection, whoever is on the other end: reads and
//! validates client frames, forwards hub events, enforces the rate limit,
//! and says goodbye properly on shutdown.

use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use protocol::agent::AgentEvent;
use protocol::visitor::VisitorEvent;
use protocol::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::rate_limit::RateLimiter;
use crate::config::Limits;

/// How long a client has to say hello.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Frames dropped for flooding before the connection is closed.
const MAX_DROPPED: u32 = 100;

/// What the gateway can say on any connection.
pub trait ServerEvent: Serialize + Send + 'static {
    fn error(error: ErrorBody) -> Self;
    fn reconnect(after_ms: u32) -> Self;
}

impl ServerEvent for VisitorEvent {
    fn error(error: ErrorBody) -> Self {
        Self::Error { error }
    }
    fn reconnect(after_ms: u32) -> Self {
        Self::Reconnect { after_ms }
    }
}

impl ServerEvent for AgentEvent {
    fn error(error: ErrorBody) -> Self {
        Self::Error { error }
    }
    fn reconnect(after_ms: u32) -> Self {
        Self::Reconnect { after_ms }
    }
}

pub fn error_body(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
    ErrorBody { code, message: message.into() }
}

/// Parses a client frame, telling an unknown `type` apart from a malformed
/// frame so the client learns which it was.
pub fn parse_frame<F: DeserializeOwned>(text: &str) -> Result<F, ErrorBody> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        if message.starts_with("unknown variant") {
            error_body(ErrorCode::UnknownType, format!("unknown message type: {message}"))
        } else {
            error_body(ErrorCode::BadFrame, format!("malformed frame: {message}"))
        }
    })
}

pub struct Connection<E> {
    socket: WebSocket,
    events: Option<mpsc::Receiver<E>>,
    limiter: RateLimiter,
    dropped: u32,
    shutdown: CancellationToken,
    /// Who this is, for log lines.
    pub label: String,
}

impl<E: ServerEvent> Connection<E> {
    pub fn new(socket: WebSocket, limits: &Limits, shutdown: CancellationToken, label: String) -> Self {
        Self { socket, events: None, limiter: RateLimiter::new(limits.burst_frames, limits.frames_per_second, Instant::now()), dropped: 0, shutdown, label }
    }

    /// From now on, hub events for this connection are forwarded to it.
    pub fn attach(&mut self, events: mpsc::Receiver<E>) {
        self.events = Some(events);
    }

    pub async fn send(&mut self, event: &E) -> bool {
        match serde_json::to_string(event) {
            Ok(text) => self.socket.send(Message::Text(text.into())).await.is_ok(),
            Err(e) => {
                tracing::error!(conn = %self.label, error = %e, "could not encode a frame");
                false
            }
        }
    }

    pub async fn send_error(&mut self, code: ErrorCode, message: impl Into<String>) {
        let error = error_body(code, message);
        tracing::info!(conn = %self.label, code = ?error.code, message = %error.message, "refused a client frame");
        self.send(&E::error(error)).await;
    }

    /// Waits for the next well-formed frame from the client, forwarding hub
    /// events meanwhile and answering bad frames with error frames. `None`
    /// means the connection is over (client left, server shutting down, the
    /// client too slow or abusive).
    pub async fn next_frame<F: DeserializeOwned>(&mut self) -> Option<F> {
        loop {
            let event = async {
                match self.events.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = self.shutdown.cancelled() => {
                    // Spread reconnects so a restart is not met by a stampede.
                    let after_ms = 500 + (rand::random::<u32>() % 2000);
                    self.send(&E::reconnect(after_ms)).await;
                    self.close(1012, "server restarting").await;
                    return None;
                }
                event = event => match event {
                    Some(event) => {
                        if !self.send(&event).await {
                            return None;
                        }
                    }
                    None => {
                        tracing::info!(conn = %self.label, "connection fell behind; closing so it resumes");
                        self.close(1013, "too slow, reconnect").await;
                        return None;
                    }
                },
                incoming = self.socket.recv() => match incoming {
                    None => return None,
                    Some(Err(e)) => {
                        tracing::info!(conn = %self.label, error = %e, "websocket error");
                        self.close(1009, "frame too large or invalid").await;
                        return None;
                    }
                    Some(Ok(Message::Text(text))) => {
                        if let Some(frame) = self.accept(text.as_str()).await {
                            return Some(frame);
                        }
                        if self.dropped > MAX_DROPPED {
                            tracing::warn!(conn = %self.label, "closing a flooding connection");
                            self.close(1008, "rate limit").await;
                            return None;
                        }
                    }
                    Some(Ok(Message::Binary(_))) => self.send_error(ErrorCode::BadFrame, "binary frames are not part of the protocol").await,
                    Some(Ok(Message::Close(_))) => return None,
                    // Pings are answered by the WebSocket layer itself.
                    Some(Ok(_)) => {}
                },
            }
        }
    }

    async fn accept<F: DeserializeOwned>(&mut self, text: &str) -> Option<F> {
        if !self.limiter.allow(Instant::now()) {
            self.dropped += 1;
            // Tell the client once per burst, not once per dropped frame.
            if self.dropped == 1 || self.dropped.is_multiple_of(20) {
                self.send_error(ErrorCode::RateLimited, "too many frames; slow down").await;
            }
            return None;
        }
        match parse_frame(text) {
            Ok(frame) => Some(frame),
            Err(error) => {
                self.send_error(error.code, error.message).await;
                None
            }
        }
    }

    /// Waits for the first frame, which must arrive within [`HELLO_TIMEOUT`].
    pub async fn first_frame<F: DeserializeOwned>(&mut self) -> Option<F> {
        match tokio::time::timeout(HELLO_TIMEOUT, self.next_frame()).await {
            Ok(frame) => frame,
            Err(_) => {
                self.send_error(ErrorCode::OutOfOrder, "expected hello").await;
                None
            }
        }
    }

    pub async fn close(&mut self, code: u16, reason: &'static str) {
        let _ = self.socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
    }
}

#[cfg(test)]
mod tests {
    use protocol::visitor::VisitorFrame;

    use super::*;

    #[test]
    fn unknown_types_and_malformed_frames_get_different_codes() {
        let unknown = parse_frame::<VisitorFrame>(r#"{"type":"self_destruct"}"#).unwrap_err();
        assert_eq!(unknown.code, ErrorCode::UnknownType);
        let malformed = parse_frame::<VisitorFrame>("{not json").unwrap_err();
        assert_eq!(malformed.code, ErrorCode::BadFrame);
        let missing = parse_frame::<VisitorFrame>(r#"{"type":"send"}"#).unwrap_err();
        assert_eq!(missing.code, ErrorCode::BadFrame);
    }
}
