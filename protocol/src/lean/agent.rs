//! The lean codec for the console's side of the wire: the agent socket's
//! events and frames, and the few REST bodies the inbox reads (who am I,
//! the transfer directory, messages left). The console downloads it instead
//! of serde's derived deserializers, for the same reason as the widget
//! (see the parent module); the tests check it against serde both ways.

use super::{boolean, client_id, int, int_of, list, optional, string, Source, Writer};
use crate::agent::{
    AgentEvent, AgentFrame, AgentInfo, ConversationSummary, Directory, DirectoryAgent, DirectoryQueue, LeftMessage, Offer, Pickable, Presence, Role,
    TransferInfo, TransferTarget, VisitorCard,
};
use crate::visitor::PageInfo;
use crate::{AgentId, ConversationId, ConversationStatus, ErrorBody, QueueId, SiteId, VisitorId};

/// A `#[serde(default)]` string: absent is empty, present must be one.
fn text_or_empty<S: Source>(s: &S, name: &str) -> Option<String> {
    match s.field(name) {
        None => Some(String::new()),
        Some(v) => v.as_str(),
    }
}

pub fn decode_agent_event<S: Source>(s: &S) -> Option<AgentEvent> {
    let conversation_id = || int(s, "conversation_id").map(ConversationId);
    Some(match string(s, "type")?.as_str() {
        "welcome" => AgentEvent::Welcome {
            v: int(s, "v")?,
            agent: decode_agent_info(&s.field("agent")?)?,
            presence: Presence::parse(&string(s, "presence")?)?,
            away_reason: text_or_empty(s, "away_reason")?,
        },
        "presence" => AgentEvent::Presence { presence: Presence::parse(&string(s, "presence")?)?, away_reason: text_or_empty(s, "away_reason")? },
        "wrap_up" => AgentEvent::WrapUp {
            conversation_id: conversation_id()?,
            codes: list(s, "codes", Source::as_str)?,
            default_code: string(s, "default_code")?,
            expires_in_ms: int(s, "expires_in_ms")?,
        },
        "wrapped_up" => AgentEvent::WrappedUp { conversation_id: conversation_id()? },
        "offer" => AgentEvent::Offer { offer: offer(&s.field("offer")?)? },
        "offer_revoked" => AgentEvent::OfferRevoked { conversation_id: conversation_id()? },
        "conversation" => AgentEvent::Conversation { conversation: summary(&s.field("conversation")?)? },
        "history" => AgentEvent::History { conversation_id: conversation_id()?, reset: boolean(s, "reset")?, messages: list(s, "messages", super::message)? },
        "message" => AgentEvent::Message { conversation_id: conversation_id()?, message: super::message(&s.field("message")?)? },
        "ack" => AgentEvent::Ack { conversation_id: conversation_id()?, client_id: client_id(s, "client_id")?, seq: int(s, "seq")? },
        "typing" => AgentEvent::Typing { conversation_id: conversation_id()?, on: boolean(s, "on")? },
        "read" => AgentEvent::Read { conversation_id: conversation_id()?, seq: int(s, "seq")? },
        "error" => AgentEvent::Error { error: decode_error_body(&s.field("error")?)? },
        "reconnect" => AgentEvent::Reconnect { after_ms: int(s, "after_ms")? },
        _ => return None,
    })
}

pub fn decode_error_body<S: Source>(s: &S) -> Option<ErrorBody> {
    Some(ErrorBody { code: crate::ErrorCode::parse(&string(s, "code")?)?, message: string(s, "message")? })
}

pub fn decode_agent_info<S: Source>(s: &S) -> Option<AgentInfo> {
    Some(AgentInfo { id: AgentId(int(s, "id")?), name: string(s, "name")?, email: string(s, "email")?, role: Role::parse(&string(s, "role")?)? })
}

fn card<S: Source>(s: &S) -> Option<VisitorCard> {
    let page = s.field("page")?;
    Some(VisitorCard {
        visitor_id: VisitorId(int(s, "visitor_id")?),
        prechat: super::prechat(&s.field("prechat")?)?,
        page: PageInfo { url: string(&page, "url")?, title: string(&page, "title")? },
        locale: string(s, "locale")?,
        site_name: string(s, "site_name")?,
    })
}

fn offer<S: Source>(s: &S) -> Option<Offer> {
    Some(Offer {
        conversation_id: ConversationId(int(s, "conversation_id")?),
        visitor: card(&s.field("visitor")?)?,
        preview: string(s, "preview")?,
        expires_in_ms: int(s, "expires_in_ms")?,
        queue_name: text_or_empty(s, "queue_name")?,
        transfer: optional(s, "transfer", |t| Some(TransferInfo { from_agent: string(t, "from_agent")?, note: string(t, "note")? }))?,
        channel: channel(s)?,
    })
}

