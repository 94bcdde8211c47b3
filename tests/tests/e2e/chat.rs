//! The whole chat as a visitor and an agent live it: pre-chat form,
//! offer, typing, replies, read receipts, reloads, other pages and tabs, a
//! backend restart mid-chat, and markup that must stay text.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use e2e::scenario::World;
use e2e::{
    count, open_widget_panel, visible, wait_for, wait_for_within, widget, widget_count, widget_texts, widget_visible, Stack, AGENT_EMAIL, AGENT_PASSWORD,
};
use fantoccini::key::Key;
use fantoccini::Locator;

use crate::support::*;

pub async fn a_chat_survives_reloads_navigation_tabs_and_a_backend_restart(world: &World) -> Result<()> {
    let mut stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);

    // Mei logs in and takes chats.
    console_login(agent, &stack, AGENT_EMAIL, AGENT_PASSWORD).await?;
    set_presence(agent, "available").await?;

    // The visitor opens the shop and the chat.
    visitor.goto(&stack.demo_url("")).await?;
    let home_url = visitor.current_url().await?.to_string();
    open_widget_panel(visitor).await;
    wait_for("the pre-chat form", async || widget(visitor, "form.rp-prechat").await).await;
    widget(visitor, "form.rp-prechat input[name=name]").await?.send_keys(VISITOR_NAME).await?;
    widget(visitor, "form.rp-prechat input[name=email]").await?.send_keys(VISITOR_EMAIL).await?;
    // The topic is optional; when asked, pick the last choice (or type one).
    let topic: Option<Vec<String>> = match widget(visitor, "form.rp-prechat [name=topic]").await {
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
    widget(visitor, "form.rp-prechat button[type=submit]").await?.click().await?;
    wait_for("the composer after the pre-chat form", async || widget(visitor, "textarea.rp-input").await).await;

    visitor_sends(visitor, FIRST).await?;
    widget_shows(visitor, "the first message", &[FIRST], &[]).await;
    visitor_sends(visitor, SECOND).await?;
    widget_shows(visitor, "both messages", &[FIRST, SECOND], &[]).await;
    wait_for("the visitor's messages to be acknowledged (Sent)", async || {
        let statuses = widget_texts(visitor, WIDGET_STATUSES).await?;
        ensure!(statuses.last().is_some_and(|s| s == "Sent"), "statuses {statuses:?}");
        Ok(())
    })
    .await;
    wait_for("the queue position while nobody has accepted", async || {
        let queue = widget_texts(visitor, ".rp-queue").await?;
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
        let name = single_text(agent, "#chat .chat-visitor-name").await?;
        ensure!(name.contains(VISITOR_NAME), ".chat-visitor-name is {name:?}");
        let detail_name = single_text(agent, ".detail-name").await?;
        ensure!(detail_name.contains(VISITOR_NAME), ".detail-name is {detail_name:?}");
        let email = single_text(agent, ".detail-email").await?;
        ensure!(email.contains(VISITOR_EMAIL), ".detail-email is {email:?}");
        if let Some(topic) = &topic {
            let shown = single_text(agent, ".detail-topic").await?;
            ensure!(topic.iter().any(|t| shown.contains(t.as_str())), ".detail-topic is {shown:?}, expected one of {topic:?}");
        }
        let page = single_text(agent, ".detail-page").await?;
        ensure!(page == home_url, ".detail-page is {page:?}, expected {home_url:?}");
        Ok(())
    })
    .await;
    console_shows(agent, "after accepting", &[FIRST, SECOND], &[]).await;
    ensure!(count(agent, ".chat-item[data-conversation]").await? == 1, "the chat list should hold exactly the accepted chat");

    // The visitor learns who answers, and that the messages were read.
    wait_for("the agent's name in the widget", async || {
        let agent_name = widget_texts(visitor, ".rp-agent").await?;
        ensure!(agent_name.iter().any(|n| n.contains("Mei")), ".rp-agent is {agent_name:?}");
        Ok(())
    })
    .await;
    wait_for("the visitor's last message to read Seen", async || {
        let status = last_status(visitor).await?;
        ensure!(status == "Seen", "status {status:?}");
        Ok(())
    })
    .await;

    // Mei types: the visitor sees it; then she sends.
    agent.find(Locator::Css("textarea#composer")).await?.send_keys(REPLY).await?;
    wait_for("the typing indicator in the widget", async || {
        let typing = widget_texts(visitor, ".rp-typing").await?;
        ensure!(typing.iter().any(|t| t.contains("Mei") && t.to_lowercase().contains("typing")), ".rp-typing is {typing:?}");
        Ok(())
    })
    .await;
    agent.find(Locator::Css("button#send")).await?.click().await?;
    widget_shows(visitor, "the agent's reply", &[FIRST, SECOND], &[REPLY]).await;
    wait_for("the typing indicator to go once the reply is there", async || {
        ensure!(widget_count(visitor, ".rp-typing").await? == 0, ".rp-typing is still shown");
        Ok(())
    })
    .await;

    // The visitor types: Mei sees it; then the visitor sends.
    visitor_types(visitor, THANKS).await?;
    wait_for("the visitor typing indicator in the console", async || {
        ensure!(count(agent, "#chat .typing").await? > 0, "no #chat .typing");
        Ok(())
    })
    .await;
    visitor_types(visitor, &Key::Enter.to_string()).await?;
    let mut from_visitor = vec![FIRST, SECOND, THANKS];
    let mut from_agent = vec![REPLY];
    console_shows(agent, "the visitor's thanks", &from_visitor, &from_agent).await;
    widget_shows(visitor, "the visitor's thanks", &from_visitor, &from_agent).await;

    // A reload keeps the conversation.
    visitor.refresh().await?;
    open_widget_panel(visitor).await;
    widget_shows(visitor, "after a reload", &from_visitor, &from_agent).await;

    // So does another page of the shop; the console follows the visitor.
    visitor.goto(&stack.demo_url("products.html")).await?;
    let products_url = visitor.current_url().await?.to_string();
    open_widget_panel(visitor).await;
    widget_shows(visitor, "on products.html", &from_visitor, &from_agent).await;
    wait_for("the console to show the visitor's new page", async || {
        let page = single_text(agent, ".detail-page").await?;
        ensure!(page == products_url, ".detail-page is {page:?}, expected {products_url:?}");
        Ok(())
    })
    .await;

    // A second tab of the shop shows the same conversation, live.
    let first_tab = visitor.window().await?;
    let second_tab = visitor.new_window(true).await?.handle;
    visitor.switch_to_window(second_tab).await?;
    visitor.goto(&stack.demo_url("faq.html")).await?;
    open_widget_panel(visitor).await;
    widget_shows(visitor, "in a second tab", &from_visitor, &from_agent).await;
    agent_sends(agent, BOTH_TABS).await?;
    from_agent.push(BOTH_TABS);
    widget_shows(visitor, "the agent's message in the second tab", &from_visitor, &from_agent).await;
    visitor.close_window().await?;
    visitor.switch_to_window(first_tab).await?;
    widget_shows(visitor, "the agent's message back in the first tab", &from_visitor, &from_agent).await;

    // The backend goes down. Both sides notice; the visitor writes anyway.
    stack.stop().await;
    wait_for("the widget's reconnecting banner", async || {
        ensure!(widget_visible(visitor, ".rp-banner").await?, "no visible .rp-banner");
        Ok(())
    })
    .await;
    wait_for("the console's connection banner", async || {
        ensure!(visible(agent, "#connection-banner").await?, "no visible #connection-banner");
        Ok(())
    })
    .await;
    visitor_sends(visitor, WHILE_DOWN).await?;
    from_visitor.push(WHILE_DOWN);
    widget_shows(visitor, "the message written while the backend is down", &from_visitor, &from_agent).await;
    let pending = last_status(visitor).await?;
    ensure!(pending != "Sent" && pending != "Seen", "a message sent while the backend is down reads {pending:?}");

    // It comes back on the same ports; the message goes through once.
    stack.resume().await?;
    wait_for_within("the widget to reconnect (banner gone)", RECONNECT, async || {
        ensure!(!widget_visible(visitor, ".rp-banner").await?, ".rp-banner still visible");
        Ok(())
    })
    .await;
    wait_for_within("the console to reconnect (banner gone)", RECONNECT, async || {
        ensure!(!visible(agent, "#connection-banner").await?, "#connection-banner still visible");
        Ok(())
    })
    .await;
    console_shows(agent, "the message written while the backend was down", &from_visitor, &from_agent).await;
    wait_for("the queued message to be delivered (Sent or Seen)", async || {
        let status = last_status(visitor).await?;
        ensure!(status == "Sent" || status == "Seen", "status {status:?}");
        Ok(())
    })
    .await;
    agent_sends(agent, AFTER_RESTART).await?;
    from_agent.push(AFTER_RESTART);
    widget_shows(visitor, "the agent's message after the restart", &from_visitor, &from_agent).await;

    // Markup is text, on both sides, whoever sends it.
    visitor_sends(visitor, HOSTILE).await?;
    from_visitor.push(HOSTILE);
    console_shows(agent, "the visitor's markup-like message", &from_visitor, &from_agent).await;
    agent_sends(agent, HOSTILE).await?;
    from_agent.push(HOSTILE);
    widget_shows(visitor, "the agent's markup-like message", &from_visitor, &from_agent).await;
    console_shows(agent, "the agent's markup-like message", &from_visitor, &from_agent).await;
    ensure!(widget_count(visitor, "ol.rp-log .rp-text img").await? == 0, "a message text in the widget contains an <img>");
    ensure!(count(agent, "#chat .message-list .msg-text img").await? == 0, "a message text in the console contains an <img>");

    // Nothing arrives twice, even a little later.
    tokio::time::sleep(Duration::from_secs(1)).await;
    widget_shows(visitor, "at the end, after a pause", &from_visitor, &from_agent).await;
    console_shows(agent, "at the end, after a pause", &from_visitor, &from_agent).await;

    no_js_errors(visitor, "visitor's").await?;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}
