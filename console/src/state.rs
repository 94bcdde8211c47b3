//! The console's state and the pure reducer that applies server events to it.
//!
//! Nothing here touches the browser: the socket glue in `live` feeds
//! events in and turns [`Reaction`]s into side effects, so the rules for
//! merging history, acknowledging the outbox and counting unread messages
//! are unit-tested on the host.

use protocol::agent::{AgentEvent, AgentFrame, AgentInfo, ConversationSummary, Offer, Presence, TransferInfo};
use protocol::{Author, ChatMessage, ClientId, ConversationId, ConversationStatus, ErrorBody, ErrorCode, MessageText, Seq};

/// How long a visitor's "typing" lasts without a refresh. The widget repeats
/// `typing on` while the visitor types, so a lost `typing off` (a closed
/// tab) must not leave the indicator on for ever.
pub const VISITOR_TYPING_TTL_MS: i64 = 8_000;

/// Everything the console shows once logged in.
/// How many announced offers are remembered.
const ANNOUNCED_KEPT: usize = 64;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConsoleState {
    pub agent: Option<AgentInfo>,
    /// The presence the server last confirmed; `None` until the welcome.
    pub presence: Option<Presence>,
    /// Why the agent is away (`missed` when an offer lapsed unanswered).
    pub away_reason: String,
    /// Ended conversations waiting for a wrap-up code, oldest first.
    pub wrap_ups: Vec<WrapUpCard>,
    /// Offers waiting for an answer, oldest first.
    pub offers: Vec<OfferCard>,
    /// The conversations already announced as offers (the latest few), so
    /// that offers made again after a reconnect do not ring again.
    pub announced: Vec<ConversationId>,
    /// Conversations assigned to this agent, in the order they arrived.
    pub conversations: Vec<Conversation>,
    /// The conversation shown in the chat pane.
    pub selected: Option<ConversationId>,
    /// The offer this agent accepted and is waiting to see assigned, so that
    /// the chat opens by itself when it arrives.
    pub pending_accept: Option<ConversationId>,
    /// The last error the server reported, shown until dismissed.
    pub error: Option<ErrorBody>,
}

/// An offer and the moment it lapses on the console's clock.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferCard {
    pub offer: Offer,
    pub deadline_ms: i64,
    /// The agent pressed Accept; the buttons stay disabled until the
    /// conversation arrives or the offer is revoked.
    pub accepting: bool,
}

impl OfferCard {
    /// Whole seconds left, never negative.
    pub fn seconds_left(&self, now_ms: i64) -> i64 {
        ((self.deadline_ms - now_ms).max(0) + 999) / 1000
    }
}

/// An ended conversation's after-contact work: the codes to choose from
/// and when the default is recorded instead.
#[derive(Clone, Debug, PartialEq)]
pub struct WrapUpCard {
    pub conversation_id: ConversationId,
    pub codes: Vec<String>,
    pub default_code: String,
    pub deadline_ms: i64,
}

/// A message the agent wrote that the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub client_id: ClientId,
    pub text: MessageText,
    pub created_ms: i64,
}

/// One conversation and everything the console knows about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    pub summary: ConversationSummary,
    /// Stored messages, ordered by seq without duplicates.
    pub messages: Vec<ChatMessage>,
    /// Messages sent but not yet acknowledged, in the order written. They are
    /// sent again on every reconnect; the server deduplicates by client id.
    pub outbox: Vec<Pending>,
    /// The visitor is typing until this time (console clock); 0 when not.
    pub visitor_typing_until_ms: i64,
    /// The highest seq this console has told the server it read.
    pub agent_read_seq: Seq,
    /// An older page of history was asked for and has not arrived.
    pub loading_older: bool,
    /// Who handed this conversation over, with their note.
    pub transfer: Option<TransferInfo>,
}

/// What an agent message shows under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// In the outbox, waiting for the server.
    Sending,
    /// Stored by the server.
    Sent,
    /// The visitor has read it.
    Seen,
    /// The chat ended before the server stored it; it will not be sent.
    NotSent,
}

/// Side effects the reducer asks the live link to carry out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reaction {
    /// The server is going away: reconnect after this many milliseconds.
    ReconnectAfter(u32),
    /// The session is no longer valid: show the login form.
    SignedOut,
    /// Something the agent must not miss (`notify` decides how loudly).
    Alert(Alert),
}

/// A new offer, or a visitor's new message, with what a notification says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    pub kind: AlertKind,
    pub conversation_id: ConversationId,
    /// The visitor's name as the console shows it, or empty.
    pub who: String,
    pub text: String,
    /// The chat is the one open in the console (it may still be off screen,
    /// in a hidden tab).
    pub selected: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertKind {
    Offer,
    Message,
}

