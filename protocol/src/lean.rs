//! A second codec for the visitor's side of the wire, for the widget only.
//!
//! Every visitor downloads the widget, and serde's derived deserializers
//! (internally tagged enums buffer through `Content`) plus serde_json were
//! most of its Wasm. The browser already has a JSON parser, so the widget
//! lets `JSON.parse` do the parsing and reads fields through [`Source`];
//! frames are written by a small JSON writer here. The serde derives stay
//! the definition of the wire: the tests below check that this codec reads
//! exactly what serde writes, and that serde reads exactly what this writes.

pub mod agent;

use crate::files::Attachment;
use crate::visitor::{PageInfo, PreChatField, Resume, Side, Unavailable, VisitorConversation, VisitorEvent, VisitorFrame, WidgetBoot, WidgetSettings};
use crate::{Author, ChatMessage, ClientId, ConversationId, ConversationStatus, ErrorBody, ErrorCode, PreChat};

/// A parsed JSON value: a `JsValue` from `JSON.parse` in the widget, a
/// `serde_json::Value` in the tests.
pub trait Source: Sized {
    fn field(&self, name: &str) -> Option<Self>;
    fn as_str(&self) -> Option<String>;
    fn as_f64(&self) -> Option<f64>;
    fn as_bool(&self) -> Option<bool>;
    fn is_null(&self) -> bool;
    /// The elements, if this is an array.
    fn items(&self) -> Option<Vec<Self>>;
}

fn string<S: Source>(s: &S, name: &str) -> Option<String> {
    s.field(name)?.as_str()
}

fn boolean<S: Source>(s: &S, name: &str) -> Option<bool> {
    s.field(name)?.as_bool()
}

/// The largest integer a double holds exactly (JavaScript's
/// `Number.MAX_SAFE_INTEGER`); every id and sequence number stays below.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A whole number that is the value itself. JSON numbers are doubles in
/// JS, so a larger one may already have been rounded (2^53 + 1 reads as
/// 2^53) and is refused rather than read as a different number than was
/// sent.
pub fn int_of<S: Source>(v: &S) -> Option<i64> {
    let n = v.as_f64()?;
    (n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER).then_some(n as i64)
}

/// A whole field that fits in `T` (see [`int_of`]).
fn int<S: Source, T: TryFrom<i64>>(s: &S, name: &str) -> Option<T> {
    T::try_from(int_of(&s.field(name)?)?).ok()
}

fn client_id<S: Source>(s: &S, name: &str) -> Option<ClientId> {
    ClientId::parse(string(s, name)?).ok()
}

/// `null` and absence both mean `None`; anything else must decode.
fn optional<S: Source, T>(s: &S, name: &str, decode: impl FnOnce(&S) -> Option<T>) -> Option<Option<T>> {
    match s.field(name) {
        None => Some(None),
        Some(v) if v.is_null() => Some(None),
        Some(v) => decode(&v).map(Some),
    }
}

fn list<S: Source, T>(s: &S, name: &str, decode: impl Fn(&S) -> Option<T>) -> Option<Vec<T>> {
    s.field(name)?.items()?.iter().map(decode).collect()
}

pub fn decode_visitor_event<S: Source>(s: &S) -> Option<VisitorEvent> {
    Some(match string(s, "type")?.as_str() {
        "welcome" => VisitorEvent::Welcome {
            v: int(s, "v")?,
            token: string(s, "token")?,
            settings: settings(&s.field("settings")?)?,
            conversation: optional(s, "conversation", conversation)?,
            agents_online: boolean(s, "agents_online")?,
            // The callback module reads its part of the raw event, and
            // the resolutions.
            callback: None,
            resolutions: Vec::new(),
        },
        "history" => VisitorEvent::History {
            conversation_id: ConversationId(int(s, "conversation_id")?),
            reset: boolean(s, "reset")?,
            messages: list(s, "messages", message)?,
        },
        "message" => VisitorEvent::Message { message: message(&s.field("message")?)? },
        "ack" => VisitorEvent::Ack { client_id: client_id(s, "client_id")?, seq: int(s, "seq")? },
        "conversation" => VisitorEvent::Conversation { conversation: conversation(&s.field("conversation")?)? },
        "typing" => VisitorEvent::Typing { on: boolean(s, "on")?, name: string(s, "name")? },
        "read" => VisitorEvent::Read { seq: int(s, "seq")? },
        "error" => {
            let e = s.field("error")?;
            VisitorEvent::Error { error: ErrorBody { code: ErrorCode::parse(&string(&e, "code")?)?, message: string(&e, "message")? } }
        }
        "reconnect" => VisitorEvent::Reconnect { after_ms: int(s, "after_ms")? },
        "message_left" => VisitorEvent::MessageLeft,
        _ => return None,
    })
}

