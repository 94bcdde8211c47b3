//! The bus between the nodes of a deployment: NATS when there are several
//! nodes, nothing when there is one. The hub, the routing handle and the
//! sign-outs use it; nothing else knows it exists.
//!
//! Delivery on the bus is at most once: a node that misses something while
//! the broker is away gets it from the database instead, because a broker
//! coming back makes every node tell its clients to reconnect, and
//! reconnecting clients resume from their last sequence number.

pub mod subjects;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::watch;

/// Cheap to clone.
#[derive(Clone)]
pub enum Bus {
    /// One node: everything stays in this process.
    Local,
    Nats(Nats),
}

#[derive(Clone)]
pub struct Nats {
    client: async_nats::Client,
    connected: Arc<AtomicBool>,
    /// Counts the times clients must catch up: the broker connection came
    /// back after a loss, or a subscription dropped messages.
    comebacks: watch::Receiver<u64>,
}

impl Bus {
    /// Connects to `url` (empty: no bus). Waits for the first connection,
    /// so a node never starts deaf; later losses are retried for ever.
    pub async fn connect(url: &str, node: &str) -> anyhow::Result<Self> {
        if url.trim().is_empty() {
            return Ok(Self::Local);
        }
        let connected = Arc::new(AtomicBool::new(false));
        let (comeback_tx, comebacks) = watch::channel(0u64);
        let flag = connected.clone();
        // Only a connection after a loss is a comeback, not the first one.
        let lost = Arc::new(AtomicBool::new(false));
        let client = async_nats::ConnectOptions::new()
            .name(format!("rapport {node}"))
            // A node delivers its own events to its own clients directly.
            .no_echo()
            .subscription_capacity(4_096)
            .connection_timeout(Duration::from_secs(5))
            .ping_interval(Duration::from_secs(5))
            .max_reconnects(None)
            .reconnect_delay_callback(|attempt| Duration::from_millis((attempt as u64 * 100).min(1_000)))
            .event_callback(move |event| {
                let flag = flag.clone();
                let lost = lost.clone();
                let comeback_tx = comeback_tx.clone();
                async move {
                    match event {
                        async_nats::Event::Connected => {
                            flag.store(true, Ordering::SeqCst);
                            if lost.swap(false, Ordering::SeqCst) {
                                comeback_tx.send_modify(|n| *n += 1);
                            }
                            tracing::info!("bus connected");
                        }
                        async_nats::Event::Disconnected => {
                            flag.store(false, Ordering::SeqCst);
                            lost.store(true, Ordering::SeqCst);
                            tracing::warn!("bus connection lost; retrying");
                        }
                        // The broker or the client dropped messages for a
                        // subscription that fell behind: clients of this
                        // node may have missed events, so they catch up as
                        // after a loss (the database is the truth).
                        async_nats::Event::SlowConsumer(subscription) => {
                            tracing::warn!(subscription, "a bus subscription fell behind; every client here resyncs");
                            comeback_tx.send_modify(|n| *n += 1);
                        }
                        other => tracing::warn!(event = %other, "bus event"),
                    }
                }
            })
            .connect(url.trim())
            .await
            .with_context(|| format!("connecting to the bus at {url}"))?;
        connected.store(true, Ordering::SeqCst);
        Ok(Self::Nats(Nats { client, connected, comebacks }))
    }

    /// Whether other nodes may exist (a bus is configured).
    pub fn is_shared(&self) -> bool {
        matches!(self, Self::Nats(_))
    }

    /// Whether the broker is reachable now (always, with no broker).
    pub fn is_connected(&self) -> bool {
        match self {
            Self::Local => true,
            Self::Nats(nats) => nats.connected.load(Ordering::SeqCst),
        }
    }

    /// Ticks each time the broker connection comes back after a loss.
    pub fn comebacks(&self) -> Option<watch::Receiver<u64>> {
        match self {
            Self::Local => None,
            Self::Nats(nats) => Some(nats.comebacks.clone()),
        }
    }

    /// How long a round trip to the broker takes now (`None` alone, or
    /// when it does not answer).
    pub async fn round_trip(&self) -> Option<Duration> {
        let Self::Nats(nats) = self else { return None };
        let started = std::time::Instant::now();
        tokio::time::timeout(Duration::from_secs(2), nats.client.flush()).await.ok()?.ok()?;
        Some(started.elapsed())
    }

    /// Publishes `message` as JSON. Failures are logged, not returned: the
    /// bus is a fast path, the database is the truth.
    pub async fn publish<T: Serialize>(&self, subject: String, message: &T) {
        let Self::Nats(nats) = self else { return };
        let payload = match serde_json::to_vec(message) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::error!(error = %e, %subject, "could not encode a bus message");
                return;
            }
        };
        if let Err(e) = nats.client.publish(subject.clone(), payload.into()).await {
            tracing::warn!(error = %e, %subject, "could not publish on the bus");
        }
    }

    /// Subscribes to `subject`; the subscription is in place on the broker
    /// when this returns, so nothing published afterwards is missed. `None`
    /// with no bus.
    pub async fn subscribe<T: DeserializeOwned + Send + 'static>(&self, subject: String) -> anyhow::Result<Option<Subscription<T>>> {
        let Self::Nats(nats) = self else { return Ok(None) };
        let subscriber = nats.client.subscribe(subject.clone()).await.with_context(|| format!("subscribing to {subject}"))?;
        nats.client.flush().await.with_context(|| format!("confirming the subscription to {subject}"))?;
        Ok(Some(Subscription { subscriber, subject, _kind: std::marker::PhantomData }))
    }
}

impl Bus {
    /// Publishes bytes as they are (co-browse recordings, which the server
    /// relays without reading). Failures are logged, as `publish`'s are.
    pub async fn publish_raw(&self, subject: String, payload: bytes::Bytes) {
        let Self::Nats(nats) = self else { return };
        if let Err(e) = nats.client.publish(subject.clone(), payload).await {
            tracing::warn!(error = %e, %subject, "could not publish on the bus");
        }
    }

    /// Subscribes to `subject` for bytes as they were published; `None`
    /// with no bus.
    pub async fn subscribe_raw(&self, subject: String) -> anyhow::Result<Option<async_nats::Subscriber>> {
        let Self::Nats(nats) = self else { return Ok(None) };
        let subscriber = nats.client.subscribe(subject.clone()).await.with_context(|| format!("subscribing to {subject}"))?;
        nats.client.flush().await.with_context(|| format!("confirming the subscription to {subject}"))?;
        Ok(Some(subscriber))
    }
}

/// Messages of one subject, decoded; unsubscribes when dropped.
pub struct Subscription<T> {
    subscriber: async_nats::Subscriber,
    subject: String,
    _kind: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Subscription<T> {
    /// The next message that decodes; `None` when the subscription ended.
    pub async fn next(&mut self) -> Option<T> {
        loop {
            let message = self.subscriber.next().await?;
            match serde_json::from_slice(&message.payload) {
                Ok(decoded) => return Some(decoded),
                Err(e) => tracing::warn!(error = %e, subject = %self.subject, "an undecodable bus message was dropped"),
            }
        }
    }
}