impl Conversation {
    pub fn new(summary: ConversationSummary) -> Conversation {
        Conversation { summary, messages: Vec::new(), outbox: Vec::new(), visitor_typing_until_ms: 0, agent_read_seq: 0, loading_older: false, transfer: None }
    }

    pub fn id(&self) -> ConversationId {
        self.summary.id
    }

    pub fn is_ended(&self) -> bool {
        self.summary.status == ConversationStatus::Ended
    }

    /// An attempt at a callback: a call to make, not a chat to write in.
    pub fn is_callback(&self) -> bool {
        self.summary.channel == protocol::Channel::Callback
    }

    /// The highest seq this console holds, the resume point for `hello`.
    pub fn last_seq(&self) -> Seq {
        self.messages.last().map(|m| m.seq).unwrap_or(0)
    }

    /// The oldest message held; 0 with none.
    pub fn first_seq(&self) -> Seq {
        self.messages.first().map(|m| m.seq).unwrap_or(0)
    }

    /// Whether the server has messages before the oldest held (seqs have
    /// no gaps, so anything above 1 means more).
    pub fn has_older(&self) -> bool {
        self.first_seq() > 1
    }

    /// Inserts or replaces a stored message, keeping seq order, and drops
    /// the outbox entry it confirms.
    pub fn merge(&mut self, message: ChatMessage) {
        if message.author == Author::Agent {
            self.outbox.retain(|p| p.client_id != message.client_id);
        }
        if message.author == Author::Visitor {
            self.visitor_typing_until_ms = 0;
        }
        if message.seq > self.summary.last_seq {
            self.summary.last_seq = message.seq;
        }
        match self.messages.binary_search_by_key(&message.seq, |m| m.seq) {
            Ok(i) => self.messages[i] = message,
            Err(i) => self.messages.insert(i, message),
        }
    }

    /// Visitor messages the agent has not seen: those after both the last
    /// reported read and the agent's own last reply (answering a message is
    /// proof of having read it, which matters after a page reload, when the
    /// console no longer knows what it reported before).
    pub fn unread(&self) -> usize {
        let last_reply = self.messages.iter().rev().find(|m| m.author == Author::Agent).map(|m| m.seq).unwrap_or(0);
        let floor = self.agent_read_seq.max(last_reply);
        self.messages.iter().filter(|m| m.author == Author::Visitor && m.seq > floor).count()
    }

    pub fn visitor_is_typing(&self, now_ms: i64) -> bool {
        !self.is_ended() && now_ms < self.visitor_typing_until_ms
    }

    /// The delivery mark of a stored agent message.
    pub fn delivery(&self, seq: Seq) -> Delivery {
        if seq <= self.summary.visitor_read_seq {
            Delivery::Seen
        } else {
            Delivery::Sent
        }
    }

    /// The delivery mark of an outbox entry.
    pub fn pending_delivery(&self) -> Delivery {
        if self.is_ended() {
            Delivery::NotSent
        } else {
            Delivery::Sending
        }
    }

    /// The delivery mark of the agent message with `client_id`, whether it
    /// is still in the outbox or already stored; `None` when unknown.
    pub fn delivery_of(&self, client_id: &str) -> Option<Delivery> {
        if self.outbox.iter().any(|p| p.client_id.as_str() == client_id) {
            return Some(self.pending_delivery());
        }
        self.messages.iter().rev().find(|m| m.client_id.as_str() == client_id && m.author == Author::Agent).map(|m| self.delivery(m.seq))
    }

    /// The text the chat list shows under the name, and who wrote it.
    pub fn preview(&self) -> Option<(Author, &str)> {
        if let Some(p) = self.outbox.last() {
            return Some((Author::Agent, p.text.as_str()));
        }
        self.messages.last().map(|m| (m.author, m.text.as_str()))
    }

    /// When something last happened, for ordering the chat list.
    pub fn last_activity_ms(&self) -> i64 {
        let last = self.messages.last().map(|m| m.sent_at_ms).unwrap_or(0);
        let pending = self.outbox.last().map(|p| p.created_ms).unwrap_or(0);
        self.summary.started_at_ms.max(last).max(pending)
    }
}

impl ConsoleState {
    pub fn conversation(&self, id: ConversationId) -> Option<&Conversation> {
        self.conversations.iter().find(|c| c.id() == id)
    }

    pub fn conversation_mut(&mut self, id: ConversationId) -> Option<&mut Conversation> {
        self.conversations.iter_mut().find(|c| c.id() == id)
    }

    pub fn selected_conversation(&self) -> Option<&Conversation> {
        self.selected.and_then(|id| self.conversation(id))
    }

    /// The resume points sent in every `hello`.
    pub fn last_seqs(&self) -> Vec<(ConversationId, Seq)> {
        self.conversations.iter().filter(|c| !c.is_ended()).map(|c| (c.id(), c.last_seq())).collect()
    }