pub fn decode_widget_boot<S: Source>(s: &S) -> Option<WidgetBoot> {
    // The appearance's CSS is the loader's; the Wasm never reads it.
    Some(WidgetBoot { settings: settings(&s.field("settings")?)?, agents_online: boolean(s, "agents_online")?, css: String::new(), articles: false })
}

fn settings<S: Source>(s: &S) -> Option<WidgetSettings> {
    Some(WidgetSettings {
        title: string(s, "title")?,
        accent: string(s, "accent")?,
        greeting: string(s, "greeting")?,
        prechat_fields: list(s, "prechat_fields", |f| PreChatField::parse(&f.as_str()?))?,
        locale: string(s, "locale")?,
        // The side, launcher label and avatar are drawn by the loader (and
        // the widget's CSS) from the boot JSON; the Wasm never reads them,
        // so it carries no code to decode them.
        side: Side::Right,
        launcher_label: String::new(),
        avatar_url: String::new(),
    })
}

fn conversation<S: Source>(s: &S) -> Option<VisitorConversation> {
    Some(VisitorConversation {
        id: ConversationId(int(s, "id")?),
        status: ConversationStatus::parse(&string(s, "status")?)?,
        agent_name: optional(s, "agent_name", Source::as_str)?,
        queue_position: optional(s, "queue_position", |v| u32::try_from(int_of(v)?).ok())?,
        agent_read_seq: int(s, "agent_read_seq")?,
        prechat: prechat(&s.field("prechat")?)?,
        estimated_wait_secs: optional(s, "estimated_wait_secs", |v| u32::try_from(int_of(v)?).ok())?,
        unavailable: optional(s, "unavailable", |v| Unavailable::parse(&v.as_str()?))?,
        // The callback module reads the rating from the raw event.
        rating: None,
    })
}

fn prechat<S: Source>(s: &S) -> Option<PreChat> {
    Some(PreChat { name: string(s, "name")?, email: string(s, "email")?, topic: string(s, "topic")? })
}

fn message<S: Source>(s: &S) -> Option<ChatMessage> {
    Some(ChatMessage {
        seq: int(s, "seq")?,
        client_id: client_id(s, "client_id")?,
        author: Author::parse(&string(s, "author")?)?,
        author_name: string(s, "author_name")?,
        text: string(s, "text")?,
        sent_at_ms: int(s, "sent_at_ms")?,
        file: optional(s, "file", attachment)?.map(Box::new),
    })
}

fn attachment<S: Source>(s: &S) -> Option<Attachment> {
    Some(Attachment {
        id: int(s, "id")?,
        name: string(s, "name")?,
        mime: string(s, "mime")?,
        bytes: int(s, "bytes")?,
        // Absent (or not a whole number) reads as 0 and "", as serde's
        // defaults; no clamping code, since every byte here is downloaded.
        width: int(s, "width").unwrap_or(0),
        height: int(s, "height").unwrap_or(0),
        url: string(s, "url").unwrap_or_default(),
    })
}

