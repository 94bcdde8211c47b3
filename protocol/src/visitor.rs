//! Frames between the visitor widget and the backend (`/ws/v1/visitor`).

use serde::{Deserialize, Serialize};

use crate::callback::{CallbackOptions, CallbackRefusal, CallbackRequest, VisitorCallback};
use crate::{CallbackId, ChatMessage, ClientId, ConversationId, ConversationStatus, ErrorBody, MessageText, PreChat, Seq};

/// Frames the widget sends.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorFrame {
    /// First frame of every connection. `token` resumes an earlier visitor
    /// (from storage shared by every tab of the site); `resume` names the
    /// conversation this client already shows and the highest seq it has.
    Hello { v: u32, token: Option<String>, resume: Option<Resume>, page: PageInfo, locale: String },
    /// Opens a conversation with the pre-chat answers. Idempotent while a
    /// conversation is open: the open one is returned.
    StartChat { prechat: PreChat },
    /// A chat message. `client_id` makes retries idempotent.
    Send { client_id: ClientId, text: MessageText },
    /// The visitor started or stopped typing.
    Typing { on: bool },
    /// The visitor has seen everything up to `seq`.
    Read { seq: Seq },
    /// The visitor navigated (same conversation, new page).
    Page { page: PageInfo },
    /// The visitor closed the chat.
    EndChat,
    /// The visitor scrolled up: the page of messages before `before_seq`.
    LoadOlder { before_seq: Seq },
    /// Nobody could answer (the conversation ended as `unavailable`): the
    /// visitor leaves a message for the team to follow up.
    LeaveMessage { text: MessageText },
    /// What the callback form may offer now (countries, slots).
    CallbackOptions,
    /// The visitor asks to be called.
    RequestCallback { request: CallbackRequest },
    /// The visitor calls their open callback off.
    CancelCallback { callback_id: CallbackId },
    /// The visitor moves their open callback to another slot (`None`: as
    /// soon as possible).
    RescheduleCallback { callback_id: CallbackId, at_ms: Option<i64> },
    /// The visitor asks for the transcript of their chat by email: it must
    /// be their latest, ended after an agent answered. The server answers
    /// `transcript_queued`, or an error (no such chat, an address it cannot
    /// use, too many asked).
    EmailTranscript { conversation_id: ConversationId, email: String },
    /// The visitor rates their chat, 1 to 5, with an optional comment: it
    /// must be their latest, ended after an agent answered, and not rated
    /// yet. The server answers `rated`, or an error.
    Rate {
        conversation_id: ConversationId,
        score: u8,
        #[serde(default)]
        comment: String,
    },
    /// The visitor read the resolution of their case the welcome told
    /// them of; it is not told again.
    ResolutionSeen { case_id: i64 },
    /// `Rapport.identify({...})`: who the visitor is, as the site's page
    /// says. The widget passes the page's object as it is; the server
    /// checks it (`Identity::checked`) and verifies `user_hash`.
    Identify { identity: crate::contact::Identity },
    /// The visitor's answer to an agent's request to co-browse.
    CobrowseAnswer { session_id: i64, accept: bool },
    /// The visitor's answer to an agent's request for remote control.
    CobrowseControlAnswer { session_id: i64, accept: bool },
    /// The visitor stops a co-browse session (or withdraws their code).
    CobrowseEnd { session_id: i64 },
    /// The visitor asks for a short code to read to an agent on the phone.
    CobrowseCode,
}

/// Where a client left off in a conversation.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resume {
    pub conversation_id: ConversationId,
    pub last_seq: Seq,
}

/// The page the visitor is on.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct PageInfo {
    pub url: String,
    pub title: String,
}

/// Frames the backend sends to the widget.
// `Welcome` is the large one, sent once per connection: boxing it would
// save nothing that matters.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorEvent {
    /// Answer to `hello`. `token` is to be stored and sent on every later
    /// connection. `conversation` is the open (or last) conversation;
    /// `callback` the visitor's latest callback request.
    Welcome {
        v: u32,
        token: String,
        settings: WidgetSettings,
        conversation: Option<VisitorConversation>,
        agents_online: bool,
        #[serde(default)]
        callback: Option<VisitorCallback>,
        /// How the visitor's cases were resolved, when the team sent them
        /// and the visitor has not read them yet (shown by the callback
        /// module, which reads the raw event).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        resolutions: Vec<crate::cases::CaseResolution>,
    },
    /// Messages of `conversation_id`, oldest first, at most
    /// [`crate::HISTORY_PAGE`] of them: what came after the client's resume
    /// point, or an older page it asked for. `reset` means the client must
    /// drop what it shows first (the conversation is not the one it resumed,
    /// or it is too far behind and gets the newest page instead).
    History { conversation_id: ConversationId, reset: bool, messages: Vec<ChatMessage> },
    /// One new message in the conversation (from any side, any tab).
    Message { message: ChatMessage },
    /// The visitor's message with `client_id` is stored as `seq`.
    Ack { client_id: ClientId, seq: Seq },
    /// The conversation changed: queued position, agent, status.
    Conversation { conversation: VisitorConversation },
    /// The agent started or stopped typing.
    Typing { on: bool, name: String },
    /// The agent has read up to `seq`.
    Read { seq: Seq },
    /// Something the visitor sent was refused.
    Error { error: ErrorBody },
    /// The server is going away; reconnect after `after_ms` (plus jitter).
    Reconnect { after_ms: u32 },
    /// The message left for the team is stored.
    MessageLeft,
    /// What the callback form may offer now.
    CallbackOptions { options: CallbackOptions },
    /// The visitor's callback request as it stands now (every tab hears).
    Callback { callback: VisitorCallback },
    /// A callback request, cancellation or new time was refused; `message`
    /// says why in the visitor's language.
    CallbackRefused { reason: CallbackRefusal, message: String },
    /// The agent in the chat offers to call: the widget opens the form.
    CallbackSuggested,
    /// The transcript is on its way to this address.
    TranscriptQueued { email: String },
    /// The visitor's rating of the chat was stored.
    Rated { score: u8 },
    /// A co-browse session of the visitor's, as it stands now (every tab
    /// hears; the co-browse module reads the raw event).
    Cobrowse { session: crate::cobrowse::VisitorSession },
}