    /// Total unread messages over every open chat, for the page title.
    pub fn total_unread(&self) -> usize {
        self.conversations.iter().map(Conversation::unread).sum()
    }

    /// Chats for the list: open ones first, then most recent activity first.
    pub fn ordered_conversation_ids(&self) -> Vec<ConversationId> {
        // An insertion sort (stable, as `sort_by_key` is): an agent has a
        // handful of chats, and the standard sort costs the Wasm 2 KB.
        let key = |c: &Conversation| (c.is_ended(), std::cmp::Reverse(c.last_activity_ms()));
        let mut chats: Vec<&Conversation> = Vec::with_capacity(self.conversations.len());
        for c in &self.conversations {
            let at = chats.iter().position(|o| key(o) > key(c)).unwrap_or(chats.len());
            chats.insert(at, c);
        }
        chats.into_iter().map(Conversation::id).collect()
    }

    /// Applies one server event. `now_ms` is the console's clock, used for
    /// deadlines that the server gives as durations.
    pub fn apply(&mut self, event: AgentEvent, now_ms: i64) -> Option<Reaction> {
        match event {
            AgentEvent::Welcome { agent, presence, away_reason, .. } => {
                self.welcome(agent, presence);
                self.away_reason = away_reason;
            }
            AgentEvent::Presence { presence, away_reason } => {
                self.presence = Some(presence);
                self.away_reason = away_reason;
            }
            AgentEvent::WrapUp { conversation_id, codes, default_code, expires_in_ms } => {
                self.wrap_ups.retain(|w| w.conversation_id != conversation_id);
                self.wrap_ups.push(WrapUpCard { conversation_id, codes, default_code, deadline_ms: now_ms + i64::from(expires_in_ms) });
            }
            AgentEvent::WrappedUp { conversation_id } => self.wrap_ups.retain(|w| w.conversation_id != conversation_id),
            AgentEvent::Offer { offer } => {
                let id = offer.conversation_id;
                let new = !self.offers.iter().any(|o| o.offer.conversation_id == id) && !self.announced.contains(&id);
                if new {
                    if self.announced.len() >= ANNOUNCED_KEPT {
                        self.announced.remove(0);
                    }
                    self.announced.push(id);
                }
                let alert = new.then(|| Alert {
                    kind: AlertKind::Offer,
                    conversation_id: offer.conversation_id,
                    who: offer.visitor.prechat.name.clone(),
                    text: offer.preview.clone(),
                    selected: false,
                });
                self.offered(offer, now_ms);
                return alert.map(Reaction::Alert);
            }
            AgentEvent::OfferRevoked { conversation_id } => self.offer_revoked(conversation_id),
            AgentEvent::Conversation { conversation } => self.conversation_changed(conversation),
            AgentEvent::History { conversation_id, reset, messages } => self.history(conversation_id, reset, messages),
            AgentEvent::Message { conversation_id, message } => {
                let selected = self.selected == Some(conversation_id);
                if let Some(chat) = self.conversation_mut(conversation_id) {
                    // Only a visitor's message not seen before (a resume
                    // resends what the console may already hold).
                    let new = message.author == Author::Visitor && message.seq > chat.last_seq();
                    let alert = new.then(|| Alert {
                        kind: AlertKind::Message,
                        conversation_id,
                        who: chat.summary.visitor.prechat.name.clone(),
                        text: message.text.clone(),
                        selected,
                    });
                    chat.merge(message);
                    return alert.map(Reaction::Alert);
                }
            }
            AgentEvent::Ack { conversation_id, client_id, seq } => self.acknowledged(conversation_id, client_id, seq, now_ms),
            AgentEvent::Typing { conversation_id, on } => {
                if let Some(chat) = self.conversation_mut(conversation_id) {
                    chat.visitor_typing_until_ms = if on { now_ms + VISITOR_TYPING_TTL_MS } else { 0 };
                }
            }
            AgentEvent::Read { conversation_id, seq } => {
                if let Some(chat) = self.conversation_mut(conversation_id) {
                    chat.summary.visitor_read_seq = chat.summary.visitor_read_seq.max(seq);
                }
            }
            AgentEvent::Error { error } => {
                let signed_out = error.code == ErrorCode::Unauthorized;
                self.error = Some(error);
                return signed_out.then_some(Reaction::SignedOut);
            }
            AgentEvent::Reconnect { after_ms } => return Some(Reaction::ReconnectAfter(after_ms)),
        }
        None
    }

    fn welcome(&mut self, agent: AgentInfo, presence: Presence) {
        self.agent = Some(agent);
        self.presence = Some(presence);
        // A new connection starts with no offers: the server revoked the old
        // ones when the last connection dropped and will offer again what is
        // still waiting.
        self.offers.clear();
        self.pending_accept = None;
        for chat in &mut self.conversations {
            chat.visitor_typing_until_ms = 0;
        }
    }

