//! `/ws/v1/agent`: the console's connection, authenticated by the session
//! cookie and accepted only from the console's own origin.

use std::collections::HashMap;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use protocol::agent::{AgentEvent, AgentFrame, Presence};
use protocol::visitor::VisitorEvent;
use protocol::{Author, ConversationId, ConversationStatus, ErrorCode, MAX_FRAME_BYTES, PROTOCOL_VERSION};
use routing::Event;

use super::connection::Connection;
use super::{check_client_id, check_text};
use crate::api::ApiError;
use crate::auth;
use crate::state::AppState;
use crate::store::{AgentRecord, ConversationRecord, NewMessage, Reader, StoreError};

pub async fn agent_ws(State(state): State<AppState>, jar: CookieJar, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    // Cookies ride along on cross-site WebSocket handshakes, so the origin
    // check is what stops another site from driving an agent's session.
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !state.is_console_origin(origin) {
        tracing::warn!(origin, "agent connection from a foreign origin");
        return ApiError::new(StatusCode::FORBIDDEN, ErrorCode::BadOrigin, "the console connects only from its own origin").into_response();
    }
    let agent = match auth::agent_from_cookies(&state, &jar).await {
        Ok(agent) => agent,
        Err(e) => return e.into_response(),
    };
    let tasks = state.tasks.clone();
    ws.read_buffer_size(4096)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| tasks.track_future(run(state, agent, socket)))
}

