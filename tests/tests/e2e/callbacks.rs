//! Callbacks as their people meet them: a visitor asks for a call in the
//! widget for a slot a few seconds ahead (the queue has 10-second slots and
//! a 3-second retry delay); at its time the agent is offered it in the
//! console with the number as a `tel:` link, records "no answer", gets it
//! again after the retry delay, and records "connected"; the widget shows
//! each status; the record holds both attempts. An impossible number and a
//! duplicate are refused with their reasons, in English and in Chinese.

use anyhow::{ensure, Context, Result};
use e2e::scenario::World;
use e2e::{axe, open_widget_panel, texts, wait_for, wait_for_within, widget, widget_texts, Stack};
use fantoccini::{Client, Locator};
use protocol::callback::{CallbackOutcome, CallbackStatus};
use protocol::CallbackId;

use crate::support::*;

const WIDGET: Option<&str> = Some("rapport-widget");
const NUMBER: &str = "0912 345 678";
const E164: &str = "+886912345678";

/// The status the widget's callback card shows, and its text.
async fn card(visitor: &Client) -> Result<(String, String)> {
    let status = widget(visitor, ".rp-cb-status").await?;
    Ok((status.attr("data-status").await?.unwrap_or_default(), status.text().await?))
}

async fn card_says(visitor: &Client, status: &str) {
    wait_for(&format!("the widget's callback card to say {status}"), async || {
        let (shown, text) = card(visitor).await?;
        ensure!(shown == status, "the card is {shown:?}: {text:?}");
        Ok(())
    })
    .await;
}

/// Opens the callback form from the widget's header and waits for its
/// choices (countries and slots) to arrive.
async fn open_form(visitor: &Client) -> Result<()> {
    widget(visitor, "button.rp-call").await?.click().await?;
    wait_for("the callback form with its slots", async || {
        widget(visitor, "form.rp-cb-form select[name=country]").await?;
        Ok(())
    })
    .await;
    Ok(())
}

/// Fills the form as a person does and sends it; `slot` picks the second
/// time offered (10 to 20 s ahead, so the form is sent well before it)
/// rather than "as soon as possible".
async fn ask(visitor: &Client, name: &str, country: &str, number: &str, slot: bool) -> Result<()> {
    let name_field = widget(visitor, "form.rp-cb-form input[name=name]").await?;
    name_field.clear().await?;
    name_field.send_keys(name).await?;
    widget(visitor, "form.rp-cb-form select[name=country]").await?.select_by_value(country).await?;
    let phone = widget(visitor, "form.rp-cb-form input[name=phone]").await?;
    phone.clear().await?;
    phone.send_keys(number).await?;
    if slot {
        widget(visitor, "form.rp-cb-form input[name=when][value=at]").await?.click().await?;
        widget(visitor, "form.rp-cb-form select[name=slot]").await?.select_by_index(1).await?;
    }
    widget(visitor, "form.rp-cb-form button[type=submit]").await?.click().await?;
    Ok(())
}

async fn refused_with(visitor: &Client, words: &str) {
    wait_for(&format!("the refusal {words:?}"), async || {
        let error = widget_texts(visitor, ".rp-cb-error").await?.join(" ");
        ensure!(error.contains(words), "the form says {error:?}");
        Ok(())
    })
    .await;
}

/// The agent accepts the callback offered, the visitor's widget says an
/// agent is calling, and the agent records how the call went.
async fn agent_calls(agent: &Client, visitor: &Client, outcome: &str, notes: &str) -> Result<()> {
    // A slot is up to 20 s ahead.
    let offer = wait_for_within("a callback offer", std::time::Duration::from_secs(30), async || {
        let offer = agent.find(Locator::Css(".offer[data-conversation]")).await?;
        let badge = offer.find(Locator::Css(".badge-callback")).await?.text().await?;
        ensure!(badge == "Callback", "the offer's badge reads {badge:?}");
        Ok(offer)
    })
    .await;
    offer.find(Locator::Css("button.accept")).await?.click().await?;
    let dial = wait_for("the screen pop with the number", async || {
        let dial = agent.find(Locator::Css(".callback-pane a#dial")).await?;
        let href = dial.attr("href").await?.unwrap_or_default();
        ensure!(href == format!("tel:{E164}"), "the dial link goes to {href:?}");
        Ok(dial)
    })
    .await;
    ensure!(dial.text().await?.contains(E164), "the dial link does not show the number");
    let name = texts(agent, ".callback-pane .callback-name").await?;
    ensure!(name == [VISITOR_NAME], "the screen pop names {name:?}");
    card_says(visitor, "calling").await;
    agent.find(Locator::Css("select#call-outcome")).await?.select_by_value(outcome).await?;
    agent.find(Locator::Css("textarea#call-notes")).await?.send_keys(notes).await?;
    agent.find(Locator::Css("button#record-call")).await?.click().await?;
    wait_for("the call recorded", async || {
        ensure!(agent.find(Locator::Css("form#disposition")).await.is_err(), "the disposition form is still open");
        Ok(())
    })
    .await;
    Ok(())
}

