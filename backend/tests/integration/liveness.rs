//! An agent whose laptop sleeps, or whose connection stops draining, must
//! stop receiving offers within seconds instead of staying "available" for
//! good.

use std::time::{Duration, Instant};

use protocol::agent::AgentEvent;
use protocol::visitor::{VisitorEvent, VisitorFrame};

use crate::common::*;

/// Polls the widget's boot data until `agents_online` reads `wanted`.
async fn wait_for_agents_online(server: &TestServer, wanted: bool, within: Duration) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        if agents_online(server).await? == wanted {
            return Ok(started.elapsed());
        }
        anyhow::ensure!(started.elapsed() < within, "agents_online stayed {} for {within:?}", !wanted);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_agent_who_stops_answering_pings_is_unavailable_within_seconds() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| {
        c.connections.ping_interval_ms = 200;
        c.connections.pong_timeout_ms = 300;
    })
    .await?;
    // The agent's laptop goes to sleep: the socket stays open but nothing
    // on it reads (so nothing answers the server's pings).
    let _asleep = available_agent(&server).await?;
    // Routing reads the agent's skills and queues before counting them.
    wait_for_agents_online(&server, true, Duration::from_secs(5)).await?;
    let took = wait_for_agents_online(&server, false, Duration::from_secs(5)).await?;
    assert!(took < Duration::from_secs(2), "took {took:?}");

    // A visitor's chat goes to an agent who is really there.
    let mut sam = available_agent_as(&server, "sam@rapport.demo", AGENT_PASSWORD).await?;
    let (mut visitor, _) = connect_visitor(&server, None, None).await?;
    let conversation = start_chat(&mut visitor, prechat()).await?;
    sam.recv_until("the offer", |e| matches!(e, AgentEvent::Offer { offer } if offer.conversation_id == conversation)).await?;
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_agent_whose_connection_stops_draining_is_cut_loose_and_reported_gone() -> anyhow::Result<()> {
    let server = TestServer::start_with(|c| {
        c.limits.burst_frames = 100_000;
        c.limits.frames_per_second = 100_000;
        // Long enough that only the full queue can end the connection.
        c.connections.ping_interval_ms = 60_000;
        c.connections.write_timeout_ms = 60_000;
    })
    .await?;
    let Chat { mut visitor, agent: stuck, .. } = chat(&server).await?;
    assert!(agents_online(&server).await?);
    // The agent's console freezes; the visitor writes a lot, more than the
    // kernel's socket buffers and the connection's queue can hold.
    let long = "🍵".repeat(4_000);
    let mut sent = 0;
    let started = Instant::now();
    while agents_online(&server).await? {
        anyhow::ensure!(sent < 3_000, "the frozen console was never cut loose");
        // A few at a time, then the last one's ack: the visitor keeps
        // reading, so only the agent's side backs up.
        for _ in 0..10 {
            visitor.send(&VisitorFrame::Send { client_id: cid(&format!("m{sent}")), text: text(&long) }).await?;
            sent += 1;
        }
        let last = format!("m{}", sent - 1);
        visitor.recv_until("the last ack", |e| matches!(e, VisitorEvent::Ack { client_id, .. } if client_id.as_str() == last)).await?;
    }
    eprintln!("cut loose after {sent} messages in {:?}", started.elapsed());
    drop(stuck);
    server.shutdown().await;
    Ok(())
}
