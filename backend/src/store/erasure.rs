//! Everything about one contact, exported and erased on request (a
//! data-protection access or erasure request): every conversation with
//! its transcript, every callback with its attempts, every case.
//!
//! Erasure keeps what reports count (that a conversation, callback or case
//! happened, when, in which queue, with which agent) and removes who and
//! what: messages, files, pre-chat answers, ratings' comments, transfer
//! notes, callback names, numbers and notes, cases' texts and comments,
//! the visitors' pages and page views, the webhooks about it and the
//! contact itself (with the anonymous contacts merged into it).

use protocol::crm::{CallbackAttemptExport, CallbackExport, CobrowseExport, ContactExport, RecordedBatch};
use protocol::history::TRANSCRIPT_LIMIT;
use protocol::ConversationId;

use super::cobrowse::cobrowse_of_contact;
use super::contacts::conversations_of_contact;
use super::db::on_db;
use super::{now_ms, Result, Store};

#[derive(sqlx::FromRow)]
struct CallbackRow {
    id: i64,
    name: String,
    phone: String,
    topic: String,
    status: String,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    outcome: String,
    notes: String,
    wrap_up_code: String,
    at: i64,
}

const CONTACT_CALLBACKS: &str = "SELECT id, name, phone, topic, status, created_at FROM callbacks WHERE contact_id = $1 ORDER BY id";

/// The contact's cases: opened for it, or from one of its conversations.
const CONTACT_CASES: &str = concat!("SELECT id FROM cases WHERE contact_id = $1 OR conversation_id IN ", conversations_of_contact!(), " ORDER BY id");

/// The most recording text (unzipped) one contact's export carries.
const EXPORTED_RECORDING_BYTES: usize = 256 * 1024 * 1024;

/// What erasing leaves, statement by statement, in one transaction.
const ERASE: [&str; 12] = [
    // Co-browse sessions and their recordings (as sent: masked, but still
    // the contact's pages).
    concat!("DELETE FROM cobrowse_frames WHERE session_id IN (SELECT s.id FROM cobrowse_sessions s WHERE ", cobrowse_of_contact!(), ")"),
    concat!("DELETE FROM cobrowse_sessions WHERE id IN (SELECT s.id FROM cobrowse_sessions s WHERE ", cobrowse_of_contact!(), ")"),
    "DELETE FROM page_views WHERE visitor_id IN (SELECT v.id FROM visitors v WHERE v.contact_id = $1)",
    "UPDATE callback_attempts SET notes = '' WHERE callback_id IN (SELECT b.id FROM callbacks b WHERE b.contact_id = $1)",
    // A callback keeps its row (reports count it) without a name or number;
    // an open one is cancelled: there is nobody left to call.
    "UPDATE callbacks SET name = '', phone = '', topic = '', ip = '',
        closed_at = CASE WHEN status IN ('scheduled', 'waiting', 'calling') THEN $2 ELSE closed_at END,
        status = CASE WHEN status IN ('scheduled', 'waiting', 'calling') THEN 'cancelled' ELSE status END,
        contact_id = NULL
     WHERE contact_id = $1",
    concat!(
        "DELETE FROM case_comments WHERE case_id IN (SELECT s.id FROM cases s WHERE s.contact_id = $1 OR s.conversation_id IN ",
        conversations_of_contact!(),
        ")"
    ),
    concat!(
        "UPDATE cases SET subject = '', description = '', resolution = '', contact_id = NULL WHERE contact_id = $1 OR conversation_id IN ",
        conversations_of_contact!()
    ),
    // Transfer notes and the like.
    concat!("UPDATE conversation_events SET detail = '' WHERE conversation_id IN ", conversations_of_contact!()),
    concat!(
        "UPDATE conversations SET rating_comment = '', prechat_name = '', prechat_email = '', prechat_topic = '', contact_id = NULL WHERE id IN ",
        conversations_of_contact!()
    ),
    "UPDATE visitors SET page_url = '', page_title = '', tier = '', country = '', contact_id = NULL WHERE contact_id = $1",
    // Only anonymous contacts are merged, into verified ones, so nothing
    // is merged into those merged here.
    "DELETE FROM contacts WHERE merged_into = $1",
    // Its webhooks go with it (ON DELETE CASCADE).
    "DELETE FROM contacts WHERE id = $1 AND merged_into IS NULL",
];

/// A conversation of the contact that is open, or still holds messages
/// (one that started after the caller erased the others).
const NOT_ERASED: &str = concat!(
    "SELECT COUNT(*) FROM conversations c WHERE c.id IN ",
    conversations_of_contact!(),
    " AND (c.status != 'ended' OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id))"
);

