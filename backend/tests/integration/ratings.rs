//! Ratings: the visitor rates their ended chat once, 1 to 5 with a comment;
//! the rating is on the conversation (the widget hears it with the chat)
//! and on the agent's record that admins see.

use protocol::admin::AgentAdmin;
use protocol::visitor::{VisitorEvent, VisitorFrame};
use protocol::{ConversationStatus, ErrorCode};

use crate::acd::{Rest, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::common::*;

fn rate(conversation_id: protocol::ConversationId, score: u8, comment: &str) -> VisitorFrame {
    VisitorFrame::Rate { conversation_id, score, comment: comment.into() }
}

async fn refused(c: &mut Chat, frame: VisitorFrame, code: ErrorCode) -> anyhow::Result<()> {
    c.visitor.send(&frame).await?;
    c.visitor.recv_until("a refusal", |e| matches!(e, VisitorEvent::Error { error } if error.code == code)).await?;
    Ok(())
}

#[tokio::test]
async fn a_visitor_rates_their_ended_chat_once_and_the_agent_s_record_shows_it() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let mut c = chat(&server).await?;
    visitor_says(&mut c.visitor, "s1", "Where is my tea?").await?;
    agent_says(&mut c.agent, c.conversation, "a1", "It ships today.").await?;
    let id = c.conversation;

    // Not while the chat is open.
    refused(&mut c, rate(id, 5, ""), ErrorCode::NoConversation).await?;
    c.agent.send(&protocol::agent::AgentFrame::End { conversation_id: id }).await?;
    c.visitor.recv_until("the end", |e| matches!(e, VisitorEvent::Conversation { conversation } if conversation.status == ConversationStatus::Ended)).await?;

    // Out of range, too long, another conversation: refused with a reason.
    refused(&mut c, rate(id, 0, ""), ErrorCode::Invalid).await?;
    refused(&mut c, rate(id, 6, ""), ErrorCode::Invalid).await?;
    refused(&mut c, rate(id, 4, &"好".repeat(1001)), ErrorCode::TooLarge).await?;
    refused(&mut c, rate(protocol::ConversationId(id.0 + 1000), 4, ""), ErrorCode::NoConversation).await?;

    // Another visitor cannot rate this chat.
    let (mut stranger, _) = connect_visitor(&server, None, None).await?;
    stranger.send(&rate(id, 1, "")).await?;
    stranger.recv_until("a refusal", |e| matches!(e, VisitorEvent::Error { error } if error.code == ErrorCode::NoConversation)).await?;

    c.visitor.send(&rate(id, 4, "  快又親切 \u{7} ")).await?;
    c.visitor.recv_until("rated", |e| matches!(e, VisitorEvent::Rated { score: 4 })).await?;
    // Once only.
    refused(&mut c, rate(id, 1, "changed my mind"), ErrorCode::InvalidState).await?;

    let stored = server.server.state.store.conversation(id).await?.expect("the conversation");
    assert_eq!((stored.rating, stored.rating_comment.as_str()), (Some(4), "快又親切"));
    // A visitor who comes back hears the rating with their chat, so the
    // widget does not ask again.
    assert_eq!(stored.visitor_view(None, None).rating, Some(4));

    let admin = Rest::sign_in(&server, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
    let agents: Vec<AgentAdmin> = admin.get("/api/v1/admin/agents").await?;
    let mei = agents.iter().find(|a| a.email == AGENT_EMAIL).expect("Mei");
    assert_eq!((mei.ratings, mei.rating.as_str()), (1, "4.0"));
    let sam = agents.iter().find(|a| a.email != AGENT_EMAIL && a.ratings == 0).expect("an agent without ratings");
    assert_eq!(sam.rating, "");
    Ok(())
}
