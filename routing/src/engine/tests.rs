//! The engine's behaviour, one scenario at a time. Property tests over
//! random histories are in `props.rs`.

use std::collections::BTreeMap;

use super::*;
use crate::spec::{Fallback, RelaxStep, Strategy, MAX_LEVEL};
use crate::{SiteId, SkillId};

pub(super) const T: Millis = 30_000;
pub(super) const GONE: Millis = 60_000;
pub(super) const STICKY: Millis = 5_000;
pub(super) const SHOP: SiteId = SiteId(1);
/// The shop's general queue: every agent of the shop, longest idle first.
pub(super) const GENERAL: QueueId = QueueId(1);
/// Billing questions: skill BILLING at level 4, relaxing to 2 after 30 s
/// and to anyone after 60 s.
pub(super) const BILLING_Q: QueueId = QueueId(2);
pub(super) const BILLING: SkillId = SkillId(7);

pub(super) fn config() -> EngineConfig {
    EngineConfig { offer_timeout_ms: T, abandon_after_ms: GONE, sticky_ms: STICKY, chat_cost: 1, callback_cost: 3, default_handle_ms: 60_000 }
}

pub(super) fn billing_spec() -> QueueSpec {
    QueueSpec {
        skills: vec![BILLING],
        level: 4,
        relax: vec![RelaxStep { after_ms: 30_000, level: 2 }, RelaxStep { after_ms: 60_000, level: 0 }],
        ..QueueSpec::open_to_all(SHOP)
    }
}

fn engine() -> Engine {
    let mut e = Engine::new(config());
    e.handle(0, Event::ConfigureQueue { queue: GENERAL, spec: QueueSpec::open_to_all(SHOP) });
    e.handle(0, Event::ConfigureQueue { queue: BILLING_Q, spec: billing_spec() });
    e
}

fn a(n: i64) -> AgentId {
    AgentId(n)
}

fn c(n: i64) -> ConversationId {
    ConversationId(n)
}

fn profile(capacity: u32, billing: Option<Level>) -> AgentProfile {
    AgentProfile { capacity, skills: billing.map(|l| (BILLING, l)).into_iter().collect(), queues: vec![GENERAL, BILLING_Q] }
}

fn available(agent: i64, capacity: u32) -> Event {
    Event::AgentAvailable { agent: a(agent), profile: profile(capacity, None) }
}

fn arrival(conversation: i64, queue: QueueId, now: Millis) -> Arrival {
    Arrival { conversation: c(conversation), queue, channel: Channel::Chat, priority: 0, entered_at: now, sticky: None }
}

fn enqueue_at(conversation: i64, now: Millis) -> Event {
    Event::Enqueue(arrival(conversation, GENERAL, now))
}

fn offers(ds: &[Decision]) -> Vec<(i64, i64)> {
    ds.iter()
        .filter_map(|d| match d {
            Decision::Offer { conversation, agent, .. } => Some((conversation.0, agent.0)),
            _ => None,
        })
        .collect()
}

fn queued(conversation: i64, position: u32) -> Decision {
    Decision::Queued { conversation: c(conversation), queue: GENERAL, position }
}

#[test]
fn a_visitor_with_no_agent_waits_and_learns_their_place() {
    let mut e = engine();
    assert_eq!(e.handle(0, enqueue_at(1, 0)), vec![queued(1, 1)]);
    assert_eq!(e.handle(1, enqueue_at(2, 1)), vec![queued(2, 2)]);
    assert_eq!(e.changed_positions(), vec![], "nothing moved since they were told");
    e.handle(2, Event::Release { conversation: c(1) });
    assert_eq!(e.changed_positions(), vec![(c(2), 1)]);
    assert_eq!(e.position(c(2)), Some(1));
}

