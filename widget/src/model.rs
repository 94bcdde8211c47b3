//! The widget's state as a pure reducer: server events and the visitor's
//! actions go in, the state and the frames to send come out. Nothing here
//! touches the browser, so the delivery rules (dedup by sequence number,
//! outbox until acknowledged, unread counts, paging back through history)
//! are tested on the host.

use std::collections::BTreeMap;

use protocol::visitor::{VisitorConversation, VisitorEvent, VisitorFrame, WidgetSettings};
use protocol::{Author, ChatMessage, ClientId, ConversationId, ConversationStatus, ErrorCode, MessageText, Seq};

/// A message the visitor wrote that the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub client_id: ClientId,
    pub text: MessageText,
    pub at_ms: i64,
}

/// One line of the message list, in display order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    Message { message: ChatMessage, seen: bool },
    Pending(Pending),
}

/// A wait from which on a callback is offered instead.
pub const LONG_WAIT_SECS: u32 = 120;

#[derive(Clone, Debug, PartialEq)]
pub struct WidgetState {
    pub settings: WidgetSettings,
    pub agents_online: bool,
    pub conversation: Option<VisitorConversation>,
    /// Keyed by sequence number, so a message delivered twice (a resend
    /// after reconnect, a second tab) is shown once.
    pub messages: BTreeMap<Seq, ChatMessage>,
    /// Unacknowledged sends, oldest first; persisted by the session.
    pub outbox: Vec<Pending>,
    /// Who is typing on the agent's side, if anyone.
    pub agent_typing: Option<String>,
    /// The last agent message the visitor has had in front of them, and
    /// the conversation that pointer belongs to (both persisted, so a
    /// reload does not bring back old unread badges).
    pub read_seq: Seq,
    pub read_conversation: Option<ConversationId>,
    /// The server has welcomed this connection (frames may be sent).
    pub connected: bool,
    /// The last refusal from the server, for the visitor to read (in their
    /// language, from its code); cleared by the next acknowledgement.
    pub error: Option<ErrorCode>,
    /// An older page of history was asked for and has not arrived.
    pub loading_older: bool,
    /// The visitor left a message after nobody could answer.
    pub message_left: bool,
}

/// What the session must do after an event.
#[derive(Debug, Default, PartialEq)]
pub struct Effects {
    pub save_token: Option<String>,
    pub send: Vec<VisitorFrame>,
    pub outbox_changed: bool,
    /// A new agent message arrived (for the host page's `message` event).
    pub agent_message: Option<String>,
}

impl WidgetState {
    pub fn new(settings: WidgetSettings, agents_online: bool, outbox: Vec<Pending>, read: Option<(ConversationId, Seq)>) -> WidgetState {
        WidgetState {
            settings,
            agents_online,
            conversation: None,
            messages: BTreeMap::new(),
            outbox,
            agent_typing: None,
            read_seq: read.map_or(0, |r| r.1),
            read_conversation: read.map(|r| r.0),
            connected: false,
            error: None,
            loading_older: false,
            message_left: false,
        }
    }

    pub fn status(&self) -> Option<ConversationStatus> {
        self.conversation.as_ref().map(|c| c.status)
    }

    /// The pre-chat form is shown before a first conversation (or after an
    /// ended one) when the site asks for any field.
    pub fn needs_prechat(&self) -> bool {
        !self.settings.prechat_fields.is_empty() && self.before_first_message() && !self.leaving_message()
    }

    /// No chat is open and nothing is on its way: what the visitor types
    /// now is their first question (the knowledge base may answer it).
    pub fn before_first_message(&self) -> bool {
        self.outbox.is_empty() && matches!(self.status(), None | Some(ConversationStatus::Ended))
    }

