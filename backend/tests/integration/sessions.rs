//! A console's connection lives only as long as its login: logging out,
//! the session expiring, or the agent being disabled closes it at once.

use std::time::{Duration, Instant};

use protocol::agent::{AgentEvent, AgentFrame, Presence};
use protocol::{ErrorBody, ErrorCode};
use rapport::store::{now_ms, SessionKey};

use crate::common::*;

fn token(cookie: &str) -> &str {
    cookie.split_once('=').map(|(_, v)| v).unwrap_or(cookie)
}

async fn post(server: &TestServer, path: &str, cookie: &str) -> anyhow::Result<reqwest::Response> {
    Ok(reqwest::Client::new().post(server.http_url(path)).header("origin", server.console_origin()).header("cookie", cookie).send().await?)
}

#[tokio::test]
async fn logging_out_closes_that_sessions_consoles_and_only_those() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let laptop = login(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let phone = login(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let mut on_laptop = agent_with_seqs(&server, &laptop, vec![]).await?;
    let mut on_phone = agent_with_seqs(&server, &phone, vec![]).await?;

    assert_eq!(post(&server, "/api/v1/logout", &laptop).await?.status(), 204);
    assert!(on_laptop.is_closed_by_server().await, "the logged-out console kept its socket");
    assert_eq!(refused_upgrade_status(&server.ws_url("/ws/v1/agent"), &[("origin", &server.console_origin()), ("cookie", &laptop)]).await?, 401);

    // The other login still works.
    on_phone.send(&AgentFrame::SetPresence { presence: Presence::Away, reason: String::new() }).await?;
    on_phone.recv_until("the presence", |e| matches!(e, AgentEvent::Presence { presence: Presence::Away, .. })).await?;
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_expired_session_closes_its_console() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let cookie = login(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    server.store().set_session_expiry(&SessionKey::of_token(token(&cookie)), now_ms() + 1_500).await?;
    let mut console = agent_with_seqs(&server, &cookie, vec![]).await?;
    let started = Instant::now();
    assert!(console.is_closed_by_server().await);
    assert!(started.elapsed() < Duration::from_secs(5));
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn disabling_an_agent_closes_every_console_and_stops_logins() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let mut mei = available_agent(&server).await?;
    let mei_id = match server.store().agent_by_email(AGENT_EMAIL).await? {
        Some(agent) => agent.info.id,
        None => anyhow::bail!("the demo agent is missing"),
    };
    let path = format!("/api/v1/agents/{mei_id}/disable");

    // Only admins may.
    let sam = login(&server, "sam@rapport.demo", AGENT_PASSWORD).await?;
    let refused = post(&server, &path, &sam).await?;
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.json::<ErrorBody>().await?.code, ErrorCode::Forbidden);

    let admin = login(&server, "admin@rapport.demo", "demo-admin-pass").await?;
    assert_eq!(post(&server, &path, &admin).await?.status(), 204);
    assert!(mei.is_closed_by_server().await, "the disabled agent's console stayed open");
    assert!(!agents_online(&server).await?, "the disabled agent still counts as available");
    assert!(login(&server, AGENT_EMAIL, AGENT_PASSWORD).await.is_err(), "a disabled agent logged in");
    server.shutdown().await;
    Ok(())
}
