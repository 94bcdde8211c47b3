//! The agent's side of callbacks: the screen pop of an attempt, recording
//! how it went, and offering a callback from inside a chat.

use axum::extract::{Path, State};
use axum::Json;
use protocol::agent::{AgentEvent, Role};
use protocol::callback::{CallbackDetails, CallbackInfo, DialRequest, Disposition, DIAL_EVENT};
use protocol::cluster::RoutingInput;
use protocol::visitor::VisitorEvent;
use protocol::{CallbackId, ConversationId, ErrorCode, HISTORY_PAGE};

use crate::auth::SignedIn;
use crate::callbacks;
use crate::extract::FromConsole;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{after_attempt, now_ms, CallbackRecord, ConversationRecord, EndReason, SessionRecord, StoreError};

/// Longest disposition note kept.
const MAX_NOTES_CHARS: usize = 2_000;
/// Earlier conversations shown in the screen pop.
const EARLIER: i64 = 10;

fn not_found() -> Refusal {
    Refusal::new(ErrorCode::NotFound, "no such callback")
}

/// The conversation, if the caller may read it: its agent, or a
/// supervisor or admin.
async fn readable(state: &AppState, session: &SessionRecord, id: ConversationId) -> Result<ConversationRecord, Refusal> {
    let c = state.store.conversation(id).await?.ok_or_else(not_found)?;
    let me = &session.agent.info;
    let sites_ok = me.role == Role::Admin || session.agent.sites.contains(&c.site_id);
    if (c.agent_id == Some(me.id) || me.role != Role::Agent) && sites_ok {
        Ok(c)
    } else {
        Err(Refusal::new(ErrorCode::Forbidden, "that conversation is not yours"))
    }
}

async fn info(state: &AppState, c: &CallbackRecord) -> Result<CallbackInfo, Refusal> {
    let queue = match c.queue_id {
        Some(q) => state.store.queue(q).await?,
        None => None,
    };
    Ok(CallbackInfo {
        id: c.id,
        status: c.status,
        name: c.name.clone(),
        phone: c.phone.clone(),
        topic: c.topic.clone(),
        asap: c.asap,
        due_at_ms: c.due_at,
        attempts: c.attempts,
        max_attempts: queue.as_ref().map_or_else(|| protocol::admin::CallbackSettings::default().max_attempts, |q| q.config.callbacks.max_attempts),
        queue_name: queue.map(|q| q.config.name).unwrap_or_default(),
        conversation_id: c.conversation_id,
        created_at_ms: c.created_at,
    })
}

/// `GET /api/v1/callbacks/by-conversation/{id}`: who to call, the number,
/// the topic, the attempts so far, the chat it was asked from, and the
/// visitor's earlier conversations.
pub async fn callback_details(State(state): State<AppState>, SignedIn(session): SignedIn, Path(id): Path<i64>) -> Result<Json<CallbackDetails>, Refusal> {
    let conversation = readable(&state, &session, ConversationId(id)).await?;
    let c = state.store.callback_of_conversation(conversation.id).await?.ok_or_else(not_found)?;
    let transcript = match c.origin_conversation_id {
        Some(origin) => state.store.messages_before(origin, u64::MAX, HISTORY_PAGE).await?,
        None => Vec::new(),
    };
    let earlier = state.store.earlier_interactions(c.visitor_id, conversation.id, EARLIER).await?;
    Ok(Json(CallbackDetails { callback: info(&state, &c).await?, attempts: state.store.callback_attempts(c.id).await?, transcript, earlier }))
}

