//! What the scenarios share: acting as the visitor in the widget and as the
//! agent in the console, and reading what each of them sees.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use e2e::{count, js_errors, texts, wait_for, widget, widget_texts, Site};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const VISITOR_NAME: &str = "Ada Visitor";
pub const VISITOR_EMAIL: &str = "ada@example.com";
pub const FIRST: &str = "你好，我想問訂單";
pub const SECOND: &str = "Hello, where is my order?";
pub const REPLY: &str = "Hi Ada, I am looking at your order now.";
pub const THANKS: &str = "Thank you!";
pub const BOTH_TABS: &str = "I see you have two tabs open.";
pub const WHILE_DOWN: &str = "Are you still there?";
pub const AFTER_RESTART: &str = "Still here: it ships tomorrow.";
pub const HOSTILE: &str = "<img src=x onerror=alert(1)>";

/// Reconnecting after a restart may wait out a backoff step or two.
pub const RECONNECT: Duration = Duration::from_secs(30);

// ---- The visitor's side (inside the widget's shadow root) ----------------

pub const WIDGET_VISITOR_TEXTS: &str = "ol.rp-log li.rp-msg.rp-msg-visitor .rp-text";
pub const WIDGET_AGENT_TEXTS: &str = "ol.rp-log li.rp-msg.rp-msg-agent .rp-text";
pub const WIDGET_STATUSES: &str = "ol.rp-log li.rp-msg.rp-msg-visitor .rp-status";

pub async fn visitor_types(visitor: &Client, text: &str) -> Result<()> {
    let input = widget(visitor, "textarea.rp-input").await?;
    input.send_keys(text).await.with_context(|| format!("typing {text:?} into the widget"))
}

/// Types `text` and presses Enter, as a visitor sends a message.
pub async fn visitor_sends(visitor: &Client, text: &str) -> Result<()> {
    visitor_types(visitor, &format!("{text}{}", Key::Enter)).await
}

/// Waits until the widget shows exactly these messages, in order.
pub async fn widget_shows(visitor: &Client, what: &str, from_visitor: &[&str], from_agent: &[&str]) {
    wait_for(&format!("the widget to show exactly the expected messages ({what})"), async || {
        let mine = widget_texts(visitor, WIDGET_VISITOR_TEXTS).await?;
        let theirs = widget_texts(visitor, WIDGET_AGENT_TEXTS).await?;
        ensure!(
            mine == from_visitor && theirs == from_agent,
            "visitor messages {mine:?}, agent messages {theirs:?}; expected {from_visitor:?} and {from_agent:?}"
        );
        Ok(())
    })
    .await;
}

/// The status line under the visitor's last message.
pub async fn last_status(visitor: &Client) -> Result<String> {
    widget_texts(visitor, WIDGET_STATUSES).await?.pop().context("no visitor message has a .rp-status")
}

// ---- The agent's side (the console's light DOM) ---------------------------

pub const CONSOLE_VISITOR_TEXTS: &str = "#chat .message-list li.msg.msg-visitor .msg-text";
pub const CONSOLE_AGENT_TEXTS: &str = "#chat .message-list li.msg.msg-agent .msg-text";

pub async fn console_login(agent: &Client, stack: &impl Site, email: &str, password: &str) -> Result<()> {
    agent.goto(&stack.console_url()).await?;
    sign_in_on_form(agent, email, password).await
}

/// Signs in on the login form the console shows.
pub async fn sign_in_on_form(agent: &Client, email: &str, password: &str) -> Result<()> {
    let form = wait_for("the console's login form", async || Ok(agent.find(Locator::Css("form#login")).await?)).await;
    form.find(Locator::Css("input[name=email]")).await?.send_keys(email).await?;
    form.find(Locator::Css("input[name=password]")).await?.send_keys(password).await?;
    form.find(Locator::Css("button[type=submit]")).await?.click().await?;
    wait_for("the console to log in (select#presence)", async || {
        if let Some(error) = texts(agent, ".login-error").await?.into_iter().find(|t| !t.is_empty()) {
            anyhow::bail!("the login failed: {error}");
        }
        ensure!(count(agent, "select#presence").await? == 1, "no select#presence yet");
        Ok(())
    })
    .await;
    Ok(())
}

