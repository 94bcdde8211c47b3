//! A visitor on the demo shop and an agent in the console, each in a real
//! Chromium, against the real backend.
//!
//! Run with `cargo xtask test` (builds `dist/` first), or after
//! `cargo xtask build` with `cargo test -p e2e`. Set `RUST_LOG=rapport=debug`
//! for the server's logs.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use e2e::{
    count, js_errors, open_widget_panel, serial, texts, visible, wait_for, wait_for_within, widget, widget_count, widget_texts, widget_visible, Browser, Stack,
    StaticSite, AGENT_EMAIL, AGENT_PASSWORD, DEMO_SITE_KEY,
};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const VISITOR_NAME: &str = "Ada Visitor";
const VISITOR_EMAIL: &str = "ada@example.com";
const FIRST: &str = "你好，我想問訂單";
const SECOND: &str = "Hello, where is my order?";
const REPLY: &str = "Hi Ada, I am looking at your order now.";
const THANKS: &str = "Thank you!";
const BOTH_TABS: &str = "I see you have two tabs open.";
const WHILE_DOWN: &str = "Are you still there?";
const AFTER_RESTART: &str = "Still here: it ships tomorrow.";
const HOSTILE: &str = "<img src=x onerror=alert(1)>";

/// Reconnecting after a restart may wait out a backoff step or two.
const RECONNECT: Duration = Duration::from_secs(30);

// ---- The visitor's side (inside the widget's shadow root) ----------------

const WIDGET_VISITOR_TEXTS: &str = "ol.rp-log li.rp-msg.rp-msg-visitor .rp-text";
const WIDGET_AGENT_TEXTS: &str = "ol.rp-log li.rp-msg.rp-msg-agent .rp-text";
const WIDGET_STATUSES: &str = "ol.rp-log li.rp-msg.rp-msg-visitor .rp-status";

async fn visitor_types(visitor: &Client, text: &str) -> Result<()> {
    let input = widget(visitor, "textarea.rp-input").await?;
    input.send_keys(text).await.with_context(|| format!("typing {text:?} into the widget"))
}

/// Types `text` and presses Enter, as a visitor sends a message.
async fn visitor_sends(visitor: &Client, text: &str) -> Result<()> {
    visitor_types(visitor, &format!("{text}{}", Key::Enter)).await
}

