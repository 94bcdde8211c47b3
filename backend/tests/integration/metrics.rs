//! `/metrics` on its own listener: Prometheus text that moves as the node
//! works.

use crate::common::*;

async fn scrape(server: &TestServer) -> anyhow::Result<String> {
    Ok(reqwest::get(server.metrics_url()).await?.error_for_status()?.text().await?)
}

#[tokio::test]
async fn the_counters_move_as_people_chat() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let before = scrape(&server).await?;
    let mut chat = chat(&server).await?;
    for n in 0..3 {
        visitor_says(&mut chat.visitor, &format!("m-{n}"), "你好 hello").await?;
    }
    agent_says(&mut chat.agent, chat.conversation, "a-1", "Hi!").await?;
    let after = scrape(&server).await?;
    // The recorder is the process's: other tests count too, so only growth
    // is checked.
    assert!(sample(&after, "rapport_messages_total", "") >= sample(&before, "rapport_messages_total", "") + 4.0, "{after}");
    assert!(sample(&after, "rapport_routing_decisions_total", "decision=\"assign\"") >= 1.0, "{after}");
    assert!(sample(&after, "rapport_connections", "kind=\"visitor\"") >= 1.0, "{after}");
    assert!(sample(&after, "rapport_connections", "kind=\"agent\"") >= 1.0, "{after}");
    assert!(after.contains("rapport_database_message_write_seconds"), "{after}");
    // Not on the public listener.
    let public = reqwest::get(server.http_url("/metrics")).await?;
    assert_ne!(public.status(), 200);
    server.shutdown().await;
    Ok(())
}
