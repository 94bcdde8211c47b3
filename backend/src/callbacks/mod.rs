//! Callback requests as the visitor makes them: what the form may offer,
//! and asking, cancelling and moving a callback, each checked here (the
//! number, the slot, the hourly limits, one open request per number)
//! before the store is touched. Routing takes a request in when it is due
//! (`routing_actor::callbacks`); the agent's disposition is `api::callbacks`.

pub mod phone;
pub mod slots;

use std::net::IpAddr;

use protocol::admin::Queue;
use protocol::callback::{CallbackOptions, CallbackRefusal, CallbackRequest};
use protocol::cluster::RoutingInput;
use protocol::visitor::VisitorEvent;
use protocol::{CallbackId, ConversationId};

use crate::routing_actor::setup;
use crate::state::AppState;
use crate::store::{now_ms, CallbackRecord, EndReason, NewCallback, StoreError, VisitorRecord};

/// Longest name and topic kept.
const MAX_NAME_CHARS: usize = 100;
const MAX_TOPIC_CHARS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("the callback was refused: {0:?}")]
    Refused(CallbackRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CallbackRefusal> for CallbackError {
    fn from(r: CallbackRefusal) -> Self {
        Self::Refused(r)
    }
}

type Result<T> = std::result::Result<T, CallbackError>;

/// The slots `queue` offers now, given what is booked.
async fn free_slots(state: &AppState, queue: &Queue, now: i64) -> Result<Vec<i64>> {
    let plan = slots::Plan { hours: queue.config.hours.as_ref(), settings: &queue.config.callbacks };
    let horizon = now + i64::from(queue.config.callbacks.days_ahead) * 86_400_000 + i64::from(queue.config.callbacks.slot_secs) * 1000;
    let taken = state.store.callbacks_due_between(queue.id, now, horizon).await?;
    Ok(plan.free_slots(now, &taken))
}

/// What the widget's form may offer the visitor for `queue`.
pub async fn options(state: &AppState, queue: &Queue, visitor: &VisitorRecord) -> Result<CallbackOptions> {
    let now = now_ms();
    Ok(CallbackOptions {
        countries: phone::countries().to_vec(),
        default_country: phone::default_country(&visitor.locale),
        asap: setup::open_at(queue, now),
        slots: free_slots(state, queue, now).await?,
        slot_secs: queue.config.callbacks.slot_secs,
    })
}

/// When the callback is due: now for "as soon as possible" (only while the
/// queue is open), else the start of a slot the queue still offers.
async fn due_at(state: &AppState, queue: &Queue, at: Option<i64>) -> Result<(i64, bool)> {
    let now = now_ms();
    match at {
        None if setup::open_at(queue, now) => Ok((now, true)),
        None => Err(CallbackRefusal::Closed.into()),
        Some(at) => {
            let plan = slots::Plan { hours: queue.config.hours.as_ref(), settings: &queue.config.callbacks };
            let slot = i64::from(queue.config.callbacks.slot_secs) * 1000;
            let taken = state.store.callbacks_due_between(queue.id, at, at.saturating_add(slot)).await?;
            if plan.offers(now, at, &taken) {
                Ok((at, false))
            } else {
                Err(CallbackRefusal::SlotUnavailable.into())
            }
        }
    }
}

fn clip(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

/// Checks and stores a new request of `visitor` into `queue`; `origin` is
/// the chat it was asked from.
pub async fn request(
    state: &AppState,
    queue: &Queue,
    visitor: &VisitorRecord,
    ip: IpAddr,
    origin: Option<ConversationId>,
    req: &CallbackRequest,
) -> Result<CallbackRecord> {
    let name = clip(&req.name, MAX_NAME_CHARS);
    if name.is_empty() {
        return Err(CallbackRefusal::Invalid.into());
    }
    let phone = phone::normalise(&req.phone, &req.country).ok_or(CallbackRefusal::InvalidPhone)?;
    let limits = &state.config.limits;
    let ip = ip.to_string();
    let (by_visitor, by_ip, by_site) = state.store.callbacks_made_since(visitor.id, &ip, visitor.site_id, now_ms() - 3_600_000).await?;
    if by_visitor >= limits.callbacks_per_visitor_per_hour || by_ip >= limits.callbacks_per_ip_per_hour || by_site >= limits.callbacks_per_site_per_hour {
        tracing::info!(by_visitor, by_ip, by_site, "a callback request was over an hourly limit");
        return Err(CallbackRefusal::TooMany.into());
    }
    let (due_at, asap) = due_at(state, queue, req.at_ms).await?;
    let topic = clip(&req.topic, MAX_TOPIC_CHARS);
    // A visitor who leaves their number is a contact from then on, as one
    // who writes is; the callback is theirs.
    state.store.visitor_contact(visitor.id).await?;
    let new = NewCallback {
        site: visitor.site_id,
        visitor: visitor.id,
        queue: queue.id,
        origin,
        name: &name,
        phone: &phone,
        topic: &topic,
        locale: &visitor.locale,
        asap,
        due_at,
        ip: &ip,
    };
    match state.store.create_callback(new).await {
        Ok(c) => {
            tracing::info!(callback = %c.id, asap, "a callback was requested");
            Ok(c)
        }
        Err(StoreError::Duplicate(_)) => Err(CallbackRefusal::Duplicate.into()),
        Err(e) => Err(e.into()),
    }
}

/// Calls the visitor's open request off; an attempt waiting in the queue
/// leaves it.
pub async fn cancel(state: &AppState, visitor: &VisitorRecord, id: CallbackId) -> Result<CallbackRecord> {
    let c = state.store.cancel_callback(id, visitor.id).await?.ok_or(CallbackRefusal::NotFound)?;
    // The attempt open when the cancel landed (routing claims a request
    // and links its attempt in one transaction, so none can follow).
    if let Some(conversation) = c.conversation_id {
        state.store.end_conversation(conversation, EndReason::Visitor, None).await?;
        state.routing.send(RoutingInput::Release { conversation }).await.map_err(|_| StoreError::NotFound("routing"))?;
    }
    tracing::info!(callback = %id, "the visitor cancelled a callback");
    Ok(c)
}

/// Moves the visitor's scheduled request to another slot (or to "as soon
/// as possible").
pub async fn reschedule(state: &AppState, queue: &Queue, visitor: &VisitorRecord, id: CallbackId, at: Option<i64>) -> Result<CallbackRecord> {
    state.store.callback(id).await?.filter(|c| c.visitor_id == visitor.id && c.status.is_open()).ok_or(CallbackRefusal::NotFound)?;
    let (due_at, asap) = due_at(state, queue, at).await?;
    let c = state.store.reschedule_callback(id, visitor.id, due_at, asap).await?.ok_or(CallbackRefusal::NotFound)?;
    tracing::info!(callback = %id, asap, "the visitor moved a callback");
    Ok(c)
}

/// Tells every tab of the visitor how their callback stands.
pub async fn tell_visitor(state: &AppState, c: &CallbackRecord) {
    let position = c.conversation_id.and_then(|conversation| state.routing.position(conversation));
    state.hub.to_visitor(c.visitor_id, VisitorEvent::Callback { callback: c.visitor_view(position) }).await;
}