pub async fn a_visitor_schedules_a_callback_and_the_agent_calls_until_someone_answers(world: &World) -> Result<()> {
    let home = std::fs::read_to_string(e2e::demo_dir()?.join("index.html"))?;
    let chinese = home.replacen("<html lang=\"en\">", "<html lang=\"zh-Hant\">", 1);
    let stack = Stack::start_with_pages(&[("zh.html", &chinese)]).await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    let store = stack.store()?;
    let site = store.sites().await?.into_iter().next().context("the demo site")?;
    let mut queue = store.queue(store.default_queue(site.id).await?).await?.context("the default queue")?;
    queue.config.callbacks.slot_secs = 10;
    queue.config.callbacks.retry_delay_secs = 3;
    store.update_queue(queue.id, &queue.config).await?;

    console_login(agent, &stack, e2e::AGENT_EMAIL, e2e::AGENT_PASSWORD).await?;
    set_presence(agent, "available").await?;

    visitor.goto(&stack.demo_url("")).await?;
    open_widget_panel(visitor).await;
    open_form(visitor).await?;
    axe::check(visitor, "the callback form", WIDGET).await?;
    // An impossible number is refused with the reason.
    ask(visitor, VISITOR_NAME, "TW", "12", true).await?;
    refused_with(visitor, "That phone number is not valid").await;
    ask(visitor, VISITOR_NAME, "TW", NUMBER, true).await?;
    card_says(visitor, "scheduled").await;
    let (_, text) = card(visitor).await?;
    ensure!(text.contains(E164), "the card does not name the number: {text:?}");

    // At its time the agent is offered it; the visitor's widget says calling.
    agent_calls(agent, visitor, CallbackOutcome::NoAnswer.as_str(), "Rang out").await?;
    card_says(visitor, "scheduled").await;
    axe::check(visitor, "the callback card", WIDGET).await?;
    // After the retry delay it comes back; this time someone answers.
    wait_for("the callback offered again", async || Ok(agent.find(Locator::Css(".offer .badge-callback")).await?)).await;
    axe::check(agent, "a callback offer", None).await?;
    agent_calls(agent, visitor, CallbackOutcome::Connected.as_str(), "Refund explained").await?;
    card_says(visitor, "completed").await;
    axe::check(agent, "the callback's screen pop", None).await?;

    let record = store.callback(CallbackId(1)).await?.context("the callback")?;
    ensure!(record.status == CallbackStatus::Completed && record.attempts == 2, "the record is {record:?}");
    let attempts = store.callback_attempts(record.id).await?;
    let outcomes: Vec<_> = attempts.iter().map(|a| (a.outcome, a.notes.as_str())).collect();
    ensure!(outcomes == [(CallbackOutcome::NoAnswer, "Rang out"), (CallbackOutcome::Connected, "Refund explained")], "attempts {outcomes:?}");

    // A new callback for the same number stays open...
    open_form(visitor).await?;
    ask(visitor, VISITOR_NAME, "TW", NUMBER, true).await?;
    card_says(visitor, "scheduled").await;
    set_presence(agent, "away").await?;
    // ...so someone else asking for it is refused, in English and in Chinese.
    let first_window = visitor.window().await?;
    let second_window = visitor.new_window(false).await?.handle;
    visitor.switch_to_window(second_window).await?;
    let other_origin = format!("http://localhost:{}", stack.demo_addr().port());
    visitor.goto(&format!("{other_origin}/")).await?;
    open_widget_panel(visitor).await;
    open_form(visitor).await?;
    ask(visitor, "Bo Visitor", "TW", NUMBER, false).await?;
    refused_with(visitor, "A callback to this number is already planned").await;
    visitor.goto(&format!("{other_origin}/zh.html")).await?;
    open_widget_panel(visitor).await;
    open_form(visitor).await?;
    ask(visitor, "陳小明", "TW", "12", false).await?;
    refused_with(visitor, "這個電話號碼無效").await;
    ask(visitor, "陳小明", "TW", NUMBER, false).await?;
    refused_with(visitor, "這個號碼已經有一個待回電的請求").await;
    visitor.close_window().await?;
    visitor.switch_to_window(first_window).await?;

    no_js_errors(visitor, "visitor's").await?;
    no_js_errors(agent, "console's").await?;
    stack.shutdown().await;
    Ok(())
}
