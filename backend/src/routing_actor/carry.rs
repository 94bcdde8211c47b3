//! Carrying out the engine's decisions: the record first (fenced by the
//! routing term), then the people concerned, through the hub.

use protocol::agent::{AgentEvent, Offer, Presence, TransferInfo};
use protocol::visitor::VisitorEvent;
use protocol::{AgentId, ClientId, ConversationId, ConversationStatus, ErrorBody, ErrorCode, MessageText, QueueId, HISTORY_PAGE};
use routing::{Beyond, Decision, Event, Target, TransferRefused};

use super::actor::Actor;
use super::lock;
use crate::notices;
use crate::store::{ConversationRecord, EndReason, NewMessage, Result, Step, StoreError};

/// Visitor messages that make up an offer's preview...
const PREVIEW_MESSAGES: usize = 3;
/// ...cut to this many characters (the newest kept).
const PREVIEW_CHARS: usize = 200;

impl Actor {
    /// Hands the event to the engine and carries out what it decides, and
    /// what that raises in turn.
    pub(super) async fn apply(&mut self, event: Event) {
        self.followups.push_back(event);
        while let Some(event) = self.followups.pop_front() {
            if let Event::Release { conversation } = event {
                self.forget_position(conversation);
            }
            let now = self.now();
            tracing::debug!(?event, "routing event");
            for decision in self.engine.handle(now, event) {
                tracing::debug!(?decision, "routing decision");
                metrics::counter!("rapport_routing_decisions_total", "decision" => decision_kind(&decision)).increment(1);
                if self.fenced {
                    continue;
                }
                match self.carry_out(decision.clone()).await {
                    Ok(()) => {}
                    Err(StoreError::Fenced { epoch, current, .. }) => {
                        metrics::counter!("rapport_routing_fenced_writes_total").increment(1);
                        tracing::warn!(epoch, ?current, ?decision, "routing moved to another node: this node's late decision was refused");
                        self.fenced = true;
                    }
                    Err(e) => tracing::error!(?decision, error = %e, "could not carry out a routing decision"),
                }
            }
        }
        let mut staffed = lock(&self.shared.staffed);
        for (site, any) in self.engine.staffing() {
            staffed.insert(site, any);
        }
    }

    async fn step(&self, conversation: ConversationId, kind: &str, agent: Option<AgentId>, detail: &str) -> Result<()> {
        let queue = self.engine.queue_of(conversation);
        self.store.record_step(conversation, Step { kind, agent, queue, detail }, self.fence()).await
    }

