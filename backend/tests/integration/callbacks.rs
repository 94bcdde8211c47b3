//! Callback requests over the real server: the visitor asks in the
//! widget's frames, the request waits for its slot, enters the queue as a
//! callback, is offered to an agent, comes back after "no answer", and
//! completes on "connected", with every attempt on the record; impossible
//! numbers, duplicates and requests over the hourly limit are refused in
//! the visitor's language.

use std::time::Duration;

use protocol::agent::{AgentEvent, AgentFrame};
use protocol::callback::{
    CallbackDetails, CallbackInfo, CallbackOptions, CallbackOutcome, CallbackRefusal, CallbackRequest, CallbackStatus, Disposition, VisitorCallback,
};
use protocol::visitor::{VisitorEvent, VisitorFrame};
use protocol::{Channel, ConversationId};

use crate::acd::{Rest, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::common::*;

pub(crate) async fn options(visitor: &mut VisitorClient) -> anyhow::Result<CallbackOptions> {
    visitor.send(&VisitorFrame::CallbackOptions).await?;
    match visitor.recv_until("the callback options", |e| matches!(e, VisitorEvent::CallbackOptions { .. })).await? {
        VisitorEvent::CallbackOptions { options } => Ok(options),
        _ => unreachable!("recv_until returned a frame it did not ask for"),
    }
}

fn request(phone: &str, at_ms: Option<i64>) -> CallbackRequest {
    CallbackRequest { name: "陳小明".into(), phone: phone.into(), country: "TW".into(), topic: "退款".into(), at_ms }
}

async fn status(visitor: &mut VisitorClient, wanted: CallbackStatus) -> anyhow::Result<VisitorCallback> {
    let what = format!("the callback {}", wanted.as_str());
    match visitor.recv_until(&what, |e| matches!(e, VisitorEvent::Callback { callback } if callback.status == wanted)).await? {
        VisitorEvent::Callback { callback } => Ok(callback),
        _ => unreachable!("recv_until returned a frame it did not ask for"),
    }
}

async fn refusal(visitor: &mut VisitorClient) -> anyhow::Result<(CallbackRefusal, String)> {
    match visitor.recv_until("a refusal", |e| matches!(e, VisitorEvent::CallbackRefused { .. })).await? {
        VisitorEvent::CallbackRefused { reason, message } => Ok((reason, message)),
        _ => unreachable!("recv_until returned a frame it did not ask for"),
    }
}

/// The next callback offered to the agent, accepted.
async fn take_call(agent: &mut AgentClient) -> anyhow::Result<ConversationId> {
    let offer = agent.recv_until("a callback offer", |e| matches!(e, AgentEvent::Offer { offer } if offer.channel == Channel::Callback)).await?;
    let AgentEvent::Offer { offer } = offer else { unreachable!() };
    agent.send(&AgentFrame::Accept { conversation_id: offer.conversation_id }).await?;
    agent
        .recv_until(
            "the accepted callback",
            |e| matches!(e, AgentEvent::Conversation { conversation } if conversation.id == offer.conversation_id && conversation.channel == Channel::Callback),
        )
        .await?;
    Ok(offer.conversation_id)
}

#[tokio::test]
async fn a_scheduled_callback_is_offered_at_its_time_retried_after_no_answer_and_completed() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    admin
        .update_default_queue(|q| {
            q.callbacks.slot_secs = 10;
            q.callbacks.retry_delay_secs = 1;
            q.callbacks.max_attempts = 3;
        })
        .await?;
    let (mut visitor, welcome) = connect_visitor(&server, None, None).await?;
    let offered = options(&mut visitor).await?;
    assert_eq!(offered.default_country, "TW", "from the visitor's zh-Hant");
    assert!(offered.asap && offered.slot_secs == 10);
    assert!(offered.countries.iter().any(|c| c.region == "TW" && c.calling_code == 886));
    let slot = *offered.slots.first().expect("an always-open queue has slots");

    // Impossible numbers and unknown slots are refused, in the visitor's language.
    visitor.send(&VisitorFrame::RequestCallback { request: request("12", Some(slot)) }).await?;
    assert_eq!(refusal(&mut visitor).await?, (CallbackRefusal::InvalidPhone, "這個電話號碼無效，請檢查國家和號碼。".into()));
    visitor.send(&VisitorFrame::RequestCallback { request: request("0912 345 678", Some(slot + 1)) }).await?;
    assert_eq!(refusal(&mut visitor).await?.0, CallbackRefusal::SlotUnavailable);

    visitor.send(&VisitorFrame::RequestCallback { request: request("0912 345 678", Some(slot)) }).await?;
    let scheduled = status(&mut visitor, CallbackStatus::Scheduled).await?;
    assert_eq!((scheduled.phone.as_str(), scheduled.due_at_ms, scheduled.asap), ("+886912345678", slot, false));

    // The same number from someone else is a duplicate.
    let (mut other, _) = connect_visitor(&server, None, None).await?;
    other.send(&VisitorFrame::RequestCallback { request: request("+886 912-345-678", None) }).await?;
    assert_eq!(refusal(&mut other).await?, (CallbackRefusal::Duplicate, "這個號碼已經有一個待回電的請求。".into()));

    // At its time it is offered to an agent as a callback; the visitor sees it calling.
    let mut mei = available_agent(&server).await?;
    let first = take_call(&mut mei).await?;
    status(&mut visitor, CallbackStatus::Calling).await?;
    let desk = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let details: CallbackDetails = desk.get(&format!("/api/v1/callbacks/by-conversation/{first}")).await?;
    assert_eq!((details.callback.phone.as_str(), details.callback.name.as_str(), details.callback.attempts), ("+886912345678", "陳小明", 0));
    // Ending a callback without saying how it went is refused.
    mei.send(&AgentFrame::End { conversation_id: first }).await?;
    mei.recv_until("the refusal to end", |e| matches!(e, AgentEvent::Error { .. })).await?;

    let no_answer = Disposition { outcome: CallbackOutcome::NoAnswer, notes: "rang out".into(), wrap_up_code: String::new() };
    let after: CallbackInfo = desk.post(&format!("/api/v1/callbacks/{}/disposition", details.callback.id), &no_answer).await?;
    assert_eq!((after.status, after.attempts), (CallbackStatus::Scheduled, 1));
    status(&mut visitor, CallbackStatus::Scheduled).await?;
    // Recording it twice is refused.
    assert_eq!(desk.status(reqwest::Method::POST, &format!("/api/v1/callbacks/{}/disposition", details.callback.id), &no_answer).await?, 409);

    // After the retry delay it comes back.
    let second = take_call(&mut mei).await?;
    assert_ne!(first, second, "each attempt is its own conversation");
    let connected = Disposition { outcome: CallbackOutcome::Connected, notes: "refund explained".into(), wrap_up_code: "refund".into() };
    let done: CallbackInfo = desk.post(&format!("/api/v1/callbacks/{}/disposition", details.callback.id), &connected).await?;
    assert_eq!((done.status, done.attempts), (CallbackStatus::Completed, 2));
    status(&mut visitor, CallbackStatus::Completed).await?;

    // The record has every attempt, and the queue's events count callbacks, not abandonments.
    let details: CallbackDetails = desk.get(&format!("/api/v1/callbacks/by-conversation/{second}")).await?;
    let outcomes: Vec<_> = details.attempts.iter().map(|a| (a.outcome, a.notes.as_str(), a.agent_name.as_str())).collect();
    assert_eq!(outcomes, vec![(CallbackOutcome::NoAnswer, "rang out", "林美 Mei"), (CallbackOutcome::Connected, "refund explained", "林美 Mei")]);
    for attempt in [first, second] {
        let events = server.store().conversation_events(attempt).await?;
        assert!(events.starts_with(&["entered".to_string(), "offered".into(), "accepted".into()]), "{events:?}");
        assert!(!events.iter().any(|e| e == "abandoned"), "{events:?}");
    }
    // A reload shows the outcome.
    let (_, shown) = connect_visitor_with_callback(&server, &welcome.token).await?;
    assert_eq!((shown.status, shown.attempts), (CallbackStatus::Completed, 2));
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_visitor_cancels_and_moves_a_callback_and_is_limited_per_hour() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.callbacks_per_visitor_per_hour = 2).await?;
    let (mut visitor, welcome) = connect_visitor(&server, None, None).await?;
    let offered = options(&mut visitor).await?;
    let (first, second) = (offered.slots[10], offered.slots[20]);
    visitor.send(&VisitorFrame::RequestCallback { request: request("0912 345 678", Some(first)) }).await?;
    let c = status(&mut visitor, CallbackStatus::Scheduled).await?;
    visitor.send(&VisitorFrame::RescheduleCallback { callback_id: c.id, at_ms: Some(second) }).await?;
    visitor.recv_until("the new time", |e| matches!(e, VisitorEvent::Callback { callback } if callback.due_at_ms == second)).await?;

    // Another tab of the same visitor sees it on hello, and may cancel it.
    let (mut tab, shown) = connect_visitor_with_callback(&server, &welcome.token).await?;
    assert_eq!((shown.id, shown.due_at_ms), (c.id, second));
    tab.send(&VisitorFrame::CancelCallback { callback_id: c.id }).await?;
    status(&mut tab, CallbackStatus::Cancelled).await?;
    status(&mut visitor, CallbackStatus::Cancelled).await?;
    tab.send(&VisitorFrame::CancelCallback { callback_id: c.id }).await?;
    assert_eq!(refusal(&mut tab).await?.0, CallbackRefusal::NotFound);

    // The number is free again, but the visitor's hourly allowance is spent.
    visitor.send(&VisitorFrame::RequestCallback { request: request("0912 345 678", Some(first)) }).await?;
    status(&mut visitor, CallbackStatus::Scheduled).await?;
    visitor.send(&VisitorFrame::RequestCallback { request: request("0987 654 321", Some(first)) }).await?;
    assert_eq!(refusal(&mut visitor).await?, (CallbackRefusal::TooMany, "回電請求太多，請稍後再試。".into()));
    server.shutdown().await;
    Ok(())
}

