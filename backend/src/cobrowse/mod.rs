//! Co-browsing: the steps of a session (asked from a chat or started with
//! a visitor's short code, consent, control, end), each stored first and
//! then told to the visitor's tabs (a `cobrowse` event through the hub)
//! and the session's viewers (through the relay). `sockets` holds the two
//! data sockets, `relay` what passes between them, `codes` the short
//! codes and the limit on guessing them. The wire is in docs/cobrowse.md.

pub mod codes;
pub mod relay;
mod sockets;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use protocol::cobrowse::{EndedBy, Session, State, VisitorSession, CODE_TTL_MS};
use protocol::visitor::VisitorEvent;
use protocol::{ClientId, ConversationId, ConversationStatus, ErrorCode, MessageText};

pub use sockets::{record_ws, view_ws};

use crate::notices::{self, CobrowseStep};
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{new_token, now_ms, AgentRecord, CobrowseRecord, NewMessage, Starter, StoreError};

/// How often lapsed requests and codes are ended.
const SWEEP: Duration = Duration::from_secs(5);

/// What every node keeps for co-browsing: the relay and the count of
/// wrong codes.
pub struct Cobrowse {
    pub relay: relay::Relay,
    pub guesses: codes::Guesses,
}

impl Cobrowse {
    pub fn new(bus: crate::bus::Bus) -> Arc<Self> {
        Arc::new(Self { relay: relay::Relay::new(bus), guesses: codes::Guesses::default() })
    }
}

fn no_session() -> Refusal {
    Refusal::new(ErrorCode::NotFound, "no such co-browse session")
}

/// Tells the visitor's tabs and the session's viewers how the session
/// stands. `key` is the recorder's credential, told once, as the session
/// goes live.
pub async fn tell(state: &AppState, record: &CobrowseRecord, key: Option<String>) -> Result<(), Refusal> {
    let event = VisitorEvent::Cobrowse { session: visitor_view(state, record, key).await? };
    state.hub.to_visitor(record.visitor_id, event).await;
    state.cobrowse.relay.to_viewers(record.session.id, relay::ToViewer::State(state_message(&record.session).into())).await;
    if record.session.state.is_over() {
        state.cobrowse.relay.to_recorder(record.session.id, relay::ToRecorder::End).await;
    }
    Ok(())
}

/// The session as the visitor's widget is told it: with the site's
/// settings for its recorder while live, and its code while it has one.
async fn visitor_view(state: &AppState, record: &CobrowseRecord, key: Option<String>) -> Result<VisitorSession, Refusal> {
    let settings = if record.session.state == State::Live { state.store.cobrowse_settings(record.site_id).await? } else { Default::default() };
    Ok(VisitorSession {
        session: record.session.clone(),
        key,
        unmask: settings.unmask,
        allow_submit: settings.allow_submit,
        code: record.code.as_ref().map(|(code, _)| code.clone()),
        code_expires_ms: record.code.as_ref().map(|(_, at)| *at),
    })
}

/// `{"k":"state","session":…}`, what viewers are told.
pub fn state_message(session: &Session) -> String {
    serde_json::json!({ "k": "state", "session": session }).to_string()
}

/// Tells of the session again after a change, read back from the store.
async fn tell_now(state: &AppState, id: i64, key: Option<String>) -> Result<Session, Refusal> {
    let record = state.store.cobrowse_session(id).await?.ok_or_else(no_session)?;
    tell(state, &record, key).await?;
    Ok(record.session)
}

/// Writes the session's new step into its chat, for both sides and the
/// transcript. Once per step (the client id names it); nothing for a
/// session without a chat, or a chat that ended meanwhile.
async fn note_in_chat(state: &AppState, session: &Session, step: CobrowseStep) {
    let Some(conversation) = session.conversation_id else { return };
    let Ok(Some(c)) = state.store.conversation(conversation).await else { return };
    let text = notices::cobrowse(&c.visitor_locale, step, session.agent_name.as_deref().unwrap_or_default());
    let (Ok(client_id), Ok(text)) = (ClientId::parse(format!("cobrowse-{}-{step:?}", session.id)), MessageText::parse(text)) else { return };
    match state.store.append_message(NewMessage::system(c.id, client_id, text)).await {
        Ok(appended) if appended.is_new => crate::files::deliver(state, &c, &appended.message).await,
        Ok(_) | Err(StoreError::ConversationEnded) => {}
        Err(e) => tracing::warn!(error = %e, session = session.id, "could not note a co-browse step in its chat"),
    }
}

/// Ends the sessions a new one replaced, telling their viewers.
async fn tell_ended(state: &AppState, ended: Vec<i64>) -> Result<(), Refusal> {
    for id in ended {
        tell_now(state, id, None).await?;
    }
    Ok(())
}

/// The agent assigned to open chat `conversation` asks its visitor to
/// co-browse.
pub async fn ask(state: &AppState, agent: &AgentRecord, conversation: ConversationId) -> Result<Session, Refusal> {
    let c = state.store.conversation(conversation).await?.filter(|c| c.agent_id == Some(agent.info.id));
    let c = c.ok_or_else(|| Refusal::new(ErrorCode::NoConversation, "no such chat is assigned to you"))?;
    if c.status != ConversationStatus::Active {
        return Err(Refusal::new(ErrorCode::InvalidState, "co-browsing needs a chat that is going on"));
    }
    let starter = Starter::Agent { agent: agent.info.id, conversation };
    let (record, ended) = state.store.start_cobrowse(c.site_id, c.visitor_id, starter, now_ms()).await?;
    tell_ended(state, ended).await?;
    tell(state, &record, None).await?;
    Ok(record.session)
}

