//! The `rapport` binary as an operator runs it: the first admin created
//! from the command line on an empty database, then `rapport serve`, then
//! SIGTERM, which must tell connected clients to reconnect and exit cleanly.

use std::net::TcpListener;
use std::process::Output;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use anyhow::Context;
use protocol::visitor::{PageInfo, VisitorEvent, VisitorFrame};
use protocol::PROTOCOL_VERSION;

const RAPPORT: &str = env!("CARGO_BIN_EXE_rapport");

/// A `rapport` command with only the given settings: nothing from the
/// developer's environment leaks in.
fn rapport(data: &TestData) -> Command {
    let mut cmd = Command::new(RAPPORT);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("RAPPORT_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("RAPPORT_CLUSTER_METRICS_LISTEN", "127.0.0.1:0")
        .env("RAPPORT_DATA_DIR", data.path())
        .env("RAPPORT_ASSETS_DIR", data.path().join("no-dist"))
        .stdin(Stdio::null());
    if let Some(url) = &data.database_url {
        cmd.env("RAPPORT_DATABASE_URL", url);
    }
    cmd
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[test]
fn create_admin_refuses_a_short_password() -> anyhow::Result<()> {
    let data = TestData::new()?;
    let out = rapport(&data).args(["create-admin", "--email", "owner@example.com", "--name", "Owner"]).env("RAPPORT_ADMIN_PASSWORD", "short").output()?;
    assert!(!out.status.success(), "a 5-character password was accepted");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("at least 10 characters"), "stderr: {stderr}");
    Ok(())
}

#[tokio::test]
async fn a_fresh_install_gets_its_first_admin_serves_and_stops_on_sigterm() -> anyhow::Result<()> {
    let data = TestData::new()?;
    let out = rapport(&data)
        .args(["create-admin", "--email", "owner@example.com", "--name", "Owner"])
        .env("RAPPORT_ADMIN_PASSWORD", "a long enough passphrase")
        .output()?;
    assert!(out.status.success(), "create-admin failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created admin"));

    // The site the owner will embed the widget on.
    let (port, shop_port) = (free_port()?, free_port()?);
    let shop = format!("http://127.0.0.1:{shop_port}");
    let out = rapport(&data).args(["create-site", "--key", "my-shop", "--name", "My Shop", "--origin", &shop]).output()?;
    assert!(out.status.success(), "create-site failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("data-site=\"my-shop\""));

    let mut server =
        rapport(&data).arg("serve").env("RAPPORT_LISTEN", format!("127.0.0.1:{port}")).stdout(Stdio::null()).spawn().context("starting rapport serve")?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
        assert!(Instant::now() < deadline, "rapport serve did not answer /healthz within 20 s");
        assert!(server.try_wait()?.is_none(), "rapport serve exited at start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The admin created before the first start can log in.
    let login = http
        .post(format!("{base}/api/v1/login"))
        .header("origin", &base)
        .json(&serde_json::json!({ "email": "owner@example.com", "password": "a long enough passphrase" }))
        .send()
        .await?;
    assert_eq!(login.status(), 200);

    // A visitor is connected when the operator stops the server.
    let socket = connect(&format!("ws://127.0.0.1:{port}/ws/v1/visitor?site=my-shop"), &[("origin", &shop)]).await?;
    let mut visitor = VisitorClient::new(socket);
    let page = PageInfo { url: format!("{shop}/"), title: "Home".into() };
    visitor.send(&VisitorFrame::Hello { v: PROTOCOL_VERSION, token: None, resume: None, page, locale: "en".into() }).await?;
    visitor.recv_until("welcome", |e| matches!(e, VisitorEvent::Welcome { .. })).await?;

    let pid = i32::try_from(server.id()).context("a pid beyond i32")?;
    // SAFETY: kill(2) sends a signal to the child we spawned; it touches no memory.
    let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(sent, 0, "could not send SIGTERM: {}", std::io::Error::last_os_error());
    let told = visitor.recv_until("the reconnect request", |e| matches!(e, VisitorEvent::Reconnect { .. })).await?;
    assert!(matches!(told, VisitorEvent::Reconnect { after_ms } if after_ms > 0));

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = server.kill();
            anyhow::bail!("rapport did not exit within 15 s of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "rapport exited with {status} after SIGTERM");
    Ok(())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn demo_accounts_never_go_into_a_real_database() -> anyhow::Result<()> {
    let data = TestData::new()?;
    let out = rapport(&data)
        .args(["create-admin", "--email", "owner@example.com", "--name", "Owner"])
        .env("RAPPORT_ADMIN_PASSWORD", "a long enough passphrase")
        .output()?;
    assert!(out.status.success(), "create-admin failed: {}", stderr(&out));

    // RAPPORT_DEMO=1 by mistake against the real data directory: refused,
    // and nothing with a public password was written.
    let port = free_port()?;
    let out = rapport(&data).arg("serve").env("RAPPORT_LISTEN", format!("127.0.0.1:{port}")).env("RAPPORT_DEMO", "1").output()?;
    assert!(!out.status.success(), "serve seeded the demo into a real database");
    assert!(stderr(&out).contains("only into an empty database"), "stderr: {}", stderr(&out));
    let out = rapport(&data).args(["disable-agent", "--email", "mei@rapport.demo"]).output()?;
    assert!(!out.status.success(), "a demo agent exists in the real database");
    Ok(())
}

#[tokio::test]
async fn a_demo_database_warns_at_every_start() -> anyhow::Result<()> {
    let data = TestData::new()?;
    for _ in 0..2 {
        let port = free_port()?;
        let server = rapport(&data)
            .arg("serve")
            .env("RAPPORT_LISTEN", format!("127.0.0.1:{port}"))
            .env("RAPPORT_DEMO", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !http.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            assert!(Instant::now() < deadline, "rapport serve did not answer /healthz within 20 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let pid = i32::try_from(server.id()).context("a pid beyond i32")?;
        // SAFETY: kill(2) sends a signal to the child we spawned; it touches no memory.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let out = tokio::task::spawn_blocking(move || server.wait_with_output()).await??;
        assert!(stderr(&out).contains("demo accounts whose passwords are public"), "no warning: {}", stderr(&out));
    }
    Ok(())
}
