//! Email through a real SMTP exchange with a local receiver: the visitor's
//! transcript (HTML and plain text, Chinese intact) survives a refusing
//! server through the outbox's retries, a message left reaches the site's
//! team, and every attempt is in the delivery log.

use std::time::Duration;

use mail_parser::MessageParser;
use protocol::admin::{Delivery, Site};
use protocol::visitor::{VisitorEvent, VisitorFrame};
use protocol::ErrorCode;
use testbed::SmtpReceiver;

use crate::acd::{leave_message_after_hours, Rest, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::common::*;

const WAIT: Duration = Duration::from_secs(20);

async fn received(smtp: &SmtpReceiver, n: usize) -> anyhow::Result<Vec<testbed::Received>> {
    let smtp_messages = || smtp.messages().len() >= n;
    let start = std::time::Instant::now();
    while !smtp_messages() {
        anyhow::ensure!(start.elapsed() < WAIT, "{} of {n} emails arrived", smtp.messages().len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(smtp.messages())
}

#[tokio::test]
async fn the_transcript_and_messages_left_arrive_by_email_through_retries() -> anyhow::Result<()> {
    let smtp = SmtpReceiver::start()?;
    // The first attempt is refused: the outbox must try again.
    smtp.refuse_next(1);
    let url = smtp.url();
    let server = TestServer::start_with(|c| {
        c.smtp.url = url;
        c.smtp.from = "Northwind <support@northwind.example>".into();
        c.smtp.first_retry_ms = 200;
    })
    .await?;

    let mut c = chat(&server).await?;
    visitor_says(&mut c.visitor, "s1", "我的包裹 <b>還沒到</b>").await?;
    agent_says(&mut c.agent, c.conversation, "a1", "已為您查詢，明天送達。").await?;

    let id = c.conversation;
    // Not while the chat is still open.
    c.visitor.send(&VisitorFrame::EmailTranscript { conversation_id: id, email: "ming@example.tw".into() }).await?;
    c.visitor.recv_until("a refusal", |e| matches!(e, VisitorEvent::Error { error } if error.code == ErrorCode::NoConversation)).await?;
    c.agent.send(&protocol::agent::AgentFrame::End { conversation_id: id }).await?;
    c.visitor
        .recv_until("the end", |e| matches!(e, VisitorEvent::Conversation { conversation } if conversation.status == protocol::ConversationStatus::Ended))
        .await?;
    c.visitor.send(&VisitorFrame::EmailTranscript { conversation_id: id, email: "not an address".into() }).await?;
    c.visitor.recv_until("a refusal", |e| matches!(e, VisitorEvent::Error { error } if error.code == ErrorCode::Invalid)).await?;
    c.visitor.send(&VisitorFrame::EmailTranscript { conversation_id: id, email: "ming@example.tw".into() }).await?;
    c.visitor.recv_until("queued", |e| matches!(e, VisitorEvent::TranscriptQueued { email } if email == "ming@example.tw")).await?;

    let mail = received(&smtp, 1).await?;
    assert_eq!(mail[0].to, ["ming@example.tw"]);
    let parsed = MessageParser::default().parse(mail[0].data.as_bytes()).expect("a parsable email");
    let plain = parsed.body_text(0).expect("a plain-text part").to_string();
    let html = parsed.body_html(0).expect("an HTML part").to_string();
    assert!(plain.contains("我的包裹 <b>還沒到</b>") && plain.contains("已為您查詢，明天送達。"), "{plain}");
    assert!(html.contains("我的包裹 &lt;b&gt;還沒到&lt;/b&gt;") && html.contains(AGENT_NAME), "{html}");
    // The demo visitor's locale is Traditional Chinese.
    assert!(parsed.subject().is_some_and(|s| s.contains("對話紀錄")), "{:?}", parsed.subject());

    // The delivery log shows both attempts.
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let log: Vec<Delivery> = admin.get("/api/v1/admin/deliveries").await?;
    let sent = log.iter().find(|d| d.kind == "email.transcript").expect("the transcript in the log");
    assert_eq!((sent.status.as_str(), sent.attempts), ("delivered", 2), "{sent:?}");
    assert!(sent.last_error.is_empty() || sent.status == "delivered");

    // At most three per conversation.
    for _ in 0..2 {
        c.visitor.send(&VisitorFrame::EmailTranscript { conversation_id: id, email: "ming@example.tw".into() }).await?;
        c.visitor.recv_until("queued", |e| matches!(e, VisitorEvent::TranscriptQueued { .. })).await?;
    }
    c.visitor.send(&VisitorFrame::EmailTranscript { conversation_id: id, email: "someone@else.example".into() }).await?;
    c.visitor.recv_until("the limit", |e| matches!(e, VisitorEvent::Error { error } if error.code == ErrorCode::RateLimited)).await?;

    // A message left outside business hours reaches the site's team.
    let mut site: Site = admin.demo_site().await?;
    site.config.team_email = "team@northwind.example".into();
    let _: Site = admin.put(&format!("/api/v1/admin/sites/{}", site.id), &site.config).await?;
    leave_message_after_hours(&server, &admin, "請明天回電給我").await?;
    let mail = received(&smtp, 4).await?;
    let team = mail.iter().find(|m| m.to == ["team@northwind.example"]).expect("the team's email");
    let parsed = MessageParser::default().parse(team.data.as_bytes()).expect("a parsable email");
    assert!(parsed.body_text(0).is_some_and(|t| t.contains("請明天回電給我") && t.contains(&prechat().email)));
    assert!(parsed.reply_to().and_then(|r| r.first()).and_then(|a| a.address()).is_some_and(|a| a == prechat().email));
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_team_address_must_be_an_address() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let mut site: Site = admin.demo_site().await?;
    site.config.team_email = "team at northwind".into();
    assert_eq!(admin.status(reqwest::Method::PUT, &format!("/api/v1/admin/sites/{}", site.id), &site.config).await?, 400);
    // Without SMTP settings the server says it sends no email.
    let mut c = chat(&server).await?;
    c.visitor.send(&VisitorFrame::EmailTranscript { conversation_id: c.conversation, email: "ming@example.tw".into() }).await?;
    c.visitor.recv_until("a refusal", |e| matches!(e, VisitorEvent::Error { error } if error.code == ErrorCode::InvalidState)).await?;
    Ok(())
}
