//! Past conversations: an agent finds a chat by words in Chinese or
//! English, by the visitor, the agent, the date and the status, opens its
//! transcript, and never sees another site's chats.

use protocol::agent::Role;
use protocol::history::{Found, Transcript};
use protocol::visitor::WidgetSettings;
use rapport::auth::hash_password;
use rapport::store::NewAgent;

use crate::acd::Rest;
use crate::common::*;

#[tokio::test]
async fn agents_find_past_chats_by_text_visitor_agent_date_and_status() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let mut c = chat(&server).await?;
    visitor_says(&mut c.visitor, "s1", "我想申請退款，包裹破了").await?;
    agent_says(&mut c.agent, c.conversation, "a1", "Sorry! Your PARCEL 100% gets a refund.").await?;

    let mei = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let me: serde_json::Value = mei.get("/api/v1/me").await?;
    let my_id = me["agent"]["id"].as_i64().unwrap_or_default();
    let ids = |found: Vec<Found>| found.into_iter().map(|f| f.id).collect::<Vec<_>>();
    let search = async |query: &str| -> anyhow::Result<Vec<Found>> { mei.get(&format!("/api/v1/conversations/search?{query}")).await };

    // Chinese without spaces, a part of a word, and English in any case.
    let found = search("q=%E9%80%80%E6%AC%BE").await?; // 退款
    assert_eq!(ids(found.clone()), vec![c.conversation]);
    assert_eq!(found[0].snippet, "我想申請退款，包裹破了");
    assert_eq!(found[0].visitor_name, prechat().name);
    assert_eq!(found[0].agent_name.as_deref(), Some(AGENT_NAME));
    assert_eq!(ids(search("q=parcel").await?), vec![c.conversation]);
    assert_eq!(ids(search("q=100%25").await?), vec![c.conversation], "a literal %");
    assert!(search("q=10%25%25").await?.is_empty(), "% is not a wildcard");
    assert!(search("q=nowhere").await?.is_empty());
    // The pre-chat topic counts as text.
    assert_eq!(ids(search("q=%231234").await?), vec![c.conversation]);

    // By visitor, agent, status and date.
    assert_eq!(ids(search("visitor=ming%40example").await?), vec![c.conversation]);
    assert!(search("visitor=nobody").await?.is_empty());
    assert_eq!(ids(search(&format!("agent={my_id}")).await?), vec![c.conversation]);
    assert_eq!(ids(search("status=active").await?), vec![c.conversation]);
    assert!(search("status=ended").await?.is_empty());
    let now = protocol_now();
    assert_eq!(ids(search(&format!("from={}&to={}", now - 60_000, now + 60_000)).await?), vec![c.conversation]);
    assert!(search(&format!("to={}", now - 60_000)).await?.is_empty());
    // Pages: the next page holds what is older than the last one shown.
    assert!(search(&format!("before={}", c.conversation.0)).await?.is_empty());
    assert_eq!(ids(search(&format!("before={}", c.conversation.0 + 1)).await?), vec![c.conversation]);
    // A query that breaks the schema is a 400, not a 500.
    assert_eq!(mei.status(reqwest::Method::GET, "/api/v1/conversations/search?agent=mei", &()).await?, 400);

    let transcript: Transcript = mei.get(&format!("/api/v1/conversations/{}/transcript", c.conversation.0)).await?;
    let texts: Vec<&str> = transcript.messages.iter().map(|m| m.text.as_str()).collect();
    assert!(texts.contains(&"我想申請退款，包裹破了") && texts.contains(&"Sorry! Your PARCEL 100% gets a refund."), "{texts:?}");

    // An agent of another site finds nothing and opens nothing.
    let other = server.store().upsert_site("other-shop", "Other Shop", &["https://other.example".to_string()], &WidgetSettings::default()).await?;
    let hash = hash_password(AGENT_PASSWORD)?;
    server
        .store()
        .create_agent(NewAgent { email: "olga@other.example", name: "Olga", role: Role::Agent, password_hash: &hash, capacity: 3, sites: &[other.id] })
        .await?;
    let olga = Rest::sign_in(&server, "olga@other.example", AGENT_PASSWORD).await?;
    let hers: Vec<Found> = olga.get("/api/v1/conversations/search?q=parcel").await?;
    assert!(hers.is_empty(), "{hers:?}");
    assert_eq!(olga.status(reqwest::Method::GET, &format!("/api/v1/conversations/{}/transcript", c.conversation.0), &()).await?, 404);
    Ok(())
}

fn protocol_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
