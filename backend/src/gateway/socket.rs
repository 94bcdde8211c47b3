//! One WebSocket, whoever is on the other end: reads and checks client
//! frames, forwards hub events, keeps the connection honest (rate limit,
//! pings with a deadline, write timeouts, a session's expiry) and says
//! goodbye properly.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use protocol::agent::AgentEvent;
use protocol::visitor::VisitorEvent;
use protocol::{BadClientId, BadText, ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::rate_limit::RateLimiter;
use crate::config::{ConnectionTimers, Limits};
use crate::hub::{Kick, KickSignal};
use crate::refusal::Refusal;

/// What one wake-up of [`ClientSocket::next`] decided.
enum Step<F, E> {
    /// Hand this to the caller.
    Deliver(Incoming<F, E>),
    /// Nothing for the caller yet; wait on.
    Wait,
    /// The connection is over (`ended` says why).
    Over,
}

/// Frames dropped for flooding before the connection is closed.
const MAX_DROPPED: u32 = 100;
/// How long a goodbye may take to write.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// What the gateway can say on any connection.
pub trait ServerEvent: Serialize + Send + Sync + 'static {
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

/// Parses a client frame into its type, which also checks every field with
/// a type of its own (client ids, message text). The error code says what
/// was wrong: an unknown `type`, a field out of bounds, or anything else.
pub fn parse_frame<F: DeserializeOwned>(text: &str) -> Result<F, Refusal> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let code = if message.starts_with("unknown variant") {
            ErrorCode::UnknownType
        } else if message.contains(BadText::TOO_LONG) {
            ErrorCode::TooLarge
        } else if message.contains(BadText::BLANK) || message.contains(BadText::CONTROL) || message.contains(BadClientId::MESSAGE) {
            ErrorCode::Invalid
        } else {
            ErrorCode::BadFrame
        };
        let prefix = if code == ErrorCode::UnknownType { "unknown message type" } else { "malformed frame" };
        Refusal::new(code, format!("{prefix}: {message}"))
    })
}

/// What [`ClientSocket::next`] brings.
pub enum Incoming<F, E> {
    /// A well-formed frame from the client.
    Frame(F),
    /// An event for this connection from the hub, to pass on.
    Event(Arc<E>),
    /// Time to check that the connection may stay open (every minute).
    Recheck,
}

/// How often [`Incoming::Recheck`] comes.
const RECHECK: std::time::Duration = std::time::Duration::from_secs(60);

/// Why a connection ended, for the log.
#[derive(Clone, Copy, Debug)]
pub enum Ended {
    ClientLeft,
    ServerShutdown,
    Kicked(Kick),
    Silent,
    Flooding,
    Broken,
    SessionExpired,
}

pub struct ClientSocket<E> {
    socket: WebSocket,
    events: Option<mpsc::Receiver<Arc<E>>>,
    kick: Option<KickSignal>,
    limiter: RateLimiter,
    dropped: u32,
    shutdown: CancellationToken,
    timers: ConnectionTimers,
    ping: Interval,
    recheck: Interval,
    last_heard: Instant,
    expires_at: Option<Instant>,
    pub ended: Option<Ended>,
}

impl<E: ServerEvent> ClientSocket<E> {
    pub fn new(socket: WebSocket, limits: &Limits, timers: &ConnectionTimers, shutdown: CancellationToken) -> Self {
        let mut ping = tokio::time::interval_at(Instant::now() + timers.ping_interval(), timers.ping_interval());
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self {
            socket,
            events: None,
            kick: None,
            limiter: RateLimiter::new(limits.burst_frames, limits.frames_per_second, std::time::Instant::now()),
            dropped: 0,
            shutdown,
            timers: timers.clone(),
            ping,
            recheck: tokio::time::interval_at(Instant::now() + RECHECK, RECHECK),
            last_heard: Instant::now(),
            expires_at: None,
            ended: None,
        }
    }

    /// From now on, hub events for this connection come through
    /// [`ClientSocket::next`], and a kick closes it.
    pub fn attach(&mut self, events: mpsc::Receiver<Arc<E>>, kick: KickSignal) {
        self.events = Some(events);
        self.kick = Some(kick);
    }

