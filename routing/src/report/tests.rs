//! A scripted day of two queues and two agents, with every figure worked
//! out by hand in the comments.

use super::*;
use StepKind::*;

const Q1: QueueId = QueueId(1);
const Q2: QueueId = QueueId(2);
const A1: AgentId = AgentId(1);
const A2: AgentId = AgentId(2);
const S: Millis = 1_000;

fn step(at_s: Millis, conversation: i64, kind: StepKind, queue: Option<QueueId>, agent: Option<AgentId>) -> Step {
    Step { at: at_s * S, conversation: ConversationId(conversation), kind, queue, agent }
}

fn day() -> (Vec<Step>, Vec<StateChange>) {
    let q1 = Some(Q1);
    let q2 = Some(Q2);
    let (a1, a2) = (Some(A1), Some(A2));
    let steps = vec![
        // c1: answered by A1 after 10 s; handled 110..430 (wrap-up included): 320 s.
        step(100, 1, Entered, q1, None),
        step(105, 1, Offered, q1, a1),
        step(110, 1, Accepted, q1, a1),
        step(400, 1, Ended, q1, a1),
        step(430, 1, WrappedUp, q1, a1),
        // c2: A2 lets the offer lapse; A1 answers after 50 s, handles
        // 250..850 and transfers it to Q2, where A2 answers after 10 s and
        // handles 860..1210: 350 s.
        step(200, 2, Entered, q1, None),
        step(202, 2, Offered, q1, a2),
        step(232, 2, Missed, q1, a2),
        step(240, 2, Offered, q1, a1),
        step(250, 2, Accepted, q1, a1),
        step(850, 2, Transferred, q1, a1),
        step(850, 2, Entered, q2, None),
        step(855, 2, Offered, q2, a2),
        step(860, 2, Accepted, q2, a2),
        step(1200, 2, Ended, q2, a2),
        step(1210, 2, WrappedUp, q2, a2),
        // c3 gives up in the queue; c4 closes the chat while waiting.
        step(1000, 3, Entered, q1, None),
        step(1090, 3, Abandoned, q1, None),
        step(1500, 4, Entered, q1, None),
        step(1505, 4, Ended, q1, None),
        // c5 overflows to Q2 after 60 s; A2 answers after 10 s, 2070..2400: 330 s.
        step(2000, 5, Entered, q1, None),
        step(2060, 5, Overflowed, q1, None),
        step(2060, 5, Entered, q2, None),
        step(2070, 5, Accepted, q2, a2),
        step(2370, 5, Ended, q2, a2),
        step(2400, 5, WrappedUp, q2, a2),
        // c9: A1 answers after 10 s, handles 3500..3700 (no wrap-up): 200 s,
        // of which 100 s fall in A1's break (3600..4200).
        step(3490, 9, Entered, q1, None),
        step(3500, 9, Accepted, q1, a1),
        step(3700, 9, Ended, q1, a1),
        // c6: A1 answers after 15 s, 5015..5630: 615 s.
        step(5000, 6, Entered, q1, None),
        step(5015, 6, Accepted, q1, a1),
        step(5615, 6, Ended, q1, a1),
        step(5630, 6, WrappedUp, q1, a1),
        // c7 is still waiting when the day ends at 7200.
        step(7100, 7, Entered, q1, None),
        // c8 enters after the interval and does not count.
        step(7300, 8, Entered, q1, None),
        step(7310, 8, Accepted, q1, a1),
    ];
    let changes = vec![
        StateChange { at: 0, agent: A1, state: Staffing::Available },
        StateChange { at: 3600 * S, agent: A1, state: Staffing::Away },
        StateChange { at: 4200 * S, agent: A1, state: Staffing::Available },
        StateChange { at: 7200 * S, agent: A1, state: Staffing::Offline },
        StateChange { at: 0, agent: A2, state: Staffing::Available },
        StateChange { at: 7200 * S, agent: A2, state: Staffing::Offline },
    ];
    (steps, changes)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn a_scripted_day_gives_the_hand_worked_queue_figures() {
    let (steps, _) = day();
    let q1 = queue_report(&steps, Q1, 20 * S, 0, 7200 * S);
    // Entered: c1 c2 c3 c4 c5 c9 c6 c7. Answered: c1 (10 s) c2 (50 s) c9
    // (10 s) c6 (15 s); abandoned: c3 c4; left: c5; waiting: c7.
    assert_eq!((q1.entered, q1.answered, q1.answered_in_threshold, q1.abandoned, q1.left, q1.waiting), (8, 4, 3, 2, 1, 1));
    // Service level: 3 of the 6 answered or abandoned were answered in 20 s.
    assert!(close(q1.service_level, 0.5), "{q1:?}");
    assert!(close(q1.abandonment, 2.0 / 6.0));
    // ASA: (10 + 50 + 10 + 15) / 4 = 21.25 s.
    assert!(close(q1.average_speed_of_answer_ms, 21_250.0));
    // AHT: (320 + 600 + 200 + 615) / 4 = 433.75 s; c2's handle in Q1 ends
    // at its transfer.
    assert!(close(q1.average_handle_ms, 433_750.0));

    let q2 = queue_report(&steps, Q2, 20 * S, 0, 7200 * S);
    assert_eq!((q2.entered, q2.answered, q2.answered_in_threshold, q2.abandoned), (2, 2, 2, 0));
    assert!(close(q2.service_level, 1.0));
    assert!(close(q2.abandonment, 0.0));
    assert!(close(q2.average_speed_of_answer_ms, 10_000.0));
    // (350 + 330) / 2 = 340 s.
    assert!(close(q2.average_handle_ms, 340_000.0));
}

#[test]
fn a_scripted_day_gives_the_hand_worked_occupancy() {
    let (steps, changes) = day();
    let a1 = agent_report(&steps, &changes, A1, 0, 7200 * S);
    // Staffed: 0..3600 and 4200..7200 = 6600 s. Busy while staffed:
    // 110..850 (c1 and c2 overlap) = 740, 3500..3600 = 100, 5015..5630 = 615.
    assert_eq!((a1.handled, a1.staffed_ms, a1.busy_ms), (4, 6_600 * S, 1_455 * S));
    assert!(close(a1.occupancy, 1455.0 / 6600.0));
    let a2 = agent_report(&steps, &changes, A2, 0, 7200 * S);
    // 860..1210 = 350 and 2070..2400 = 330 over 7200 s staffed.
    assert_eq!((a2.handled, a2.staffed_ms, a2.busy_ms), (2, 7_200 * S, 680 * S));
    assert!(close(a2.occupancy, 680.0 / 7200.0));
}

#[test]
fn an_empty_interval_has_no_ratios() {
    let (steps, changes) = day();
    let r = queue_report(&steps, Q1, 20 * S, 10_000 * S, 20_000 * S);
    assert_eq!(r, QueueReport::default());
    // A1 went offline at 7200 and stays so: no staffed time, no occupancy.
    assert_eq!(agent_report(&steps, &changes, A1, 10_000 * S, 20_000 * S).occupancy, None);
}

#[test]
fn step_names_round_trip() {
    for kind in StepKind::ALL {
        assert_eq!(StepKind::from_name(kind.name()), Some(kind));
    }
}
