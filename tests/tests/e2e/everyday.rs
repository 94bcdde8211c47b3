//! The everyday features people bring from other chat products: the
//! site's appearance set in the console, notifications that make sure an
//! agent never misses an offer, unread counts in tab titles, and saved
//! replies typed as `/shortcut`.

use anyhow::{ensure, Result};
use e2e::scenario::World;
use e2e::{axe, texts, wait_for, Stack};
use fantoccini::{Client, Locator};

use crate::support::*;

/// The launcher as the page shows it: background colour, distance from
/// the left edge, the window's width and its text.
async fn launcher(visitor: &Client) -> Result<(String, f64, f64, String)> {
    let js = "const l = document.querySelector('rapport-widget').shadowRoot.querySelector('.rp-launcher');
              const r = l.getBoundingClientRect();
              return [getComputedStyle(l).backgroundColor, r.left, window.innerWidth, l.textContent];";
    let v = visitor.execute(js, vec![]).await?;
    let field = |i: usize| v.get(i).cloned().unwrap_or_default();
    Ok((
        field(0).as_str().unwrap_or_default().to_string(),
        field(1).as_f64().unwrap_or_default(),
        field(2).as_f64().unwrap_or_default(),
        field(3).as_str().unwrap_or_default().to_string(),
    ))
}

pub async fn an_admin_restyles_the_widget_and_a_fresh_page_shows_it(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, admin) = (&world.visitor, &world.agent);
    console_login(admin, &stack, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    click(admin, "#nav-admin").await?;
    click(admin, "#admin-sites").await?;
    edit_row(admin, "demo-shop").await?;

    // A light gold: the preview says at once that white cannot be read on
    // it, and the server refuses it with the reason.
    fill(admin, "#site-accent", "#ffd700").await?;
    wait_for("the preview's contrast warning", async || {
        let said = single_text(admin, "#appearance-contrast").await?;
        ensure!(said.contains("1.4:1"), "the preview says {said:?}");
        Ok(())
    })
    .await;
    click(admin, "#save-site").await?;
    wait_for("the refusal", async || {
        let errors = texts(admin, ".form-error").await?;
        ensure!(errors.iter().any(|e| e.contains("contrast") && e.contains("darker")), "errors: {errors:?}");
        Ok(())
    })
    .await;

    // A deep purple, on the left, with a label.
    fill(admin, "#site-accent", "#7a1fa2").await?;
    admin.find(Locator::Css("#site-side")).await?.select_by_value("left").await?;
    fill(admin, "#site-launcher", "Ask us").await?;
    wait_for("the preview on the left", async || {
        ensure!(e2e::count(admin, ".appearance-left .appearance-wide").await? == 1, "the preview has not moved");
        Ok(())
    })
    .await;
    axe::check(admin, "the site form with its appearance preview", None).await?;
    click(admin, "#save-site").await?;
    saved(admin, "the new appearance").await;

    // A fresh page of the shop: no redeploy, the next load shows it.
    visitor.goto(&stack.demo_url("")).await?;
    wait_for("the restyled launcher", async || {
        let (colour, left, width, text) = launcher(visitor).await?;
        ensure!(colour == "rgb(122, 31, 162)", "launcher colour {colour}");
        ensure!(left < width / 2.0, "the launcher is at x={left} of {width}");
        ensure!(text.contains("Ask us"), "launcher text {text:?}");
        Ok(())
    })
    .await;
    axe::check(visitor, "the labelled launcher on the left", WIDGET).await?;
    e2e::open_widget_panel(visitor).await;
    wait_for("the panel on the left", async || {
        let v = visitor
            .execute("const p = document.querySelector('rapport-widget').shadowRoot.querySelector('.rp-panel'); return p.getBoundingClientRect().left < window.innerWidth / 2", vec![])
            .await?;
        ensure!(v.as_bool() == Some(true), "the panel is not on the left");
        Ok(())
    })
    .await;
    Ok(())
}

/// Replaces the page's Notification API with one that records every
/// notification shown and grants permission when asked, so the test reads
/// what the console asked the browser to show.
const RECORD_NOTIFICATIONS: &str = "window.__notes = [];
    window.Notification = class {
        constructor(title, options) { window.__notes.push(title + ' | ' + ((options && options.body) || '')); }
        static get permission() { return window.__granted ? 'granted' : 'default'; }
        static requestPermission() { window.__granted = true; return Promise.resolve('granted'); }
    };";

