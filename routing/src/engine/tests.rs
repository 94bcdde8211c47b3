use proptest::prelude::*;

use super::*;

const T: Millis = 30_000;
const GONE: Millis = 60_000;
const SHOP: SiteId = SiteId(1);
const OTHER: SiteId = SiteId(2);

fn engine() -> Engine {
    Engine::new(EngineConfig { offer_timeout_ms: T, abandon_after_ms: GONE })
}

fn a(n: i64) -> AgentId {
    AgentId(n)
}

fn c(n: i64) -> ConversationId {
    ConversationId(n)
}

fn available(agent: i64, capacity: u32) -> Event {
    Event::AgentAvailable { agent: a(agent), capacity, sites: vec![SHOP] }
}

fn enqueue(conversation: i64) -> Event {
    Event::Enqueue { conversation: c(conversation), site: SHOP }
}

fn offers(ds: &[Decision]) -> Vec<(i64, i64)> {
    ds.iter()
        .filter_map(|d| match d {
            Decision::Offer { conversation, agent, .. } => Some((conversation.0, agent.0)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_visitor_with_no_agent_waits_and_learns_their_place() {
    let mut e = engine();
    assert_eq!(e.handle(0, enqueue(1)), vec![Decision::Queued { conversation: c(1), position: 1 }]);
    assert_eq!(e.handle(1, enqueue(2)), vec![Decision::Queued { conversation: c(2), position: 2 }]);
    assert_eq!(e.changed_positions(), vec![], "nothing moved since they were told");
    // The first leaves: the second moves up.
    e.handle(2, Event::Release { conversation: c(1) });
    assert_eq!(e.changed_positions(), vec![(c(2), 1)]);
    assert_eq!(e.position(c(2)), Some(1));
}

#[test]
fn an_agent_coming_online_is_offered_the_oldest_waiting_chat() {
    let mut e = engine();
    e.handle(0, enqueue(1));
    e.handle(1, enqueue(2));
    let ds = e.handle(5, available(7, 1));
    assert_eq!(ds, vec![Decision::Offer { conversation: c(1), agent: a(7), expires_at: 5 + T }]);
    let ds = e.handle(6, enqueue(3));
    assert_eq!(ds, vec![Decision::Queued { conversation: c(3), position: 3 }], "an offered chat keeps its place");
}

#[test]
fn agents_only_receive_their_own_sites_visitors() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: a(1), capacity: 2, sites: vec![OTHER] });
    assert!(offers(&e.handle(1, enqueue(10))).is_empty(), "a shop visitor is not offered to another site's agent");
    assert!(!e.any_agent_available(SHOP));
    assert!(e.any_agent_available(OTHER));
    assert_eq!(offers(&e.handle(2, Event::Enqueue { conversation: c(11), site: OTHER })), vec![(11, 1)]);
    // The agent joins the shop as well: the waiting shop visitor is offered.
    assert_eq!(offers(&e.handle(3, Event::AgentAvailable { agent: a(1), capacity: 2, sites: vec![OTHER, SHOP] })), vec![(10, 1)]);
    // And leaving the shop takes the shop's offer back.
    let ds = e.handle(4, Event::AgentAvailable { agent: a(1), capacity: 2, sites: vec![OTHER] });
    assert_eq!(ds, vec![Decision::Revoke { conversation: c(10), agent: a(1) }]);
}

#[test]
fn the_pending_offer_can_be_looked_up_until_it_is_answered() {
    let mut e = engine();
    e.handle(0, enqueue(1));
    assert_eq!(e.offer_of(c(1)), None, "waiting, but nobody to offer it to");
    e.handle(5, available(7, 1));
    assert_eq!(e.offer_of(c(1)), Some((a(7), 5 + T)));
    e.handle(6, Event::Accept { conversation: c(1), agent: a(7) });
    assert_eq!(e.offer_of(c(1)), None, "assigned chats are no longer on offer");
}

#[test]
fn the_longest_idle_agent_gets_the_offer() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(10, available(2, 1));
    // Agent 1 has been idle longer.
    assert_eq!(offers(&e.handle(20, enqueue(100))), vec![(100, 1)]);
    e.handle(21, Event::Accept { conversation: c(100), agent: a(1) });
    e.handle(30, Event::Release { conversation: c(100) });
    // Agent 1 just finished a chat; agent 2 has been idle since 10.
    assert_eq!(offers(&e.handle(40, enqueue(101))), vec![(101, 2)]);
}

