use proptest::prelude::*;

use super::*;

const T: Millis = 30_000;

fn engine() -> Engine {
    Engine::new(EngineConfig { offer_timeout_ms: T })
}

fn offers(ds: &[Decision]) -> Vec<(ConversationId, AgentId)> {
    ds.iter()
        .filter_map(|d| match d {
            Decision::Offer { conversation, agent, .. } => Some((*conversation, *agent)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_visitor_with_no_agent_waits_and_is_told_their_place() {
    let mut e = engine();
    assert_eq!(e.handle(0, Event::Enqueue { conversation: 1 }), vec![Decision::Position { conversation: 1, position: 1 }]);
    assert_eq!(e.handle(1, Event::Enqueue { conversation: 2 }), vec![Decision::Position { conversation: 2, position: 2 }]);
    // The first leaves: the second moves up.
    let ds = e.handle(2, Event::Release { conversation: 1 });
    assert_eq!(ds, vec![Decision::Position { conversation: 2, position: 1 }]);
}

#[test]
fn an_agent_coming_online_is_offered_the_oldest_waiting_chat() {
    let mut e = engine();
    e.handle(0, Event::Enqueue { conversation: 1 });
    e.handle(1, Event::Enqueue { conversation: 2 });
    let ds = e.handle(5, Event::AgentAvailable { agent: 7, capacity: 1 });
    assert_eq!(ds, vec![Decision::Offer { conversation: 1, agent: 7, expires_at: 5 + T }]);
}

#[test]
fn the_pending_offer_can_be_looked_up_until_it_is_answered() {
    let mut e = engine();
    e.handle(0, Event::Enqueue { conversation: 1 });
    assert_eq!(e.offer_of(1), None, "waiting, but nobody to offer it to");
    e.handle(5, Event::AgentAvailable { agent: 7, capacity: 1 });
    assert_eq!(e.offer_of(1), Some((7, 5 + T)));
    e.handle(6, Event::Accept { conversation: 1, agent: 7 });
    assert_eq!(e.offer_of(1), None, "assigned chats are no longer on offer");
}

#[test]
fn the_longest_idle_agent_gets_the_offer() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: 1, capacity: 1 });
    e.handle(10, Event::AgentAvailable { agent: 2, capacity: 1 });
    // Agent 1 has been idle longer.
    assert_eq!(offers(&e.handle(20, Event::Enqueue { conversation: 100 })), vec![(100, 1)]);
    e.handle(21, Event::Accept { conversation: 100, agent: 1 });
    e.handle(30, Event::Release { conversation: 100 });
    // Agent 1 just finished a chat; agent 2 has been idle since 10.
    assert_eq!(offers(&e.handle(40, Event::Enqueue { conversation: 101 })), vec![(101, 2)]);
}

#[test]
fn accept_assigns_and_capacity_is_respected() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: 1, capacity: 1 });
    e.handle(1, Event::Enqueue { conversation: 10 });
    assert_eq!(e.handle(2, Event::Accept { conversation: 10, agent: 1 }), vec![Decision::Assign { conversation: 10, agent: 1 }]);
    // Full: the next chat waits.
    assert_eq!(e.handle(3, Event::Enqueue { conversation: 11 }), vec![Decision::Position { conversation: 11, position: 1 }]);
    // Ending the first frees capacity and the waiting chat is offered.
    assert_eq!(offers(&e.handle(4, Event::Release { conversation: 10 })), vec![(11, 1)]);
}

#[test]
fn accepting_an_offer_you_do_not_hold_is_refused() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: 1, capacity: 1 });
    e.handle(0, Event::AgentAvailable { agent: 2, capacity: 1 });
    e.handle(1, Event::Enqueue { conversation: 10 });
    assert_eq!(e.handle(2, Event::Accept { conversation: 10, agent: 2 }), vec![Decision::RefuseAccept { conversation: 10, agent: 2 }]);
    assert_eq!(e.handle(3, Event::Accept { conversation: 99, agent: 1 }), vec![Decision::RefuseAccept { conversation: 99, agent: 1 }]);
}

#[test]
fn decline_passes_the_chat_to_the_next_agent() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: 1, capacity: 1 });
    e.handle(1, Event::AgentAvailable { agent: 2, capacity: 1 });
    e.handle(2, Event::Enqueue { conversation: 10 });
    let ds = e.handle(3, Event::Decline { conversation: 10, agent: 1 });
    assert_eq!(ds[0], Decision::Revoke { conversation: 10, agent: 1 });
    assert_eq!(offers(&ds), vec![(10, 2)]);
    // Agent 2 declines too: nobody else, the chat waits.
    let ds = e.handle(4, Event::Decline { conversation: 10, agent: 2 });
    assert_eq!(ds, vec![Decision::Revoke { conversation: 10, agent: 2 }]);
    // Agent 1 toggles back to available: a fresh start.
    e.handle(5, Event::AgentUnavailable { agent: 1 });
    assert_eq!(offers(&e.handle(6, Event::AgentAvailable { agent: 1, capacity: 1 })), vec![(10, 1)]);
}

#[test]
fn offers_expire_on_tick_and_move_on() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: 1, capacity: 1 });
    e.handle(0, Event::AgentAvailable { agent: 2, capacity: 1 });
    e.handle(0, Event::Enqueue { conversation: 10 });
    assert_eq!(e.next_deadline(), Some(T));
    assert!(e.handle(T - 1, Event::Tick).is_empty());
    let ds = e.handle(T, Event::Tick);
    assert_eq!(ds[0], Decision::Revoke { conversation: 10, agent: 1 });
    assert_eq!(offers(&ds), vec![(10, 2)]);
    assert_eq!(e.next_deadline(), Some(2 * T));
}