#[test]
fn an_agent_coming_online_is_offered_the_oldest_waiting_chat() {
    let mut e = engine();
    e.handle(0, enqueue_at(1, 0));
    e.handle(1, enqueue_at(2, 1));
    assert_eq!(e.handle(5, available(7, 1)), vec![Decision::Offer { conversation: c(1), agent: a(7), expires_at: 5 + T }]);
    assert_eq!(e.handle(6, enqueue_at(3, 6)), vec![queued(3, 3)], "an offered chat keeps its place");
}

#[test]
fn agents_are_offered_only_their_own_queues() {
    let mut e = engine();
    let other = QueueId(9);
    e.handle(0, Event::ConfigureQueue { queue: other, spec: QueueSpec::open_to_all(SiteId(2)) });
    let only_other = AgentProfile { capacity: 2, skills: BTreeMap::new(), queues: vec![other] };
    e.handle(0, Event::AgentAvailable { agent: a(1), profile: only_other.clone() });
    assert!(offers(&e.handle(1, enqueue_at(10, 1))).is_empty());
    assert!(!e.any_agent_available(SHOP));
    assert!(e.any_agent_available(SiteId(2)));
    assert_eq!(offers(&e.handle(2, Event::Enqueue(arrival(11, other, 2)))), vec![(11, 1)]);
    let both = AgentProfile { queues: vec![other, GENERAL], ..only_other.clone() };
    assert_eq!(offers(&e.handle(3, Event::AgentAvailable { agent: a(1), profile: both })), vec![(10, 1)]);
    let ds = e.handle(4, Event::AgentAvailable { agent: a(1), profile: only_other });
    assert_eq!(ds, vec![Decision::Revoke { conversation: c(10), agent: a(1) }], "leaving a queue takes its offers back");
}

#[test]
fn the_longest_idle_agent_gets_the_offer() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(10, available(2, 1));
    assert_eq!(offers(&e.handle(20, enqueue_at(1, 20))), vec![(1, 1)]);
    e.handle(21, Event::Accept { conversation: c(1), agent: a(1) });
    assert_eq!(offers(&e.handle(22, enqueue_at(2, 22))), vec![(2, 2)]);
    e.handle(23, Event::Accept { conversation: c(2), agent: a(2) });
    // Agent 1 was given work at 20, agent 2 at 22: agent 1 has waited longer
    // for new work once both are free.
    e.handle(30, Event::Release { conversation: c(2) });
    e.handle(31, Event::Release { conversation: c(1) });
    assert_eq!(offers(&e.handle(40, enqueue_at(3, 40))), vec![(3, 1)]);
}

fn strategy_engine(strategy: Strategy) -> Engine {
    let mut e = Engine::new(config());
    e.handle(0, Event::ConfigureQueue { queue: GENERAL, spec: QueueSpec { strategy, ..QueueSpec::open_to_all(SHOP) } });
    e
}

#[test]
fn round_robin_takes_each_agent_in_turn() {
    let mut e = strategy_engine(Strategy::RoundRobin);
    for agent in 1..=3 {
        e.handle(0, available(agent, 5));
    }
    let mut got = Vec::new();
    for n in 1..=6 {
        got.extend(offers(&e.handle(n as u64, enqueue_at(n, n as u64))).into_iter().map(|o| o.1));
    }
    assert_eq!(got, vec![1, 2, 3, 1, 2, 3]);
}

#[test]
fn least_busy_takes_the_agent_with_the_least_load() {
    let mut e = strategy_engine(Strategy::LeastBusy);
    e.handle(0, available(1, 3));
    e.handle(1, available(2, 3));
    assert_eq!(offers(&e.handle(2, enqueue_at(1, 2))), vec![(1, 1)]);
    e.handle(3, Event::Accept { conversation: c(1), agent: a(1) });
    assert_eq!(offers(&e.handle(4, enqueue_at(2, 4))), vec![(2, 2)]);
    e.handle(5, Event::Accept { conversation: c(2), agent: a(2) });
    e.handle(6, Event::Release { conversation: c(1) });
    assert_eq!(offers(&e.handle(7, enqueue_at(3, 7))), vec![(3, 1)], "agent 1 has no chat left");
}

