//! Callbacks in routing: requests whose time has come enter their queue as
//! the conversation of their next attempt (with a callback's capacity
//! cost), and the visitor hears each step as their callback's status, not
//! as a chat.

use protocol::callback::CallbackStatus;
use protocol::visitor::VisitorEvent;
use protocol::{AgentId, ConversationId};
use routing::Event;

use super::actor::Actor;
use crate::store::{now_ms, ConversationRecord, Result};

/// Due requests taken in per housekeeping round.
const DUE_PER_ROUND: i64 = 100;

impl Actor {
    /// Opens an attempt for every request whose time has come and queues it.
    pub(super) async fn take_in_due_callbacks(&mut self) -> Result<()> {
        for c in self.store.due_callbacks(now_ms(), DUE_PER_ROUND).await? {
            let queue = match c.queue_id.filter(|q| self.queues.contains_key(q)) {
                Some(q) => q,
                None => self.store.default_queue(c.site_id).await?,
            };
            if let Some(conversation) = self.store.open_attempt(&c, queue, self.fence()).await? {
                tracing::info!(callback = %c.id, %conversation, "a callback is due: its attempt joins the queue");
                self.enqueue(conversation).await?;
                if self.engine.position(conversation).is_none() {
                    // Routed at once (offered) or turned away: say so now.
                    self.tell_callback(conversation).await?;
                }
            }
        }
        Ok(())
    }

    /// Tells the visitor how the callback of `conversation` stands.
    pub(super) async fn tell_callback(&self, conversation: ConversationId) -> Result<()> {
        if let Some(c) = self.store.callback_of_conversation(conversation).await? {
            let position = if c.status == CallbackStatus::Waiting { self.engine.position(conversation) } else { None };
            self.hub.to_visitor(c.visitor_id, VisitorEvent::Callback { callback: c.visitor_view(position) }).await;
        }
        Ok(())
    }

    /// The attempt reached an agent: the visitor's phone is about to ring.
    pub(super) async fn callback_assigned(&self, conversation: ConversationId) -> Result<()> {
        if let Some(c) = self.store.callback_calling(conversation).await? {
            self.hub.to_visitor(c.visitor_id, VisitorEvent::Callback { callback: c.visitor_view(None) }).await;
        }
        Ok(())
    }

    /// The attempt could not wait in its queue (closed, full, waited too
    /// long, gone): it counts as an attempt, and the request comes back
    /// after the queue's retry delay, or fails after its last attempt.
    pub(super) async fn callback_not_routed(&self, record: &ConversationRecord) -> Result<()> {
        let settings = record.queue_id.and_then(|q| self.queues.get(&q)).map(|q| q.config.callbacks.clone()).unwrap_or_default();
        let retry_at = now_ms() + i64::from(settings.retry_delay_secs) * 1000;
        if let Some(c) = self.store.callback_not_routed(record.id, retry_at, settings.max_attempts).await? {
            tracing::info!(callback = %c.id, "a callback's attempt could not be routed: it waits for its next time");
            self.hub.to_visitor(c.visitor_id, VisitorEvent::Callback { callback: c.visitor_view(None) }).await;
        }
        Ok(())
    }

    /// The agent recorded the attempt's outcome (the request has moved on
    /// already): the conversation ends, and `code` is its wrap-up.
    pub(super) async fn disposed(&mut self, conversation: ConversationId, agent: AgentId, code: &str) -> Result<()> {
        self.apply(Event::Release { conversation }).await;
        if !code.trim().is_empty() && self.engine.in_wrap_up(agent) && self.engine.agent_of(conversation) == Some(agent) {
            self.wrap_up(conversation, agent, code).await?;
        }
        Ok(())
    }
}
