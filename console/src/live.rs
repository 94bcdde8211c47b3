//! The console's live link to the server: the agent WebSocket, the reactive
//! state it feeds, and every frame the console sends.
//!
//! The rules live in the pure reducer (`state`); this module only moves
//! frames between the socket and the signals and performs the reducer's
//! [`Reaction`]s.

use std::collections::HashMap;

use leptos::prelude::*;
use protocol::agent::{AgentFrame, AgentInfo, Presence, TransferTarget};
use protocol::{ConversationId, MessageText, PROTOCOL_VERSION};
use webclient::time::now_ms;
use webclient::{Socket, SocketHandlers};

use crate::api;
use crate::state::{Alert, ConsoleState, Reaction};

/// Whether the console knows who is signed in.
#[derive(Clone, Debug, PartialEq)]
pub enum Auth {
    /// Asking the server whether the session cookie is still good.
    Checking,
    SignedOut,
    SignedIn(AgentInfo),
}

/// The state of the agent socket, for the connection banner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// The first attempt is under way; no banner yet, since it usually takes
    /// a few milliseconds.
    Connecting,
    Open,
    /// The connection dropped and a retry is scheduled.
    Reconnecting,
}

/// The agent repeats `typing on` at most this often while typing.
const TYPING_REPEAT_MS: i64 = 2_500;
/// The agent counts as stopped typing after this long without a keystroke.
const TYPING_IDLE_MS: i64 = 3_000;

/// What this console last told a visitor about the agent typing.
#[derive(Clone, Copy, Debug)]
struct TypingOut {
    conversation_id: ConversationId,
    /// When `typing on` was last sent; 0 when the visitor was told "off".
    sent_on_ms: i64,
    last_input_ms: i64,
}

/// A cheap, copyable handle to the live link, provided as context.
#[derive(Clone, Copy)]
pub struct Live {
    pub auth: RwSignal<Auth>,
    pub state: RwSignal<ConsoleState>,
    pub link: RwSignal<Link>,
    /// The console's clock, ticking every second for countdowns and expiry.
    pub now: RwSignal<i64>,
    /// The latest thing the agent must not miss; the app rings for it.
    pub alert: RwSignal<Option<Alert>>,
    /// The inbox is the screen in front of the agent (not admin, floor or
    /// messages left), so the selected chat can be read.
    pub chat_shown: RwSignal<bool>,
    socket: StoredValue<Option<Socket>, LocalStorage>,
    typing: StoredValue<Option<TypingOut>>,
    /// Unsent text per chat, so switching chats does not lose a reply.
    drafts: StoredValue<HashMap<ConversationId, String>>,
}

impl Live {
    pub fn new() -> Live {
        let session = Live {
            auth: RwSignal::new(Auth::Checking),
            state: RwSignal::new(ConsoleState::default()),
            link: RwSignal::new(Link::Connecting),
            now: RwSignal::new(now_ms()),
            alert: RwSignal::new(None),
            chat_shown: RwSignal::new(true),
            socket: StoredValue::new_local(None),
            typing: StoredValue::new(None),
            drafts: StoredValue::new(HashMap::new()),
        };
        set_interval(move || session.tick(), std::time::Duration::from_secs(1));
        session
    }

    /// Asks the server whether the session cookie is valid, so that a
    /// reload does not show the login form to a signed-in agent.
    pub fn check(self) {
        leptos::task::spawn_local(async move {
            match api::me().await {
                Ok(agent) => self.signed_in(agent),
                Err(_) => self.auth.set(Auth::SignedOut),
            }
        });
    }

    /// The agent is known: show the inbox and connect.
    pub fn signed_in(self, agent: AgentInfo) {
        self.state.set(ConsoleState { agent: Some(agent.clone()), ..ConsoleState::default() });
        self.auth.set(Auth::SignedIn(agent));
        self.connect();
    }

    /// Logs out on the server and forgets everything locally.
    pub fn logout(self) {
        self.disconnect();
        leptos::task::spawn_local(async move {
            api::logout().await;
        });
    }

    /// The session is over (logged out here or expired on the server).
    fn disconnect(self) {
        if let Some(socket) = self.socket.try_update_value(|s| s.take()).flatten() {
            socket.stop();
        }
        self.typing.set_value(None);
        self.drafts.set_value(HashMap::new());
        self.state.set(ConsoleState::default());
        self.link.set(Link::Connecting);
        self.auth.set(Auth::SignedOut);
    }

