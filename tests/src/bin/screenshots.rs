//! Screenshots of the widget and the console as their users see them, for
//! reviewing the look of a change: `cargo run -p e2e --bin screenshots [DIR]`
//! (after `cargo xtask build`; PNGs go to `target/screenshots` by default).
//!
//! It plays a short chat (visitor on the demo shop, Mei in the console) and
//! photographs each side at desktop and phone widths, plus the widget on a
//! Traditional Chinese page. Nothing here asserts; the e2e tests do that.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use e2e::{open_widget_panel, wait_for, widget, Browser, Stack, AGENT_EMAIL, AGENT_PASSWORD};
use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::json;

const DESKTOP: (u32, u32) = (1280, 860);
const PHONE: (u32, u32) = (390, 844);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| e2e::repo_root().join("target/screenshots"));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let home = std::fs::read_to_string(e2e::demo_dir()?.join("index.html"))?;
    let chinese = home.replacen("<html lang=\"en\">", "<html lang=\"zh-Hant\">", 1);
    let stack = Stack::start_with_pages(&[("zh.html", &chinese)]).await?;
    let (visitor, agent) = tokio::try_join!(Browser::new(), Browser::new())?;

    agent.goto(&stack.console_url()).await?;
    let form = wait_for("the login form", async || Ok(agent.find(Locator::Css("form#login")).await?)).await;
    shot(&agent, &dir, "console-login-desktop", DESKTOP).await?;
    form.find(Locator::Css("input[name=email]")).await?.send_keys(AGENT_EMAIL).await?;
    form.find(Locator::Css("input[name=password]")).await?.send_keys(AGENT_PASSWORD).await?;
    form.find(Locator::Css("button[type=submit]")).await?.click().await?;
    let presence = wait_for("the presence menu", async || Ok(agent.find(Locator::Css("select#presence")).await?)).await;
    presence.select_by_value("available").await?;

    visitor.goto(&stack.demo_url("")).await?;
    wait_for("the launcher", async || widget(&visitor, "button.rp-launcher").await).await;
    shot(&visitor, &dir, "widget-closed-desktop", DESKTOP).await?;
    open_widget_panel(&visitor).await;
    wait_for("the pre-chat form", async || widget(&visitor, "form.rp-prechat").await).await;
    shot(&visitor, &dir, "widget-prechat-desktop", DESKTOP).await?;
    widget(&visitor, "input[name=name]").await?.send_keys("Ada Lovelace").await?;
    widget(&visitor, "input[name=email]").await?.send_keys("ada@example.com").await?;
    // The question typed before anyone is queued brings an article.
    widget(&visitor, "textarea[name=question]").await?.send_keys("How long does a refund take?").await?;
    wait_for("an article suggested", async || widget(&visitor, ".rp-kb-article").await).await;
    shot(&visitor, &dir, "widget-articles-desktop", DESKTOP).await?;
    shot(&visitor, &dir, "widget-articles-phone", PHONE).await?;
    widget(&visitor, ".rp-kb-article").await?.click().await?;
    wait_for("the article", async || widget(&visitor, ".rp-kb-body").await).await;
    shot(&visitor, &dir, "widget-article-open-desktop", DESKTOP).await?;
    widget(&visitor, ".rp-kb-no").await?.click().await?;
    widget(&visitor, "button.rp-start").await?.click().await?;
    let input = wait_for("the composer", async || widget(&visitor, "textarea.rp-input").await).await;
    input.send_keys(&format!("你好，我想問訂單{}", Key::Enter)).await?;
    input.send_keys(&format!("Hello, where is my order #1042?{}", Key::Enter)).await?;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    shot(&visitor, &dir, "widget-waiting-desktop", DESKTOP).await?;

    let offer = wait_for("the offer", async || Ok(agent.find(Locator::Css(".offer[data-conversation]")).await?)).await;
    shot(&agent, &dir, "console-offer-desktop", DESKTOP).await?;
    offer.find(Locator::Css("button.accept")).await?.click().await?;
    let composer = wait_for("the chat", async || Ok(agent.find(Locator::Css("textarea#composer")).await?)).await;
    composer.send_keys("Hi Ada, I am looking at order #1042 now. It left our warehouse this morning.").await?;
    agent.find(Locator::Css("button#send")).await?.click().await?;
    // Saved replies offered as Mei types /.
    composer.send_keys("/").await?;
    wait_for("the saved replies", async || Ok(agent.find(Locator::Css("#canned-list")).await?)).await;
    shot(&agent, &dir, "console-saved-replies-desktop", DESKTOP).await?;
    composer.send_keys(&fantoccini::key::Key::Escape.to_string()).await?;
    composer.clear().await?;
    // Articles offered as Mei types ?refund.
    composer.send_keys("?refund").await?;
    wait_for("the articles", async || Ok(agent.find(Locator::Css("#canned-list .canned-option")).await?)).await;
    shot(&agent, &dir, "console-articles-search-desktop", DESKTOP).await?;
    composer.send_keys(&fantoccini::key::Key::Escape.to_string()).await?;
    composer.clear().await?;
    composer.send_keys("Anything else I can help with?").await?;
    // A picture pasted by the visitor, a PDF sent by Mei.
    e2e::files::paste_picture(&visitor).await?;
    let pdf = dir.join("退貨說明 returns.pdf");
    std::fs::write(&pdf, e2e::files::PDF)?;
    agent.find(Locator::Css("#file-picker")).await?.send_keys(&pdf.display().to_string()).await?;
    wait_for("the files in the widget", async || {
        anyhow::ensure!(e2e::widget_count(&visitor, ".rp-file").await? == 2, "not yet");
        Ok(())
    })
    .await;
    std::fs::remove_file(&pdf)?;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    shot(&visitor, &dir, "widget-chat-desktop", DESKTOP).await?;
    shot(&visitor, &dir, "widget-chat-phone", PHONE).await?;
    shot(&agent, &dir, "console-chat-desktop", DESKTOP).await?;
    shot(&agent, &dir, "console-chat-phone", PHONE).await?;

    // Mei offers a callback; the visitor fills the form and Mei calls.
    agent.find(Locator::Css("#offer-callback")).await?.click().await?;
    wait_for("the callback form", async || widget(&visitor, "form.rp-cb-form select[name=country]").await).await;
    widget(&visitor, "form.rp-cb-form select[name=country]").await?.select_by_value("TW").await?;
    // The name comes from the chat's pre-chat form.
    widget(&visitor, "form.rp-cb-form input[name=phone]").await?.send_keys("0912 345 678").await?;
    widget(&visitor, "form.rp-cb-form input[name=topic]").await?.send_keys("Order #1042").await?;
    shot(&visitor, &dir, "widget-callback-form-desktop", DESKTOP).await?;
    shot(&visitor, &dir, "widget-callback-form-phone", PHONE).await?;
    widget(&visitor, "form.rp-cb-form button[type=submit]").await?.click().await?;
    wait_for("the callback card", async || widget(&visitor, ".rp-cb-status").await).await;
    shot(&visitor, &dir, "widget-callback-card-desktop", DESKTOP).await?;
    agent.find(Locator::Css("#end-chat")).await?.click().await?;
    let offer = wait_for("the callback offer", async || Ok(agent.find(Locator::Css(".offer .badge-callback")).await?)).await;
    shot(&agent, &dir, "console-callback-offer-desktop", DESKTOP).await?;
    drop(offer);
    agent.find(Locator::Css(".offer button.accept")).await?.click().await?;
    wait_for("the callback pane", async || Ok(agent.find(Locator::Css("form#disposition")).await?)).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    shot(&agent, &dir, "console-callback-desktop", DESKTOP).await?;
    shot(&agent, &dir, "console-callback-phone", PHONE).await?;
    shot(&visitor, &dir, "widget-callback-calling-phone", PHONE).await?;
    // The ended chat offers its transcript by email.
    shot(&visitor, &dir, "widget-ended-transcript-desktop", DESKTOP).await?;
    agent.find(Locator::Css("#alert-settings")).await?.click().await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    shot(&agent, &dir, "console-alerts-desktop", DESKTOP).await?;
    agent.find(Locator::Css("#alert-settings")).await?.click().await?;
    agent.find(Locator::Css("#nav-history")).await?.click().await?;
    let words = wait_for("the history search", async || Ok(agent.find(Locator::Css("#history-q")).await?)).await;
    words.send_keys("order").await?;
    agent.find(Locator::Css("#history-search")).await?.click().await?;
    wait_for("a found chat", async || Ok(agent.find(Locator::Css(".table tbody tr button")).await?)).await.click().await?;
    wait_for("the transcript", async || Ok(agent.find(Locator::Css("#transcript")).await?)).await;
    shot(&agent, &dir, "console-history-desktop", DESKTOP).await?;
    shot(&agent, &dir, "console-history-phone", PHONE).await?;
    agent.find(Locator::Css("#nav-contacts")).await?.click().await?;
    wait_for("the contacts search", async || Ok(agent.find(Locator::Css("#contacts-q")).await?)).await.send_keys("example").await?;
    agent.find(Locator::Css("#contacts-search")).await?.click().await?;
    wait_for("a found contact", async || Ok(agent.find(Locator::Css(".table tbody tr button")).await?)).await.click().await?;
    wait_for("the contact", async || Ok(agent.find(Locator::Css("#contact-card")).await?)).await;
    shot(&agent, &dir, "console-contacts-desktop", DESKTOP).await?;
    shot(&agent, &dir, "console-contacts-phone", PHONE).await?;

    visitor.goto(&stack.demo_url("zh.html")).await?;
    open_widget_panel(&visitor).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    shot(&visitor, &dir, "widget-zh-hant-desktop", DESKTOP).await?;
    widget(&visitor, "button.rp-call").await?.click().await?;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    shot(&visitor, &dir, "widget-callback-zh-hant-desktop", DESKTOP).await?;

    // The admin's and supervisor's screens.
    agent.find(Locator::Css("#logout")).await?.click().await?;
    let form = wait_for("the login form again", async || Ok(agent.find(Locator::Css("form#login")).await?)).await;
    form.find(Locator::Css("input[name=email]")).await?.send_keys("admin@rapport.demo").await?;
    form.find(Locator::Css("input[name=password]")).await?.send_keys("demo-admin-pass").await?;
    form.find(Locator::Css("button[type=submit]")).await?.click().await?;
    wait_for("the admin tab", async || Ok(agent.find(Locator::Css("#nav-admin")).await?)).await.click().await?;
    wait_for("the new-queue button", async || Ok(agent.find(Locator::Css("#new-queue")).await?)).await.click().await?;
    wait_for("the queue form", async || Ok(agent.find(Locator::Css("#queue-name")).await?)).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    shot(&agent, &dir, "console-admin-queue-desktop", DESKTOP).await?;
    shot(&agent, &dir, "console-admin-queue-phone", PHONE).await?;
    agent.find(Locator::Css("#admin-sites")).await?.click().await?;
    wait_for("the sites", async || Ok(agent.find(Locator::XPath("//tr[contains(., 'demo-shop')]//button")).await?)).await.click().await?;
    let accent = wait_for("the site form", async || Ok(agent.find(Locator::Css("#site-accent")).await?)).await;
    accent.clear().await?;
    accent.send_keys("#7a1fa2").await?;
    agent.find(Locator::Css("#site-launcher")).await?.send_keys("Ask us").await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    agent.execute("document.querySelector('.appearance').scrollIntoView()", vec![]).await?;
    shot(&agent, &dir, "console-admin-appearance-desktop", DESKTOP).await?;
    agent.find(Locator::Css("#nav-floor")).await?.click().await?;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    shot(&agent, &dir, "console-floor-desktop", DESKTOP).await?;
    agent.find(Locator::Css("#nav-knowledge")).await?.click().await?;
    wait_for("the articles", async || Ok(agent.find(Locator::Css("#new-article")).await?)).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    shot(&agent, &dir, "console-knowledge-desktop", DESKTOP).await?;
    agent.find(Locator::Css("#new-article")).await?.click().await?;
    shot(&agent, &dir, "console-knowledge-form-desktop", DESKTOP).await?;
    agent.find(Locator::Css("#nav-cases")).await?.click().await?;
    wait_for("the cases", async || Ok(agent.find(Locator::Css("#new-case")).await?)).await;
    agent.find(Locator::Css("#new-case")).await?.click().await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    shot(&agent, &dir, "console-case-form-desktop", DESKTOP).await?;
    shot(&agent, &dir, "console-case-form-phone", PHONE).await?;
    agent.find(Locator::Css("#nav-admin")).await?.click().await?;
    wait_for("the API tab", async || Ok(agent.find(Locator::Css("#admin-api")).await?)).await.click().await?;
    wait_for("the new-token button", async || Ok(agent.find(Locator::Css("#new-token")).await?)).await.click().await?;
    agent.find(Locator::Css("#token-name")).await?.send_keys("Back office").await?;
    agent.find(Locator::Css("[id='token-scopes-contacts:read']")).await?.click().await?;
    agent.find(Locator::Css("#save-token")).await?.click().await?;
    wait_for("the secret", async || Ok(agent.find(Locator::Css("#token-secret")).await?)).await;
    shot(&agent, &dir, "console-api-token-desktop", DESKTOP).await?;

    visitor.close().await;
    agent.close().await;
    stack.shutdown().await;
    println!("screenshots in {}", dir.display());
    Ok(())
}

/// Sizes the viewport (as a phone when narrow) and writes `NAME.png`.
async fn shot(browser: &Browser, dir: &Path, name: &str, (width, height): (u32, u32)) -> Result<()> {
    let mobile = width < 600;
    browser.cdp("Emulation.setDeviceMetricsOverride", json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile })).await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let png = browser.screenshot().await.with_context(|| format!("taking {name}"))?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
