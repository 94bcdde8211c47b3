//! Property tests over random histories: agents coming and going with
//! different skills and capacities, queues closing and overflowing,
//! declines, lapses, picks, transfers, wrap-ups, visitors leaving, and
//! restarts. After every event the indexes must match the state they
//! summarise, and the promises of the ACD must hold.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::tests::{billing_spec, BILLING, BILLING_Q, GENERAL, SHOP};
use super::*;
use crate::spec::{RelaxStep, Strategy as Pick};

const SMALL: QueueId = QueueId(3);
const MANUAL: QueueId = QueueId(4);
const QUEUES: [QueueId; 4] = [GENERAL, BILLING_Q, SMALL, MANUAL];

fn config() -> EngineConfig {
    EngineConfig { offer_timeout_ms: 3_000, abandon_after_ms: 7_000, sticky_ms: 1_500, chat_cost: 1, callback_cost: 2, default_handle_ms: 1_000 }
}

fn small_spec(open: bool) -> QueueSpec {
    QueueSpec { max_len: Some(2), max_wait_ms: Some(4_000), overflow: Some(GENERAL), open, wrap_up_ms: Some(2_000), ..QueueSpec::open_to_all(SHOP) }
}

fn manual_spec() -> QueueSpec {
    QueueSpec { strategy: Pick::Manual, skills: vec![BILLING], level: 3, relax: vec![RelaxStep { after_ms: 2_000, level: 0 }], ..QueueSpec::open_to_all(SHOP) }
}

fn fresh() -> Engine {
    let mut e = Engine::new(config());
    let billing = QueueSpec { relax: vec![RelaxStep { after_ms: 2_000, level: 2 }, RelaxStep { after_ms: 5_000, level: 0 }], ..billing_spec() };
    for (queue, spec) in [(GENERAL, QueueSpec::open_to_all(SHOP)), (BILLING_Q, billing), (SMALL, small_spec(true)), (MANUAL, manual_spec())] {
        e.handle(0, Event::ConfigureQueue { queue, spec });
    }
    e
}

fn event() -> impl Strategy<Value = Event> {
    let agent = (1i64..4).prop_map(AgentId);
    let conv = (1i64..9).prop_map(ConversationId);
    let queue = proptest::sample::select(QUEUES.to_vec());
    let queues = proptest::sample::subsequence(QUEUES.to_vec(), 1..=4);
    let level = proptest::option::of(1u8..=5);
    let channel = prop_oneof![4 => Just(Channel::Chat), 1 => Just(Channel::Callback)];
    let profile = (1u32..4, level, queues).prop_map(|(capacity, billing, queues)| AgentProfile {
        capacity,
        skills: billing.map(|l| (BILLING, l)).into_iter().collect(),
        queues,
    });
    let arrival = (conv.clone(), queue.clone(), channel, 0i32..3, proptest::option::of(agent.clone()))
        .prop_map(|(conversation, queue, channel, priority, sticky)| Arrival { conversation, queue, channel, priority, entered_at: 0, sticky });
    let target = prop_oneof![agent.clone().prop_map(Target::Agent), queue.prop_map(Target::Queue)];
    prop_oneof![
        3 => (agent.clone(), profile).prop_map(|(agent, profile)| Event::AgentAvailable { agent, profile }),
        1 => agent.clone().prop_map(|agent| Event::AgentUnavailable { agent }),
        4 => arrival.prop_map(Event::Enqueue),
        3 => (conv.clone(), agent.clone()).prop_map(|(conversation, agent)| Event::Accept { conversation, agent }),
        1 => (conv.clone(), agent.clone()).prop_map(|(conversation, agent)| Event::Decline { conversation, agent }),
        1 => (conv.clone(), agent.clone()).prop_map(|(conversation, agent)| Event::Pick { conversation, agent }),
        1 => (conv.clone(), agent.clone(), target).prop_map(|(conversation, agent, to)| Event::Transfer { conversation, agent, to }),
        2 => conv.clone().prop_map(|conversation| Event::Release { conversation }),
        1 => conv.clone().prop_map(|conversation| Event::WrapUp { conversation }),
        1 => conv.clone().prop_map(|conversation| Event::VisitorLeft { conversation }),
        1 => conv.prop_map(|conversation| Event::VisitorReturned { conversation }),
        1 => any::<bool>().prop_map(|open| Event::ConfigureQueue { queue: SMALL, spec: small_spec(open) }),
        3 => Just(Event::Tick),
    ]
}

