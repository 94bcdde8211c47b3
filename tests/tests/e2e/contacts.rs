//! A signed-in customer: the shop's page calls `Rapport.identify` with the
//! hash its server made, and the chat is recorded against that customer.

use anyhow::{ensure, Result};
use e2e::scenario::World;
use e2e::{wait_for, Stack, DEMO_SITE_KEY};
use serde_json::json;

use crate::support::*;

pub async fn a_signed_in_customer_is_recognised_from_the_page(world: &World) -> Result<()> {
    let stack = Stack::start().await?;
    let store = stack.store()?;
    let site = store.site_by_key(DEMO_SITE_KEY).await?.ok_or_else(|| anyhow::anyhow!("no demo site"))?;
    let secret = store.site_identity_secret(site.id).await?;
    let hash = rapport::contacts::identity::user_hash(&secret, "cust-1042");
    let visitor = &world.visitor;
    visitor.goto(&stack.demo_url("")).await?;
    // What a shop's page does for a signed-in customer, with the hash its
    // server computed.
    let identity =
        json!({ "user_id": "cust-1042", "user_hash": hash, "name": VISITOR_NAME, "email": VISITOR_EMAIL, "attributes": { "tier": "vip", "orders": 12 } });
    visitor.execute("Rapport.identify(arguments[0]);", vec![identity]).await?;
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
    no_js_errors(visitor, "the visitor").await?;
    Ok(())
}