/// Connects as the visitor holding `token` and checks that the welcome
/// carries their open callback.
async fn connect_visitor_with_callback(server: &TestServer, token: &str) -> anyhow::Result<(VisitorClient, VisitorCallback)> {
    let mut client = say_hello(server, Some(token), None).await?;
    match client.recv_until("welcome", |e| matches!(e, VisitorEvent::Welcome { .. })).await? {
        VisitorEvent::Welcome { callback: Some(callback), .. } => Ok((client, callback)),
        other => anyhow::bail!("the welcome has no callback: {other:?}"),
    }
}

#[tokio::test]
async fn an_agent_offers_a_callback_from_a_chat_and_the_form_opens() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let Chat { mut visitor, conversation, .. } = chat(&server).await?;
    let desk = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let _: ConversationId = desk.post(&format!("/api/v1/conversations/{conversation}/offer-callback"), &()).await?;
    tokio::time::timeout(Duration::from_secs(5), visitor.recv_until("the suggestion", |e| matches!(e, VisitorEvent::CallbackSuggested))).await??;
    server.shutdown().await;
    Ok(())
}

/// A stand-in for a telephony system: records every webhook it receives
/// and refuses the first one with a 500, as a flaky receiver would.
#[derive(Clone, Default)]
pub struct Dialer {
    received: std::sync::Arc<std::sync::Mutex<Vec<(String, String, String)>>>,
}

