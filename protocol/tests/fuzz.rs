//! A million random and mutated frames through every decoder: serde's for
//! all four frame types (what the server and the console run) and the
//! widget's `lean` codec. None may panic, and where serde and `lean` both
//! accept a visitor event they must read the same thing.
//!
//! The inputs come from a seeded generator, so a failure repeats; the seed
//! and the input are printed when one does. `RAPPORT_FUZZ_CASES` changes
//! the count (default 1,000,000).

use protocol::agent::{AgentEvent, AgentFrame, AgentInfo, ConversationSummary, Offer, Presence, Role, TransferInfo, TransferTarget, VisitorCard};
use protocol::lean::{decode_visitor_event, decode_widget_boot, encode_visitor_frame, Source};
use protocol::visitor::{PageInfo, Resume, VisitorConversation, VisitorEvent, VisitorFrame, WidgetBoot, WidgetSettings};
use protocol::{AgentId, Author, ChatMessage, ClientId, ConversationId, ConversationStatus, ErrorBody, ErrorCode, MessageText, PreChat, VisitorId};
use serde_json::Value;

/// A `serde_json::Value` read the way the widget reads `JSON.parse`'s result.
struct Json(Value);

impl Source for Json {
    fn field(&self, name: &str) -> Option<Self> {
        self.0.get(name).cloned().map(Json)
    }
    fn as_str(&self) -> Option<String> {
        self.0.as_str().map(str::to_string)
    }
    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }
    fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }
    fn is_null(&self) -> bool {
        self.0.is_null()
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.0.as_array().map(|a| a.iter().cloned().map(Json).collect())
    }
}

/// xorshift64*: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn id(s: &str) -> ClientId {
    ClientId::parse(s).expect("a valid test id")
}

fn message(seq: u64) -> ChatMessage {
    ChatMessage {
        seq,
        client_id: id(&format!("c{seq}")),
        author: Author::Agent,
        author_name: "林美 Mei".into(),
        text: "你好 <b>hi</b> \"q\"".into(),
        sent_at_ms: 1_763_000_000_000,
        file: None,
    }
}

fn card() -> VisitorCard {
    VisitorCard {
        visitor_id: VisitorId(3),
        prechat: PreChat { name: "Ada".into(), email: "a@b.co".into(), topic: "Billing".into() },
        page: PageInfo { url: "https://shop.example/?q=1".into(), title: "Shop".into() },
        locale: "zh-Hant".into(),
        site_name: "Shop".into(),
    }
}