fn history() -> impl Strategy<Value = Vec<(Millis, Event)>> {
    proptest::collection::vec((0u64..2_500, event()), 1..100)
}

/// Stamps arrivals with the time they happen, as the gateway does.
fn stamped(now: Millis, event: Event) -> Event {
    match event {
        Event::Enqueue(arrival) => Event::Enqueue(Arrival { entered_at: now, ..arrival }),
        other => other,
    }
}

/// Every index, rebuilt from the state it summarises, must be what the
/// engine keeps; loads, offers and handling must agree on both sides.
fn check_invariants(e: &Engine) {
    let cost = |c: &ConversationId| {
        e.waiting.get(c).map(|w| w.arrival.channel).or_else(|| e.handling.get(c).map(|h| h.arrival.channel)).map_or(0, |ch| e.config.cost(ch))
    };
    for (id, ag) in &e.agents {
        assert_eq!(ag.load, ag.offers.iter().chain(&ag.handling).map(cost).sum::<u32>(), "agent {id}'s load");
        assert!(ag.offers.is_empty() || ag.available, "agent {id} holds offers while unavailable");
        assert!(ag.offers.is_empty() || ag.load <= ag.profile.capacity, "agent {id} offered beyond capacity");
        for conv in &ag.offers {
            let w = &e.waiting[conv];
            assert_eq!(w.offer.map(|o| o.0), Some(*id));
            assert!(ag.profile.queues.contains(&w.arrival.queue), "agent {id} offered a queue they do not serve");
        }
        for conv in &ag.handling {
            assert_eq!(e.handling[conv].agent, *id);
        }
        for conv in &ag.passed {
            assert!(e.waiting[conv].passed.contains(id));
        }
    }
    let mut deadlines = BTreeSet::new();
    for (conv, h) in &e.handling {
        assert!(e.agents[&h.agent].handling.contains(conv));
        assert!(!e.waiting.contains_key(conv), "conversation {conv} both waiting and handled");
        if let Some(at) = h.wrap_up_until {
            deadlines.insert((at, Due::WrapUp, *conv));
        }
    }
    let mut open: BTreeMap<QueueId, Vec<BTreeSet<(crate::line::Place, ConversationId)>>> = BTreeMap::new();
    let mut held: BTreeMap<AgentId, BTreeSet<(crate::line::Place, ConversationId)>> = BTreeMap::new();
    for (conv, w) in &e.waiting {
        let queue = &e.queues[&w.arrival.queue];
        assert_eq!(queue.line.order.get(&w.place), Some(conv));
        assert_eq!(w.level, queue.spec.level_after(0).0.min(w.level), "levels only relax");
        match (w.offer, w.hold) {
            (Some((agent, at)), _) => {
                assert!(e.agents[&agent].offers.contains(conv));
                deadlines.insert((at, Due::Offer, *conv));
            }
            (None, Some(hold)) => {
                held.entry(hold.agent).or_default().insert((w.place, *conv));
            }
            (None, None) => {
                open.entry(w.arrival.queue).or_insert_with(|| vec![BTreeSet::new(); 6])[usize::from(w.level)].insert((w.place, *conv));
            }
        }
        if let Some(hold) = w.hold {
            deadlines.insert((hold.until, Due::Hold, *conv));
        }
        for (at, due) in [(w.relax_at, Due::Relax), (w.max_wait_at, Due::MaxWait), (w.gone_since.map(|s| s + e.config.abandon_after_ms), Due::Abandon)] {
            if let Some(at) = at {
                deadlines.insert((at, due, *conv));
            }
        }
        for agent in &w.passed {
            if let Some(a) = e.agents.get(agent) {
                assert!(a.passed.contains(conv), "passed index of agent {agent}");
            }
        }
    }
    assert_eq!(e.deadlines, deadlines, "deadlines");
    assert_eq!(e.held, held, "held conversations");
    assert_eq!(e.queues.values().map(|q| q.line.len()).sum::<usize>(), e.waiting.len());
    for (id, queue) in &e.queues {
        let expected = open.remove(id).unwrap_or_else(|| vec![BTreeSet::new(); 6]);
        assert_eq!(queue.line.open.to_vec(), expected, "open groups of queue {id}");
        let mut pool = crate::pool::Pool::default();
        for (aid, ag) in e.agents.iter().filter(|(_, a)| a.available && a.profile.queues.contains(id)) {
            pool.staffed_agents += 1;
            pool.staffed_units += u64::from(ag.profile.capacity);
            if ag.free() && queue.spec.strategy != Pick::Manual {
                pool.by_level[usize::from(queue.spec.qualification(&ag.profile.skills))].insert(Engine::pool_key_of(ag, *aid, *id, queue.spec.strategy));
            }
        }
        assert_eq!(queue.pool.by_level, pool.by_level, "pool of queue {id}");
        assert_eq!((queue.pool.staffed_agents, queue.pool.staffed_units), (pool.staffed_agents, pool.staffed_units));
    }
}

