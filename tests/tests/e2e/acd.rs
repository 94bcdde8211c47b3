//! The ACD as its people meet it: an admin sets up a skill, a queue and an
//! entry rule in the console, and the next visitor who picks that topic
//! reaches the agent with the skill; outside business hours the visitor is
//! told so and leaves a message, which an agent finds and answers. Every
//! new screen passes axe.

use anyhow::{ensure, Context, Result};
use e2e::scenario::World;
use e2e::{axe, open_widget_panel, texts, wait_for, widget, widget_texts, Stack};
use fantoccini::{Client, Locator};

use crate::support::*;

/// Presses a button of the offer. The offer is drawn afresh when its
/// preview changes (the visitor wrote while it was out), so a press that
/// lands on the old card is retried on the new one.
async fn press_on_offer(client: &Client, what: &str, button: &str) {
    wait_for(what, async || {
        let offer = client.find(Locator::Css(".offer[data-conversation]")).await?;
        offer.find(Locator::Css(button)).await?.click().await?;
        Ok(())
    })
    .await;
}

/// The visitor fills the pre-chat form with `topic` and starts the chat.
async fn visitor_asks_about(visitor: &Client, stack: &Stack, topic: &str) -> Result<()> {
    visitor.goto(&stack.demo_url("")).await?;
    open_widget_panel(visitor).await;
    wait_for("the pre-chat form", async || widget(visitor, "form.rp-prechat").await).await;
    widget(visitor, "form.rp-prechat input[name=name]").await?.send_keys(VISITOR_NAME).await?;
    widget(visitor, "form.rp-prechat input[name=email]").await?.send_keys(VISITOR_EMAIL).await?;
    widget(visitor, "form.rp-prechat select[name=topic]").await?.select_by_value(topic).await?;
    widget(visitor, "form.rp-prechat button[type=submit]").await?.click().await?;
    Ok(())
}