/// The visitor asks for a short code to read to an agent on the phone.
pub async fn make_code(state: &AppState, site: protocol::SiteId, visitor: protocol::VisitorId) -> Result<(), Refusal> {
    let now = now_ms();
    // Six random digits; a clash with a code in use (the unique index
    // says so, whichever node drew it) is drawn again.
    for _ in 0..5 {
        let code = codes::draw();
        let starter = Starter::Code { code: &code, expires_at: now + CODE_TTL_MS };
        let (record, ended) = match state.store.start_cobrowse(site, visitor, starter, now).await {
            Ok(started) => started,
            Err(StoreError::Duplicate(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        tell_ended(state, ended).await?;
        return tell(state, &record, None).await;
    }
    Err(Refusal::new(ErrorCode::Busy, "no code could be made; try again"))
}

/// An agent joins the session of a code a visitor read to them. Wrong
/// codes count against the agent and their address.
pub async fn join(state: &AppState, agent: &AgentRecord, typed: &str, ip: IpAddr) -> Result<Session, Refusal> {
    let guesser = [codes::Guesser::Agent(agent.info.id), codes::Guesser::Address(ip)];
    state.cobrowse.guesses.check(&guesser, now_ms())?;
    let wrong = || Refusal::new(ErrorCode::NotFound, "no session has that code; check it with the visitor (codes last ten minutes)");
    let Some(code) = protocol::cobrowse::clean_code(typed) else {
        state.cobrowse.guesses.wrong(&guesser, now_ms());
        return Err(wrong());
    };
    let sites = (agent.info.role != protocol::agent::Role::Admin).then_some(agent.sites.as_slice());
    let key = new_token();
    let Some(record) = state.store.join_cobrowse(&code, agent.info.id, sites, &key, now_ms()).await? else {
        state.cobrowse.guesses.wrong(&guesser, now_ms());
        return Err(wrong());
    };
    tell(state, &record, Some(key)).await?;
    Ok(record.session)
}

/// The visitor answers an agent's request.
pub async fn answer(state: &AppState, visitor: protocol::VisitorId, id: i64, accept: bool) -> Result<(), Refusal> {
    let key = accept.then(new_token);
    if !state.store.answer_cobrowse(id, visitor, key.as_deref(), now_ms()).await? {
        return Err(Refusal::new(ErrorCode::InvalidState, "that request to co-browse is no longer open"));
    }
    let session = tell_now(state, id, key).await?;
    note_in_chat(state, &session, if accept { CobrowseStep::Started } else { CobrowseStep::Declined }).await;
    Ok(())
}

/// The agent asks for remote control.
pub async fn ask_control(state: &AppState, id: i64) -> Result<(), Refusal> {
    if state.store.ask_cobrowse_control(id, now_ms()).await? {
        tell_now(state, id, None).await?;
    }
    Ok(())
}

/// The visitor grants or refuses remote control.
pub async fn answer_control(state: &AppState, visitor: protocol::VisitorId, id: i64, grant: bool) -> Result<(), Refusal> {
    if !state.store.answer_cobrowse_control(id, visitor, grant, now_ms()).await? {
        return Err(Refusal::new(ErrorCode::InvalidState, "control was not asked for"));
    }
    let session = tell_now(state, id, None).await?;
    if grant {
        note_in_chat(state, &session, CobrowseStep::Control).await;
    }
    Ok(())
}

/// Ends a session: the visitor's (checked by the caller) or the agent's.
pub async fn end(state: &AppState, id: i64, by: EndedBy) -> Result<(), Refusal> {
    if state.store.end_cobrowse(id, by, now_ms()).await? {
        let session = tell_now(state, id, None).await?;
        if session.consented_ms.is_some() {
            note_in_chat(state, &session, CobrowseStep::Ended).await;
        }
    }
    Ok(())
}

/// The visitor ends one of their sessions.
pub async fn end_by_visitor(state: &AppState, visitor: protocol::VisitorId, id: i64) -> Result<(), Refusal> {
    let record = state.store.cobrowse_session(id).await?.filter(|r| r.visitor_id == visitor).ok_or_else(no_session)?;
    end(state, record.session.id, EndedBy::Visitor).await
}

/// The visitor's open session, as a new tab or page is told it (without
/// the key: the tab that consented keeps that).
pub async fn on_welcome(state: &AppState, visitor: protocol::VisitorId) -> Result<Option<VisitorEvent>, Refusal> {
    let Some(record) = state.store.open_cobrowse_of_visitor(visitor).await? else { return Ok(None) };
    Ok(Some(VisitorEvent::Cobrowse { session: visitor_view(state, &record, None).await? }))
}

/// Every node, every few seconds: ends what lapsed and tells of it.
pub async fn sweep(state: AppState) {
    crate::periodic::every(state, SWEEP, "end the lapsed co-browse sessions", |state| async move {
        let ended = state.store.expire_cobrowse(now_ms()).await?;
        for id in ended {
            if let Err(e) = tell_now(&state, id, None).await {
                tracing::warn!(session = id, error = %e.message, "could not tell of a lapsed co-browse session");
            }
        }
        Ok::<(), crate::store::StoreError>(())
    })
    .await
}