async fn notifications(agent: &Client) -> Result<Vec<String>> {
    let v = agent.execute("return window.__notes || []", vec![]).await?;
    Ok(serde_json::from_value(v)?)
}

async fn title(client: &Client) -> Result<String> {
    Ok(client.execute("return document.title", vec![]).await?.as_str().unwrap_or_default().to_string())
}

pub async fn an_agent_with_the_chat_off_screen_is_notified_and_titles_count_unread(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    console_login(agent, &stack, e2e::AGENT_EMAIL, e2e::AGENT_PASSWORD).await?;
    agent.execute(RECORD_NOTIFICATIONS, vec![]).await?;

    // The agent reads what alerts are, then turns desktop notifications on
    // (the browser's prompt answers yes).
    click(agent, "#alert-settings").await?;
    wait_for("the explanation", async || {
        ensure!(single_text(agent, "#alert-panel p").await?.contains("desktop notification"), "no explanation");
        Ok(())
    })
    .await;
    axe::check(agent, "the alert settings", None).await?;
    click(agent, "#alert-desktop").await?;
    wait_for("notifications on", async || {
        let on = agent.execute("return document.querySelector('#alert-desktop').checked", vec![]).await?;
        ensure!(on.as_bool() == Some(true), "the box is not checked");
        Ok(())
    })
    .await;
    click(agent, "#alert-settings").await?;
    set_presence(agent, "available").await?;

    // A visitor starts a chat: the offer is announced.
    visitor_starts_chat(visitor, &stack, VISITOR_NAME).await?;
    wait_for("the offer's notification", async || {
        let notes = notifications(agent).await?;
        ensure!(notes.iter().any(|n| n.starts_with(&format!("New chat from {VISITOR_NAME}"))), "notifications: {notes:?}");
        Ok(())
    })
    .await;
    let offer = wait_for("the offer", async || Ok(agent.find(Locator::Css(".offer[data-conversation]")).await?)).await;
    offer.find(Locator::Css("button.accept")).await?.click().await?;
    wait_for("the chat pane", async || Ok(agent.find(Locator::Css("textarea#composer")).await?)).await;

    // The agent goes to another screen; the visitor writes.
    click(agent, "#nav-leftmessages").await?;
    visitor_sends(visitor, SECOND).await?;
    wait_for("the message's notification and the title count", async || {
        let notes = notifications(agent).await?;
        ensure!(notes.iter().any(|n| n == &format!("New message from {VISITOR_NAME} | {SECOND}")), "notifications: {notes:?}");
        let t = title(agent).await?;
        ensure!(t.starts_with("(1) "), "the console's title is {t:?}");
        Ok(())
    })
    .await;
    // Back in the inbox the chat is read and the count goes.
    click(agent, "#nav-inbox").await?;
    wait_for("the title without a count", async || {
        let t = title(agent).await?;
        ensure!(!t.starts_with('('), "the console's title is {t:?}");
        Ok(())
    })
    .await;

    // The visitor closes the panel; the agent's reply shows in the
    // visitor's tab title until the panel opens again.
    let before = title(visitor).await?;
    e2e::widget(visitor, ".rp-close").await?.click().await?;
    agent_sends(agent, REPLY).await?;
    wait_for("the visitor's title count", async || {
        let t = title(visitor).await?;
        ensure!(t == format!("(1) {before}"), "the visitor's title is {t:?}");
        Ok(())
    })
    .await;
    e2e::open_widget_panel(visitor).await;
    wait_for("the visitor's title restored", async || {
        let t = title(visitor).await?;
        ensure!(t == before, "the visitor's title is {t:?}");
        Ok(())
    })
    .await;
    Ok(())
}

