//! The outbox: signed webhooks to other systems (today the dialer's
//! `callback.dial`) and email (`mailto:` deliveries, see `crate::email`).
//! Deliveries are queued in the store (`store::deliveries`) and sent by
//! [`deliver`], on every node that has a dialer or SMTP configured; each
//! attempt's outcome is kept for the delivery log.
//!
//! A receiver checks `X-Rapport-Signature: v1=<hex>` against
//! HMAC-SHA256(secret, "<X-Rapport-Timestamp>.<body>") and refuses a
//! timestamp outside its replay window ([`verify`] is that check).

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use protocol::callback::DIAL_EVENT;

use crate::state::AppState;
use crate::store::{now_ms, DueDelivery};

pub const TIMESTAMP_HEADER: &str = "x-rapport-timestamp";
pub const SIGNATURE_HEADER: &str = "x-rapport-signature";
/// How long after its timestamp a receiver should accept a delivery.
pub const REPLAY_WINDOW_SECS: i64 = 300;
/// How often the worker looks for due deliveries.
const POLL: Duration = Duration::from_millis(500);
/// One attempt's time limit; a claim is held a little longer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Retries wait at most this long.
const MAX_BACKOFF_MS: u64 = 5 * 60 * 1000;

/// `v1=` and the hex HMAC-SHA256 of `timestamp.body` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    format!("v1={}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// What a receiver checks: the signature matches (compared in constant
/// time) and the timestamp is within the replay window of `now_secs`.
pub fn verify(secret: &str, timestamp: i64, body: &str, signature: &str, now_secs: i64) -> bool {
    let Some(hex) = signature.strip_prefix("v1=") else { return false };
    let Some(given) = crate::store::from_hex(hex) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    (now_secs - timestamp).abs() <= REPLAY_WINDOW_SECS && mac.verify_slice(&given).is_ok()
}

/// The wait before attempt `attempts + 1`: doubling from `first_ms`.
pub fn backoff_ms(first_ms: u64, attempts: u32) -> u64 {
    first_ms.saturating_mul(1u64 << attempts.min(20)).min(MAX_BACKOFF_MS)
}

/// Sends due deliveries until shutdown.
pub async fn deliver(state: AppState) {
    let client = match reqwest::Client::builder().timeout(ATTEMPT_TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => return tracing::error!(error = %e, "the webhook client could not be built: no deliveries"),
    };
    let mut poll = tokio::time::interval(POLL);
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = poll.tick() => {}
        }
        loop {
            let hold = (ATTEMPT_TIMEOUT + Duration::from_secs(5)).as_millis() as i64;
            let (email, webhooks) = (state.mailer.is_some(), !state.config.dialer.url.is_empty() || !state.config.events.url.is_empty());
            match state.store.claim_delivery(hold, email, webhooks).await {
                Ok(Some(d)) => attempt(&state, &client, d).await,
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, "could not read the webhook deliveries");
                    break;
                }
            }
        }
    }
}

async fn attempt(state: &AppState, client: &reqwest::Client, d: DueDelivery) {
    if d.url.starts_with("mailto:") {
        return mail(state, d).await;
    }
    // The dialer's requests are signed with its key; interaction and case
    // events with theirs, whatever their address.
    let config = if d.kind == DIAL_EVENT { &state.config.dialer } else { &state.config.events };
    let timestamp = now_ms() / 1000;
    let signature = sign(&config.secret, timestamp, &d.body);
    let sent = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, signature)
        .body(d.body.clone())
        .send()
        .await;
    let (delivered, status, error) = match sent {
        Ok(r) if r.status().is_success() => (true, Some(r.status().as_u16()), String::new()),
        Ok(r) => (false, Some(r.status().as_u16()), format!("answered {}", r.status())),
        Err(e) => (false, None, e.to_string()),
    };
    record(state, &d, delivered, status, error, config.max_attempts, config.first_retry_ms).await;
}

/// Sends an email of the outbox through SMTP.
async fn mail(state: &AppState, d: DueDelivery) {
    let config = &state.config.smtp;
    let result = match (&state.mailer, serde_json::from_str::<crate::email::Email>(&d.body)) {
        (Some(mailer), Ok(email)) => match tokio::time::timeout(ATTEMPT_TIMEOUT, mailer.send(&email)).await {
            Ok(sent) => sent,
            Err(_) => Err(format!("the SMTP server took more than {} s", ATTEMPT_TIMEOUT.as_secs())),
        },
        (None, _) => Err("no [smtp] url is set".to_string()),
        (_, Err(e)) => Err(format!("unreadable email in the outbox: {e}")),
    };
    let (delivered, error) = match result {
        Ok(()) => (true, String::new()),
        Err(e) => (false, e),
    };
    record(state, &d, delivered, None, error, config.max_attempts, config.first_retry_ms).await;
}

/// Logs an attempt and keeps its outcome, with the next try when it failed
/// and attempts are left.
async fn record(state: &AppState, d: &DueDelivery, delivered: bool, status: Option<u16>, error: String, max_attempts: u32, first_retry_ms: u64) {
    let attempts = u32::try_from(d.attempts).unwrap_or(u32::MAX).saturating_add(1);
    let retry_at = (!delivered && attempts < max_attempts).then(|| now_ms() + backoff_ms(first_retry_ms, attempts - 1) as i64);
    match (delivered, retry_at) {
        (true, _) => tracing::info!(delivery = d.id, attempts, "a webhook was delivered"),
        (false, Some(_)) => tracing::warn!(delivery = d.id, attempts, %error, "a webhook delivery failed; it will be retried"),
        (false, None) => tracing::error!(delivery = d.id, attempts, %error, "a webhook delivery failed for good"),
    }
    if let Err(e) = state.store.delivery_attempted(d.id, delivered, status, &error, retry_at).await {
        tracing::error!(delivery = d.id, error = %e, "could not record a webhook attempt");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_secret_body_and_time() {
        let s = sign("k3y", 1_700_000_000, r#"{"a":1}"#);
        assert!(s.starts_with("v1=") && s.len() == 3 + 64);
        assert!(verify("k3y", 1_700_000_000, r#"{"a":1}"#, &s, 1_700_000_100));
        assert!(!verify("other", 1_700_000_000, r#"{"a":1}"#, &s, 1_700_000_100));
        assert!(!verify("k3y", 1_700_000_000, r#"{"a":2}"#, &s, 1_700_000_100));
        assert!(!verify("k3y", 1_700_000_001, r#"{"a":1}"#, &s, 1_700_000_100));
        assert!(!verify("k3y", 1_700_000_000, r#"{"a":1}"#, &s, 1_700_000_000 + REPLAY_WINDOW_SECS + 1), "replayed too late");
        assert!(!verify("k3y", 1_700_000_000, r#"{"a":1}"#, "v1=zz", 1_700_000_000));
    }

    #[test]
    fn retries_back_off_exponentially_up_to_a_cap() {
        assert_eq!(backoff_ms(1000, 0), 1000);
        assert_eq!(backoff_ms(1000, 3), 8000);
        assert_eq!(backoff_ms(1000, 30), MAX_BACKOFF_MS);
    }
}