#[test]
fn accept_assigns_and_capacity_is_respected() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(1, enqueue(10));
    assert_eq!(e.handle(2, Event::Accept { conversation: c(10), agent: a(1) }), vec![Decision::Assign { conversation: c(10), agent: a(1) }]);
    // Full: the next chat waits.
    assert_eq!(e.handle(3, enqueue(11)), vec![Decision::Queued { conversation: c(11), position: 1 }]);
    assert_eq!(e.position(c(11)), Some(1));
    // Ending the first frees capacity and the waiting chat is offered.
    assert_eq!(offers(&e.handle(4, Event::Release { conversation: c(10) })), vec![(11, 1)]);
}

#[test]
fn accepting_an_offer_you_do_not_hold_is_refused() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(0, available(2, 1));
    e.handle(1, enqueue(10));
    assert_eq!(e.handle(2, Event::Accept { conversation: c(10), agent: a(2) }), vec![Decision::RefuseAccept { conversation: c(10), agent: a(2) }]);
    assert_eq!(e.handle(3, Event::Accept { conversation: c(99), agent: a(1) }), vec![Decision::RefuseAccept { conversation: c(99), agent: a(1) }]);
}

#[test]
fn decline_passes_the_chat_to_the_next_agent() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(1, available(2, 1));
    e.handle(2, enqueue(10));
    let ds = e.handle(3, Event::Decline { conversation: c(10), agent: a(1) });
    assert_eq!(ds[0], Decision::Revoke { conversation: c(10), agent: a(1) });
    assert_eq!(offers(&ds), vec![(10, 2)]);
    // Agent 2 declines too: nobody else, the chat waits.
    let ds = e.handle(4, Event::Decline { conversation: c(10), agent: a(2) });
    assert_eq!(ds, vec![Decision::Revoke { conversation: c(10), agent: a(2) }]);
    // Agent 1 toggles back to available: a fresh start.
    e.handle(5, Event::AgentUnavailable { agent: a(1) });
    assert_eq!(offers(&e.handle(6, available(1, 1))), vec![(10, 1)]);
}

#[test]
fn offers_expire_on_tick_and_move_on() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(0, available(2, 1));
    e.handle(0, enqueue(10));
    assert_eq!(e.next_deadline(), Some(T));
    assert!(e.handle(T - 1, Event::Tick).is_empty());
    let ds = e.handle(T, Event::Tick);
    assert_eq!(ds[0], Decision::Revoke { conversation: c(10), agent: a(1) });
    assert_eq!(offers(&ds), vec![(10, 2)]);
    assert_eq!(e.next_deadline(), Some(2 * T));
}

#[test]
fn an_agent_leaving_returns_their_offers_to_the_queue() {
    let mut e = engine();
    e.handle(0, available(1, 2));
    e.handle(0, enqueue(10));
    let ds = e.handle(1, Event::AgentUnavailable { agent: a(1) });
    assert_eq!(ds, vec![Decision::Revoke { conversation: c(10), agent: a(1) }]);
    assert_eq!(e.position(c(10)), Some(1));
    assert!(!e.any_agent_available(SHOP));
}

#[test]
fn a_conversation_ending_withdraws_the_offer() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(0, enqueue(10));
    assert_eq!(e.handle(1, Event::Release { conversation: c(10) }), vec![Decision::Revoke { conversation: c(10), agent: a(1) }]);
    assert_eq!(e.queue_len(), 0);
}

