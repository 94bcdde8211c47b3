//! Co-browsing on the demo checkout: the visitor has typed their name and
//! a card number; the agent asks, the visitor allows, and the agent's
//! mirror shows the page with the name masked and the card blocked, and
//! neither value is anywhere the server could see. The mirror follows the
//! visitor's scrolling, typing and navigation; the agent highlights an
//! element the visitor then sees; with control granted the agent's click
//! on a link moves the visitor's page, and a click into the card field is
//! refused; the visitor stops and the mirror stops.

use std::io::Read;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use e2e::keys::{type_at, STEADY};
use e2e::scenario::World;
use e2e::{axe, texts, wait_for, widget, widget_count, widget_texts, Stack};
use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::support::*;

const NAME: &str = "Wen Zhu-Hartley";
const CARD: &str = "4242424242424242";
const STREET: &str = "88 Jasmine Lane";
/// What the recorder writes for a masked value.
const MASK: &str = "••••••";

/// The mirror's document, as a script's `d` (null until it is built).
const MIRROR: &str = "const f = document.querySelector('.cb-frame iframe'); const d = f && f.contentDocument;";

async fn mirror(agent: &Client, script: &str, args: Vec<Value>) -> Result<Value> {
    Ok(agent.execute(&format!("{MIRROR} if (!d || !d.body) return null; {script}"), args).await?)
}

/// Clicks the mirror where its element `css` is, with the agent's real
/// mouse (on the overlay above the mirror).
async fn click_in_mirror(agent: &Client, css: &str) -> Result<()> {
    let at = mirror(
        agent,
        "const e = d.querySelector(arguments[0]); if (!e) return null; e.scrollIntoView({block: 'center'});
         const box = f.getBoundingClientRect(); const s = box.width / f.offsetWidth; const r = e.getBoundingClientRect();
         return [box.left + (r.left + Math.min(r.width / 2, 20)) * s, box.top + (r.top + r.height / 2) * s];",
        vec![json!(css)],
    )
    .await?;
    let (x, y): (f64, f64) = serde_json::from_value(at).with_context(|| format!("{css} is not in the mirror"))?;
    let mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: Some(Duration::from_millis(150)), x: x.round(), y: y.round() })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    agent.perform_actions(mouse).await.with_context(|| format!("clicking {css} in the mirror"))?;
    Ok(())
}

/// A screenshot at a phone's width, then the window as it was.
async fn phone_screenshot(browser: &e2e::Browser, name: &str) -> Result<()> {
    browser.cdp("Emulation.setDeviceMetricsOverride", json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true })).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let taken = e2e::screenshot(browser, name).await;
    browser.cdp("Emulation.clearDeviceMetricsOverride", json!({})).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    taken
}

/// The button of the co-browse panel that says `label`.
async fn panel_button(agent: &Client, label: &str) -> Result<()> {
    let xpath = format!("//*[contains(@class, 'cb-panel')]//button[normalize-space() = '{label}']");
    let button = wait_for(&format!("the panel's {label} button"), async || Ok(agent.find(Locator::XPath(&xpath)).await?)).await;
    button.click().await?;
    Ok(())
}

async fn panel_status(agent: &Client) -> Result<String> {
    Ok(texts(agent, ".cb-status").await?.join(" "))
}

/// Every kept recording message of every session, unzipped.
async fn recordings(stack: &Stack) -> Result<String> {
    let mut all = String::new();
    for bytes in stack.store()?.cobrowse_frames_for_tests().await? {
        ensure!(matches!(bytes.first(), Some(0 | 1)), "a recording message without its kind byte");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[1..]).read_to_string(&mut text).context("a recording message that is not gzip of text")?;
        all.push_str(&text);
    }
    Ok(all)
}

/// The database's files, as bytes (the SQLite file and its write-ahead log).
fn database_bytes(stack: &Stack) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(stack.data_dir())? {
        let path = entry?.path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains(".db")) {
            bytes.extend(std::fs::read(&path)?);
        }
    }
    Ok(bytes)
}

