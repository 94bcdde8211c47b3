//! Connections break and servers restart; conversations must not notice.

use crate::common::*;
use protocol::agent::AgentEvent;
use protocol::visitor::{Resume, VisitorEvent};
use protocol::{Author, ConversationStatus};

#[tokio::test]
async fn a_reconnecting_visitor_gets_exactly_what_it_missed() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let Chat { mut visitor, token, mut agent, conversation } = chat(&server).await?;
    visitor_says(&mut visitor, "v-1", "我在捷運上，訊號不好").await?;
    agent_says(&mut agent, conversation, "a-1", "沒問題，慢慢來").await?;
    let reply = visitor.recv_until("the first reply", |e| matches!(e, VisitorEvent::Message { message } if message.seq == 2)).await?;
    let VisitorEvent::Message { message } = reply else { unreachable!() };
    let last_seen = message.seq;

    // The train enters a tunnel: the socket drops; the agent keeps typing.
    drop(visitor);
    agent_says(&mut agent, conversation, "a-2", "您的包裹在新竹轉運站").await?;
    agent_says(&mut agent, conversation, "a-3", "It should arrive tomorrow.").await?;

    let (mut visitor, welcome) = connect_visitor(&server, Some(&token), Some(Resume { conversation_id: conversation, last_seq: last_seen })).await?;
    assert_eq!(welcome.token, token, "the same visitor is recognised");
    let view = welcome.conversation.expect("the open conversation is named");
    assert_eq!((view.id, view.status), (conversation, ConversationStatus::Active));

    let (id, reset, missed) = visitor_history(&mut visitor).await?;
    assert_eq!((id, reset), (conversation, false));
    let seen: Vec<_> = missed.iter().map(|m| (m.seq, m.author, m.text.as_str())).collect();
    assert_eq!(seen, [(3, Author::Agent, "您的包裹在新竹轉運站"), (4, Author::Agent, "It should arrive tomorrow.")]);

    // The resumed socket is live: new messages arrive once, in order.
    agent_says(&mut agent, conversation, "a-4", "還有其他問題嗎？").await?;
    let next = visitor.recv_until("the next message", |e| matches!(e, VisitorEvent::Message { .. })).await?;
    let VisitorEvent::Message { message } = next else { unreachable!() };
    assert_eq!(message.seq, 5);

    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn every_acknowledged_message_survives_a_restart() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let cookie = login(&server, AGENT_EMAIL, AGENT_PASSWORD).await?;
    let Chat { mut visitor, token, mut agent, conversation } = chat(&server).await?;
    let mut acknowledged = Vec::new();
    for (i, text) in ["第一則", "second", "第三則 🍵"].into_iter().enumerate() {
        acknowledged.push((visitor_says(&mut visitor, &format!("v-{i}"), text).await?, Author::Visitor, text.to_string()));
    }
    for (i, text) in ["收到", "one moment"].into_iter().enumerate() {
        acknowledged.push((agent_says(&mut agent, conversation, &format!("a-{i}"), text).await?, Author::Agent, text.to_string()));
    }

    // Shutting down tells both sides to come back, then closes.
    let server_stopping = tokio::spawn(server.restart());
    let told = visitor.recv_until("reconnect", |e| matches!(e, VisitorEvent::Reconnect { .. })).await?;
    let VisitorEvent::Reconnect { after_ms } = told else { unreachable!() };
    assert!(after_ms >= 500, "reconnects are spread out, not immediate");
    agent.recv_until("reconnect", |e| matches!(e, AgentEvent::Reconnect { .. })).await?;
    assert!(visitor.is_closed_by_server().await);
    let server = server_stopping.await??;

    // A visitor that lost everything it showed asks from the start.
    let (mut visitor, welcome) = connect_visitor(&server, Some(&token), Some(Resume { conversation_id: conversation, last_seq: 0 })).await?;
    assert_eq!(welcome.conversation.map(|c| (c.id, c.status)), Some((conversation, ConversationStatus::Active)));
    let (_, _, history) = visitor_history(&mut visitor).await?;
    let got: Vec<_> = history.iter().map(|m| (m.seq, m.author, m.text.clone())).collect();
    assert_eq!(got, acknowledged);

    // The console's session and the assignment survive too.
    let mut agent = agent_with_seqs(&server, &cookie, vec![]).await?;
    let history = agent.recv_until("the history", |e| matches!(e, AgentEvent::History { conversation_id, .. } if *conversation_id == conversation)).await?;
    let AgentEvent::History { messages, .. } = history else { unreachable!() };
    let got: Vec<_> = messages.iter().map(|m| (m.seq, m.author, m.text.clone())).collect();
    assert_eq!(got, acknowledged);

    // And the chat goes on where it was.
    assert_eq!(visitor_says(&mut visitor, "after-restart", "還在嗎？").await?, acknowledged.len() as u64 + 1);

    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_second_tab_shares_the_conversation_live() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let Chat { visitor: mut first, token, mut agent, conversation } = chat(&server).await?;
    visitor_says(&mut first, "v-1", "I have the shop open twice").await?;

    // The same browser (same stored token) opens another page in a new tab.
    let (mut second, welcome) = connect_visitor(&server, Some(&token), None).await?;
    assert_eq!(welcome.conversation.map(|c| c.id), Some(conversation));
    let (_, _, history) = visitor_history(&mut second).await?;
    assert_eq!(history.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["I have the shop open twice"]);

    // What the agent writes reaches both tabs; what one tab sends shows in the other.
    agent_says(&mut agent, conversation, "a-1", "Both tabs see this").await?;
    for tab in [&mut first, &mut second] {
        let reply = tab.recv_until("the agent's message", |e| matches!(e, VisitorEvent::Message { message } if message.author == Author::Agent)).await?;
        let VisitorEvent::Message { message } = reply else { unreachable!() };
        assert_eq!((message.seq, message.text.as_str()), (2, "Both tabs see this"));
    }
    visitor_says(&mut second, "v-2", "sent from the second tab").await?;
    let echo = first.recv_until("the other tab's message", |e| matches!(e, VisitorEvent::Message { message } if message.seq == 3)).await?;
    let VisitorEvent::Message { message } = echo else { unreachable!() };
    assert_eq!((message.author, message.text.as_str()), (Author::Visitor, "sent from the second tab"));

    server.shutdown().await;
    Ok(())
}