    fn offered(&mut self, offer: Offer, now_ms: i64) {
        let deadline_ms = now_ms + i64::from(offer.expires_in_ms);
        let mut card = OfferCard { offer, deadline_ms, accepting: false };
        match self.offers.iter_mut().find(|o| o.offer.conversation_id == card.offer.conversation_id) {
            // A refreshed offer (the visitor wrote more) keeps a click already made.
            Some(existing) => {
                card.accepting = existing.accepting;
                *existing = card;
            }
            None => self.offers.push(card),
        }
    }

    fn offer_revoked(&mut self, id: ConversationId) {
        self.offers.retain(|o| o.offer.conversation_id != id);
        if self.pending_accept == Some(id) && self.conversation(id).is_none() {
            self.pending_accept = None;
        }
    }

    fn conversation_changed(&mut self, conversation: ConversationSummary) {
        let id = conversation.id;
        let transfer = self.offers.iter().find(|o| o.offer.conversation_id == id).and_then(|o| o.offer.transfer.clone());
        self.offers.retain(|o| o.offer.conversation_id != id);
        if conversation.status == ConversationStatus::Queued {
            // Handed over to another agent or queue: no longer this agent's.
            self.conversations.retain(|c| c.id() != id);
            if self.selected == Some(id) {
                self.selected = self.ordered_conversation_ids().first().copied();
            }
            return;
        }
        match self.conversation_mut(id) {
            Some(chat) => {
                // Seqs only grow; a summary built before the last message
                // must not roll them back.
                let last_seq = chat.summary.last_seq.max(conversation.last_seq);
                let read = chat.summary.visitor_read_seq.max(conversation.visitor_read_seq);
                chat.summary = conversation;
                chat.summary.last_seq = last_seq;
                chat.summary.visitor_read_seq = read;
            }
            None => {
                let mut chat = Conversation::new(conversation);
                chat.transfer = transfer;
                self.conversations.push(chat);
            }
        }
        if self.pending_accept == Some(id) {
            self.pending_accept = None;
            self.selected = Some(id);
        }
        if self.selected.is_none() {
            self.selected = Some(id);
        }
    }

    fn history(&mut self, id: ConversationId, reset: bool, messages: Vec<ChatMessage>) {
        let Some(chat) = self.conversation_mut(id) else { return };
        if reset {
            // Too far behind to fill the gap: start from this page.
            chat.messages.clear();
        } else if messages.first().is_some_and(|m| m.seq < chat.first_seq()) {
            chat.loading_older = false;
        }
        for message in messages {
            chat.merge(message);
        }
    }

    fn acknowledged(&mut self, id: ConversationId, client_id: ClientId, seq: Seq, now_ms: i64) {
        let author_name = self.agent.as_ref().map(|a| a.name.clone()).unwrap_or_default();
        let Some(chat) = self.conversation_mut(id) else { return };
        // The message event usually follows the ack; until it does, the
        // outbox entry stands in for it so the message neither vanishes nor
        // shows twice.
        let Some(i) = chat.outbox.iter().position(|p| p.client_id == client_id) else { return };
        let pending = chat.outbox.remove(i);
        if chat.messages.binary_search_by_key(&seq, |m| m.seq).is_err() {
            chat.merge(ChatMessage { seq, client_id, author: Author::Agent, author_name, text: pending.text.into_string(), sent_at_ms: now_ms, file: None });
        }
    }

    /// Puts a message the agent wrote in the outbox; the caller sends it.
    /// Returns false (and changes nothing) when the chat is not open.
    pub fn queue(&mut self, id: ConversationId, client_id: ClientId, text: MessageText, now_ms: i64) -> bool {
        match self.conversation_mut(id) {
            Some(chat) if !chat.is_ended() => {
                chat.outbox.push(Pending { client_id, text, created_ms: now_ms });
                true
            }
            _ => false,
        }
    }

    /// Every outbox entry of the open chats, to send again after a reconnect.
    pub fn outbox(&self) -> Vec<(ConversationId, Pending)> {
        self.conversations.iter().filter(|c| !c.is_ended()).flat_map(|c| c.outbox.iter().map(move |p| (c.id(), p.clone()))).collect()
    }

    /// The agent is looking at the selected chat: returns the seq to report
    /// as read when there is something new, and records it as reported.
    pub fn take_read(&mut self) -> Option<(ConversationId, Seq)> {
        let id = self.selected?;
        let chat = self.conversation_mut(id)?;
        let last = chat.last_seq();
        if chat.is_ended() || last <= chat.agent_read_seq {
            return None;
        }
        chat.agent_read_seq = last;
        Some((id, last))
    }