/// No open waiting conversation sits beside a free agent who could take
/// it; no held one beside its free agent.
fn check_nothing_waits_needlessly(e: &Engine) {
    for (conv, w) in e.waiting.iter().filter(|(_, w)| w.offer.is_none()) {
        let queue = &e.queues[&w.arrival.queue];
        let cost = e.config.cost(w.arrival.channel);
        let could = |id: &AgentId, ag: &Agent| {
            ag.free() && ag.room() >= cost && ag.profile.queues.contains(&w.arrival.queue) && !w.passed.contains(id) && !ag.passed.contains(conv)
        };
        match w.hold {
            Some(hold) => assert!(!e.agents.get(&hold.agent).is_some_and(|ag| could(&hold.agent, ag)), "{conv} held beside its free agent"),
            None if queue.spec.strategy != Pick::Manual => {
                let free = e.agents.iter().find(|(id, ag)| could(id, ag) && queue.spec.qualification(&ag.profile.skills) >= w.level);
                assert!(free.is_none(), "{conv} waits beside free agent {:?}", free.map(|f| f.0));
            }
            None => {}
        }
    }
}

/// What the store would hold after a crash, replayed into a new engine:
/// the queues, the conversations being handled, the waiting ones in their
/// order (with their first entry and priority), who has left, and the
/// available agents.
fn restarted(e: &Engine, now: Millis) -> Engine {
    let mut r = Engine::new(e.config.clone());
    for (id, q) in &e.queues {
        r.handle(now, Event::ConfigureQueue { queue: *id, spec: q.spec.clone() });
    }
    for (conv, h) in &e.handling {
        r.handle(now, Event::Restore { conversation: *conv, agent: h.agent, queue: h.arrival.queue, channel: h.arrival.channel });
    }
    let mut waiting: Vec<&Waiting> = e.waiting.values().collect();
    waiting.sort_by_key(|w| w.place.2);
    for w in waiting {
        r.handle(now, Event::Requeue(w.arrival.clone()));
        if w.gone_since.is_some() {
            r.handle(now, Event::VisitorLeft { conversation: w.arrival.conversation });
        }
    }
    for (id, ag) in e.agents.iter().filter(|(_, a)| a.available) {
        r.handle(now, Event::AgentAvailable { agent: *id, profile: ag.profile.clone() });
    }
    r
}