/// The ack of a message was lost (the connection, or its node, died right
/// after storing it) and the agent ended the chat before the widget sent it
/// again: the resend is that message, not a second copy in a new chat.
#[tokio::test]
async fn a_resend_after_the_chat_ended_is_the_stored_message_not_a_new_chat() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let Chat { mut visitor, token, mut agent, conversation } = chat(&server).await?;
    let seq = visitor_says(&mut visitor, "v-lost-ack", "謝謝，再見").await?;
    drop(visitor);
    agent.send(&protocol::agent::AgentFrame::End { conversation_id: conversation }).await?;
    agent.recv_until("the chat ending", |e| matches!(e, AgentEvent::Conversation { conversation: c } if c.status == ConversationStatus::Ended)).await?;

    let (mut visitor, _) = connect_visitor(&server, Some(&token), Some(Resume { conversation_id: conversation, last_seq: 0 })).await?;
    let again = visitor_says(&mut visitor, "v-lost-ack", "謝謝，再見").await?;
    assert_eq!(again, seq, "the resend is acknowledged as the stored message");
    let messages = server.store().messages_after(conversation, 0, 100).await?;
    assert_eq!(messages.iter().filter(|m| m.client_id.as_str() == "v-lost-ack").count(), 1);
    let visitor_id = server.store().conversation(conversation).await?.map(|c| c.visitor_id).expect("the conversation is stored");
    let latest = server.store().latest_conversation(visitor_id).await?.expect("a conversation");
    assert_eq!(latest.id, conversation, "no new chat was opened by the resend");
    server.shutdown().await;
    Ok(())
}
