//! One contact's timeline: its chats (with rating and wrap-up code), its
//! callback requests (with the last attempt's agent and wrap-up code), its
//! cases (opened for it, or from one of its conversations) and the notes
//! on them (case comments), newest first, in pages. A callback's attempts are not listed
//! apart from the request they belong to.

use protocol::crm::{Interaction, InteractionKind, Timeline};
use protocol::{Channel, ConversationId};

use super::cobrowse::cobrowse_of_contact;
use super::db::on_db;
use super::{Result, Store};

/// Orders entries of the same millisecond: conversations, callbacks,
/// cases (the `k` column).
const KINDS: [InteractionKind; 5] =
    [InteractionKind::Conversation, InteractionKind::Callback, InteractionKind::Case, InteractionKind::Note, InteractionKind::Cobrowse];

fn kind_of(k: i32) -> InteractionKind {
    usize::try_from(k).ok().and_then(|k| KINDS.get(k)).copied().unwrap_or(InteractionKind::Case)
}

fn rank_of(kind: InteractionKind) -> i32 {
    KINDS.iter().position(|k| *k == kind).map_or(2, |p| p as i32)
}

/// Where a page ends: the last entry's time, kind and id, as the next
/// page's `before` (`at.k.id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimelineCursor {
    at: i64,
    k: i32,
    id: i64,
}

impl TimelineCursor {
    pub const START: TimelineCursor = TimelineCursor { at: i64::MAX, k: 0, id: 0 };

    pub fn parse(s: &str) -> Option<TimelineCursor> {
        let mut parts = s.split('.');
        let cursor = TimelineCursor { at: parts.next()?.parse().ok()?, k: parts.next()?.parse().ok()?, id: parts.next()?.parse().ok()? };
        parts.next().is_none().then_some(cursor)
    }