pub async fn set_presence(agent: &Client, presence: &str) -> Result<()> {
    agent.find(Locator::Css("select#presence")).await?.select_by_value(presence).await?;
    wait_for(&format!("the presence to read {presence}"), async || {
        let value = agent.find(Locator::Css("select#presence")).await?.prop("value").await?.unwrap_or_default();
        ensure!(value == presence, "select#presence is {value:?}");
        Ok(())
    })
    .await;
    Ok(())
}

/// Types into the console's composer and clicks Send.
pub async fn agent_sends(agent: &Client, text: &str) -> Result<()> {
    agent.find(Locator::Css("textarea#composer")).await?.send_keys(text).await?;
    agent.find(Locator::Css("button#send")).await?.click().await?;
    Ok(())
}

/// Waits until the open chat shows exactly these messages, in order.
pub async fn console_shows(agent: &Client, what: &str, from_visitor: &[&str], from_agent: &[&str]) {
    wait_for(&format!("the console to show exactly the expected messages ({what})"), async || {
        let theirs = texts(agent, CONSOLE_VISITOR_TEXTS).await?;
        let mine = texts(agent, CONSOLE_AGENT_TEXTS).await?;
        ensure!(
            theirs == from_visitor && mine == from_agent,
            "visitor messages {theirs:?}, agent messages {mine:?}; expected {from_visitor:?} and {from_agent:?}"
        );
        Ok(())
    })
    .await;
}

pub async fn single_text(client: &Client, css: &str) -> Result<String> {
    let all = texts(client, css).await?;
    ensure!(all.len() == 1, "{} elements match {css}: {all:?}", all.len());
    Ok(all.into_iter().next().unwrap_or_default())
}

pub async fn no_js_errors(client: &Client, whose: &str) -> Result<()> {
    // The one thing the tests themselves inject is axe-core, whose style
    // element the demo shop's policy blocks; it comes from no file.
    let errors: Vec<String> = js_errors(client).await?.into_iter().filter(|e| !(e.starts_with("CSP violation") && e.contains(" at :"))).collect();
    ensure!(errors.is_empty(), "the {whose} page had JavaScript errors:\n  {}", errors.join("\n  "));
    Ok(())
}

/// The status of a plain HTTP GET of `path` sent with an `Origin` header.
pub async fn status_with_origin(addr: std::net::SocketAddr, path: &str, origin: &str) -> Result<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let head = String::from_utf8_lossy(&response);
    let status = head.split_whitespace().nth(1).context("an empty HTTP answer")?;
    Ok(status.parse()?)
}

pub fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

// ---- Setting up a chat ------------------------------------------------------

/// The visitor opens the shop's home page and the chat, fills the pre-chat
/// form as `name` and starts the chat; returns once the composer is there.
pub async fn visitor_starts_chat(visitor: &Client, stack: &impl Site, name: &str) -> Result<()> {
    visitor.goto(&stack.demo_url("")).await?;
    e2e::open_widget_panel(visitor).await;
    wait_for("the pre-chat form", async || widget(visitor, "form.rp-prechat").await).await;
    widget(visitor, "form.rp-prechat input[name=name]").await?.send_keys(name).await?;
    widget(visitor, "form.rp-prechat input[name=email]").await?.send_keys(VISITOR_EMAIL).await?;
    widget(visitor, "form.rp-prechat button[type=submit]").await?.click().await?;
    wait_for("the composer after the pre-chat form", async || widget(visitor, "textarea.rp-input").await).await;
    Ok(())
}

