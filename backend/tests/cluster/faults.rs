//! Nodes die, stall and drain, and the broker restarts, while visitors
//! chat and queue: nothing acknowledged is lost or doubled, every
//! conversation is assigned once, and no socket stays open but deaf.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use protocol::agent::{AgentEvent, AgentFrame};
use protocol::visitor::{Resume, VisitorEvent, VisitorFrame};
use protocol::{ConversationId, ConversationStatus, Seq};
use tokio::task::JoinHandle;

use crate::common::*;
use crate::harness::{At, TestCluster};

const SAM: &str = "sam@rapport.demo";

/// Reconnects as the widget does after losing its node: through the
/// balancer, with its token and the last seq it has, until a node answers.
async fn reconnect_visitor(at: &At, token: &str, conversation: ConversationId, last_seq: Seq) -> anyhow::Result<(VisitorClient, Vec<protocol::ChatMessage>)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match connect_visitor(at, Some(token), Some(Resume { conversation_id: conversation, last_seq })).await {
            Ok((mut visitor, _)) => {
                let (_, _, messages) = visitor_history(&mut visitor).await?;
                return Ok((visitor, messages));
            }
            Err(e) if Instant::now() < deadline => {
                tracing_free_log(&format!("reconnect failed, retrying: {e:#}"));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(e.context("the visitor could not reconnect through the balancer")),
        }
    }
}

fn tracing_free_log(line: &str) {
    eprintln!("[cluster test] {line}");
}

/// A visitor and an agent in a chat, on the given nodes.
async fn chat_between(c: &TestCluster, visitor_node: usize, agent_node: usize) -> anyhow::Result<(VisitorClient, String, AgentClient, ConversationId)> {
    let mut agent = available_agent(&c.node(agent_node)).await?;
    let (mut visitor, welcome) = connect_visitor(&c.node(visitor_node), None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;
    accept(&mut agent, conversation).await?;
    visitor.recv_until("the agent joining", |e| matches!(e, VisitorEvent::Conversation { conversation: c } if c.status == ConversationStatus::Active)).await?;
    Ok((visitor, welcome.token, agent, conversation))
}

/// Every message of the conversation as stored: client id to seq. Fails
/// if a client id is stored twice.
async fn stored(c: &TestCluster, conversation: ConversationId) -> anyhow::Result<HashMap<String, Seq>> {
    let mut by_client = HashMap::new();
    for message in c.store.messages_after(conversation, 0, 10_000).await? {
        if by_client.insert(message.client_id.as_str().to_string(), message.seq).is_some() {
            bail!("{} is stored twice", message.client_id.as_str());
        }
    }
    Ok(by_client)
}

#[tokio::test]
async fn killing_the_visitors_node_mid_chat_loses_and_doubles_nothing() -> anyhow::Result<()> {
    let mut c = TestCluster::start(&[]).await?;
    let (mut visitor, token, mut agent, conversation) = chat_between(&c, 2, 0).await?;
    let mut last_seq = 0;
    for n in 0..5 {
        visitor_says(&mut visitor, &format!("v-{n}"), &format!("visitor {n} 訪客")).await?;
        let seq = agent_says(&mut agent, conversation, &format!("a-{n}"), &format!("agent {n}")).await?;
        visitor.recv_until("the agent's message", |e| matches!(e, VisitorEvent::Message { message } if message.seq == seq)).await?;
        last_seq = seq;
    }
    // Three more leave the visitor, unacknowledged, as the node dies.
    for n in 5..8 {
        visitor.send(&VisitorFrame::Send { client_id: cid(&format!("v-{n}")), text: text(&format!("visitor {n} 訪客")) }).await?;
    }
    c.cluster.kill(2)?;
    // The agent, on a live node, writes meanwhile.
    let during = agent_says(&mut agent, conversation, "a-5", "are you still there?").await?;

    let (mut visitor, missed) = reconnect_visitor(&c.balancer(), &token, conversation, last_seq).await?;
    assert!(missed.iter().any(|m| m.seq == during), "the resumed visitor gets what the agent wrote while they were away: {missed:?}");
    // The widget sends again what was not acknowledged, with the same ids.
    for n in 5..8 {
        visitor_says(&mut visitor, &format!("v-{n}"), &format!("visitor {n} 訪客")).await?;
    }
    let after = agent_says(&mut agent, conversation, "a-6", "got them all").await?;
    visitor.recv_until("the agent's message after the move", |e| matches!(e, VisitorEvent::Message { message } if message.seq == after)).await?;

    let stored = stored(&c, conversation).await?;
    for n in 0..8 {
        assert!(stored.contains_key(&format!("v-{n}")), "v-{n} was lost: {stored:?}");
    }
    for n in 0..7 {
        assert!(stored.contains_key(&format!("a-{n}")), "a-{n} was lost: {stored:?}");
    }
    // The agent saw each visitor message once.
    let mut seen: HashMap<String, usize> = HashMap::new();
    while let Ok(Ok(event)) = tokio::time::timeout(Duration::from_millis(500), agent.recv()).await {
        if let AgentEvent::Message { message, .. } = event {
            *seen.entry(message.client_id.as_str().to_string()).or_default() += 1;
        }
    }
    assert!(seen.values().all(|n| *n == 1), "the agent saw a message twice: {seen:?}");
    Ok(())
}

/// Accepts every offer that reaches `agent` until aborted.
fn accept_everything(mut agent: AgentClient) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match agent.recv().await {
                Ok(AgentEvent::Offer { offer }) => {
                    if agent.send(&AgentFrame::Accept { conversation_id: offer.conversation_id }).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                // Quiet for a while: keep listening.
                Err(e) if e.to_string().contains("no frame arrived in time") => {}
                Err(_) => return,
            }
        }
    })
}

