//! The ACD end to end over the real server: an admin configures skills,
//! queues, entry rules, hours and wrap-up codes over REST, and visitors and
//! agents on real WebSockets meet the right people, wait with a position
//! and an estimate, are transferred, leave messages after hours, and every
//! step lands in the record the reports are computed from.

use std::time::Duration;

use anyhow::Context;
use protocol::admin::{AgentAdmin, AgentConfig, BusinessHours, EntryRule, Queue, QueueConfig, Site, Skill, SkillConfig, SkillLevel};
use protocol::agent::{AgentEvent, AgentFrame, Presence, TransferTarget};
use protocol::visitor::{Unavailable, VisitorEvent, VisitorFrame};
use protocol::{Author, ConversationStatus, PreChat};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::common::*;

pub const ADMIN_EMAIL: &str = "admin@rapport.demo";
pub const ADMIN_PASSWORD: &str = "demo-admin-pass";
const SAM_EMAIL: &str = "sam@rapport.demo";

/// The console's REST calls, signed in as someone.
pub struct Rest {
    http: reqwest::Client,
    base: String,
    origin: String,
    cookie: String,
}

impl Rest {
    pub async fn sign_in(server: &impl Endpoint, email: &str, password: &str) -> anyhow::Result<Rest> {
        let cookie = login(server, email, password).await?;
        Ok(Rest { http: reqwest::Client::new(), base: server.http_url(""), origin: server.console_origin(), cookie })
    }

    pub async fn call<T: DeserializeOwned>(&self, method: reqwest::Method, path: &str, body: Option<&impl Serialize>) -> anyhow::Result<T> {
        let mut request = self.http.request(method.clone(), format!("{}{path}", self.base)).header("origin", &self.origin).header("cookie", &self.cookie);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        anyhow::ensure!(status.is_success(), "{method} {path} answered {status}: {text}");
        serde_json::from_str(if text.is_empty() { "null" } else { &text }).with_context(|| format!("{method} {path} answered {text}"))
    }

