//! Co-browse sessions and their recordings. A session moves through
//! `protocol::cobrowse::State` only by the conditional updates here (each
//! names the state it leaves), so two nodes, two tabs or a visitor and an
//! agent acting at once cannot both win a step.

use protocol::cobrowse::{Control, EndedBy, Session, State, ASK_TTL_MS};
use protocol::{AgentId, ConversationId, SiteId, VisitorId};

use super::db::on_db;
use super::{hash_token, Result, Store, StoreError};

/// A live session with no conversation (started with a code) ends after
/// this long: nobody keeps a phone call going for half a day.
const LIVE_WITHOUT_CHAT_MS: i64 = 4 * 60 * 60 * 1000;

/// Most text one recording message may unzip to: a message is at most
/// 4 MB compressed, and nobody's export should be a zip bomb's.
const MAX_UNZIPPED: u64 = 32 * 1024 * 1024;

/// A kept recording message's operations as JSON text (its kind byte
/// dropped, its gzip undone), or an empty array if it does not unzip.
pub fn operations(message: &[u8]) -> String {
    use std::io::Read;
    let mut text = String::new();
    let unzipped = message.get(1..).map(|gz| flate2::read::GzDecoder::new(gz).take(MAX_UNZIPPED).read_to_string(&mut text));
    match unzipped {
        Some(Ok(_)) => text,
        _ => "[]".to_string(),
    }
}

/// The co-browse sessions of contact `$1`, as a condition on `s`: started
/// as them, or by a browser that is theirs now.
macro_rules! cobrowse_of_contact {
    () => {
        "(s.contact_id = $1 OR s.visitor_id IN (SELECT w.id FROM visitors w WHERE w.contact_id = $1))"
    };
}
pub(super) use cobrowse_of_contact;

/// A session as the server uses it: the wire's view and who it belongs to.
#[derive(Clone, Debug)]
pub struct CobrowseRecord {
    pub session: Session,
    pub site_id: SiteId,
    pub visitor_id: VisitorId,
    pub agent_id: Option<AgentId>,
    pub contact_id: Option<i64>,
    /// The visitor's short code while it can be used, and until when.
    pub code: Option<(String, i64)>,
}

/// The settings a site gives its recorders.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CobrowseSettings {
    pub unmask: Vec<String>,
    pub allow_submit: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    site_id: i64,
    visitor_id: i64,
    contact_id: Option<i64>,
    conversation_id: Option<i64>,
    agent_id: Option<i64>,
    agent_name: Option<String>,
    visitor_name: Option<String>,
    state: String,
    control: String,
    code: Option<String>,
    code_expires_at: Option<i64>,
    asked_at: i64,
    consented_at: Option<i64>,
    control_at: Option<i64>,
    ended_at: Option<i64>,
    ended_by: Option<String>,
}

impl Row {
    fn into_record(self) -> Result<CobrowseRecord> {
        let state = State::parse(&self.state).ok_or_else(|| StoreError::Corrupt(format!("co-browse state {}", self.state)))?;
        let control = Control::parse(&self.control).ok_or_else(|| StoreError::Corrupt(format!("co-browse control {}", self.control)))?;
        Ok(CobrowseRecord {
            session: Session {
                id: self.id,
                conversation_id: self.conversation_id.map(ConversationId),
                state,
                control,
                agent_name: self.agent_name,
                visitor_name: self.visitor_name.filter(|n| !n.is_empty()),
                asked_ms: self.asked_at,
                consented_ms: self.consented_at,
                control_ms: self.control_at,
                ended_ms: self.ended_at,
                ended_by: self.ended_by.as_deref().and_then(EndedBy::parse),
            },
            site_id: SiteId(self.site_id),
            visitor_id: VisitorId(self.visitor_id),
            agent_id: self.agent_id.map(AgentId),
            contact_id: self.contact_id,
            code: self.code.zip(self.code_expires_at),
        })
    }
}

const SELECT: &str = "SELECT s.id, s.site_id, s.visitor_id, s.contact_id, s.conversation_id, s.agent_id, a.name AS agent_name,
        (SELECT c.name FROM contacts c WHERE c.id = s.contact_id) AS visitor_name,
        s.state, s.control, s.code, s.code_expires_at, s.asked_at, s.consented_at, s.control_at, s.ended_at, s.ended_by
    FROM cobrowse_sessions s LEFT JOIN agents a ON a.id = s.agent_id";

