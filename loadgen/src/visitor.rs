//! A visitor: connects from the site's origin, starts a chat, waits for an
//! agent, then sends its messages one after another, each once the
//! previous one is acknowledged (a closed loop, as a person typing is).

use std::sync::Arc;
use std::time::Duration;

use protocol::visitor::{PageInfo, VisitorEvent, VisitorFrame};
use protocol::{ConversationStatus, PreChat, PROTOCOL_VERSION};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::fixture::{SITE_KEY, SITE_ORIGIN};
use crate::pace::Pacer;
use crate::server::Endpoint;
use crate::stamp;
use crate::ws::Socket;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A visitor whose chat an agent has accepted.
pub struct Visitor {
    pub index: u32,
    socket: Socket,
    pacer: Pacer,
}

/// Connects, says hello and starts a chat, holding a `handshakes` permit
/// while doing so (so connections open in waves, not all in one instant),
/// then waits for an agent to accept the chat.
pub async fn connect(server: Endpoint, handshakes: Arc<Semaphore>, index: u32, deadline: Instant) -> anyhow::Result<Visitor> {
    let mut pacer = Pacer::new();
    let mut socket = {
        let _permit = handshakes.acquire().await?;
        let url = server.ws_url(&format!("/ws/v1/visitor?site={SITE_KEY}"));
        let mut socket = Socket::connect(&url, &[("origin", SITE_ORIGIN)], CONNECT_TIMEOUT).await?;
        let page = PageInfo { url: format!("{SITE_ORIGIN}/products/{index}"), title: format!("Product {index}") };
        pacer.ready().await;
        socket.send(&VisitorFrame::Hello { v: PROTOCOL_VERSION, token: None, resume: None, page, locale: "en".into() }).await?;
        socket.recv_until::<VisitorEvent>(deadline, "welcome", |e| matches!(e, VisitorEvent::Welcome { .. })).await?;
        let prechat = PreChat { name: format!("Visitor {index}"), email: String::new(), topic: "load test".into() };
        pacer.ready().await;
        socket.send(&VisitorFrame::StartChat { prechat }).await?;
        socket
    };
    socket
        .recv_until::<VisitorEvent>(
            deadline,
            "an agent to accept the chat",
            |e| matches!(e, VisitorEvent::Conversation { conversation } if conversation.status == ConversationStatus::Active),
        )
        .await?;
    Ok(Visitor { index, socket, pacer })
}

impl Visitor {
    /// Sends `count` stamped messages, each after the previous one's ack.
    /// Returns how many were acknowledged.
    pub async fn chat(&mut self, count: u32, deadline: Instant) -> anyhow::Result<u32> {
        let mut acked = 0;
        for k in 0..count {
            let client_id = format!("v{}-m{k}", self.index);
            self.pacer.ready().await;
            let text = stamp::write(&format!("visitor {} message {k}", self.index));
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

    pub async fn close(self) {
        self.socket.close().await;
    }
}
