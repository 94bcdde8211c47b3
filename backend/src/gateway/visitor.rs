//! `/ws/v1/visitor`: the widget's connection.

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use protocol::agent::AgentEvent;
use protocol::visitor::{PageInfo, Resume, VisitorEvent, VisitorFrame};
use protocol::{looks_like_email, Author, ErrorCode, PreChat, MAX_FRAME_BYTES, PROTOCOL_VERSION};
use routing::Event;
use serde::Deserialize;

use super::connection::Connection;
use super::{check_client_id, check_text, clip};
use crate::api::ApiError;
use crate::state::AppState;
use crate::store::{ConversationRecord, NewMessage, Reader, SiteRecord, StoreError, VisitorRecord};

#[derive(Deserialize)]
pub struct VisitorQuery {
    site: String,
}

/// Refuses unknown sites and pages from origins the site does not allow
/// before upgrading, with an HTTP status the browser can see.
pub async fn visitor_ws(State(state): State<AppState>, Query(q): Query<VisitorQuery>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("");
    let site = match state.store.site_by_key(&q.site).await {
        Ok(Some(site)) => site,
        Ok(None) => return ApiError::new(StatusCode::NOT_FOUND, ErrorCode::UnknownSite, "no site has that key").into_response(),
        Err(e) => return ApiError::internal(e).into_response(),
    };
    if !site.allows_origin(origin) {
        tracing::warn!(site = %site.key, origin, "visitor connection from an origin the site does not allow");
        return ApiError::new(StatusCode::FORBIDDEN, ErrorCode::BadOrigin, "this page's origin may not use the site's widget").into_response();
    }
    let tasks = state.tasks.clone();
    ws.read_buffer_size(4096)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| tasks.track_future(run(state, site, socket)))
}

struct Session {
    state: AppState,
    site: SiteRecord,
    visitor: VisitorRecord,
}

async fn run(state: AppState, site: SiteRecord, socket: WebSocket) {
    let mut conn = Connection::<VisitorEvent>::new(socket, &state.config.limits, state.shutdown.clone(), format!("visitor@{}", site.key));
    let Some(hello) = conn.first_frame::<VisitorFrame>().await else { return };
    let VisitorFrame::Hello { v, token, resume, page, locale } = hello else {
        conn.send_error(ErrorCode::OutOfOrder, "the first frame must be hello").await;
        return;
    };
    if v != PROTOCOL_VERSION {
        conn.send_error(ErrorCode::VersionUnsupported, format!("this server speaks protocol version {PROTOCOL_VERSION}")).await;
        conn.close(1002, "unsupported protocol version").await;
        return;
    }
    let page = clip_page(page);
    let locale = clip(&locale, 35);
    let (visitor, token) = match identify(&state, &site, token, &locale, &page).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "could not identify a visitor");
            conn.send_error(ErrorCode::Internal, "could not start the session; try again").await;
            return;
        }
    };
    conn.label = format!("visitor#{}@{}", visitor.id, site.key);
    let (conn_id, events) = state.hub.subscribe_visitor(visitor.id);
    conn.attach(events);
    let mut session = Session { state: state.clone(), site, visitor };
    match session.welcome(token, resume).await {
        Ok(frames) => {
            for frame in frames {
                conn.send(&frame).await;
            }
            while let Some(frame) = conn.next_frame::<VisitorFrame>().await {
                if let Err((code, message)) = session.handle(frame, &mut conn).await {
                    conn.send_error(code, message).await;
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "could not welcome a visitor");
            conn.send_error(ErrorCode::Internal, "could not start the session; try again").await;
        }
    }
    state.hub.unsubscribe_visitor(session.visitor.id, conn_id);
}

fn clip_page(page: PageInfo) -> PageInfo {
    PageInfo { url: clip(&page.url, 2000), title: clip(&page.title, 300) }
}

