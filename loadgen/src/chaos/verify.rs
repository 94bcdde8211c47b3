//! The verdict: every message typed is stored exactly once, every side's
//! view of every conversation is exactly what is stored, and each
//! sender's messages are stored in the order they were typed.

use std::collections::{BTreeMap, HashMap, HashSet};

use protocol::{ClientId, ConversationId, Seq};

use super::client::Report;
use super::view::View;

/// What the database holds of one conversation, by seq.
pub type Stored = BTreeMap<ConversationId, BTreeMap<Seq, (ClientId, String)>>;

#[derive(Debug, Default)]
pub struct Verdict {
    pub messages_sent: u64,
    pub messages_acknowledged: u64,
    pub messages_stored: u64,
    /// Typed (acknowledged or not) but not stored, or acknowledged but
    /// missing from a view.
    pub messages_lost: u64,
    /// Stored, or shown, more than once.
    pub messages_doubled: u64,
    /// A sender's messages stored in another order than typed.
    pub messages_out_of_order: u64,
    pub views_checked: u64,
    pub problems: Vec<String>,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.messages_lost == 0 && self.messages_doubled == 0 && self.messages_out_of_order == 0 && self.problems.is_empty()
    }
}

pub fn verify(reports: &[Report], stored: &Stored) -> Verdict {
    let mut v = Verdict::default();
    // Where each stored message is, by client id, and how often.
    let mut stored_at: HashMap<&ClientId, Vec<(ConversationId, Seq)>> = HashMap::new();
    for (id, messages) in stored {
        v.messages_stored += messages.len() as u64;
        let seqs: Vec<Seq> = messages.keys().copied().collect();
        if seqs.iter().enumerate().any(|(i, s)| *s != i as u64 + 1) {
            v.problems.push(format!("conversation {id} has gaps in its sequence numbers"));
        }
        for (seq, (client_id, _)) in messages {
            stored_at.entry(client_id).or_default().push((*id, *seq));
        }
    }
    v.messages_doubled += stored_at.values().filter(|at| at.len() > 1).count() as u64;

    for report in reports {
        check_sender(report, stored, &stored_at, &mut v);
        for (id, view) in &report.views {
            check_view(&report.who, *id, view, stored, &mut v);
        }
        for problem in &report.problems {
            v.problems.push(format!("{}: {problem}", report.who));
        }
    }
    v
}

fn check_sender(report: &Report, stored: &Stored, stored_at: &HashMap<&ClientId, Vec<(ConversationId, Seq)>>, v: &mut Verdict) {
    v.messages_sent += report.typed.len() as u64;
    v.messages_acknowledged += report.acknowledged.len() as u64;
    let mut last_seq: HashMap<ConversationId, Seq> = HashMap::new();
    for (conversation, client_id, text) in &report.typed {
        let Some(places) = stored_at.get(client_id) else {
            v.messages_lost += 1;
            let acked = if report.acknowledged.contains(client_id) { "acknowledged" } else { "never acknowledged" };
            v.problems.push(format!("{}: {text:?} ({acked}) was never stored", report.who));
            continue;
        };
        let (at, seq) = places[0];
        if conversation.is_some_and(|c| c != at) {
            v.problems.push(format!("{}: {text:?} was stored in conversation {at}, not {conversation:?}", report.who));
        }
        if stored.get(&at).and_then(|m| m.get(&seq)).is_some_and(|(_, t)| t != text) {
            v.problems.push(format!("{}: {text:?} was stored with other text", report.who));
        }
        let before = last_seq.insert(at, seq);
        if let Some(b) = before.filter(|b| *b > seq) {
            v.messages_out_of_order += 1;
            // Say which, so that a rare reordering can be traced.
            v.problems
                .push(format!("{}: {text:?} ({client_id}) was stored at seq {seq} in conversation {at}, before an earlier message at seq {b}", report.who));
        }
    }
}

fn check_view(who: &str, id: ConversationId, view: &View, stored: &Stored, v: &mut Verdict) {
    v.views_checked += 1;
    for conflict in &view.conflicts {
        v.problems.push(format!("{who} saw conversation {id} change under it: {conflict}"));
    }
    let Some(truth) = stored.get(&id) else {
        v.problems.push(format!("{who} shows conversation {id}, which is not stored"));
        return;
    };
    let mut seen: HashSet<&ClientId> = HashSet::new();
    for (client_id, _) in view.messages.values() {
        if !seen.insert(client_id) {
            v.messages_doubled += 1;
        }
    }
    let missing = truth.keys().filter(|seq| !view.messages.contains_key(seq)).count() as u64;
    v.messages_lost += missing;
    if missing > 0 {
        v.problems.push(format!("{who} misses {missing} of the {} messages of conversation {id}", truth.len()));
    }
    let different = view.messages.iter().filter(|(seq, m)| truth.get(seq) != Some(m)).count();
    if different > 0 {
        v.problems.push(format!("{who} shows {different} messages of conversation {id} that differ from what is stored"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> ClientId {
        ClientId::parse(format!("m{n}")).unwrap()
    }

    #[test]
    fn a_lost_a_doubled_and_a_reordered_message_are_each_counted() {
        let c = ConversationId(1);
        let mut report = Report { who: "visitor 0".into(), ..Report::default() };
        for n in 1..=4 {
            report.typed.push((Some(c), id(n), format!("t{n}")));
            report.acknowledged.insert(id(n));
        }
        // m1 stored twice, m2 after m3, m4 never.
        let mut messages = BTreeMap::new();
        messages.insert(1, (id(1), "t1".to_string()));
        messages.insert(2, (id(3), "t3".to_string()));
        messages.insert(3, (id(2), "t2".to_string()));
        messages.insert(4, (id(1), "t1".to_string()));
        let view = View { messages: messages.clone(), ..View::default() };
        report.views.insert(c, view);
        let stored: Stored = [(c, messages)].into_iter().collect();
        let v = verify(&[report], &stored);
        assert_eq!((v.messages_lost, v.messages_out_of_order), (1, 1));
        assert_eq!(v.messages_doubled, 2, "once in the store, once in the view");
        assert!(!v.passed());
    }
}