    /// The connection closes by itself at this time (a session's end).
    pub fn expire_at(&mut self, at: Instant) {
        self.expires_at = Some(at);
    }

    /// Sends one frame, giving up (and counting the connection as broken)
    /// when the client does not take it within the write timeout.
    pub async fn send(&mut self, event: &E) -> bool {
        let text = match serde_json::to_string(event) {
            Ok(text) => text,
            Err(e) => {
                tracing::error!(error = %e, "could not encode a frame");
                return false;
            }
        };
        self.write(Message::Text(text.into())).await
    }

    /// Writes one message. A write that the client does not take within the
    /// write timeout, or that is still blocked when the connection is told
    /// to go, ends the connection: a stuck client must not hold it open.
    async fn write(&mut self, message: Message) -> bool {
        let kicked = async {
            match self.kick.as_ref() {
                Some(kick) => kick.kicked().await,
                None => std::future::pending().await,
            }
        };
        let outcome = tokio::select! {
            written = tokio::time::timeout(self.timers.write_timeout(), self.socket.send(message)) => written,
            why = kicked => {
                self.ended.get_or_insert(Ended::Kicked(why));
                return false;
            }
        };
        match outcome {
            Ok(Ok(())) => true,
            Ok(Err(_)) => {
                self.ended.get_or_insert(Ended::Broken);
                false
            }
            Err(_) => {
                tracing::info!("a write timed out; closing the connection");
                self.ended.get_or_insert(Ended::Broken);
                false
            }
        }
    }

    pub async fn refuse(&mut self, refusal: Refusal) {
        tracing::info!(code = ?refusal.code, message = %refusal.message, "refused a client frame");
        self.send(&E::error(refusal.body())).await;
    }