/// What the visitor sees of their conversation.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VisitorConversation {
    pub id: ConversationId,
    pub status: ConversationStatus,
    /// Display name of the agent once one accepted.
    pub agent_name: Option<String>,
    /// 1-based place in the queue while queued.
    pub queue_position: Option<u32>,
    /// Highest seq the agent has read.
    pub agent_read_seq: Seq,
    pub prechat: crate::PreChat,
    /// While queued: the expected wait, when agents are staffed.
    #[serde(default)]
    pub estimated_wait_secs: Option<u32>,
    /// Set when the conversation could not wait: the widget says why and
    /// offers to leave a message.
    #[serde(default)]
    pub unavailable: Option<Unavailable>,
    /// The visitor's rating, 1 to 5, once given (the widget asks once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
}

impl Unavailable {
    /// The wire name, as serde writes it (tested in `lean`).
    pub fn parse(s: &str) -> Option<Unavailable> {
        match s {
            "closed" => Some(Unavailable::Closed),
            "busy" => Some(Unavailable::Busy),
            _ => None,
        }
    }
}

/// Why nobody can answer now.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Unavailable {
    /// Outside business hours.
    Closed,
    /// The queue is full, or the wait ran past its limit.
    Busy,
}

/// Per-site widget settings, editable by the site owner.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct WidgetSettings {
    /// Shown in the panel header.
    pub title: String,
    /// CSS colour of the launcher and header, e.g. `#2f6fed`.
    pub accent: String,
    /// Greeting shown above the pre-chat form; empty for the default.
    pub greeting: String,
    /// Which pre-chat fields to ask; the empty list skips the form.
    pub prechat_fields: Vec<PreChatField>,
    /// Forces a language (`en`, `zh-Hant`, `zh-Hans`); empty = the page's.
    pub locale: String,
    /// Which bottom corner the launcher and panel sit in.
    #[serde(default)]
    pub side: Side,
    /// Text beside the launcher's icon; empty for the round icon alone.
    #[serde(default)]
    pub launcher_label: String,
    /// The team's picture in the panel's header (an absolute http(s) URL);
    /// empty for none.
    #[serde(default)]
    pub avatar_url: String,
}

/// A bottom corner of the page.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    #[default]
    Right,
    Left,
}

impl Side {
    /// The wire name, as serde writes it (tested in `lean`).
    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "right" => Some(Side::Right),
            "left" => Some(Side::Left),
            _ => None,
        }
    }
}

impl WidgetSettings {
    /// What the panel's header says: the title, or `fallback` without one.
    pub fn title_or(&self, fallback: &str) -> String {
        if self.title.trim().is_empty() {
            fallback.to_string()
        } else {
            self.title.clone()
        }
    }
}

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            title: String::new(),
            accent: "#2f6fed".into(),
            greeting: String::new(),
            prechat_fields: vec![PreChatField::Name, PreChatField::Email, PreChatField::Topic],
            locale: String::new(),
            side: Side::Right,
            launcher_label: String::new(),
            avatar_url: String::new(),
        }
    }
}

/// A field of the pre-chat form.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PreChatField {
    Name,
    Email,
    Topic,
    /// The visitor's question, sent as the chat's first message; while it
    /// is typed, the knowledge base may answer it.
    Question,
}

/// What `GET /api/v1/sites/{key}/widget` returns to the loader: enough to
/// draw the launcher and say whether anybody is there.
impl PreChatField {
    /// The wire name, as serde writes it (tested in `lean`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "name" => Some(Self::Name),
            "email" => Some(Self::Email),
            "topic" => Some(Self::Topic),
            "question" => Some(Self::Question),
            _ => None,
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct WidgetBoot {
    pub settings: WidgetSettings,
    pub agents_online: bool,
    /// The site's appearance as CSS for the widget's shadow root (accent,
    /// side, avatar), written by the server from checked settings so the
    /// loader, which every page carries, only has to adopt it.
    #[serde(default)]
    pub css: String,
    /// The site has published articles, so the loader offers the widget
    /// the articles module (the Wasm never reads this).
    #[serde(default)]
    pub articles: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_tagged_by_type() {
        let f = VisitorFrame::Send { client_id: ClientId::parse("c1").unwrap(), text: MessageText::parse("你好").unwrap() };
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, r#"{"type":"send","client_id":"c1","text":"你好"}"#);
        assert_eq!(serde_json::from_str::<VisitorFrame>(&json).unwrap(), f);
        let end = serde_json::from_str::<VisitorFrame>(r#"{"type":"end_chat"}"#).unwrap();
        assert_eq!(end, VisitorFrame::EndChat);
    }

    #[test]
    fn unknown_types_do_not_parse() {
        assert!(serde_json::from_str::<VisitorFrame>(r#"{"type":"launch_missiles"}"#).is_err());
    }
}