#[test]
fn a_manual_queue_offers_nothing_and_agents_pick() {
    let mut e = strategy_engine(Strategy::Manual);
    e.handle(0, available(1, 1));
    assert_eq!(e.handle(1, enqueue_at(1, 1)), vec![queued(1, 1)]);
    e.handle(2, enqueue_at(2, 2));
    assert_eq!(
        e.handle(3, Event::Pick { conversation: c(2), agent: a(1) }),
        vec![Decision::Assign { conversation: c(2), agent: a(1) }],
        "any place in the list"
    );
    assert_eq!(e.handle(4, Event::Pick { conversation: c(1), agent: a(1) }), vec![Decision::RefuseAccept { conversation: c(1), agent: a(1) }], "no room left");
    assert_eq!(e.handle(5, Event::Pick { conversation: c(1), agent: a(2) }), vec![Decision::RefuseAccept { conversation: c(1), agent: a(2) }], "not available");
}

#[test]
fn capacity_counts_units_and_a_callback_costs_more_than_a_chat() {
    let mut e = engine();
    e.handle(0, available(1, 3));
    assert_eq!(offers(&e.handle(1, enqueue_at(1, 1))), vec![(1, 1)]);
    let callback = Arrival { channel: Channel::Callback, ..arrival(2, GENERAL, 2) };
    assert!(offers(&e.handle(2, Event::Enqueue(callback))).is_empty(), "2 units left, a callback needs 3");
    assert_eq!(offers(&e.handle(3, enqueue_at(3, 3))), vec![(3, 1)], "a chat behind it fits");
    assert!(offers(&e.handle(4, Event::Decline { conversation: c(1), agent: a(1) })).is_empty(), "declined, and 2 units are still not 3");
    assert_eq!(offers(&e.handle(5, Event::Release { conversation: c(3) })), vec![(2, 1)], "with all 3 units free the callback fits");
}

#[test]
fn accepting_an_offer_you_do_not_hold_is_refused() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(1, enqueue_at(1, 1));
    assert_eq!(e.handle(2, Event::Accept { conversation: c(1), agent: a(2) }), vec![Decision::RefuseAccept { conversation: c(1), agent: a(2) }]);
    assert_eq!(e.handle(3, Event::Accept { conversation: c(1), agent: a(1) }), vec![Decision::Assign { conversation: c(1), agent: a(1) }]);
    assert_eq!(
        e.handle(4, Event::Accept { conversation: c(1), agent: a(1) }),
        vec![Decision::RefuseAccept { conversation: c(1), agent: a(1) }],
        "assigned once"
    );
}

#[test]
fn a_decline_goes_to_the_next_eligible_agent() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(1, available(2, 1));
    assert_eq!(offers(&e.handle(2, enqueue_at(1, 2))), vec![(1, 1)]);
    let ds = e.handle(3, Event::Decline { conversation: c(1), agent: a(1) });
    assert_eq!(ds, vec![Decision::Declined { conversation: c(1), agent: a(1) }, Decision::Offer { conversation: c(1), agent: a(2), expires_at: 3 + T }]);
    // Declined by everyone: it waits, and is not offered back to them.
    assert_eq!(e.handle(4, Event::Decline { conversation: c(1), agent: a(2) }), vec![Decision::Declined { conversation: c(1), agent: a(2) }]);
    assert_eq!(e.position(c(1)), Some(1));
    // Coming back available is a fresh start.
    assert_eq!(offers(&e.handle(5, available(1, 1))), vec![(1, 1)]);
}