    fn text(self) -> String {
        format!("{}.{}.{}", self.at, self.k, self.id)
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    k: i32,
    id: i64,
    channel: String,
    at: i64,
    ended_at: Option<i64>,
    status: String,
    summary: String,
    queue: Option<String>,
    agent: Option<String>,
    wrap_up_code: Option<String>,
    rating: Option<i64>,
    rating_comment: String,
    department: Option<String>,
}

impl Row {
    fn interaction(self) -> Interaction {
        Interaction {
            kind: kind_of(self.k),
            id: self.id,
            channel: Channel::parse(&self.channel).unwrap_or_default(),
            at_ms: self.at,
            ended_at_ms: self.ended_at,
            status: self.status,
            summary: self.summary,
            queue: self.queue.unwrap_or_default(),
            agent: self.agent.unwrap_or_default(),
            wrap_up_code: self.wrap_up_code.unwrap_or_default(),
            rating: self.rating.and_then(|n| u8::try_from(n).ok()),
            rating_comment: self.rating_comment,
            department: self.department.unwrap_or_default(),
        }
    }
}

/// A conversation as a timeline entry; the caller adds the `WHERE`.
macro_rules! conversation_entry {
    () => {
        "SELECT 0 AS k, c.id, c.channel, c.created_at AS at, c.ended_at, c.status, c.prechat_topic AS summary,
           q.name AS queue, a.name AS agent, c.wrap_up_code, c.rating, c.rating_comment, NULL AS department
      FROM conversations c LEFT JOIN queues q ON q.id = c.queue_id LEFT JOIN agents a ON a.id = c.agent_id"
    };
}

const TIMELINE: &str = concat!("SELECT * FROM (
    ", conversation_entry!(), "
     WHERE c.contact_id = $1 AND c.channel = 'chat'
    UNION ALL
    SELECT 1 AS k, b.id, 'callback' AS channel, b.created_at AS at, b.closed_at AS ended_at, b.status, b.topic AS summary,
           q.name AS queue,
           (SELECT a.name FROM callback_attempts t JOIN agents a ON a.id = t.agent_id WHERE t.callback_id = b.id ORDER BY t.id DESC LIMIT 1) AS agent,
           (SELECT t.wrap_up_code FROM callback_attempts t WHERE t.callback_id = b.id ORDER BY t.id DESC LIMIT 1) AS wrap_up_code,
           NULL AS rating, '' AS rating_comment, NULL AS department
      FROM callbacks b LEFT JOIN queues q ON q.id = b.queue_id
     WHERE b.contact_id = $1
    UNION ALL
    SELECT 2 AS k, s.id, COALESCE((SELECT o.channel FROM conversations o WHERE o.id = s.conversation_id), 'chat') AS channel, s.created_at AS at, s.resolved_at AS ended_at, s.status, s.subject AS summary,
           NULL AS queue, a.name AS agent, NULL AS wrap_up_code, NULL AS rating, '' AS rating_comment, d.name AS department
      FROM cases s JOIN departments d ON d.id = s.department_id LEFT JOIN agents a ON a.id = s.assignee_id
     WHERE s.contact_id = $1 OR s.conversation_id IN (SELECT o.id FROM conversations o WHERE o.contact_id = $1)
    UNION ALL
    SELECT 3 AS k, m.id, 'chat' AS channel, m.created_at AS at, NULL AS ended_at, '' AS status, m.text AS summary,
           NULL AS queue, COALESCE(a.name, m.author) AS agent, NULL AS wrap_up_code, NULL AS rating, '' AS rating_comment, d.name AS department
      FROM case_comments m JOIN cases s ON s.id = m.case_id JOIN departments d ON d.id = s.department_id LEFT JOIN agents a ON a.id = m.agent_id
     WHERE s.contact_id = $1 OR s.conversation_id IN (SELECT o.id FROM conversations o WHERE o.contact_id = $1)
    UNION ALL
    SELECT 4 AS k, s.id, COALESCE((SELECT o.channel FROM conversations o WHERE o.id = s.conversation_id), 'chat') AS channel, s.asked_at AS at, s.ended_at, s.state AS status,
           CASE WHEN s.control_at IS NULL THEN '' ELSE 'control' END AS summary,
           NULL AS queue, a.name AS agent, NULL AS wrap_up_code, NULL AS rating, '' AS rating_comment, NULL AS department
      FROM cobrowse_sessions s LEFT JOIN agents a ON a.id = s.agent_id
     WHERE s.consented_at IS NOT NULL AND ", cobrowse_of_contact!(), "
) AS t
WHERE at < $2 OR (at = $2 AND (k > $3 OR (k = $3 AND id < $4)))
ORDER BY at DESC, k, id DESC
LIMIT $5");

impl Store {
    /// A page of the contact's timeline after `before` (newest first).
    pub async fn timeline(&self, contact: i64, before: TimelineCursor, limit: usize) -> Result<Timeline> {
        let rows: Vec<Row> = on_db!(&self.db, pool => sqlx::query_as(TIMELINE)
            .bind(contact).bind(before.at).bind(before.k).bind(before.id).bind(limit as i64 + 1)
            .fetch_all(pool).await?);
        let more = rows.len() > limit;
        let interactions: Vec<Interaction> = rows.into_iter().take(limit).map(Row::interaction).collect();
        let next_before = more.then(|| interactions.last().map(|i| TimelineCursor { at: i.at_ms, k: rank_of(i.kind), id: i.id }.text())).flatten();
        Ok(Timeline { interactions, next_before })
    }

    /// One conversation as a timeline entry, with its contact: what the
    /// interaction webhooks carry.
    pub async fn conversation_interaction(&self, id: ConversationId) -> Result<Option<(Interaction, Option<i64>)>> {
        let sql = concat!(conversation_entry!(), " WHERE c.id = $1");
        let row: Option<Row> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(id.get()).fetch_optional(pool).await?);
        let Some(row) = row else { return Ok(None) };
        Ok(Some((row.interaction(), self.conversation_contact(id).await?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_what_they_wrote_and_nothing_else() {
        let c = TimelineCursor { at: 1_700_000_000_000, k: 2, id: 17 };
        assert_eq!(TimelineCursor::parse(&c.text()), Some(c));
        for bad in ["", "1.2", "1.2.3.4", "a.b.c", "1..3"] {
            assert_eq!(TimelineCursor::parse(bad), None, "{bad}");
        }
    }
}
