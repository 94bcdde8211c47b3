//! `/ws/v1/agent`: the console's connection, authenticated by the session
//! cookie, accepted only from the console's own origin, and closed when
//! that session ends. One method per frame.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::response::Response;
use protocol::agent::{AgentEvent, AgentFrame, Presence, TransferTarget};
use protocol::cluster::RoutingInput;
use protocol::visitor::VisitorEvent;
use protocol::{AgentId, Author, ClientId, ConversationId, ConversationStatus, ErrorCode, MessageText, Seq, VisitorId, HISTORY_PAGE, PROTOCOL_VERSION};
use tracing::field::Empty;

use super::serve::{upgrade, Endpoint, Welcome};
use super::typing::Side;
use crate::admission::ConnectionPermit;
use crate::auth::SignedIn;
use crate::extract::{ClientIp, FromConsole};
use crate::hub::ConnectionId;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{now_ms, ConversationRecord, EndReason, NewMessage, Reader, SessionRecord};

pub async fn agent_ws(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(session): SignedIn,
    ClientIp(ip): ClientIp,
    ws: WebSocketUpgrade,
) -> Result<Response, Refusal> {
    let permit = state.admission.connect(ip)?;
    let span = tracing::info_span!("agent", agent = %session.agent.info.id, conversation = Empty);
    let endpoint = AgentEndpoint { state: state.clone(), session, _permit: permit, conn: None, chats: HashMap::new() };
    Ok(upgrade(ws, state, endpoint, span))
}

struct AgentEndpoint {
    state: AppState,
    session: SessionRecord,
    _permit: ConnectionPermit,
    conn: Option<ConnectionId>,
    /// The agent's chats as last seen (status, and whose they are), so
    /// typing needs no trip to the store.
    chats: HashMap<ConversationId, (ConversationStatus, VisitorId)>,
}

impl Endpoint for AgentEndpoint {
    type Frame = AgentFrame;
    type Event = AgentEvent;

    async fn hello(&mut self, hello: AgentFrame) -> Result<Welcome<AgentEvent>, Refusal> {
        let AgentFrame::Hello { last_seqs, .. } = hello else {
            return Err(Refusal::new(ErrorCode::OutOfOrder, "the first frame must be hello"));
        };
        let limit = self.state.config.limits.connections_per_agent as usize;
        let subscription = self
            .state
            .hub
            .join_agent(self.id(), self.session.key.clone(), limit)
            .await
            .ok_or_else(|| Refusal::new(ErrorCode::LimitReached, "the console is open in too many tabs; close some and try again"))?;
        self.conn = Some(subscription.id);
        let frames = self.welcome(last_seqs.into_iter().collect()).await?;
        let left_ms = u64::try_from(self.session.expires_at_ms - now_ms()).unwrap_or(0);
        let expires_at = tokio::time::Instant::now() + Duration::from_millis(left_ms);
        Ok(Welcome { events: subscription.events, kick: subscription.kick, frames, expires_at: Some(expires_at) })
    }

    async fn handle(&mut self, frame: AgentFrame, replies: &mut Vec<AgentEvent>) -> Result<(), Refusal> {
        match frame {
            AgentFrame::Hello { .. } => Err(Refusal::new(ErrorCode::OutOfOrder, "hello was already received")),
            AgentFrame::SetPresence { presence, reason } => self.set_presence(presence, &reason).await,
            AgentFrame::Accept { conversation_id } => self.state.routing.send(RoutingInput::Accept { conversation: conversation_id, agent: self.id() }).await,
            AgentFrame::Decline { conversation_id } => self.state.routing.send(RoutingInput::Decline { conversation: conversation_id, agent: self.id() }).await,
            AgentFrame::Pick { conversation_id } => self.state.routing.send(RoutingInput::Pick { conversation: conversation_id, agent: self.id() }).await,
            AgentFrame::Transfer { conversation_id, to, note } => self.transfer(conversation_id, to, note).await,
            AgentFrame::WrapUp { conversation_id, code } => {
                self.state.routing.send(RoutingInput::WrapUp { conversation: conversation_id, agent: self.id(), code }).await
            }
            AgentFrame::Send { conversation_id, client_id, text } => self.send(conversation_id, client_id, text, replies).await,
            AgentFrame::Typing { conversation_id, on } => self.typing(conversation_id, on).await,
            AgentFrame::Read { conversation_id, seq } => self.read(conversation_id, seq).await,
            AgentFrame::End { conversation_id } => self.end(conversation_id).await,
            AgentFrame::LoadOlder { conversation_id, before_seq } => self.load_older(conversation_id, before_seq, replies).await,
        }
    }