#[test]
fn an_offer_left_to_lapse_makes_the_agent_away_as_missed() {
    let mut e = engine();
    e.handle(0, available(1, 2));
    e.handle(1, available(2, 1));
    e.handle(2, enqueue_at(1, 2));
    e.handle(3, enqueue_at(2, 3));
    assert_eq!(e.offer_of(c(1)).map(|o| o.0), Some(a(1)));
    assert_eq!(e.offer_of(c(2)).map(|o| o.0), Some(a(2)));
    e.handle(4, Event::Accept { conversation: c(2), agent: a(2) });
    e.handle(5, enqueue_at(3, 5));
    assert_eq!(e.offer_of(c(3)).map(|o| o.0), Some(a(1)));
    assert_eq!(e.next_deadline(), Some(2 + T));
    let ds = e.handle(2 + T, Event::Tick);
    assert_eq!(ds[0], Decision::Missed { conversation: c(1), agent: a(1) });
    assert!(ds.contains(&Decision::Revoke { conversation: c(3), agent: a(1) }), "the agent's other offer goes back");
    assert!(!e.is_available(a(1)));
    assert_eq!(e.offer_of(c(1)), None, "nobody else has room");
    e.handle(3 + T, Event::Release { conversation: c(2) });
    assert_eq!(e.offer_of(c(1)).map(|o| o.0), Some(a(2)), "the next eligible agent gets it when free");
}

#[test]
fn an_agent_leaving_returns_their_offers_and_keeps_their_chats() {
    let mut e = engine();
    e.handle(0, available(1, 2));
    e.handle(1, enqueue_at(1, 1));
    e.handle(2, Event::Accept { conversation: c(1), agent: a(1) });
    e.handle(3, enqueue_at(2, 3));
    let ds = e.handle(4, Event::AgentUnavailable { agent: a(1) });
    assert_eq!(ds, vec![Decision::Revoke { conversation: c(2), agent: a(1) }]);
    assert_eq!(e.agent_of(c(1)), Some(a(1)));
    assert_eq!(e.position(c(2)), Some(1));
}

#[test]
fn a_conversation_ending_while_offered_withdraws_the_offer() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(1, enqueue_at(1, 1));
    assert_eq!(e.handle(2, Event::Release { conversation: c(1) }), vec![Decision::Revoke { conversation: c(1), agent: a(1) }]);
    assert_eq!(e.queue_len(), 0);
}

#[test]
fn a_visitor_gone_too_long_is_abandoned_and_one_who_returns_keeps_their_place() {
    let mut e = engine();
    e.handle(0, enqueue_at(1, 0));
    e.handle(1, enqueue_at(2, 1));
    e.handle(10, Event::VisitorLeft { conversation: c(1) });
    e.handle(20, Event::VisitorLeft { conversation: c(2) });
    e.handle(30, Event::VisitorReturned { conversation: c(2) });
    assert_eq!(e.handle(10 + GONE, Event::Tick), vec![Decision::Abandon { conversation: c(1) }]);
    assert_eq!(e.handle(20 + GONE, Event::Tick), vec![]);
    assert_eq!(e.position(c(2)), Some(1));
}

#[test]
fn restored_chats_count_against_capacity() {
    let mut e = engine();
    e.handle(0, Event::Restore { conversation: c(1), agent: a(1), queue: GENERAL, channel: Channel::Chat });
    e.handle(1, available(1, 1));
    assert!(offers(&e.handle(2, enqueue_at(2, 2))).is_empty());
    assert_eq!(offers(&e.handle(3, Event::Release { conversation: c(1) })), vec![(2, 1)]);
}

#[test]
fn skill_levels_relax_in_steps_until_anyone_may_take_it() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: a(1), profile: profile(1, Some(2)) });
    e.handle(0, Event::AgentAvailable { agent: a(2), profile: profile(1, None) });
    assert!(offers(&e.handle(100, Event::Enqueue(arrival(1, BILLING_Q, 100)))).is_empty(), "level 4 needed, nobody has it");
    assert_eq!(e.next_deadline(), Some(30_100));
    assert_eq!(offers(&e.handle(30_100, Event::Tick)), vec![(1, 1)], "at 30 s level 2 will do");
    e.handle(30_200, Event::Decline { conversation: c(1), agent: a(1) });
    assert!(offers(&e.handle(30_300, Event::Tick)).is_empty(), "the unskilled agent must wait for the last step");
    assert_eq!(offers(&e.handle(60_100, Event::Tick)), vec![(1, 2)]);
}

