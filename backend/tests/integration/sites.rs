//! In a deployment serving several sites, an agent only ever sees their
//! own sites' visitors.

use std::time::Duration;

use protocol::agent::{AgentEvent, Role};
use protocol::visitor::{PageInfo, VisitorEvent, VisitorFrame, WidgetSettings};
use protocol::PROTOCOL_VERSION;
use rapport::auth::hash_password;
use rapport::store::NewAgent;

use crate::common::*;

const OTHER_SITE: &str = "other-shop";
const OTHER_ORIGIN: &str = "https://other.example";
const OLGA: &str = "olga@other.example";

#[tokio::test]
async fn agents_are_offered_only_their_own_sites_visitors() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let other = server.store().upsert_site(OTHER_SITE, "Other Shop", &[OTHER_ORIGIN.to_string()], &WidgetSettings::default()).await?;
    let hash = hash_password(AGENT_PASSWORD)?;
    server.store().create_agent(NewAgent { email: OLGA, name: "Olga", role: Role::Agent, password_hash: &hash, capacity: 3, sites: &[other.id] }).await?;

    let mut mei = available_agent(&server).await?;
    let mut olga = available_agent_as(&server, OLGA, AGENT_PASSWORD).await?;

    // A visitor of the other shop.
    let socket = connect(&server.ws_url(&format!("/ws/v1/visitor?site={OTHER_SITE}")), &[("origin", OTHER_ORIGIN)]).await?;
    let mut theirs = VisitorClient::new(socket);
    let page = PageInfo { url: format!("{OTHER_ORIGIN}/"), title: "Other".into() };
    theirs.send(&VisitorFrame::Hello { v: PROTOCOL_VERSION, token: None, resume: None, page, locale: "en".into() }).await?;
    theirs.recv_until("welcome", |e| matches!(e, VisitorEvent::Welcome { .. })).await?;
    let their_chat = start_chat(&mut theirs, prechat()).await?;
    olga.recv_until("the other shop's offer", |e| matches!(e, AgentEvent::Offer { offer } if offer.conversation_id == their_chat)).await?;

    // A visitor of the demo shop goes to Mei, never to Olga.
    let (mut ours, _) = connect_visitor(&server, None, None).await?;
    let our_chat = start_chat(&mut ours, prechat()).await?;
    let offer = mei.recv_until("an offer", |e| matches!(e, AgentEvent::Offer { .. })).await?;
    assert!(matches!(offer, AgentEvent::Offer { offer } if offer.conversation_id == our_chat), "Mei was offered another site's visitor");
    let leaked = tokio::time::timeout(
        Duration::from_secs(1),
        olga.recv_until("a leak", |e| matches!(e, AgentEvent::Offer { offer } if offer.conversation_id == our_chat)),
    )
    .await;
    assert!(leaked.is_err(), "Olga was offered the demo shop's visitor");

    // Whether anybody is there is per site too.
    olga.send(&protocol::agent::AgentFrame::SetPresence { presence: protocol::agent::Presence::Away, reason: String::new() }).await?;
    olga.recv_until("away", |e| matches!(e, AgentEvent::Presence { .. })).await?;
    assert!(agents_online(&server).await?, "the demo shop still has Mei");
    server.shutdown().await;
    Ok(())
}