/// Writes a frame as serde would (same field order, same escapes where it
/// matters: any JSON parser reads both the same).
pub fn encode_visitor_frame(frame: &VisitorFrame) -> String {
    let mut w = Writer::new(match frame {
        VisitorFrame::Hello { .. } => "hello",
        VisitorFrame::StartChat { .. } => "start_chat",
        VisitorFrame::Send { .. } => "send",
        VisitorFrame::Typing { .. } => "typing",
        VisitorFrame::Read { .. } => "read",
        VisitorFrame::Page { .. } => "page",
        VisitorFrame::EndChat => "end_chat",
        VisitorFrame::LoadOlder { .. } => "load_older",
        VisitorFrame::LeaveMessage { .. } => "leave_message",
        // The callback module (widget/callback.js) writes its own frames,
        // and so does the co-browse module (widget/cobrowse.js);
        // the transcript's too; the widget's Wasm carries no code for them.
        // `identify` is the page's own object, stringified by the browser
        // into the frame (`widget::live::identify`).
        VisitorFrame::EmailTranscript { .. }
        | VisitorFrame::Rate { .. }
        | VisitorFrame::ResolutionSeen { .. }
        | VisitorFrame::CobrowseAnswer { .. }
        | VisitorFrame::CobrowseControlAnswer { .. }
        | VisitorFrame::CobrowseEnd { .. }
        | VisitorFrame::CobrowseCode
        | VisitorFrame::Identify { .. }
        | VisitorFrame::CallbackOptions
        | VisitorFrame::RequestCallback { .. }
        | VisitorFrame::CancelCallback { .. }
        | VisitorFrame::RescheduleCallback { .. } => return String::new(),
    });
    match frame {
        VisitorFrame::Hello { v, token, resume, page, locale } => {
            w.key("v").raw(&v.to_string());
            w.key("token");
            match token {
                Some(t) => w.string(t),
                None => w.raw("null"),
            };
            w.key("resume");
            match resume {
                Some(Resume { conversation_id, last_seq }) => {
                    w.raw("{").raw("\"conversation_id\":").raw(&conversation_id.to_string());
                    w.raw(",\"last_seq\":").raw(&last_seq.to_string()).raw("}")
                }
                None => w.raw("null"),
            };
            w.key("page");
            page_object(&mut w, page);
            w.key("locale").string(locale);
        }
        VisitorFrame::StartChat { prechat } => {
            w.key("prechat").raw("{\"name\":").string(&prechat.name);
            w.raw(",\"email\":").string(&prechat.email).raw(",\"topic\":").string(&prechat.topic).raw("}");
        }
        VisitorFrame::Send { client_id, text } => {
            w.key("client_id").string(client_id.as_str());
            w.key("text").string(text.as_str());
        }
        VisitorFrame::Typing { on } => {
            w.key("on").raw(if *on { "true" } else { "false" });
        }
        VisitorFrame::Read { seq } => {
            w.key("seq").raw(&seq.to_string());
        }
        VisitorFrame::Page { page } => {
            w.key("page");
            page_object(&mut w, page);
        }
        VisitorFrame::EndChat => {}
        VisitorFrame::LoadOlder { before_seq } => {
            w.key("before_seq").raw(&before_seq.to_string());
        }
        VisitorFrame::LeaveMessage { text } => {
            w.key("text").string(text.as_str());
        }
        VisitorFrame::EmailTranscript { .. }
        | VisitorFrame::Rate { .. }
        | VisitorFrame::ResolutionSeen { .. }
        | VisitorFrame::CobrowseAnswer { .. }
        | VisitorFrame::CobrowseControlAnswer { .. }
        | VisitorFrame::CobrowseEnd { .. }
        | VisitorFrame::CobrowseCode
        | VisitorFrame::Identify { .. }
        | VisitorFrame::CallbackOptions
        | VisitorFrame::RequestCallback { .. }
        | VisitorFrame::CancelCallback { .. }
        | VisitorFrame::RescheduleCallback { .. } => {}
    }
    w.finish()
}

fn page_object(w: &mut Writer, page: &PageInfo) {
    w.raw("{\"url\":").string(&page.url).raw(",\"title\":").string(&page.title).raw("}");
}

struct Writer {
    out: String,
}

impl Writer {
    fn new(kind: &str) -> Writer {
        let mut w = Writer { out: String::with_capacity(64) };
        w.raw("{\"type\":").string(kind);
        w
    }

    fn key(&mut self, name: &str) -> &mut Writer {
        self.raw(",").string(name).raw(":")
    }

    fn raw(&mut self, s: &str) -> &mut Writer {
        self.out.push_str(s);
        self
    }

    fn string(&mut self, s: &str) -> &mut Writer {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let n = c as usize;
                    self.out.push_str("\\u00");
                    self.out.push(HEX[n >> 4] as char);
                    self.out.push(HEX[n & 15] as char);
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
        self
    }

    fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    impl Source for Value {
        fn field(&self, name: &str) -> Option<Self> {
            self.get(name).cloned()
        }
        fn as_str(&self) -> Option<String> {
            Value::as_str(self).map(str::to_string)
        }
        fn as_f64(&self) -> Option<f64> {
            Value::as_f64(self)
        }
        fn as_bool(&self) -> Option<bool> {
            Value::as_bool(self)
        }
        fn is_null(&self) -> bool {
            Value::is_null(self)
        }
        fn items(&self) -> Option<Vec<Self>> {
            self.as_array().cloned()
        }
    }

    fn message(seq: u64, author: Author) -> ChatMessage {
        ChatMessage {
            seq,
            client_id: ClientId::parse(format!("c{seq}")).unwrap(),
            author,
            author_name: "林美 Mei".into(),
            text: "<img src=x onerror=alert(1)> \"q\"\n你好".into(),
            sent_at_ms: 1_763_000_000_123,
            // Every other message carries a file, so both shapes are checked.
            file: seq.is_multiple_of(2).then(|| {
                Box::new(Attachment {
                    id: 7,
                    name: "收據 receipt.png".into(),
                    mime: "image/png".into(),
                    bytes: 12_345,
                    width: 640,
                    height: 480,
                    url: "https://chat.example/files/7?e=1&s=ab".into(),
                })
            }),
        }
    }

    fn conversation(status: ConversationStatus) -> VisitorConversation {
        VisitorConversation {
            id: ConversationId(42),
            status,
            agent_name: Some("Mei".into()),
            queue_position: Some(3),
            agent_read_seq: 7,
            prechat: PreChat { name: "Ada".into(), email: "ada@example.com".into(), topic: "Billing".into() },
            estimated_wait_secs: Some(90),
            unavailable: Some(Unavailable::Closed),
            rating: None,
        }
    }

    fn every_event() -> Vec<VisitorEvent> {
        let settings = WidgetSettings { title: "Northwind".into(), ..WidgetSettings::default() };
        let mut bare = conversation(ConversationStatus::Queued);
        bare.agent_name = None;
        bare.queue_position = None;
        bare.estimated_wait_secs = None;
        bare.unavailable = None;
        vec![
            VisitorEvent::Welcome {
                v: 1,
                token: "t".into(),
                settings: settings.clone(),
                conversation: None,
                agents_online: false,
                callback: None,
                resolutions: vec![],
            },
            VisitorEvent::Welcome {
                v: 1,
                token: "t".into(),
                settings,
                conversation: Some(conversation(ConversationStatus::Active)),
                agents_online: true,
                callback: None,
                resolutions: vec![],
            },
            VisitorEvent::History {
                conversation_id: ConversationId(42),
                reset: true,
                messages: vec![message(1, Author::Visitor), message(2, Author::Agent), message(3, Author::System)],
            },
            VisitorEvent::History { conversation_id: ConversationId(42), reset: false, messages: vec![] },
            VisitorEvent::Message { message: message(9, Author::Agent) },
            VisitorEvent::Ack { client_id: ClientId::parse("abc").unwrap(), seq: 9 },
            VisitorEvent::Conversation { conversation: bare },
            VisitorEvent::Conversation { conversation: conversation(ConversationStatus::Ended) },
            VisitorEvent::Typing { on: true, name: "Mei".into() },
            VisitorEvent::Read { seq: 4 },
            VisitorEvent::Error { error: ErrorBody { code: ErrorCode::RateLimited, message: "slow down".into() } },
            VisitorEvent::Reconnect { after_ms: 1500 },
            VisitorEvent::MessageLeft,
        ]
    }

    #[test]
    fn reads_every_event_exactly_as_serde_wrote_it() {
        for event in every_event() {
            let value = serde_json::to_value(&event).unwrap();
            assert_eq!(decode_visitor_event(&value).as_ref(), Some(&event), "{value}");
        }
    }

    #[test]
    fn every_error_code_and_author_round_trips() {
        for code in ErrorCode::ALL {
            let value = serde_json::to_value(code).unwrap();
            assert_eq!(ErrorCode::parse(value.as_str().unwrap()), Some(code));
        }
        for author in [Author::Visitor, Author::Agent, Author::System] {
            let value = serde_json::to_value(author).unwrap();
            assert_eq!(Author::parse(value.as_str().unwrap()), Some(author));
        }
        for field in [PreChatField::Name, PreChatField::Email, PreChatField::Topic] {
            let value = serde_json::to_value(field).unwrap();
            assert_eq!(PreChatField::parse(value.as_str().unwrap()), Some(field));
        }
    }