#[test]
fn the_most_skilled_free_agent_is_not_required_when_the_level_is_met() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: a(1), profile: profile(1, Some(5)) });
    e.handle(5, Event::AgentAvailable { agent: a(2), profile: profile(1, Some(4)) });
    // Both qualify: the strategy (longest idle) decides, not the level.
    assert_eq!(offers(&e.handle(10, Event::Enqueue(arrival(1, BILLING_Q, 10)))), vec![(1, 1)]);
    assert_eq!(offers(&e.handle(11, Event::Enqueue(arrival(2, BILLING_Q, 11)))), vec![(2, 2)]);
}

#[test]
fn higher_priority_goes_first_then_the_longest_waiting() {
    let mut e = engine();
    e.handle(0, enqueue_at(1, 0));
    e.handle(1, enqueue_at(2, 1));
    let vip = Arrival { priority: 10, ..arrival(3, GENERAL, 2) };
    assert_eq!(e.handle(2, Event::Enqueue(vip)), vec![queued(3, 1)], "a VIP goes to the front");
    e.handle(3, enqueue_at(4, 3));
    let mut order = Vec::new();
    e.handle(4, available(1, 1));
    for _ in 0..4 {
        let (conversation, _) = e.offers_held_by(a(1))[0];
        order.push(conversation.0);
        e.handle(5, Event::Accept { conversation, agent: a(1) });
        e.handle(6, Event::Release { conversation });
    }
    assert_eq!(order, vec![3, 1, 2, 4]);
}

#[test]
fn a_busy_agent_serving_several_queues_takes_the_best_conversation_of_any() {
    let mut e = engine();
    let urgent = QueueId(3);
    e.handle(0, Event::ConfigureQueue { queue: urgent, spec: QueueSpec { priority: 5, ..QueueSpec::open_to_all(SHOP) } });
    e.handle(0, Event::Restore { conversation: c(100), agent: a(1), queue: GENERAL, channel: Channel::Chat });
    let all = AgentProfile { queues: vec![GENERAL, urgent], ..profile(1, None) };
    e.handle(0, Event::AgentAvailable { agent: a(1), profile: all });
    e.handle(1, enqueue_at(1, 1));
    e.handle(2, Event::Enqueue(arrival(2, urgent, 2)));
    assert_eq!(offers(&e.handle(3, Event::Release { conversation: c(100) })), vec![(2, 1)], "the urgent queue's priority wins over time waited");
}

#[test]
fn a_returning_visitor_is_held_for_their_last_agent_for_a_few_seconds() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(1, available(2, 1));
    e.handle(2, Event::Restore { conversation: c(100), agent: a(2), queue: GENERAL, channel: Channel::Chat });
    let returning = Arrival { sticky: Some(a(2)), ..arrival(1, GENERAL, 10) };
    assert!(offers(&e.handle(10, Event::Enqueue(returning.clone()))).is_empty(), "held for agent 2 though agent 1 is free");
    assert_eq!(offers(&e.handle(11, Event::Release { conversation: c(100) })), vec![(1, 2)], "agent 2 is free in time");

    // When the last agent is not free within the window, anyone may take it.
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(0, Event::Restore { conversation: c(100), agent: a(2), queue: GENERAL, channel: Channel::Chat });
    e.handle(1, available(2, 1));
    assert!(offers(&e.handle(10, Event::Enqueue(returning))).is_empty());
    assert_eq!(offers(&e.handle(10 + STICKY, Event::Tick)), vec![(1, 1)]);
}

