//! The widget on a cluster: three nodes behind HAProxy. The node holding the
//! visitor's socket is killed (-9) mid-chat; the widget reconnects through
//! the balancer to another node, and both people see every message once.

use anyhow::{ensure, Result};
use e2e::scenario::World;
use e2e::{wait_for, wait_for_within, ClusterStack};

use crate::support::*;

pub async fn the_widget_moves_to_another_node_when_its_node_dies(world: &World) -> Result<()> {
    let mut stack = ClusterStack::start().await?;
    let (visitor, agent) = (&world.visitor, &world.agent);
    visitor_starts_chat(visitor, &stack, VISITOR_NAME).await?;
    visitor_sends(visitor, FIRST).await?;
    agent_takes_next_chat(agent, &stack).await?;
    agent_sends(agent, REPLY).await?;
    let (mut from_visitor, mut from_agent) = (vec![FIRST], vec![REPLY]);
    widget_shows(visitor, "the chat before the node dies", &from_visitor, &from_agent).await;
    console_shows(agent, "the chat before the node dies", &from_visitor, &from_agent).await;

    let victim = stack.node_holding_the_visitor().await?;
    tokio::task::block_in_place(|| stack.cluster.kill(victim))?;

    // Both keep writing at once, as people do, while the widget finds a
    // new node.
    visitor_sends(visitor, WHILE_DOWN).await?;
    agent_sends(agent, AFTER_RESTART).await?;
    from_visitor.push(WHILE_DOWN);
    from_agent.push(AFTER_RESTART);
    wait_for_within("the widget on another node with every message once", RECONNECT, async || {
        let mine = e2e::widget_texts(visitor, WIDGET_VISITOR_TEXTS).await?;
        let theirs = e2e::widget_texts(visitor, WIDGET_AGENT_TEXTS).await?;
        ensure!(mine == from_visitor && theirs == from_agent, "visitor messages {mine:?}, agent messages {theirs:?}");
        Ok(())
    })
    .await;
    console_shows(agent, "the chat after the node died", &from_visitor, &from_agent).await;
    wait_for("the message written during the move to be delivered (Sent or Seen)", async || {
        let status = last_status(visitor).await?;
        ensure!(status == "Sent" || status == "Seen", "status {status:?}");
        Ok(())
    })
    .await;
    ensure!(stack.node_holding_the_visitor().await? != victim, "the visitor is back on the node that was killed");
    no_js_errors(visitor, "visitor").await?;
    Ok(())
}