    fn observe(&mut self, event: &AgentEvent) {
        if let AgentEvent::Conversation { conversation } = event {
            self.chats.insert(conversation.id, (conversation.status, conversation.visitor.visitor_id));
        }
    }

    async fn still_allowed(&mut self) -> bool {
        // The session may have ended, or the agent been disabled, where this
        // node could not hear of it (the command line, another node).
        match self.state.store.session_by_key(&self.session.key).await {
            Ok(found) => found.is_some(),
            Err(e) => {
                tracing::warn!(error = %e, "could not recheck a session; keeping the connection");
                true
            }
        }
    }

    async fn goodbye(&mut self) {
        let Some(conn) = self.conn else { return };
        if self.state.hub.leave_agent(self.id(), conn) == 0 {
            // Offers need somebody to answer them; chats stay with the agent.
            let _ = self.state.routing.send(RoutingInput::AgentUnavailable { agent: self.id() }).await;
        }
    }
}

/// Longest reason for being away, and transfer note, kept.
const MAX_AWAY_REASON_CHARS: usize = 100;
const MAX_TRANSFER_NOTE_CHARS: usize = 1000;

impl AgentEndpoint {
    fn id(&self) -> AgentId {
        self.session.agent.info.id
    }

    async fn welcome(&mut self, last_seqs: HashMap<ConversationId, Seq>) -> Result<Vec<AgentEvent>, Refusal> {
        // Re-read: presence may have changed in another console.
        if let Some(fresh) = self.state.store.agent(self.id()).await? {
            self.session.agent = fresh;
        }
        let agent = &self.session.agent;
        let mut frames =
            vec![AgentEvent::Welcome { v: PROTOCOL_VERSION, agent: agent.info.clone(), presence: agent.presence, away_reason: agent.away_reason.clone() }];
        for c in self.state.store.active_conversations_of(self.id()).await? {
            let (reset, messages) = self.state.store.catch_up(&c, last_seqs.get(&c.id).copied()).await?;
            self.chats.insert(c.id, (c.status, c.visitor_id));
            frames.push(AgentEvent::Conversation { conversation: c.summary() });
            frames.push(AgentEvent::History { conversation_id: c.id, reset, messages });
        }
        if self.session.agent.presence == Presence::Available {
            self.state.routing.send(RoutingInput::AgentAvailable { agent: self.id() }).await?;
        }
        Ok(frames)
    }

    /// The conversation if it is this agent's; `open` also requires it to be
    /// in progress.
    async fn own(&self, id: ConversationId, open: bool) -> Result<ConversationRecord, Refusal> {
        tracing::Span::current().record("conversation", id.get());
        match self.state.store.conversation(id).await? {
            Some(c) if c.agent_id == Some(self.id()) && (!open || c.status == ConversationStatus::Active) => Ok(c),
            Some(c) if c.agent_id == Some(self.id()) => Err(Refusal::new(ErrorCode::InvalidState, "this chat has ended")),
            _ => Err(Refusal::new(ErrorCode::NoConversation, "no such chat is assigned to you")),
        }
    }

    async fn set_presence(&mut self, presence: Presence, reason: &str) -> Result<(), Refusal> {
        let reason: String = reason.trim().chars().take(MAX_AWAY_REASON_CHARS).collect();
        self.state.store.set_presence(self.id(), presence, &reason).await?;
        self.session.agent.presence = presence;
        let input = match presence {
            Presence::Available => RoutingInput::AgentAvailable { agent: self.id() },
            Presence::Away | Presence::Offline => RoutingInput::AgentUnavailable { agent: self.id() },
        };
        self.state.routing.send(input).await?;
        tracing::info!(?presence, reason, "presence changed");
        let away_reason = if presence == Presence::Away { reason } else { String::new() };
        self.state.hub.to_agent(self.id(), AgentEvent::Presence { presence, away_reason }).await;
        Ok(())
    }

