//! "Is typing" travels a lot and matters little: each conversation passes
//! on at most one "typing" per side per second, however many tabs or
//! consoles send it, and never touches the store.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use protocol::ConversationId;

/// The least time between two "typing" notices of one side of a chat.
const SPACING: Duration = Duration::from_secs(1);
/// Entries kept before old ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Visitor,
    Agent,
}

#[derive(Default)]
pub struct TypingGate {
    last: Mutex<HashMap<(ConversationId, Side), (Instant, bool)>>,
}

impl TypingGate {
    /// Whether this notice should be passed on. "Stopped typing" always is
    /// when the last one passed said "typing"; "typing" at most once a second.
    pub fn pass(&self, conversation: ConversationId, side: Side, on: bool, now: Instant) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.len() >= SWEEP_AT {
            last.retain(|_, (at, _)| now.duration_since(*at) < SPACING * 10);
        }
        let pass = match last.get(&(conversation, side)) {
            None => on,
            Some((at, was_on)) => {
                if on {
                    !*was_on || now.duration_since(*at) >= SPACING
                } else {
                    *was_on
                }
            }
        };
        if pass {
            last.insert((conversation, side), (now, on));
        }
        pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_tabs_typing_pass_once_a_second() {
        let gate = TypingGate::default();
        let c = ConversationId(1);
        let t0 = Instant::now();
        let passed = (0..50).filter(|i| gate.pass(c, Side::Visitor, true, t0 + Duration::from_millis(i * 40))).count();
        assert_eq!(passed, 2, "2 s of typing from many tabs");
        assert!(gate.pass(c, Side::Visitor, false, t0 + Duration::from_secs(3)));
        assert!(!gate.pass(c, Side::Visitor, false, t0 + Duration::from_secs(3)), "a second 'stopped' says nothing new");
        assert!(gate.pass(c, Side::Agent, true, t0), "the other side is separate");
        assert!(!gate.pass(ConversationId(2), Side::Agent, false, t0), "'stopped' without 'typing' says nothing");
    }
}
