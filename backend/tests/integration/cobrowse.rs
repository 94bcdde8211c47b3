//! Co-browsing's server side: consent before anything is relayed, the
//! recorder proved by its key, the viewer only the session's agent,
//! viewers start from a snapshot, guidance passes by kind (clicks only
//! with control granted), short codes and the limit on guessing them,
//! the steps kept with their times, and the recording kept for replay.

use std::time::Duration;

use anyhow::Context;
use futures_util::SinkExt;
use protocol::cobrowse::{Control, EndedBy, Join, Session, State, VisitorSession};
use protocol::crm::{ContactCard, InteractionKind};
use protocol::visitor::{VisitorEvent, VisitorFrame};
use tokio_tungstenite::tungstenite::Message;

use crate::acd::Rest;
use crate::common::*;

const SAM_EMAIL: &str = "sam@rapport.demo";

async fn cobrowse_event(visitor: &mut VisitorClient, what: &str, wanted: impl Fn(&VisitorSession) -> bool) -> anyhow::Result<VisitorSession> {
    match visitor.recv_until(what, |e| matches!(e, VisitorEvent::Cobrowse { session } if wanted(session))).await? {
        VisitorEvent::Cobrowse { session } => Ok(session),
        _ => unreachable!("recv_until returns what it waited for"),
    }
}

async fn state_is(viewer: &mut Socket, state: &str) -> anyhow::Result<Session> {
    loop {
        let v = next_json(viewer).await?;
        if v["k"] == "state" && v["session"]["state"] == state {
            return Ok(serde_json::from_value(v["session"].clone())?);
        }
    }
}

async fn viewer(server: &TestServer, rest: &Rest, id: i64) -> anyhow::Result<Socket> {
    Ok(connect(&server.ws_url(&format!("/ws/v1/cobrowse/{id}/view")), &[("origin", &server.console_origin()), ("cookie", rest.cookie())]).await?)
}

async fn recorder(server: &TestServer, id: i64, key: &str) -> anyhow::Result<Socket> {
    let mut socket = connect(&server.ws_url(&format!("/ws/v1/cobrowse/{id}/record")), &[("origin", &server.shop_origin())]).await?;
    socket.send(Message::Text(serde_json::json!({ "key": key }).to_string().into())).await?;
    Ok(socket)
}