#[test]
fn a_visitor_gone_too_long_is_abandoned_and_one_who_returns_keeps_their_place() {
    let mut e = engine();
    e.handle(0, enqueue(10));
    e.handle(0, enqueue(11));
    e.handle(100, Event::VisitorLeft { conversation: c(10) });
    e.handle(200, Event::VisitorLeft { conversation: c(11) });
    assert_eq!(e.next_deadline(), Some(100 + GONE));
    e.handle(300, Event::VisitorReturned { conversation: c(11) });
    assert!(e.handle(99 + GONE, Event::Tick).is_empty());
    assert_eq!(e.handle(100 + GONE, Event::Tick), vec![Decision::Abandon { conversation: c(10) }]);
    assert_eq!(e.queue_len(), 1);
    assert_eq!(e.position(c(11)), Some(1));
    assert!(e.handle(10 * GONE, Event::Tick).is_empty(), "the returned visitor is not abandoned");
    assert_eq!(e.next_deadline(), None);
}

#[test]
fn abandoning_an_offered_chat_takes_the_offer_back() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(0, enqueue(10));
    e.handle(1, Event::VisitorLeft { conversation: c(10) });
    // The offer times out first and goes back to the same lone agent? No:
    // they passed on it, so it waits, and is then abandoned.
    let ds = e.handle(1 + GONE, Event::Tick);
    assert_eq!(ds, vec![Decision::Revoke { conversation: c(10), agent: a(1) }, Decision::Abandon { conversation: c(10) }]);
    assert_eq!(e.agents[&a(1)].load(), 0);
}

#[test]
fn restored_chats_count_against_capacity() {
    let mut e = engine();
    e.handle(0, Event::Restore { conversation: c(10), agent: a(1) });
    e.handle(0, enqueue(11));
    assert!(offers(&e.handle(1, available(1, 1))).is_empty());
    assert_eq!(offers(&e.handle(2, Event::Release { conversation: c(10) })), vec![(11, 1)]);
}

#[test]
fn least_loaded_agent_wins_when_agents_take_several_chats() {
    let mut e = engine();
    e.handle(0, available(1, 3));
    e.handle(5, available(2, 3));
    assert_eq!(offers(&e.handle(6, enqueue(10))), vec![(10, 1)]);
    assert_eq!(offers(&e.handle(7, enqueue(11))), vec![(11, 2)]);
    assert_eq!(offers(&e.handle(8, enqueue(12))), vec![(12, 1)]);
}

#[test]
fn enqueueing_twice_is_harmless() {
    let mut e = engine();
    e.handle(0, enqueue(1));
    assert!(e.handle(1, enqueue(1)).is_empty(), "nothing new to tell");
    assert_eq!(e.queue_len(), 1);
}

#[test]
fn a_long_queue_is_not_rescanned_per_event() {
    // With every agent full, an event elsewhere must not walk the queue:
    // the free-agent index is empty, so dispatch stops at once.
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(0, enqueue(0));
    e.handle(0, Event::Accept { conversation: c(0), agent: a(1) });
    for n in 1..20_000 {
        e.handle(n as u64, enqueue(n));
    }
    let started = std::time::Instant::now();
    for n in 20_000..21_000 {
        e.handle(n as u64, enqueue(n));
        e.handle(n as u64, Event::VisitorLeft { conversation: c(n) });
    }
    // Generous: a scan per event would take seconds in a debug build.
    assert!(started.elapsed() < std::time::Duration::from_millis(500), "2,000 events took {:?}", started.elapsed());
}

