//! What one side shows of one conversation, kept the way the widget and
//! the console keep it: keyed by sequence number (so a message delivered
//! twice shows once), emptied on a `reset`, completed by asking for older
//! pages.

use std::collections::BTreeMap;

use protocol::{ChatMessage, ClientId, Seq};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    pub messages: BTreeMap<Seq, (ClientId, String)>,
    /// A seq that arrived twice with different contents: never allowed.
    pub conflicts: Vec<String>,
}

impl View {
    pub fn insert(&mut self, m: ChatMessage) {
        let entry = (m.client_id, m.text);
        if let Some(before) = self.messages.insert(m.seq, entry.clone()) {
            if before != entry {
                self.conflicts.push(format!("seq {} was {before:?}, then {entry:?}", m.seq));
            }
        }
    }

    pub fn history(&mut self, reset: bool, messages: Vec<ChatMessage>) {
        if reset {
            self.messages.clear();
        }
        for m in messages {
            self.insert(m);
        }
    }

    pub fn last_seq(&self) -> Seq {
        self.messages.keys().next_back().copied().unwrap_or(0)
    }

    /// The oldest seq shown when older ones are missing (seqs start at 1
    /// and have no gaps), i.e. where to ask for the page before.
    pub fn missing_before(&self) -> Option<Seq> {
        self.messages.keys().next().copied().filter(|first| *first > 1)
    }
}
