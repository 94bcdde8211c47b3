//! Hostile input, through every field a visitor controls (name, email,
//! topic, message, page URL and title, language), shows up as the same
//! characters on both sides, inert: no script runs, no dialog opens, and
//! nothing outside the message bubbles and detail fields changes.
//!
//! A hand-rolled visitor client sends what no form would (a hostile
//! language tag, a `javascript:` page URL, a lone UTF-16 surrogate); the
//! real widget covers what a person types.

use anyhow::{ensure, Context, Result};
use e2e::keys::type_at;
use e2e::scenario::World;
use e2e::{count, texts, wait_for, widget_count, widget_texts, Stack};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use futures_util::{SinkExt, StreamExt};
use protocol::visitor::{PageInfo, VisitorEvent, VisitorFrame};
use protocol::{ClientId, MessageText, PreChat, PROTOCOL_VERSION};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

/// Elements that must never appear because of what someone wrote.
const DANGEROUS: &str = "script, iframe, object, embed, img, video, audio, base, meta, link[href^='javascript' i], a[href^='javascript' i], \
                         [onerror], [onload], [onclick], [onfocus], [ontoggle], form[action^='javascript' i], style:not([data-rapport])";

/// The corpus, with `\u{...}` escapes turned into the characters.
fn corpus() -> Result<Vec<String>> {
    let text = std::fs::read_to_string(e2e::repo_root().join("tests/data/hostile-inputs.txt")).context("reading tests/data/hostile-inputs.txt")?;
    let lines = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(unescape).collect::<Vec<_>>();
    ensure!(lines.len() >= 50, "the corpus has only {} inputs", lines.len());
    Ok(lines)
}