    /// The session cookie, for requests this helper does not make.
    pub fn cookie(&self) -> &str {
        &self.cookie
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.call(reqwest::Method::GET, path, None::<&()>).await
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> anyhow::Result<T> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> anyhow::Result<T> {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }

    /// The status a call answers, for refusals.
    pub async fn status(&self, method: reqwest::Method, path: &str, body: &impl Serialize) -> anyhow::Result<u16> {
        let request = self.http.request(method, format!("{}{path}", self.base)).header("origin", &self.origin).header("cookie", &self.cookie).json(body);
        Ok(request.send().await?.status().as_u16())
    }

    /// The status a raw body answers (for bodies no type can express).
    pub async fn raw_status(&self, method: reqwest::Method, path: &str, body: &str) -> anyhow::Result<u16> {
        let request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("origin", &self.origin)
            .header("cookie", &self.cookie)
            .header("content-type", "application/json")
            .body(body.to_string());
        Ok(request.send().await?.status().as_u16())
    }

    pub async fn demo_site(&self) -> anyhow::Result<Site> {
        let sites: Vec<Site> = self.get("/api/v1/admin/sites").await?;
        sites.into_iter().find(|s| s.key == SITE).context("the demo site")
    }

    pub async fn agent(&self, email: &str) -> anyhow::Result<AgentAdmin> {
        let agents: Vec<AgentAdmin> = self.get("/api/v1/admin/agents").await?;
        agents.into_iter().find(|a| a.email == email).with_context(|| format!("agent {email}"))
    }

    /// Changes an agent's skills and capacity, keeping the rest.
    pub async fn set_agent(&self, email: &str, capacity: u32, skills: Vec<SkillLevel>) -> anyhow::Result<()> {
        let a = self.agent(email).await?;
        let config = AgentConfig { name: a.name, email: a.email, role: a.role, capacity, sites: a.sites, skills, password: String::new(), disabled: false };
        let _: AgentAdmin = self.put(&format!("/api/v1/admin/agents/{}", a.id), &config).await?;
        Ok(())
    }

    pub async fn default_queue(&self) -> anyhow::Result<Queue> {
        let site = self.demo_site().await?;
        let queues: Vec<Queue> = self.get("/api/v1/admin/queues").await?;
        queues.into_iter().find(|q| q.is_default && q.config.site_id == site.id).context("the demo site's default queue")
    }

    pub async fn update_default_queue(&self, change: impl FnOnce(&mut QueueConfig)) -> anyhow::Result<Queue> {
        let mut queue = self.default_queue().await?;
        change(&mut queue.config);
        self.put(&format!("/api/v1/admin/queues/{}", queue.id), &queue.config).await
    }
}

/// Closes the demo site's default queue all week; a visitor then starts a
/// chat, is told the team is closed, and leaves `message`.
pub async fn leave_message_after_hours(server: &TestServer, admin: &Rest, message: &str) -> anyhow::Result<(VisitorClient, Welcome)> {
    admin.update_default_queue(|q| q.hours = Some(BusinessHours { time_zone: "Asia/Taipei".into(), week: vec![vec![]; 7], holidays: vec![] })).await?;
    let (mut visitor, welcome) = connect_visitor(server, None, None).await?;
    visitor.send(&VisitorFrame::StartChat { prechat: prechat() }).await?;
    visitor
        .recv_until("closed", |e| matches!(e, VisitorEvent::Conversation { conversation } if conversation.status == ConversationStatus::Ended && conversation.unavailable == Some(Unavailable::Closed)))
        .await?;
    visitor.send(&VisitorFrame::LeaveMessage { text: text(message) }).await?;
    visitor.recv_until("the thanks", |e| matches!(e, VisitorEvent::MessageLeft)).await?;
    Ok((visitor, welcome))
}

fn topic(t: &str) -> PreChat {
    PreChat { topic: t.into(), ..prechat() }
}

async fn offer_of(agent: &mut AgentClient, conversation: protocol::ConversationId) -> anyhow::Result<protocol::agent::Offer> {
    match agent.recv_until("an offer", |e| matches!(e, AgentEvent::Offer { offer } if offer.conversation_id == conversation)).await? {
        AgentEvent::Offer { offer } => Ok(offer),
        _ => unreachable!("recv_until returned a frame it did not ask for"),
    }
}

/// Nothing matching arrives within a second.
async fn never(agent: &mut AgentClient, what: &str, wanted: impl FnMut(&AgentEvent) -> bool) -> anyhow::Result<()> {
    let got = tokio::time::timeout(Duration::from_secs(1), agent.recv_until(what, wanted)).await;
    anyhow::ensure!(got.is_err() || got.as_ref().is_ok_and(|r| r.is_err()), "{what} arrived: {got:?}");
    Ok(())
}

#[tokio::test]
async fn entry_rules_and_skills_send_each_visitor_to_the_right_agent() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let site = admin.demo_site().await?;
    let billing: Skill = admin.post("/api/v1/admin/skills", &SkillConfig { name: "Billing".into() }).await?;
    admin.set_agent(AGENT_EMAIL, 3, vec![SkillLevel { skill_id: billing.id, level: 4 }]).await?;
    let config = QueueConfig { skills: vec![billing.id], level: 3, ..QueueConfig::new(site.id, "Billing") };
    let queue: Queue = admin.post("/api/v1/admin/queues", &config).await?;
    let rules = vec![EntryRule {
        queue_id: queue.id,
        url_pattern: String::new(),
        topic: "Billing".into(),
        language: String::new(),
        tier: String::new(),
        country: String::new(),
    }];
    let _: Vec<EntryRule> = admin.put(&format!("/api/v1/admin/sites/{}/entry-rules", site.id), &rules).await?;

    let mut mei = available_agent(&server).await?;
    let mut sam = available_agent_as(&server, SAM_EMAIL, AGENT_PASSWORD).await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    let chat = start_chat(&mut visitor, topic("Billing")).await?;
    let offer = offer_of(&mut mei, chat).await?;
    assert_eq!(offer.queue_name, "Billing");
    never(&mut sam, "Sam's billing offer", |e| matches!(e, AgentEvent::Offer { offer } if offer.conversation_id == chat)).await?;

