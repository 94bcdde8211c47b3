//! A chat from both ends, over the real server: what the visitor and the
//! agent each see.

use crate::common::*;
use protocol::agent::{AgentEvent, AgentFrame};
use protocol::visitor::{VisitorEvent, VisitorFrame};
use protocol::Author;

#[tokio::test]
async fn a_visitor_and_an_agent_chat_in_chinese_and_english() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let mut agent = available_agent(&server).await?;

    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;
    assert_eq!(visitor_says(&mut visitor, "v-1", "你好，我的訂單還沒到。").await?, 1);
    assert_eq!(visitor_says(&mut visitor, "v-2", "Order #1234, shipped last Monday.").await?, 2);

    // The screen pop: who is asking, from which page, about what.
    let (offer, history) = accept(&mut agent, conversation).await?;
    assert_eq!(offer.visitor.prechat, prechat());
    assert_eq!(offer.visitor.page.url, format!("{}{PAGE_PATH}", server.shop_origin()));
    assert_eq!(offer.visitor.site_name, "Northwind Tea Co. (demo)");

    let seen: Vec<_> = history.iter().map(|m| (m.seq, m.author, m.text.as_str())).collect();
    assert_eq!(seen, [(1, Author::Visitor, "你好，我的訂單還沒到。"), (2, Author::Visitor, "Order #1234, shipped last Monday.")]);
    assert!(history.iter().all(|m| m.author_name == "陳小明"));

    let joined = visitor.recv_until("the agent joining", |e| matches!(e, VisitorEvent::Conversation { conversation: c } if c.agent_name.is_some())).await?;
    let VisitorEvent::Conversation { conversation: view } = joined else { unreachable!() };
    assert_eq!(view.agent_name.as_deref(), Some(AGENT_NAME));

    // Typing indicators cross both ways.
    visitor.send(&VisitorFrame::Typing { on: true }).await?;
    let typing = agent.recv_until("the visitor typing", |e| matches!(e, AgentEvent::Typing { .. })).await?;
    assert_eq!(typing, AgentEvent::Typing { conversation_id: conversation, on: true });
    agent.send(&AgentFrame::Typing { conversation_id: conversation, on: true }).await?;
    let typing = visitor.recv_until("the agent typing", |e| matches!(e, VisitorEvent::Typing { .. })).await?;
    assert_eq!(typing, VisitorEvent::Typing { on: true, name: AGENT_NAME.into() });

    // The agent reads and replies; the visitor sees both.
    agent.send(&AgentFrame::Read { conversation_id: conversation, seq: 2 }).await?;
    assert_eq!(visitor.recv_until("the read receipt", |e| matches!(e, VisitorEvent::Read { .. })).await?, VisitorEvent::Read { seq: 2 });
    assert_eq!(agent_says(&mut agent, conversation, "a-1", "您好！我幫您查一下 — checking now.").await?, 3);
    let reply = visitor.recv_until("the reply", |e| matches!(e, VisitorEvent::Message { message } if message.author == Author::Agent)).await?;
    let VisitorEvent::Message { message } = reply else { unreachable!() };
    assert_eq!((message.seq, message.text.as_str(), message.author_name.as_str()), (3, "您好！我幫您查一下 — checking now.", AGENT_NAME));

    // The visitor's read receipt reaches the agent.
    visitor.send(&VisitorFrame::Read { seq: 3 }).await?;
    let read = agent.recv_until("the read receipt", |e| matches!(e, AgentEvent::Read { .. })).await?;
    assert_eq!(read, AgentEvent::Read { conversation_id: conversation, seq: 3 });

    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_retried_send_is_stored_once_and_acked_with_the_same_seq() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let Chat { mut visitor, mut agent, conversation, .. } = chat(&server).await?;

    let first = visitor_says(&mut visitor, "retry-me", "請問運費多少？").await?;
    // A retry after a lost ack carries the same client_id.
    let second = visitor_says(&mut visitor, "retry-me", "請問運費多少？").await?;
    assert_eq!(first, second);
    let after = visitor_says(&mut visitor, "next", "thanks").await?;
    assert_eq!(after, first + 1, "the retry took no seq of its own");

    // The agent saw the message once, then the next one.
    let m1 = agent.recv_until("the message", |e| matches!(e, AgentEvent::Message { .. })).await?;
    let m2 = agent.recv_until("the next message", |e| matches!(e, AgentEvent::Message { .. })).await?;
    let seqs: Vec<_> = [m1, m2]
        .into_iter()
        .map(|e| match e {
            AgentEvent::Message { message, .. } => message.seq,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(seqs, [first, after]);

    let stored = server.server.state.store.messages_after(conversation, 0, 1000).await?;
    assert_eq!(stored.iter().filter(|m| m.client_id.as_str() == "retry-me").count(), 1);
    assert_eq!(stored.len(), 2);

    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn markup_is_stored_and_delivered_byte_for_byte() -> anyhow::Result<()> {
    const MARKUP: &str = "<img src=x onerror=alert(1)> & <script>\"'</script>";
    let server = TestServer::start().await?;
    let Chat { mut visitor, mut agent, conversation, .. } = chat(&server).await?;

    let seq = visitor_says(&mut visitor, "xss", MARKUP).await?;
    let delivered = agent.recv_until("the message", |e| matches!(e, AgentEvent::Message { .. })).await?;
    let AgentEvent::Message { message, .. } = delivered else { unreachable!() };
    // Escaping is the renderer's job; the server must not mangle text.
    assert_eq!(message.text.as_bytes(), MARKUP.as_bytes());

    let stored = server.server.state.store.messages_after(conversation, seq - 1, 1000).await?;
    assert_eq!(stored[0].text.as_bytes(), MARKUP.as_bytes());

    agent_says(&mut agent, conversation, "xss-back", MARKUP).await?;
    let echoed = visitor.recv_until("the reply", |e| matches!(e, VisitorEvent::Message { message } if message.author == Author::Agent)).await?;
    let VisitorEvent::Message { message } = echoed else { unreachable!() };
    assert_eq!(message.text.as_bytes(), MARKUP.as_bytes());

    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_pending_offer_is_refreshed_with_what_the_visitor_writes() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let mut agent = available_agent(&server).await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;

    // Offered as soon as the chat starts, before a word is written.
    let first = agent.recv_until("the first offer", |e| matches!(e, AgentEvent::Offer { .. })).await?;
    let AgentEvent::Offer { offer: first } = first else { unreachable!() };
    assert_eq!((first.conversation_id, first.preview.as_str()), (conversation, ""));

    visitor_says(&mut visitor, "v-1", "我的訂單在哪裡？").await?;
    let refreshed = agent.recv_until("the refreshed offer", |e| matches!(e, AgentEvent::Offer { .. })).await?;
    let AgentEvent::Offer { offer: refreshed } = refreshed else { unreachable!() };
    assert_eq!((refreshed.conversation_id, refreshed.preview.as_str()), (conversation, "我的訂單在哪裡？"));
    assert!(refreshed.expires_in_ms <= first.expires_in_ms, "a refresh does not extend the time to answer");

    server.shutdown().await;
    Ok(())
}