/// Waits until every conversation is active; then checks each was accepted
/// exactly once and by one agent.
async fn all_assigned_once(c: &TestCluster, conversations: &[ConversationId], within: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        let mut waiting = Vec::new();
        for id in conversations {
            let record = c.store.conversation(*id).await?.context("a conversation vanished")?;
            if record.status != ConversationStatus::Active {
                waiting.push((*id, record.status));
            }
        }
        if waiting.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            let logs: Vec<String> = (0..3).map(|i| format!("--- node{} ---\n{}", i + 1, c.cluster.log_tail(i))).collect();
            bail!("not every conversation was assigned within {within:?}: {waiting:?}\n{}", logs.join("\n"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for id in conversations {
        let accepted = c.store.routing_events(*id).await?.into_iter().filter(|(kind, _, _)| kind == "accepted").count();
        assert_eq!(accepted, 1, "conversation {id} was accepted {accepted} times");
    }
    Ok(())
}

/// Visitors on the nodes in `nodes`, each asking for a chat.
async fn queue_visitors(c: &TestCluster, nodes: &[usize], count: usize) -> anyhow::Result<(Vec<VisitorClient>, Vec<ConversationId>)> {
    let (mut visitors, mut conversations) = (Vec::new(), Vec::new());
    for n in 0..count {
        let (mut visitor, _) = connect_visitor(&c.node(nodes[n % nodes.len()]), None, None).await?;
        conversations.push(start_chat(&mut visitor, prechat()).await?);
        visitors.push(visitor);
    }
    Ok((visitors, conversations))
}

#[tokio::test]
async fn killing_the_routing_owner_hands_routing_over_and_assigns_each_chat_once() -> anyhow::Result<()> {
    let mut c = TestCluster::start(&[]).await?;
    let owner = c.routing_owner(Duration::from_secs(5)).await?;
    let o = c.index_of(&owner)?;
    let others: Vec<usize> = (0..3).filter(|i| *i != o).collect();
    let mut mei = available_agent(&c.node(others[0])).await?;
    let sam = available_agent_as(&c.node(others[1]), SAM, AGENT_PASSWORD).await?;
    let (_visitors, conversations) = queue_visitors(&c, &others, 5).await?;
    // Offers are out when the owner dies.
    mei.recv_until("an offer", |e| matches!(e, AgentEvent::Offer { .. })).await?;

    let killed = Instant::now();
    c.cluster.kill(o)?;
    let taken = c.takeover_from(&owner, Duration::from_secs(15)).await?;
    let takeover = killed.elapsed();
    eprintln!("routing_takeover_after_kill: {} ms (lease 2000 ms) by {}", takeover.as_millis(), taken.holder);
    assert!(takeover < Duration::from_millis(2_000 + 1_500), "takeover took {takeover:?}");

    let accepting = [accept_everything(mei), accept_everything(sam)];
    let outcome = all_assigned_once(&c, &conversations, Duration::from_secs(30)).await;
    for task in accepting {
        task.abort();
    }
    outcome
}

#[tokio::test]
async fn a_paused_owner_past_its_lease_cannot_write_when_it_wakes() -> anyhow::Result<()> {
    // The test's clients sit idle through the pause: pings far apart keep
    // them from being closed as silent meanwhile.
    let c = TestCluster::start(&[("RAPPORT_CONNECTIONS_PING_INTERVAL_MS", "60000")]).await?;
    let owner = c.routing_owner(Duration::from_secs(5)).await?;
    let o = c.index_of(&owner)?;
    let others: Vec<usize> = (0..3).filter(|i| *i != o).collect();
    let mut mei = available_agent(&c.node(others[0])).await?;
    let (_visitors, conversations) = queue_visitors(&c, &others, 2).await?;
    mei.recv_until("an offer", |e| matches!(e, AgentEvent::Offer { .. })).await?;

    // The owner stalls with offers out; another node takes over.
    c.cluster.pause(o)?;
    let taken = c.takeover_from(&owner, Duration::from_secs(15)).await?;
    let taken_at = rapport::store::now_ms();
    // The agent takes the new owner's offers (and her accepts of the old
    // ones wait, unread, for the stalled node too). Meanwhile the stalled
    // owner's offer timers fall due; then it wakes.
    let accepting = accept_everything(mei);
    tokio::time::sleep(Duration::from_secs(5)).await;
    c.cluster.resume(o)?;
    c.wait_health(o, 200, Duration::from_secs(15)).await?;
    let outcome = all_assigned_once(&c, &conversations, Duration::from_secs(30)).await;
    accepting.abort();
    outcome?;
    // Nothing the old owner decided after the takeover was recorded.
    for id in &conversations {
        for (kind, epoch, at) in c.store.routing_events(*id).await? {
            if epoch == Some(owner.epoch) {
                assert!(at <= taken_at, "{kind} of conversation {id} was recorded in the old term after the takeover");
            }
        }
    }
    // The woken node learns it lost the lease at its next renewal, a
    // moment after it answers health checks again: it must step down
    // within a lease's time, not necessarily at once.
    let mut metrics = c.scrape(o).await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while sample(&metrics, "rapport_routing_owner", "") != 0.0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        metrics = c.scrape(o).await?;
    }
    assert_eq!(sample(&metrics, "rapport_routing_owner", ""), 0.0, "the woken node still thinks it owns routing 10 s after waking");
    eprintln!(
        "paused owner: {} took over (epoch {}); late writes refused by the fence: {}",
        taken.holder,
        taken.epoch,
        sample(&metrics, "rapport_routing_fenced_writes_total", "")
    );
    Ok(())
}

#[tokio::test]
async fn restarting_the_broker_mid_chat_leaves_no_socket_deaf() -> anyhow::Result<()> {
    let mut c = TestCluster::start(&[]).await?;
    let (mut visitor, token, mut agent, conversation) = chat_between(&c, 2, 0).await?;
    let seq = visitor_says(&mut visitor, "v-0", "before the broker restarts").await?;
    agent.recv_until("the first message", |e| matches!(e, AgentEvent::Message { message, .. } if message.seq == seq)).await?;

    c.cluster.nats.kill();
    // Without the broker, a node cannot reach the others: not healthy.
    c.wait_health(0, 503, Duration::from_secs(15)).await?;
    c.cluster.nats.resume()?;
    for i in 0..3 {
        c.wait_health(i, 200, Duration::from_secs(20)).await?;
    }
    // Every client is told to reconnect (it may have missed events) ...
    assert!(visitor.is_closed_by_server().await, "the visitor's socket was left open after the broker came back");
    assert!(agent.is_closed_by_server().await, "the agent's socket was left open after the broker came back");
    // ... and once it has, the chat goes on across nodes.
    let (mut visitor, _) = reconnect_visitor(&c.node(2), &token, conversation, seq).await?;
    let cookie = login(&c.node(0), AGENT_EMAIL, AGENT_PASSWORD).await?;
    let mut agent = agent_with_seqs(&c.node(0), &cookie, vec![(conversation, seq)]).await?;
    let v = visitor_says(&mut visitor, "v-1", "after the broker came back").await?;
    agent.recv_until("the visitor's message after the restart", |e| matches!(e, AgentEvent::Message { message, .. } if message.seq == v)).await?;
    let a = agent_says(&mut agent, conversation, "a-1", "I hear you").await?;
    visitor.recv_until("the agent's message after the restart", |e| matches!(e, VisitorEvent::Message { message } if message.seq == a)).await?;
    Ok(())
}

#[tokio::test]
async fn a_draining_node_hands_its_visitors_to_the_others() -> anyhow::Result<()> {
    let mut c = TestCluster::start(&[]).await?;
    let (mut visitor, token, mut agent, conversation) = chat_between(&c, 2, 0).await?;
    let seq = visitor_says(&mut visitor, "v-0", "hello").await?;
    let drain = tokio::task::spawn_blocking(move || {
        let result = c.cluster.drain(2, Duration::from_secs(20));
        (c, result)
    });
    visitor.recv_until("the reconnect request", |e| matches!(e, VisitorEvent::Reconnect { .. })).await?;
    let (c, drained) = drain.await?;
    drained?;
    let (mut visitor, _) = reconnect_visitor(&c.balancer(), &token, conversation, seq).await?;
    let v = visitor_says(&mut visitor, "v-1", "still here after the restart").await?;
    agent.recv_until("the message after the drain", |e| matches!(e, AgentEvent::Message { message, .. } if message.seq == v)).await?;
    Ok(())
}