    // Only an admin may change the configuration, and every change is on
    // the audit log with who made it.
    let agent = Rest::sign_in(&server, SAM_EMAIL, AGENT_PASSWORD).await?;
    assert_eq!(agent.status(reqwest::Method::POST, "/api/v1/admin/queues", &config).await?, 403);
    assert_eq!(agent.status(reqwest::Method::POST, "/api/v1/admin/skills", &SkillConfig { name: "x".into() }).await?, 403);
    let audit: Vec<protocol::admin::AuditEntry> = admin.get("/api/v1/admin/audit").await?;
    assert!(audit.iter().any(|e| e.action == "create queue" && e.subject == "Billing" && e.agent_name == "Ada Admin"), "{audit:?}");
    assert!(audit.iter().any(|e| e.action == "set entry rules"));
    // A bad configuration is refused with the reason.
    let bad = QueueConfig { hours: Some(BusinessHours { time_zone: "Mars/Olympus".into(), week: vec![vec![]; 7], holidays: vec![] }), ..config };
    assert_eq!(admin.status(reqwest::Method::POST, "/api/v1/admin/queues", &bad).await?, 400);
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_second_visitor_waits_with_a_position_and_an_estimate_until_the_first_chat_ends() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    admin.set_agent(AGENT_EMAIL, 1, vec![]).await?;
    let Chat { agent: mut mei, conversation: first, .. } = chat(&server).await?;
    let (mut second, _) = connect_visitor(&server, None, None).await?;
    second.send(&VisitorFrame::StartChat { prechat: prechat() }).await?;
    let waiting = second
        .recv_until("a place with an estimate", |e| matches!(e, VisitorEvent::Conversation { conversation } if conversation.queue_position == Some(1) && conversation.estimated_wait_secs.is_some()))
        .await?;
    let VisitorEvent::Conversation { conversation: waiting } = waiting else { unreachable!() };
    mei.send(&AgentFrame::End { conversation_id: first }).await?;
    offer_of(&mut mei, waiting.id).await?;
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn in_a_manual_queue_agents_pick_from_a_shared_list() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    admin.update_default_queue(|q| q.strategy = protocol::admin::Strategy::Manual).await?;
    let mut mei = available_agent(&server).await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    let chat = start_chat(&mut visitor, prechat()).await?;
    never(&mut mei, "an offer from a manual queue", |e| matches!(e, AgentEvent::Offer { .. })).await?;

    let desk = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let list: Vec<protocol::agent::Pickable> = desk.get("/api/v1/shared-list").await?;
    assert_eq!(list.iter().map(|p| (p.conversation_id, p.queue_name.as_str())).collect::<Vec<_>>(), vec![(chat, "General")]);
    mei.send(&AgentFrame::Pick { conversation_id: chat }).await?;
    mei.recv_until(
        "the picked chat",
        |e| matches!(e, AgentEvent::Conversation { conversation } if conversation.id == chat && conversation.status == ConversationStatus::Active),
    )
    .await?;
    let list: Vec<protocol::agent::Pickable> = desk.get("/api/v1/shared-list").await?;
    assert!(list.is_empty(), "{list:?}");
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_transfer_moves_the_chat_with_its_history_and_the_note() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let Chat { mut visitor, agent: mut mei, conversation, .. } = chat(&server).await?;
    visitor_says(&mut visitor, "q1", "我要退款").await?;
    let mut sam = available_agent_as(&server, SAM_EMAIL, AGENT_PASSWORD).await?;
    let note = "Wants a refund for order 1234";
    let sam_id = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?.agent(SAM_EMAIL).await?.id;
    mei.send(&AgentFrame::Transfer { conversation_id: conversation, to: TransferTarget::Agent { agent_id: sam_id }, note: note.into() }).await?;

    let offer = offer_of(&mut sam, conversation).await?;
    let transfer = offer.transfer.context("the offer says who transferred it")?;
    assert_eq!((transfer.from_agent.as_str(), transfer.note.as_str()), (AGENT_NAME, note));
    mei.recv_until(
        "the chat leaving Mei",
        |e| matches!(e, AgentEvent::Conversation { conversation: c } if c.id == conversation && c.status == ConversationStatus::Queued),
    )
    .await?;
    // The visitor reads where they are going, in their language.
    visitor
        .recv_until(
            "the transfer notice",
            |e| matches!(e, VisitorEvent::Message { message } if message.author == Author::System && message.text == "正在為您轉接至Sam Lee。"),
        )
        .await?;
    sam.send(&AgentFrame::Accept { conversation_id: conversation }).await?;
    let history = sam.recv_until("the history", |e| matches!(e, AgentEvent::History { conversation_id, .. } if *conversation_id == conversation)).await?;
    let AgentEvent::History { messages, .. } = history else { unreachable!() };
    assert!(messages.iter().any(|m| m.text == "我要退款"), "the history moves with the chat");
    visitor.recv_until("Sam answering", |e| matches!(e, VisitorEvent::Conversation { conversation: c } if c.agent_name.as_deref() == Some("Sam Lee"))).await?;
    let steps = server.store().conversation_events(conversation).await?;
    assert!(steps.iter().any(|s| s == "transferred"), "{steps:?}");
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn outside_business_hours_the_visitor_leaves_a_message_that_an_agent_answers() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let mut mei = available_agent(&server).await?;
    let (_visitor, welcome) = leave_message_after_hours(&server, &admin, "請明天回電給我").await?;