/// Who starts a session.
pub enum Starter<'a> {
    /// The agent in this chat asks.
    Agent { agent: AgentId, conversation: ConversationId },
    /// The visitor made this code, usable until then.
    Code { code: &'a str, expires_at: i64 },
}

impl Store {
    pub async fn cobrowse_session(&self, id: i64) -> Result<Option<CobrowseRecord>> {
        let sql = format!("{SELECT} WHERE s.id = $1");
        let row: Option<Row> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
        row.map(Row::into_record).transpose()
    }

    /// The visitor's session that is asked, waiting for its code or live,
    /// if any (the newest; starting one ends the others).
    pub async fn open_cobrowse_of_visitor(&self, visitor: VisitorId) -> Result<Option<CobrowseRecord>> {
        let sql = format!("{SELECT} WHERE s.visitor_id = $1 AND s.state IN ('asked', 'code', 'live') ORDER BY s.id DESC LIMIT 1");
        let row: Option<Row> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(visitor.get()).fetch_optional(pool).await?);
        row.map(Row::into_record).transpose()
    }

    /// Starts a session for the visitor, ending any other of theirs that
    /// was still open (one visitor, one session). Returns the new one and
    /// those it ended.
    pub async fn start_cobrowse(&self, site: SiteId, visitor: VisitorId, starter: Starter<'_>, now: i64) -> Result<(CobrowseRecord, Vec<i64>)> {
        let (agent, conversation, state, code, expires) = match starter {
            Starter::Agent { agent, conversation } => (Some(agent.get()), Some(conversation.get()), State::Asked, None, None),
            Starter::Code { code, expires_at } => (None, None, State::Code, Some(code), Some(expires_at)),
        };
        let close = "UPDATE cobrowse_sessions SET state = 'ended', ended_at = $2, ended_by = 'expired', code = NULL, key_hash = NULL
            WHERE visitor_id = $1 AND state IN ('asked', 'code', 'live') RETURNING id";
        let insert = "INSERT INTO cobrowse_sessions (site_id, visitor_id, contact_id, conversation_id, agent_id, state, code, code_expires_at, asked_at)
            VALUES ($1, $2, (SELECT contact_id FROM visitors WHERE id = $2), $3, $4, $5, $6, $7, $8) RETURNING id";
        let (id, ended): (i64, Vec<i64>) = on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let ended: Vec<i64> = sqlx::query_scalar(close).bind(visitor.get()).bind(now).fetch_all(&mut *tx).await?;
            let id: i64 = sqlx::query_scalar(insert)
                .bind(site.get())
                .bind(visitor.get())
                .bind(conversation)
                .bind(agent)
                .bind(state.as_str())
                .bind(code)
                .bind(expires)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| if super::is_unique_violation(&e) { StoreError::Duplicate("co-browse code") } else { e.into() })?;
            tx.commit().await?;
            (id, ended)
        });
        let record = self.cobrowse_session(id).await?.ok_or_else(|| StoreError::Corrupt("a new co-browse session vanished".into()))?;
        Ok((record, ended))
    }

    /// The visitor answers an agent's request: `Some(key)` consents (the
    /// recorder's credential, stored hashed), `None` declines. True when
    /// the session was waiting for this visitor's answer.
    pub async fn answer_cobrowse(&self, id: i64, visitor: VisitorId, key: Option<&str>, now: i64) -> Result<bool> {
        let n = match key {
            Some(key) => {
                let sql = "UPDATE cobrowse_sessions SET state = 'live', consented_at = $3, key_hash = $4
                    WHERE id = $1 AND visitor_id = $2 AND state = 'asked' AND asked_at > $5";
                on_db!(&self.db, pool => sqlx::query(sql).bind(id).bind(visitor.get()).bind(now).bind(hash_token(key)).bind(now - ASK_TTL_MS).execute(pool).await?.rows_affected())
            }
            None => {
                let sql = "UPDATE cobrowse_sessions SET state = 'declined', ended_at = $3, ended_by = 'visitor' WHERE id = $1 AND visitor_id = $2 AND state = 'asked'";
                on_db!(&self.db, pool => sqlx::query(sql).bind(id).bind(visitor.get()).bind(now).execute(pool).await?.rows_affected())
            }
        };
        Ok(n == 1)
    }

    /// An agent joins the session whose unexpired code this is, on one of
    /// `sites`: it goes live with them, its code released. The session,
    /// or None for a code that matches nothing they may join.
    pub async fn join_cobrowse(&self, code: &str, agent: AgentId, sites: Option<&[SiteId]>, key: &str, now: i64) -> Result<Option<CobrowseRecord>> {
        let find = "SELECT id, site_id FROM cobrowse_sessions WHERE code = $1 AND state = 'code' AND code_expires_at > $2";
        let found: Option<(i64, i64)> = on_db!(&self.db, pool => sqlx::query_as(find).bind(code).bind(now).fetch_optional(pool).await?);
        let Some((id, site)) = found else { return Ok(None) };
        if sites.is_some_and(|sites| !sites.contains(&SiteId(site))) {
            return Ok(None);
        }
        let sql = "UPDATE cobrowse_sessions SET state = 'live', agent_id = $2, consented_at = $3, key_hash = $4, code = NULL, code_expires_at = NULL
            WHERE id = $1 AND state = 'code'";
        let n = on_db!(&self.db, pool => sqlx::query(sql).bind(id).bind(agent.get()).bind(now).bind(hash_token(key)).execute(pool).await?.rows_affected());
        if n == 0 {
            return Ok(None);
        }
        self.cobrowse_session(id).await
    }

    /// Whether `key` is the recorder's credential of live session `id`.
    pub async fn cobrowse_key_matches(&self, id: i64, key: &str) -> Result<bool> {
        let sql = "SELECT COUNT(*) FROM cobrowse_sessions WHERE id = $1 AND state = 'live' AND key_hash = $2";
        let n: i64 = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(id).bind(hash_token(key)).fetch_one(pool).await?);
        Ok(n == 1)
    }

    /// The agent asks for control of a live session; true when it was not
    /// asked or granted already.
    pub async fn ask_cobrowse_control(&self, id: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE cobrowse_sessions SET control = 'asked', control_asked_at = $2 WHERE id = $1 AND state = 'live' AND control IN ('none', 'declined')";
        let n = on_db!(&self.db, pool => sqlx::query(sql).bind(id).bind(now).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// The visitor grants or refuses control; true when it was asked.
    pub async fn answer_cobrowse_control(&self, id: i64, visitor: VisitorId, grant: bool, now: i64) -> Result<bool> {
        let sql = "UPDATE cobrowse_sessions SET control = $3, control_at = CASE WHEN $3 = 'granted' THEN $4 ELSE control_at END
            WHERE id = $1 AND visitor_id = $2 AND state = 'live' AND control = 'asked'";
        let control = if grant { Control::Granted } else { Control::Declined };
        let n = on_db!(&self.db, pool => sqlx::query(sql).bind(id).bind(visitor.get()).bind(control.as_str()).bind(now).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Ends an open session; true when it was open.
    pub async fn end_cobrowse(&self, id: i64, by: EndedBy, now: i64) -> Result<bool> {
        let sql = "UPDATE cobrowse_sessions SET state = 'ended', ended_at = $2, ended_by = $3, code = NULL, code_expires_at = NULL, key_hash = NULL
            WHERE id = $1 AND state IN ('asked', 'code', 'live')";
        let n = on_db!(&self.db, pool => sqlx::query(sql).bind(id).bind(now).bind(by.as_str()).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Ends what lapsed by `now`: requests nobody answered, codes nobody
    /// used, sessions whose chat ended or went to another agent (a
    /// transfer does not hand over the visitor's screen), and code
    /// sessions live too long.
    /// Returns the sessions it ended.
    pub async fn expire_cobrowse(&self, now: i64) -> Result<Vec<i64>> {
        let sql = "UPDATE cobrowse_sessions SET state = 'ended', ended_at = $1, ended_by = 'expired', code = NULL, code_expires_at = NULL, key_hash = NULL
            WHERE (state = 'asked' AND asked_at <= $2)
               OR (state = 'code' AND code_expires_at <= $1)
               OR (state = 'live' AND conversation_id IS NOT NULL
                   AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = cobrowse_sessions.conversation_id AND c.status = 'ended'))
               OR (state = 'live' AND conversation_id IS NULL AND consented_at <= $3)
               OR (state IN ('asked', 'live') AND conversation_id IS NOT NULL
                   AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = cobrowse_sessions.conversation_id
                                 AND (c.agent_id IS NULL OR c.agent_id != cobrowse_sessions.agent_id)))
            RETURNING id";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(now).bind(now - ASK_TTL_MS).bind(now - LIVE_WITHOUT_CHAT_MS).fetch_all(pool).await?))
    }

    /// Keeps recording messages of a session, in order: (ms since it went
    /// live, bytes as sent). False, keeping none of them, once the session
    /// has kept `most` bytes (counted across every recorder it had, on
    /// every node).
    pub async fn append_cobrowse_frames(&self, id: i64, frames: &[(i64, Vec<u8>)], most: i64) -> Result<bool> {
        if frames.is_empty() {
            return Ok(true);
        }
        let total: i64 = frames.iter().map(|(_, b)| b.len() as i64).sum();
        let count = "UPDATE cobrowse_sessions SET kept_bytes = kept_bytes + $2 WHERE id = $1 AND kept_bytes + $2 <= $3";
        let insert = "INSERT INTO cobrowse_frames (session_id, at, bytes) VALUES ($1, $2, $3)";
        let kept = on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let room = sqlx::query(count).bind(id).bind(total).bind(most).execute(&mut *tx).await?.rows_affected() == 1;
            if room {
                for (at, bytes) in frames {
                    sqlx::query(insert).bind(id).bind(at).bind(bytes.as_slice()).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            room
        });
        Ok(kept)
    }

    /// A session's recording, in order: (ms since it went live, bytes).
    pub async fn cobrowse_recording(&self, id: i64) -> Result<Vec<(i64, Vec<u8>)>> {
        let sql = "SELECT at, bytes FROM cobrowse_frames WHERE session_id = $1 ORDER BY id";
        Ok(on_db!(&self.db, pool => sqlx::query_as(sql).bind(id).fetch_all(pool).await?))
    }

    /// Every kept recording message, for tests that search what the
    /// server holds.
    pub async fn cobrowse_frames_for_tests(&self) -> Result<Vec<Vec<u8>>> {
        let sql = "SELECT bytes FROM cobrowse_frames ORDER BY id";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(sql).fetch_all(pool).await?))
    }

    pub async fn cobrowse_settings(&self, site: SiteId) -> Result<CobrowseSettings> {
        let sql = "SELECT cobrowse_unmask, cobrowse_allow_submit FROM sites WHERE id = $1";
        let row: Option<(String, i64)> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(site.get()).fetch_optional(pool).await?);
        let Some((unmask, allow_submit)) = row else { return Ok(CobrowseSettings::default()) };
        let unmask = serde_json::from_str(&unmask).map_err(|e| StoreError::Corrupt(format!("co-browse selectors: {e}")))?;
        Ok(CobrowseSettings { unmask, allow_submit: allow_submit != 0 })
    }

    pub async fn set_cobrowse_settings(&self, site: SiteId, settings: &CobrowseSettings) -> Result<()> {
        let unmask = serde_json::to_string(&settings.unmask).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = "UPDATE sites SET cobrowse_unmask = $1, cobrowse_allow_submit = $2 WHERE id = $3";
        on_db!(&self.db, pool => sqlx::query(sql).bind(unmask).bind(i64::from(settings.allow_submit)).bind(site.get()).execute(pool).await?.rows_affected());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_unzipped_and_anything_else_is_empty() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(br#"[{"k":"ptr","x":1,"y":2}]"#).unwrap();
        let mut message = vec![protocol::cobrowse::CHANGES];
        message.extend(gz.finish().unwrap());
        assert_eq!(operations(&message), r#"[{"k":"ptr","x":1,"y":2}]"#);
        assert_eq!(operations(&[1, 2, 3]), "[]");
        assert_eq!(operations(&[]), "[]");
    }
}