    /// The agent scrolled to the top of a chat: the frame asking for the
    /// page before its oldest message, unless one is on its way already.
    pub fn load_older(&mut self, id: ConversationId) -> Option<AgentFrame> {
        let chat = self.conversation_mut(id)?;
        if !chat.has_older() || chat.loading_older {
            return None;
        }
        chat.loading_older = true;
        Some(AgentFrame::LoadOlder { conversation_id: id, before_seq: chat.first_seq() })
    }

    /// The connection dropped: nothing is on its way any more.
    pub fn disconnected(&mut self) {
        for chat in &mut self.conversations {
            chat.loading_older = false;
        }
    }

    /// The agent pressed Accept on an offer.
    pub fn accepting(&mut self, id: ConversationId) {
        if let Some(card) = self.offers.iter_mut().find(|o| o.offer.conversation_id == id) {
            card.accepting = true;
        }
        self.pending_accept = Some(id);
    }

    /// The agent declined an offer; it leaves the screen at once.
    pub fn declined(&mut self, id: ConversationId) {
        self.offers.retain(|o| o.offer.conversation_id != id);
    }

    /// Drops offers whose time is up, in case the revocation was lost.
    pub fn expire_offers(&mut self, now_ms: i64) {
        self.offers.retain(|o| o.deadline_ms > now_ms);
    }
}

