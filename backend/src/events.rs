//! Interaction and case events for other systems: signed webhooks to
//! `[events] url`, queued in the delivery outbox (retried with backoff,
//! listed in the console's delivery log).
//!
//! - `conversation.ended`: a sweep on every node announces each ended
//!   conversation once, however it ended (either side, a timeout, a
//!   callback attempt). The announcement is marked in the same transaction
//!   that queues it, so none is lost or sent twice.
//! - `conversation.rated`: when the visitor rates a chat.
//! - `case.created`, `case.updated`, `case.escalated`.
//!
//! Every body is `{"type", "delivery", "at_ms", …}`; the delivery id lets a
//! receiver drop a retried delivery it already has.

use std::time::Duration;

use protocol::cases::Case;
use protocol::ConversationId;
use serde_json::json;

use crate::state::AppState;
use crate::store::{now_ms, StoreError};

pub const CONVERSATION_ENDED: &str = "conversation.ended";
pub const CONVERSATION_RATED: &str = "conversation.rated";
pub const CASE_CREATED: &str = "case.created";
pub const CASE_UPDATED: &str = "case.updated";
pub const CASE_ESCALATED: &str = "case.escalated";

/// How often ended conversations are looked for.
pub const SWEEP: Duration = Duration::from_secs(5);

/// The events URL, when one is set.
fn url(state: &AppState) -> Option<&str> {
    Some(state.config.events.url.as_str()).filter(|u| !u.is_empty())
}

/// An event's body: its kind, delivery id, time and contact, and the
/// record it is about under `key` (`case`, `interaction`).
fn body(kind: &str, delivery: i64, at: i64, contact: Option<i64>, key: &str, record: &impl serde::Serialize) -> String {
    let mut body = json!({ "type": kind, "delivery": delivery, "at_ms": at, "contact_id": contact });
    body[key] = json!(record);
    body.to_string()
}

/// Queues a case event. A failure is logged, never the caller's: the case
/// is written either way.
pub async fn case_event(state: &AppState, kind: &'static str, case: &Case) {
    let Some(url) = url(state) else { return };
    let contact = state.store.case_contact(case.id).await.unwrap_or_default();
    let at = now_ms();
    if let Err(e) = state.store.queue_delivery(kind, url, contact, |d| body(kind, d, at, contact, "case", case)).await {
        tracing::error!(case = case.id, kind, error = %e, "could not queue a case webhook");
    }
}

/// Queues `conversation.rated` for a chat just rated.
pub async fn conversation_rated(state: &AppState, id: ConversationId) {
    let Some(url) = url(state) else { return };
    let queued = match state.store.conversation_interaction(id).await {
        Ok(Some((interaction, contact))) => {
            let at = now_ms();
            let body = |d| body(CONVERSATION_RATED, d, at, contact, "interaction", &interaction);
            state.store.queue_delivery(CONVERSATION_RATED, url, contact, body).await.map(drop)
        }
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    };
    if let Err(e) = queued {
        tracing::error!(conversation = %id, error = %e, "could not queue the conversation.rated webhook");
    }
}

/// Announces the conversations that ended since the last sweep; returns
/// how many this node announced.
pub async fn announce_ended(state: &AppState) -> Result<usize, StoreError> {
    let mut announced = 0;
    for id in state.store.unannounced_ended(100).await? {
        // One conversation that fails (its contact erased meanwhile, say)
        // is logged and tried again next time; the others go on.
        match announce(state, id).await {
            Ok(true) => announced += 1,
            Ok(false) => {}
            Err(e) => tracing::error!(conversation = %id, error = %e, "could not announce an ended conversation"),
        }
    }
    Ok(announced)
}

async fn announce(state: &AppState, id: ConversationId) -> Result<bool, StoreError> {
    let Some((interaction, contact)) = state.store.conversation_interaction(id).await? else { return Ok(false) };
    let at = now_ms();
    let body =
        |delivery: i64| json!({ "type": CONVERSATION_ENDED, "delivery": delivery, "at_ms": at, "contact_id": contact, "interaction": interaction }).to_string();
    let delivery = url(state).map(|u| (CONVERSATION_ENDED, u, contact));
    state.store.announce_conversation(id, delivery, body).await
}

/// Runs the sweep until shutdown.
pub async fn sweep(state: AppState) {
    crate::periodic::every(state, SWEEP, "announce the ended conversations", |state| async move { announce_ended(&state).await.map(drop) }).await
}