impl Store {
    /// The contact's record, conversations (every channel, with all their
    /// messages), callbacks and cases.
    pub async fn export_contact(&self, id: i64) -> Result<ContactExport> {
        let contact = self.live_contact(id).await?.to_wire();
        let mut conversations = Vec::new();
        for c in self.contact_conversations(id).await? {
            if let Some(mut t) = self.transcript(None, c).await? {
                // A transcript stops at its limit; an export does not.
                while let Some(last) = t.messages.last().map(|m| m.seq).filter(|_| t.messages.len() % TRANSCRIPT_LIMIT == 0) {
                    let more = self.messages_after(c, last, TRANSCRIPT_LIMIT).await?;
                    if more.is_empty() {
                        break;
                    }
                    t.messages.extend(more);
                }
                conversations.push(t);
            }
        }
        let rows: Vec<CallbackRow> = on_db!(&self.db, pool => sqlx::query_as(CONTACT_CALLBACKS).bind(id).fetch_all(pool).await?);
        let mut callbacks = Vec::with_capacity(rows.len());
        for r in rows {
            let sql = "SELECT outcome, notes, wrap_up_code, at FROM callback_attempts WHERE callback_id = $1 ORDER BY id";
            let attempts: Vec<AttemptRow> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(r.id).fetch_all(pool).await?);
            callbacks.push(CallbackExport {
                id: r.id,
                name: r.name,
                phone: r.phone,
                topic: r.topic,
                status: r.status,
                created_at_ms: r.created_at,
                attempts: attempts
                    .into_iter()
                    .map(|a| CallbackAttemptExport { outcome: a.outcome, notes: a.notes, wrap_up_code: a.wrap_up_code, at_ms: a.at })
                    .collect(),
            });
        }
        let case_ids: Vec<i64> = on_db!(&self.db, pool => sqlx::query_scalar(CONTACT_CASES).bind(id).fetch_all(pool).await?);
        let mut cases = Vec::with_capacity(case_ids.len());
        for case in case_ids {
            cases.push(self.case(case).await?);
        }
        let sql = concat!("SELECT s.id FROM cobrowse_sessions s WHERE s.consented_at IS NOT NULL AND ", cobrowse_of_contact!(), " ORDER BY s.id");
        let session_ids: Vec<i64> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(id).fetch_all(pool).await?);
        let mut cobrowse = Vec::with_capacity(session_ids.len());
        // Recordings unzip to many times their size: past this much text in
        // one export, the rest of them is listed empty.
        let mut room = EXPORTED_RECORDING_BYTES;
        for session in session_ids {
            let Some(record) = self.cobrowse_session(session).await? else { continue };
            let mut recording = Vec::new();
            for (at_ms, bytes) in self.cobrowse_recording(session).await? {
                let ops = if room > 0 { super::cobrowse::operations(&bytes) } else { "[]".to_string() };
                room = room.saturating_sub(ops.len());
                recording.push(RecordedBatch { at_ms, ops });
            }
            cobrowse.push(CobrowseExport { session: record.session, recording });
        }
        Ok(ContactExport { contact, conversations, callbacks, cases, cobrowse })
    }

    /// The contact's conversations that are still open (erasure waits for
    /// them to end).
    pub async fn contact_open_conversations(&self, id: i64) -> Result<Vec<ConversationId>> {
        let sql = "SELECT id FROM conversations WHERE contact_id = $1 AND status != 'ended'";
        let ids: Vec<i64> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(id).fetch_all(pool).await?);
        Ok(ids.into_iter().map(ConversationId).collect())
    }

    /// Erases what is left about a contact once its conversations' messages
    /// and files are gone (`erase_conversation`, one by one, for their
    /// blobs), in one transaction. False, with nothing changed, when the
    /// contact moved on meanwhile: a conversation of theirs started (or
    /// holds messages again), or it was merged into another; the caller
    /// tries again later.
    pub async fn erase_contact_record(&self, id: i64) -> Result<bool> {
        let now = now_ms();
        let erased = on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let unerased: i64 = sqlx::query_scalar(NOT_ERASED).bind(id).fetch_one(&mut *tx).await?;
            let mut done = unerased == 0;
            if done {
                let (last, rest) = ERASE.split_last().unwrap_or((&"", &[]));
                for sql in rest {
                    // $2 is the time, for the statements that use it.
                    let q = if sql.contains("$2") { sqlx::query(sql).bind(id).bind(now) } else { sqlx::query(sql).bind(id) };
                    q.execute(&mut *tx).await?;
                }
                match sqlx::query(last).bind(id).execute(&mut *tx).await {
                    Ok(r) => done = r.rows_affected() == 1,
                    // A conversation linked to it in the meantime.
                    Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => done = false,
                    Err(e) => return Err(e.into()),
                }
            }
            if done {
                tx.commit().await?;
            }
            done
        });
        Ok(erased)
    }
}
