//! `/ws/v1/visitor`: the widget's connection. One method per frame.

use std::net::IpAddr;
use std::time::Instant;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::response::Response;
use protocol::admin::Queue;
use protocol::agent::AgentEvent;
use protocol::callback::{CallbackRefusal, CallbackRequest, VisitorCallback};
use protocol::cluster::RoutingInput;
use protocol::contact::Identity;
use protocol::visitor::{PageInfo, Resume, VisitorConversation, VisitorEvent, VisitorFrame};
use protocol::{
    AgentId, Author, ChatMessage, ClientId, ConversationId, ConversationStatus, ErrorCode, MessageText, PreChat, Seq, VisitorId, HISTORY_PAGE, PROTOCOL_VERSION,
};
use tracing::field::Empty;

use super::serve::{upgrade, Endpoint, Welcome};
use super::typing::Side;
use super::{clip, clip_page};
use crate::admission::ConnectionPermit;
use crate::callbacks::{self, CallbackError};
use crate::contacts;
use crate::email;
use crate::extract::{AllowedSite, ClientIp};
use crate::hub::ConnectionId;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{CallbackRecord, ConversationRecord, EndReason, Entry, NewMessage, Reader, SiteRecord, StoreError, VisitorRecord};
use crate::{entry, notices, store};

/// Longest locale tag kept.
const MAX_LOCALE_CHARS: usize = 35;
/// Longest visitor token looked up; real ones are 64 hex digits.
const MAX_TOKEN_CHARS: usize = 128;

/// Refuses unknown sites, foreign origins and addresses with too many
/// connections before upgrading, with an HTTP status the browser can see.
pub async fn visitor_ws(
    State(state): State<AppState>,
    AllowedSite(site): AllowedSite,
    ClientIp(ip): ClientIp,
    ws: WebSocketUpgrade,
) -> Result<Response, Refusal> {
    let permit = state.admission.connect(ip)?;
    let span = tracing::info_span!("visitor", site = %site.key, visitor = Empty, conversation = Empty);
    let endpoint =
        VisitorEndpoint { state: state.clone(), site, ip, _permit: permit, span: span.clone(), me: None, conn: None, current: None, may_resend: true };
    Ok(upgrade(ws, state, endpoint, span))
}

/// The visitor's conversation as this connection last saw it, so that
/// sending and typing need no trip to the store. If it ended meanwhile, the
/// store refuses the message and the slow path finds the truth.
#[derive(Clone, Debug)]
struct Current {
    id: ConversationId,
    status: ConversationStatus,
    /// Looked up once the conversation is active.
    agent: Option<AgentId>,
    /// What the visitor's messages are signed with.
    author_name: String,
}

impl Current {
    fn of(c: &ConversationRecord) -> Self {
        Self { id: c.id, status: c.status, agent: c.agent_id, author_name: visitor_author_name(&c.prechat) }
    }
}

/// The name a visitor's messages carry: the pre-chat name, or "Visitor".
pub(crate) fn visitor_author_name(prechat: &PreChat) -> String {
    if prechat.name.is_empty() {
        "Visitor".to_string()
    } else {
        prechat.name.clone()
    }
}

struct VisitorEndpoint {
    state: AppState,
    site: SiteRecord,
    ip: IpAddr,
    _permit: ConnectionPermit,
    span: tracing::Span,
    /// Known once hello is accepted.
    me: Option<VisitorRecord>,
    conn: Option<ConnectionId>,
    current: Option<Current>,
    /// True until this connection stores a new message: until then a send
    /// may be the widget resending what an earlier connection (maybe on
    /// another node) stored but could not acknowledge.
    may_resend: bool,
}

impl Endpoint for VisitorEndpoint {
    type Frame = VisitorFrame;
    type Event = VisitorEvent;

    async fn hello(&mut self, hello: VisitorFrame) -> Result<Welcome<VisitorEvent>, Refusal> {
        let VisitorFrame::Hello { token, resume, page, locale, .. } = hello else {
            return Err(Refusal::new(ErrorCode::OutOfOrder, "the first frame must be hello"));
        };
        let (visitor, token) = self.identify(token, &clip(&locale, MAX_LOCALE_CHARS), &clip_page(page)).await?;
        self.span.record("visitor", visitor.id.get());
        let limit = self.state.config.limits.connections_per_visitor as usize;
        let subscription = self
            .state
            .hub
            .join_visitor(visitor.id, limit)
            .await
            .ok_or_else(|| Refusal::new(ErrorCode::LimitReached, "this chat is open in too many tabs; close some and try again"))?;
        self.conn = Some(subscription.id);
        self.me = Some(visitor.clone());
        let frames = self.welcome(token, resume).await?;
        Ok(Welcome { events: subscription.events, kick: subscription.kick, frames, expires_at: None })
    }