pub async fn a_saved_reply_goes_out_by_its_shortcut_and_the_chat_is_found_later_by_its_chinese_words(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);

    // Mei keeps a reply of her own in the Saved replies screen.
    console_login(agent, &stack, e2e::AGENT_EMAIL, e2e::AGENT_PASSWORD).await?;
    click(agent, "#nav-replies").await?;
    click(agent, "#new-canned").await?;
    fill(agent, "#canned-shortcut", "bye").await?;
    fill(agent, "#canned-text", "Goodbye {{visitor.name}}!").await?;
    axe::check(agent, "the saved replies screen", None).await?;
    click(agent, "#save-canned").await?;
    saved(agent, "Mei's reply").await;
    wait_for("the team's and Mei's replies listed", async || {
        let rows = texts(agent, ".table tbody th").await?;
        ensure!(rows.iter().any(|r| r == "bye") && rows.iter().any(|r| r == "refund"), "rows: {rows:?}");
        Ok(())
    })
    .await;
    click(agent, "#nav-inbox").await?;

    visitor_starts_chat(visitor, &stack, VISITOR_NAME).await?;
    set_presence(agent, "available").await?;
    let offer = wait_for("the offer", async || Ok(agent.find(Locator::Css(".offer[data-conversation]")).await?)).await;
    offer.find(Locator::Css("button.accept")).await?.click().await?;
    let composer = wait_for("the chat pane", async || Ok(agent.find(Locator::Css("textarea#composer")).await?)).await;

    // The visitor is typing while Mei types the shortcut, key by key.
    visitor_types(visitor, "Still ").await?;
    composer.click().await?;
    e2e::keys::type_at(agent, "/ref", std::time::Duration::from_millis(90)).await?;
    wait_for("the saved reply offered", async || {
        let options = texts(agent, "#canned-list [role=option] .canned-shortcut").await?;
        ensure!(options == ["/refund"], "options: {options:?}");
        Ok(())
    })
    .await;
    axe::check(agent, "the saved replies offered in the composer", None).await?;
    e2e::keys::press_enter(agent).await?;
    let filled = wait_for("the reply in the composer", async || {
        let value = console_composer(agent).await?.value;
        ensure!(value.starts_with("Hi Ada, I'm sorry"), "the composer holds {value:?}");
        Ok(value)
    })
    .await;
    ensure!(filled.ends_with(&format!("— {}", e2e::AGENT_NAME)), "the agent's name is not filled in: {filled:?}");
    visitor_types(visitor, "waiting").await?;
    e2e::keys::press_enter(agent).await?;
    wait_for("the visitor to get the reply", async || {
        let got = e2e::widget_texts(visitor, WIDGET_AGENT_TEXTS).await?;
        ensure!(got.iter().any(|t| t == &filled), "the widget shows {got:?}");
        Ok(())
    })
    .await;
    // The visitor's draft was not touched by any of it.
    ensure!(widget_composer(visitor).await?.value == "Still waiting", "the visitor's draft changed");

    // Mei's own reply, with Tab this time.
    e2e::keys::type_at(agent, "/by", std::time::Duration::from_millis(90)).await?;
    wait_for("Mei's reply offered", async || {
        ensure!(texts(agent, "#canned-list .canned-shortcut").await? == ["/bye"], "not offered");
        Ok(())
    })
    .await;
    agent.active_element().await?.send_keys(&fantoccini::key::Key::Tab.to_string()).await?;
    wait_for("Mei's reply in the composer", async || {
        let value = console_composer(agent).await?.value;
        ensure!(value == format!("Goodbye {VISITOR_NAME}!"), "the composer holds {value:?}");
        Ok(())
    })
    .await;

    // Later, Mei finds the chat among past conversations by two Chinese
    // characters the visitor wrote, and opens its transcript.
    visitor_sends(visitor, " 我想申請退款").await?;
    wait_for("the visitor's message in the console", async || {
        ensure!(texts(agent, CONSOLE_VISITOR_TEXTS).await?.iter().any(|t| t.contains("退款")), "not there yet");
        Ok(())
    })
    .await;
    click(agent, "#nav-history").await?;
    fill(agent, "#history-q", "退款").await?;
    click(agent, "#history-search").await?;
    wait_for("the chat found", async || {
        let rows = texts(agent, ".table tbody tr").await?;
        ensure!(rows.len() == 1 && rows[0].contains(VISITOR_NAME) && rows[0].contains("退款"), "rows: {rows:?}");
        Ok(())
    })
    .await;
    axe::check(agent, "past conversations", None).await?;
    click(agent, ".table tbody tr button").await?;
    wait_for("the transcript", async || {
        let lines = texts(agent, "#transcript .transcript-text").await?;
        ensure!(lines.iter().any(|l| l == &filled) && lines.iter().any(|l| l.contains("退款")), "transcript: {lines:?}");
        Ok(())
    })
    .await;
    fill(agent, "#history-q", "no such words").await?;
    click(agent, "#history-search").await?;
    wait_for("nothing found", async || {
        ensure!(e2e::count(agent, ".table tbody tr").await? == 0 && e2e::count(agent, "p[role=status]").await? == 1, "rows remain");
        Ok(())
    })
    .await;
    Ok(())
}