fn event() -> impl Strategy<Value = Event> {
    let agent = (1i64..4).prop_map(AgentId);
    let conv = (1i64..8).prop_map(ConversationId);
    let site = prop_oneof![Just(SHOP), Just(OTHER)];
    let sites = prop_oneof![Just(vec![SHOP]), Just(vec![OTHER]), Just(vec![SHOP, OTHER])];
    prop_oneof![
        (agent.clone(), 1u32..3, sites).prop_map(|(agent, capacity, sites)| Event::AgentAvailable { agent, capacity, sites }),
        agent.clone().prop_map(|agent| Event::AgentUnavailable { agent }),
        (conv.clone(), site).prop_map(|(conversation, site)| Event::Enqueue { conversation, site }),
        (conv.clone(), agent.clone()).prop_map(|(conversation, agent)| Event::Accept { conversation, agent }),
        (conv.clone(), agent.clone()).prop_map(|(conversation, agent)| Event::Decline { conversation, agent }),
        (conv.clone(), agent).prop_map(|(conversation, agent)| Event::Restore { conversation, agent }),
        conv.clone().prop_map(|conversation| Event::Release { conversation }),
        conv.clone().prop_map(|conversation| Event::VisitorLeft { conversation }),
        conv.prop_map(|conversation| Event::VisitorReturned { conversation }),
        Just(Event::Tick),
    ]
}

