//! People type while the other side types and replies; nothing they type
//! may be lost, moved or sent twice. Keys are real key events at a human
//! pace, sent to whatever has the focus, so a composer that loses focus or
//! its text fails here as it would fail a person.

use std::time::Duration;

use anyhow::{ensure, Result};
use e2e::keys::{press_enter, type_at, FAST, STEADY};
use e2e::scenario::World;
use e2e::{widget, Stack};
use fantoccini::Locator;

use crate::support::*;

const VISITOR_DRAFT: &str = "I ordered a blue kettle last week and it has not arrived yet. Order 1234, could you check?";
const AGENT_DRAFT: &str = "Thanks for waiting. Your kettle left our warehouse on Monday and should arrive tomorrow.";
const REPLIES: [&str; 3] = ["Hi, I am here.", "Let me look that up.", "One moment please."];
const INTERRUPTIONS: [&str; 3] = ["ok", "thank you", "still here"];

pub async fn drafts_survive_whatever_the_other_side_does(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    visitor_starts_chat(visitor, &stack, VISITOR_NAME).await?;
    visitor_sends(visitor, "Hello").await?;
    agent_takes_next_chat(agent, &stack).await?;
    console_shows(agent, "the first message", &["Hello"], &[]).await;

    // The visitor writes a long question while the agent types and sends
    // three replies (with typing indicators, acks and read receipts
    // arriving throughout).
    widget(visitor, "textarea.rp-input").await?.click().await?;
    let agent_acts = async {
        for reply in REPLIES {
            agent.find(Locator::Css("textarea#composer")).await?.click().await?;
            type_at(agent, reply, FAST).await?;
            press_enter(agent).await?;
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        anyhow::Ok(())
    };
    tokio::try_join!(type_at(visitor, VISITOR_DRAFT, STEADY), agent_acts)?;
    widget_shows(visitor, "the three replies", &["Hello"], &REPLIES).await;
    let draft = widget_composer(visitor).await?;
    ensure!(draft.value == VISITOR_DRAFT, "the widget's draft became {:?}", draft.value);
    ensure!(draft.focused, "the widget's composer lost the focus");
    ensure!(draft.caret == VISITOR_DRAFT.encode_utf16().count(), "the caret moved to {}", draft.caret);
    press_enter(visitor).await?;
    console_shows(agent, "the long question", &["Hello", VISITOR_DRAFT], &REPLIES).await;

    // Now the agent writes a long answer while the visitor sends three
    // short messages.
    agent.find(Locator::Css("textarea#composer")).await?.click().await?;
    let visitor_acts = async {
        for message in INTERRUPTIONS {
            type_at(visitor, message, FAST).await?;
            press_enter(visitor).await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        anyhow::Ok(())
    };
    tokio::try_join!(type_at(agent, AGENT_DRAFT, STEADY), visitor_acts)?;
    let mut from_visitor = vec!["Hello", VISITOR_DRAFT];
    from_visitor.extend(INTERRUPTIONS);
    console_shows(agent, "the interruptions", &from_visitor, &REPLIES).await;
    let draft = console_composer(agent).await?;
    ensure!(draft.value == AGENT_DRAFT, "the console's draft became {:?}", draft.value);
    ensure!(draft.focused, "the console's composer lost the focus");
    press_enter(agent).await?;
    let mut from_agent = REPLIES.to_vec();
    from_agent.push(AGENT_DRAFT);
    widget_shows(visitor, "the long answer", &from_visitor, &from_agent).await;

    no_js_errors(visitor, "visitor's").await?;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}

pub async fn a_burst_typed_by_keyboard_arrives_whole_and_in_order(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    visitor_starts_chat(visitor, &stack, VISITOR_NAME).await?;
    visitor_sends(visitor, "Hello").await?;
    agent_takes_next_chat(agent, &stack).await?;

    // Thirty short messages, typed and sent one after another without
    // touching the mouse, while the agent is typing.
    let burst: Vec<String> = (1..=30).map(|i| format!("burst {i}")).collect();
    widget(visitor, "textarea.rp-input").await?.click().await?;
    agent.find(Locator::Css("textarea#composer")).await?.click().await?;
    let visitor_types_burst = async {
        for message in &burst {
            type_at(visitor, message, FAST).await?;
            press_enter(visitor).await?;
        }
        anyhow::Ok(())
    };
    tokio::try_join!(visitor_types_burst, type_at(agent, AGENT_DRAFT, STEADY))?;
    let mut expected = vec!["Hello"];
    expected.extend(burst.iter().map(String::as_str));
    widget_shows(visitor, "the burst", &expected, &[]).await;
    console_shows(agent, "the burst", &expected, &[]).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    console_shows(agent, "the burst, a moment later", &expected, &[]).await;
    ensure!(widget_composer(visitor).await?.value.is_empty(), "text was left in the widget's composer");
    ensure!(console_composer(agent).await?.value == AGENT_DRAFT, "the agent's draft changed during the burst");
    no_js_errors(visitor, "visitor's").await?;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}
