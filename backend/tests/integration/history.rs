//! Long conversations: history a page at a time in both directions, a cap
//! on how long a conversation may grow, and offer previews that read only
//! the last few messages.

use protocol::agent::{AgentEvent, AgentFrame};
use protocol::visitor::{Resume, VisitorFrame};
use protocol::{ChatMessage, ErrorCode, Seq, HISTORY_PAGE};

use crate::common::*;

fn seqs(messages: &[ChatMessage]) -> Vec<Seq> {
    messages.iter().map(|m| m.seq).collect()
}

#[tokio::test]
async fn history_comes_a_page_at_a_time_and_older_pages_on_request() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.burst_frames = 1_000).await?;
    let Chat { mut visitor, token, mut agent, conversation } = chat(&server).await?;
    for i in 1..=120 {
        visitor_says(&mut visitor, &format!("v{i}"), &format!("message {i}")).await?;
    }

    // A new tab (nothing shown yet) gets the newest page only.
    let (mut tab, _) = connect_visitor(&server, Some(&token), None).await?;
    let (_, reset, page) = visitor_history(&mut tab).await?;
    assert!(reset);
    assert_eq!(seqs(&page), (71..=120).collect::<Vec<_>>());
    assert_eq!(page.len(), HISTORY_PAGE);

    // Scrolling up asks for what came before, a page at a time.
    tab.send(&VisitorFrame::LoadOlder { before_seq: 71 }).await?;
    let (_, reset, older) = visitor_history(&mut tab).await?;
    assert!(!reset);
    assert_eq!(seqs(&older), (21..=70).collect::<Vec<_>>());
    tab.send(&VisitorFrame::LoadOlder { before_seq: 21 }).await?;
    let (_, _, oldest) = visitor_history(&mut tab).await?;
    assert_eq!(seqs(&oldest), (1..=20).collect::<Vec<_>>());

    // A tab that fell far behind gets the newest page, not everything.
    let (mut behind, _) = connect_visitor(&server, Some(&token), Some(Resume { conversation_id: conversation, last_seq: 5 })).await?;
    let (_, reset, page) = visitor_history(&mut behind).await?;
    assert!(reset, "a gap of more than a page is replaced, not filled");
    assert_eq!(seqs(&page), (71..=120).collect::<Vec<_>>());

    // The console pages the same way.
    agent.send(&AgentFrame::LoadOlder { conversation_id: conversation, before_seq: 30 }).await?;
    let older = agent.recv_until("an older page", |e| matches!(e, AgentEvent::History { reset: false, .. })).await?;
    let AgentEvent::History { messages, .. } = older else { unreachable!() };
    assert_eq!(seqs(&messages), (1..=29).collect::<Vec<_>>());
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_conversation_stops_growing_at_its_limit() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.messages_per_conversation = 5).await?;
    let Chat { mut visitor, .. } = chat(&server).await?;
    for i in 1..=5 {
        visitor_says(&mut visitor, &format!("v{i}"), "hello").await?;
    }
    visitor.send(&VisitorFrame::Send { client_id: cid("v6"), text: text("one too many") }).await?;
    assert_eq!(visitor.recv_error().await?, ErrorCode::LimitReached);
    // A resend of a stored message is still answered (the client may have
    // missed its ack).
    assert_eq!(visitor_says(&mut visitor, "v3", "hello").await?, 3);
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_offer_previews_the_last_few_messages() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| c.limits.burst_frames = 1_000).await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;
    for i in 1..=30 {
        visitor_says(&mut visitor, &format!("v{i}"), &format!("line {i}")).await?;
    }
    let mut agent = available_agent(&server).await?;
    let offer = agent.recv_until("the offer", |e| matches!(e, AgentEvent::Offer { offer } if offer.conversation_id == conversation)).await?;
    let AgentEvent::Offer { offer } = offer else { unreachable!() };
    assert_eq!(offer.preview, "line 28 · line 29 · line 30");
    server.shutdown().await;
    Ok(())
}