    /// Hands one of the agent's chats on; routing checks it is theirs and
    /// the target can take it, and answers a refusal with its reason.
    async fn transfer(&mut self, conversation: ConversationId, to: TransferTarget, note: String) -> Result<(), Refusal> {
        let c = self.own(conversation, true).await?;
        if !c.is_chat() {
            return Err(Refusal::new(ErrorCode::InvalidState, "a callback is recorded, not transferred"));
        }
        let note: String = note.trim().chars().take(MAX_TRANSFER_NOTE_CHARS).collect();
        self.state.routing.send(RoutingInput::Transfer { conversation: c.id, agent: self.id(), to, note }).await
    }

    async fn send(&mut self, id: ConversationId, client_id: ClientId, text: MessageText, replies: &mut Vec<AgentEvent>) -> Result<(), Refusal> {
        let c = self.own(id, true).await?;
        // A callback's visitor is on the phone, not in this conversation.
        if !c.is_chat() {
            return Err(Refusal::new(ErrorCode::InvalidState, "a callback has no chat to write in"));
        }
        let agent = &self.session.agent;
        let message = NewMessage {
            conversation_id: id,
            client_id,
            author: Author::Agent,
            author_name: agent.info.name.clone(),
            agent_id: Some(agent.info.id),
            text,
            file: None,
        };
        let appended = self.state.store.append_message(message).await?;
        replies.push(AgentEvent::Ack { conversation_id: id, client_id: appended.message.client_id.clone(), seq: appended.message.seq });
        if appended.is_new {
            self.state.hub.to_visitor(c.visitor_id, VisitorEvent::Message { message: appended.message.clone() }).await;
            self.state.hub.to_agent(self.id(), AgentEvent::Message { conversation_id: id, message: appended.message }).await;
        } else {
            replies.push(AgentEvent::Message { conversation_id: id, message: appended.message });
        }
        Ok(())
    }

    async fn typing(&mut self, id: ConversationId, on: bool) -> Result<(), Refusal> {
        let visitor = match self.chats.get(&id) {
            Some((ConversationStatus::Active, visitor)) => *visitor,
            // Not known to be in progress here: the store decides.
            _ => {
                let c = self.own(id, true).await?;
                self.chats.insert(id, (c.status, c.visitor_id));
                c.visitor_id
            }
        };
        if self.state.typing.pass(id, Side::Agent, on, Instant::now()) {
            self.state.hub.to_visitor(visitor, VisitorEvent::Typing { on, name: self.session.agent.info.name.clone() }).await;
        }
        Ok(())
    }

    async fn read(&mut self, id: ConversationId, seq: Seq) -> Result<(), Refusal> {
        let c = self.own(id, true).await?;
        let seq = seq.min(c.last_seq);
        self.state.store.mark_read(id, Reader::Agent, seq).await?;
        self.state.hub.to_visitor(c.visitor_id, VisitorEvent::Read { seq }).await;
        Ok(())
    }

    async fn end(&mut self, id: ConversationId) -> Result<(), Refusal> {
        let c = self.own(id, true).await?;
        if !c.is_chat() {
            return Err(Refusal::new(ErrorCode::InvalidState, "record how the call went to end a callback"));
        }
        self.state.store.end_conversation(c.id, EndReason::Agent, Some(self.id())).await?;
        self.state.routing.send(RoutingInput::Release { conversation: c.id }).await?;
        tracing::info!("conversation ended by the agent");
        if let Some(c) = self.state.store.conversation(c.id).await? {
            self.state.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(None, None) }).await;
            self.state.hub.to_agent(self.id(), AgentEvent::Conversation { conversation: c.summary() }).await;
        }
        Ok(())
    }

    async fn load_older(&mut self, id: ConversationId, before_seq: Seq, replies: &mut Vec<AgentEvent>) -> Result<(), Refusal> {
        let c = self.own(id, false).await?;
        let messages = self.state.store.messages_before(c.id, before_seq, HISTORY_PAGE).await?;
        replies.push(AgentEvent::History { conversation_id: id, reset: false, messages });
        Ok(())
    }
}
