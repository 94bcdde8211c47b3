//! A long conversation opens at its newest messages; scrolling up (here by
//! keyboard, as a keyboard user would) brings the older ones in, page by
//! page, in the widget and in the console.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use e2e::keys::type_at;
use e2e::scenario::World;
use e2e::{open_widget_panel, texts, wait_for, widget, widget_texts, Stack};
use fantoccini::key::Key;
use fantoccini::Locator;
use protocol::{Author, ClientId, ConversationStatus, MessageText};
use rapport::store::NewMessage;

use crate::support::*;

const TOTAL: usize = 120;

fn line(n: usize) -> String {
    format!("line {n}")
}

/// Presses Page Up a few times on whatever has the focus.
async fn page_up(client: &fantoccini::Client) -> Result<()> {
    let keys: String = std::iter::repeat_n(Key::PageUp.to_string(), 4).collect();
    type_at(client, &keys, Duration::from_millis(80)).await
}

pub async fn older_messages_load_as_the_reader_scrolls_up(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    visitor_starts_chat(visitor, &stack, VISITOR_NAME).await?;
    visitor_sends(visitor, &line(1)).await?;
    widget_shows(visitor, "the first line", &[&line(1)], &[]).await;

    // The rest of a long conversation, straight into the store.
    let store = stack.store()?;
    let conversation = store.conversations_with_status(ConversationStatus::Queued).await?.pop().context("no queued conversation")?;
    for n in 2..=TOTAL {
        let message = NewMessage {
            conversation_id: conversation.id,
            client_id: ClientId::parse(format!("seed-{n}"))?,
            author: Author::Visitor,
            author_name: VISITOR_NAME.into(),
            agent_id: None,
            text: MessageText::parse(line(n))?,
            file: None,
        };
        store.append_message(message).await?;
    }

    // A reload shows the newest page only.
    visitor.refresh().await?;
    open_widget_panel(visitor).await;
    let newest: Vec<String> = (TOTAL - 49..=TOTAL).map(line).collect();
    wait_for("the newest page in the widget", async || {
        let shown = widget_texts(visitor, WIDGET_VISITOR_TEXTS).await?;
        ensure!(shown == newest, "the widget shows {} lines, from {:?}", shown.len(), shown.first());
        Ok(())
    })
    .await;
    // Scrolling up with the keyboard brings in every older page.
    widget(visitor, ".rp-scroll").await?.click().await?;
    let everything: Vec<String> = (1..=TOTAL).map(line).collect();
    wait_for("every line in the widget", async || {
        page_up(visitor).await?;
        let shown = widget_texts(visitor, WIDGET_VISITOR_TEXTS).await?;
        ensure!(shown == everything, "the widget shows {} lines, from {:?}", shown.len(), shown.first());
        Ok(())
    })
    .await;

    // The agent accepts and scrolls back the same way.
    agent_takes_next_chat(agent, &stack).await?;
    wait_for("the newest page in the console", async || {
        let shown = texts(agent, CONSOLE_VISITOR_TEXTS).await?;
        ensure!(shown == newest, "the console shows {} lines, from {:?}", shown.len(), shown.first());
        Ok(())
    })
    .await;
    agent.find(Locator::Css("#chat .messages")).await?.click().await?;
    wait_for("every line in the console", async || {
        page_up(agent).await?;
        let shown = texts(agent, CONSOLE_VISITOR_TEXTS).await?;
        ensure!(shown == everything, "the console shows {} lines, from {:?}", shown.len(), shown.first());
        Ok(())
    })
    .await;
    no_js_errors(visitor, "visitor's").await?;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}
