//! An agent: logs in like the console, goes available, accepts every chat
//! it is offered, and times each visitor message on arrival.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use protocol::agent::{AgentEvent, AgentFrame, Presence};
use protocol::{Author, PROTOCOL_VERSION};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::fixture::{agent_email, AGENT_PASSWORD};
use crate::receipts::Receipts;
use crate::server::Endpoint;
use crate::stamp;
use crate::ws::Socket;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What one agent saw during the run.
#[derive(Default)]
pub struct AgentReport {
    pub accepted: u32,
    pub last_receipt: Option<Instant>,
    /// Whether the connection was still open when the run told it to stop.
    pub held: bool,
    pub problems: Vec<String>,
}

/// Logs in over REST and returns the session cookie (`name=value`).
async fn login(server: Endpoint, http: &reqwest::Client, index: u32) -> anyhow::Result<String> {
    let email = agent_email(index);
    let response = http
        .post(server.url("/api/v1/login"))
        .header("origin", server.origin())
        .json(&serde_json::json!({ "email": email, "password": AGENT_PASSWORD }))
        .send()
        .await
        .with_context(|| format!("logging in {email}"))?;
    anyhow::ensure!(response.status().is_success(), "logging in {email} answered {}", response.status());
    let cookie = response.headers().get("set-cookie").context("the login set no cookie")?.to_str().context("a cookie that is not text")?;
    Ok(cookie.split(';').next().unwrap_or_default().trim().to_string())
}

/// A logged-in agent whose console is connected and available.
pub async fn connect(server: Endpoint, http: reqwest::Client, index: u32) -> anyhow::Result<Socket> {
    let cookie = login(server, &http, index).await?;
    let origin = server.origin();
    let mut socket = Socket::connect(&server.ws_url("/ws/v1/agent"), &[("origin", &origin), ("cookie", &cookie)], CONNECT_TIMEOUT).await?;
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    socket.send(&AgentFrame::Hello { v: PROTOCOL_VERSION, last_seqs: vec![] }).await?;
    socket.recv_until::<AgentEvent>(deadline, "welcome", |e| matches!(e, AgentEvent::Welcome { .. })).await?;
    socket.send(&AgentFrame::SetPresence { presence: Presence::Available, reason: String::new() }).await?;
    socket.recv_until::<AgentEvent>(deadline, "the presence change", |e| matches!(e, AgentEvent::Presence { presence: Presence::Available, .. })).await?;
    Ok(socket)
}

/// Serves offers and messages until `stop` flips or `deadline` passes,
/// recording each visitor message's latency in `receipts`.
pub async fn run(mut socket: Socket, mut stop: watch::Receiver<bool>, receipts: Arc<Receipts>, deadline: Instant) -> AgentReport {
    let mut report = AgentReport::default();
    loop {
        let event = tokio::select! {
            _ = stop.changed() => {
                report.held = true;
                break;
            }
            text = socket.recv_text(deadline) => text,
        };
        let event = match event {
            // Visitor messages are most of the traffic: read the send stamp
            // straight from the frame rather than parse it whole.
            Ok(Some(text)) if text.starts_with(r#"{"type":"message""#) && text.contains(r#""author":"visitor""#) => {
                match stamp::read_raw(&text) {
                    Some(sent_us) => receipts.record(sent_us, stamp::now_us().saturating_sub(sent_us)),
                    None => report.problems.push(format!("a message without a send time: {text}")),
                }
                report.last_receipt = Some(Instant::now());
                continue;
            }
            Ok(Some(text)) => serde_json::from_str::<AgentEvent>(&text).map(Some).map_err(anyhow::Error::from),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
        match event {
            Ok(Some(event)) => {
                if let Err(e) = handle(&mut socket, &mut report, &receipts, event).await {
                    report.problems.push(format!("{e:#}"));
                    break;
                }
            }
            Ok(None) => {
                report.problems.push("the server closed an agent connection".into());
                break;
            }
            Err(e) => {
                report.problems.push(format!("agent connection: {e:#}"));
                break;
            }
        }
    }
    socket.close().await;
    report
}

async fn handle(socket: &mut Socket, report: &mut AgentReport, receipts: &Receipts, event: AgentEvent) -> anyhow::Result<()> {
    match event {
        AgentEvent::Offer { offer } => {
            socket.send(&AgentFrame::Accept { conversation_id: offer.conversation_id }).await?;
            report.accepted += 1;
        }
        AgentEvent::Message { message, .. } if message.author == Author::Visitor => {
            match stamp::read(&message.text) {
                Some(sent_us) => receipts.record(sent_us, stamp::now_us().saturating_sub(sent_us)),
                None => report.problems.push(format!("a message without a send time: {}", message.text)),
            }
            report.last_receipt = Some(Instant::now());
        }
        AgentEvent::Error { error } => report.problems.push(format!("agent got an error: {:?} {}", error.code, error.message)),
        AgentEvent::Reconnect { .. } => anyhow::bail!("the server asked an agent to reconnect"),
        _ => {}
    }
    Ok(())
}