impl Dialer {
    pub async fn start(&self) -> anyhow::Result<String> {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/dial",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let me = me.clone();
                async move {
                    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    let mut received = me.received.lock().expect("the dialer's log");
                    received.push((header("x-rapport-timestamp"), header("x-rapport-signature"), body));
                    if received.len() == 1 {
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        axum::http::StatusCode::OK
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/dial", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(url)
    }

    pub fn received(&self) -> Vec<(String, String, String)> {
        self.received.lock().expect("the dialer's log").clone()
    }
}

#[tokio::test]
async fn the_click_to_call_reaches_the_dialer_signed_and_retried_until_it_answers() -> anyhow::Result<()> {
    let dialer = Dialer::default();
    let url = dialer.start().await?;
    let secret = "s3cret-dialer-key";
    let server = TestServer::start_with(|c| {
        c.dialer.url = url.clone();
        c.dialer.secret = secret.into();
        c.dialer.first_retry_ms = 200;
    })
    .await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    let mut mei = available_agent(&server).await?;
    visitor.send(&VisitorFrame::RequestCallback { request: request("0912 345 678", None) }).await?;
    let conversation = take_call(&mut mei).await?;
    let desk = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let details: CallbackDetails = desk.get(&format!("/api/v1/callbacks/by-conversation/{conversation}")).await?;
    let asked: bool = desk.post(&format!("/api/v1/callbacks/{}/dial", details.callback.id), &()).await?;
    assert!(asked, "a dialer is configured");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while dialer.received().len() < 2 {
        anyhow::ensure!(tokio::time::Instant::now() < deadline, "the dialer got {:?}", dialer.received());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let now = rapport::store::now_ms() / 1000;
    for (timestamp, signature, body) in dialer.received() {
        let timestamp: i64 = timestamp.parse()?;
        assert!(rapport::webhooks::verify(secret, timestamp, &body, &signature, now), "a bad signature: {signature} over {body}");
        assert!(!rapport::webhooks::verify("wrong", timestamp, &body, &signature, now));
        let dial: protocol::callback::DialRequest = serde_json::from_str(&body)?;
        assert_eq!(
            (dial.event.as_str(), dial.phone.as_str(), dial.conversation_id, dial.agent_name.as_str()),
            ("callback.dial", "+886912345678", conversation, "林美 Mei")
        );
    }
    // The delivery log shows the failed attempt and the delivery.
    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let log: Vec<protocol::admin::Delivery> = admin.get("/api/v1/admin/deliveries").await?;
    let d = log.first().expect("one delivery");
    assert_eq!((d.status.as_str(), d.attempts, d.last_status), ("delivered", 2, Some(200)), "{log:?}");
    assert_eq!(desk.status(reqwest::Method::GET, "/api/v1/admin/deliveries", &()).await?, 403, "agents do not read the log");
    assert!(server.store().conversation_events(conversation).await?.contains(&"dialed".to_string()));
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_callback_cancelled_while_it_waits_leaves_the_queue_and_a_callback_is_not_transferred() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    // Nobody is available: as soon as possible means waiting in the queue.
    visitor.send(&VisitorFrame::RequestCallback { request: request("0912 345 678", None) }).await?;
    let waiting = status(&mut visitor, CallbackStatus::Waiting).await?;
    assert_eq!(waiting.queue_position, Some(1));
    visitor.send(&VisitorFrame::CancelCallback { callback_id: waiting.id }).await?;
    status(&mut visitor, CallbackStatus::Cancelled).await?;
    let attempts = server.store().conversations_with_status(protocol::ConversationStatus::Queued).await?;
    assert!(attempts.is_empty(), "the cancelled attempt still waits: {attempts:?}");
    // An agent who comes now is offered nothing.
    let mut mei = available_agent(&server).await?;
    let offered = tokio::time::timeout(Duration::from_millis(1500), mei.recv_until("an offer", |e| matches!(e, AgentEvent::Offer { .. }))).await;
    assert!(offered.is_err() || offered.as_ref().is_ok_and(|r| r.is_err()), "{offered:?}");

    // A new request is offered to Mei, who cannot transfer it or write in it.
    visitor.send(&VisitorFrame::RequestCallback { request: request("0912 345 678", None) }).await?;
    let call = take_call(&mut mei).await?;
    mei.send(&AgentFrame::Transfer {
        conversation_id: call,
        to: protocol::agent::TransferTarget::Agent { agent_id: protocol::AgentId(1) },
        note: String::new(),
    })
    .await?;
    mei.recv_until("the refused transfer", |e| matches!(e, AgentEvent::Error { .. })).await?;
    mei.send(&AgentFrame::Send { conversation_id: call, client_id: cid("c1"), text: text("hello?") }).await?;
    mei.recv_until("the refused message", |e| matches!(e, AgentEvent::Error { .. })).await?;
    server.shutdown().await;
    Ok(())
}
