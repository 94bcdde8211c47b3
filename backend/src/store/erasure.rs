//! Everything about one contact, exported and erased on request (a
//! data-protection access or erasure request): every conversation with
//! its transcript, every callback with its attempts, every case.
//!
//! Erasure keeps what reports count (that a conversation, callback or case
//! happened, when, in which queue, with which agent) and removes who and
//! what: messages, files, pre-chat answers, ratings' comments, callback
//! names, numbers and notes, cases' descriptions and resolutions, the
//! visitors' pages, the webhooks about it and the contact itself.

use protocol::crm::{CallbackAttemptExport, CallbackExport, ContactExport};
use protocol::ConversationId;

use super::db::on_db;
use super::{Result, Store};

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

const CONTACT_CALLBACKS: &str = "SELECT id, name, phone, topic, status, created_at FROM callbacks
     WHERE visitor_id IN (SELECT id FROM visitors WHERE contact_id = $1) ORDER BY id";

impl Store {
    /// The contact's record, conversations (every channel, with their
    /// messages), callbacks and cases.
    pub async fn export_contact(&self, id: i64) -> Result<ContactExport> {
        let contact = self.live_contact(id).await?.to_wire();
        let mut conversations = Vec::new();
        for c in self.contact_conversations(id).await? {
            if let Some(t) = self.transcript(None, c).await? {
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
        let case_ids: Vec<i64> =
            on_db!(&self.db, pool => sqlx::query_scalar("SELECT id FROM cases WHERE contact_id = $1 ORDER BY id").bind(id).fetch_all(pool).await?);
        let mut cases = Vec::with_capacity(case_ids.len());
        for case in case_ids {
            cases.push(self.case(case).await?);
        }
        Ok(ContactExport { contact, conversations, callbacks, cases })
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
    /// blobs): callbacks' details, cases' texts, ratings' comments, the
    /// visitors' pages, the contact and those merged into it. One
    /// transaction.
    pub async fn erase_contact_record(&self, id: i64) -> Result<()> {
        let visitors = "(SELECT v.id FROM visitors v WHERE v.contact_id = $1)";
        let statements = [
            "UPDATE callback_attempts SET notes = '' WHERE callback_id IN (SELECT b.id FROM callbacks b WHERE b.visitor_id IN (SELECT v.id FROM visitors v WHERE v.contact_id = $1))".to_string(),
            // A callback keeps its row (reports count it) without a name or number;
            // an open one is cancelled: there is nobody left to call.
            format!("UPDATE callbacks SET name = '', phone = '', topic = '', ip = '', status = CASE WHEN status IN ('scheduled', 'waiting', 'calling') THEN 'cancelled' ELSE status END WHERE visitor_id IN {visitors}"),
            "UPDATE cases SET description = '', resolution = '', contact_id = NULL WHERE contact_id = $1".to_string(),
            "UPDATE conversations SET rating_comment = '', prechat_name = '', prechat_email = '', prechat_topic = '', contact_id = NULL WHERE contact_id = $1".to_string(),
            "UPDATE visitors SET page_url = '', page_title = '', tier = '', country = '', contact_id = NULL WHERE contact_id = $1".to_string(),
            // Only anonymous contacts are merged, into verified ones, so
            // nothing is merged into those merged here.
            "DELETE FROM contacts WHERE merged_into = $1".to_string(),
            // Its webhooks go with it (ON DELETE CASCADE).
            "DELETE FROM contacts WHERE id = $1".to_string(),
        ];
        on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            for sql in &statements {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