/// `POST /api/v1/callbacks/{id}/disposition`: how the attempt the caller
/// holds ended. The attempt's conversation ends; no answer and busy come
/// back after the queue's retry delay until its attempts run out.
pub async fn dispose(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
    Json(d): Json<Disposition>,
) -> Result<Json<CallbackInfo>, Refusal> {
    let c = state.store.callback(CallbackId(id)).await?.ok_or_else(not_found)?;
    let conversation = c.conversation_id.ok_or_else(|| Refusal::new(ErrorCode::InvalidState, "this callback has no call under way"))?;
    let record = readable(&state, &session, conversation).await?;
    // The agent holding the call records it; a supervisor or admin of the
    // site may record it for them (an agent who left, say).
    let Some(agent) = record.agent_id.filter(|a| *a == session.agent.info.id || session.agent.info.role != Role::Agent) else {
        return Err(Refusal::new(ErrorCode::Forbidden, "this call is not yours"));
    };
    let notes: String = d.notes.trim().chars().take(MAX_NOTES_CHARS).collect();
    let code = d.wrap_up_code.trim().to_string();
    let queue = match c.queue_id {
        Some(q) => state.store.queue(q).await?,
        None => None,
    };
    let settings = queue.as_ref().map(|q| q.config.callbacks.clone()).unwrap_or_default();
    if let Some(q) = &queue {
        if !code.is_empty() && !q.config.wrap_up_codes.is_empty() && !q.config.wrap_up_codes.contains(&code) {
            return Err(Refusal::new(ErrorCode::Invalid, "that wrap-up code is not one of the queue's"));
        }
    }
    let next = after_attempt(d.outcome, c.attempts + 1, settings.max_attempts, now_ms(), settings.retry_delay_secs);
    let updated = match state.store.record_attempt(&c, agent, d.outcome, &notes, &code, next).await {
        Ok(u) => u,
        Err(StoreError::NotFound(_)) => return Err(Refusal::new(ErrorCode::InvalidState, "this call was already recorded")),
        Err(e) => return Err(e.into()),
    };
    tracing::info!(callback = %c.id, %conversation, outcome = d.outcome.as_str(), status = updated.status.as_str(), "a callback attempt was recorded");
    state.store.end_conversation(conversation, EndReason::Agent, Some(agent)).await?;
    state.routing.send(RoutingInput::Disposed { conversation, agent, code }).await?;
    if let Some(ended) = state.store.conversation(conversation).await? {
        state.hub.to_agent(agent, AgentEvent::Conversation { conversation: ended.summary() }).await;
    }
    callbacks::tell_visitor(&state, &updated).await;
    Ok(Json(info(&state, &updated).await?))
}

/// `POST /api/v1/conversations/{id}/offer-callback`: the agent in a chat
/// offers to call; the visitor's widget opens the callback form.
pub async fn offer_callback(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<Json<ConversationId>, Refusal> {
    let c = readable(&state, &session, ConversationId(id)).await?;
    if !c.is_chat() || !c.is_open() || c.agent_id != Some(session.agent.info.id) {
        return Err(Refusal::new(ErrorCode::InvalidState, "a callback is offered from a chat of yours in progress"));
    }
    state.hub.to_visitor(c.visitor_id, VisitorEvent::CallbackSuggested).await;
    Ok(Json(c.id))
}

/// `POST /api/v1/callbacks/{id}/dial`: the agent clicked to call. The click
/// is on the record; with a dialer configured, a signed webhook asks it to
/// place the call. Answers whether a dialer was asked.
pub async fn dial(State(state): State<AppState>, _: FromConsole, SignedIn(session): SignedIn, Path(id): Path<i64>) -> Result<Json<bool>, Refusal> {
    let me = &session.agent.info;
    let c = state.store.callback(CallbackId(id)).await?.ok_or_else(not_found)?;
    let conversation = c.conversation_id.ok_or_else(|| Refusal::new(ErrorCode::InvalidState, "this callback has no call under way"))?;
    let record = readable(&state, &session, conversation).await?;
    if record.agent_id != Some(me.id) || !record.is_open() {
        return Err(Refusal::new(ErrorCode::Forbidden, "this call is not yours"));
    }
    state.store.record_event(conversation, "dialed", Some(me.id)).await?;
    let url = &state.config.dialer.url;
    if url.is_empty() {
        return Ok(Json(false));
    }
    let request = |delivery_id: i64| DialRequest {
        event: DIAL_EVENT.into(),
        delivery_id,
        callback_id: c.id,
        conversation_id: conversation,
        phone: c.phone.clone(),
        name: c.name.clone(),
        agent_id: me.id,
        agent_name: me.name.clone(),
        agent_email: me.email.clone(),
        at_ms: now_ms(),
    };
    // The request names the customer, so it goes if they are erased.
    let contact = state.store.conversation_contact(conversation).await?;
    let delivery = state.store.queue_delivery(DIAL_EVENT, url, contact, |id| serde_json::to_string(&request(id)).unwrap_or_default()).await?;
    tracing::info!(callback = %c.id, delivery, "the dialer was asked to place a call");
    Ok(Json(true))
}
