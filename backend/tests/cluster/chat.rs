//! A visitor on one node and an agent on another chat as if they shared
//! one: messages, typing and read receipts cross over the bus.

use protocol::agent::{AgentEvent, AgentFrame};
use protocol::visitor::{VisitorEvent, VisitorFrame};
use protocol::ConversationStatus;

use crate::common::*;
use crate::harness::TestCluster;

#[tokio::test]
async fn a_visitor_and_an_agent_on_different_nodes_chat_both_ways() -> anyhow::Result<()> {
    let c = TestCluster::start(&[]).await?;
    let before: f64 = {
        let mut total = 0.0;
        for i in 0..3 {
            total += sample(&c.scrape(i).await?, "rapport_messages_total", "");
        }
        total
    };
    let mut agent = available_agent(&c.node(1)).await?;
    let (mut visitor, _) = connect_visitor(&c.node(2), None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;
    accept(&mut agent, conversation).await?;
    visitor.recv_until("the agent joining", |e| matches!(e, VisitorEvent::Conversation { conversation: c } if c.status == ConversationStatus::Active)).await?;

    // Typing, both ways.
    visitor.send(&VisitorFrame::Typing { on: true }).await?;
    agent.recv_until("the visitor typing", |e| matches!(e, AgentEvent::Typing { on: true, .. })).await?;
    agent.send(&AgentFrame::Typing { conversation_id: conversation, on: true }).await?;
    visitor.recv_until("the agent typing", |e| matches!(e, VisitorEvent::Typing { on: true, .. })).await?;

    // Messages, both ways, each delivered once.
    let v_seq = visitor_says(&mut visitor, "v-1", "我的茶葉還沒到").await?;
    agent.recv_until("the visitor's message", |e| matches!(e, AgentEvent::Message { message, .. } if message.seq == v_seq)).await?;
    let a_seq = agent_says(&mut agent, conversation, "a-1", "I'll check your order now.").await?;
    visitor.recv_until("the agent's message", |e| matches!(e, VisitorEvent::Message { message } if message.seq == a_seq)).await?;

    // Read receipts, both ways.
    visitor.send(&VisitorFrame::Read { seq: a_seq }).await?;
    agent.recv_until("the visitor's read receipt", |e| matches!(e, AgentEvent::Read { seq, .. } if *seq == a_seq)).await?;
    agent.send(&AgentFrame::Read { conversation_id: conversation, seq: v_seq }).await?;
    visitor.recv_until("the agent's read receipt", |e| matches!(e, VisitorEvent::Read { seq } if *seq == v_seq)).await?;

    // The metrics say so: two messages more over the cluster, one routing
    // owner, and connections where they are.
    let mut after = 0.0;
    let mut owners = 0.0;
    for i in 0..3 {
        let text = c.scrape(i).await?;
        after += sample(&text, "rapport_messages_total", "");
        owners += sample(&text, "rapport_routing_owner", "");
    }
    assert_eq!(after - before, 2.0);
    assert_eq!(owners, 1.0, "exactly one node owns routing");
    assert_eq!(sample(&c.scrape(1).await?, "rapport_connections", "kind=\"agent\""), 1.0);
    assert_eq!(sample(&c.scrape(2).await?, "rapport_connections", "kind=\"visitor\""), 1.0);
    Ok(())
}

#[tokio::test]
async fn whether_anyone_is_there_is_known_on_every_node() -> anyhow::Result<()> {
    let c = TestCluster::start(&[]).await?;
    let agent = available_agent(&c.node(0)).await?;
    for i in 0..3 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !agents_online(&c.node(i)).await? {
            anyhow::ensure!(std::time::Instant::now() < deadline, "node{} never learned that an agent is available", i + 1);
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    drop(agent);
    Ok(())
}