#[test]
fn a_transfer_to_a_queue_keeps_the_original_time_of_entry() {
    let mut e = engine();
    e.handle(0, Event::AgentAvailable { agent: a(1), profile: profile(1, Some(5)) });
    e.handle(1, enqueue_at(1, 1));
    e.handle(2, Event::Accept { conversation: c(1), agent: a(1) });
    e.handle(3, Event::Enqueue(arrival(2, BILLING_Q, 3)));
    let ds = e.handle(4, Event::Transfer { conversation: c(1), agent: a(1), to: Target::Queue(BILLING_Q) });
    assert_eq!(ds[0], Decision::Transferred { conversation: c(1), from: a(1), to: Target::Queue(BILLING_Q) });
    assert_eq!(ds[1], Decision::Queued { conversation: c(1), queue: BILLING_Q, position: 1 }, "it entered before conversation 2");
    assert_eq!(offers(&ds), vec![(2, 1)], "the agent handing over may not get it back");
}

#[test]
fn a_transfer_to_an_agent_is_held_for_them_and_goes_to_the_queue_if_they_decline() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    e.handle(1, available(2, 1));
    e.handle(2, available(3, 1));
    e.handle(3, enqueue_at(1, 3));
    e.handle(4, Event::Accept { conversation: c(1), agent: a(1) });
    let ds = e.handle(5, Event::Transfer { conversation: c(1), agent: a(1), to: Target::Agent(a(3)) });
    assert_eq!(offers(&ds), vec![(1, 3)], "offered to the target, not the longest idle");
    assert_eq!(offers(&e.handle(6, Event::Decline { conversation: c(1), agent: a(3) })), vec![(1, 2)]);
    let refused = e.handle(7, Event::Transfer { conversation: c(1), agent: a(2), to: Target::Agent(a(3)) });
    assert_eq!(refused, vec![Decision::RefuseTransfer { conversation: c(1), agent: a(2), why: TransferRefused::NotYours }]);
    e.handle(8, Event::Accept { conversation: c(1), agent: a(2) });
    let away = e.handle(9, Event::Transfer { conversation: c(1), agent: a(2), to: Target::Agent(a(9)) });
    assert_eq!(away, vec![Decision::RefuseTransfer { conversation: c(1), agent: a(2), why: TransferRefused::AgentUnavailable }]);
    assert_eq!(e.agent_of(c(1)), Some(a(2)));
}

#[test]
fn beyond_its_limits_a_conversation_overflows_or_falls_back() {
    let mut e = engine();
    let small = QueueId(5);
    e.handle(
        0,
        Event::ConfigureQueue {
            queue: small,
            spec: QueueSpec { max_len: Some(1), max_wait_ms: Some(1_000), overflow: Some(GENERAL), ..QueueSpec::open_to_all(SHOP) },
        },
    );
    assert_eq!(e.handle(1, Event::Enqueue(arrival(1, small, 1))), vec![Decision::Queued { conversation: c(1), queue: small, position: 1 }]);
    let ds = e.handle(2, Event::Enqueue(arrival(2, small, 2)));
    assert_eq!(ds, vec![Decision::Overflow { conversation: c(2), from: small, to: GENERAL, why: Beyond::Full }, queued(2, 1)]);
    let ds = e.handle(1_001, Event::Tick);
    assert_eq!(
        ds,
        vec![Decision::Overflow { conversation: c(1), from: small, to: GENERAL, why: Beyond::WaitedTooLong }, queued(1, 1)],
        "it keeps its first entry, ahead of 2"
    );

    // A closed queue without overflow offers its fallback.
    let closed = QueueSpec { open: false, ..QueueSpec::open_to_all(SHOP) };
    e.handle(3_000, Event::ConfigureQueue { queue: GENERAL, spec: closed });
    let ds = e.handle(3_001, enqueue_at(3, 3_001));
    assert_eq!(ds, vec![Decision::Fallback { conversation: c(3), queue: GENERAL, why: Beyond::Closed, fallback: Fallback::LeaveMessage }]);
    assert_eq!(e.position(c(1)), Some(1), "closing keeps those already waiting");

    // Queues overflowing into each other stop after one round.
    let mut e = engine();
    for (q, to) in [(QueueId(5), QueueId(6)), (QueueId(6), QueueId(5))] {
        e.handle(0, Event::ConfigureQueue { queue: q, spec: QueueSpec { open: false, overflow: Some(to), ..QueueSpec::open_to_all(SHOP) } });
    }
    let ds = e.handle(1, Event::Enqueue(arrival(1, QueueId(5), 1)));
    assert!(matches!(ds.last(), Some(Decision::Fallback { why: Beyond::Closed, .. })), "{ds:?}");
    assert!(ds.len() < 6);
}

