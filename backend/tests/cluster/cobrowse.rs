//! Co-browsing across nodes: the agent's viewer on one node, the
//! visitor's recorder on another, and what passes between them crosses
//! the bus both ways.

use futures_util::SinkExt;
use protocol::cobrowse::{Session, State};
use protocol::visitor::{VisitorEvent, VisitorFrame};
use protocol::ConversationStatus;
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;
use crate::harness::TestCluster;

#[tokio::test]
async fn the_viewer_and_the_recorder_on_different_nodes_see_each_other() -> anyhow::Result<()> {
    let c = TestCluster::start(&[]).await?;
    let mut agent = available_agent(&c.node(1)).await?;
    let (mut visitor, _) = connect_visitor(&c.node(2), None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;
    accept(&mut agent, conversation).await?;
    visitor.recv_until("the agent joining", |e| matches!(e, VisitorEvent::Conversation { conversation: c } if c.status == ConversationStatus::Active)).await?;

    // Asked on node 0; the visitor on node 2 hears it.
    let (console, cookie) = (c.node(0), login(&c.node(0), AGENT_EMAIL, AGENT_PASSWORD).await?);
    let asked: Session = reqwest::Client::new()
        .post(console.http_url(&format!("/api/v1/conversations/{}/cobrowse", conversation.get())))
        .header("origin", console.console_origin())
        .header("cookie", &cookie)
        .json(&serde_json::json!({}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let mut view =
        connect(&console.ws_url(&format!("/ws/v1/cobrowse/{}/view", asked.id)), &[("origin", &console.console_origin()), ("cookie", &cookie)]).await?;
    loop {
        let v = next_json(&mut view).await?;
        if v["k"] == "state" {
            break;
        }
    }
    visitor.send(&VisitorFrame::CobrowseAnswer { session_id: asked.id, accept: true }).await?;
    let key = match visitor.recv_until("consent", |e| matches!(e, VisitorEvent::Cobrowse { session } if session.session.state == State::Live)).await? {
        VisitorEvent::Cobrowse { session } => session.key.unwrap_or_default(),
        _ => unreachable!("recv_until returns what it waited for"),
    };

    // The recorder on node 2; its snapshot reaches the viewer on node 0.
    let page = c.node(2);
    let mut rec = connect(&page.ws_url(&format!("/ws/v1/cobrowse/{}/record", asked.id)), &[("origin", &page.shop_origin())]).await?;
    rec.send(Message::Text(serde_json::json!({ "key": key }).to_string().into())).await?;
    rec.send(Message::Binary(vec![0, 42].into())).await?;
    loop {
        if next(&mut view).await? == Message::Binary(vec![0, 42].into()) {
            break;
        }
    }
    // The agent's pointer reaches the recorder on node 2.
    view.send(Message::Text(r#"{"k":"ptr","x":3,"y":4}"#.into())).await?;
    loop {
        let v = next_json(&mut rec).await?;
        if v["k"] == "ptr" {
            assert_eq!((v["x"].as_i64(), v["y"].as_i64()), (Some(3), Some(4)));
            break;
        }
    }
    // The visitor stops on node 2; the viewer on node 0 is told.
    visitor.send(&VisitorFrame::CobrowseEnd { session_id: asked.id }).await?;
    loop {
        let v = next_json(&mut view).await?;
        if v["k"] == "state" && v["session"]["state"] == "ended" {
            break;
        }
    }
    assert_eq!(closed_with(&mut rec).await?, 4000);
    Ok(())
}
