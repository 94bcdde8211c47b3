//! A signed-in customer: the shop's page calls `Rapport.identify` with the
//! hash its server made, and the chat is recorded against that customer.
//! Mei's offer pops up who it is; when the customer comes back on another
//! device, the screen pop shows the earlier visit and the pages of this
//! one; Mei finds the customer in Contacts; an admin makes an API token
//! that another system then reads the customer with.

use std::time::Duration;

use anyhow::{ensure, Result};
use e2e::scenario::World;
use e2e::{axe, texts, wait_for, Stack, DEMO_SITE_KEY};
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::support::*;

pub async fn a_signed_in_customer_is_recognised_from_the_page(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let store = stack.store()?;
    let site = store.site_by_key(DEMO_SITE_KEY).await?.ok_or_else(|| anyhow::anyhow!("no demo site"))?;
    let secret = store.site_identity_secret(site.id).await?;
    let hash = rapport::contacts::identity::user_hash(&secret, "cust-1042");
    let (visitor, agent) = (&world.visitor, &world.agent);
    console_login(agent, &stack, e2e::AGENT_EMAIL, e2e::AGENT_PASSWORD).await?;
    set_presence(agent, "available").await?;
    visitor.goto(&stack.demo_url("")).await?;
    // What a shop's page does for a signed-in customer, with the hash its
    // server computed.
    let identity =
        json!({ "user_id": "cust-1042", "user_hash": hash, "name": VISITOR_NAME, "email": VISITOR_EMAIL, "attributes": { "tier": "vip", "orders": 12 } });
    visitor.execute("Rapport.identify(arguments[0]);", vec![identity.clone()]).await?;
    e2e::open_widget_panel(visitor).await;
    // The pre-chat form is filled in from it.
    wait_for("the pre-chat form filled in", async || {
        let name = e2e::widget(visitor, "form.rp-prechat input[name=name]").await?;
        let value = name.prop("value").await?;
        ensure!(value.as_deref() == Some(VISITOR_NAME), "the name field holds {value:?}");
        Ok(())
    })
    .await;
    e2e::widget(visitor, "form.rp-prechat button[type=submit]").await?.click().await?;
    wait_for("the composer", async || e2e::widget(visitor, "textarea.rp-input").await).await;
    visitor_sends(visitor, FIRST).await?;

    let contact = wait_for("the customer's contact", async || {
        let contact = store.contact_by_external_id(site.id, "cust-1042").await?;
        let contact = contact.ok_or_else(|| anyhow::anyhow!("no contact for cust-1042 yet"))?;
        ensure!(!store.contact_conversations(contact.id).await?.is_empty(), "the chat is not the customer's yet");
        Ok(contact)
    })
    .await;
    ensure!(contact.name == VISITOR_NAME && contact.tier == "vip", "the contact: {contact:?}");
    ensure!(contact.attributes.get("orders").map(String::as_str) == Some("12"), "attributes: {:?}", contact.attributes);

    // The offer pops up who is asking: a verified VIP, first contact.
    popped(agent, ".offer .pop", &[VISITOR_NAME, "Verified", "vip", "First contact"]).await;
    axe::check(agent, "an offer's screen pop", None).await?;
    accept_offer(agent).await;
    agent_sends(agent, REPLY).await?;
    click(agent, "#end-chat").await?;

    // She comes back on her phone, signed in: she looks at the products,
    // then the checkout, and asks again.
    visitor.delete_all_cookies().await?;
    visitor.execute("localStorage.clear(); sessionStorage.clear();", vec![]).await?;
    visitor.goto(&stack.demo_url("products.html")).await?;
    visitor.execute("Rapport.identify(arguments[0]);", vec![identity.clone()]).await?;
    e2e::open_widget_panel(visitor).await;
    wait_for("the widget on the products page", async || e2e::widget(visitor, "form.rp-prechat").await).await;
    // The shop's pages identify a signed-in customer on each page.
    visitor.goto(&stack.demo_url("checkout.html")).await?;
    visitor.execute("Rapport.identify(arguments[0]);", vec![identity]).await?;
    e2e::open_widget_panel(visitor).await;
    wait_for("the pre-chat form filled in again", async || {
        let value = e2e::widget(visitor, "form.rp-prechat input[name=name]").await?.prop("value").await?;
        ensure!(value.as_deref() == Some(VISITOR_NAME), "the name field holds {value:?}");
        Ok(())
    })
    .await;
    e2e::widget(visitor, "form.rp-prechat button[type=submit]").await?.click().await?;
    wait_for("the composer", async || e2e::widget(visitor, "textarea.rp-input").await).await;
    visitor_sends(visitor, SECOND).await?;
    // The pop knows her, her earlier chat with Mei and this visit's pages.
    popped(agent, ".offer .pop", &[VISITOR_NAME, "Chat", e2e::AGENT_NAME]).await;
    let pages = wait_for("this visit's pages", async || {
        let pages = texts(agent, ".offer .pop-pages li").await?;
        ensure!(pages.len() >= 2, "pages: {pages:?}");
        Ok(pages)
    })
    .await;
    ensure!(pages[0].to_lowercase().contains("checkout"), "the page she is on first: {pages:?}");
    accept_offer(agent).await;
    popped(agent, ".details .pop", &[VISITOR_NAME, "vip"]).await;

    // Mei finds her in Contacts, typing as a person does, and opens her
    // record: both chats are on her timeline.
    click(agent, "#nav-contacts").await?;
    click(agent, "#contacts-q").await?;
    e2e::keys::type_at(agent, "cust-1042", Duration::from_millis(60)).await?;
    click(agent, "#contacts-search").await?;
    let open = wait_for("the contact found", async || Ok(agent.find(Locator::Css("table.table tbody button")).await?)).await;
    open.click().await?;
    wait_for("her timeline", async || {
        let items = texts(agent, "#contact-card .timeline-item").await?;
        ensure!(items.len() == 2, "the timeline: {items:?}");
        Ok(())
    })
    .await;
    axe::check(agent, "the contacts screen", None).await?;

    // An admin makes an API token for the shop's back office; the secret
    // is shown once, and the back office reads the customer with it.
    click(agent, "#logout").await?;
    sign_in_on_form(agent, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    click(agent, "#nav-admin").await?;
    click(agent, "#admin-api").await?;
    click(agent, "#new-token").await?;
    fill(agent, "#token-name", "Back office").await?;
    click(agent, "[id='token-scopes-contacts:read']").await?;
    axe::check(agent, "the API tokens screen", None).await?;
    click(agent, "#save-token").await?;
    let secret = wait_for("the token's secret", async || {
        let secret = single_text(agent, "#token-secret").await?;
        ensure!(secret.starts_with("rpt_"), "the secret shown: {secret:?}");
        Ok(secret)
    })
    .await;
    let answer: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/rest/v1/contacts?q=cust-1042", stack.backend_url()))
        .bearer_auth(&secret)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    ensure!(answer["contacts"][0]["name"] == VISITOR_NAME, "the API answered {answer}");
    no_js_errors(visitor, "the visitor").await?;
    no_js_errors(agent, "the console").await?;
    Ok(())
}

/// Waits until the screen pop at `css` shows every one of `words`;
/// returns its text.
async fn popped(agent: &Client, css: &str, words: &[&str]) -> String {
    wait_for("the screen pop", async || {
        let text = single_text(agent, css).await?;
        ensure!(words.iter().all(|w| text.contains(w)), "the screen pop shows {text:?}, not all of {words:?}");
        Ok(text)
    })
    .await
}
