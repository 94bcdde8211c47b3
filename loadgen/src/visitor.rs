//! A visitor: connects from the site's origin, starts a chat and waits for
//! an agent; then either sends messages one after another (closed loop) or
//! splits its socket to send on command while reading (open loop).

use std::sync::Arc;
use std::time::Duration;

use protocol::visitor::{PageInfo, VisitorEvent, VisitorFrame};
use protocol::{ClientId, ConversationStatus, MessageText, PreChat, PROTOCOL_VERSION};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::fixture::{SITE_KEY, SITE_ORIGIN};
use crate::server::Endpoint;
use crate::stamp;
use crate::ws::Socket;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A visitor whose chat an agent has accepted.
pub struct Visitor {
    pub index: u32,
    socket: Socket,
}

/// Connects and says hello, holding a `handshakes` permit while doing so
/// (so connections open in waves, not all in one instant).
pub async fn hello(server: Endpoint, handshakes: &Semaphore, index: u32, deadline: Instant) -> anyhow::Result<Socket> {
    let _permit = handshakes.acquire().await?;
    let url = server.ws_url(&format!("/ws/v1/visitor?site={SITE_KEY}"));
    let mut socket = Socket::connect(&url, &[("origin", SITE_ORIGIN)], CONNECT_TIMEOUT).await?;
    let page = PageInfo { url: format!("{SITE_ORIGIN}/products/{index}"), title: format!("Product {index}") };
    socket.send(&VisitorFrame::Hello { v: PROTOCOL_VERSION, token: None, resume: None, page, locale: "en".into() }).await?;
    socket.recv_until::<VisitorEvent>(deadline, "welcome", |e| matches!(e, VisitorEvent::Welcome { .. })).await?;
    Ok(socket)
}

/// Says hello, starts a chat, then waits for an agent to accept it.
pub async fn connect(server: Endpoint, handshakes: Arc<Semaphore>, index: u32, deadline: Instant) -> anyhow::Result<Visitor> {
    let mut socket = hello(server, &handshakes, index, deadline).await?;
    let prechat = PreChat { name: format!("Visitor {index}"), email: String::new(), topic: "load test".into() };
    socket.send(&VisitorFrame::StartChat { prechat }).await?;
    socket
        .recv_until::<VisitorEvent>(
            deadline,
            "an agent to accept the chat",
            |e| matches!(e, VisitorEvent::Conversation { conversation } if conversation.status == ConversationStatus::Active),
        )
        .await?;
    Ok(Visitor { index, socket })
}

fn message(index: u32, k: u64, stamp_us: u64) -> anyhow::Result<(ClientId, MessageText)> {
    let client_id = ClientId::parse(format!("v{index}-m{k}"))?;
    let text = MessageText::parse(stamp::write_at(&format!("visitor {index} message {k}"), stamp_us))?;
    Ok((client_id, text))
}

impl Visitor {
    /// Sends `count` stamped messages, each after the previous one's ack.
    pub async fn chat(&mut self, count: u32, deadline: Instant) -> anyhow::Result<u32> {
        let mut acked = 0;
        for k in 0..u64::from(count) {
            let (client_id, text) = message(self.index, k, stamp::now_us())?;
            self.socket.send(&VisitorFrame::Send { client_id: client_id.clone(), text }).await?;
            let answer = self
                .socket
                .recv_until::<VisitorEvent>(deadline, "the ack", |e| match e {
                    VisitorEvent::Ack { client_id: c, .. } => *c == client_id,
                    VisitorEvent::Error { .. } => true,
                    _ => false,
                })
                .await?;
            if let VisitorEvent::Error { error } = answer {
                anyhow::bail!("visitor {} got an error instead of an ack: {:?} {}", self.index, error.code, error.message);
            }
            acked += 1;
        }
        Ok(acked)
    }

    /// Hands the socket to two tasks: one sends a message for every send
    /// time it is given (stamped with that time, so a late send shows as
    /// latency), the other reads and counts what comes back.
    pub fn open_loop(self) -> OpenVisitor {
        let (mut writer, mut reader) = self.socket.split();
        let index = self.index;
        let (tx, mut rx) = mpsc::channel::<u64>(1024);
        let sender = tokio::spawn(async move {
            let mut k = 0u64;
            while let Some(stamp_us) = rx.recv().await {
                let (client_id, text) = message(index, k, stamp_us)?;
                writer.send(&VisitorFrame::Send { client_id, text }).await?;
                k += 1;
            }
            Ok(())
        });
        // Acks and echoes are only counted; parsing them all would cost the
        // load generator the CPU the server under test needs.
        let reader = tokio::spawn(async move {
            let mut errors = Vec::new();
            while let Some(text) = reader.recv_text().await? {
                if text.starts_with(r#"{"type":"error""#) {
                    errors.push(format!("visitor {index}: {text}"));
                }
            }
            Ok(errors)
        });
        OpenVisitor { sends: tx, sender, reader }
    }

    pub async fn close(self) {
        self.socket.close().await;
    }
}

/// A visitor in the open loop: give it send times through `sends`.
pub struct OpenVisitor {
    pub sends: mpsc::Sender<u64>,
    pub sender: JoinHandle<anyhow::Result<()>>,
    pub reader: JoinHandle<anyhow::Result<Vec<String>>>,
}