/// Waits until the widget shows exactly these messages, in order.
async fn widget_shows(visitor: &Client, what: &str, from_visitor: &[&str], from_agent: &[&str]) {
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
async fn last_status(visitor: &Client) -> Result<String> {
    widget_texts(visitor, WIDGET_STATUSES).await?.pop().context("no visitor message has a .rp-status")
}

// ---- The agent's side (the console's light DOM) ---------------------------

const CONSOLE_VISITOR_TEXTS: &str = "#chat ol.messages li.msg.msg-visitor .msg-text";
const CONSOLE_AGENT_TEXTS: &str = "#chat ol.messages li.msg.msg-agent .msg-text";

async fn console_login(agent: &Client, stack: &Stack, email: &str, password: &str) -> Result<()> {
    agent.goto(&stack.console_url()).await?;
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

async fn set_presence(agent: &Client, presence: &str) -> Result<()> {
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
async fn agent_sends(agent: &Client, text: &str) -> Result<()> {
    agent.find(Locator::Css("textarea#composer")).await?.send_keys(text).await?;
    agent.find(Locator::Css("button#send")).await?.click().await?;
    Ok(())
}

/// Waits until the open chat shows exactly these messages, in order.
async fn console_shows(agent: &Client, what: &str, from_visitor: &[&str], from_agent: &[&str]) {
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

async fn single_text(client: &Client, css: &str) -> Result<String> {
    let all = texts(client, css).await?;
    ensure!(all.len() == 1, "{} elements match {css}: {all:?}", all.len());
    Ok(all.into_iter().next().unwrap_or_default())
}

async fn no_js_errors(client: &Client, whose: &str) -> Result<()> {
    let errors = js_errors(client).await?;
    ensure!(errors.is_empty(), "the {whose} page had JavaScript errors:\n  {}", errors.join("\n  "));
    Ok(())
}

/// The status of a plain HTTP GET of `path` sent with an `Origin` header.
async fn status_with_origin(addr: std::net::SocketAddr, path: &str, origin: &str) -> Result<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let head = String::from_utf8_lossy(&response);
    let status = head.split_whitespace().nth(1).context("an empty HTTP answer")?;
    Ok(status.parse()?)
}

fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

// ---- The scenario ---------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_and_agent_chat_across_reloads_navigation_and_a_backend_restart() -> Result<()> {
    let _serial = serial().await;
    let mut stack = Stack::start().await?;
    let (visitor, agent) = tokio::try_join!(Browser::new(), Browser::new())?;

    // Mei logs in and takes chats.
    console_login(&agent, &stack, AGENT_EMAIL, AGENT_PASSWORD).await?;
    set_presence(&agent, "available").await?;

    // The visitor opens the shop and the chat.
    visitor.goto(&stack.demo_url("")).await?;
    let home_url = visitor.current_url().await?.to_string();
    open_widget_panel(&visitor).await;
    wait_for("the pre-chat form", async || widget(&visitor, "form.rp-prechat").await).await;
    widget(&visitor, "form.rp-prechat input[name=name]").await?.send_keys(VISITOR_NAME).await?;
    widget(&visitor, "form.rp-prechat input[name=email]").await?.send_keys(VISITOR_EMAIL).await?;
    // The topic is optional; when asked, pick the last choice (or type one).
    let topic: Option<Vec<String>> = match widget(&visitor, "form.rp-prechat [name=topic]").await {
        Ok(field) if field.tag_name().await?.eq_ignore_ascii_case("select") => {
            let options = visitor
                .execute(
                    "const h = document.querySelector('rapport-widget'); \
                     return Array.from(h.shadowRoot.querySelectorAll('form.rp-prechat select[name=topic] option'), (o) => [o.value, o.textContent.trim()]).filter(([v]) => v !== '');",
                    vec![],
                )
                .await?;
            let options: Vec<(String, String)> = serde_json::from_value(options)?;
            let (value, label) = options.last().cloned().context("the topic select has no choices")?;
            field.select_by_value(&value).await?;
            Some(vec![value, label])
        }
        Ok(field) => {
            field.send_keys("Where is my order").await?;
            Some(vec!["Where is my order".into()])
        }
        Err(_) => None,
    };
    widget(&visitor, "form.rp-prechat button[type=submit]").await?.click().await?;
    wait_for("the composer after the pre-chat form", async || widget(&visitor, "textarea.rp-input").await).await;

    visitor_sends(&visitor, FIRST).await?;
    widget_shows(&visitor, "the first message", &[FIRST], &[]).await;
    visitor_sends(&visitor, SECOND).await?;
    widget_shows(&visitor, "both messages", &[FIRST, SECOND], &[]).await;
    wait_for("the visitor's messages to be acknowledged (Sent)", async || {
        let statuses = widget_texts(&visitor, WIDGET_STATUSES).await?;
        ensure!(statuses.last().is_some_and(|s| s == "Sent"), "statuses {statuses:?}");
        Ok(())
    })
    .await;
    wait_for("the queue position while nobody has accepted", async || {
        let queue = widget_texts(&visitor, ".rp-queue").await?;
        ensure!(queue.iter().any(|t| !t.is_empty()), "no .rp-queue text ({queue:?})");
        Ok(())
    })
    .await;

    // Mei gets the offer and accepts it.
    let offer = wait_for("the offer in the console", async || Ok(agent.find(Locator::Css(".offer[data-conversation]")).await?)).await;
    let offer_name = offer.find(Locator::Css(".offer-name")).await?.text().await?;
    ensure!(offer_name.contains(VISITOR_NAME), "the offer names {offer_name:?}");
    offer.find(Locator::Css("button.accept")).await?.click().await?;

    wait_for("the accepted chat with the pre-chat answers and the page", async || {
        let name = single_text(&agent, "#chat .chat-visitor-name").await?;
        ensure!(name.contains(VISITOR_NAME), ".chat-visitor-name is {name:?}");
        let detail_name = single_text(&agent, ".detail-name").await?;
        ensure!(detail_name.contains(VISITOR_NAME), ".detail-name is {detail_name:?}");
        let email = single_text(&agent, ".detail-email").await?;
        ensure!(email.contains(VISITOR_EMAIL), ".detail-email is {email:?}");
        if let Some(topic) = &topic {
            let shown = single_text(&agent, ".detail-topic").await?;
            ensure!(topic.iter().any(|t| shown.contains(t.as_str())), ".detail-topic is {shown:?}, expected one of {topic:?}");
        }
        let page = single_text(&agent, ".detail-page").await?;
        ensure!(page == home_url, ".detail-page is {page:?}, expected {home_url:?}");
        Ok(())
    })
    .await;
    console_shows(&agent, "after accepting", &[FIRST, SECOND], &[]).await;
    ensure!(count(&agent, ".chat-item[data-conversation]").await? == 1, "the chat list should hold exactly the accepted chat");

    // The visitor learns who answers, and that the messages were read.
    wait_for("the agent's name in the widget", async || {
        let agent_name = widget_texts(&visitor, ".rp-agent").await?;
        ensure!(agent_name.iter().any(|n| n.contains("Mei")), ".rp-agent is {agent_name:?}");
        Ok(())
    })
    .await;
    wait_for("the visitor's last message to read Seen", async || {
        let status = last_status(&visitor).await?;
        ensure!(status == "Seen", "status {status:?}");
        Ok(())
    })
    .await;

    // Mei types: the visitor sees it; then she sends.
    agent.find(Locator::Css("textarea#composer")).await?.send_keys(REPLY).await?;
    wait_for("the typing indicator in the widget", async || {
        let typing = widget_texts(&visitor, ".rp-typing").await?;
        ensure!(typing.iter().any(|t| t.contains("Mei") && t.to_lowercase().contains("typing")), ".rp-typing is {typing:?}");
        Ok(())
    })
    .await;
    agent.find(Locator::Css("button#send")).await?.click().await?;
    widget_shows(&visitor, "the agent's reply", &[FIRST, SECOND], &[REPLY]).await;
    wait_for("the typing indicator to go once the reply is there", async || {
        ensure!(widget_count(&visitor, ".rp-typing").await? == 0, ".rp-typing is still shown");
        Ok(())
    })
    .await;

    // The visitor types: Mei sees it; then the visitor sends.
    visitor_types(&visitor, THANKS).await?;
    wait_for("the visitor typing indicator in the console", async || {
        ensure!(count(&agent, "#chat .typing").await? > 0, "no #chat .typing");
        Ok(())
    })
    .await;
    visitor_types(&visitor, &Key::Enter.to_string()).await?;
    let mut from_visitor = vec![FIRST, SECOND, THANKS];
    let mut from_agent = vec![REPLY];
    console_shows(&agent, "the visitor's thanks", &from_visitor, &from_agent).await;
    widget_shows(&visitor, "the visitor's thanks", &from_visitor, &from_agent).await;

    // A reload keeps the conversation.
    visitor.refresh().await?;
    open_widget_panel(&visitor).await;
    widget_shows(&visitor, "after a reload", &from_visitor, &from_agent).await;

    // So does another page of the shop; the console follows the visitor.
    visitor.goto(&stack.demo_url("products.html")).await?;
    let products_url = visitor.current_url().await?.to_string();
    open_widget_panel(&visitor).await;
    widget_shows(&visitor, "on products.html", &from_visitor, &from_agent).await;
    wait_for("the console to show the visitor's new page", async || {
        let page = single_text(&agent, ".detail-page").await?;
        ensure!(page == products_url, ".detail-page is {page:?}, expected {products_url:?}");
        Ok(())
    })
    .await;

    // A second tab of the shop shows the same conversation, live.
    let first_tab = visitor.window().await?;
    let second_tab = visitor.new_window(true).await?.handle;
    visitor.switch_to_window(second_tab).await?;
    visitor.goto(&stack.demo_url("faq.html")).await?;
    open_widget_panel(&visitor).await;
    widget_shows(&visitor, "in a second tab", &from_visitor, &from_agent).await;
    agent_sends(&agent, BOTH_TABS).await?;
    from_agent.push(BOTH_TABS);
    widget_shows(&visitor, "the agent's message in the second tab", &from_visitor, &from_agent).await;
    visitor.close_window().await?;
    visitor.switch_to_window(first_tab).await?;
    widget_shows(&visitor, "the agent's message back in the first tab", &from_visitor, &from_agent).await;

    // The backend goes down. Both sides notice; the visitor writes anyway.
    stack.stop().await;
    wait_for("the widget's reconnecting banner", async || {
        ensure!(widget_visible(&visitor, ".rp-banner").await?, "no visible .rp-banner");
        Ok(())
    })
    .await;
    wait_for("the console's connection banner", async || {
        ensure!(visible(&agent, "#connection-banner").await?, "no visible #connection-banner");
        Ok(())
    })
    .await;
    visitor_sends(&visitor, WHILE_DOWN).await?;
    from_visitor.push(WHILE_DOWN);
    widget_shows(&visitor, "the message written while the backend is down", &from_visitor, &from_agent).await;
    let pending = last_status(&visitor).await?;
    ensure!(pending != "Sent" && pending != "Seen", "a message sent while the backend is down reads {pending:?}");

    // It comes back on the same ports; the message goes through once.
    stack.resume().await?;
    wait_for_within("the widget to reconnect (banner gone)", RECONNECT, async || {
        ensure!(!widget_visible(&visitor, ".rp-banner").await?, ".rp-banner still visible");
        Ok(())
    })
    .await;
    wait_for_within("the console to reconnect (banner gone)", RECONNECT, async || {
        ensure!(!visible(&agent, "#connection-banner").await?, "#connection-banner still visible");
        Ok(())
    })
    .await;
    console_shows(&agent, "the message written while the backend was down", &from_visitor, &from_agent).await;
    wait_for("the queued message to be delivered (Sent or Seen)", async || {
        let status = last_status(&visitor).await?;
        ensure!(status == "Sent" || status == "Seen", "status {status:?}");
        Ok(())
    })
    .await;
    agent_sends(&agent, AFTER_RESTART).await?;
    from_agent.push(AFTER_RESTART);
    widget_shows(&visitor, "the agent's message after the restart", &from_visitor, &from_agent).await;

    // Markup is text, on both sides, whoever sends it.
    visitor_sends(&visitor, HOSTILE).await?;
    from_visitor.push(HOSTILE);
    console_shows(&agent, "the visitor's markup-like message", &from_visitor, &from_agent).await;
    agent_sends(&agent, HOSTILE).await?;
    from_agent.push(HOSTILE);
    widget_shows(&visitor, "the agent's markup-like message", &from_visitor, &from_agent).await;
    console_shows(&agent, "the agent's markup-like message", &from_visitor, &from_agent).await;
    ensure!(widget_count(&visitor, "ol.rp-log .rp-text img").await? == 0, "a message text in the widget contains an <img>");
    ensure!(count(&agent, "#chat ol.messages .msg-text img").await? == 0, "a message text in the console contains an <img>");

    // Nothing arrives twice, even a little later.
    tokio::time::sleep(Duration::from_secs(1)).await;
    widget_shows(&visitor, "at the end, after a pause", &from_visitor, &from_agent).await;
    console_shows(&agent, "at the end, after a pause", &from_visitor, &from_agent).await;

    no_js_errors(&visitor, "visitor's").await?;
    no_js_errors(&agent, "console's").await?;
    visitor.close().await;
    agent.close().await;
    stack.shutdown().await;
    Ok(())
}

// ---- Smaller checks -------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_an_origin_the_site_does_not_allow_gets_an_unavailable_launcher() -> Result<()> {
    let _serial = serial().await;
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

    let browser = Browser::new().await?;
    browser.goto(&foreign.url("/")).await?;
    wait_for("the launcher to say the chat is unavailable", async || {
        ensure!(widget_count(&browser, "button.rp-launcher.rp-unavailable").await? == 1, "no button.rp-launcher.rp-unavailable");
        let status = widget_texts(&browser, ".rp-launcher-status").await?;
        ensure!(status.iter().any(|s| s.to_lowercase().contains("unavailable")), ".rp-launcher-status is {status:?}");
        Ok(())
    })
    .await;
    ensure!(widget_count(&browser, "form.rp-prechat, textarea.rp-input").await? == 0, "a refused page offers a chat anyway");
    no_js_errors(&browser, "foreign").await?;
    browser.close().await;
    stack.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_backend_down_the_launcher_says_unavailable_without_errors() -> Result<()> {
    let _serial = serial().await;
    let mut stack = Stack::start().await?;
    let browser = Browser::new().await?;
    // A first visit caches the loader, as for any returning visitor.
    browser.goto(&stack.demo_url("")).await?;
    wait_for("the launcher while the backend is up", async || {
        ensure!(widget_visible(&browser, "button.rp-launcher").await?, "no visible button.rp-launcher");
        ensure!(widget_count(&browser, "button.rp-launcher.rp-unavailable").await? == 0, "the launcher says unavailable");
        Ok(())
    })
    .await;

    // The backend goes down; the shop itself stays up on its origin.
    stack.stop().await;
    let _shop = StaticSite::demo_shop(stack.demo_addr(), stack.demo_dir().to_path_buf(), &stack.backend_url(), DEMO_SITE_KEY).await?;
    browser.goto(&stack.demo_url("products.html")).await?;
    wait_for("the launcher to say the chat is unavailable", async || {
        ensure!(widget_count(&browser, "button.rp-launcher.rp-unavailable").await? == 1, "no button.rp-launcher.rp-unavailable");
        let status = widget_texts(&browser, ".rp-launcher-status").await?;
        ensure!(status.iter().any(|s| s.to_lowercase().contains("unavailable")), ".rp-launcher-status is {status:?}");
        Ok(())
    })
    .await;
    // Give late failures (retries, timers) a moment to surface.
    tokio::time::sleep(Duration::from_secs(2)).await;
    no_js_errors(&browser, "shop's").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_speaks_traditional_chinese_on_a_zh_hant_page() -> Result<()> {
    let _serial = serial().await;
    let home = std::fs::read_to_string(e2e::demo_dir()?.join("index.html"))?;
    let chinese = home.replacen("<html lang=\"en\">", "<html lang=\"zh-Hant\">", 1);
    ensure!(chinese != home, "the demo home page no longer starts with <html lang=\"en\">");
    let stack = Stack::start_with_pages(&[("zh.html", &chinese)]).await?;
    let browser = Browser::new().await?;

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
    let strings = ui_strings(&browser).await;
    ensure!(strings.iter().all(|s| has_han(s)), "on a zh-Hant page the widget reads {strings:?}");

    browser.goto(&stack.demo_url("")).await?;
    let strings = ui_strings(&browser).await;
    ensure!(strings.iter().all(|s| !has_han(s)), "on an English page the widget reads {strings:?}");

    no_js_errors(&browser, "shop's").await?;
    browser.close().await;
    stack.shutdown().await;
    Ok(())
}