    async fn handle(&mut self, frame: VisitorFrame, replies: &mut Vec<VisitorEvent>) -> Result<(), Refusal> {
        match frame {
            VisitorFrame::Hello { .. } => Err(Refusal::new(ErrorCode::OutOfOrder, "hello was already received")),
            VisitorFrame::StartChat { prechat } => self.start_chat(prechat).await,
            VisitorFrame::Send { client_id, text } => self.send(client_id, text, replies).await,
            VisitorFrame::Typing { on } => self.typing(on).await,
            VisitorFrame::Read { seq } => self.read(seq).await,
            VisitorFrame::Page { page } => self.page(page).await,
            VisitorFrame::EndChat => self.end_chat().await,
            VisitorFrame::LoadOlder { before_seq } => self.load_older(before_seq, replies).await,
            VisitorFrame::LeaveMessage { text } => self.leave_message(text, replies).await,
            VisitorFrame::CallbackOptions => self.callback_options(replies).await,
            VisitorFrame::EmailTranscript { conversation_id, email } => self.email_transcript(conversation_id, &email, replies).await,
            VisitorFrame::Rate { conversation_id, score, comment } => self.rate(conversation_id, score, &comment, replies).await,
            VisitorFrame::ResolutionSeen { case_id } => {
                let me = self.me()?.id;
                Ok(self.state.store.resolution_seen(me, case_id, crate::store::now_ms()).await?)
            }
            VisitorFrame::Identify { identity } => self.identify_contact(identity).await,
            VisitorFrame::CobrowseAnswer { session_id, accept } => crate::cobrowse::answer(&self.state, self.me()?.id, session_id, accept).await,
            VisitorFrame::CobrowseControlAnswer { session_id, accept } => crate::cobrowse::answer_control(&self.state, self.me()?.id, session_id, accept).await,
            VisitorFrame::CobrowseEnd { session_id } => crate::cobrowse::end_by_visitor(&self.state, self.me()?.id, session_id).await,
            VisitorFrame::CobrowseCode => crate::cobrowse::make_code(&self.state, self.site.id, self.me()?.id).await,
            VisitorFrame::RequestCallback { request } => self.request_callback(request, replies).await,
            VisitorFrame::CancelCallback { callback_id } => {
                let me = self.me()?.clone();
                let result = callbacks::cancel(&self.state, &me, callback_id).await;
                self.callback_answer(result, replies).await
            }
            VisitorFrame::RescheduleCallback { callback_id, at_ms } => {
                let me = self.me()?.clone();
                let queue = match self.state.store.callback(callback_id).await?.and_then(|c| c.queue_id) {
                    Some(q) => self.state.store.queue(q).await?,
                    None => None,
                };
                let result = match queue {
                    Some(queue) => callbacks::reschedule(&self.state, &queue, &me, callback_id, at_ms).await,
                    None => Err(CallbackError::Refused(CallbackRefusal::NotFound)),
                };
                self.callback_answer(result, replies).await
            }
        }
    }

    fn observe(&mut self, event: &VisitorEvent) {
        if let VisitorEvent::Conversation { conversation } = event {
            self.saw(conversation);
        }
    }

    async fn goodbye(&mut self) {
        let (Some(me), Some(conn)) = (self.me.as_ref(), self.conn) else { return };
        let left = self.state.hub.leave_visitor(me.id, conn);
        if left == 0 {
            if let Some(current) = self.current.as_ref().filter(|c| c.status == ConversationStatus::Queued) {
                self.state.routing.visitor_left(current.id, me.id).await;
            }
        }
    }
}

impl VisitorEndpoint {
    fn me(&self) -> Result<&VisitorRecord, Refusal> {
        self.me.as_ref().ok_or_else(|| Refusal::new(ErrorCode::OutOfOrder, "say hello first"))
    }