fn summary<S: Source>(s: &S) -> Option<ConversationSummary> {
    Some(ConversationSummary {
        id: ConversationId(int(s, "id")?),
        status: ConversationStatus::parse(&string(s, "status")?)?,
        visitor: card(&s.field("visitor")?)?,
        last_seq: int(s, "last_seq")?,
        visitor_read_seq: int(s, "visitor_read_seq")?,
        started_at_ms: int(s, "started_at_ms")?,
        channel: channel(s)?,
    })
}

/// A chat unless it says otherwise (serde's default).
fn channel<S: Source>(s: &S) -> Option<crate::Channel> {
    optional(s, "channel", |v| crate::Channel::parse(&v.as_str()?)).map(Option::unwrap_or_default)
}

pub fn decode_directory<S: Source>(s: &S) -> Option<Directory> {
    Some(Directory {
        agents: list(s, "agents", |a| Some(DirectoryAgent { id: AgentId(int(a, "id")?), name: string(a, "name")?, available: boolean(a, "available")? }))?,
        queues: list(s, "queues", |q| {
            Some(DirectoryQueue { id: QueueId(int(q, "id")?), name: string(q, "name")?, site_name: string(q, "site_name")?, open: boolean(q, "open")? })
        })?,
    })
}

pub fn decode_left_message<S: Source>(s: &S) -> Option<LeftMessage> {
    Some(LeftMessage {
        id: int(s, "id")?,
        site_id: SiteId(int(s, "site_id")?),
        queue_id: optional(s, "queue_id", |v| int_of(v).map(QueueId))?,
        visitor_id: VisitorId(int(s, "visitor_id")?),
        conversation_id: optional(s, "conversation_id", |v| int_of(v).map(ConversationId))?,
        name: string(s, "name")?,
        email: string(s, "email")?,
        text: string(s, "text")?,
        created_at_ms: int(s, "created_at_ms")?,
    })
}

pub fn decode_pickable<S: Source>(s: &S) -> Option<Pickable> {
    Some(Pickable {
        conversation_id: ConversationId(int(s, "conversation_id")?),
        queue_name: string(s, "queue_name")?,
        visitor: card(&s.field("visitor")?)?,
        entered_at_ms: int(s, "entered_at_ms")?,
    })
}

/// Writes a frame as serde would.
pub fn encode_agent_frame(frame: &AgentFrame) -> String {
    let mut w = Writer::new(match frame {
        AgentFrame::Hello { .. } => "hello",
        AgentFrame::SetPresence { .. } => "set_presence",
        AgentFrame::Accept { .. } => "accept",
        AgentFrame::Pick { .. } => "pick",
        AgentFrame::Transfer { .. } => "transfer",
        AgentFrame::WrapUp { .. } => "wrap_up",
        AgentFrame::Decline { .. } => "decline",
        AgentFrame::Send { .. } => "send",
        AgentFrame::Typing { .. } => "typing",
        AgentFrame::Read { .. } => "read",
        AgentFrame::End { .. } => "end",
        AgentFrame::LoadOlder { .. } => "load_older",
    });
    match frame {
        AgentFrame::Hello { v, last_seqs } => {
            w.key("v").raw(&v.to_string()).key("last_seqs").raw("[");
            for (i, (conversation, seq)) in last_seqs.iter().enumerate() {
                w.raw(if i == 0 { "[" } else { ",[" }).raw(&conversation.to_string()).raw(",").raw(&seq.to_string()).raw("]");
            }
            w.raw("]");
        }
        AgentFrame::SetPresence { presence, reason } => {
            w.key("presence").string(presence.as_str()).key("reason").string(reason);
        }
        AgentFrame::Accept { conversation_id }
        | AgentFrame::Pick { conversation_id }
        | AgentFrame::Decline { conversation_id }
        | AgentFrame::End { conversation_id } => {
            w.key("conversation_id").raw(&conversation_id.to_string());
        }
        AgentFrame::Transfer { conversation_id, to, note } => {
            w.key("conversation_id").raw(&conversation_id.to_string()).key("to");
            match to {
                TransferTarget::Agent { agent_id } => w.raw("{\"kind\":\"agent\",\"agent_id\":").raw(&agent_id.to_string()),
                TransferTarget::Queue { queue_id } => w.raw("{\"kind\":\"queue\",\"queue_id\":").raw(&queue_id.to_string()),
            };
            w.raw("}").key("note").string(note);
        }
        AgentFrame::WrapUp { conversation_id, code } => {
            w.key("conversation_id").raw(&conversation_id.to_string()).key("code").string(code);
        }
        AgentFrame::Send { conversation_id, client_id, text } => {
            w.key("conversation_id").raw(&conversation_id.to_string());
            w.key("client_id").string(client_id.as_str()).key("text").string(text.as_str());
        }
        AgentFrame::Typing { conversation_id, on } => {
            w.key("conversation_id").raw(&conversation_id.to_string()).key("on").raw(if *on { "true" } else { "false" });
        }
        AgentFrame::Read { conversation_id, seq } => {
            w.key("conversation_id").raw(&conversation_id.to_string()).key("seq").raw(&seq.to_string());
        }
        AgentFrame::LoadOlder { conversation_id, before_seq } => {
            w.key("conversation_id").raw(&conversation_id.to_string()).key("before_seq").raw(&before_seq.to_string());
        }
    }
    w.finish()
}