/// Checks what must hold after every event, whatever the history: loads
/// and offers agree on both sides, nothing is offered or assigned twice,
/// agents only hold their own sites' offers, and every index matches the
/// state it summarises.
fn check_invariants(e: &Engine) {
    for (id, ag) in &e.agents {
        assert!(ag.offers.is_empty() || ag.available, "agent {id} holds offers while unavailable");
        // Restored chats may exceed a capacity lowered later; offers never do.
        assert!(ag.offers.is_empty() || ag.load() <= ag.capacity, "agent {id} offered beyond capacity");
        for conv in &ag.offers {
            let w = e.waiting.get(conv).expect("offer for a waiting chat");
            assert_eq!(w.offer.map(|o| o.0), Some(*id));
            assert!(ag.sites.contains(&w.site), "agent {id} offered another site's visitor");
        }
        for conv in &ag.active {
            assert_eq!(e.assigned.get(conv), Some(id));
        }
    }
    for (conv, agent) in &e.assigned {
        assert!(e.agents[agent].active.contains(conv), "assignment not counted in the agent's load");
        assert!(!e.waiting.contains_key(conv), "conversation both waiting and assigned");
    }
    let mut offered = 0;
    for (conv, w) in &e.waiting {
        let queue = &e.sites[&w.site];
        assert_eq!(queue.order.get(&w.ticket), Some(conv));
        match w.offer {
            Some((agent, expires_at)) => {
                offered += 1;
                assert!(e.agents[&agent].offers.contains(conv));
                assert!(e.offer_deadlines.contains(&(expires_at, *conv)));
                assert!(!queue.unoffered.contains(&(w.ticket, *conv)));
            }
            None => assert!(queue.unoffered.contains(&(w.ticket, *conv))),
        }
        assert_eq!(w.gone_since.is_some(), e.abandon_deadlines.iter().any(|d| d.1 == *conv));
    }
    assert_eq!(offered, e.offer_deadlines.len());
    assert_eq!(e.sites.values().map(SiteQueue::len).sum::<usize>(), e.waiting.len());
    for (site, queue) in &e.sites {
        let ready: BTreeSet<ReadyKey> = e.agents.iter().filter(|(_, ag)| ag.sites.contains(site)).filter_map(|(id, ag)| ag.ready_key(*id)).collect();
        assert_eq!(queue.ready, ready, "free-agent index of site {site} is stale");
        let available = e.agents.values().filter(|ag| ag.available && ag.sites.contains(site)).count();
        assert_eq!(e.available.get(site).copied().unwrap_or(0), available);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn invariants_hold_for_any_history(events in proptest::collection::vec((0u64..5_000, event()), 1..80)) {
        let mut e = Engine::new(EngineConfig { offer_timeout_ms: 3_000, abandon_after_ms: 7_000 });
        let mut now = 0;
        let mut assigned: BTreeMap<ConversationId, AgentId> = BTreeMap::new();
        for (dt, ev) in events {
            now += dt;
            let released = match &ev { Event::Release { conversation } | Event::Restore { conversation, .. } => Some(*conversation), _ => None };
            if let Some(conv) = released {
                assigned.remove(&conv);
            }
            for d in e.handle(now, ev) {
                if let Decision::Assign { conversation, agent } = d {
                    prop_assert!(assigned.insert(conversation, agent).is_none(), "{:?} assigned twice", conversation);
                }
            }
            check_invariants(&e);
            // Positions told are always the true places.
            e.changed_positions();
            for conv in e.waiting.keys() {
                prop_assert_eq!(e.told_positions.get(conv).copied(), e.position(*conv));
            }
        }
    }

    #[test]
    fn the_engine_is_deterministic(events in proptest::collection::vec((0u64..5_000, event()), 1..60)) {
        let run = |events: &[(u64, Event)]| {
            let mut e = Engine::new(EngineConfig::default());
            let mut now = 0;
            events.iter().map(|(dt, ev)| { now += dt; e.handle(now, ev.clone()) }).collect::<Vec<_>>()
        };
        prop_assert_eq!(run(&events), run(&events));
    }

    #[test]
    fn no_chat_waits_while_an_eligible_agent_is_free(events in proptest::collection::vec((0u64..5_000, event()), 1..80)) {
        let mut e = Engine::new(EngineConfig { offer_timeout_ms: 3_000, abandon_after_ms: 7_000 });
        let mut now = 0;
        for (dt, ev) in events {
            now += dt;
            e.handle(now, ev);
            for (conv, w) in e.waiting.iter().filter(|(_, w)| w.offer.is_none()) {
                let free = e.agents.values().any(|ag| ag.available && ag.load() < ag.capacity && ag.sites.contains(&w.site) && !ag.passed.contains(conv));
                prop_assert!(!free, "conversation {} waits unoffered beside a free agent", conv);
            }
        }
    }

    #[test]
    fn first_come_first_offered_within_a_site(n in 2usize..30, capacity in 1u32..4) {
        let mut e = engine();
        for i in 0..n {
            e.handle(i as u64, enqueue(i as i64));
        }
        let ds = e.handle(100, available(1, capacity));
        let expected: Vec<(i64, i64)> = (0..capacity.min(n as u32) as i64).map(|i| (i, 1)).collect();
        prop_assert_eq!(offers(&ds), expected);
    }

    #[test]
    fn every_abandoned_visitor_had_left_for_the_full_time(events in proptest::collection::vec((0u64..5_000, event()), 1..80)) {
        let mut e = Engine::new(EngineConfig { offer_timeout_ms: 3_000, abandon_after_ms: 7_000 });
        let mut now = 0;
        let mut left_at: BTreeMap<ConversationId, Millis> = BTreeMap::new();
        for (dt, ev) in events {
            now += dt;
            let before_gone: Option<(ConversationId, bool)> = match &ev {
                Event::VisitorLeft { conversation } => Some((*conversation, e.waiting.get(conversation).is_some_and(|w| w.gone_since.is_none()))),
                Event::VisitorReturned { conversation } | Event::Release { conversation } => { left_at.remove(conversation); None }
                _ => None,
            };
            if let Some((conv, true)) = before_gone {
                left_at.insert(conv, now);
            }
            for d in e.handle(now, ev) {
                if let Decision::Abandon { conversation } = d {
                    let since = left_at.remove(&conversation);
                    prop_assert!(since.is_some_and(|t| now >= t + 7_000), "{:?} abandoned early", conversation);
                }
            }
            left_at.retain(|conv, _| e.waiting.get(conv).is_some_and(|w| w.gone_since.is_some()));
        }
    }
}