/// The visitor who holds `token`, or a new one (with a new token) when the
/// token is missing or unknown on this site.
async fn identify(state: &AppState, site: &SiteRecord, token: Option<String>, locale: &str, page: &PageInfo) -> Result<(VisitorRecord, String), StoreError> {
    if let Some(token) = token.filter(|t| t.len() <= 128) {
        if let Some(mut visitor) = state.store.visitor_by_token(site.id, &token).await? {
            state.store.touch_visitor(visitor.id, locale, page).await?;
            visitor.locale = locale.into();
            visitor.page = page.clone();
            return Ok((visitor, token));
        }
    }
    state.store.create_visitor(site.id, locale, page).await
}

type Refusal = (ErrorCode, String);

fn internal(e: StoreError) -> Refusal {
    tracing::error!(error = %e, "store error in the visitor gateway");
    (ErrorCode::Internal, "something went wrong on our side; nothing was changed".into())
}

fn refuse((code, message): (ErrorCode, &'static str)) -> Refusal {
    (code, message.into())
}

impl Session {
    async fn welcome(&mut self, token: String, resume: Option<Resume>) -> Result<Vec<VisitorEvent>, StoreError> {
        let conversation = self.state.store.latest_conversation(self.visitor.id).await?;
        let mut frames = vec![VisitorEvent::Welcome {
            v: PROTOCOL_VERSION,
            token,
            settings: self.site.settings.clone(),
            conversation: conversation.as_ref().map(|c| c.visitor_view(self.state.routing.position(c.id))),
            agents_online: self.state.routing.agents_online(),
        }];
        if let Some(c) = conversation {
            let (after, reset) = match resume {
                Some(r) if r.conversation_id == c.id => (r.last_seq, false),
                _ => (0, true),
            };
            let messages = self.state.store.messages_after(c.id, after).await?;
            frames.push(VisitorEvent::History { conversation_id: c.id, reset, messages });
            self.tell_agent_where_visitor_is(&c).await?;
        }
        Ok(frames)
    }

    async fn open_conversation(&self) -> Result<Option<ConversationRecord>, StoreError> {
        Ok(self.state.store.latest_conversation(self.visitor.id).await?.filter(ConversationRecord::is_open))
    }

    /// The open conversation, or a new queued one.
    async fn open_or_start(&self, prechat: &PreChat) -> Result<ConversationRecord, StoreError> {
        if let Some(c) = self.open_conversation().await? {
            return Ok(c);
        }
        let c = self.state.store.create_conversation(self.site.id, self.visitor.id, prechat).await?;
        self.state.routing.send(Event::Enqueue { conversation: c.id });
        tracing::info!(conversation = c.id, visitor = self.visitor.id, "conversation queued");
        Ok(c)
    }

    async fn handle(&mut self, frame: VisitorFrame, conn: &mut Connection<VisitorEvent>) -> Result<(), Refusal> {
        match frame {
            VisitorFrame::Hello { .. } => return Err((ErrorCode::OutOfOrder, "hello was already received".into())),
            VisitorFrame::StartChat { prechat } => {
                let prechat = check_prechat(prechat)?;
                let c = self.open_or_start(&prechat).await.map_err(internal)?;
                self.state.hub.to_visitor(self.visitor.id, VisitorEvent::Conversation { conversation: c.visitor_view(self.state.routing.position(c.id)) });
            }
            VisitorFrame::Send { client_id, text } => {
                check_client_id(&client_id).map_err(refuse)?;
                check_text(&text).map_err(refuse)?;
                let c = match self.open_conversation().await.map_err(internal)? {
                    Some(c) => c,
                    None => {
                        let c = self.open_or_start(&PreChat::default()).await.map_err(internal)?;
                        self.state.hub.to_visitor(self.visitor.id, VisitorEvent::Conversation { conversation: c.visitor_view(None) });
                        c
                    }
                };
                let author_name = if c.prechat.name.is_empty() { "Visitor".to_string() } else { c.prechat.name.clone() };
                let new = NewMessage {
                    conversation_id: c.id,
                    client_id: &client_id,
                    author: Author::Visitor,
                    author_name: &author_name,
                    agent_id: None,
                    text: &text,
                };
                let (message, is_new) = self.state.store.append_message(new).await.map_err(internal)?;
                conn.send(&VisitorEvent::Ack { client_id, seq: message.seq }).await;
                if is_new {
                    match c.agent_id {
                        Some(agent) => self.state.hub.to_agent(agent, AgentEvent::Message { conversation_id: c.id, message: message.clone() }),
                        // An agent deciding on an offer should read what the visitor asks.
                        None => self.state.routing.refresh_offer(c.id),
                    }
                    self.state.hub.to_visitor(self.visitor.id, VisitorEvent::Message { message });
                } else {
                    conn.send(&VisitorEvent::Message { message }).await;
                }
            }
            VisitorFrame::Typing { on } => {
                if let Some(c) = self.open_conversation().await.map_err(internal)? {
                    if let Some(agent) = c.agent_id {
                        self.state.hub.to_agent(agent, AgentEvent::Typing { conversation_id: c.id, on });
                    }
                }
            }
            VisitorFrame::Read { seq } => {
                let Some(c) = self.state.store.latest_conversation(self.visitor.id).await.map_err(internal)? else {
                    return Err((ErrorCode::NoConversation, "there is no conversation to read".into()));
                };
                let seq = seq.min(c.last_seq);
                self.state.store.mark_read(c.id, Reader::Visitor, seq).await.map_err(internal)?;
                if let Some(agent) = c.agent_id {
                    self.state.hub.to_agent(agent, AgentEvent::Read { conversation_id: c.id, seq });
                }
            }
            VisitorFrame::Page { page } => {
                self.visitor.page = clip_page(page);
                self.state.store.touch_visitor(self.visitor.id, &self.visitor.locale, &self.visitor.page).await.map_err(internal)?;
                if let Some(c) = self.open_conversation().await.map_err(internal)? {
                    self.tell_agent_where_visitor_is(&c).await.map_err(internal)?;
                }
            }
            VisitorFrame::EndChat => {
                let Some(c) = self.open_conversation().await.map_err(internal)? else { return Ok(()) };
                self.state.store.end_conversation(c.id, None).await.map_err(internal)?;
                self.state.routing.send(Event::Release { conversation: c.id });
                if let Some(c) = self.state.store.conversation(c.id).await.map_err(internal)? {
                    self.state.hub.to_visitor(self.visitor.id, VisitorEvent::Conversation { conversation: c.visitor_view(None) });
                    if let Some(agent) = c.agent_id {
                        self.state.hub.to_agent(agent, AgentEvent::Conversation { conversation: c.summary() });
                    }
                }
            }
        }
        Ok(())
    }

    /// The screen pop follows the visitor from page to page.
    async fn tell_agent_where_visitor_is(&self, c: &ConversationRecord) -> Result<(), StoreError> {
        if let (true, Some(agent)) = (c.is_open(), c.agent_id) {
            if let Some(fresh) = self.state.store.conversation(c.id).await? {
                self.state.hub.to_agent(agent, AgentEvent::Conversation { conversation: fresh.summary() });
            }
        }
        Ok(())
    }
}

fn check_prechat(p: PreChat) -> Result<PreChat, Refusal> {
    let p = PreChat { name: p.name.trim().to_string(), email: p.email.trim().to_string(), topic: p.topic.trim().to_string() };
    if p.name.chars().count() > PreChat::MAX_NAME_CHARS
        || p.email.chars().count() > PreChat::MAX_EMAIL_CHARS
        || p.topic.chars().count() > PreChat::MAX_TOPIC_CHARS
    {
        return Err((ErrorCode::TooLarge, "a pre-chat answer is too long".into()));
    }
    if !p.email.is_empty() && !looks_like_email(&p.email) {
        return Err((ErrorCode::Invalid, "that email address does not look right".into()));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prechat_answers_are_trimmed_and_limited() {
        let p = check_prechat(PreChat { name: " 林美 ".into(), email: "".into(), topic: "訂單".into() }).unwrap();
        assert_eq!(p.name, "林美");
        assert!(check_prechat(PreChat { name: "x".repeat(101), ..PreChat::default() }).is_err());
    }
}
