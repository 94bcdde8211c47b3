//! A writer batch on PostgreSQL, where every node has a writer: the
//! batch's conversations are locked first (in id order, so two nodes never
//! deadlock), then read, so two writers number one conversation's messages
//! one after the other. Arrays bind the whole batch in one parameter each,
//! which keeps every statement's text the same (prepared once).

use std::collections::{BTreeSet, HashMap};

use protocol::{ChatMessage, ClientId, ConversationId};
use sqlx::{PgPool, Postgres, Transaction};

use super::plan::{plan, ConversationState, Outcome};
use super::StoredRow;
use crate::store::messages::{stored_file, NewMessage, MESSAGE_COLUMNS};
use crate::store::{unsigned, Result};

pub(super) async fn write_batch(pool: &PgPool, messages: &[NewMessage], cap: u32, now_ms: i64) -> Result<Vec<Outcome>> {
    let ids: Vec<i64> = messages.iter().map(|m| m.conversation_id.get()).collect::<BTreeSet<_>>().into_iter().collect();
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT id FROM conversations WHERE id = ANY($1) ORDER BY id FOR UPDATE").bind(&ids).execute(&mut *tx).await?;
    // A statement of its own after the lock: under READ COMMITTED it sees
    // every message committed before the lock was granted.
    let conversations = conversation_states(&mut tx, &ids).await?;
    let stored = stored_messages(&mut tx, messages).await?;
    let outcomes = plan(messages, conversations, stored, cap, now_ms);
    insert_new(&mut tx, messages, &outcomes).await?;
    tx.commit().await?;
    Ok(outcomes)
}

async fn conversation_states(tx: &mut Transaction<'_, Postgres>, ids: &[i64]) -> Result<HashMap<ConversationId, ConversationState>> {
    let rows: Vec<(i64, bool, i64)> = sqlx::query_as(
        "SELECT c.id, c.status != 'ended',
         (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.conversation_id = c.id)
         FROM conversations c WHERE c.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(id, open, last_seq)| (ConversationId(id), ConversationState { last_seq: unsigned(last_seq), open })).collect())
}

async fn stored_messages(tx: &mut Transaction<'_, Postgres>, messages: &[NewMessage]) -> Result<HashMap<(ConversationId, ClientId), ChatMessage>> {
    let conversations: Vec<i64> = messages.iter().map(|m| m.conversation_id.get()).collect();
    let client_ids: Vec<&str> = messages.iter().map(|m| m.client_id.as_str()).collect();
    let columns = MESSAGE_COLUMNS.split(", ").map(|c| format!("m.{c}")).collect::<Vec<_>>().join(", ");
    let rows: Vec<StoredRow> = sqlx::query_as(&format!(
        "SELECT m.conversation_id, {columns} FROM messages m
         JOIN UNNEST($1::BIGINT[], $2::TEXT[]) AS k(conversation_id, client_id)
           ON m.conversation_id = k.conversation_id AND m.client_id = k.client_id"
    ))
    .bind(&conversations)
    .bind(&client_ids)
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            let message = r.message.into_message()?;
            Ok(((ConversationId(r.conversation_id), message.client_id.clone()), message))
        })
        .collect()
}

async fn insert_new(tx: &mut Transaction<'_, Postgres>, messages: &[NewMessage], outcomes: &[Outcome]) -> Result<()> {
    let mut columns = Columns::default();
    for (m, outcome) in messages.iter().zip(outcomes) {
        if let Outcome::New(stored) = outcome {
            columns.push(m, stored);
        }
    }
    if columns.conversation_id.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO messages (conversation_id, seq, client_id, author, author_name, agent_id, text, sent_at, file)
         SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[], $7::TEXT[], $8::BIGINT[], $9::TEXT[])",
    )
    .bind(&columns.conversation_id)
    .bind(&columns.seq)
    .bind(&columns.client_id)
    .bind(&columns.author)
    .bind(&columns.author_name)
    .bind(&columns.agent_id)
    .bind(&columns.text)
    .bind(&columns.sent_at)
    .bind(&columns.file)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The new messages, column by column, for `UNNEST`.
#[derive(Default)]
struct Columns {
    conversation_id: Vec<i64>,
    seq: Vec<i64>,
    client_id: Vec<String>,
    author: Vec<&'static str>,
    author_name: Vec<String>,
    agent_id: Vec<Option<i64>>,
    text: Vec<String>,
    sent_at: Vec<i64>,
    file: Vec<Option<String>>,
}

impl Columns {
    fn push(&mut self, m: &NewMessage, stored: &ChatMessage) {
        self.conversation_id.push(m.conversation_id.get());
        self.seq.push(i64::try_from(stored.seq).unwrap_or(i64::MAX));
        self.client_id.push(m.client_id.as_str().to_owned());
        self.author.push(m.author.as_str());
        self.author_name.push(m.author_name.clone());
        self.agent_id.push(m.agent_id.map(|a| a.get()));
        self.text.push(m.text.as_str().to_owned());
        self.sent_at.push(stored.sent_at_ms);
        self.file.push(m.file.as_ref().map(stored_file));
    }
}