    #[test]
    fn rejects_what_serde_rejects() {
        for bad in [r#"{"type":"nope"}"#, r#"{"type":"ack","seq":1}"#, r#"{"type":"read","seq":1.5}"#, r#"{"type":"read","seq":-1}"#, r#"{"seq":1}"#] {
            let value: Value = serde_json::from_str(bad).unwrap();
            assert_eq!(decode_visitor_event(&value), None, "{bad}");
            assert!(serde_json::from_value::<VisitorEvent>(value).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_a_double_cannot_hold_exactly_are_refused_not_rounded() {
        // Found by the fuzz test: 2^53 + 1 arrives in JS as 2^53.
        let value: Value = serde_json::from_str(r#"{"type":"read","seq":9007199254740993}"#).unwrap();
        assert_eq!(decode_visitor_event(&value), None);
        let value: Value = serde_json::from_str(r#"{"type":"read","seq":9007199254740991}"#).unwrap();
        assert_eq!(decode_visitor_event(&value), Some(VisitorEvent::Read { seq: 9_007_199_254_740_991 }));
    }

    #[test]
    fn serde_reads_every_frame_exactly_as_written() {
        let page = PageInfo { url: "https://shop.example/p?a=1&b=\"2\"".into(), title: "Tea \\ \u{1}\t — 茶".into() };
        let frames = vec![
            VisitorFrame::Hello { v: 1, token: None, resume: None, page: page.clone(), locale: "zh-Hant".into() },
            VisitorFrame::Hello {
                v: 1,
                token: Some("tok".into()),
                resume: Some(Resume { conversation_id: ConversationId(42), last_seq: 9 }),
                page: page.clone(),
                locale: "en".into(),
            },
            VisitorFrame::StartChat { prechat: PreChat { name: "Ada \"A\"".into(), email: "a@b.c".into(), topic: String::new() } },
            VisitorFrame::Send { client_id: ClientId::parse("abc").unwrap(), text: crate::MessageText::parse("line\nline\r\n<b>x</b> 你好 😀").unwrap() },
            VisitorFrame::Typing { on: true },
            VisitorFrame::Typing { on: false },
            VisitorFrame::Read { seq: 12 },
            VisitorFrame::Page { page },
            VisitorFrame::EndChat,
            VisitorFrame::LoadOlder { before_seq: 51 },
            VisitorFrame::LeaveMessage { text: crate::MessageText::parse("请回电 \"urgent\"").unwrap() },
        ];
        // The callback module writes these; lean writes nothing for them.
        let callback_frames = vec![
            VisitorFrame::EmailTranscript { conversation_id: ConversationId(4), email: "ada@example.com".into() },
            VisitorFrame::CallbackOptions,
            VisitorFrame::RequestCallback {
                request: crate::callback::CallbackRequest {
                    name: "陳 \"Ann\"".into(),
                    phone: "0912 345 678".into(),
                    country: "TW".into(),
                    topic: "billing".into(),
                    at_ms: Some(1_800_000_000_000),
                },
            },
            VisitorFrame::RequestCallback {
                request: crate::callback::CallbackRequest { name: "A".into(), phone: "+1 650".into(), country: "".into(), topic: "".into(), at_ms: None },
            },
            VisitorFrame::CancelCallback { callback_id: crate::CallbackId(7) },
            VisitorFrame::RescheduleCallback { callback_id: crate::CallbackId(7), at_ms: None },
            VisitorFrame::RescheduleCallback { callback_id: crate::CallbackId(7), at_ms: Some(5) },
        ];
        for frame in callback_frames {
            assert_eq!(encode_visitor_frame(&frame), "", "{frame:?}");
        }
        for frame in frames {
            let json = encode_visitor_frame(&frame);
            assert_eq!(serde_json::from_str::<VisitorFrame>(&json).unwrap(), frame, "{json}");
            assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), serde_json::to_value(&frame).unwrap());
        }
    }

    #[test]
    fn reads_the_boot_document() {
        let boot = WidgetBoot { settings: WidgetSettings::default(), agents_online: true, css: String::new(), articles: false };
        assert_eq!(decode_widget_boot(&serde_json::to_value(&boot).unwrap()), Some(boot));
    }
}