pub async fn an_agent_co_browses_the_checkout_and_never_sees_the_card(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);

    // The visitor fills in part of the checkout, by keyboard.
    visitor.goto(&stack.demo_url("checkout.html")).await?;
    visitor.find(Locator::Css("#full-name")).await?.click().await?;
    type_at(visitor, NAME, STEADY / 2).await?;
    visitor.find(Locator::Css("#card-number")).await?.click().await?;
    type_at(visitor, CARD, STEADY / 2).await?;

    // Then asks for help in the chat.
    e2e::open_widget_panel(visitor).await;
    wait_for("the pre-chat form", async || widget(visitor, "form.rp-prechat").await).await;
    widget(visitor, "form.rp-prechat input[name=name]").await?.send_keys(VISITOR_NAME).await?;
    widget(visitor, "form.rp-prechat input[name=email]").await?.send_keys(VISITOR_EMAIL).await?;
    widget(visitor, "form.rp-prechat button[type=submit]").await?.click().await?;
    wait_for("the composer", async || widget(visitor, "textarea.rp-input").await).await;
    visitor_sends(visitor, "Can you help me with the checkout?").await?;
    agent_takes_next_chat(agent, &stack).await?;

    // The agent asks; nothing is recorded before the visitor allows.
    click(agent, "#cobrowse").await?;
    wait_for("the viewer waiting", async || {
        let status = panel_status(agent).await?;
        ensure!(status.contains(VISITOR_NAME), "the panel says {status:?}");
        Ok(())
    })
    .await;
    wait_for("the visitor's prompt", async || {
        let text = widget_texts(visitor, ".rp-cob-card").await?.join(" ");
        ensure!(
            text.contains("Mei"),
            "the prompt says {text:?}; the page's errors: {:?}; co-browse drawn: {}",
            e2e::js_errors(visitor).await?,
            widget_count(visitor, ".rp-cob").await?
        );
        Ok(())
    })
    .await;
    ensure!(recordings(&stack).await?.is_empty(), "something was recorded before consent");
    axe::check(visitor, "the co-browse prompt", WIDGET).await?;
    e2e::screenshot(visitor, "cobrowse-visitor-prompt").await?;
    phone_screenshot(&world.visitor, "cobrowse-visitor-prompt-phone").await?;
    widget(visitor, ".rp-cob-card .rp-cob-primary").await?.click().await?;

    // The mirror shows the checkout: the name masked, the card a blank box.
    wait_for("the mirror of the checkout", async || {
        let seen = mirror(
            agent,
            "return [d.querySelector('#page-title') && d.querySelector('#page-title').textContent, d.querySelector('#full-name') && d.querySelector('#full-name').value, !!d.querySelector('#card-number'), d.body.innerHTML.length];",
            vec![],
        )
        .await?;
        ensure!(seen[0] == "Checkout" && seen[1] == MASK && seen[2] == false, "the mirror shows {seen}");
        Ok(())
    })
    .await;
    let html = mirror(agent, "return d.documentElement.outerHTML;", vec![]).await?.as_str().unwrap_or_default().to_string();
    ensure!(!html.contains(CARD) && !html.contains(NAME), "the mirror holds a typed value");
    // The page's own style sheet came along: the mirror looks like the page.
    let styled = mirror(agent, "return getComputedStyle(d.querySelector('.site-header')).backgroundColor;", vec![]).await?;
    let original = visitor.execute("return getComputedStyle(document.querySelector('.site-header')).backgroundColor;", vec![]).await?;
    ensure!(styled == original, "the mirror's header is {styled}, the page's {original}");
    e2e::screenshot(agent, "cobrowse-console-mirror").await?;
    e2e::screenshot(visitor, "cobrowse-visitor-sharing").await?;
    axe::check(agent, "the co-browse viewer", Some(".cb-panel")).await?;

    // The visitor scrolls and types; the mirror follows (typing masked).
    visitor.execute("window.scrollTo(0, 260);", vec![]).await?;
    visitor.find(Locator::Css("#street")).await?.click().await?;
    type_at(visitor, STREET, STEADY / 2).await?;
    wait_for("the mirror to follow", async || {
        let seen = mirror(agent, "return [f.contentWindow.scrollY, d.querySelector('#street').value];", vec![]).await?;
        let scrolled = visitor.execute("return window.scrollY;", vec![]).await?;
        ensure!(seen[0] == scrolled && seen[1] == MASK, "the mirror is at {seen}, the page at {scrolled}");
        Ok(())
    })
    .await;

    // A widget of the page's own, in an open shadow root, and a same-origin
    // frame: both are mirrored, and so are their changes.
    visitor
        .execute(
            "const host = document.createElement('div'); host.id = 'shadow-host'; document.querySelector('main').prepend(host);
             host.attachShadow({ mode: 'open' }).innerHTML = '<p class=\"inside\">Free shipping over $40</p>';
             const frame = document.createElement('iframe'); frame.id = 'same-origin-frame'; frame.srcdoc = '<p id=\"framed\">Gift wrap</p>';
             document.querySelector('main').append(frame);",
            vec![],
        )
        .await?;
    let shadowed = "const h = d.querySelector('#shadow-host'); return h && h.shadowRoot ? h.shadowRoot.textContent : null;";
    wait_for("the shadow root in the mirror", async || {
        let text = mirror(agent, shadowed, vec![]).await?;
        ensure!(text == "Free shipping over $40", "the mirror's shadow root says {text}");
        Ok(())
    })
    .await;
    visitor.execute("document.querySelector('#shadow-host').shadowRoot.append(document.createTextNode(' today'));", vec![]).await?;
    wait_for("the shadow root's change in the mirror", async || {
        let text = mirror(agent, shadowed, vec![]).await?;
        ensure!(text == "Free shipping over $40 today", "the mirror's shadow root says {text}");
        Ok(())
    })
    .await;
    // What is typed into an editable region is masked, and so are the
    // addresses of links and pictures in it.
    visitor
        .execute(
            "const note = document.createElement('div'); note.id = 'gift-note'; note.contentEditable = 'true';
             note.innerHTML = 'Dear Wen, <a href=\"https://private.example/wen\">my photo</a>'; document.querySelector('main').append(note);",
            vec![],
        )
        .await?;
    wait_for("the editable note in the mirror", async || {
        let note =
            mirror(agent, "const n = d.querySelector('#gift-note'); return n && [n.textContent, n.innerHTML.includes('private.example')];", vec![]).await?;
        ensure!(note == json!([format!("{MASK}{MASK}"), false]), "the mirror's note is {note}");
        Ok(())
    })
    .await;
    let framed = "const f2 = d.querySelector('#same-origin-frame'); const p = f2 && f2.contentDocument && f2.contentDocument.querySelector('#framed'); return p && p.textContent;";
    wait_for("the frame's document in the mirror", async || {
        let text = mirror(agent, framed, vec![]).await?;
        ensure!(text == "Gift wrap", "the mirror's frame says {text}");
        Ok(())
    })
    .await;
    visitor.execute("document.querySelector('#same-origin-frame').contentDocument.querySelector('#framed').textContent = 'Gift wrap, free';", vec![]).await?;
    wait_for("the frame's change in the mirror", async || {
        let text = mirror(agent, framed, vec![]).await?;
        ensure!(text == "Gift wrap, free", "the mirror's frame says {text}");
        Ok(())
    })
    .await;

    // The agent highlights the order total; the visitor sees the ring.
    panel_button(agent, "Highlight").await?;
    click_in_mirror(agent, "#order-total").await?;
    wait_for("the highlight on the visitor's page", async || {
        ensure!(e2e::widget_visible(visitor, ".rp-cob-ring").await?, "no highlight yet");
        Ok(())
    })
    .await;
    e2e::screenshot(visitor, "cobrowse-visitor-highlight").await?;
    // The viewer keeps the chat in view: the agent goes on talking.
    agent_sends(agent, "The total is on the right, with shipping.").await?;
    widget_shows(visitor, "the agent's reply while co-browsing", &["Can you help me with the checkout?"], &["The total is on the right, with shipping."]).await;
    e2e::screenshot(agent, "cobrowse-console-with-chat").await?;
    phone_screenshot(&world.visitor, "cobrowse-visitor-sharing-phone").await?;

    // The visitor puts the chat away and goes to the shop; the mirror
    // follows with a new snapshot.
    widget(visitor, ".rp-close").await?.click().await?;
    visitor.find(Locator::Css("#nav-shop")).await?.click().await?;
    wait_for("the mirror of the shop", async || {
        let title = mirror(agent, "return d.querySelector('#page-title') && d.querySelector('#page-title').textContent;", vec![]).await?;
        ensure!(title == "Shop all teas", "the mirror shows {title}");
        Ok(())
    })
    .await;

    // Control, with the visitor's second consent.
    panel_button(agent, "Request control").await?;
    wait_for("the visitor's control prompt", async || {
        ensure!(!widget_texts(visitor, "#rp-cob-ctl-t").await?.is_empty(), "no control prompt yet");
        widget(visitor, ".rp-cob-card .rp-cob-primary").await
    })
    .await
    .click()
    .await?;
    wait_for("control granted", async || {
        let status = panel_status(agent).await?;
        ensure!(texts(agent, ".cb-tools button").await?.iter().any(|b| b == "Control"), "the panel says {status:?}");
        Ok(())
    })
    .await;
    panel_button(agent, "Control").await?;
    click_in_mirror(agent, "#nav-checkout").await?;
    wait_for("the visitor's page at the checkout", async || {
        let url = visitor.current_url().await?;
        ensure!(url.path().ends_with("/checkout.html"), "the visitor is at {url}");
        Ok(())
    })
    .await;
    wait_for("the mirror of the checkout again", async || {
        let title = mirror(agent, "return d.querySelector('#page-title') && d.querySelector('#page-title').textContent;", vec![]).await?;
        ensure!(title == "Checkout", "the mirror shows {title}");
        Ok(())
    })
    .await;
    // A click into the card field is refused by the visitor's browser.
    click_in_mirror(agent, "label[for='card-number'] + *").await?;
    wait_for("the refusal", async || {
        let status = panel_status(agent).await?;
        ensure!(status.to_lowercase().contains("private"), "the panel says {status:?}");
        Ok(())
    })
    .await;
    let focused = visitor.execute("return document.activeElement && document.activeElement.id;", vec![]).await?;
    ensure!(focused != "card-number", "the card field took the agent's click");

    // The typed values are nowhere the server could see.
    let recorded = recordings(&stack).await?;
    ensure!(recorded.contains("Checkout") && recorded.contains(MASK), "the recordings do not look like the checkout");
    for secret in [NAME, CARD, STREET, "private.example"] {
        ensure!(!recorded.contains(secret), "{secret:?} is in a recording");
        let db = database_bytes(&stack)?;
        ensure!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret:?} is in the database");
    }

    // The visitor stops; the mirror stops updating.
    widget(visitor, ".rp-cob-bar button").await?.click().await?;
    wait_for("the panel to say it ended", async || {
        let status = panel_status(agent).await?;
        ensure!(status.contains("stopped") || status.contains("ended"), "the panel says {status:?}");
        Ok(())
    })
    .await;
    visitor.execute("document.querySelector('#page-title').textContent = 'Changed after stopping';", vec![]).await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let title = mirror(agent, "return d.querySelector('#page-title') && d.querySelector('#page-title').textContent;", vec![]).await?;
    ensure!(title != "Changed after stopping", "the mirror kept updating after the visitor stopped");
    ensure!(widget_count(visitor, ".rp-cob-ring:not([hidden])").await? == 0, "the highlight stayed");

    // The session was kept: Mei replays it from the visitor's timeline.
    panel_button(agent, "Close").await?;
    click(agent, "#nav-contacts").await?;
    click(agent, "#contacts-q").await?;
    type_at(agent, VISITOR_EMAIL, STEADY / 2).await?;
    click(agent, "#contacts-search").await?;
    wait_for("the contact found", async || Ok(agent.find(Locator::Css("table.table tbody button")).await?)).await.click().await?;
    let replay = wait_for("the session on the timeline", async || Ok(agent.find(Locator::Css("#contact-card .timeline-item button")).await?)).await;
    replay.click().await?;
    wait_for("the replay of the checkout", async || {
        let title = mirror(agent, "return d.querySelector('#page-title') && d.querySelector('#page-title').textContent;", vec![]).await?;
        ensure!(title == "Checkout", "the replay shows {title}");
        Ok(())
    })
    .await;
    e2e::screenshot(agent, "cobrowse-console-replay").await?;
    axe::check(agent, "the co-browse replay", Some(".cb-panel")).await?;
    no_js_errors(visitor, "the visitor").await?;
    no_js_errors(agent, "the agent").await?;
    Ok(())
}