    /// Nobody could answer (closed or busy), or the wait ahead is long: the
    /// widget offers a callback instead.
    pub fn suggests_call(&self) -> bool {
        self.conversation.as_ref().is_some_and(|c| {
            (c.status == ConversationStatus::Ended && c.unavailable.is_some())
                || (c.status == ConversationStatus::Queued && c.estimated_wait_secs.is_some_and(|w| w >= LONG_WAIT_SECS))
        })
    }

    /// Nobody could answer the last conversation (closed or busy) and the
    /// visitor has not left a message yet: what they write in the composer
    /// goes to the team as a message left for follow-up.
    pub fn leaving_message(&self) -> bool {
        !self.message_left && self.conversation.as_ref().is_some_and(|c| c.status == ConversationStatus::Ended && c.unavailable.is_some())
    }

    pub fn last_seq(&self) -> Seq {
        self.messages.keys().next_back().copied().unwrap_or(0)
    }

    /// The oldest message shown; 0 with none.
    pub fn first_seq(&self) -> Seq {
        self.messages.keys().next().copied().unwrap_or(0)
    }

    /// Whether there is history before what is shown. Sequence numbers have
    /// no gaps, so anything above 1 means more.
    pub fn has_older(&self) -> bool {
        self.first_seq() > 1
    }

    /// The visitor scrolled to the top: ask for the page before the oldest
    /// message shown, unless one is on its way already.
    pub fn load_older(&mut self) -> Option<VisitorFrame> {
        if !self.has_older() || self.loading_older || !self.connected {
            return None;
        }
        self.loading_older = true;
        Some(VisitorFrame::LoadOlder { before_seq: self.first_seq() })
    }

    pub fn unread(&self) -> usize {
        self.messages.range(self.read_seq + 1..).filter(|(_, m)| m.author == Author::Agent).count()
    }

    pub fn rows(&self) -> Vec<Row> {
        let agent_read = self.conversation.as_ref().map_or(0, |c| c.agent_read_seq);
        let mut rows: Vec<Row> =
            self.messages.values().map(|m| Row::Message { seen: m.author == Author::Visitor && m.seq <= agent_read, message: m.clone() }).collect();
        rows.extend(self.outbox.iter().cloned().map(Row::Pending));
        rows
    }

    /// The visitor pressed send: the message joins the outbox and goes out
    /// now if connected, otherwise when the connection returns.
    pub fn compose(&mut self, client_id: ClientId, text: MessageText, now_ms: i64) -> Effects {
        if self.leaving_message() {
            return Effects { send: vec![VisitorFrame::LeaveMessage { text }], ..Effects::default() };
        }
        let mut fx = Effects { outbox_changed: true, ..Effects::default() };
        if self.connected {
            fx.send.push(VisitorFrame::Send { client_id: client_id.clone(), text: text.clone() });
        }
        self.outbox.push(Pending { client_id, text, at_ms: now_ms });
        fx
    }

    /// The panel is open and visible: everything shown counts as read.
    pub fn mark_read(&mut self) -> Option<VisitorFrame> {
        let last_agent = self.messages.values().rev().find(|m| m.author == Author::Agent).map(|m| m.seq)?;
        if last_agent <= self.read_seq {
            return None;
        }
        self.read_seq = last_agent;
        Some(VisitorFrame::Read { seq: last_agent }).filter(|_| self.connected)
    }

    pub fn disconnected(&mut self) {
        self.connected = false;
        self.agent_typing = None;
        self.loading_older = false;
    }