    /// The visitor who holds `token`, or a new one (with a new token) when
    /// the token is missing or unknown on this site.
    async fn identify(&self, token: Option<String>, locale: &str, page: &PageInfo) -> Result<(VisitorRecord, String), Refusal> {
        if let Some(token) = token.filter(|t| t.len() <= MAX_TOKEN_CHARS) {
            if let Some(mut visitor) = self.state.store.visitor_by_token(self.site.id, &token).await? {
                self.state.store.touch_visitor(visitor.id, locale, page).await?;
                visitor.locale = locale.into();
                visitor.page = page.clone();
                return Ok((visitor, token));
            }
        }
        self.state.admission.new_visitor(self.ip)?;
        Ok(self.state.store.create_visitor(self.site.id, locale, page).await?)
    }

    async fn welcome(&mut self, token: String, resume: Option<Resume>) -> Result<Vec<VisitorEvent>, Refusal> {
        let me = self.me()?.clone();
        let conversation = self.state.store.latest_conversation(me.id).await?;
        let mut frames = vec![VisitorEvent::Welcome {
            v: PROTOCOL_VERSION,
            token,
            settings: self.site.settings.clone(),
            conversation: conversation.as_ref().map(|c| c.visitor_view(self.state.routing.position(c.id), self.state.routing.estimated_wait(c.id))),
            agents_online: self.state.routing.agents_online(self.site.id),
            callback: self.recent_callback(me.id).await?,
            resolutions: self.state.store.unread_resolutions(me.id).await?,
        }];
        // A co-browse session going on follows the visitor to this page.
        frames.extend(crate::cobrowse::on_welcome(&self.state, me.id).await?);
        let Some(c) = conversation else { return Ok(frames) };
        self.opened(&c);
        let after = resume.filter(|r| r.conversation_id == c.id).map(|r| r.last_seq);
        let (reset, messages) = self.state.store.catch_up(&c, after).await?;
        frames.push(VisitorEvent::History { conversation_id: c.id, reset, messages });
        match c.status {
            ConversationStatus::Queued => self.state.routing.send(RoutingInput::VisitorReturned { conversation: c.id }).await?,
            ConversationStatus::Active => self.tell_agent_where_visitor_is(&c).await,
            ConversationStatus::Ended => {}
        }
        Ok(frames)
    }

    /// The visitor's open callback, or the last one closed within a day
    /// (so its outcome is still shown).
    async fn recent_callback(&self, visitor: VisitorId) -> Result<Option<VisitorCallback>, Refusal> {
        let c = self.state.store.latest_callback(visitor).await?;
        let recent = |c: &CallbackRecord| c.status.is_open() || store::now_ms() - c.created_at < 86_400_000;
        Ok(c.filter(recent).map(|c| {
            let position = c.conversation_id.and_then(|conversation| self.state.routing.position(conversation));
            c.visitor_view(position)
        }))
    }

    /// The queue a callback of this visitor goes to: their chat's, else
    /// the one the site's entry rules choose for them.
    async fn callback_queue(&self) -> Result<(Queue, Option<ConversationId>), Refusal> {
        let me = self.me()?.clone();
        let chat = self.state.store.latest_conversation(me.id).await?.filter(|c| c.is_open() || store::now_ms() - c.created_at < 3_600_000);
        let queue = match chat.as_ref().and_then(|c| c.queue_id) {
            Some(q) => q,
            None => self.entry(&me, &PreChat::default()).await?.queue,
        };
        let queue = match self.state.store.queue(queue).await? {
            Some(q) => q,
            None => self
                .state
                .store
                .queue(self.state.store.default_queue(self.site.id).await?)
                .await?
                .ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no queue"))?,
        };
        Ok((queue, chat.map(|c| c.id)))
    }

    async fn callback_options(&mut self, replies: &mut Vec<VisitorEvent>) -> Result<(), Refusal> {
        let me = self.me()?.clone();
        let (queue, _) = self.callback_queue().await?;
        match callbacks::options(&self.state, &queue, &me).await {
            Ok(options) => replies.push(VisitorEvent::CallbackOptions { options }),
            Err(e) => return self.callback_answer(Err(e), replies).await,
        }
        Ok(())
    }

    async fn request_callback(&mut self, request: CallbackRequest, replies: &mut Vec<VisitorEvent>) -> Result<(), Refusal> {
        let me = self.me()?.clone();
        let (queue, origin) = self.callback_queue().await?;
        let result = callbacks::request(&self.state, &queue, &me, self.ip, origin, &request).await;
        self.callback_answer(result, replies).await
    }