fn unescape(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 3..];
        match tail.find('}').and_then(|end| u32::from_str_radix(&tail[..end], 16).ok().and_then(char::from_u32).map(|c| (c, end))) {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push_str("\\u{");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A visitor that is not a browser: every field is whatever we say.
async fn hostile_visitor(stack: &Stack, corpus: &[String]) -> Result<()> {
    let mut request = format!("ws://{}/ws/v1/visitor?site={}", stack.backend_addr(), e2e::DEMO_SITE_KEY).into_client_request()?;
    request.headers_mut().insert("origin", HeaderValue::from_str(&stack.demo_origin())?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let send = |frame: &VisitorFrame| Message::text(serde_json::to_string(frame).unwrap_or_default());
    let page = PageInfo { url: "javascript:alert(document.cookie)//<img src=x onerror=alert(1)>".into(), title: corpus[0].clone() };
    let locale = "\"><img src=x onerror=alert(1)>".to_string();
    socket.send(send(&VisitorFrame::Hello { v: PROTOCOL_VERSION, token: None, resume: None, page, locale })).await?;
    let prechat = PreChat {
        name: corpus[2].chars().take(PreChat::MAX_NAME_CHARS).collect(),
        email: "<svg/onload=alert(1)>@evil.example".into(),
        topic: corpus[1].clone(),
    };
    socket.send(send(&VisitorFrame::StartChat { prechat })).await?;
    for (i, text) in corpus.iter().enumerate() {
        socket.send(send(&VisitorFrame::Send { client_id: ClientId::parse(format!("h{i}"))?, text: MessageText::parse(text.as_str())? })).await?;
        // Under the per-connection rate limit (a burst of 40, then 10 a
        // second): this test is about content, not flooding.
        if i >= 30 {
            tokio::time::sleep(std::time::Duration::from_millis(120)).await;
        }
    }
    // What the types above cannot express: a lone surrogate and an
    // oversized message. Both are refused; the connection lives on.
    socket.send(Message::text(r#"{"type":"send","client_id":"lone","text":"half a pair: \ud800"}"#)).await?;
    socket.send(Message::text(serde_json::json!({ "type": "send", "client_id": "huge", "text": "x".repeat(4001) }).to_string())).await?;
    let mut errors = 0;
    let mut acks = 0;
    while acks < corpus.len() || errors < 2 {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next()).await.context("the hostile visitor heard nothing")?;
        let Some(Ok(Message::Text(text))) = next else { anyhow::bail!("the hostile visitor's connection ended: {next:?}") };
        match serde_json::from_str::<VisitorEvent>(text.as_str())? {
            VisitorEvent::Ack { .. } => acks += 1,
            VisitorEvent::Error { .. } => errors += 1,
            _ => {}
        }
    }
    // Keep the connection (and so the chat) open until the test ends.
    tokio::spawn(async move { while socket.next().await.is_some() {} });
    Ok(())
}

/// How many dangerous elements the console has, and the widget's shadow root.
async fn dangerous_in_console(agent: &Client) -> Result<usize> {
    count(agent, DANGEROUS).await
}

pub async fn hostile_input_stays_inert_everywhere(world: &World) -> Result<()> {
    let corpus = corpus()?;
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);

    console_login(agent, &stack, e2e::AGENT_EMAIL, e2e::AGENT_PASSWORD).await?;
    set_presence(agent, "available").await?;
    let console_before = dangerous_in_console(agent).await?;
    hostile_visitor(&stack, &corpus).await?;
    // The offer's card is drawn afresh as its messages arrive: a click
    // may land on the card it replaced, and is made again.
    accept_offer(agent).await;
    // The console opens at the newest page; Page Up brings in the rest.
    let expected: Vec<&str> = corpus.iter().map(String::as_str).collect();
    // The chat pane draws after the server confirms the accept.
    wait_for("the chat pane", async || Ok(agent.find(Locator::Css("#chat .messages")).await?)).await.click().await?;
    wait_for("every hostile message in the console", async || {
        type_at(agent, &Key::PageUp.to_string().repeat(4), std::time::Duration::from_millis(50)).await?;
        let shown = texts(agent, CONSOLE_VISITOR_TEXTS).await?;
        ensure!(shown == expected, "the console shows {} of {} messages", shown.len(), expected.len());
        Ok(())
    })
    .await;
    let name = single_text(agent, ".detail-name").await?;
    ensure!(name == corpus[2].chars().take(100).collect::<String>(), "the name shows as {name:?}");
    ensure!(single_text(agent, ".detail-topic").await? == corpus[1], "the topic is not shown as typed");
    ensure!(single_text(agent, ".detail-locale").await? == "\"><img src=x onerror=alert(1)>", "the language is not shown as sent");
    ensure!(single_text(agent, ".detail-page-title").await? == corpus[0], "the page title is not shown as sent");
    let link = agent.find(Locator::Css(".detail-page")).await?.attr("href").await?;
    ensure!(link.is_none(), "a javascript: page URL became a link: {link:?}");
    ensure!(dangerous_in_console(agent).await? == console_before, "hostile input added elements to the console");

    // The other way: the agent sends hostile text to a real widget, whose
    // visitor also types some into the form and the chat.
    let console_first = texts(agent, ".chat-item .chat-item-name").await?;
    visitor_starts_chat(visitor, &stack, "<img src=x onerror=alert('name')>").await?;
    let widget_before = widget_count(visitor, DANGEROUS).await?;
    visitor_sends(visitor, &corpus[3]).await?;
    let offer = wait_for("the widget visitor's offer", async || Ok(agent.find(Locator::Css(".offer[data-conversation]")).await?)).await;
    offer.find(Locator::Css("button.accept")).await?.click().await?;
    console_shows(agent, "the widget visitor's message", &[&corpus[3]], &[]).await;
    let sample: Vec<&str> = corpus.iter().step_by(6).map(String::as_str).collect();
    for text in &sample {
        agent_sends(agent, text).await?;
    }
    widget_shows(visitor, "the agent's hostile messages as text", &[&corpus[3]], &sample).await;
    let shown = widget_texts(visitor, WIDGET_AGENT_TEXTS).await?;
    ensure!(shown.iter().zip(&sample).all(|(a, b)| a == b), "the widget changed a message");
    ensure!(widget_count(visitor, DANGEROUS).await? == widget_before, "hostile input added elements to the widget");
    ensure!(dangerous_in_console(agent).await? == console_before, "hostile input added elements to the console");
    ensure!(!console_first.is_empty(), "the console's chat list vanished");

    no_js_errors(visitor, "visitor's").await?;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}
