//! `/metrics` in the Prometheus text format, on its own listener (the
//! operator's network, not the internet), and the probes behind the
//! latency gauges.
//!
//! Counters and gauges are recorded where things happen, through the
//! `metrics` facade (`rapport_messages_total` in the gateway,
//! `rapport_routing_decisions_total` and the queue gauges in routing,
//! `rapport_lease_held` in the ownership loop); the connection gauges are
//! read from the hub at scrape time. One recorder serves the process.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

/// How often the database and the broker are timed.
const PROBE_EVERY: Duration = Duration::from_secs(5);

/// The process's recorder, installed by the first server to start.
fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::warn!(error = %e, "metrics are off: another recorder is installed");
                None
            }
        })
        .as_ref()
}

/// Installs the recorder (idempotent), so counters count from the start.
pub fn install() {
    let _ = recorder();
}

pub fn router(state: AppState) -> Router {
    Router::new().route("/metrics", get(render)).with_state(state)
}

async fn render(State(state): State<AppState>) -> String {
    let node = state.node.clone();
    metrics::gauge!("rapport_connections", "kind" => "visitor", "node" => node.clone()).set(state.hub.visitor_connection_count() as f64);
    metrics::gauge!("rapport_connections", "kind" => "agent", "node" => node.clone()).set(state.hub.agent_connection_count() as f64);
    metrics::gauge!("rapport_bus_connected", "node" => node.clone()).set(if state.hub.bus().is_connected() { 1.0 } else { 0.0 });
    metrics::gauge!("rapport_routing_owner", "node" => node).set(if state.routing.is_owner() { 1.0 } else { 0.0 });
    recorder().map(PrometheusHandle::render).unwrap_or_default()
}

/// Times a round trip to the database and to the broker every few seconds
/// until shutdown.
pub async fn probe(state: AppState) {
    crate::periodic::every(state, PROBE_EVERY, "probe", |state| async move {
        let started = Instant::now();
        if state.store.ping().await.is_ok() {
            metrics::gauge!("rapport_database_round_trip_seconds").set(started.elapsed().as_secs_f64());
        }
        if let Some(round_trip) = state.hub.bus().round_trip().await {
            metrics::gauge!("rapport_bus_round_trip_seconds").set(round_trip.as_secs_f64());
        }
        Ok::<(), std::convert::Infallible>(())
    })
    .await
}
