//! What becomes of each message in one writer batch: a pure decision over
//! what the database held when the batch's transaction began.
//!
//! The writer reads the batch's conversations and any already-stored client
//! ids in two statements, decides here, and inserts every new message in a
//! third. Deciding in code rather than per-row SQL is what lets a batch of
//! hundreds cost three statements instead of hundreds: each statement is a
//! round trip to the database's thread.

use std::collections::HashMap;

use protocol::{ChatMessage, ClientId, ConversationId, Seq};

use crate::store::NewMessage;

/// What the database says about one conversation in the batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ConversationState {
    pub last_seq: Seq,
    pub open: bool,
}

/// The fate of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Stored by this batch, under the next sequence number.
    New(ChatMessage),
    /// Its client id was already stored (before or earlier in this batch):
    /// this is the stored message, and nothing new is written.
    Resent(ChatMessage),
    /// The conversation already holds the most messages it may.
    Full,
    /// The conversation has ended, or does not exist.
    Ended,
}

/// Decides every message of the batch in order. `conversations` holds the
/// state of those that exist; `stored` the messages already stored under
/// the batch's client ids. The messages to insert are the `New` outcomes.
pub(super) fn plan(
    batch: &[NewMessage],
    mut conversations: HashMap<ConversationId, ConversationState>,
    mut stored: HashMap<(ConversationId, ClientId), ChatMessage>,
    cap: u32,
    now_ms: i64,
) -> Vec<Outcome> {
    batch
        .iter()
        .map(|m| {
            let key = (m.conversation_id, m.client_id.clone());
            if let Some(message) = stored.get(&key) {
                return Outcome::Resent(message.clone());
            }
            let Some(state) = conversations.get_mut(&m.conversation_id).filter(|s| s.open) else {
                return Outcome::Ended;
            };
            if state.last_seq >= u64::from(cap) {
                return Outcome::Full;
            }
            state.last_seq += 1;
            let message = ChatMessage {
                seq: state.last_seq,
                client_id: m.client_id.clone(),
                author: m.author,
                author_name: m.author_name.clone(),
                text: m.text.as_str().to_owned(),
                sent_at_ms: now_ms,
                file: m.file.clone().map(Box::new),
            };
            stored.insert(key, message.clone());
            Outcome::New(message)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use protocol::{Author, MessageText};

    use super::*;

    fn new(conversation: i64, client_id: &str) -> NewMessage {
        NewMessage {
            conversation_id: ConversationId(conversation),
            client_id: ClientId::parse(client_id).unwrap(),
            author: Author::Visitor,
            author_name: "V".into(),
            agent_id: None,
            text: MessageText::parse(format!("text of {client_id}")).unwrap(),
            file: None,
        }
    }

    fn open(last_seq: Seq) -> ConversationState {
        ConversationState { last_seq, open: true }
    }

    fn seqs(outcomes: &[Outcome]) -> Vec<String> {
        outcomes
            .iter()
            .map(|o| match o {
                Outcome::New(m) => format!("new {}", m.seq),
                Outcome::Resent(m) => format!("resent {}", m.seq),
                Outcome::Full => "full".into(),
                Outcome::Ended => "ended".into(),
            })
            .collect()
    }

    #[test]
    fn each_conversation_counts_on_from_its_own_last_seq() {
        let batch = [new(1, "a"), new(2, "b"), new(1, "c"), new(2, "d"), new(1, "e")];
        let state = HashMap::from([(ConversationId(1), open(0)), (ConversationId(2), open(41))]);
        let outcomes = plan(&batch, state, HashMap::new(), 100, 7);
        assert_eq!(seqs(&outcomes), ["new 1", "new 42", "new 2", "new 43", "new 3"]);
        let Outcome::New(m) = &outcomes[1] else { unreachable!() };
        assert_eq!((m.text.as_str(), m.sent_at_ms, m.client_id.as_str()), ("text of b", 7, "b"));
    }

    #[test]
    fn a_resend_in_the_same_batch_or_from_before_gets_the_stored_message() {
        let c = ConversationId(1);
        let earlier = ChatMessage {
            seq: 3,
            client_id: ClientId::parse("old").unwrap(),
            author: Author::Visitor,
            author_name: "V".into(),
            text: "first words".into(),
            sent_at_ms: 1,
            file: None,
        };
        let stored = HashMap::from([((c, earlier.client_id.clone()), earlier.clone())]);
        let batch = [new(1, "x"), new(1, "old"), new(1, "x")];
        let outcomes = plan(&batch, HashMap::from([(c, open(3))]), stored, 100, 9);
        assert_eq!(seqs(&outcomes), ["new 4", "resent 3", "resent 4"]);
        assert_eq!(outcomes[1], Outcome::Resent(earlier));
    }

    #[test]
    fn the_cap_refuses_new_messages_but_not_resends() {
        let c = ConversationId(1);
        let batch = [new(1, "a"), new(1, "b"), new(1, "a"), new(1, "c")];
        let outcomes = plan(&batch, HashMap::from([(c, open(1))]), HashMap::new(), 2, 0);
        assert_eq!(seqs(&outcomes), ["new 2", "full", "resent 2", "full"]);
    }

    #[test]
    fn ended_and_unknown_conversations_take_nothing_new() {
        let ended = ConversationId(1);
        let batch = [new(1, "a"), new(5, "b")];
        let state = HashMap::from([(ended, ConversationState { last_seq: 4, open: false })]);
        assert_eq!(seqs(&plan(&batch, state, HashMap::new(), 100, 0)), ["ended", "ended"]);
    }
}