/// The login body (`protocol::rest::LoginRequest`).
pub fn encode_login(email: &str, password: &str) -> String {
    let mut w = Writer { out: String::new() };
    w.raw("{\"email\":").string(email).raw(",\"password\":").string(password);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::LoginRequest;
    use crate::visitor::PageInfo;
    use crate::{Author, ChatMessage, ClientId, ErrorCode, MessageText, PreChat};
    use serde_json::Value;

    fn card() -> VisitorCard {
        VisitorCard {
            visitor_id: VisitorId(7),
            prechat: PreChat { name: "林美 \"Mei\"".into(), email: "mei@example.com".into(), topic: "Billing".into() },
            page: PageInfo { url: "https://shop.example/p?a=1".into(), title: "Tea — 茶".into() },
            locale: "zh-Hant".into(),
            site_name: "Northwind".into(),
        }
    }

    fn message() -> ChatMessage {
        ChatMessage {
            seq: 3,
            client_id: ClientId::parse("c3").unwrap(),
            author: Author::Visitor,
            author_name: "Mei".into(),
            text: "你好\n<b>".into(),
            sent_at_ms: 1_763_000_000_000,
            file: None,
        }
    }

    fn every_event() -> Vec<AgentEvent> {
        let agent = AgentInfo { id: AgentId(1), name: "Ada".into(), email: "ada@example.com".into(), role: Role::Supervisor };
        let offer = Offer {
            conversation_id: ConversationId(42),
            visitor: card(),
            preview: "hi".into(),
            expires_in_ms: 30_000,
            queue_name: "General".into(),
            transfer: None,
            channel: crate::Channel::Chat,
        };
        let transferred = Offer { transfer: Some(TransferInfo { from_agent: "Bo".into(), note: "VIP, \"urgent\"".into() }), ..offer.clone() };
        let callback = Offer { channel: crate::Channel::Callback, ..offer.clone() };
        let summary = ConversationSummary {
            id: ConversationId(42),
            status: ConversationStatus::Active,
            visitor: card(),
            last_seq: 9,
            visitor_read_seq: 8,
            started_at_ms: 1,
            channel: crate::Channel::Chat,
        };
        let callback_summary = ConversationSummary { channel: crate::Channel::Callback, ..summary.clone() };
        vec![
            AgentEvent::Welcome { v: 1, agent, presence: Presence::Away, away_reason: "lunch".into() },
            AgentEvent::Presence { presence: Presence::Available, away_reason: String::new() },
            AgentEvent::WrapUp {
                conversation_id: ConversationId(42),
                codes: vec!["refund".into(), "question".into()],
                default_code: "none".into(),
                expires_in_ms: 60_000,
            },
            AgentEvent::WrappedUp { conversation_id: ConversationId(42) },
            AgentEvent::Offer { offer },
            AgentEvent::Offer { offer: transferred },
            AgentEvent::Offer { offer: callback },
            AgentEvent::OfferRevoked { conversation_id: ConversationId(42) },
            AgentEvent::Conversation { conversation: summary },
            AgentEvent::Conversation { conversation: callback_summary },
            AgentEvent::History { conversation_id: ConversationId(42), reset: true, messages: vec![message(), message()] },
            AgentEvent::Message { conversation_id: ConversationId(42), message: message() },
            AgentEvent::Ack { conversation_id: ConversationId(42), client_id: ClientId::parse("abc").unwrap(), seq: 4 },
            AgentEvent::Typing { conversation_id: ConversationId(42), on: true },
            AgentEvent::Read { conversation_id: ConversationId(42), seq: 4 },
            AgentEvent::Error { error: ErrorBody { code: ErrorCode::NotFound, message: "gone".into() } },
            AgentEvent::Reconnect { after_ms: 1_500 },
        ]
    }

    #[test]
    fn reads_every_event_exactly_as_serde_wrote_it() {
        for event in every_event() {
            let value = serde_json::to_value(&event).unwrap();
            assert_eq!(decode_agent_event(&value).as_ref(), Some(&event), "{value}");
        }
    }

    #[test]
    fn defaults_are_read_as_serde_reads_them() {
        let value: Value = serde_json::from_str(r#"{"type":"presence","presence":"offline"}"#).unwrap();
        assert_eq!(decode_agent_event(&value), Some(AgentEvent::Presence { presence: Presence::Offline, away_reason: String::new() }));
        for bad in [
            r#"{"type":"presence","presence":"busy"}"#,
            r#"{"type":"presence","presence":"away","away_reason":null}"#,
            r#"{"type":"ack","conversation_id":1,"seq":1}"#,
        ] {
            let value: Value = serde_json::from_str(bad).unwrap();
            assert_eq!(decode_agent_event(&value), None, "{bad}");
            assert!(serde_json::from_value::<AgentEvent>(value).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_the_rest_bodies_as_serde_wrote_them() {
        let directory = Directory {
            agents: vec![DirectoryAgent { id: AgentId(2), name: "Bo".into(), available: true }],
            queues: vec![DirectoryQueue { id: QueueId(3), name: "Billing".into(), site_name: "Northwind".into(), open: false }],
        };
        assert_eq!(decode_directory(&serde_json::to_value(&directory).unwrap()), Some(directory));
        let left = LeftMessage {
            id: 5,
            site_id: SiteId(1),
            queue_id: None,
            visitor_id: VisitorId(7),
            conversation_id: Some(ConversationId(42)),
            name: "Mei".into(),
            email: "mei@example.com".into(),
            text: "請回電".into(),
            created_at_ms: 9,
        };
        assert_eq!(decode_left_message(&serde_json::to_value(&left).unwrap()), Some(left));
        let pickable = Pickable { conversation_id: ConversationId(42), queue_name: "Sales".into(), visitor: card(), entered_at_ms: 1_763_000_000_000 };
        assert_eq!(decode_pickable(&serde_json::to_value(&pickable).unwrap()), Some(pickable));
        let body = ErrorBody { code: ErrorCode::Forbidden, message: "admins only".into() };
        assert_eq!(decode_error_body(&serde_json::to_value(&body).unwrap()), Some(body));
    }

    #[test]
    fn serde_reads_every_frame_exactly_as_written() {
        let c = ConversationId(42);
        let frames = vec![
            AgentFrame::Hello { v: 1, last_seqs: vec![] },
            AgentFrame::Hello { v: 1, last_seqs: vec![(c, 9), (ConversationId(43), 0)] },
            AgentFrame::SetPresence { presence: Presence::Away, reason: "training \"A\"".into() },
            AgentFrame::Accept { conversation_id: c },
            AgentFrame::Pick { conversation_id: c },
            AgentFrame::Transfer { conversation_id: c, to: TransferTarget::Agent { agent_id: AgentId(2) }, note: "VIP\n客戶".into() },
            AgentFrame::Transfer { conversation_id: c, to: TransferTarget::Queue { queue_id: QueueId(3) }, note: String::new() },
            AgentFrame::WrapUp { conversation_id: c, code: "refund".into() },
            AgentFrame::Decline { conversation_id: c },
            AgentFrame::Send {
                conversation_id: c, client_id: ClientId::parse("abc").unwrap(), text: MessageText::parse("line\r\n<b>x</b> 你好 😀").unwrap()
            },
            AgentFrame::Typing { conversation_id: c, on: false },
            AgentFrame::Read { conversation_id: c, seq: 12 },
            AgentFrame::End { conversation_id: c },
            AgentFrame::LoadOlder { conversation_id: c, before_seq: 51 },
        ];
        for frame in frames {
            let json = encode_agent_frame(&frame);
            assert_eq!(serde_json::from_str::<AgentFrame>(&json).unwrap(), frame, "{json}");
            assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), serde_json::to_value(&frame).unwrap());
        }
        let login = serde_json::from_str::<LoginRequest>(&encode_login("a\"@b.c", "pa\\ss")).unwrap();
        assert_eq!((login.email.as_str(), login.password.as_str()), ("a\"@b.c", "pa\\ss"));
    }

    #[test]
    fn every_presence_round_trips() {
        for p in [Presence::Available, Presence::Away, Presence::Offline] {
            assert_eq!(serde_json::to_value(p).unwrap(), Value::from(p.as_str()));
            assert_eq!(Presence::parse(p.as_str()), Some(p));
        }
    }
}
