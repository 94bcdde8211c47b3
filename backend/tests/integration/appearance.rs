//! A site's appearance: what an admin saves is what the loader is told on
//! its next boot, and a colour white cannot be read on is refused with a
//! reason.

use protocol::admin::Site;
use protocol::visitor::{Side, WidgetBoot};

use crate::acd::{Rest, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::common::*;

#[tokio::test]
async fn saved_appearance_reaches_the_next_boot_and_unreadable_colours_are_refused() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let site = admin.demo_site().await?;
    let path = format!("/api/v1/admin/sites/{}", site.id);

    let mut config = site.config.clone();
    config.settings.accent = "#7a1fa2".into();
    config.settings.side = Side::Left;
    config.settings.title = "茶行客服".into();
    config.settings.launcher_label = "Ask us".into();
    config.settings.avatar_url = "https://cdn.example/team a.png".into();
    let saved: Site = admin.put(&path, &config).await?;
    // The avatar is stored in its normal form, safe inside CSS url("…").
    assert_eq!(saved.config.settings.avatar_url, "https://cdn.example/team%20a.png");

    let boot: WidgetBoot = reqwest::Client::new()
        .get(server.http_url(&format!("/api/v1/sites/{SITE}/widget")))
        .header("origin", server.shop_origin())
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(boot.settings.accent, "#7a1fa2");
    assert_eq!(boot.settings.side, Side::Left);
    assert_eq!(boot.settings.launcher_label, "Ask us");
    assert_eq!(boot.settings.title, "茶行客服");

    // Gold behind white: refused, with the ratio and what to do.
    let mut light = config.clone();
    light.settings.accent = "#ffd700".into();
    let refusal = admin.call::<serde_json::Value>(reqwest::Method::PUT, &path, Some(&light)).await.expect_err("gold was accepted");
    let text = refusal.to_string();
    assert!(text.contains("400") && text.contains("contrast of 1.4:1") && text.contains("darker"), "{text}");

    for avatar in ["javascript:alert(1)", "data:image/png;base64,AAAA", "/relative.png"] {
        let mut bad = config.clone();
        bad.settings.avatar_url = avatar.into();
        assert_eq!(admin.status(reqwest::Method::PUT, &path, &bad).await?, 400, "{avatar}");
    }
    let mut long = config.clone();
    long.settings.launcher_label = "x".repeat(41);
    assert_eq!(admin.status(reqwest::Method::PUT, &path, &long).await?, 400);

    // Nothing refused was stored.
    let again = admin.demo_site().await?;
    assert_eq!(again.config.settings, saved.config.settings);
    Ok(())
}