fn order(e: &Engine) -> BTreeMap<QueueId, Vec<ConversationId>> {
    e.queues.iter().map(|(id, q)| (*id, q.line.order.values().copied().collect())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_acd_keeps_its_promises_whatever_happens(events in history()) {
        let mut e = fresh();
        let mut now = 0;
        let mut assigned: BTreeSet<ConversationId> = BTreeSet::new();
        for (dt, ev) in events {
            now += dt;
            let ev = stamped(now, ev);
            if let Event::Release { conversation } | Event::Transfer { conversation, .. } | Event::Restore { conversation, .. } = &ev {
                if e.handling.get(conversation).is_none_or(|h| h.wrap_up_until.is_none()) {
                    assigned.remove(conversation);
                }
            }
            let closed: BTreeSet<QueueId> = e.queues.iter().filter(|(_, q)| !q.spec.open).map(|(id, _)| *id).collect();
            let entering = matches!(ev, Event::Enqueue(_));
            for d in e.handle(now, ev) {
                match d {
                    Decision::Assign { conversation, .. } => prop_assert!(assigned.insert(conversation), "{} assigned twice", conversation),
                    Decision::Queued { queue, .. } if entering => prop_assert!(!closed.contains(&queue), "queued in closed queue {}", queue),
                    Decision::Offer { conversation, agent, .. } => {
                        let w = &e.waiting[&conversation];
                        if let Some((a, _)) = w.offer.filter(|_| w.hold.is_none()) {
                            prop_assert_eq!(a, agent);
                            let q = &e.queues[&w.arrival.queue];
                            prop_assert!(q.spec.qualification(&e.agents[&agent].profile.skills) >= w.level, "{} offered to an unqualified agent", conversation);
                        }
                    }
                    _ => {}
                }
            }
            check_invariants(&e);
            check_nothing_waits_needlessly(&e);
            e.changed_positions();
            for conv in e.waiting.keys() {
                prop_assert_eq!(e.told_positions.get(conv).copied(), e.position(*conv), "told positions are the true places");
            }
        }
    }

    #[test]
    fn every_waiting_conversation_is_eventually_offered_or_falls_back(events in history()) {
        let mut e = fresh();
        let mut now = 0;
        for (dt, ev) in events {
            now += dt;
            e.handle(now, stamped(now, ev));
        }
        // Time passes (every hold, relaxation and offer runs out), and an
        // expert with room for everything comes in.
        e.handle(now + 1_000_000, Event::Tick);
        let expert = AgentProfile { capacity: 100, skills: [(BILLING, 5)].into(), queues: QUEUES.to_vec() };
        e.handle(now + 1_000_000, Event::AgentAvailable { agent: AgentId(99), profile: expert });
        for (conv, w) in &e.waiting {
            if w.arrival.queue != MANUAL {
                prop_assert!(w.offer.is_some(), "{} still waits unoffered", conv);
            } else {
                prop_assert!(e.may_pick(*conv, AgentId(99)), "{} cannot be picked", conv);
            }
        }
        check_invariants(&e);
    }

    #[test]
    fn a_restart_restores_the_same_queues_and_assignments(events in history()) {
        let mut e = fresh();
        let mut now = 0;
        for (dt, ev) in events {
            now += dt;
            e.handle(now, stamped(now, ev));
        }
        let r = restarted(&e, now);
        check_invariants(&r);
        check_nothing_waits_needlessly(&r);
        let waiting: BTreeSet<_> = e.waiting.keys().collect();
        prop_assert_eq!(waiting, r.waiting.keys().collect::<BTreeSet<_>>());
        let handling: BTreeMap<_, _> = e.handling.iter().map(|(c, h)| (*c, h.agent)).collect();
        prop_assert_eq!(handling, r.handling.iter().map(|(c, h)| (*c, h.agent)).collect::<BTreeMap<_, _>>());
        prop_assert_eq!(order(&e), order(&r));
    }

    #[test]
    fn the_engine_is_deterministic(events in history()) {
        let run = |events: &[(Millis, Event)]| {
            let mut e = fresh();
            let mut now = 0;
            events.iter().map(|(dt, ev)| { now += dt; e.handle(now, stamped(now, ev.clone())) }).collect::<Vec<_>>()
        };
        prop_assert_eq!(run(&events), run(&events));
    }

    #[test]
    fn first_in_first_out_within_equal_priority_and_skill(priorities in proptest::collection::vec(0i32..3, 2..30), capacity in 1u32..4) {
        let mut e = fresh();
        for (i, priority) in priorities.iter().enumerate() {
            let arrival = Arrival { conversation: ConversationId(i as i64), queue: GENERAL, channel: Channel::Chat, priority: *priority, entered_at: i as u64, sticky: None };
            e.handle(i as u64, Event::Enqueue(arrival));
        }
        let offered = |ds: Vec<Decision>| ds.into_iter().filter_map(|d| match d { Decision::Offer { conversation, .. } => Some(conversation), _ => None }).collect::<Vec<_>>();
        let mut served = offered(e.handle(100, Event::AgentAvailable { agent: AgentId(1), profile: AgentProfile { capacity, skills: BTreeMap::new(), queues: vec![GENERAL] } }));
        while let Some((conversation, _)) = e.offers_held_by(AgentId(1)).first().copied() {
            served.extend(offered(e.handle(101, Event::Accept { conversation, agent: AgentId(1) })));
            served.extend(offered(e.handle(102, Event::Release { conversation })));
        }
        let mut expected: Vec<(std::cmp::Reverse<i32>, usize)> = priorities.iter().enumerate().map(|(i, p)| (std::cmp::Reverse(*p), i)).collect();
        expected.sort();
        let expected: Vec<ConversationId> = expected.into_iter().map(|(_, i)| ConversationId(i as i64)).collect();
        prop_assert_eq!(served, expected);
    }
}