    let rest = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let left: Vec<protocol::agent::LeftMessage> = rest.get("/api/v1/left-messages").await?;
    let message = left.iter().find(|m| m.text == "請明天回電給我").context("the left message is listed")?;
    assert_eq!(message.email, prechat().email);
    let conversation: protocol::ConversationId = rest.post(&format!("/api/v1/left-messages/{}/answer", message.id), &()).await?;
    mei.recv_until("the follow-up chat", |e| matches!(e, AgentEvent::Conversation { conversation: c } if c.id == conversation)).await?;
    agent_says(&mut mei, conversation, "a1", "明天上午十點回電，可以嗎？").await?;
    let taken: Vec<protocol::agent::LeftMessage> = rest.get("/api/v1/left-messages").await?;
    assert!(taken.iter().all(|m| m.id != message.id), "a taken message leaves the list");

    // The visitor, back later, finds the answer in the widget.
    let (mut back, welcome_back) = connect_visitor(&server, Some(&welcome.token), None).await?;
    assert_eq!(welcome_back.conversation.map(|c| (c.id, c.status)), Some((conversation, ConversationStatus::Active)));
    let (_, _, messages) = visitor_history(&mut back).await?;
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, vec!["請明天回電給我", "明天上午十點回電，可以嗎？"]);
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_offer_left_to_lapse_makes_the_agent_away_as_missed_and_goes_to_the_next() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.routing.offer_timeout_secs = 1).await?;
    let mut mei = available_agent(&server).await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;
    offer_of(&mut mei, conversation).await?;
    mei.recv_until("away as missed", |e| matches!(e, AgentEvent::Presence { presence: Presence::Away, away_reason } if away_reason == "missed")).await?;
    let mut sam = available_agent_as(&server, SAM_EMAIL, AGENT_PASSWORD).await?;
    offer_of(&mut sam, conversation).await?;
    let steps = server.store().conversation_events(conversation).await?;
    assert!(steps.iter().any(|s| s == "missed"), "{steps:?}");
    let supervisor = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let floor: protocol::supervisor::Overview = supervisor.get("/api/v1/supervisor/overview").await?;
    assert!(floor.agents.iter().any(|a| a.name == AGENT_NAME && a.presence == Presence::Away && a.away_reason == "missed"), "supervisors see the miss");
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn wrap_up_codes_are_asked_for_and_recorded_and_the_report_counts_the_chat() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let queue = admin
        .update_default_queue(|q| {
            q.wrap_up_secs = Some(60);
            q.wrap_up_codes = vec!["sale".into(), "question".into()];
            q.default_wrap_up_code = "question".into();
        })
        .await?;
    let started = rapport::store::now_ms();
    let Chat { agent: mut mei, conversation, .. } = chat(&server).await?;
    mei.send(&AgentFrame::End { conversation_id: conversation }).await?;
    let asked = mei.recv_until("the wrap-up", |e| matches!(e, AgentEvent::WrapUp { conversation_id, .. } if *conversation_id == conversation)).await?;
    let AgentEvent::WrapUp { codes, default_code, .. } = asked else { unreachable!() };
    assert_eq!((codes, default_code.as_str()), (vec!["sale".to_string(), "question".to_string()], "question"));
    mei.send(&AgentFrame::WrapUp { conversation_id: conversation, code: "sale".into() }).await?;
    mei.recv_until("wrapped up", |e| matches!(e, AgentEvent::WrappedUp { conversation_id } if *conversation_id == conversation)).await?;
    let record = server.store().conversation(conversation).await?.context("the conversation")?;
    assert_eq!(record.wrap_up_code.as_deref(), Some("sale"));

    let report: protocol::supervisor::Report =
        admin.get(&format!("/api/v1/supervisor/report?from_ms={}&to_ms={}", started - 1000, rapport::store::now_ms() + 1000)).await?;
    let figures = report.queues.iter().find(|q| q.id == queue.id).context("the queue's figures")?;
    assert_eq!((figures.entered, figures.answered, figures.abandoned), (1, 1, 0));
    assert_eq!(figures.service_level, Some(1.0));
    assert!(figures.average_handle_secs.is_some());
    let mei_figures = report.agents.iter().find(|a| a.name == AGENT_NAME).context("Mei's figures")?;
    assert_eq!(mei_figures.handled, 1);
    assert!(mei_figures.occupancy.is_some_and(|o| o > 0.0));
    server.shutdown().await;
    Ok(())
}