/// Mei signs in, goes available, and accepts the next offer; returns once
/// the chat is open in the console.
pub async fn agent_takes_next_chat(agent: &Client, stack: &impl Site) -> Result<()> {
    console_login(agent, stack, e2e::AGENT_EMAIL, e2e::AGENT_PASSWORD).await?;
    set_presence(agent, "available").await?;
    accept_offer(agent).await;
    Ok(())
}

/// Accepts the offer on screen, clicking again if its card was drawn
/// afresh under the click, until the card is gone and the chat is open.
pub async fn accept_offer(agent: &Client) {
    let id = wait_for("the offer", async || Ok(agent.find(Locator::Css(".offer[data-conversation]")).await?.attr("data-conversation").await?)).await;
    let card = format!(".offer[data-conversation='{}'] button.accept", id.unwrap_or_default());
    wait_for("the offer accepted", async || {
        if let Ok(button) = agent.find(Locator::Css(&card)).await {
            let _ = button.click().await;
            anyhow::bail!("the offer is still there");
        }
        Ok(agent.find(Locator::Css("textarea#composer")).await?)
    })
    .await;
}

/// What a composer holds and whether it has the focus, with the caret.
#[derive(Debug, PartialEq, Eq)]
pub struct Composer {
    pub value: String,
    pub focused: bool,
    /// Where the caret is (`selectionStart`).
    pub caret: usize,
}

async fn composer_state(client: &Client, script: &str) -> Result<Composer> {
    let value = client.execute(script, vec![]).await?;
    let value: (String, bool, usize) = serde_json::from_value(value).context("reading a composer")?;
    Ok(Composer { value: value.0, focused: value.1, caret: value.2 })
}

/// The widget's composer, read from inside its shadow root.
pub async fn widget_composer(visitor: &Client) -> Result<Composer> {
    composer_state(
        visitor,
        "const root = document.querySelector('rapport-widget').shadowRoot; const t = root.querySelector('textarea.rp-input'); \
         return [t.value, root.activeElement === t, t.selectionStart];",
    )
    .await
}

/// The console's composer.
pub async fn console_composer(agent: &Client) -> Result<Composer> {
    composer_state(agent, "const t = document.querySelector('#composer'); return [t.value, document.activeElement === t, t.selectionStart];").await
}

// The console's forms, as an admin or agent fills them.

pub const ADMIN_EMAIL: &str = "admin@rapport.demo";
pub const ADMIN_PASSWORD: &str = "demo-admin-pass";
pub const ADMIN_NAME: &str = "Ada Admin";
pub const WIDGET: Option<&str> = Some("rapport-widget");

pub async fn click(client: &Client, css: &str) -> Result<()> {
    let element = wait_for(&format!("{css} to click"), async || Ok(client.find(Locator::Css(css)).await?)).await;
    element.click().await?;
    Ok(())
}

/// Types into a field as a person does, after clearing it.
pub async fn fill(client: &Client, css: &str, text: &str) -> Result<()> {
    let field = wait_for(&format!("{css} to type in"), async || Ok(client.find(Locator::Css(css)).await?)).await;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

pub async fn saved(client: &Client, what: &str) {
    wait_for(what, async || {
        if let Some(error) = texts(client, ".form-error").await?.into_iter().find(|t| !t.is_empty()) {
            anyhow::bail!("the console refused: {error}");
        }
        ensure!(texts(client, ".form-ok").await?.iter().any(|t| !t.is_empty()), "not saved yet");
        Ok(())
    })
    .await;
}

/// The Edit button of the table row that mentions `text`.
pub async fn edit_row(client: &Client, text: &str) -> Result<()> {
    let xpath = format!("//tr[contains(., '{text}')]//button");
    let button = wait_for(&format!("the row of {text}"), async || Ok(client.find(Locator::XPath(&xpath)).await?)).await;
    button.click().await?;
    Ok(())
}