pub async fn after_the_chat_the_visitor_gets_the_transcript_by_email(world: &World) -> Result<()> {
    let smtp = testbed::SmtpReceiver::start()?;
    let url = smtp.url();
    let stack = Stack::start_with(&[], |c| {
        c.smtp.url = url;
        c.smtp.from = "Northwind Tea <support@northwind.example>".into();
    })
    .await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    visitor_starts_chat(visitor, &stack, VISITOR_NAME).await?;
    agent_takes_next_chat(agent, &stack).await?;
    visitor_sends(visitor, FIRST).await?;
    agent_sends(agent, REPLY).await?;
    widget_shows(visitor, "before the end", &[FIRST], &[REPLY]).await;
    // The agent ends the chat; the visitor is offered the transcript, to
    // the address they gave before the chat.
    click(agent, "#end-chat").await?;
    let field = wait_for("the transcript offer", async || e2e::widget(visitor, "#rp-tr-email").await).await;
    ensure!(field.prop("value").await?.as_deref() == Some(VISITOR_EMAIL), "the address is not filled in");
    axe::check(visitor, "the transcript offer", WIDGET).await?;
    e2e::widget(visitor, ".rp-tr button[type=submit]").await?.click().await?;
    wait_for("the confirmation", async || {
        let said = e2e::widget_texts(visitor, ".rp-tr-sent").await?;
        ensure!(said.iter().any(|s| s.contains(VISITOR_EMAIL)), "the widget says {said:?}");
        Ok(())
    })
    .await;

    let mail = wait_for("the email at the SMTP receiver", async || {
        let got = smtp.messages();
        ensure!(!got.is_empty(), "no email yet");
        Ok(got)
    })
    .await;
    ensure!(mail[0].to == [VISITOR_EMAIL], "sent to {:?}", mail[0].to);
    let parsed = mail_parser::MessageParser::default().parse(mail[0].data.as_bytes()).ok_or_else(|| anyhow::anyhow!("an unreadable email"))?;
    let plain = parsed.body_text(0).map(|t| t.to_string()).unwrap_or_default();
    let html = parsed.body_html(0).map(|t| t.to_string()).unwrap_or_default();
    ensure!(plain.contains(FIRST) && plain.contains(REPLY), "the plain text: {plain}");
    ensure!(html.contains(FIRST) && html.contains(e2e::AGENT_NAME), "the HTML: {html}");

    // The visitor rates the chat: four stars, a comment typed
    // at a person's pace, and the thanks in place of the form.
    let stars = e2e::widget_all(visitor, ".rp-rate-stars button").await?;
    ensure!(stars.len() == 5, "{} stars", stars.len());
    stars[3].click().await?;
    wait_for("four stars chosen", async || {
        let pressed = e2e::widget_all(visitor, ".rp-rate-stars button[aria-pressed=true]").await?;
        ensure!(pressed.len() == 1 && pressed[0].attr("aria-label").await?.as_deref() == Some("4 of 5"), "not chosen");
        Ok(())
    })
    .await;
    axe::check(visitor, "the rating form", WIDGET).await?;
    e2e::widget(visitor, "#rp-rate-comment").await?.click().await?;
    e2e::keys::type_at(visitor, "Quick and kind 謝謝", std::time::Duration::from_millis(60)).await?;
    e2e::widget(visitor, ".rp-rate button[type=submit]").await?.click().await?;
    wait_for("the thanks for rating", async || {
        ensure!(!e2e::widget_texts(visitor, ".rp-rated").await?.is_empty(), "no thanks");
        Ok(())
    })
    .await;
    let store = stack.store()?;
    let rated = wait_for("the rating stored", async || {
        let agents = store.agents_for_admin().await?;
        let mei = agents.into_iter().find(|a| a.email == e2e::AGENT_EMAIL).ok_or_else(|| anyhow::anyhow!("no Mei"))?;
        ensure!(mei.ratings == 1, "Mei has {} ratings", mei.ratings);
        Ok(mei.rating)
    })
    .await;
    ensure!(rated == "4.0", "Mei's rating reads {rated}");
    Ok(())
}