    fn connect(self) {
        if self.socket.with_value(Option::is_some) {
            return;
        }
        self.link.set(Link::Connecting);
        let base = window().location().origin().unwrap_or_default();
        let handlers = SocketHandlers {
            on_open: Box::new(move || self.opened()),
            on_message: Box::new(move |text| self.received(&text)),
            on_close: Box::new(move || self.closed()),
        };
        let socket = Socket::connect(webclient::url::ws_url(&base, "/ws/v1/agent"), handlers);
        self.socket.set_value(Some(socket));
    }

    /// Every (re)connection says hello with its resume points and then
    /// sends the outbox again; the server ignores client ids it has stored.
    fn opened(self) {
        self.link.set(Link::Open);
        let (last_seqs, outbox) = self.state.with_untracked(|s| (s.last_seqs(), s.outbox()));
        self.send(&AgentFrame::Hello { v: PROTOCOL_VERSION, last_seqs });
        for (conversation_id, pending) in outbox {
            self.send(&AgentFrame::Send { conversation_id, client_id: pending.client_id, text: pending.text });
        }
    }

    fn received(self, text: &str) {
        let Some(event) = webclient::json::parse(text).and_then(|v| protocol::lean::agent::decode_agent_event(&v)) else {
            // A newer server may send frames this build does not know;
            // skipping them keeps the console working.
            leptos::logging::warn!("ignoring an unreadable frame");
            return;
        };
        let now = now_ms();
        let mut reaction = None;
        self.state.update(|s| reaction = s.apply(event, now));
        match reaction {
            Some(Reaction::ReconnectAfter(ms)) => self.with_socket(|s| s.reconnect_after(ms)),
            // Stopping the socket drops the very closure running this
            // handler, so it waits for the next turn of the event loop.
            Some(Reaction::SignedOut) => set_timeout(move || self.disconnect(), std::time::Duration::ZERO),
            Some(Reaction::Alert(alert)) => {
                self.alert.set(Some(alert));
                self.mark_read();
            }
            None => self.mark_read(),
        }
    }

    fn closed(self) {
        if self.socket.with_value(Option::is_none) {
            return;
        }
        self.link.set(Link::Reconnecting);
        self.state.update(ConsoleState::disconnected);
        // A handshake refused for an expired session looks like any other
        // dropped connection; asking the REST API tells them apart.
        leptos::task::spawn_local(async move {
            if api::me().await == Err(api::ApiError::Unauthorized) && self.socket.with_value(Option::is_some) {
                self.disconnect();
            }
        });
    }

    fn with_socket(self, f: impl FnOnce(&Socket)) {
        self.socket.with_value(|s| {
            if let Some(socket) = s {
                f(socket)
            }
        });
    }

    /// Sends a frame; false when the socket is not open.
    fn send(self, frame: &AgentFrame) -> bool {
        let text = protocol::lean::agent::encode_agent_frame(frame);
        let mut sent = false;
        self.with_socket(|s| sent = s.send(&text));
        sent
    }

    pub fn set_presence(self, presence: Presence, reason: &str) -> bool {
        self.send(&AgentFrame::SetPresence { presence, reason: reason.to_string() })
    }

    /// Hands the chat to another agent or queue with a note.
    pub fn transfer(self, conversation_id: ConversationId, to: TransferTarget, note: String) -> bool {
        self.send(&AgentFrame::Transfer { conversation_id, to, note })
    }

    /// Records the wrap-up code of an ended chat.
    pub fn wrap_up(self, conversation_id: ConversationId, code: String) -> bool {
        self.send(&AgentFrame::WrapUp { conversation_id, code })
    }

    pub fn accept(self, conversation_id: ConversationId) {
        if self.send(&AgentFrame::Accept { conversation_id }) {
            self.state.update(|s| s.accepting(conversation_id));
        }
    }

    /// Takes a conversation from a manual queue's shared list; false when
    /// the socket is not open.
    pub fn pick(self, conversation_id: ConversationId) -> bool {
        self.send(&AgentFrame::Pick { conversation_id })
    }

    pub fn decline(self, conversation_id: ConversationId) {
        if self.send(&AgentFrame::Decline { conversation_id }) {
            self.state.update(|s| s.declined(conversation_id));
        }
    }

    pub fn end_chat(self, conversation_id: ConversationId) {
        self.stop_typing();
        self.send(&AgentFrame::End { conversation_id });
    }

    pub fn select(self, conversation_id: ConversationId) {
        self.state.update(|s| s.selected = Some(conversation_id));
        self.mark_read();
    }

