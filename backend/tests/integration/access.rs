//! Who may connect from where, as a browser would see it: HTTP statuses,
//! CORS headers and JSON error bodies.

use crate::common::*;
use protocol::{ErrorBody, ErrorCode};

#[tokio::test]
async fn the_health_check_answers_ok() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let response = reqwest::get(server.http_url("/healthz")).await?;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await?, "ok");
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn widget_boot_data_is_shared_only_with_allowed_origins() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let http = reqwest::Client::new();
    let url = server.http_url(&format!("/api/v1/sites/{SITE}/widget"));
    let demo_port = server.server.demo_addr.expect("the demo shop is served").port();

    for allowed in [server.shop_origin(), format!("http://localhost:{demo_port}")] {
        let response = http.get(&url).header("origin", &allowed).send().await?;
        assert_eq!(response.status(), 200, "origin {allowed}");
        let echoed = response.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap_or_default().to_string());
        assert_eq!(echoed.as_deref(), Some(allowed.as_str()));
        let boot: protocol::visitor::WidgetBoot = response.json().await?;
        assert_eq!(boot.settings.title, "Northwind Tea Co.");
    }

    let response = http.get(&url).header("origin", "https://evil.example").send().await?;
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("access-control-allow-origin").is_none());
    assert_eq!(response.json::<ErrorBody>().await?.code, ErrorCode::BadOrigin);
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn visitor_upgrades_check_the_origin_and_the_site() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let shop = server.shop_origin();

    let foreign = refused_upgrade_status(&server.visitor_url(), &[("origin", "https://evil.example")]).await?;
    assert_eq!(foreign, 403);
    let no_origin = refused_upgrade_status(&server.visitor_url(), &[]).await?;
    assert_eq!(no_origin, 403);
    let unknown_site = refused_upgrade_status(&server.ws_url("/ws/v1/visitor?site=no-such-shop"), &[("origin", &shop)]).await?;
    assert_eq!(unknown_site, 404);

    // The allowed origin gets through.
    connect_visitor(&server, None, None).await?;
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn agent_upgrades_need_a_session_and_the_console_origin() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let url = server.ws_url("/ws/v1/agent");
    let console = server.console_origin();
    let cookie = login(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;

    assert_eq!(refused_upgrade_status(&url, &[("origin", &console)]).await?, 401);
    assert_eq!(refused_upgrade_status(&url, &[("origin", &console), ("cookie", "rapport_session=forged")]).await?, 401);
    // Cross-site WebSocket hijacking: the browser would attach the cookie.
    assert_eq!(refused_upgrade_status(&url, &[("origin", "https://evil.example"), ("cookie", &cookie)]).await?, 403);
    assert_eq!(refused_upgrade_status(&url, &[("origin", &server.shop_origin()), ("cookie", &cookie)]).await?, 403);

    agent_with_seqs(&server, &cookie, vec![]).await?;
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_wrong_password_gets_401_and_a_json_error() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let http = reqwest::Client::new();
    for (email, password) in [(AGENT_EMAIL, "not-the-password"), ("nobody@rapport.demo", AGENT_PASSWORD)] {
        let response = http
            .post(server.http_url("/api/v1/login"))
            .header("origin", server.console_origin())
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await?;
        assert_eq!(response.status(), 401);
        assert!(response.headers().get("set-cookie").is_none(), "a failed login starts no session");
        let body: ErrorBody = response.json().await?;
        assert_eq!(body.code, ErrorCode::Unauthorized);
        // The same words for both, so the answer does not reveal which emails exist.
        assert_eq!(body.message, "wrong email or password");
    }
    server.shutdown().await;
    Ok(())
}