    pub fn apply(&mut self, event: VisitorEvent) -> Effects {
        let mut fx = Effects::default();
        match event {
            VisitorEvent::Welcome { token, settings, conversation, agents_online, .. } => {
                self.connected = true;
                self.error = None;
                self.settings = settings;
                self.agents_online = agents_online;
                self.set_conversation(conversation);
                fx.save_token = Some(token);
                // Everything not yet acknowledged goes again; the server
                // keys messages by client id, so a resend is never doubled.
                fx.send = self.outbox.iter().map(|p| VisitorFrame::Send { client_id: p.client_id.clone(), text: p.text.clone() }).collect();
            }
            VisitorEvent::History { conversation_id, reset, messages } => self.history(conversation_id, reset, messages, &mut fx),
            VisitorEvent::Message { message } => self.message(message, &mut fx),
            VisitorEvent::Ack { client_id, seq } => self.acknowledged(client_id, seq, &mut fx),
            VisitorEvent::Conversation { conversation } => self.set_conversation(Some(conversation)),
            VisitorEvent::Typing { on, name } => self.agent_typing = on.then_some(name),
            VisitorEvent::Read { seq } => {
                if let Some(c) = self.conversation.as_mut() {
                    c.agent_read_seq = c.agent_read_seq.max(seq);
                }
            }
            VisitorEvent::Error { error } => self.error = Some(error.code),
            VisitorEvent::Reconnect { .. } => {}
            VisitorEvent::MessageLeft => self.message_left = true,
            // The callback module reads these (`live` hands them over raw).
            VisitorEvent::CallbackOptions { .. }
            | VisitorEvent::Callback { .. }
            | VisitorEvent::CallbackRefused { .. }
            | VisitorEvent::CallbackSuggested
            | VisitorEvent::TranscriptQueued { .. }
            | VisitorEvent::Rated { .. }
            | VisitorEvent::Cobrowse { .. } => {}
        }
        fx
    }

    fn history(&mut self, conversation_id: ConversationId, reset: bool, messages: Vec<ChatMessage>, fx: &mut Effects) {
        if self.conversation.as_ref().is_none_or(|c| c.id != conversation_id) {
            return;
        }
        if reset {
            self.messages.clear();
        } else if messages.first().is_some_and(|m| m.seq < self.first_seq()) {
            self.loading_older = false;
        }
        for m in messages {
            self.insert(m, fx);
        }
        fx.agent_message = None;
    }

    fn message(&mut self, message: ChatMessage, fx: &mut Effects) {
        let is_new_agent = message.author == Author::Agent && !self.messages.contains_key(&message.seq);
        if message.author == Author::Agent {
            self.agent_typing = None;
        }
        self.insert(message, fx);
        if !is_new_agent {
            fx.agent_message = None;
        }
    }

    fn acknowledged(&mut self, client_id: ClientId, seq: Seq, fx: &mut Effects) {
        self.error = None;
        let Some(i) = self.outbox.iter().position(|p| p.client_id == client_id) else { return };
        let p = self.outbox.remove(i);
        fx.outbox_changed = true;
        // Show it in its place at once; the broadcast copy that follows
        // lands on the same key.
        self.messages.entry(seq).or_insert(ChatMessage {
            seq,
            client_id: p.client_id,
            author: Author::Visitor,
            author_name: String::new(),
            text: p.text.into_string(),
            sent_at_ms: p.at_ms,
            file: None,
        });
    }

    fn set_conversation(&mut self, conversation: Option<VisitorConversation>) {
        let same = self.conversation.as_ref().map(|c| c.id) == conversation.as_ref().map(|c| c.id);
        if !same {
            self.messages.clear();
            self.loading_older = false;
            self.message_left = false;
        }
        let id = conversation.as_ref().map(|c| c.id);
        if id.is_some() && id != self.read_conversation {
            self.read_conversation = id;
            self.read_seq = 0;
        }
        if conversation.as_ref().is_some_and(|c| c.status != ConversationStatus::Active) {
            self.agent_typing = None;
        }
        self.conversation = conversation;
    }