    pub fn dismiss_error(self) {
        self.state.update(|s| s.error = None);
    }

    /// Queues a message and sends it if connected; when not, `opened` sends
    /// it. Returns false for a blank or over-long text.
    pub fn send_message(self, conversation_id: ConversationId, text: &str) -> bool {
        let Ok(text) = MessageText::parse(protocol::without_controls(text.trim_end())) else { return false };
        self.stop_typing();
        let client_id = webclient::ids::new_client_id();
        let mut queued = false;
        self.state.update(|s| queued = s.queue(conversation_id, client_id.clone(), text.clone(), now_ms()));
        if queued {
            self.send(&AgentFrame::Send { conversation_id, client_id, text });
        }
        queued
    }

    /// The agent scrolled to the top of a chat: fetch the page before.
    pub fn load_older(self, conversation_id: ConversationId) {
        let mut frame = None;
        self.state.update(|s| frame = s.load_older(conversation_id));
        if let Some(frame) = frame {
            self.send(&frame);
        }
    }

    /// The agent changed the draft of a chat: tell the visitor, at most
    /// every few seconds, that the agent is typing.
    pub fn typed(self, conversation_id: ConversationId, draft_is_empty: bool) {
        if draft_is_empty {
            self.stop_typing();
            return;
        }
        let now = now_ms();
        let current = self.typing.get_value();
        if let Some(t) = current.filter(|t| t.conversation_id != conversation_id) {
            if t.sent_on_ms != 0 {
                self.send(&AgentFrame::Typing { conversation_id: t.conversation_id, on: false });
            }
        }
        let mut t = current.filter(|t| t.conversation_id == conversation_id).unwrap_or(TypingOut { conversation_id, sent_on_ms: 0, last_input_ms: 0 });
        t.last_input_ms = now;
        if now - t.sent_on_ms >= TYPING_REPEAT_MS && self.send(&AgentFrame::Typing { conversation_id, on: true }) {
            t.sent_on_ms = now;
        }
        self.typing.set_value(Some(t));
    }

    fn stop_typing(self) {
        if let Some(t) = self.typing.try_update_value(|t| t.take()).flatten() {
            // An ended chat refuses frames; the visitor's side already shows
            // that nobody is typing.
            let open = self.state.with_untracked(|s| s.conversation(t.conversation_id).is_some_and(|c| !c.is_ended()));
            if t.sent_on_ms != 0 && open {
                self.send(&AgentFrame::Typing { conversation_id: t.conversation_id, on: false });
            }
        }
    }

    pub fn draft(self, conversation_id: ConversationId) -> String {
        self.drafts.with_value(|d| d.get(&conversation_id).cloned()).unwrap_or_default()
    }

    pub fn set_draft(self, conversation_id: ConversationId, text: String) {
        self.drafts.update_value(|d| {
            if text.is_empty() {
                d.remove(&conversation_id);
            } else {
                d.insert(conversation_id, text);
            }
        });
    }

    /// Reports the selected chat as read when the agent can actually see it.
    pub fn mark_read(self) {
        if self.link.get_untracked() != Link::Open || !page_is_seen() || !self.chat_shown.get_untracked() {
            return;
        }
        let due = self.state.with_untracked(|s| s.selected_conversation().is_some_and(|c| !c.is_ended() && c.last_seq() > c.agent_read_seq));
        if !due {
            return;
        }
        let mut read = None;
        self.state.update(|s| read = s.take_read());
        if let Some((conversation_id, seq)) = read {
            self.send(&AgentFrame::Read { conversation_id, seq });
        }
    }

    /// Once a second: advance the clock, drop lapsed offers, end a typing
    /// spell, and report reads the agent made by coming back to the tab.
    fn tick(self) {
        let now = now_ms();
        self.now.set(now);
        if self.state.with_untracked(|s| s.offers.iter().any(|o| o.deadline_ms <= now)) {
            self.state.update(|s| s.expire_offers(now));
        }
        if self.typing.get_value().is_some_and(|t| now - t.last_input_ms >= TYPING_IDLE_MS) {
            self.stop_typing();
        }
        self.mark_read();
    }
}

impl Default for Live {
    fn default() -> Self {
        Live::new()
    }
}

/// The tab is visible, so new messages in the open chat are in front of
/// the agent. Focus is not required: a console open on a second screen is
/// still being read while the agent types elsewhere.
fn page_is_seen() -> bool {
    !document().hidden()
}
