//! Waiting visitors: one conversation per visitor whatever their tabs do,
//! and a visitor who leaves the queue for good is let go (and counted as
//! abandoned) instead of waiting for ever.

use std::time::{Duration, Instant};

use protocol::agent::AgentEvent;
use protocol::visitor::{VisitorEvent, VisitorFrame};
use protocol::{ConversationId, ConversationStatus};

use crate::common::*;

async fn wait_for_status(server: &TestServer, id: ConversationId, wanted: ConversationStatus, within: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let status = server.store().conversation(id).await?.map(|c| c.status);
        if status == Some(wanted) {
            return Ok(());
        }
        anyhow::ensure!(started.elapsed() < within, "conversation {id} is {status:?}, not {wanted:?}, after {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_visitor_who_leaves_the_queue_is_abandoned_and_one_who_returns_is_not() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.routing.abandon_after_secs = 1).await?;
    // Nobody is available: both wait.
    let (mut leaving, _) = connect_visitor(&server, None, None).await?;
    let gone = start_chat(&mut leaving, prechat()).await?;
    let (mut browsing, welcome) = connect_visitor(&server, None, None).await?;
    let staying = start_chat(&mut browsing, prechat()).await?;

    leaving.close().await;
    // The other moves to another page: a short gap, then the same token.
    browsing.close().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_back, _) = connect_visitor(&server, Some(&welcome.token), None).await?;

    wait_for_status(&server, gone, ConversationStatus::Ended, Duration::from_secs(5)).await?;
    // The end and its step are two writes (`store::moves::settle`): the
    // step may land a moment after the status.
    let started = std::time::Instant::now();
    while !server.store().conversation_events(gone).await?.contains(&"abandoned".to_string()) {
        anyhow::ensure!(started.elapsed() < Duration::from_secs(5), "the abandonment is not on the record");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(server.store().conversation(staying).await?.map(|c| c.status), Some(ConversationStatus::Queued), "a returning visitor kept their place");
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_queued_visitor_who_never_returns_after_a_restart_is_let_go() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.routing.abandon_after_secs = 1).await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;
    let server = server.restart().await?;
    wait_for_status(&server, conversation, ConversationStatus::Ended, Duration::from_secs(5)).await?;
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn two_tabs_starting_at_once_share_one_conversation() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let (_first, welcome) = connect_visitor(&server, None, None).await?;
    let mut tabs = Vec::new();
    for _ in 0..4 {
        tabs.push(connect_visitor(&server, Some(&welcome.token), None).await?.0);
    }
    for tab in &mut tabs {
        tab.send(&VisitorFrame::StartChat { prechat: prechat() }).await?;
    }
    let mut ids = Vec::new();
    for tab in &mut tabs {
        let event = tab.recv_until("the conversation", |e| matches!(e, VisitorEvent::Conversation { .. })).await?;
        let VisitorEvent::Conversation { conversation } = event else { unreachable!() };
        ids.push(conversation.id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "the tabs opened several conversations: {ids:?}");
    assert_eq!(server.store().conversations_with_status(ConversationStatus::Queued).await?.len(), 1);
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn typing_from_many_tabs_reaches_the_agent_once_a_second() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let Chat { visitor, token, mut agent, .. } = chat(&server).await?;
    let mut tabs = vec![visitor];
    for _ in 0..4 {
        tabs.push(connect_visitor(&server, Some(&token), None).await?.0);
    }
    for tab in &mut tabs {
        tab.send(&VisitorFrame::Typing { on: true }).await?;
    }
    let mut typing = 0;
    let window = tokio::time::sleep(Duration::from_millis(700));
    tokio::pin!(window);
    loop {
        tokio::select! {
            _ = &mut window => break,
            event = agent.recv() => if matches!(event?, AgentEvent::Typing { on: true, .. }) { typing += 1 },
        }
    }
    assert_eq!(typing, 1, "five tabs typing reached the agent {typing} times");
    server.shutdown().await;
    Ok(())
}
