//! What an agent's desk reads besides the socket: whom a chat can be
//! handed to, and the messages visitors left when nobody could answer
//! (taken up as a follow-up chat of the agent's own).

use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::Json;
use protocol::agent::{AgentEvent, Directory, DirectoryAgent, DirectoryQueue, LeftMessage, Pickable, Presence, Role};
use protocol::cluster::RoutingInput;
use protocol::{ClientId, ConversationId, ErrorCode, MessageText, SiteId, HISTORY_PAGE};

use crate::auth::SignedIn;
use crate::extract::FromConsole;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{NewMessage, SessionRecord, StoreError};

/// The sites the agent works for: all of them for an admin.
async fn sites_of(state: &AppState, session: &SessionRecord) -> Result<Vec<SiteId>, Refusal> {
    Ok(if session.agent.info.role == Role::Admin { state.store.sites().await?.into_iter().map(|s| s.id).collect() } else { session.agent.sites.clone() })
}

/// The agents who serve any of `sites` (admins serve all), enabled, with
/// whether each is available now.
async fn colleagues_of(state: &AppState, sites: &HashSet<SiteId>) -> Result<Vec<DirectoryAgent>, Refusal> {
    let available: HashSet<protocol::AgentId> =
        state.store.agents_now().await?.into_iter().filter(|a| a.presence == Presence::Available).map(|a| a.info.id).collect();
    Ok(state
        .store
        .agents_for_admin()
        .await?
        .into_iter()
        .filter(|a| !a.disabled && (a.role == Role::Admin || a.sites.iter().any(|s| sites.contains(s))))
        .map(|a| DirectoryAgent { id: a.id, name: a.name, available: available.contains(&a.id) })
        .collect())
}

/// `GET /api/v1/colleagues`: the agents of the caller's sites (whom a case
/// can be assigned to).
pub async fn colleagues(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Json<Vec<DirectoryAgent>>, Refusal> {
    let sites: HashSet<SiteId> = sites_of(&state, &session).await?.into_iter().collect();
    Ok(Json(colleagues_of(&state, &sites).await?))
}

/// `GET /api/v1/directory`: the agents and queues of the caller's sites.
pub async fn directory(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Json<Directory>, Refusal> {
    let sites: HashSet<SiteId> = sites_of(&state, &session).await?.into_iter().collect();
    let site_names: std::collections::HashMap<SiteId, String> = state.store.sites().await?.into_iter().map(|s| (s.id, s.name)).collect();
    let mut out = Directory { agents: colleagues_of(&state, &sites).await?, ..Directory::default() };
    for q in state.store.queues().await?.into_iter().filter(|q| sites.contains(&q.config.site_id)) {
        let site_name = site_names.get(&q.config.site_id).cloned().unwrap_or_default();
        out.queues.push(DirectoryQueue { id: q.id, name: q.config.name, site_name, open: state.routing.queue_open(q.id) });
    }
    Ok(Json(out))
}

/// How many waiting conversations the shared list shows at most.
const SHARED_LIST_LENGTH: i64 = 50;

/// `GET /api/v1/shared-list`: what waits in the manual-pick queues the
/// caller serves, for them to take with a `pick` frame.
pub async fn shared_list(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Json<Vec<Pickable>>, Refusal> {
    let waiting = state.store.waiting_for_pick(session.agent.info.id, SHARED_LIST_LENGTH).await?;
    let list = waiting
        .into_iter()
        .map(|(c, queue_name)| Pickable { conversation_id: c.id, queue_name, visitor: c.visitor_card(), entered_at_ms: c.entered_at })
        .collect();
    Ok(Json(list))
}

/// `GET /api/v1/left-messages`: messages of the caller's sites nobody has
/// taken up yet.
pub async fn left_messages(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Json<Vec<LeftMessage>>, Refusal> {
    let sites = sites_of(&state, &session).await?;
    Ok(Json(state.store.open_left_messages(&sites).await?))
}

/// `POST /api/v1/left-messages/{id}/answer`: the agent takes the message
/// up. It opens as a chat of theirs with the visitor, the message first,
/// which the visitor sees in the widget (now or on their next visit).
pub async fn answer_left_message(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<Json<ConversationId>, Refusal> {
    let agent = session.agent.info.id;
    let message = state.store.left_message(id).await?.ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such message"))?;
    if !sites_of(&state, &session).await?.contains(&message.site_id) {
        return Err(Refusal::new(ErrorCode::Forbidden, "that message belongs to a site you do not serve"));
    }
    if !state.store.take_left_message(id, agent).await? {
        return Err(Refusal::new(ErrorCode::InvalidState, "someone else has taken this message up"));
    }
    let queue = message.queue_id;
    let opened = state.store.open_follow_up(message.site_id, message.visitor_id, queue, agent, &message.name, &message.email).await;
    let conversation = match opened {
        Ok(c) => c,
        Err(e) => {
            state.store.release_left_message(id).await?;
            return Err(match e {
                StoreError::Duplicate(_) => Refusal::new(ErrorCode::InvalidState, "the visitor is in another chat right now; try again when it ends"),
                other => other.into(),
            });
        }
    };
    let client_id = ClientId::parse(format!("left-{id}")).map_err(Refusal::internal)?;
    let text = MessageText::parse(message.text.clone()).map_err(Refusal::internal)?;
    let new = NewMessage {
        conversation_id: conversation,
        client_id,
        author: protocol::Author::Visitor,
        author_name: message.name.clone(),
        agent_id: None,
        text,
        file: None,
    };
    state.store.append_message(new).await?;
    state.routing.send(RoutingInput::Adopt { conversation, agent }).await?;
    if let Some(c) = state.store.conversation(conversation).await? {
        let messages = state.store.messages_before(conversation, u64::MAX, HISTORY_PAGE).await?;
        state.hub.to_agent(agent, AgentEvent::Conversation { conversation: c.summary() }).await;
        state.hub.to_agent(agent, AgentEvent::History { conversation_id: conversation, reset: true, messages }).await;
        state.hub.to_visitor(c.visitor_id, protocol::visitor::VisitorEvent::Conversation { conversation: c.visitor_view(None, None) }).await;
    }
    tracing::info!(%agent, %conversation, left_message = id, "a left message was taken up");
    Ok(Json(conversation))
}
