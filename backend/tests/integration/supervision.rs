//! The routing task is the one thing that hands chats to agents: if it
//! fails it is rebuilt from the database, and if it keeps failing the
//! server stops rather than run without it.

use std::time::{Duration, Instant};

use protocol::agent::{AgentEvent, AgentFrame};

use crate::common::*;

#[tokio::test]
async fn a_failed_routing_task_is_restored_and_chats_go_on() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let mut agent = available_agent(&server).await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;
    agent.recv_until("the offer", |e| matches!(e, AgentEvent::Offer { offer } if offer.conversation_id == conversation)).await?;

    server.server.state.routing.crash_for_test().await;
    // Rebuilt from the store and the live connections: the waiting visitor
    // is offered again to the agent who is still there.
    agent.recv_until("the offer again", |e| matches!(e, AgentEvent::Offer { offer } if offer.conversation_id == conversation)).await?;
    agent.send(&AgentFrame::Accept { conversation_id: conversation }).await?;
    agent.recv_until("the chat", |e| matches!(e, AgentEvent::Conversation { conversation: c } if c.id == conversation)).await?;
    visitor_says(&mut visitor, "after", "還在嗎？").await?;
    agent.recv_until("the message", |e| matches!(e, AgentEvent::Message { .. })).await?;
    assert_eq!(reqwest::get(server.http_url("/healthz")).await?.status(), 200);
    assert!(server.server.state.fatal.reason().is_none());
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn routing_that_keeps_failing_stops_the_server() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let started = Instant::now();
    while server.server.state.fatal.reason().is_none() {
        anyhow::ensure!(started.elapsed() < Duration::from_secs(10), "the server kept running without routing");
        server.server.state.routing.crash_for_test().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(server.server.state.shutdown.is_cancelled(), "a fatal failure starts the shutdown");
    assert!(server.server.state.fatal.reason().unwrap_or_default().contains("routing failed"));
    server.shutdown().await;
    Ok(())
}