async fn run(state: AppState, agent: AgentRecord, socket: WebSocket) {
    let agent_id = agent.info.id;
    let mut conn = Connection::<AgentEvent>::new(socket, &state.config.limits, state.shutdown.clone(), format!("agent#{agent_id}"));
    let Some(hello) = conn.first_frame::<AgentFrame>().await else { return };
    let AgentFrame::Hello { v, last_seqs } = hello else {
        conn.send_error(ErrorCode::OutOfOrder, "the first frame must be hello").await;
        return;
    };
    if v != PROTOCOL_VERSION {
        conn.send_error(ErrorCode::VersionUnsupported, format!("this server speaks protocol version {PROTOCOL_VERSION}")).await;
        conn.close(1002, "unsupported protocol version").await;
        return;
    }
    let (conn_id, events) = state.hub.subscribe_agent(agent_id);
    conn.attach(events);
    let mut session = Session { state: state.clone(), agent };
    match session.welcome(last_seqs.into_iter().collect()).await {
        Ok(frames) => {
            for frame in frames {
                conn.send(&frame).await;
            }
            while let Some(frame) = conn.next_frame::<AgentFrame>().await {
                if let Err((code, message)) = session.handle(frame, &mut conn).await {
                    conn.send_error(code, message).await;
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "could not welcome an agent");
            conn.send_error(ErrorCode::Internal, "could not start the session; try again").await;
        }
    }
    if state.hub.unsubscribe_agent(agent_id, conn_id) {
        // Offers need somebody to answer them; chats stay with the agent.
        state.routing.send(Event::AgentUnavailable { agent: agent_id });
    }
}

type Refusal = (ErrorCode, String);

fn internal(e: StoreError) -> Refusal {
    tracing::error!(error = %e, "store error in the agent gateway");
    (ErrorCode::Internal, "something went wrong on our side; nothing was changed".into())
}

struct Session {
    state: AppState,
    agent: AgentRecord,
}

impl Session {
    fn id(&self) -> i64 {
        self.agent.info.id
    }

    async fn welcome(&mut self, last_seqs: HashMap<ConversationId, u64>) -> Result<Vec<AgentEvent>, StoreError> {
        // Re-read: presence may have changed in another console.
        if let Some(fresh) = self.state.store.agent(self.id()).await? {
            self.agent = fresh;
        }
        let mut frames = vec![AgentEvent::Welcome { v: PROTOCOL_VERSION, agent: self.agent.info.clone(), presence: self.agent.presence }];
        for c in self.state.store.active_conversations_of(self.id()).await? {
            let after = last_seqs.get(&c.id).copied().unwrap_or(0);
            frames.push(AgentEvent::Conversation { conversation: c.summary() });
            frames.push(AgentEvent::History { conversation_id: c.id, messages: self.state.store.messages_after(c.id, after).await? });
        }
        if self.agent.presence == Presence::Available {
            self.state.routing.send(Event::AgentAvailable { agent: self.id(), capacity: self.agent.capacity });
        }
        Ok(frames)
    }

    /// The conversation if it is this agent's and still open.
    async fn own(&self, id: ConversationId) -> Result<ConversationRecord, Refusal> {
        match self.state.store.conversation(id).await.map_err(internal)? {
            Some(c) if c.agent_id == Some(self.id()) && c.status == ConversationStatus::Active => Ok(c),
            Some(c) if c.agent_id == Some(self.id()) => Err((ErrorCode::InvalidState, "this chat has ended".into())),
            _ => Err((ErrorCode::NoConversation, "no such chat is assigned to you".into())),
        }
    }

    async fn handle(&mut self, frame: AgentFrame, conn: &mut Connection<AgentEvent>) -> Result<(), Refusal> {
        match frame {
            AgentFrame::Hello { .. } => return Err((ErrorCode::OutOfOrder, "hello was already received".into())),
            AgentFrame::SetPresence { presence } => {
                self.state.store.set_presence(self.id(), presence).await.map_err(internal)?;
                self.agent.presence = presence;
                let event = match presence {
                    Presence::Available => Event::AgentAvailable { agent: self.id(), capacity: self.agent.capacity },
                    Presence::Away | Presence::Offline => Event::AgentUnavailable { agent: self.id() },
                };
                self.state.routing.send(event);
                tracing::info!(agent = self.id(), ?presence, "presence changed");
                self.state.hub.to_agent(self.id(), AgentEvent::Presence { presence });
            }
            AgentFrame::Accept { conversation_id } => self.state.routing.send(Event::Accept { conversation: conversation_id, agent: self.id() }),
            AgentFrame::Decline { conversation_id } => {
                self.state.store.record_event(conversation_id, "declined", Some(self.id())).await.ok();
                self.state.routing.send(Event::Decline { conversation: conversation_id, agent: self.id() })
            }
            AgentFrame::Send { conversation_id, client_id, text } => {
                check_client_id(&client_id).map_err(|(c, m)| (c, m.to_string()))?;
                check_text(&text).map_err(|(c, m)| (c, m.to_string()))?;
                let c = self.own(conversation_id).await?;
                let new = NewMessage {
                    conversation_id,
                    client_id: &client_id,
                    author: Author::Agent,
                    author_name: &self.agent.info.name,
                    agent_id: Some(self.id()),
                    text: &text,
                };
                let (message, is_new) = self.state.store.append_message(new).await.map_err(internal)?;
                conn.send(&AgentEvent::Ack { conversation_id, client_id, seq: message.seq }).await;
                if is_new {
                    self.state.hub.to_visitor(c.visitor_id, VisitorEvent::Message { message: message.clone() });
                    self.state.hub.to_agent(self.id(), AgentEvent::Message { conversation_id, message });
                } else {
                    conn.send(&AgentEvent::Message { conversation_id, message }).await;
                }
            }
            AgentFrame::Typing { conversation_id, on } => {
                let c = self.own(conversation_id).await?;
                self.state.hub.to_visitor(c.visitor_id, VisitorEvent::Typing { on, name: self.agent.info.name.clone() });
            }
            AgentFrame::Read { conversation_id, seq } => {
                let c = self.own(conversation_id).await?;
                let seq = seq.min(c.last_seq);
                self.state.store.mark_read(conversation_id, Reader::Agent, seq).await.map_err(internal)?;
                self.state.hub.to_visitor(c.visitor_id, VisitorEvent::Read { seq });
            }
            AgentFrame::End { conversation_id } => {
                let c = self.own(conversation_id).await?;
                self.state.store.end_conversation(c.id, Some(self.id())).await.map_err(internal)?;
                self.state.routing.send(Event::Release { conversation: c.id });
                tracing::info!(conversation = c.id, agent = self.id(), "conversation ended by the agent");
                if let Some(c) = self.state.store.conversation(c.id).await.map_err(internal)? {
                    self.state.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(None) });
                    self.state.hub.to_agent(self.id(), AgentEvent::Conversation { conversation: c.summary() });
                }
            }
        }
        Ok(())
    }
}