    fn insert(&mut self, message: ChatMessage, fx: &mut Effects) {
        if let Some(i) = self.outbox.iter().position(|p| p.client_id == message.client_id && message.author == Author::Visitor) {
            self.outbox.remove(i);
            fx.outbox_changed = true;
        }
        if message.author == Author::Agent {
            fx.agent_message = Some(message.text.clone());
        }
        self.messages.insert(message.seq, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{ErrorBody, PreChat};

    fn chat() -> WidgetState {
        WidgetState::new(WidgetSettings::default(), true, Vec::new(), None)
    }

    fn id(s: &str) -> ClientId {
        ClientId::parse(s).unwrap()
    }

    fn words(s: &str) -> MessageText {
        MessageText::parse(s).unwrap()
    }

    pub(super) fn conversation(id: i64, status: ConversationStatus) -> VisitorConversation {
        VisitorConversation {
            id: ConversationId(id),
            status,
            agent_name: None,
            queue_position: None,
            agent_read_seq: 0,
            prechat: PreChat::default(),
            estimated_wait_secs: None,
            unavailable: None,
            rating: None,
        }
    }

    fn msg(seq: Seq, author: Author, text: &str) -> ChatMessage {
        ChatMessage { seq, client_id: id(&format!("c{seq}")), author, author_name: "x".into(), text: text.into(), sent_at_ms: 0, file: None }
    }

    fn welcome(c: Option<VisitorConversation>) -> VisitorEvent {
        VisitorEvent::Welcome {
            v: 1,
            token: "tok".into(),
            settings: WidgetSettings::default(),
            conversation: c,
            agents_online: true,
            callback: None,
            resolutions: vec![],
        }
    }

    #[test]
    fn offline_messages_wait_and_go_out_on_welcome() {
        let mut c = chat();
        let fx = c.compose(id("a"), words("hi"), 1);
        assert!(fx.send.is_empty(), "not connected yet");
        assert!(fx.outbox_changed);
        let fx = c.apply(welcome(None));
        assert_eq!(fx.save_token.as_deref(), Some("tok"));
        assert_eq!(fx.send, vec![VisitorFrame::Send { client_id: id("a"), text: words("hi") }]);
        assert_eq!(c.rows().len(), 1);
    }

    #[test]
    fn ack_then_broadcast_shows_one_message() {
        let mut c = chat();
        c.apply(welcome(Some(conversation(7, ConversationStatus::Active))));
        c.compose(id("a"), words("hi"), 1);
        c.apply(VisitorEvent::Ack { client_id: id("a"), seq: 3 });
        let mut m = msg(3, Author::Visitor, "hi");
        m.client_id = id("a");
        c.apply(VisitorEvent::Message { message: m.clone() });
        c.apply(VisitorEvent::Message { message: m });
        assert_eq!(c.rows().len(), 1);
        assert!(c.outbox.is_empty());
    }

    #[test]
    fn broadcast_before_ack_also_clears_the_outbox() {
        let mut c = chat();
        c.apply(welcome(Some(conversation(7, ConversationStatus::Active))));
        c.compose(id("a"), words("hi"), 1);
        let mut m = msg(3, Author::Visitor, "hi");
        m.client_id = id("a");
        c.apply(VisitorEvent::Message { message: m });
        c.apply(VisitorEvent::Ack { client_id: id("a"), seq: 3 });
        assert_eq!(c.rows().len(), 1);
    }

    #[test]
    fn history_reset_replaces_and_resume_merges() {
        let mut c = chat();
        c.apply(welcome(Some(conversation(7, ConversationStatus::Active))));
        c.apply(VisitorEvent::History {
            conversation_id: ConversationId(7),
            reset: true,
            messages: vec![msg(1, Author::Visitor, "a"), msg(2, Author::Agent, "b")],
        });
        c.apply(VisitorEvent::History {
            conversation_id: ConversationId(7),
            reset: false,
            messages: vec![msg(2, Author::Agent, "b"), msg(3, Author::Agent, "c")],
        });
        assert_eq!(c.messages.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(c.last_seq(), 3);
        c.apply(VisitorEvent::History { conversation_id: ConversationId(7), reset: true, messages: vec![msg(1, Author::Visitor, "a")] });
        assert_eq!(c.last_seq(), 1);
        // History for some other conversation is ignored.
        c.apply(VisitorEvent::History { conversation_id: ConversationId(8), reset: true, messages: vec![] });
        assert_eq!(c.last_seq(), 1);
    }

    #[test]
    fn unread_counts_agent_messages_until_read() {
        let mut c = chat();
        c.apply(welcome(Some(conversation(7, ConversationStatus::Active))));
        c.apply(VisitorEvent::Message { message: msg(1, Author::Visitor, "q") });
        let fx = c.apply(VisitorEvent::Message { message: msg(2, Author::Agent, "a") });
        assert_eq!(fx.agent_message.as_deref(), Some("a"));
        c.apply(VisitorEvent::Message { message: msg(3, Author::Agent, "b") });
        assert_eq!(c.unread(), 2);
        assert_eq!(c.mark_read(), Some(VisitorFrame::Read { seq: 3 }));
        assert_eq!(c.unread(), 0);
        assert_eq!(c.mark_read(), None);
    }

    #[test]
    fn the_read_pointer_survives_a_reload_of_the_same_conversation() {
        let mut c = WidgetState::new(WidgetSettings::default(), true, Vec::new(), Some((ConversationId(7), 2)));
        c.apply(welcome(Some(conversation(7, ConversationStatus::Active))));
        c.apply(VisitorEvent::History {
            conversation_id: ConversationId(7),
            reset: true,
            messages: vec![msg(1, Author::Agent, "a"), msg(2, Author::Agent, "b"), msg(3, Author::Agent, "c")],
        });
        assert_eq!(c.unread(), 1);
        let mut other = WidgetState::new(WidgetSettings::default(), true, Vec::new(), Some((ConversationId(6), 9)));
        other.apply(welcome(Some(conversation(7, ConversationStatus::Active))));
        assert_eq!(other.read_seq, 0);
    }

    #[test]
    fn seen_follows_the_agents_read_pointer() {
        let mut c = chat();
        c.apply(welcome(Some(conversation(7, ConversationStatus::Active))));
        c.apply(VisitorEvent::Message { message: msg(1, Author::Visitor, "q") });
        c.apply(VisitorEvent::Message { message: msg(2, Author::Visitor, "r") });
        c.apply(VisitorEvent::Read { seq: 1 });
        let seen: Vec<bool> = c.rows().iter().map(|r| matches!(r, Row::Message { seen: true, .. })).collect();
        assert_eq!(seen, vec![true, false]);
    }

    #[test]
    fn typing_stops_when_the_agent_message_arrives() {
        let mut c = chat();
        c.apply(welcome(Some(conversation(7, ConversationStatus::Active))));
        c.apply(VisitorEvent::Typing { on: true, name: "Mei".into() });
        assert_eq!(c.agent_typing.as_deref(), Some("Mei"));
        c.apply(VisitorEvent::Message { message: msg(1, Author::Agent, "hello") });
        assert_eq!(c.agent_typing, None);
    }

    #[test]
    fn prechat_is_asked_only_without_an_open_conversation() {
        let mut c = chat();
        assert!(c.needs_prechat());
        c.apply(welcome(Some(conversation(7, ConversationStatus::Queued))));
        assert!(!c.needs_prechat());
        c.apply(VisitorEvent::Conversation { conversation: conversation(7, ConversationStatus::Ended) });
        assert!(c.needs_prechat());
        c.settings.prechat_fields.clear();
        assert!(!c.needs_prechat());
    }

    #[test]
    fn a_new_conversation_starts_with_an_empty_list() {
        let mut c = chat();
        c.apply(welcome(Some(conversation(7, ConversationStatus::Ended))));
        c.apply(VisitorEvent::History { conversation_id: ConversationId(7), reset: true, messages: vec![msg(1, Author::Visitor, "old")] });
        c.apply(VisitorEvent::Conversation { conversation: conversation(8, ConversationStatus::Queued) });
        assert!(c.messages.is_empty());
    }

    #[test]
    fn errors_are_kept_for_display_and_cleared_on_welcome() {
        let mut c = chat();
        c.apply(VisitorEvent::Error { error: ErrorBody { code: ErrorCode::RateLimited, message: "slow down".into() } });
        assert_eq!(c.error, Some(ErrorCode::RateLimited));
        c.apply(welcome(None));
        assert_eq!(c.error, None);
    }

    #[test]
    fn a_message_left_is_thanked_until_another_conversation_starts() {
        let mut c = chat();
        let mut closed = conversation(1, ConversationStatus::Ended);
        closed.unavailable = Some(protocol::visitor::Unavailable::Closed);
        c.apply(VisitorEvent::Conversation { conversation: closed });
        assert!(!c.message_left);
        assert!(c.leaving_message() && !c.needs_prechat(), "the composer takes the message");
        let fx = c.compose(id("m1"), MessageText::parse("call me").unwrap(), 0);
        assert_eq!(fx.send, vec![VisitorFrame::LeaveMessage { text: MessageText::parse("call me").unwrap() }]);
        assert!(c.outbox.is_empty());
        c.apply(VisitorEvent::MessageLeft);
        assert!(c.message_left);
        assert!(c.needs_prechat(), "then a new chat may start");
        c.apply(VisitorEvent::Conversation { conversation: conversation(2, ConversationStatus::Queued) });
        assert!(!c.message_left);
    }

    #[test]
    fn a_call_is_suggested_when_nobody_can_answer_or_the_wait_is_long() {
        let mut c = chat();
        let mut waiting = conversation(1, ConversationStatus::Queued);
        waiting.estimated_wait_secs = Some(LONG_WAIT_SECS - 1);
        c.apply(VisitorEvent::Conversation { conversation: waiting.clone() });
        assert!(!c.suggests_call());
        waiting.estimated_wait_secs = Some(LONG_WAIT_SECS);
        c.apply(VisitorEvent::Conversation { conversation: waiting });
        assert!(c.suggests_call());
        let mut closed = conversation(1, ConversationStatus::Ended);
        c.apply(VisitorEvent::Conversation { conversation: closed.clone() });
        assert!(!c.suggests_call(), "an ordinary end suggests nothing");
        closed.unavailable = Some(protocol::visitor::Unavailable::Busy);
        c.apply(VisitorEvent::Conversation { conversation: closed });
        assert!(c.suggests_call());
    }
}

#[cfg(test)]
mod paging_tests {
    use super::*;

    fn msg(seq: Seq) -> ChatMessage {
        ChatMessage {
            seq,
            client_id: ClientId::parse(format!("c{seq}")).unwrap(),
            author: Author::Agent,
            author_name: "x".into(),
            text: "t".into(),
            sent_at_ms: 0,
            file: None,
        }
    }

    #[test]
    fn older_pages_are_asked_for_once_and_merged_in_front() {
        let mut c = WidgetState::new(WidgetSettings::default(), true, Vec::new(), None);
        let conversation = super::tests::conversation(7, ConversationStatus::Active);
        c.apply(VisitorEvent::Welcome {
            v: 1,
            token: "t".into(),
            settings: WidgetSettings::default(),
            conversation: Some(conversation),
            agents_online: true,
            callback: None,
            resolutions: vec![],
        });
        c.apply(VisitorEvent::History { conversation_id: ConversationId(7), reset: true, messages: (51..=100).map(msg).collect() });
        assert!(c.has_older());
        assert_eq!(c.load_older(), Some(VisitorFrame::LoadOlder { before_seq: 51 }));
        assert_eq!(c.load_older(), None, "one request at a time");
        c.apply(VisitorEvent::History { conversation_id: ConversationId(7), reset: false, messages: (1..=50).map(msg).collect() });
        assert_eq!((c.first_seq(), c.last_seq(), c.messages.len()), (1, 100, 100));
        assert!(!c.has_older());
        assert_eq!(c.load_older(), None, "nothing before the first message");
    }
}
