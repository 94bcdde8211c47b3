//! Contacts and identity: a visitor who writes is a contact; a verified
//! `Rapport.identify` joins the site's contact for that customer across
//! browsers, moving the anonymous history to it; an unverified one (a
//! wrong hash, another site's secret, another customer's hash) is only a
//! claim and never merges or raises priority.

use std::time::Duration;

use protocol::contact::Identity;
use protocol::visitor::VisitorFrame;
use rapport::contacts::identity::user_hash;
use rapport::store::ContactRecord;

use crate::acd::{Rest, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::common::*;

async fn secret(server: &TestServer) -> anyhow::Result<String> {
    let admin = Rest::sign_in(server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let site = admin.demo_site().await?;
    anyhow::ensure!(site.identity_secret.len() == 64, "the secret shown to admins: {:?}", site.identity_secret);
    Ok(site.identity_secret)
}

fn identity(user_id: &str, hash: String, name: &str) -> Identity {
    let attributes = [("tier", "vip"), ("plan", "gold")].into_iter().collect();
    Identity { user_id: user_id.into(), name: name.into(), email: "mei@example.tw".into(), attributes, user_hash: hash, ..Default::default() }
}

/// A visitor in their own browser who has started a chat.
struct Browser {
    client: VisitorClient,
    visitor: protocol::VisitorId,
}

async fn browser(server: &TestServer) -> anyhow::Result<Browser> {
    let (mut client, welcome) = connect_visitor(server, None, None).await?;
    start_chat(&mut client, prechat()).await?;
    let site = server.store().site_by_key(SITE).await?.expect("the demo site");
    let visitor = server.store().visitor_by_token(site.id, &welcome.token).await?.expect("the visitor").id;
    Ok(Browser { client, visitor })
}

/// Waits until the server has handled every frame sent before: frames are
/// handled in order, and this one is answered.
async fn handled(b: &mut Browser) -> anyhow::Result<()> {
    b.client.send(&VisitorFrame::CallbackOptions).await?;
    b.client.recv_until("the answer after the identify", |e| matches!(e, protocol::visitor::VisitorEvent::CallbackOptions { .. })).await?;
    Ok(())
}

fn claim(user_id: &str, name: &str) -> Identity {
    let attributes = [("tier", "vip"), ("claimed", "yes")].into_iter().collect();
    Identity { user_id: user_id.into(), name: name.into(), attributes, ..Default::default() }
}

/// The visitor's contact once `done` holds (the identify frame has no
/// answer of its own).
async fn contact_when(server: &TestServer, b: &Browser, done: impl Fn(&ContactRecord) -> bool) -> anyhow::Result<ContactRecord> {
    for _ in 0..100 {
        let c = server.store().visitor_contact(b.visitor).await?;
        if done(&c) {
            return Ok(c);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    anyhow::bail!("the contact never changed: {:?}", server.store().visitor_contact(b.visitor).await?)
}

#[tokio::test]
async fn a_verified_customer_is_one_contact_across_browsers() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let secret = secret(&server).await?;
    let mut laptop = browser(&server).await?;
    let anonymous = server.store().visitor_contact(laptop.visitor).await?;
    assert!(!anonymous.is_verified(), "a visitor who writes is an anonymous contact");
    // What the page said before the customer signed in is only a claim,
    // and none of it is carried into their verified record.
    laptop.client.send(&VisitorFrame::Identify { identity: claim("", "Claimed Name") }).await?;
    handled(&mut laptop).await?;

    laptop.client.send(&VisitorFrame::Identify { identity: identity("cust-7", user_hash(&secret, "cust-7"), "林美 Mei") }).await?;
    let mei = contact_when(&server, &laptop, |c| c.is_verified()).await?;
    assert_eq!(mei.id, anonymous.id, "the anonymous contact becomes the customer's");
    assert_eq!((mei.external_id.as_deref(), mei.name.as_str(), mei.tier.as_str()), (Some("cust-7"), "林美 Mei", "vip"));
    assert_eq!(mei.attributes.get("plan").map(String::as_str), Some("gold"));
    assert_eq!(mei.attributes.get("claimed"), None, "a claim's attribute was carried in");
    let site = server.store().site_by_key(SITE).await?.expect("the demo site");
    assert_eq!(server.store().visitor(laptop.visitor).await?.map(|v| v.tier), Some("vip".to_string()), "routing reads a verified tier");

    // Her phone: another anonymous contact, merged into hers on identify.
    let mut phone = browser(&server).await?;
    phone.client.send(&VisitorFrame::Identify { identity: claim("", "Phone Claim") }).await?;
    handled(&mut phone).await?;
    let phone_contact = server.store().visitor_contact(phone.visitor).await?;
    assert_ne!(phone_contact.id, mei.id);
    phone.client.send(&VisitorFrame::Identify { identity: identity("cust-7", user_hash(&secret, "cust-7"), "") }).await?;
    let joined = contact_when(&server, &phone, |c| c.id == mei.id).await?;
    assert_eq!(joined.name, "林美 Mei", "an empty name leaves hers");
    assert_eq!(joined.attributes.get("claimed"), None, "the merged contact's claims were carried in");
    let merged = server.store().contact(phone_contact.id).await?.expect("the merged contact");
    assert_eq!(merged.merged_into, Some(mei.id));
    assert_eq!(server.store().contact_conversations(mei.id).await?.len(), 2, "both chats are her history now");
    assert!(server.store().contact_conversations(phone_contact.id).await?.is_empty());
    assert_eq!(server.store().contact_by_external_id(site.id, "cust-7").await?.map(|c| c.id), Some(mei.id));
    Ok(())
}

#[tokio::test]
async fn an_identity_nobody_vouched_for_is_only_a_claim() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let secret = secret(&server).await?;
    let mut mei = browser(&server).await?;
    mei.client.send(&VisitorFrame::Identify { identity: identity("cust-7", user_hash(&secret, "cust-7"), "Mei") }).await?;
    let verified = contact_when(&server, &mei, |c| c.is_verified()).await?;

    let attempts = [
        ("a wrong hash", identity("cust-7", "0".repeat(64), "Mallory")),
        ("another site's secret", identity("cust-7", user_hash("another site's secret", "cust-7"), "Mallory")),
        ("another customer's hash", identity("cust-7", user_hash(&secret, "cust-8"), "Mallory")),
        ("no hash", identity("cust-7", String::new(), "Mallory")),
    ];
    for (what, claim) in attempts {
        let mut mallory = browser(&server).await?;
        mallory.client.send(&VisitorFrame::Identify { identity: claim }).await?;
        let theirs = contact_when(&server, &mallory, |c| c.claimed_id == "cust-7").await?;
        assert!(!theirs.is_verified(), "{what}: verified");
        assert_ne!(theirs.id, verified.id, "{what}: merged with the customer");
        assert_eq!((theirs.name.as_str(), theirs.tier.as_str()), ("Mallory", ""), "{what}: a claim sets no tier");
        assert_eq!(server.store().visitor(mallory.visitor).await?.map(|v| v.tier), Some(String::new()), "{what}: routing saw a tier");
    }
    let still = server.store().contact(verified.id).await?.expect("the customer");
    assert_eq!((still.name.as_str(), server.store().contact_conversations(verified.id).await?.len()), ("Mei", 1), "the customer's record is untouched");

    // A claim of the same customer without a hash changes nothing.
    mei.client.send(&VisitorFrame::Identify { identity: identity("cust-7", String::new(), "Someone else") }).await?;
    handled(&mut mei).await?;
    assert_eq!(server.store().visitor_contact(mei.visitor).await?, verified);
    assert_eq!(server.store().visitor(mei.visitor).await?.map(|v| v.tier), Some("vip".to_string()));

    // Another customer on the same browser (the first signed out): a fresh
    // contact, no tier, and the first customer's record as it was.
    mei.client.send(&VisitorFrame::Identify { identity: claim("cust-8", "Next Person") }).await?;
    handled(&mut mei).await?;
    let next = server.store().visitor_contact(mei.visitor).await?;
    assert!(next.id != verified.id && !next.is_verified(), "{next:?}");
    assert_eq!(server.store().visitor(mei.visitor).await?.map(|v| v.tier), Some(String::new()), "the next person kept the VIP tier");
    assert_eq!(server.store().contact(verified.id).await?, Some(verified));
    Ok(())
}

#[tokio::test]
async fn a_rotated_secret_stops_old_hashes() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let old = secret(&server).await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let site = admin.demo_site().await?;
    let rotated: protocol::admin::Site = admin.post(&format!("/api/v1/admin/sites/{}/identity-secret", site.id.0), &()).await?;
    assert_ne!(rotated.identity_secret, old);
    let mut b = browser(&server).await?;
    b.client.send(&VisitorFrame::Identify { identity: identity("cust-7", user_hash(&old, "cust-7"), "Mei") }).await?;
    assert!(!contact_when(&server, &b, |c| c.claimed_id == "cust-7").await?.is_verified());
    b.client.send(&VisitorFrame::Identify { identity: identity("cust-7", user_hash(&rotated.identity_secret, "cust-7"), "Mei") }).await?;
    contact_when(&server, &b, |c| c.is_verified()).await?;
    // Agents are not admins: they never see the secret.
    let agent = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    assert_eq!(agent.status(reqwest::Method::GET, "/api/v1/admin/sites", &()).await?, 403);
    Ok(())
}

#[tokio::test]
async fn the_screen_pop_shows_who_is_asking_their_earlier_visit_open_case_and_pages() -> anyhow::Result<()> {
    use protocol::crm::{Contact, ContactCard, InteractionKind};
    use protocol::visitor::PageInfo;

    let server = TestServer::start().await?;
    let secret = secret(&server).await?;
    let mei = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;

    // Her first visit: a chat, identified, from which Mei opens a case.
    let mut first = chat(&server).await?;
    first.visitor.send(&VisitorFrame::Identify { identity: identity("cust-7", user_hash(&secret, "cust-7"), "林美 Mei") }).await?;
    visitor_says(&mut first.visitor, "s1", "我的茶罐壓壞了").await?;
    // Tea advice: Mei's own department (the pop shows only cases she may open).
    let departments = mei.get::<Vec<protocol::cases::Department>>("/api/v1/departments").await?;
    let returns = departments.iter().find(|d| d.config.name == "Returns").expect("the demo's Returns").id;
    let department = departments.into_iter().find(|d| d.config.name == "Tea advice").expect("the demo's Tea advice");
    let case = serde_json::json!({"subject": "Dented tin", "department_id": department.id, "conversation_id": first.conversation});
    let opened: protocol::cases::Case = mei.post("/api/v1/cases", &case).await?;
    // A case for Returns too, which Mei (not a member) may not open.
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let not_hers = serde_json::json!({"subject": "Refund", "department_id": returns, "conversation_id": first.conversation});
    let _: protocol::cases::Case = admin.post("/api/v1/cases", &not_hers).await?;
    first.agent.send(&protocol::agent::AgentFrame::End { conversation_id: first.conversation }).await?;

    // She comes back on another device, signed in, browses two pages and
    // asks again: the offer's screen pop knows her.
    let (mut phone, _) = connect_visitor(&server, None, None).await?;
    phone.send(&VisitorFrame::Identify { identity: identity("cust-7", user_hash(&secret, "cust-7"), "") }).await?;
    let origin = server.shop_origin();
    phone.send(&VisitorFrame::Page { page: PageInfo { url: format!("{origin}/checkout.html"), title: "Checkout".into() } }).await?;
    let second = start_chat(&mut phone, prechat()).await?;
    let pop: serde_json::Value = mei.get(&format!("/api/v1/conversations/{second}/pop")).await?;
    let contact = &pop["contact"];
    assert_eq!((contact["name"].as_str(), contact["tier"].as_str(), contact["verified"].as_bool()), (Some("林美 Mei"), Some("vip"), Some(true)), "{pop:#}");
    let recent: Vec<(String, i64)> =
        pop["recent"].as_array().into_iter().flatten().map(|i| (i["kind"].as_str().unwrap_or("").to_string(), i["id"].as_i64().unwrap_or(0))).collect();
    assert!(recent.contains(&("conversation".to_string(), first.conversation.get())), "her earlier chat: {recent:?}");
    assert!(!recent.contains(&("conversation".to_string(), second.get())), "not the one being offered");
    let open: Vec<i64> = pop["open_cases"].as_array().into_iter().flatten().filter_map(|c| c["id"].as_i64()).collect();
    assert_eq!(open, [opened.id], "only the cases Mei may open");
    let pages: Vec<&str> = pop["pages"].as_array().into_iter().flatten().filter_map(|p| p["title"].as_str()).collect();
    assert_eq!(pages, ["Checkout", "凍頂烏龍 Oolong"], "this visit's pages, newest first");

    // Agents find her by name or company-free attributes, and open her
    // timeline.
    let found: Vec<Contact> = mei.get(&format!("/api/v1/contacts?q={}", "%E6%9E%97%E7%BE%8E")).await?;
    let card: ContactCard = mei.get(&format!("/api/v1/contacts/{}", found[0].id)).await?;
    let kinds: Vec<InteractionKind> = card.timeline.interactions.iter().map(|i| i.kind).collect();
    assert!(kinds.contains(&InteractionKind::Case) && kinds.iter().filter(|k| **k == InteractionKind::Conversation).count() == 2, "{kinds:?}");
    assert_eq!(mei.status(reqwest::Method::GET, "/api/v1/contacts/424242", &()).await?, 404);

    // An agent of another site sees none of it.
    let demo = admin.demo_site().await?;
    let other_site: protocol::admin::Site =
        admin.post("/api/v1/admin/sites", &protocol::admin::SiteConfig { name: "Other shop".into(), allowed_origins: vec![], ..demo.config }).await?;
    let config = protocol::admin::AgentConfig {
        name: "Olle".into(),
        email: "olle@example.se".into(),
        role: protocol::agent::Role::Agent,
        capacity: 2,
        sites: vec![other_site.id],
        skills: vec![],
        password: "olle-password-1".into(),
        disabled: false,
    };
    let _: serde_json::Value = admin.post("/api/v1/admin/agents", &config).await?;
    let olle = Rest::sign_in(&server, "olle@example.se", "olle-password-1").await?;
    let none: Vec<Contact> = olle.get("/api/v1/contacts?q=").await?;
    assert!(none.is_empty(), "another site's contacts: {none:?}");
    assert_eq!(olle.status(reqwest::Method::GET, &format!("/api/v1/contacts/{}", found[0].id), &()).await?, 404);
    assert_eq!(olle.status(reqwest::Method::GET, &format!("/api/v1/conversations/{second}/pop"), &()).await?, 404);
    Ok(())
}