    async fn carry_out(&mut self, decision: Decision) -> Result<()> {
        match decision {
            Decision::Queued { conversation, position, .. } => self.queued(conversation, position).await,
            Decision::Offer { conversation, agent, expires_at } => {
                self.step(conversation, "offered", Some(agent), "").await?;
                self.send_offer(conversation, agent, expires_at).await
            }
            Decision::Declined { conversation, agent } => {
                self.step(conversation, "declined", Some(agent), "").await?;
                self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation }).await;
                Ok(())
            }
            Decision::Revoke { conversation, agent } => {
                self.step(conversation, "offer_revoked", Some(agent), "").await?;
                self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation }).await;
                Ok(())
            }
            Decision::Missed { conversation, agent } => self.missed(conversation, agent).await,
            Decision::Assign { conversation, agent } => self.assign(conversation, agent).await,
            Decision::RefuseAccept { conversation, agent } => {
                let error = ErrorBody { code: ErrorCode::InvalidState, message: "That chat is no longer offered to you.".into() };
                self.hub.to_agent(agent, AgentEvent::Error { error }).await;
                self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation }).await;
                Ok(())
            }
            Decision::Abandon { conversation } => self.end_queued(conversation, EndReason::Abandoned).await,
            Decision::Overflow { conversation, from, to, why } => {
                let step = Step { kind: "overflowed", agent: None, queue: Some(from), detail: beyond_str(why) };
                if self.store.move_to_queue(conversation, to, None, step, self.fence()).await? {
                    self.store.record_step(conversation, Step { kind: "entered", agent: None, queue: Some(to), detail: "overflow" }, self.fence()).await?;
                }
                Ok(())
            }
            Decision::Fallback { conversation, why, .. } => {
                let reason = if why == Beyond::Closed { EndReason::Closed } else { EndReason::Busy };
                self.end_queued(conversation, reason).await
            }
            Decision::Transferred { conversation, from, to } => self.transferred(conversation, from, to).await,
            Decision::RefuseTransfer { agent, why, .. } => {
                let message = match why {
                    TransferRefused::NotYours => "That chat is not yours to transfer.",
                    TransferRefused::AgentUnavailable => "That agent is not available for this chat.",
                    TransferRefused::QueueUnavailable => "That queue is closed or full.",
                    TransferRefused::NoQueue => "There is no such queue.",
                };
                self.hub.to_agent(agent, AgentEvent::Error { error: ErrorBody { code: ErrorCode::InvalidState, message: message.into() } }).await;
                Ok(())
            }
            Decision::WrapUpStarted { conversation, agent, until } => {
                let queue = self.engine.queue_of(conversation).and_then(|q| self.queues.get(&q));
                let (codes, default_code) = queue.map(|q| (q.config.wrap_up_codes.clone(), q.config.default_wrap_up_code.clone())).unwrap_or_default();
                let expires_in_ms = until.saturating_sub(self.now()).min(u64::from(u32::MAX)) as u32;
                self.hub.to_agent(agent, AgentEvent::WrapUp { conversation_id: conversation, codes, default_code, expires_in_ms }).await;
                Ok(())
            }
            Decision::WrapUpDue { conversation, agent } => {
                let default = self.queue_of_record(conversation).await?.map(|q| q.config.default_wrap_up_code.clone()).unwrap_or_default();
                let code = if default.is_empty() { "none" } else { default.as_str() };
                self.store.wrap_up(conversation, agent, code, self.fence()).await?;
                self.hub.to_agent(agent, AgentEvent::WrappedUp { conversation_id: conversation }).await;
                Ok(())
            }
        }
    }

    /// The queue a conversation is recorded in (the engine has forgotten
    /// conversations whose wrap-up is over).
    async fn queue_of_record(&self, conversation: ConversationId) -> Result<Option<&protocol::admin::Queue>> {
        let queue = self.store.conversation(conversation).await?.and_then(|c| c.queue_id);
        Ok(queue.and_then(|q| self.queues.get(&q)))
    }

    async fn queued(&mut self, conversation: ConversationId, position: u32) -> Result<()> {
        lock(&self.shared.positions).insert(conversation, position);
        let wait = self.wait_secs(conversation);
        if let Some(wait) = wait {
            lock(&self.shared.waits).insert(conversation, wait);
        }
        if let Some(c) = self.open_conversation(conversation).await? {
            let chat = c.is_chat();
            if chat {
                self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(Some(position), wait) }).await;
            }
            self.waiting.insert(conversation, c);
            if !chat {
                self.tell_callback(conversation).await?;
            }
        }
        Ok(())
    }

    /// An offer lapsed: the agent is away as "missed" until they come back.
    async fn missed(&mut self, conversation: ConversationId, agent: AgentId) -> Result<()> {
        self.step(conversation, "missed", Some(agent), "").await?;
        self.store.set_presence(agent, Presence::Away, "missed").await?;
        tracing::info!(%agent, %conversation, "an offer lapsed unanswered: the agent is away as missed");
        self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation }).await;
        self.hub.to_agent(agent, AgentEvent::Presence { presence: Presence::Away, away_reason: "missed".into() }).await;
        Ok(())
    }

    async fn assign(&mut self, conversation: ConversationId, agent: AgentId) -> Result<()> {
        if !self.store.assign_conversation(conversation, agent, self.fence()).await? {
            // It ended while the accept was on its way.
            self.followups.push_back(Event::Release { conversation });
            self.hub.to_agent(agent, AgentEvent::OfferRevoked { conversation_id: conversation }).await;
            return Ok(());
        }
        self.forget_position(conversation);
        let Some(c) = self.store.conversation(conversation).await? else { return Ok(()) };
        let messages = self.store.messages_before(conversation, u64::MAX, HISTORY_PAGE).await?;
        self.hub.to_agent(agent, AgentEvent::Conversation { conversation: c.summary() }).await;
        self.hub.to_agent(agent, AgentEvent::History { conversation_id: conversation, reset: true, messages }).await;
        if c.is_chat() {
            self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(None, None) }).await;
        } else {
            self.callback_assigned(conversation).await?;
        }
        Ok(())
    }

    /// Ends a waiting conversation (abandoned, or at its queue's fallback)
    /// and tells the visitor, whose widget then says why.
    async fn end_queued(&mut self, conversation: ConversationId, reason: EndReason) -> Result<()> {
        self.forget_position(conversation);
        if !self.store.end_queued_conversation(conversation, reason, self.fence()).await? {
            return Ok(());
        }
        tracing::info!(%conversation, reason = reason.as_str(), "a waiting conversation ended");
        if let Some(c) = self.store.conversation(conversation).await? {
            if c.is_chat() {
                self.hub.to_visitor(c.visitor_id, VisitorEvent::Conversation { conversation: c.visitor_view(None, None) }).await;
            } else {
                self.callback_not_routed(&c).await?;
            }
        }
        Ok(())
    }

    /// A transfer stands: the conversation waits again (for the target
    /// agent, or in the target queue); the agent handing it over lets it
    /// go, and the visitor reads where they are going.
    async fn transferred(&mut self, conversation: ConversationId, from: AgentId, to: Target) -> Result<()> {
        let Some(c) = self.store.conversation(conversation).await? else { return Ok(()) };
        let note = self.transfer_notes.get(&conversation).cloned().unwrap_or_default();
        let queue = match to {
            Target::Queue(q) => q,
            Target::Agent(_) => c.queue_id.or(self.engine.queue_of(conversation)).unwrap_or(QueueId(0)),
        };
        let step = Step { kind: "transferred", agent: Some(from), queue: c.queue_id, detail: &note };
        if !self.store.move_to_queue(conversation, queue, Some(from), step, self.fence()).await? {
            return Ok(());
        }
        let target_name = match to {
            Target::Agent(agent) => self.store.agent(agent).await?.map(|a| a.info.name).unwrap_or_default(),
            Target::Queue(q) => self.queues.get(&q).map(|q| q.config.name.clone()).unwrap_or_default(),
        };
        self.store.record_step(conversation, Step { kind: "entered", agent: None, queue: Some(queue), detail: "transfer" }, self.fence()).await?;
        tracing::info!(%conversation, %from, to = %target_name, "conversation transferred");
        if let Some(moved) = self.store.conversation(conversation).await? {
            self.hub.to_agent(from, AgentEvent::Conversation { conversation: moved.summary() }).await;
            self.waiting.insert(conversation, moved);
        }
        if !c.is_chat() {
            return Ok(());
        }
        let text = notices::transferred_to(&c.visitor_locale, &target_name);
        self.system_message(&c, &text).await
    }

    /// Writes a line of the server's into the conversation, for both sides.
    async fn system_message(&self, c: &ConversationRecord, text: &str) -> Result<()> {
        let (Ok(client_id), Ok(text)) = (ClientId::parse(format!("sys-{}", self.now())), MessageText::parse(text)) else { return Ok(()) };
        let appended = self.store.append_message(NewMessage::system(c.id, client_id, text)).await?;
        self.hub.to_visitor(c.visitor_id, VisitorEvent::Message { message: appended.message }).await;
        Ok(())
    }

    /// Tells every waiting visitor whose place moved where they are now,
    /// and how long they should expect to wait.
    pub(super) async fn tell_positions(&mut self) {
        let moved: Vec<(ConversationId, u32)> = self.engine.changed_positions();
        for (conversation, position) in moved {
            lock(&self.shared.positions).insert(conversation, position);
            self.tell_place(conversation, position).await;
        }
        // Estimates change with staffing and handle times too: refresh the
        // ones that did (from the positions just told, read in O(1)).
        let waiting: Vec<ConversationId> = self.waiting.keys().copied().collect();
        for conversation in waiting {
            let wait = self.wait_secs(conversation);
            let told = lock(&self.shared.waits).get(&conversation).copied();
            if wait != told {
                match wait {
                    Some(w) => lock(&self.shared.waits).insert(conversation, w),
                    None => lock(&self.shared.waits).remove(&conversation),
                };
                let position = lock(&self.shared.positions).get(&conversation).copied();
                if let Some(position) = position {
                    self.tell_place(conversation, position).await;
                }
            }
        }
    }

    /// The conversation if it still waits; otherwise routing is told to let
    /// it go (it ended while the decision was in flight).
    pub(super) async fn open_conversation(&mut self, id: ConversationId) -> Result<Option<ConversationRecord>> {
        match self.store.conversation(id).await? {
            Some(c) if c.status == ConversationStatus::Queued => Ok(Some(c)),
            _ => {
                self.forget_position(id);
                self.followups.push_back(Event::Release { conversation: id });
                Ok(None)
            }
        }
    }

    pub(super) fn forget_position(&mut self, id: ConversationId) {
        self.waiting.remove(&id);
        lock(&self.shared.positions).remove(&id);
        lock(&self.shared.waits).remove(&id);
    }

    pub(super) async fn refresh_offer(&mut self, conversation: ConversationId) {
        if let Some((agent, expires_at)) = self.engine.offer_of(conversation) {
            if let Err(e) = self.send_offer(conversation, agent, expires_at).await {
                tracing::error!(%conversation, error = %e, "could not refresh an offer");
            }
        }
        // Finding the chat closed queues its release.
        if let Some(event) = self.followups.pop_front() {
            self.apply(event).await;
        }
    }

    /// Tells the agent about the offer (again, when the preview changed):
    /// who asks, from which queue, what they wrote last, who handed it
    /// over with what note, and the time left to answer.
    async fn send_offer(&mut self, conversation: ConversationId, agent: AgentId, expires_at: u64) -> Result<()> {
        let Some(c) = self.open_conversation(conversation).await? else { return Ok(()) };
        let preview = preview(&self.store.latest_visitor_texts(conversation, PREVIEW_MESSAGES).await?);
        let expires_in_ms = expires_at.saturating_sub(self.now()).min(u64::from(u32::MAX)) as u32;
        let queue_name = c.queue_id.and_then(|q| self.queues.get(&q)).map(|q| q.config.name.clone()).unwrap_or_default();
        let transfer = self.store.last_transfer(conversation).await?.map(|(from_agent, note)| TransferInfo { from_agent, note });
        let offer = Offer { conversation_id: conversation, visitor: c.visitor_card(), preview, expires_in_ms, queue_name, transfer, channel: c.channel };
        self.hub.to_agent(agent, AgentEvent::Offer { offer }).await;
        Ok(())
    }
}