pub async fn an_admin_sets_up_a_queue_in_the_console_and_the_next_visitor_is_routed_by_it(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    console_login(agent, &stack, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    click(agent, "#nav-admin").await?;

    // A skill...
    click(agent, "#admin-skills").await?;
    click(agent, "#new-skill").await?;
    fill(agent, "#skill-name", "Billing").await?;
    click(agent, "#save-skill").await?;
    wait_for("the new skill", async || {
        ensure!(texts(agent, ".table tbody th").await?.iter().any(|t| t == "Billing"), "no Billing row");
        Ok(())
    })
    .await;
    axe::check(agent, "skills and teams", None).await?;

    // ...that Ada has, at level 3...
    click(agent, "#admin-agents").await?;
    edit_row(agent, ADMIN_NAME).await?;
    let level = wait_for("the skill's level", async || Ok(agent.find(Locator::Css("select[id^=agent-skill-]")).await?)).await;
    level.select_by_value("3").await?;
    click(agent, "#save-agent").await?;
    saved(agent, "Ada's skill saved").await;
    axe::check(agent, "the agent form", None).await?;

    // ...a queue that needs it...
    click(agent, "#admin-queues").await?;
    click(agent, "#new-queue").await?;
    fill(agent, "#queue-name", "Billing").await?;
    click(agent, "input[id^=queue-skill-]").await?;
    fill(agent, "#queue-level", "1").await?;
    fill(agent, "#queue-wrap-secs", "60").await?;
    fill(agent, "#queue-codes", "refund, question").await?;
    axe::check(agent, "the queue form", None).await?;
    click(agent, "#save-queue").await?;
    wait_for("the new queue in the list", async || {
        ensure!(texts(agent, ".table tbody th").await?.iter().any(|t| t == "Billing"), "no Billing row");
        Ok(())
    })
    .await;

    // ...and the entry rule that fills it.
    click(agent, "#admin-sites").await?;
    edit_row(agent, "demo-shop").await?;
    click(agent, "#add-rule").await?;
    wait_for("the rule's queue choice", async || Ok(agent.find(Locator::Css("#rule-0-queue")).await?)).await.select_by_label("Billing").await?;
    fill(agent, "#rule-0-topic", "Billing").await?;
    click(agent, "#save-rules").await?;
    saved(agent, "the entry rule saved").await;
    axe::check(agent, "sites and entry rules", None).await?;
    click(agent, "#admin-audit").await?;
    wait_for("the audit log", async || {
        ensure!(texts(agent, ".table tbody td").await?.iter().any(|t| t == "create queue"), "no 'create queue' line");
        Ok(())
    })
    .await;

    // Ada takes chats; a visitor asks about billing and reaches her.
    click(agent, "#nav-inbox").await?;
    set_presence(agent, "available").await?;
    visitor_asks_about(visitor, &stack, "Billing").await?;
    let offer = wait_for("the billing offer", async || Ok(agent.find(Locator::Css(".offer[data-conversation]")).await?)).await;
    let badge = offer.find(Locator::Css(".badge-queue")).await?.text().await?;
    ensure!(badge == "Billing", "the offer came from queue {badge:?}");
    offer.find(Locator::Css("button.accept")).await?.click().await?;
    wait_for("the chat pane", async || Ok(agent.find(Locator::Css("textarea#composer")).await?)).await;
    visitor_sends(visitor, "I was charged twice").await?;
    agent_sends(agent, "Let me refund one of them.").await?;
    widget_shows(visitor, "the reply", &["I was charged twice"], &["Let me refund one of them."]).await;

    // The transfer dialog, checked and closed by keyboard.
    click(agent, "#transfer-chat").await?;
    wait_for("the transfer dialog", async || Ok(agent.find(Locator::Css("[role=dialog] #transfer-target")).await?)).await;
    axe::check(agent, "the transfer dialog", None).await?;
    agent.find(Locator::Css("#transfer-note")).await?.send_keys(fantoccini::key::Key::Escape.to_string().as_str()).await?;
    wait_for("the dialog to close", async || {
        ensure!(agent.find_all(Locator::Css("[role=dialog]")).await?.is_empty(), "still open");
        Ok(())
    })
    .await;

    // Ending the chat asks for its wrap-up code.
    click(agent, "#end-chat").await?;
    let code = wait_for("the wrap-up form", async || Ok(agent.find(Locator::Css("#wrap-up-code")).await?)).await;
    axe::check(agent, "the wrap-up form", None).await?;
    code.select_by_value("refund").await?;
    click(agent, "#wrap-up-save").await?;
    wait_for("the wrap-up to be recorded", async || {
        ensure!(agent.find_all(Locator::Css("#wrap-up-code")).await?.is_empty(), "the form is still there");
        Ok(())
    })
    .await;

    // The floor shows the queue and today's figures.
    click(agent, "#nav-floor").await?;
    wait_for("the floor's report", async || {
        let cells = texts(agent, "section[aria-labelledby=floor-report] tbody th").await?;
        ensure!(cells.iter().any(|t| t == "Billing"), "report rows {cells:?}");
        Ok(())
    })
    .await;
    axe::check(agent, "the floor", None).await?;
    no_js_errors(visitor, "visitor's").await?;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}

pub async fn outside_business_hours_the_visitor_leaves_a_message_that_an_agent_answers(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    console_login(agent, &stack, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    click(agent, "#nav-admin").await?;
    edit_row(agent, "General").await?;
    // Not always open, and no hours on any day: closed.
    click(agent, "#queue-hours-always-open").await?;
    fill(agent, "#queue-hours-zone", "Asia/Taipei").await?;
    click(agent, "#save-queue").await?;
    saved(agent, "the hours saved").await;

    visitor_asks_about(visitor, &stack, "Products").await?;
    wait_for("the closed notice", async || {
        let notice = widget_texts(visitor, ".rp-ended").await?.join(" ");
        ensure!(notice.contains("closed"), "the widget says {notice:?}");
        Ok(())
    })
    .await;
    axe::check(visitor, "the widget outside business hours", WIDGET).await?;
    // The composer takes the message for the team.
    visitor_sends(visitor, "Please call me back tomorrow").await?;
    wait_for("the thanks", async || {
        let texts = widget_texts(visitor, ".rp-ended").await?;
        ensure!(texts.iter().any(|t| t.contains("Thank you")), "texts {texts:?}");
        Ok(())
    })
    .await;

    click(agent, "#nav-leftmessages").await?;
    let item = wait_for("the left message", async || {
        Ok(agent.find(Locator::XPath("//li[contains(@class,'left-item')][contains(., 'Please call me back tomorrow')]")).await?)
    })
    .await;
    axe::check(agent, "the left messages", None).await?;
    item.find(Locator::Css("button.answer-left")).await?.click().await?;
    wait_for("the follow-up chat", async || Ok(agent.find(Locator::Css("textarea#composer")).await?)).await;
    console_shows(agent, "the left message in the chat", &["Please call me back tomorrow"], &[]).await;
    agent_sends(agent, "We will call you at ten.").await?;
    console_shows(agent, "the answer", &["Please call me back tomorrow"], &["We will call you at ten."]).await;

    // The visitor comes back and finds the answer.
    visitor.refresh().await?;
    open_widget_panel(visitor).await;
    widget_shows(visitor, "the answer in the widget", &["Please call me back tomorrow"], &["We will call you at ten."]).await;
    let store = stack.store().context("the stack's store")?;
    ensure!(store.queues().await?.iter().any(|q| q.config.hours.is_some()), "the hours were saved");
    no_js_errors(visitor, "visitor's").await?;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}

/// Two agents in real browsers (Sam in a second window of the visitor's
/// browser): Mei, idle longest, is offered the chat and declines; it goes
/// to Sam, who answers and transfers it to Mei with a note; Mei's offer
/// shows who handed it over and why, the history comes along, and the
/// visitor reads whom they are being transferred to.
pub async fn a_declined_offer_goes_to_the_other_agent_and_a_transfer_carries_the_note(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    console_login(agent, &stack, e2e::AGENT_EMAIL, e2e::AGENT_PASSWORD).await?;
    set_presence(agent, "available").await?;
    let visitor_window = visitor.window().await?;
    let sam_window = visitor.new_window(false).await?.handle;
    visitor.switch_to_window(sam_window.clone()).await?;
    console_login(visitor, &stack, "sam@rapport.demo", e2e::AGENT_PASSWORD).await?;
    set_presence(visitor, "available").await?;

    visitor.switch_to_window(visitor_window.clone()).await?;
    visitor_starts_chat(visitor, &stack, VISITOR_NAME).await?;
    visitor_sends(visitor, "I need help with a refund").await?;

    // Mei has been idle longest: hers first. She declines.
    press_on_offer(agent, "Mei's offer", "button.decline").await;

    // It goes to Sam, who takes it and hands it back with a note.
    visitor.switch_to_window(sam_window.clone()).await?;
    press_on_offer(visitor, "Sam's offer", "button.accept").await;
    wait_for("Sam's chat", async || Ok(visitor.find(Locator::Css("textarea#composer")).await?)).await;
    console_shows(visitor, "the history at Sam's", &["I need help with a refund"], &[]).await;
    click(visitor, "#transfer-chat").await?;
    wait_for("the transfer targets", async || Ok(visitor.find(Locator::Css("#transfer-target option[value^='agent:']:not([disabled])")).await?)).await;
    visitor.find(Locator::Css("#transfer-target")).await?.select_by_label(e2e::AGENT_NAME).await?;
    visitor.find(Locator::Css("#transfer-note")).await?.send_keys("Order 1042, refund approved").await?;
    click(visitor, "#transfer-send").await?;

    // Mei sees who handed it over, and the note; the history comes along.
    let offer = wait_for("Mei's transferred offer", async || {
        let offer = agent.find(Locator::Css(".offer[data-conversation]")).await?;
        let note = offer.find(Locator::Css(".offer-transfer-note")).await?.text().await?;
        ensure!(note == "Order 1042, refund approved", "the note reads {note:?}");
        Ok(offer)
    })
    .await;
    let by = offer.find(Locator::Css(".offer-transfer-by")).await?.text().await?;
    ensure!(by.contains("Sam Lee"), "the offer says {by:?}");
    offer.find(Locator::Css("button.accept")).await?.click().await?;
    wait_for("Mei's chat", async || Ok(agent.find(Locator::Css("textarea#composer")).await?)).await;
    console_shows(agent, "the history at Mei's", &["I need help with a refund"], &[]).await;

    // The visitor reads whom they are being transferred to.
    visitor.switch_to_window(visitor_window).await?;
    wait_for("the transfer notice in the widget", async || {
        let notices = widget_texts(visitor, ".rp-msg-system").await?.join(" ");
        ensure!(notices.contains(e2e::AGENT_NAME), "system lines {notices:?}");
        Ok(())
    })
    .await;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}

/// With capacity 1, a second visitor (a second window on the shop's other
/// origin, `localhost`, so with an identity of their own) waits at
/// position 1 with an estimate, and reaches the agent when the first chat
/// ends.
pub async fn with_capacity_one_a_second_visitor_waits_in_line_with_an_estimate(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    let store = stack.store()?;
    let mei = store.agents_for_admin().await?.into_iter().find(|a| a.email == e2e::AGENT_EMAIL).context("Mei")?;
    let change = rapport::store::AgentChange {
        name: &mei.name,
        email: &mei.email,
        role: mei.role,
        capacity: 1,
        sites: &mei.sites,
        password_hash: None,
        disabled: false,
    };
    store.update_agent(mei.id, change).await?;
    agent_takes_next_chat_after(agent, &stack, async || visitor_starts_chat(visitor, &stack, VISITOR_NAME).await).await?;

    // The second visitor, in a window of their own.
    let first_window = visitor.window().await?;
    let second_window = visitor.new_window(false).await?.handle;
    visitor.switch_to_window(second_window.clone()).await?;
    visitor.goto(&format!("http://localhost:{}/", stack.demo_addr().port())).await?;
    e2e::open_widget_panel(visitor).await;
    wait_for("the second pre-chat form", async || widget(visitor, "form.rp-prechat").await).await;
    widget(visitor, "form.rp-prechat input[name=name]").await?.send_keys("Bo Visitor").await?;
    widget(visitor, "form.rp-prechat input[name=email]").await?.send_keys("bo@example.com").await?;
    widget(visitor, "form.rp-prechat button[type=submit]").await?.click().await?;
    wait_for("the place in line with an estimate", async || {
        let line = widget_texts(visitor, ".rp-queue").await?.join(" ");
        ensure!(line.contains("number 1") && line.contains("Expected wait"), "the widget says {line:?}");
        Ok(())
    })
    .await;
    axe::check(visitor, "the widget while waiting in line", WIDGET).await?;

    // Mei ends the first chat; the second visitor is offered to her.
    click(agent, "#end-chat").await?;
    let offer = wait_for("the second visitor's offer", async || {
        let offer = agent.find(Locator::Css(".offer[data-conversation]")).await?;
        let name = offer.find(Locator::Css(".offer-name")).await?.text().await?;
        ensure!(name == "Bo Visitor", "the offer is for {name:?}");
        Ok(offer)
    })
    .await;
    offer.find(Locator::Css("button.accept")).await?.click().await?;
    wait_for("the second visitor out of the line", async || {
        ensure!(widget_texts(visitor, ".rp-queue").await?.is_empty(), "still in line");
        Ok(())
    })
    .await;
    visitor.close_window().await?;
    visitor.switch_to_window(first_window).await?;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}

/// An admin makes the default queue a manual-pick one in the console; the
/// next visitor waits on the shared list of the inbox, where the admin
/// (also an agent) picks them.
pub async fn in_a_manual_queue_the_agent_picks_the_visitor_from_the_shared_list(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    console_login(agent, &stack, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    click(agent, "#nav-admin").await?;
    edit_row(agent, "General").await?;
    wait_for("the strategy choice", async || Ok(agent.find(Locator::Css("#queue-strategy")).await?)).await.select_by_value("manual").await?;
    click(agent, "#save-queue").await?;
    saved(agent, "the manual strategy saved").await;
    click(agent, "#nav-inbox").await?;
    set_presence(agent, "available").await?;

    visitor_starts_chat(visitor, &stack, VISITOR_NAME).await?;
    let item = wait_for("the visitor on the shared list", async || {
        let item = agent.find(Locator::Css(".pickable")).await?;
        let name = item.find(Locator::Css(".offer-name")).await?.text().await?;
        ensure!(name == VISITOR_NAME, "the list shows {name:?}");
        Ok(item)
    })
    .await;
    ensure!(agent.find_all(Locator::Css(".offer:not(.pickable)")).await?.is_empty(), "a manual queue made an offer");
    axe::check(agent, "the inbox with the shared list", None).await?;
    item.find(Locator::Css("button.pick")).await?.click().await?;
    wait_for("the picked chat", async || Ok(agent.find(Locator::Css("textarea#composer")).await?)).await;
    wait_for("the visitor out of the line", async || {
        ensure!(widget_texts(visitor, ".rp-queue").await?.is_empty(), "still in line");
        Ok(())
    })
    .await;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}

/// Mei signs in and goes available, `arrive` brings a visitor, and she
/// accepts their offer; returns once the chat is open in the console.
async fn agent_takes_next_chat_after(agent: &Client, stack: &Stack, arrive: impl AsyncFnOnce() -> Result<()>) -> Result<()> {
    console_login(agent, stack, e2e::AGENT_EMAIL, e2e::AGENT_PASSWORD).await?;
    set_presence(agent, "available").await?;
    arrive().await?;
    let offer = wait_for("an offer in the console", async || Ok(agent.find(Locator::Css(".offer[data-conversation]")).await?)).await;
    offer.find(Locator::Css("button.accept")).await?.click().await?;
    wait_for("the chat pane", async || Ok(agent.find(Locator::Css("textarea#composer")).await?)).await;
    Ok(())
}