#[test]
fn after_contact_work_keeps_the_agent_busy_until_wrapped_up_or_timed_out() {
    let mut e = Engine::new(config());
    e.handle(0, Event::ConfigureQueue { queue: GENERAL, spec: QueueSpec { wrap_up_ms: Some(20_000), ..QueueSpec::open_to_all(SHOP) } });
    e.handle(0, available(1, 1));
    e.handle(1, enqueue_at(1, 1));
    e.handle(2, Event::Accept { conversation: c(1), agent: a(1) });
    e.handle(3, enqueue_at(2, 3));
    assert_eq!(e.handle(10, Event::Release { conversation: c(1) }), vec![Decision::WrapUpStarted { conversation: c(1), agent: a(1), until: 20_010 }]);
    assert!(e.in_wrap_up(a(1)));
    assert_eq!(offers(&e.handle(11, Event::WrapUp { conversation: c(1) })), vec![(2, 1)], "wrapped up: free for the next");
    e.handle(12, Event::Accept { conversation: c(2), agent: a(1) });
    e.handle(13, Event::Release { conversation: c(2) });
    assert_eq!(e.handle(20_013, Event::Tick), vec![Decision::WrapUpDue { conversation: c(2), agent: a(1) }]);
    assert!(!e.in_wrap_up(a(1)));
}

#[test]
fn the_wait_estimate_follows_position_staffing_and_handle_times() {
    let mut e = engine();
    e.handle(0, enqueue_at(1, 0));
    assert_eq!(e.estimated_wait(c(1)), None, "nobody staffed: no estimate");
    e.handle(0, Event::Restore { conversation: c(100), agent: a(1), queue: GENERAL, channel: Channel::Chat });
    e.handle(0, available(1, 1));
    e.handle(1, enqueue_at(2, 1));
    assert_eq!(e.estimated_wait(c(1)), Some(60_000), "one slot, the default handle time");
    assert_eq!(e.estimated_wait(c(2)), Some(120_000));
    e.handle(30_000, Event::Release { conversation: c(100) });
    e.handle(30_001, Event::Accept { conversation: c(1), agent: a(1) });
    // The actor tells new positions before it reads estimates; the estimate
    // reads the position as told.
    assert_eq!(e.changed_positions(), vec![(c(2), 1)]);
    assert_eq!(e.estimated_wait(c(2)), Some(30_000), "the measured handle time replaces the default");
}

#[test]
fn a_long_queue_is_not_rescanned_per_event() {
    let mut e = engine();
    e.handle(0, available(1, 1));
    for n in 1..20_000 {
        e.handle(n as u64, enqueue_at(n, n as u64));
    }
    let started = std::time::Instant::now();
    for n in 20_000..21_000 {
        e.handle(n as u64, enqueue_at(n, n as u64));
        e.handle(n as u64, Event::VisitorLeft { conversation: c(n) });
    }
    assert!(started.elapsed() < std::time::Duration::from_millis(500), "2,000 events took {:?}", started.elapsed());
}

#[test]
fn levels_beyond_the_top_are_clamped() {
    let q = QueueSpec { skills: vec![BILLING], ..QueueSpec::open_to_all(SHOP) };
    assert_eq!(q.qualification(&[(BILLING, 9)].into()), MAX_LEVEL);
}