#[tokio::test]
async fn nothing_is_relayed_before_consent_and_only_to_the_session_s_agent() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let mut c = chat(&server).await?;
    let mei = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let asked: Session = mei.post(&format!("/api/v1/conversations/{}/cobrowse", c.conversation.get()), &serde_json::json!({})).await?;
    assert_eq!((asked.state, asked.control), (State::Asked, Control::None));
    let told = cobrowse_event(&mut c.visitor, "the request", |s| s.session.state == State::Asked).await?;
    assert!(told.key.is_none(), "no key before consent");
    assert!(told.session.agent_name.is_some(), "the prompt names the agent");

    // The agent's viewer waits; no recorder may connect yet.
    let mut view = viewer(&server, &mei, asked.id).await?;
    state_is(&mut view, "asked").await?;
    let early = refused_upgrade_status(&server.ws_url(&format!("/ws/v1/cobrowse/{}/record", asked.id)), &[("origin", &server.shop_origin())]).await?;
    assert_eq!(early, 404);
    // Another agent may not watch.
    let sam = Rest::sign_in(&server, SAM_EMAIL, AGENT_PASSWORD).await?;
    let stranger = refused_upgrade_status(
        &server.ws_url(&format!("/ws/v1/cobrowse/{}/view", asked.id)),
        &[("origin", &server.console_origin()), ("cookie", sam.cookie())],
    )
    .await?;
    assert_eq!(stranger, 404);

    c.visitor.send(&VisitorFrame::CobrowseAnswer { session_id: asked.id, accept: true }).await?;
    let live = cobrowse_event(&mut c.visitor, "consent", |s| s.session.state == State::Live).await?;
    let key = live.key.clone().context("the consenting tab gets the recorder's key")?;
    state_is(&mut view, "live").await?;

    // A wrong key is refused; nothing it sent would be relayed.
    let mut impostor = recorder(&server, asked.id, "not-the-key").await?;
    assert_eq!(closed_with(&mut impostor).await?, 4003);

    let mut rec = recorder(&server, asked.id, &key).await?;
    // Changes before any snapshot are no use to a viewer: skipped.
    rec.send(Message::Binary(vec![1, 9, 9].into())).await?;
    rec.send(Message::Binary(vec![0, 1, 2, 3].into())).await?;
    rec.send(Message::Binary(vec![1, 4].into())).await?;
    assert_eq!(next(&mut view).await?, Message::Binary(vec![0, 1, 2, 3].into()));
    assert_eq!(next(&mut view).await?, Message::Binary(vec![1, 4].into()));
    // Something that is not a recording ends the recorder's socket.
    let mut bad = recorder(&server, asked.id, &key).await?;
    bad.send(Message::Binary(vec![7, 7].into())).await?;
    assert_eq!(closed_with(&mut bad).await?, 1003);
    // That second recorder took over first: the one before it was closed.
    assert_eq!(closed_with(&mut rec).await?, 4001);
    let mut rec = recorder(&server, asked.id, &key).await?;
    // Guidance is for a recorder that is there: once its snapshot reaches
    // the viewer, it is.
    rec.send(Message::Binary(vec![0, 5].into())).await?;
    assert_eq!(next(&mut view).await?, Message::Binary(vec![0, 5].into()));

    // Pointing passes; acting needs control.
    view.send(Message::Text(r#"{"k":"ptr","x":10,"y":20}"#.into())).await?;
    assert_eq!(next_json(&mut rec).await?, serde_json::json!({"k": "ptr", "x": 10, "y": 20}));
    view.send(Message::Text(r#"{"k":"click","i":5}"#.into())).await?;
    let refusal = next_json(&mut view).await?;
    assert_eq!(refusal["k"], "error");
    view.send(Message::Text(r#"{"k":"control"}"#.into())).await?;
    let asked_control = cobrowse_event(&mut c.visitor, "the request for control", |s| s.session.control == Control::Asked).await?;
    c.visitor.send(&VisitorFrame::CobrowseControlAnswer { session_id: asked_control.session.id, accept: true }).await?;
    loop {
        let v = next_json(&mut view).await?;
        if v["k"] == "state" && v["session"]["control"] == "granted" {
            break;
        }
    }
    view.send(Message::Text(r#"{"k":"click","i":5}"#.into())).await?;
    // The recorder hears the click (after any snapshot requests).
    loop {
        let v = next_json(&mut rec).await?;
        if v["k"] == "click" {
            assert_eq!(v["i"], 5);
            break;
        }
    }

    // The visitor stops: the viewer is told and closed, so is the recorder.
    c.visitor.send(&VisitorFrame::CobrowseEnd { session_id: asked.id }).await?;
    let ended = state_is(&mut view, "ended").await?;
    assert_eq!(ended.ended_by, Some(EndedBy::Visitor));
    assert_eq!(closed_with(&mut view).await?, 4000);
    assert_eq!(closed_with(&mut rec).await?, 4000);

    // The chat tells both sides when it started, when control was given
    // and when it ended.
    let mut lines = Vec::new();
    for _ in 0..50 {
        let messages = server.store().messages_after(c.conversation, 0, 100).await?;
        lines = messages.into_iter().filter(|m| m.author == protocol::Author::System).map(|m| m.text.as_str().to_string()).collect::<Vec<_>>();
        if lines.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // In the visitor's language (this one's browser says Traditional Chinese).
    assert_eq!(lines, ["共同瀏覽已開始：林美 Mei可以看到此頁面。", "林美 Mei現在可以在此頁面上點按和輸入。", "共同瀏覽已結束。"]);

    // Every step is on record with its time.
    let stored = server.store().cobrowse_session(asked.id).await?.context("the session")?;
    let s = stored.session;
    assert!(s.consented_ms.is_some() && s.control_ms.is_some() && s.ended_ms.is_some());
    assert!(s.asked_ms <= s.consented_ms.unwrap_or(0) && s.consented_ms <= s.ended_ms);

    // The recording was kept as it was sent (the snapshot and what came
    // after; the changes before the first snapshot too, as sent).
    let mut kept = Vec::new();
    for _ in 0..50 {
        kept = server.store().cobrowse_recording(asked.id).await?;
        if kept.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let bytes: Vec<Vec<u8>> = kept.into_iter().map(|(_, b)| b).collect();
    assert!(bytes.contains(&vec![0, 1, 2, 3]) && bytes.contains(&vec![1, 4]), "{bytes:?}");
    // Its replay is for the agent and the site's supervisors and admins,
    // not for another agent.
    let replay = reqwest::Client::new().get(server.http_url(&format!("/api/v1/cobrowse/{}/recording", asked.id))).header("cookie", mei.cookie()).send().await?;
    assert_eq!(replay.status().as_u16(), 200);
    let body = replay.bytes().await?;
    assert_eq!((&body[4..8], &body[8..11]), (&3u32.to_be_bytes()[..], &[1u8, 9, 9][..]), "records are [ms][length][bytes]");
    let sam_replay =
        reqwest::Client::new().get(server.http_url(&format!("/api/v1/cobrowse/{}/recording", asked.id))).header("cookie", sam.cookie()).send().await?;
    assert_eq!(sam_replay.status().as_u16(), 404);

    // The session is on the contact's timeline, in their export, and goes
    // with them when they are erased.
    let contact = server.store().conversation_contact(c.conversation).await?.context("the visitor's contact")?;
    let card: ContactCard = mei.get(&format!("/api/v1/contacts/{contact}")).await?;
    let entry = card.timeline.interactions.iter().find(|i| i.kind == InteractionKind::Cobrowse).context("the session on the timeline")?;
    assert_eq!((entry.id, entry.status.as_str(), entry.summary.as_str()), (asked.id, "ended", "control"));
    assert!(entry.agent.contains("Mei"));
    let export = server.store().export_contact(contact).await?;
    assert_eq!(export.cobrowse.len(), 1);
    assert_eq!(export.cobrowse[0].session.id, asked.id);
    assert!(export.cobrowse[0].recording.len() >= 3, "every kept message is exported");
    c.agent.send(&protocol::agent::AgentFrame::End { conversation_id: c.conversation }).await?;
    c.visitor
        .recv_until("the end", |e| matches!(e, VisitorEvent::Conversation { conversation } if conversation.status == protocol::ConversationStatus::Ended))
        .await?;
    rapport::contacts::erase(&server.server.state, contact).await.map_err(|r| anyhow::anyhow!(r.message))?;
    assert!(server.store().cobrowse_session(asked.id).await?.is_none());
    assert!(server.store().cobrowse_recording(asked.id).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_declined_request_records_nothing_and_the_agent_can_ask_only_in_their_own_chat() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let mut c = chat(&server).await?;
    let sam = Rest::sign_in(&server, SAM_EMAIL, AGENT_PASSWORD).await?;
    let status = sam.status(reqwest::Method::POST, &format!("/api/v1/conversations/{}/cobrowse", c.conversation.get()), &serde_json::json!({})).await?;
    assert_eq!(status, 404, "not Sam's chat");
    let mei = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let asked: Session = mei.post(&format!("/api/v1/conversations/{}/cobrowse", c.conversation.get()), &serde_json::json!({})).await?;
    let mut view = viewer(&server, &mei, asked.id).await?;
    state_is(&mut view, "asked").await?;
    c.visitor.send(&VisitorFrame::CobrowseAnswer { session_id: asked.id, accept: false }).await?;
    let declined = state_is(&mut view, "declined").await?;
    assert_eq!(declined.ended_by, Some(EndedBy::Visitor));
    assert_eq!(closed_with(&mut view).await?, 4000);
    // Answering again changes nothing.
    c.visitor.send(&VisitorFrame::CobrowseAnswer { session_id: asked.id, accept: true }).await?;
    c.visitor.recv_until("a refusal", |e| matches!(e, VisitorEvent::Error { .. })).await?;
    assert!(server.store().cobrowse_recording(asked.id).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_visitor_s_code_lets_one_agent_join_and_guessing_is_limited() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    visitor.send(&VisitorFrame::CobrowseCode).await?;
    let waiting = cobrowse_event(&mut visitor, "a code", |s| s.session.state == State::Code).await?;
    let code = waiting.code.clone().context("the code")?;
    assert_eq!(code.len(), 6);
    assert!(waiting.code_expires_ms.is_some_and(|at| at > waiting.session.asked_ms));

    let mei = Rest::sign_in(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let joined: Session = mei.post("/api/v1/cobrowse/join", &Join { code: spaced }).await?;
    assert_eq!(joined.state, State::Live);
    let live = cobrowse_event(&mut visitor, "the agent joining", |s| s.session.state == State::Live).await?;
    assert!(live.key.is_some());
    // The code is used up.
    assert_eq!(mei.status(reqwest::Method::POST, "/api/v1/cobrowse/join", &Join { code: code.clone() }).await?, 404);

    // Wrong codes (the used one was the first): five a minute, then even
    // a right one waits.
    visitor.send(&VisitorFrame::CobrowseCode).await?;
    let next_code = cobrowse_event(&mut visitor, "a second code", |s| s.session.state == State::Code).await?.code.context("the code")?;
    let wrong = if next_code == "000000" { "000001" } else { "000000" };
    for _ in 0..3 {
        assert_eq!(mei.status(reqwest::Method::POST, "/api/v1/cobrowse/join", &Join { code: wrong.into() }).await?, 404);
    }
    assert_eq!(mei.status(reqwest::Method::POST, "/api/v1/cobrowse/join", &Join { code: "12".into() }).await?, 404, "a malformed code counts too");
    assert_eq!(mei.status(reqwest::Method::POST, "/api/v1/cobrowse/join", &Join { code: next_code.clone() }).await?, 429);
    // Starting a new code ended the first session.
    let first = server.store().cobrowse_session(joined.id).await?.context("the first session")?;
    assert_eq!(first.session.state, State::Ended);
    Ok(())
}