    /// Every tab hears how the callback stands; a refusal goes to this one,
    /// in the visitor's language.
    async fn callback_answer(&mut self, result: Result<CallbackRecord, CallbackError>, replies: &mut Vec<VisitorEvent>) -> Result<(), Refusal> {
        match result {
            Ok(c) => {
                callbacks::tell_visitor(&self.state, &c).await;
                Ok(())
            }
            Err(CallbackError::Refused(reason)) => {
                let message = notices::callback_refusal(&self.me()?.locale, reason).to_string();
                replies.push(VisitorEvent::CallbackRefused { reason, message });
                Ok(())
            }
            Err(CallbackError::Store(e)) => Err(e.into()),
        }
    }

    /// Remembers the conversation this connection now shows.
    fn opened(&mut self, c: &ConversationRecord) {
        self.span.record("conversation", c.id.get());
        self.current = Some(Current::of(c));
    }

    fn saw(&mut self, conversation: &VisitorConversation) {
        let same = self.current.as_ref().is_some_and(|c| c.id == conversation.id && c.status == conversation.status);
        if !same {
            self.span.record("conversation", conversation.id.get());
            self.current =
                Some(Current { id: conversation.id, status: conversation.status, agent: None, author_name: visitor_author_name(&conversation.prechat) });
        }
    }

    /// Where the next message goes: the conversation this connection knows
    /// of (its agent looked up once), or the open or a new one.
    async fn target(&mut self) -> Result<Current, Refusal> {
        if let Some(mut current) = self.current.clone().filter(|c| c.status != ConversationStatus::Ended) {
            if current.status == ConversationStatus::Active && current.agent.is_none() {
                current.agent = self.state.store.conversation(current.id).await?.and_then(|c| c.agent_id);
                self.current = Some(current.clone());
            }
            return Ok(current);
        }
        let (c, _) = self.open_or_start(&PreChat::default()).await?;
        Ok(Current::of(&c))
    }

    /// The visitor's message sent as `client_id` in any of their
    /// conversations, while this connection may still be resending.
    async fn stored_already(&self, client_id: &ClientId) -> Result<Option<ChatMessage>, Refusal> {
        if !self.may_resend {
            return Ok(None);
        }
        Ok(self.state.store.visitor_message_with_client_id(self.me()?.id, client_id).await?)
    }