/// One valid frame of every kind, as the wire carries them.
fn seeds() -> Vec<String> {
    let conversation = VisitorConversation {
        id: ConversationId(42),
        status: ConversationStatus::Queued,
        agent_name: Some("Mei".into()),
        queue_position: Some(3),
        agent_read_seq: 2,
        prechat: PreChat::default(),
        estimated_wait_secs: Some(120),
        unavailable: None,
        rating: None,
    };
    let visitor_events = vec![
        VisitorEvent::Welcome {
            v: 1,
            token: "t0k".into(),
            settings: WidgetSettings::default(),
            conversation: Some(conversation.clone()),
            agents_online: true,
            callback: None,
            resolutions: vec![],
        },
        VisitorEvent::History { conversation_id: ConversationId(42), reset: true, messages: vec![message(1), message(2)] },
        VisitorEvent::Message { message: message(7) },
        VisitorEvent::Ack { client_id: id("abc"), seq: 9 },
        VisitorEvent::Conversation { conversation },
        VisitorEvent::Typing { on: true, name: "Mei".into() },
        VisitorEvent::Read { seq: 4 },
        VisitorEvent::Error { error: ErrorBody { code: ErrorCode::LimitReached, message: "no".into() } },
        VisitorEvent::Reconnect { after_ms: 900 },
    ];
    let visitor_frames = vec![
        VisitorFrame::Hello {
            v: 1,
            token: Some("t".into()),
            resume: Some(Resume { conversation_id: ConversationId(1), last_seq: 3 }),
            page: PageInfo::default(),
            locale: "en".into(),
        },
        VisitorFrame::StartChat { prechat: PreChat { name: "Ada".into(), email: "a@b.co".into(), topic: "x".into() } },
        VisitorFrame::Send { client_id: id("m1"), text: MessageText::parse("hello 你好").expect("valid") },
        VisitorFrame::Typing { on: false },
        VisitorFrame::Read { seq: 5 },
        VisitorFrame::Page { page: PageInfo { url: "https://a.example/".into(), title: "A".into() } },
        VisitorFrame::EndChat,
        VisitorFrame::LoadOlder { before_seq: 51 },
        VisitorFrame::LeaveMessage { text: MessageText::parse("call me").expect("valid") },
    ];
    let summary = ConversationSummary {
        id: ConversationId(1),
        status: ConversationStatus::Active,
        visitor: card(),
        last_seq: 3,
        visitor_read_seq: 1,
        started_at_ms: 5,
        channel: protocol::Channel::Chat,
    };
    let agent_events = [
        AgentEvent::Welcome {
            v: 1,
            agent: AgentInfo { id: AgentId(2), name: "Mei".into(), email: "m@x.co".into(), role: Role::Agent },
            presence: Presence::Away,
            away_reason: "missed".into(),
        },
        AgentEvent::Offer {
            offer: Offer {
                conversation_id: ConversationId(1),
                visitor: card(),
                preview: "hi".into(),
                expires_in_ms: 30_000,
                queue_name: "Billing".into(),
                transfer: Some(TransferInfo { from_agent: "Sam".into(), note: "refund".into() }),
                channel: protocol::Channel::Callback,
            },
        },
        AgentEvent::WrapUp { conversation_id: ConversationId(1), codes: vec!["sale".into()], default_code: "other".into(), expires_in_ms: 60_000 },
        AgentEvent::Conversation { conversation: summary },
        AgentEvent::History { conversation_id: ConversationId(1), reset: false, messages: vec![message(1)] },
        AgentEvent::Ack { conversation_id: ConversationId(1), client_id: id("a1"), seq: 2 },
        AgentEvent::Read { conversation_id: ConversationId(1), seq: 2 },
    ];
    let agent_frames = [
        AgentFrame::Hello { v: 1, last_seqs: vec![(ConversationId(1), 3)] },
        AgentFrame::SetPresence { presence: Presence::Away, reason: "lunch".into() },
        AgentFrame::Transfer { conversation_id: ConversationId(1), to: TransferTarget::Agent { agent_id: AgentId(3) }, note: "VIP".into() },
        AgentFrame::WrapUp { conversation_id: ConversationId(1), code: "sale".into() },
        AgentFrame::Send { conversation_id: ConversationId(1), client_id: id("a2"), text: MessageText::parse("ok").expect("valid") },
        AgentFrame::LoadOlder { conversation_id: ConversationId(1), before_seq: 10 },
    ];
    let mut out: Vec<String> = Vec::new();
    out.extend(visitor_events.iter().map(|e| serde_json::to_string(e).expect("encodes")));
    out.extend(visitor_frames.iter().map(|f| serde_json::to_string(f).expect("encodes")));
    out.extend(visitor_frames.iter().map(encode_visitor_frame));
    out.extend(agent_events.iter().map(|e| serde_json::to_string(e).expect("encodes")));
    out.extend(agent_frames.iter().map(|f| serde_json::to_string(f).expect("encodes")));
    out.push(
        serde_json::to_string(&WidgetBoot { settings: WidgetSettings::default(), agents_online: false, css: String::new(), articles: false }).expect("encodes"),
    );
    out
}

/// Values that tend to break decoders where a field's value was.
const TOKENS: &[&str] = &[
    "null",
    "true",
    "0",
    "-1",
    "1.5",
    "1e309",
    "-0",
    "9007199254740993",
    "18446744073709551616",
    "\"\"",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "[]",
    "{}",
    "[[[[",
    "\"a\"",
    "\"message\"",
    "\"welcome\"",
    "\"history\"",
    "\"ack\"",
    "\"send\"",
    "{\"type\":\"ack\"}",
    "\"🍵\"",
];