fn beyond_str(why: Beyond) -> &'static str {
    match why {
        Beyond::Closed => "closed",
        Beyond::Full => "full",
        Beyond::WaitedTooLong => "waited_too_long",
        Beyond::NoQueue => "no_queue",
    }
}

fn decision_kind(decision: &Decision) -> &'static str {
    match decision {
        Decision::Queued { .. } => "queued",
        Decision::Offer { .. } => "offer",
        Decision::Declined { .. } => "declined",
        Decision::Revoke { .. } => "revoke",
        Decision::Missed { .. } => "missed",
        Decision::Assign { .. } => "assign",
        Decision::RefuseAccept { .. } => "refuse_accept",
        Decision::Abandon { .. } => "abandon",
        Decision::Overflow { .. } => "overflow",
        Decision::Fallback { .. } => "fallback",
        Decision::Transferred { .. } => "transferred",
        Decision::RefuseTransfer { .. } => "refuse_transfer",
        Decision::WrapUpStarted { .. } => "wrap_up_started",
        Decision::WrapUpDue { .. } => "wrap_up_due",
    }
}

/// The visitor's last few messages as one line, the newest end kept when
/// it is too long.
fn preview(texts: &[String]) -> String {
    let text = texts.join(" · ");
    let n = text.chars().count();
    if n > PREVIEW_CHARS {
        format!("…{}", text.chars().skip(n - PREVIEW_CHARS).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_keep_the_newest_words() {
        assert_eq!(preview(&["hi".into(), "where is my order?".into()]), "hi · where is my order?");
        let long = preview(&["x".repeat(300), "the question".into()]);
        assert!(long.ends_with("the question"));
        assert_eq!(long.chars().count(), PREVIEW_CHARS + 1);
    }
}