#[test]
fn an_agent_leaving_returns_their_offers_to_the_queue() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: 1, capacity: 2 });
    e.handle(0, Event::Enqueue { conversation: 10 });
    let ds = e.handle(1, Event::AgentUnavailable { agent: 1 });
    assert_eq!(ds, vec![Decision::Revoke { conversation: 10, agent: 1 }]);
    assert_eq!(e.position(10), Some(1));
    assert!(!e.any_agent_available());
}

#[test]
fn a_visitor_leaving_withdraws_the_offer() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: 1, capacity: 1 });
    e.handle(0, Event::Enqueue { conversation: 10 });
    assert_eq!(e.handle(1, Event::Release { conversation: 10 }), vec![Decision::Revoke { conversation: 10, agent: 1 }]);
    assert_eq!(e.queue_len(), 0);
}

#[test]
fn restored_chats_count_against_capacity() {
    let mut e = engine();
    e.handle(0, Event::Restore { conversation: 10, agent: 1 });
    e.handle(0, Event::Enqueue { conversation: 11 });
    assert!(offers(&e.handle(1, Event::AgentAvailable { agent: 1, capacity: 1 })).is_empty());
    assert_eq!(offers(&e.handle(2, Event::Release { conversation: 10 })), vec![(11, 1)]);
}

#[test]
fn least_loaded_agent_wins_when_agents_take_several_chats() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: 1, capacity: 3 });
    e.handle(5, Event::AgentAvailable { agent: 2, capacity: 3 });
    assert_eq!(offers(&e.handle(6, Event::Enqueue { conversation: 10 })), vec![(10, 1)]);
    assert_eq!(offers(&e.handle(7, Event::Enqueue { conversation: 11 })), vec![(11, 2)]);
    assert_eq!(offers(&e.handle(8, Event::Enqueue { conversation: 12 })), vec![(12, 1)]);
}

#[test]
fn enqueueing_twice_is_harmless() {
    let mut e = engine();
    e.handle(0, Event::Enqueue { conversation: 1 });
    assert!(e.handle(1, Event::Enqueue { conversation: 1 }).is_empty());
    assert_eq!(e.queue_len(), 1);
}

fn event() -> impl Strategy<Value = Event> {
    let agent = 1i64..4;
    let conv = 1i64..8;
    prop_oneof![
        (agent.clone(), 1u32..3).prop_map(|(agent, capacity)| Event::AgentAvailable { agent, capacity }),
        agent.clone().prop_map(|agent| Event::AgentUnavailable { agent }),
        conv.clone().prop_map(|conversation| Event::Enqueue { conversation }),
        (conv.clone(), agent.clone()).prop_map(|(conversation, agent)| Event::Accept { conversation, agent }),
        (conv.clone(), agent.clone()).prop_map(|(conversation, agent)| Event::Decline { conversation, agent }),
        (conv.clone(), agent).prop_map(|(conversation, agent)| Event::Restore { conversation, agent }),
        conv.prop_map(|conversation| Event::Release { conversation }),
        Just(Event::Tick),
    ]
}

/// Checks what must hold after every event, whatever the history.
fn check_invariants(e: &Engine) {
    for (id, a) in &e.agents {
        assert!(a.offers.is_empty() || a.available, "agent {id} holds offers while unavailable");
        // Restored chats may exceed a capacity lowered later; offers never do.
        assert!(a.offers.is_empty() || a.load() <= a.capacity, "agent {id} offered beyond capacity");
        for c in &a.offers {
            let w = e.queue.iter().find(|w| w.conversation == *c).expect("offer for a queued chat");
            assert_eq!(w.offer.map(|o| o.0), Some(*id));
        }
        for c in &a.active {
            assert_eq!(e.assigned.get(c), Some(id));
        }
    }
    for (c, agent) in &e.assigned {
        assert!(e.agents[agent].active.contains(c), "assignment not counted in the agent's load");
    }
    for w in &e.queue {
        assert!(!e.assigned.contains_key(&w.conversation), "conversation both queued and assigned");
        if let Some((agent, _)) = w.offer {
            assert!(e.agents[&agent].offers.contains(&w.conversation));
        }
    }
    let ids: BTreeSet<_> = e.queue.iter().map(|w| w.conversation).collect();
    assert_eq!(ids.len(), e.queue.len(), "a conversation queued twice");
    for (i, w) in e.queue.iter().enumerate() {
        assert_eq!(e.told_positions.get(&w.conversation), Some(&(i as u32 + 1)), "visitor told a stale position");
    }
}

proptest! {
    #[test]
    fn invariants_hold_for_any_history(events in proptest::collection::vec((0u64..5_000, event()), 1..80)) {
        let mut e = Engine::new(EngineConfig { offer_timeout_ms: 3_000 });
        let mut now = 0;
        for (dt, ev) in events {
            now += dt;
            e.handle(now, ev);
            check_invariants(&e);
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
        let mut e = Engine::new(EngineConfig { offer_timeout_ms: 3_000 });
        let mut now = 0;
        for (dt, ev) in events {
            now += dt;
            e.handle(now, ev);
            for w in e.queue.iter().filter(|w| w.offer.is_none()) {
                let free = e.agents.iter().any(|(id, a)| a.available && a.load() < a.capacity && !w.passed.contains(id));
                prop_assert!(!free, "conversation {} waits unoffered beside a free agent", w.conversation);
            }
        }
    }
}