    pub async fn close(&mut self, code: u16, reason: &'static str) {
        // Best effort: the peer may be gone or stuck, and a close must not
        // hang on it.
        let frame = Message::Close(Some(CloseFrame { code, reason: reason.into() }));
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.socket.send(frame)).await;
    }

    /// The first frame, which must arrive within the hello timeout.
    pub async fn first_frame<F: DeserializeOwned>(&mut self) -> Option<F> {
        match tokio::time::timeout(self.timers.hello_timeout(), self.next::<F>()).await {
            Ok(Some(Incoming::Frame(frame))) => Some(frame),
            Ok(_) => None,
            Err(_) => {
                self.refuse(Refusal::new(ErrorCode::OutOfOrder, "expected hello")).await;
                None
            }
        }
    }

    /// Waits for the next well-formed frame or hub event, answering bad
    /// frames with error frames and pings with nothing (the WebSocket layer
    /// answers them). `None` means the connection is over; `ended` says why.
    pub async fn next<F: DeserializeOwned>(&mut self) -> Option<Incoming<F, E>> {
        loop {
            let event = async {
                match self.events.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            };
            let kicked = async {
                match self.kick.as_ref() {
                    Some(kick) => kick.kicked().await,
                    None => std::future::pending().await,
                }
            };
            let expiry = async {
                match self.expires_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let step = tokio::select! {
                _ = self.shutdown.cancelled() => self.server_stopping().await,
                why = kicked => self.kicked(why).await,
                _ = expiry => {
                    self.close(Kick::SignedOut.close_code(), "session expired").await;
                    self.end(Ended::SessionExpired)
                }
                _ = self.recheck.tick() => Step::Deliver(Incoming::Recheck),
                _ = self.ping.tick() => self.ping_due().await,
                event = event => self.hub_event(event).await,
                incoming = self.socket.recv() => self.client_sent(incoming).await,
            };
            match step {
                Step::Deliver(incoming) => return Some(incoming),
                Step::Over => return None,
                // A failed write on the way may have ended it.
                Step::Wait if self.ended.is_some() => return None,
                Step::Wait => {}
            }
        }
    }

    async fn server_stopping<F>(&mut self) -> Step<F, E> {
        // Spread reconnects so a restart is not met by a stampede.
        let after_ms = 500 + (rand::random::<u32>() % 2000);
        self.send(&E::reconnect(after_ms)).await;
        self.close(1012, "server restarting").await;
        self.end(Ended::ServerShutdown)
    }

    async fn kicked<F>(&mut self, why: Kick) -> Step<F, E> {
        tracing::info!(reason = why.reason(), "closing a connection");
        self.close(why.close_code(), why.reason()).await;
        self.end(Ended::Kicked(why))
    }

    async fn ping_due<F>(&mut self) -> Step<F, E> {
        if self.last_heard.elapsed() > self.timers.silence_limit() {
            tracing::info!("no pong in time; closing a silent connection");
            self.close(1001, "no pong").await;
            return self.end(Ended::Silent);
        }
        if !self.write(Message::Ping(Vec::new().into())).await {
            return self.end(Ended::Broken);
        }
        Step::Wait
    }

    async fn hub_event<F>(&mut self, event: Option<Arc<E>>) -> Step<F, E> {
        match event {
            Some(event) => Step::Deliver(Incoming::Event(event)),
            // The hub drops its side only if the connection was cut loose;
            // treat it as a kick.
            None => self.kicked(Kick::TooSlow).await,
        }
    }

    async fn client_sent<F: DeserializeOwned>(&mut self, incoming: Option<Result<Message, axum::Error>>) -> Step<F, E> {
        self.last_heard = Instant::now();
        match incoming {
            None | Some(Ok(Message::Close(_))) => self.end(Ended::ClientLeft),
            Some(Err(e)) => {
                tracing::info!(error = %e, "websocket error");
                self.close(1009, "frame too large or invalid").await;
                self.end(Ended::Broken)
            }
            Some(Ok(Message::Text(text))) => {
                if let Some(frame) = self.accept(text.as_str()).await {
                    return Step::Deliver(Incoming::Frame(frame));
                }
                if self.dropped > MAX_DROPPED {
                    tracing::warn!("closing a flooding connection");
                    self.close(1008, "rate limit").await;
                    return self.end(Ended::Flooding);
                }
                Step::Wait
            }
            Some(Ok(Message::Binary(_))) => {
                self.refuse(Refusal::new(ErrorCode::BadFrame, "binary frames are not part of the protocol")).await;
                Step::Wait
            }
            // Pings are answered by the WebSocket layer; pongs only prove
            // the client is there.
            Some(Ok(_)) => Step::Wait,
        }
    }

    fn end<F>(&mut self, why: Ended) -> Step<F, E> {
        self.ended.get_or_insert(why);
        Step::Over
    }

    async fn accept<F: DeserializeOwned>(&mut self, text: &str) -> Option<F> {
        if !self.limiter.allow(std::time::Instant::now()) {
            self.dropped += 1;
            // Tell the client once per burst, not once per dropped frame.
            if self.dropped == 1 || self.dropped.is_multiple_of(20) {
                self.refuse(Refusal::new(ErrorCode::RateLimited, "too many frames; slow down")).await;
            }
            return None;
        }
        match parse_frame(text) {
            Ok(frame) => Some(frame),
            Err(refusal) => {
                self.refuse(refusal).await;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use protocol::visitor::VisitorFrame;

    use super::*;

    #[test]
    fn unknown_types_bad_fields_and_malformed_frames_get_different_codes() {
        let code = |text: &str| parse_frame::<VisitorFrame>(text).unwrap_err().code;
        assert_eq!(code(r#"{"type":"self_destruct"}"#), ErrorCode::UnknownType);
        assert_eq!(code("{not json"), ErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"send"}"#), ErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"send","client_id":"a b","text":"hi"}"#), ErrorCode::Invalid);
        assert_eq!(code(r#"{"type":"send","client_id":"a","text":"   "}"#), ErrorCode::Invalid);
        let long = format!(r#"{{"type":"send","client_id":"a","text":"{}"}}"#, "x".repeat(4001));
        assert_eq!(code(&long), ErrorCode::TooLarge);
    }
}