    async fn tell(&self, c: &ConversationRecord) {
        let (position, wait) = (self.state.routing.position(c.id), self.state.routing.estimated_wait(c.id));
        self.state.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(position, wait) }).await;
    }

    /// The open conversation, or a new queued one (within the limits),
    /// which every tab of the visitor is told about; true when new.
    async fn open_or_start(&mut self, prechat: &PreChat) -> Result<(ConversationRecord, bool), Refusal> {
        let me = self.me()?.clone();
        if let Some(c) = self.state.store.open_conversation(me.id).await? {
            return Ok((c, false));
        }
        self.state.admission.new_conversation(self.ip, me.id)?;
        // A visitor who writes is a contact from then on, known by the
        // name and address they gave (until a verified identity says who
        // they are).
        let contact = self.state.store.visitor_contact(me.id).await?;
        self.state.store.note_prechat(contact.id, &prechat.name, &prechat.email).await?;
        let entry = self.entry(&me, prechat).await?;
        let started = self.state.store.start_conversation(self.site.id, me.id, prechat, entry).await?;
        let c = started.conversation;
        self.opened(&c);
        self.tell(&c).await;
        if started.created {
            self.state.routing.send(RoutingInput::Enqueue { conversation: c.id }).await?;
            tracing::info!(conversation = %c.id, "conversation queued");
        }
        Ok((c, started.created))
    }

    /// The queue a new conversation enters by the site's entry rules, and
    /// its priority by what is known of the customer.
    async fn entry(&self, me: &VisitorRecord, prechat: &PreChat) -> Result<Entry, Refusal> {
        let rules = self.state.store.entry_rules(self.site.id).await?;
        let default = self.state.store.default_queue(self.site.id).await?;
        let facts = entry::Facts { url: &me.page.url, topic: &prechat.topic, locale: &me.locale, tier: &me.tier, country: &me.country };
        Ok(Entry { queue: entry::choose_queue(&rules, default, &facts), priority: entry::priority_for(&me.tier) })
    }

    /// `Rapport.identify`: a verified identity makes the visitor the site's
    /// contact for that customer (and lets their tier and country reach
    /// routing); anything else is recorded as a claim on their own contact.
    async fn identify_contact(&mut self, identity: Identity) -> Result<(), Refusal> {
        // The page's mistake is not the visitor's to read: it is logged
        // for the site's developers, and the chat goes on.
        let identity = match identity.checked() {
            Ok(identity) => identity,
            Err(e) => {
                tracing::warn!(error = %e, "Rapport.identify was given an identity that breaks the limits; ignored");
                return Ok(());
            }
        };
        let me = self.me()?.clone();
        let verified = !identity.user_id.is_empty() && {
            let secret = self.state.store.site_identity_secret(self.site.id).await?;
            contacts::identity::verify(&secret, &identity.user_id, &identity.user_hash)
        };
        let (contact, country) = if verified {
            let contact = self.state.store.identify_verified(me.id, self.site.id, &identity).await?;
            let country = identity.attributes.get("country").map_or_else(|| me.country.clone(), str::to_string);
            (contact, country)
        } else {
            // A claim sets nothing routing reads, and a browser that moved
            // off a verified customer's contact loses their tier.
            let contact = self.state.store.identify_claimed(me.id, &identity).await?;
            let country = if contact.is_verified() { me.country.clone() } else { String::new() };
            (contact, country)
        };
        if contact.tier != me.tier || country != me.country {
            self.state.store.set_visitor_attributes(me.id, &contact.tier, &country).await?;
            if let Some(me) = self.me.as_mut() {
                (me.tier, me.country) = (contact.tier.clone(), country);
            }
        }
        tracing::info!(contact = contact.id, verified, "visitor identified");
        Ok(())
    }

    async fn start_chat(&mut self, prechat: PreChat) -> Result<(), Refusal> {
        let prechat = prechat.normalized()?;
        let (c, created) = self.open_or_start(&prechat).await?;
        if !created {
            // Another tab may have started it: this one catches up.
            self.tell(&c).await;
        }
        Ok(())
    }

    async fn send(&mut self, client_id: ClientId, text: MessageText, replies: &mut Vec<VisitorEvent>) -> Result<(), Refusal> {
        // A resend whose first copy is stored, maybe in a conversation that
        // ended since (its ack was lost with a connection or a node), is
        // that message: acknowledged as stored, not stored again elsewhere.
        if let Some(message) = self.stored_already(&client_id).await? {
            replies.push(VisitorEvent::Ack { client_id, seq: message.seq });
            replies.push(VisitorEvent::Message { message });
            return Ok(());
        }
        let mut c = self.target().await?;
        let message =
            NewMessage { conversation_id: c.id, client_id, author: Author::Visitor, author_name: c.author_name.clone(), agent_id: None, text, file: None };
        let appended = match self.state.store.append_message(message.clone()).await {
            // It ended since this connection last heard: start afresh.
            Err(StoreError::ConversationEnded) => {
                self.current = None;
                c = self.target().await?;
                self.state.store.append_message(NewMessage { conversation_id: c.id, author_name: c.author_name.clone(), ..message }).await?
            }
            result => result?,
        };
        replies.push(VisitorEvent::Ack { client_id: appended.message.client_id.clone(), seq: appended.message.seq });
        if appended.is_new {
            // Resends come first after a reconnect; this one was typed here.
            self.may_resend = false;
        }
        if !appended.is_new {
            replies.push(VisitorEvent::Message { message: appended.message });
            return Ok(());
        }
        match c.agent {
            Some(agent) => self.state.hub.to_agent(agent, AgentEvent::Message { conversation_id: c.id, message: appended.message.clone() }).await,
            // An agent deciding on an offer should read what the visitor asks.
            None => self.state.routing.refresh_offer(c.id).await,
        }
        self.state.hub.to_visitor(self.me()?.id, VisitorEvent::Message { message: appended.message }).await;
        Ok(())
    }

    async fn typing(&mut self, on: bool) -> Result<(), Refusal> {
        let Some(mut current) = self.current.clone().filter(|c| c.status == ConversationStatus::Active) else { return Ok(()) };
        if current.agent.is_none() {
            // Once per conversation: who answers it.
            current.agent = self.state.store.conversation(current.id).await?.and_then(|c| c.agent_id);
            self.current = Some(current.clone());
        }
        let Some(agent) = current.agent else { return Ok(()) };
        if self.state.typing.pass(current.id, Side::Visitor, on, Instant::now()) {
            self.state.hub.to_agent(agent, AgentEvent::Typing { conversation_id: current.id, on }).await;
        }
        Ok(())
    }

    async fn read(&mut self, seq: Seq) -> Result<(), Refusal> {
        let me = self.me()?;
        let Some(c) = self.state.store.latest_conversation(me.id).await? else {
            return Err(Refusal::new(ErrorCode::NoConversation, "there is no conversation to read"));
        };
        let seq = seq.min(c.last_seq);
        self.state.store.mark_read(c.id, Reader::Visitor, seq).await?;
        if let Some(agent) = c.agent_id {
            self.state.hub.to_agent(agent, AgentEvent::Read { conversation_id: c.id, seq }).await;
        }
        Ok(())
    }

    async fn page(&mut self, page: PageInfo) -> Result<(), Refusal> {
        let page = clip_page(page);
        let me = self.me.as_mut().ok_or_else(|| Refusal::new(ErrorCode::OutOfOrder, "say hello first"))?;
        me.page = page;
        let (id, locale, page) = (me.id, me.locale.clone(), me.page.clone());
        self.state.store.touch_visitor(id, &locale, &page).await?;
        if let Some(c) = self.state.store.open_conversation(id).await? {
            self.tell_agent_where_visitor_is(&c).await;
        }
        Ok(())
    }

    /// Queues the transcript of the visitor's latest chat to `email`, at
    /// most `TRANSCRIPTS_PER_CONVERSATION` times per chat. Only a chat an
    /// agent answered and that has ended: its text is then not only the
    /// visitor's, so the form cannot mail arbitrary text to strangers.
    async fn email_transcript(&mut self, id: ConversationId, email: &str, replies: &mut Vec<VisitorEvent>) -> Result<(), Refusal> {
        let me = self.me()?.clone();
        if self.state.mailer.is_none() {
            return Err(Refusal::new(ErrorCode::InvalidState, "this server sends no email"));
        }
        let to = email::address(email).ok_or_else(|| Refusal::new(ErrorCode::Invalid, "that is not an email address"))?;
        let c = self.state.store.latest_conversation(me.id).await?;
        let Some(c) = c.filter(|c| c.id == id && c.is_chat() && c.status == ConversationStatus::Ended && c.agent_id.is_some()) else {
            return Err(Refusal::new(ErrorCode::NoConversation, "only your latest chat, answered and ended, can be sent"));
        };
        let messages = self.state.store.messages_after(c.id, 0, protocol::history::TRANSCRIPT_LIMIT).await?;
        let composed = email::compose::transcript(to.as_ref(), &self.site.settings.title_or(&self.site.name), &me.locale, &messages);
        let body = serde_json::to_string(&composed).map_err(|e| Refusal::new(ErrorCode::Invalid, e.to_string()))?;
        if !self.state.store.queue_email(email::TRANSCRIPT, &email::mailto(&to), &body, c.id, email::TRANSCRIPTS_PER_CONVERSATION).await? {
            return Err(Refusal::new(ErrorCode::RateLimited, "this conversation's transcript was sent as often as it may be"));
        }
        tracing::info!(conversation = %c.id, "the visitor asked for the transcript by email");
        replies.push(VisitorEvent::TranscriptQueued { email: to.to_string() });
        Ok(())
    }

    /// Stores the visitor's rating of their latest chat, answered and
    /// ended; once.
    async fn rate(&mut self, id: ConversationId, score: u8, comment: &str, replies: &mut Vec<VisitorEvent>) -> Result<(), Refusal> {
        let me = self.me()?.clone();
        if !(1..=5).contains(&score) {
            return Err(Refusal::new(ErrorCode::Invalid, "a rating is 1 to 5"));
        }
        let comment = protocol::without_controls(comment).trim().to_string();
        if comment.chars().count() > protocol::MAX_RATING_COMMENT_CHARS {
            return Err(Refusal::new(ErrorCode::TooLarge, "a rating's comment is at most 1000 characters"));
        }
        let c = self.state.store.latest_conversation(me.id).await?;
        let Some(c) = c.filter(|c| c.id == id && c.is_chat() && c.status == ConversationStatus::Ended && c.agent_id.is_some()) else {
            return Err(Refusal::new(ErrorCode::NoConversation, "only your latest chat, answered and ended, can be rated"));
        };
        if !self.state.store.rate_conversation(c.id, score, &comment).await? {
            return Err(Refusal::new(ErrorCode::InvalidState, "this chat was rated already"));
        }
        tracing::info!(conversation = %c.id, score, "the visitor rated the chat");
        crate::events::conversation_rated(&self.state, c.id).await;
        replies.push(VisitorEvent::Rated { score });
        Ok(())
    }

    /// Stores the message the visitor leaves after their conversation could
    /// not be answered (closed or busy); once per conversation.
    async fn leave_message(&mut self, text: MessageText, replies: &mut Vec<VisitorEvent>) -> Result<(), Refusal> {
        let me = self.me()?.clone();
        let c = self.state.store.latest_conversation(me.id).await?;
        let Some(c) = c.filter(|c| matches!(c.end_reason, Some(EndReason::Closed | EndReason::Busy))) else {
            return Err(Refusal::new(ErrorCode::InvalidState, "there is no unanswered chat to leave a message on"));
        };
        match self.state.store.leave_message(c.id, text.as_str()).await {
            Ok(_) => {
                // The message is stored and listed for agents; an email that
                // cannot be queued is logged, not the visitor's problem.
                if let Err(e) = self.email_team(&c, text.as_str()).await {
                    tracing::error!(conversation = %c.id, error = %e.message, "could not queue the team's email");
                }
            }
            Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e.into()),
        }
        tracing::info!(conversation = %c.id, "the visitor left a message");
        replies.push(VisitorEvent::MessageLeft);
        Ok(())
    }

    /// Emails a message left to the site's team, when the site has an
    /// address and the server sends email.
    async fn email_team(&self, c: &ConversationRecord, text: &str) -> Result<(), Refusal> {
        let Some(to) = email::address(&self.site.team_email).filter(|_| self.state.mailer.is_some()) else { return Ok(()) };
        let p = &c.prechat;
        let composed = email::compose::left_message(to.as_ref(), &self.site.name, &p.name, &p.email, &p.topic, text);
        let body = serde_json::to_string(&composed).map_err(|e| Refusal::new(ErrorCode::Invalid, e.to_string()))?;
        self.state.store.queue_email(email::LEFT_MESSAGE, &email::mailto(&to), &body, c.id, 1).await?;
        Ok(())
    }

    async fn end_chat(&mut self) -> Result<(), Refusal> {
        let me = self.me()?.clone();
        let Some(c) = self.state.store.open_conversation(me.id).await? else { return Ok(()) };
        self.state.store.end_conversation(c.id, EndReason::Visitor, None).await?;
        self.state.routing.send(RoutingInput::Release { conversation: c.id }).await?;
        if let Some(c) = self.state.store.conversation(c.id).await? {
            self.state.hub.to_visitor(me.id, VisitorEvent::Conversation { conversation: c.visitor_view(None, None) }).await;
            if let Some(agent) = c.agent_id {
                self.state.hub.to_agent(agent, AgentEvent::Conversation { conversation: c.summary() }).await;
            }
        }
        Ok(())
    }

    async fn load_older(&mut self, before_seq: Seq, replies: &mut Vec<VisitorEvent>) -> Result<(), Refusal> {
        let me = self.me()?;
        let Some(c) = self.state.store.latest_conversation(me.id).await? else {
            return Err(Refusal::new(ErrorCode::NoConversation, "there is no conversation to read"));
        };
        let messages = self.state.store.messages_before(c.id, before_seq, HISTORY_PAGE).await?;
        replies.push(VisitorEvent::History { conversation_id: c.id, reset: false, messages });
        Ok(())
    }

    /// The screen pop follows the visitor from page to page.
    async fn tell_agent_where_visitor_is(&self, c: &ConversationRecord) {
        if let (true, Some(agent), Some(me)) = (c.is_open(), c.agent_id, self.me.as_ref()) {
            let mut summary = c.summary();
            summary.visitor.page = me.page.clone();
            summary.visitor.locale = me.locale.clone();
            self.state.hub.to_agent(agent, AgentEvent::Conversation { conversation: summary }).await;
        }
    }
}