/// The href for a visitor's page URL, or `None` when it is not http(s).
/// The URL comes from the visitor's browser, so a `javascript:` URL must
/// never become a link an agent can click.
pub fn safe_href(url: &str) -> Option<&str> {
    let trimmed = url.trim();
    let lower = trimmed.get(..8).unwrap_or(trimmed).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::agent::{Role, VisitorCard};
    use protocol::visitor::PageInfo;
    use protocol::PreChat;

    fn c(n: i64) -> ConversationId {
        ConversationId(n)
    }

    fn id(s: &str) -> ClientId {
        ClientId::parse(s).unwrap()
    }

    fn words(s: &str) -> MessageText {
        MessageText::parse(s).unwrap()
    }

    fn agent() -> AgentInfo {
        AgentInfo { id: protocol::AgentId(7), name: "Ada".into(), email: "ada@example.com".into(), role: Role::Agent }
    }

    fn card() -> VisitorCard {
        VisitorCard {
            visitor_id: protocol::VisitorId(3),
            prechat: PreChat { name: "Vic".into(), email: "vic@example.com".into(), topic: "Billing".into() },
            page: PageInfo { url: "https://shop.example/cart".into(), title: "Cart".into() },
            locale: "en".into(),
            site_name: "Shop".into(),
        }
    }

    fn summary(id: ConversationId, status: ConversationStatus) -> ConversationSummary {
        ConversationSummary { id, status, visitor: card(), last_seq: 0, visitor_read_seq: 0, started_at_ms: 1_000, channel: protocol::Channel::Chat }
    }

    fn msg(seq: Seq, author: Author, client_id: &str, text: &str) -> ChatMessage {
        ChatMessage { seq, client_id: id(client_id), author, author_name: "x".into(), text: text.into(), sent_at_ms: 2_000 + seq as i64, file: None }
    }

    fn welcomed() -> ConsoleState {
        let mut s = ConsoleState::default();
        s.apply(AgentEvent::Welcome { v: 1, agent: agent(), presence: Presence::Available, away_reason: String::new() }, 0);
        s
    }

    fn with_chat(id: ConversationId) -> ConsoleState {
        let mut s = welcomed();
        s.apply(AgentEvent::Conversation { conversation: summary(id, ConversationStatus::Active) }, 0);
        s
    }

    #[test]
    fn older_pages_are_asked_for_once_and_a_reset_replaces_the_list() {
        let mut s = with_chat(c(1));
        let page: Vec<ChatMessage> = (51..=100).map(|n| msg(n, Author::Visitor, &format!("m{n}"), "x")).collect();
        s.apply(AgentEvent::History { conversation_id: c(1), reset: true, messages: page }, 0);
        assert_eq!(s.load_older(c(1)), Some(AgentFrame::LoadOlder { conversation_id: c(1), before_seq: 51 }));
        assert_eq!(s.load_older(c(1)), None, "one request at a time");
        let older: Vec<ChatMessage> = (1..=50).map(|n| msg(n, Author::Visitor, &format!("m{n}"), "x")).collect();
        s.apply(AgentEvent::History { conversation_id: c(1), reset: false, messages: older }, 0);
        let chat = s.conversation(c(1)).unwrap();
        assert_eq!((chat.first_seq(), chat.last_seq(), chat.messages.len()), (1, 100, 100));
        assert_eq!(s.load_older(c(1)), None, "nothing before the first message");
        let newest: Vec<ChatMessage> = (200..=249).map(|n| msg(n, Author::Visitor, &format!("m{n}"), "x")).collect();
        s.apply(AgentEvent::History { conversation_id: c(1), reset: true, messages: newest }, 0);
        assert_eq!(s.conversation(c(1)).unwrap().messages.len(), 50, "a reset drops what was there");
    }

    #[test]
    fn alerts_come_for_new_offers_and_new_visitor_messages_only() {
        let offer = |preview: &str| AgentEvent::Offer {
            offer: Offer {
                conversation_id: c(5),
                visitor: card(),
                preview: preview.into(),
                expires_in_ms: 30_000,
                queue_name: String::new(),
                transfer: None,
                channel: protocol::Channel::Chat,
            },
        };
        let mut s = with_chat(c(1));
        match s.apply(offer("hi"), 0) {
            Some(Reaction::Alert(a)) => assert_eq!((a.kind, a.conversation_id, a.who.as_str(), a.text.as_str()), (AlertKind::Offer, c(5), "Vic", "hi")),
            other => panic!("no alert for a new offer: {other:?}"),
        }
        assert_eq!(s.apply(offer("hi again"), 0), None, "a refreshed offer is not new");
        s.apply(AgentEvent::Welcome { v: 1, agent: agent(), presence: Presence::Available, away_reason: String::new() }, 0);
        assert_eq!(s.apply(offer("hi"), 0), None, "an offer made again after a reconnect");

        let message = |seq, author| AgentEvent::Message { conversation_id: c(1), message: msg(seq, author, &format!("m{seq}"), "where is it?") };
        match s.apply(message(1, Author::Visitor), 0) {
            Some(Reaction::Alert(a)) => assert_eq!((a.kind, a.selected), (AlertKind::Message, true)),
            other => panic!("no alert for a visitor's message: {other:?}"),
        }
        assert_eq!(s.apply(message(1, Author::Visitor), 0), None, "a message resent on resume");
        assert_eq!(s.apply(message(2, Author::Agent), 0), None, "the agent's own reply");
        s.apply(AgentEvent::Conversation { conversation: summary(c(2), ConversationStatus::Active) }, 0);
        s.selected = Some(c(2));
        match s.apply(message(3, Author::Visitor), 0) {
            Some(Reaction::Alert(a)) => assert!(!a.selected, "the chat is not the one on screen"),
            other => panic!("no alert for a chat off screen: {other:?}"),
        }
    }

    #[test]
    fn welcome_sets_agent_and_presence_and_clears_offers() {
        let mut s = welcomed();
        s.apply(
            AgentEvent::Offer {
                offer: Offer {
                    conversation_id: c(1),
                    visitor: card(),
                    preview: "hi".into(),
                    expires_in_ms: 30_000,
                    queue_name: String::new(),
                    transfer: None,
                    channel: protocol::Channel::Chat,
                },
            },
            0,
        );
        assert_eq!(s.offers.len(), 1);
        s.apply(AgentEvent::Welcome { v: 1, agent: agent(), presence: Presence::Away, away_reason: String::new() }, 10);
        assert_eq!(s.presence, Some(Presence::Away));
        assert!(s.offers.is_empty());
        s.apply(AgentEvent::Presence { presence: Presence::Offline, away_reason: String::new() }, 10);
        assert_eq!(s.presence, Some(Presence::Offline));
    }

    #[test]
    fn offers_count_down_and_go_when_revoked_or_expired() {
        let mut s = welcomed();
        let offer = Offer {
            conversation_id: c(5),
            visitor: card(),
            preview: "hello".into(),
            expires_in_ms: 30_000,
            queue_name: String::new(),
            transfer: None,
            channel: protocol::Channel::Chat,
        };
        s.apply(AgentEvent::Offer { offer: offer.clone() }, 1_000);
        s.apply(AgentEvent::Offer { offer: offer.clone() }, 2_000);
        assert_eq!(s.offers.len(), 1, "a repeated offer replaces the old card");
        assert_eq!(s.offers[0].seconds_left(2_000), 30);
        assert_eq!(s.offers[0].seconds_left(31_500), 1);
        assert_eq!(s.offers[0].seconds_left(99_000), 0);
        s.apply(AgentEvent::OfferRevoked { conversation_id: c(5) }, 3_000);
        assert!(s.offers.is_empty());
        s.apply(AgentEvent::Offer { offer }, 0);
        s.expire_offers(29_999);
        assert_eq!(s.offers.len(), 1);
        s.expire_offers(30_000);
        assert!(s.offers.is_empty());
    }

    #[test]
    fn accepting_an_offer_selects_the_chat_when_it_arrives() {
        let mut s = with_chat(c(1));
        assert_eq!(s.selected, Some(c(1)), "the first chat is selected by itself");
        s.apply(
            AgentEvent::Offer {
                offer: Offer {
                    conversation_id: c(2),
                    visitor: card(),
                    preview: String::new(),
                    expires_in_ms: 1_000,
                    queue_name: String::new(),
                    transfer: None,
                    channel: protocol::Channel::Chat,
                },
            },
            0,
        );
        s.accepting(c(2));
        assert!(s.offers[0].accepting);
        s.apply(AgentEvent::Conversation { conversation: summary(c(2), ConversationStatus::Active) }, 0);
        assert_eq!(s.selected, Some(c(2)));
        assert!(s.offers.is_empty());
        assert_eq!(s.pending_accept, None);
    }

    #[test]
    fn a_revoked_accept_does_not_select_later() {
        let mut s = with_chat(c(1));
        s.accepting(c(2));
        s.apply(AgentEvent::OfferRevoked { conversation_id: c(2) }, 0);
        assert_eq!(s.pending_accept, None);
        s.apply(AgentEvent::Conversation { conversation: summary(c(3), ConversationStatus::Active) }, 0);
        assert_eq!(s.selected, Some(c(1)));
    }

    #[test]
    fn history_and_messages_merge_in_seq_order_without_duplicates() {
        let mut s = with_chat(c(1));
        s.apply(
            AgentEvent::History {
                conversation_id: c(1),
                reset: false,
                messages: vec![msg(1, Author::Visitor, "a", "one"), msg(3, Author::Visitor, "c", "three")],
            },
            0,
        );
        s.apply(AgentEvent::Message { conversation_id: c(1), message: msg(2, Author::System, "b", "two") }, 0);
        s.apply(AgentEvent::History { conversation_id: c(1), reset: false, messages: vec![msg(3, Author::Visitor, "c", "three")] }, 0);
        let chat = s.conversation(c(1)).unwrap();
        assert_eq!(chat.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(s.last_seqs(), vec![(c(1), 3)]);
        // Events for unknown chats are ignored rather than trusted.
        s.apply(AgentEvent::Message { conversation_id: c(99), message: msg(1, Author::Visitor, "z", "?") }, 0);
        assert!(s.conversation(c(99)).is_none());
    }

    #[test]
    fn the_outbox_is_acked_then_confirmed_by_the_message() {
        let mut s = with_chat(c(1));
        assert!(s.queue(c(1), id("c1"), words("hello"), 5));
        assert_eq!(s.outbox().len(), 1);
        assert_eq!(s.conversation(c(1)).unwrap().pending_delivery(), Delivery::Sending);
        assert_eq!(s.conversation(c(1)).unwrap().delivery_of("c1"), Some(Delivery::Sending));
        s.apply(AgentEvent::Ack { conversation_id: c(1), client_id: id("c1"), seq: 4 }, 6);
        let chat = s.conversation(c(1)).unwrap();
        assert!(chat.outbox.is_empty());
        assert_eq!(chat.messages.len(), 1);
        assert_eq!(chat.messages[0].author_name, "Ada");
        assert_eq!(chat.delivery(4), Delivery::Sent);
        assert_eq!(chat.delivery_of("c1"), Some(Delivery::Sent));
        assert_eq!(chat.delivery_of("nope"), None);
        let mut stored = msg(4, Author::Agent, "c1", "hello");
        stored.author_name = "Ada L.".into();
        s.apply(AgentEvent::Message { conversation_id: c(1), message: stored }, 7);
        let chat = s.conversation(c(1)).unwrap();
        assert_eq!(chat.messages.len(), 1);
        assert_eq!(chat.messages[0].author_name, "Ada L.");
        s.apply(AgentEvent::Read { conversation_id: c(1), seq: 4 }, 8);
        s.apply(AgentEvent::Read { conversation_id: c(1), seq: 2 }, 8);
        assert_eq!(s.conversation(c(1)).unwrap().delivery(4), Delivery::Seen);
        assert_eq!(s.conversation(c(1)).unwrap().delivery_of("c1"), Some(Delivery::Seen));
    }

    #[test]
    fn a_message_before_its_ack_clears_the_outbox_too() {
        let mut s = with_chat(c(1));
        s.queue(c(1), id("c1"), words("hi"), 0);
        s.apply(AgentEvent::Message { conversation_id: c(1), message: msg(1, Author::Agent, "c1", "hi") }, 0);
        s.apply(AgentEvent::Ack { conversation_id: c(1), client_id: id("c1"), seq: 1 }, 0);
        let chat = s.conversation(c(1)).unwrap();
        assert!(chat.outbox.is_empty());
        assert_eq!(chat.messages.len(), 1);
    }

    #[test]
    fn ended_chats_refuse_new_messages_and_leave_the_resend_list() {
        let mut s = with_chat(c(1));
        s.queue(c(1), id("c1"), words("late"), 0);
        s.apply(AgentEvent::Conversation { conversation: summary(c(1), ConversationStatus::Ended) }, 0);
        let chat = s.conversation(c(1)).unwrap();
        assert!(chat.is_ended());
        assert_eq!(chat.pending_delivery(), Delivery::NotSent);
        assert!(s.outbox().is_empty());
        assert!(!s.queue(c(1), id("c2"), words("more"), 0));
        assert!(s.last_seqs().is_empty());
    }

    #[test]
    fn unread_counts_visitor_messages_after_the_last_read_or_reply() {
        let mut s = with_chat(c(1));
        s.selected = None;
        s.apply(
            AgentEvent::History { conversation_id: c(1), reset: false, messages: vec![msg(1, Author::Visitor, "a", "1"), msg(2, Author::Visitor, "b", "2")] },
            0,
        );
        assert_eq!(s.conversation(c(1)).unwrap().unread(), 2);
        assert_eq!(s.take_read(), None, "nothing is read while no chat is selected");
        s.apply(AgentEvent::Message { conversation_id: c(1), message: msg(3, Author::Agent, "c", "reply") }, 0);
        assert_eq!(s.conversation(c(1)).unwrap().unread(), 0);
        s.apply(AgentEvent::Message { conversation_id: c(1), message: msg(4, Author::Visitor, "d", "again") }, 0);
        assert_eq!(s.total_unread(), 1);
        s.selected = Some(c(1));
        assert_eq!(s.take_read(), Some((c(1), 4)));
        assert_eq!(s.take_read(), None, "a read is reported once");
        assert_eq!(s.total_unread(), 0);
    }

    #[test]
    fn visitor_typing_expires_and_stops_with_a_message() {
        let mut s = with_chat(c(1));
        s.apply(AgentEvent::Typing { conversation_id: c(1), on: true }, 100);
        assert!(s.conversation(c(1)).unwrap().visitor_is_typing(200));
        assert!(!s.conversation(c(1)).unwrap().visitor_is_typing(100 + VISITOR_TYPING_TTL_MS));
        s.apply(AgentEvent::Message { conversation_id: c(1), message: msg(1, Author::Visitor, "a", "x") }, 300);
        assert!(!s.conversation(c(1)).unwrap().visitor_is_typing(301));
        s.apply(AgentEvent::Typing { conversation_id: c(1), on: true }, 400);
        s.apply(AgentEvent::Typing { conversation_id: c(1), on: false }, 500);
        assert!(!s.conversation(c(1)).unwrap().visitor_is_typing(501));
    }

    #[test]
    fn conversation_updates_never_roll_seqs_back() {
        let mut s = with_chat(c(1));
        s.apply(AgentEvent::Message { conversation_id: c(1), message: msg(5, Author::Visitor, "a", "x") }, 0);
        s.apply(AgentEvent::Read { conversation_id: c(1), seq: 5 }, 0);
        let mut page_change = summary(c(1), ConversationStatus::Active);
        page_change.visitor.page.url = "https://shop.example/checkout".into();
        s.apply(AgentEvent::Conversation { conversation: page_change }, 0);
        let chat = s.conversation(c(1)).unwrap();
        assert_eq!(chat.summary.visitor.page.url, "https://shop.example/checkout");
        assert_eq!(chat.summary.last_seq, 5);
        assert_eq!(chat.summary.visitor_read_seq, 5);
    }

    #[test]
    fn reactions_for_reconnect_and_expired_sessions() {
        let mut s = welcomed();
        assert_eq!(s.apply(AgentEvent::Reconnect { after_ms: 500 }, 0), Some(Reaction::ReconnectAfter(500)));
        let err = ErrorBody { code: ErrorCode::Invalid, message: "bad".into() };
        assert_eq!(s.apply(AgentEvent::Error { error: err.clone() }, 0), None);
        assert_eq!(s.error, Some(err));
        let expired = ErrorBody { code: ErrorCode::Unauthorized, message: "expired".into() };
        assert_eq!(s.apply(AgentEvent::Error { error: expired }, 0), Some(Reaction::SignedOut));
    }

    #[test]
    fn the_list_puts_open_and_recent_chats_first() {
        let mut s = with_chat(c(1));
        s.apply(AgentEvent::Conversation { conversation: summary(c(2), ConversationStatus::Active) }, 0);
        s.apply(AgentEvent::Conversation { conversation: summary(c(3), ConversationStatus::Ended) }, 0);
        s.apply(AgentEvent::Message { conversation_id: c(2), message: msg(1, Author::Visitor, "a", "new") }, 0);
        assert_eq!(s.ordered_conversation_ids(), vec![c(2), c(1), c(3)]);
        assert_eq!(s.conversation(c(2)).unwrap().preview(), Some((Author::Visitor, "new")));
    }

    #[test]
    fn only_http_urls_become_links() {
        assert_eq!(safe_href("https://shop.example/a?b=1"), Some("https://shop.example/a?b=1"));
        assert_eq!(safe_href(" HTTP://x.example "), Some("HTTP://x.example"));
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(safe_href("data:text/html,<script>"), None);
        assert_eq!(safe_href("http"), None);
        assert_eq!(safe_href("héllo wörld"), None);
    }
}
