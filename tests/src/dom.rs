//! Finding things in the page (the console's light DOM) and in the
//! widget's shadow root. Reads go through one script each, which is much
//! cheaper than a WebDriver round trip per element; interactions
//! (clicks, typing) go through WebDriver elements so they are real input.

use anyhow::{Context, Result};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

/// The widget's shadow root as `root` (null until the loader has run).
const WIDGET_ROOT: &str = "const host = document.querySelector('rapport-widget'); const root = host && host.shadowRoot;";

/// The first element matching `css` inside the widget's shadow root.
pub async fn widget(client: &Client, css: &str) -> Result<Element> {
    let host = client.find(Locator::Css("rapport-widget")).await.context("no <rapport-widget> on the page")?;
    let root = host.shadow_root().await.context("<rapport-widget> has no open shadow root")?;
    root.find(Locator::Css(css)).await.with_context(|| format!("nothing matches `{css}` in the widget"))
}

/// Every element matching `css` inside the widget's shadow root.
pub async fn widget_all(client: &Client, css: &str) -> Result<Vec<Element>> {
    let host = client.find(Locator::Css("rapport-widget")).await.context("no <rapport-widget> on the page")?;
    let root = host.shadow_root().await.context("<rapport-widget> has no open shadow root")?;
    Ok(root.find_all(Locator::Css(css)).await?)
}

async fn run(client: &Client, body: &str, css: &str) -> Result<Value> {
    Ok(client.execute(body, vec![json!(css)]).await?)
}

fn strings(value: Value, css: &str) -> Result<Vec<String>> {
    serde_json::from_value(value).with_context(|| format!("reading the texts of `{css}`"))
}

/// The trimmed text content of every element matching `css` in the page.
pub async fn texts(client: &Client, css: &str) -> Result<Vec<String>> {
    let value = run(client, "return Array.from(document.querySelectorAll(arguments[0]), (e) => e.textContent.trim());", css).await?;
    strings(value, css)
}

/// The trimmed text content of every element matching `css` in the widget.
pub async fn widget_texts(client: &Client, css: &str) -> Result<Vec<String>> {
    let script = format!("{WIDGET_ROOT} return root ? Array.from(root.querySelectorAll(arguments[0]), (e) => e.textContent.trim()) : [];");
    let value = run(client, &script, css).await?;
    strings(value, css)
}

/// How many elements match `css` in the page.
pub async fn count(client: &Client, css: &str) -> Result<usize> {
    let value = run(client, "return document.querySelectorAll(arguments[0]).length;", css).await?;
    value.as_u64().map(|n| n as usize).context("counting elements")
}

/// How many elements match `css` in the widget (0 before it loads).
pub async fn widget_count(client: &Client, css: &str) -> Result<usize> {
    let script = format!("{WIDGET_ROOT} return root ? root.querySelectorAll(arguments[0]).length : 0;");
    let value = run(client, &script, css).await?;
    value.as_u64().map(|n| n as usize).context("counting widget elements")
}

/// Whether some element matching `css` in the page is rendered visibly.
pub async fn visible(client: &Client, css: &str) -> Result<bool> {
    let value = run(
        client,
        "return Array.from(document.querySelectorAll(arguments[0])).some((e) => e.checkVisibility({ visibilityProperty: true, opacityProperty: true }));",
        css,
    )
    .await?;
    value.as_bool().context("checking visibility")
}

/// Whether some element matching `css` in the widget is rendered visibly.
pub async fn widget_visible(client: &Client, css: &str) -> Result<bool> {
    let script = format!(
        "{WIDGET_ROOT} return !!root && Array.from(root.querySelectorAll(arguments[0])).some((e) => e.checkVisibility({{ visibilityProperty: true, opacityProperty: true }}));"
    );
    let value = run(client, &script, css).await?;
    value.as_bool().context("checking widget visibility")
}

/// Uncaught errors, unhandled rejections and panics the page has had
/// (collected by the script every [`crate::Browser`] installs).
pub async fn js_errors(client: &Client) -> Result<Vec<String>> {
    let value = client.execute("return window.__e2eErrors || ['the error collector is not installed'];", vec![]).await?;
    serde_json::from_value(value).context("reading the collected JavaScript errors")
}

/// Opens the chat panel unless it is already open (the widget may keep it
/// open across pages), waiting for the launcher first.
///
/// A click can land just as the freshly loaded widget restores an open
/// panel, and then toggles it shut; so this clicks again (as a person
/// would) until the panel stays open.
pub async fn open_widget_panel(client: &Client) {
    crate::wait_for("the widget's launcher", async || {
        anyhow::ensure!(widget_visible(client, "button.rp-launcher").await?, "no visible button.rp-launcher");
        Ok(())
    })
    .await;
    for _ in 0..3 {
        if widget_visible(client, ".rp-panel").await.unwrap_or(false) {
            return;
        }
        crate::wait_for("a click on the launcher (or the panel to open by itself)", async || {
            // A restored panel may open (and cover the launcher on a phone)
            // while we try.
            if widget_visible(client, ".rp-panel").await? {
                return Ok(());
            }
            Ok(widget(client, "button.rp-launcher").await?.click().await?)
        })
        .await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(4);
        while std::time::Instant::now() < deadline {
            if widget_visible(client, ".rp-panel").await.unwrap_or(false) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    crate::wait_for("the chat panel to open", async || {
        anyhow::ensure!(widget_visible(client, ".rp-panel").await?, "no visible .rp-panel");
        Ok(())
    })
    .await;
}
