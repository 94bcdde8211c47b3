//! The routing engine alone at contact-centre scale: 10,000 agents across
//! 50 skills (one queue per skill), every agent busy, 100,000 conversations
//! waiting. Then a working day's traffic in miniature, one event at a time:
//! a chat ends (its agent is offered the best waiting conversation of their
//! queues), the agent accepts, a new visitor arrives, a visitor leaves the
//! queue. Prints the time each event took to decide, and the decisions per
//! second (over the time spent deciding), as `name: value unit` lines.

use std::collections::BTreeMap;
use std::time::Instant;

use routing::{AgentId, AgentProfile, Arrival, Channel, ConversationId, Decision, Engine, EngineConfig, Event, QueueId, QueueSpec, RelaxStep, SiteId, SkillId};

const AGENTS: i64 = 10_000;
const SKILLS: i64 = 50;
const WAITING: usize = 100_000;
const CAPACITY: u32 = 3;
const ROUNDS: usize = 20_000;

/// A small deterministic generator, so every run routes the same day.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut engine = Engine::new(EngineConfig { offer_timeout_ms: 3_600_000, abandon_after_ms: 3_600_000, ..EngineConfig::default() });
    let mut now = 0;
    for skill in 0..SKILLS {
        let spec = QueueSpec {
            skills: vec![SkillId(skill)],
            level: 4,
            relax: vec![RelaxStep { after_ms: 30_000, level: 2 }, RelaxStep { after_ms: 60_000, level: 0 }],
            priority: (skill % 3) as i32,
            ..QueueSpec::open_to_all(SiteId(1))
        };
        engine.handle(now, Event::ConfigureQueue { queue: QueueId(skill), spec });
    }
    for agent in 0..AGENTS {
        let mut skills = BTreeMap::new();
        for _ in 0..3 {
            skills.insert(SkillId(rng.below(SKILLS as u64) as i64), 1 + rng.below(5) as u8);
        }
        let queues = skills.keys().map(|s| QueueId(s.get())).collect();
        engine.handle(now, Event::AgentAvailable { agent: AgentId(agent), profile: AgentProfile { capacity: CAPACITY, skills, queues } });
    }
    // Fill every agent, then leave 100,000 waiting.
    let mut next_conversation = 0i64;
    let mut handled: Vec<ConversationId> = Vec::new();
    let arrive = |engine: &mut Engine, now: u64, n: &mut i64, rng: &mut Rng| {
        *n += 1;
        let arrival = Arrival {
            conversation: ConversationId(*n),
            queue: QueueId(rng.below(SKILLS as u64) as i64),
            channel: Channel::Chat,
            priority: (rng.below(10) == 0) as i32,
            entered_at: now,
            sticky: None,
        };
        engine.handle(now, Event::Enqueue(arrival))
    };
    while engine.queue_len() < WAITING {
        now += 1;
        for d in arrive(&mut engine, now, &mut next_conversation, &mut rng) {
            if let Decision::Offer { conversation, agent, .. } = d {
                engine.handle(now, Event::Accept { conversation, agent });
                handled.push(conversation);
            }
        }
    }
    // Let every requirement relax, as in a long busy day.
    now += 120_000;
    engine.handle(now, Event::Tick);
    println!("agents: {AGENTS}");
    println!("skills: {SKILLS}");
    println!("waiting_at_start: {}", engine.queue_len());
    println!("handled_at_start: {}", handled.len());

    let mut times = Vec::with_capacity(ROUNDS * 4);
    let mut decisions = 0usize;
    let mut timed = |engine: &mut Engine, now: u64, event: Event, decisions: &mut usize| {
        let t = Instant::now();
        let out = engine.handle(now, event);
        times.push(t.elapsed().as_nanos() as u64);
        *decisions += out.len();
        out
    };
    for _ in 0..ROUNDS {
        now += 10;
        // A chat ends; its agent is offered the best conversation they may take.
        let i = rng.below(handled.len() as u64) as usize;
        let ended = handled.swap_remove(i);
        let out = timed(&mut engine, now, Event::Release { conversation: ended }, &mut decisions);
        for d in out {
            if let Decision::Offer { conversation, agent, .. } = d {
                timed(&mut engine, now, Event::Accept { conversation, agent }, &mut decisions);
                handled.push(conversation);
            }
        }
        // A visitor arrives, and one waiting gives up.
        next_conversation += 1;
        let arrival = Arrival {
            conversation: ConversationId(next_conversation),
            queue: QueueId(rng.below(SKILLS as u64) as i64),
            channel: Channel::Chat,
            priority: 0,
            entered_at: now,
            sticky: None,
        };
        timed(&mut engine, now, Event::Enqueue(arrival), &mut decisions);
        let gone = ConversationId(1 + rng.below(next_conversation as u64) as i64);
        timed(&mut engine, now, Event::Release { conversation: gone }, &mut decisions);
        if engine.agent_of(gone).is_none() {
            handled.retain(|c| *c != gone);
        }
    }
    let total = std::time::Duration::from_nanos(times.iter().sum());
    times.sort_unstable();
    let median = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];
    println!("events: {}", times.len());
    println!("decisions: {decisions}");
    println!("waiting_at_end: {}", engine.queue_len());
    println!("decision_median: {:.2} µs", median as f64 / 1000.0);
    println!("decision_p99: {:.2} µs", p99 as f64 / 1000.0);
    println!("decisions_per_second: {:.0}", decisions as f64 / total.as_secs_f64());
}