fn mutate(rng: &mut Rng, seeds: &[String], input: &str) -> String {
    let mut bytes = input.as_bytes().to_vec();
    for _ in 0..=rng.below(3) {
        let len = bytes.len().max(1);
        match rng.below(8) {
            0 => {
                let at = rng.below(len);
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 => bytes.insert(rng.below(len + 1).min(bytes.len()), rng.next() as u8),
            2 => {
                let at = rng.below(len);
                let end = (at + rng.below(16)).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            3 => bytes.truncate(rng.below(len)),
            4 => {
                // Replace a value (after a colon) with a troublesome token.
                let colons: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == b':').map(|(i, _)| i).collect();
                if let Some(&at) = colons.get(rng.below(colons.len())) {
                    let end = bytes[at + 1..].iter().position(|b| *b == b',' || *b == b'}').map_or(bytes.len(), |p| at + 1 + p);
                    let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                    bytes.splice(at + 1..end, token.iter().copied());
                }
            }
            5 => {
                // Splice in a piece of another frame.
                let other = seeds[rng.below(seeds.len())].as_bytes();
                let from = rng.below(other.len());
                let piece = &other[from..(from + rng.below(40)).min(other.len())];
                let at = rng.below(len + 1).min(bytes.len());
                bytes.splice(at..at, piece.iter().copied());
            }
            6 => {
                let at = rng.below(len);
                let end = (at + rng.below(20)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => {
                const ALPHABET: &[u8] = b" {}[]\":,0123456789abcnultrefs-\\u";
                bytes = (0..rng.below(64)).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect();
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs every decoder on `input`; returns a description of a disagreement.
fn check(input: &str) -> Option<String> {
    let _ = serde_json::from_str::<VisitorFrame>(input);
    let _ = serde_json::from_str::<AgentFrame>(input);
    let _ = serde_json::from_str::<AgentEvent>(input);
    let mut by_serde = serde_json::from_str::<VisitorEvent>(input).ok();
    // The widget leaves the welcome's callback to the callback module, and
    // the appearance to the loader (which reads the boot's CSS).
    if let Some(VisitorEvent::Welcome { callback, settings, .. }) = by_serde.as_mut() {
        *callback = None;
        settings.side = Default::default();
        settings.launcher_label.clear();
        settings.avatar_url.clear();
    }
    let Ok(value) = serde_json::from_str::<Value>(input) else { return None };
    let by_lean = decode_visitor_event(&Json(value.clone()));
    let _ = decode_widget_boot(&Json(value));
    match (by_serde, by_lean) {
        (Some(a), Some(b)) if a != b => Some(format!("serde read {a:?}, lean read {b:?}")),
        _ => None,
    }
}

#[test]
fn a_million_hostile_frames_break_no_decoder_and_the_codecs_agree() {
    let cases: u64 = std::env::var("RAPPORT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let seeds = seeds();
    for seed in &seeds {
        assert_eq!(check(seed), None, "a valid frame: {seed}");
    }
    let mut rng = Rng(0x005E_ED0F_5A7A_C0DE);
    let mut current = seeds[0].clone();
    let mut agreed = 0u64;
    for case in 0..cases {
        // Mostly fresh mutations of a seed; sometimes mutate further.
        if rng.below(4) != 0 {
            current = seeds[rng.below(seeds.len())].clone();
        }
        current = mutate(&mut rng, &seeds, &current);
        if let Some(problem) = check(&current) {
            panic!("case {case}: {problem}\ninput: {current}");
        }
        agreed += 1;
    }
    assert_eq!(agreed, cases);
}

#[test]
fn every_frame_the_widget_writes_reads_back_the_same() {
    let mut rng = Rng(42);
    for _ in 0..20_000 {
        let text: String = (0..1 + rng.below(60))
            .map(|_| char::from_u32([0x41, 0x4F60, 0x1F375, 0x22, 0x5C, 0x3C][rng.below(6)] + rng.below(3) as u32).unwrap_or('x'))
            .collect();
        let frames = [
            VisitorFrame::Send { client_id: id(&format!("c{}", rng.next() % 1000)), text: MessageText::parse(format!("x{text}")).expect("valid") },
            VisitorFrame::Page { page: PageInfo { url: text.clone(), title: text.chars().rev().collect() } },
            VisitorFrame::StartChat { prechat: PreChat { name: text.clone(), email: String::new(), topic: text.clone() } },
            VisitorFrame::LoadOlder { before_seq: rng.next() >> 12 },
            VisitorFrame::LeaveMessage { text: MessageText::parse(format!("m{text}")).expect("valid") },
        ];
        for frame in frames {
            let json = encode_visitor_frame(&frame);
            assert_eq!(serde_json::from_str::<VisitorFrame>(&json).ok().as_ref(), Some(&frame), "{json}");
        }
    }
}
