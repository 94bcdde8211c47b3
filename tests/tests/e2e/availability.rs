//! Whether the chat is there at all, and in which language: refused
//! origins, a backend that is down, and a Chinese page.

use std::time::Duration;

use anyhow::{ensure, Result};
use e2e::scenario::World;
use e2e::{open_widget_panel, wait_for, widget, widget_count, widget_texts, widget_visible, Stack, StaticSite, DEMO_SITE_KEY};
use fantoccini::Client;

use crate::support::*;

pub async fn a_page_on_an_origin_the_site_does_not_allow_gets_an_unavailable_launcher(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not the shop</title>\
         <script async src=\"{}/widget.js\" data-site=\"{DEMO_SITE_KEY}\"></script></head><body><h1>Someone else's page</h1></body></html>",
        stack.backend_url()
    );
    let foreign = StaticSite::pages(([127, 0, 0, 1], 0).into(), &[("/", page)]).await?;
    let boot = format!("/api/v1/sites/{DEMO_SITE_KEY}/widget");
    let status = status_with_origin(stack.backend_addr(), &boot, &foreign.origin()).await?;
    ensure!(status == 403, "the widget boot from a foreign origin answered {status}, not 403");
    let allowed = status_with_origin(stack.backend_addr(), &boot, &stack.demo_origin()).await?;
    ensure!(allowed == 200, "the widget boot from the demo shop answered {allowed}");

    let browser = &world.visitor;
    browser.goto(&foreign.url("/")).await?;
    wait_for("the launcher to say the chat is unavailable", async || {
        ensure!(widget_count(browser, "button.rp-launcher.rp-unavailable").await? == 1, "no button.rp-launcher.rp-unavailable");
        let status = widget_texts(browser, ".rp-launcher-status").await?;
        ensure!(status.iter().any(|s| s.to_lowercase().contains("unavailable")), ".rp-launcher-status is {status:?}");
        Ok(())
    })
    .await;
    ensure!(widget_count(browser, "form.rp-prechat, textarea.rp-input").await? == 0, "a refused page offers a chat anyway");
    no_js_errors(browser, "foreign").await?;
    stack.shutdown().await;
    Ok(())
}

pub async fn with_the_backend_down_the_launcher_says_unavailable_without_errors(world: &World) -> Result<()> {
    let mut stack = Stack::start().await?;
    let browser = &world.visitor;
    // A first visit caches the loader, as for any returning visitor.
    browser.goto(&stack.demo_url("")).await?;
    wait_for("the launcher while the backend is up", async || {
        ensure!(widget_visible(browser, "button.rp-launcher").await?, "no visible button.rp-launcher");
        ensure!(widget_count(browser, "button.rp-launcher.rp-unavailable").await? == 0, "the launcher says unavailable");
        Ok(())
    })
    .await;

    // The backend goes down; the shop itself stays up on its origin.
    stack.stop().await;
    let _shop = StaticSite::demo_shop(stack.demo_addr(), stack.demo_dir().to_path_buf(), &stack.backend_url(), DEMO_SITE_KEY).await?;
    browser.goto(&stack.demo_url("products.html")).await?;
    wait_for("the launcher to say the chat is unavailable", async || {
        ensure!(widget_count(browser, "button.rp-launcher.rp-unavailable").await? == 1, "no button.rp-launcher.rp-unavailable");
        let status = widget_texts(browser, ".rp-launcher-status").await?;
        ensure!(status.iter().any(|s| s.to_lowercase().contains("unavailable")), ".rp-launcher-status is {status:?}");
        Ok(())
    })
    .await;
    // Give late failures (retries, timers) a moment to surface.
    tokio::time::sleep(Duration::from_secs(2)).await;
    no_js_errors(browser, "shop's").await?;
    Ok(())
}

pub async fn the_widget_speaks_traditional_chinese_on_a_zh_hant_page(world: &World) -> Result<()> {
    let home = std::fs::read_to_string(e2e::demo_dir()?.join("index.html"))?;
    let chinese = home.replacen("<html lang=\"en\">", "<html lang=\"zh-Hant\">", 1);
    ensure!(chinese != home, "the demo home page no longer starts with <html lang=\"en\">");
    let stack = Stack::start_with_pages(&[("zh.html", &chinese)]).await?;
    let browser = &world.visitor;

    /// The widget's own words: the launcher's and close button's labels,
    /// and the pre-chat button when the form is shown.
    async fn ui_strings(browser: &Client) -> Vec<String> {
        open_widget_panel(browser).await;
        wait_for("the launcher's and close button's labels", async || {
            let mut strings = Vec::new();
            for css in ["button.rp-launcher", "button.rp-close"] {
                let button = widget(browser, css).await?;
                let label = button.attr("aria-label").await?.filter(|l| !l.trim().is_empty());
                let label = match label {
                    Some(label) => label,
                    None => button.text().await?,
                };
                ensure!(!label.trim().is_empty(), "{css} has no label");
                strings.push(label);
            }
            strings.extend(widget_texts(browser, "form.rp-prechat button[type=submit]").await?);
            Ok(strings)
        })
        .await
    }

    browser.goto(&stack.demo_url("zh.html")).await?;
    let strings = ui_strings(browser).await;
    ensure!(strings.iter().all(|s| has_han(s)), "on a zh-Hant page the widget reads {strings:?}");

    browser.goto(&stack.demo_url("")).await?;
    let strings = ui_strings(browser).await;
    ensure!(strings.iter().all(|s| !has_han(s)), "on an English page the widget reads {strings:?}");

    no_js_errors(browser, "shop's").await?;
    stack.shutdown().await;
    Ok(())
}
