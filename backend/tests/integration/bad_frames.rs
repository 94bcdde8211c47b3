//! What a broken or hostile client gets for frames it should not send: a
//! precise error and a connection that keeps working, or, for abuse, a
//! closed connection that harms nobody else.

use crate::common::*;
use protocol::agent::AgentEvent;
use protocol::visitor::{VisitorEvent, VisitorFrame};
use protocol::{ErrorCode, MAX_FRAME_BYTES, MAX_MESSAGE_CHARS};

#[tokio::test]
async fn malformed_json_is_refused_and_the_connection_lives_on() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    start_chat(&mut visitor, prechat()).await?;

    visitor.send_text(r#"{"type":"send","client_id":"x","text":"#).await?;
    assert_eq!(visitor.recv_error().await?, ErrorCode::BadFrame);
    // A known type with a missing field is malformed too, not unknown.
    visitor.send_text(r#"{"type":"send","client_id":"x"}"#).await?;
    assert_eq!(visitor.recv_error().await?, ErrorCode::BadFrame);

    assert_eq!(visitor_says(&mut visitor, "after", "still here").await?, 1);
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_unknown_type_is_named_as_such() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    visitor.send_text(r#"{"type":"launch_missiles","target":"moon"}"#).await?;
    assert_eq!(visitor.recv_error().await?, ErrorCode::UnknownType);

    let mut agent = available_agent(&server).await?;
    agent.send_text(r#"{"type":"transfer_to_mars"}"#).await?;
    assert_eq!(agent.recv_error().await?, ErrorCode::UnknownType);
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn messages_over_the_limit_are_refused_by_character_count() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    start_chat(&mut visitor, prechat()).await?;

    // Chinese text: 3 bytes a character, so a byte limit would cut it short.
    let longest = "茶".repeat(MAX_MESSAGE_CHARS);
    assert_eq!(visitor_says(&mut visitor, "longest", &longest).await?, 1);
    // The protocol's own types cannot even hold it: raw JSON, as a broken
    // or hostile client would send.
    visitor.send_text(serde_json::json!({ "type": "send", "client_id": "too-long", "text": format!("{longest}!") }).to_string()).await?;
    assert_eq!(visitor.recv_error().await?, ErrorCode::TooLarge);

    assert_eq!(visitor_says(&mut visitor, "short", "ok").await?, 2, "the refused message took no seq");
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_flood_is_rate_limited_without_hurting_other_visitors() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let Chat { visitor: mut calm, mut agent, conversation, .. } = chat(&server).await?;
    let (mut flooder, _) = connect_visitor(&server, None, None).await?;

    // Sends may start failing once the server gives up on the flooder.
    for _ in 0..200 {
        if flooder.send(&VisitorFrame::Typing { on: true }).await.is_err() {
            break;
        }
    }
    assert_eq!(flooder.recv_error().await?, ErrorCode::RateLimited);
    assert!(flooder.is_closed_by_server().await, "a connection that keeps flooding is cut off");

    let seq = visitor_says(&mut calm, "calm-1", "我這邊一切正常嗎？").await?;
    let got = agent.recv_until("the calm visitor's message", |e| matches!(e, AgentEvent::Message { message, .. } if message.seq == seq)).await?;
    assert!(matches!(got, AgentEvent::Message { conversation_id, .. } if conversation_id == conversation));
    agent_says(&mut agent, conversation, "a-1", "一切正常").await?;
    calm.recv_until("the reply", |e| matches!(e, VisitorEvent::Message { message } if message.text == "一切正常")).await?;

    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_frame_over_64_kib_closes_the_connection() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;

    let huge = format!(r#"{{"type":"send","client_id":"big","text":"{}"}}"#, "a".repeat(MAX_FRAME_BYTES));
    visitor.send_text(huge).await?;
    assert!(visitor.is_closed_by_server().await, "the server closes a connection that sends an oversized frame");

    // Nothing was stored, and the server serves others as before.
    assert!(server.server.state.store.messages_after(conversation, 0, 1000).await?.is_empty());
    let (mut other, _) = connect_visitor(&server, None, None).await?;
    start_chat(&mut other, prechat()).await?;
    assert_eq!(visitor_says(&mut other, "fine", "hello").await?, 1);
    server.shutdown().await;
    Ok(())
}
