//! What one address, visitor or account may do: connections held at once,
//! new visitors and conversations per period, and login attempts.

use std::time::Duration;

use protocol::visitor::{VisitorEvent, VisitorFrame};
use protocol::{ErrorBody, ErrorCode};

use crate::common::*;

#[tokio::test]
async fn one_address_may_hold_only_so_many_connections() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.connections_per_ip = 3).await?;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_visitor(&server, None, None).await?.0);
    }
    let status = refused_upgrade_status(&server.visitor_url(), &[("origin", &server.shop_origin())]).await?;
    assert_eq!(status, 429);
    // One closes: there is room again.
    held.pop().expect("three connections").close().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    connect_visitor(&server, None, None).await?;
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn one_visitor_may_open_only_so_many_tabs() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.connections_per_visitor = 2).await?;
    let (_first, welcome) = connect_visitor(&server, None, None).await?;
    let (_second, _) = connect_visitor(&server, Some(&welcome.token), None).await?;
    let mut third = say_hello(&server, Some(&welcome.token), None).await?;
    assert_eq!(third.recv_error().await?, ErrorCode::LimitReached);
    assert!(third.is_closed_by_server().await);
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn one_address_may_create_only_so_many_visitors() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.new_visitors_per_ip_per_minute = 3).await?;
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let (visitor, welcome) = connect_visitor(&server, None, None).await?;
        tokens.push(welcome.token);
        visitor.close().await;
    }
    let mut fourth = say_hello(&server, None, None).await?;
    assert_eq!(fourth.recv_error().await?, ErrorCode::LimitReached);
    // Returning visitors (with their token) are not new and get in.
    connect_visitor(&server, Some(&tokens[0]), None).await?;
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn ending_and_sending_again_cannot_open_chats_without_end() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.new_conversations_per_visitor_per_hour = 3).await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    for i in 0..3 {
        visitor_says(&mut visitor, &format!("v{i}"), "hello?").await?;
        visitor.send(&VisitorFrame::EndChat).await?;
        visitor
            .recv_until("the end", |e| matches!(e, VisitorEvent::Conversation { conversation } if conversation.status == protocol::ConversationStatus::Ended))
            .await?;
    }
    visitor.send(&VisitorFrame::Send { client_id: cid("v3"), text: text("hello again?") }).await?;
    assert_eq!(visitor.recv_error().await?, ErrorCode::LimitReached);
    visitor.send(&VisitorFrame::StartChat { prechat: prechat() }).await?;
    assert_eq!(visitor.recv_error().await?, ErrorCode::LimitReached);
    server.shutdown().await;
    Ok(())
}

async fn try_login(server: &TestServer, email: &str, password: &str) -> anyhow::Result<reqwest::Response> {
    Ok(reqwest::Client::new()
        .post(server.http_url("/api/v1/login"))
        .header("origin", server.console_origin())
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await?)
}

#[tokio::test]
async fn logins_are_throttled_per_address() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.logins_per_ip_per_minute = 3).await?;
    for _ in 0..3 {
        assert_eq!(try_login(&server, AGENT_EMAIL, "wrong password").await?.status(), 401);
    }
    let refused = try_login(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().get("retry-after").is_some(), "a 429 says when to come back");
    assert_eq!(refused.json::<ErrorBody>().await?.code, ErrorCode::RateLimited);
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_account_backs_off_after_repeated_wrong_passwords() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.logins_per_ip_per_minute = 1_000).await?;
    for _ in 0..5 {
        assert_eq!(try_login(&server, AGENT_EMAIL, "guess").await?.status(), 401);
    }
    // Even the right password waits now: guessing cannot continue at speed.
    let locked = try_login(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    assert_eq!(locked.status(), 429);
    let wait: u64 = locked.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
    assert!(wait >= 1);
    // Another account is not affected...
    assert_eq!(try_login(&server, "sam@rapport.demo", AGENT_PASSWORD).await?.status(), 200);
    // ...and after the wait the right password works and clears the count.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(try_login(&server, AGENT_EMAIL, AGENT_PASSWORD).await?.status(), 200);
    assert_eq!(try_login(&server, AGENT_EMAIL, "guess").await?.status(), 401);
    server.shutdown().await;
    Ok(())
}
