//! Departments and cases. Due times come from the severity
//! (`Severity::due_ms`); `escalate_due` marks the cases past one, once each,
//! for whichever node's sweep gets there first. Time is always an argument,
//! so tests set the clock.

use protocol::cases::{Case, CaseComment, CaseConfig, CaseResolution, CaseStatus, Department, DepartmentConfig, Severity};
use protocol::{AgentId, ConversationId, VisitorId};

use super::db::on_db;
use super::{is_unique_violation, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    subject: String,
    description: String,
    severity: String,
    priority: i64,
    status: String,
    department_id: i64,
    department_name: String,
    assignee_id: Option<i64>,
    conversation_id: Option<i64>,
    resolution: String,
    created_at: i64,
    first_response_due: i64,
    resolution_due: i64,
    first_response_at: Option<i64>,
    escalated_at: Option<i64>,
}

impl CaseRow {
    fn case(self) -> Case {
        Case {
            id: self.id,
            config: CaseConfig {
                subject: self.subject,
                description: self.description,
                severity: Severity::parse(&self.severity).unwrap_or_default(),
                priority: u8::try_from(self.priority).unwrap_or(3),
                status: CaseStatus::parse(&self.status).unwrap_or_default(),
                department_id: self.department_id,
                assignee_id: self.assignee_id.map(AgentId),
                conversation_id: self.conversation_id.map(ConversationId),
                resolution: self.resolution,
                make_article: false,
                send_resolution: false,
            },
            department_name: self.department_name,
            created_at_ms: self.created_at,
            first_response_due_ms: self.first_response_due,
            resolution_due_ms: self.resolution_due,
            first_response_at_ms: self.first_response_at,
            escalated_at_ms: self.escalated_at,
            escalated: self.escalated_at.is_some(),
        }
    }
}

const CASE_COLUMNS: &str = "SELECT c.id, c.subject, c.description, c.severity, c.priority, c.status, c.department_id, d.name AS department_name,
        c.assignee_id, c.conversation_id, c.resolution, c.created_at, c.first_response_due, c.resolution_due, c.first_response_at, c.escalated_at
    FROM cases c JOIN departments d ON d.id = c.department_id";

/// Open cases first, the most urgent first.
const CASE_ORDER: &str = "ORDER BY CASE WHEN c.status IN ('resolved', 'closed') THEN 1 ELSE 0 END, c.priority, c.resolution_due, c.id";

/// Whether `status` or `assignee` mean someone has acted on a case.
fn responded(c: &CaseConfig) -> bool {
    c.status != CaseStatus::New || c.assignee_id.is_some()
}

/// Binds a case's own columns, `$1` to `$9`, in the order the statements
/// name them, to any of sqlx's query kinds.
macro_rules! bind_case {
    ($q:expr, $c:expr) => {
        $q.bind(&$c.subject)
            .bind(&$c.description)
            .bind($c.severity.as_str())
            .bind(i64::from($c.priority))
            .bind($c.status.as_str())
            .bind($c.department_id)
            .bind($c.assignee_id.map(AgentId::get))
            .bind($c.conversation_id.map(|id| id.get()))
            .bind(&$c.resolution)
    };
}

/// A case naming a department, agent or conversation that does not exist
/// is that thing not found.
fn write_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound("department, agent or conversation"),
        e => e.into(),
    }
}

/// Who comments on a case: an agent, or another system by its API
/// token's name.
#[derive(Clone, Copy, Debug)]
pub enum CommentBy<'a> {
    Agent(AgentId),
    System(&'a str),
}

impl Store {
    pub async fn departments(&self) -> Result<Vec<Department>> {
        let rows: Vec<(i64, String)> = on_db!(&self.db, pool => sqlx::query_as("SELECT id, name FROM departments ORDER BY name, id").fetch_all(pool).await?);
        let members: Vec<(i64, i64)> =
            on_db!(&self.db, pool => sqlx::query_as("SELECT department_id, agent_id FROM department_members ORDER BY agent_id").fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(id, name)| Department {
                id,
                config: DepartmentConfig { name, members: members.iter().filter(|(d, _)| *d == id).map(|(_, a)| AgentId(*a)).collect() },
            })
            .collect())
    }

    /// Writes a department (a new one when `id` is none) and its members
    /// in one transaction.
    async fn write_department(&self, id: Option<i64>, c: &DepartmentConfig, now: i64) -> Result<i64> {
        let name = c.name.trim();
        let written: std::result::Result<Option<i64>, sqlx::Error> = on_db!(&self.db, pool => async {
            let mut tx = pool.begin().await?;
            let id = match id {
                None => Some(sqlx::query_scalar("INSERT INTO departments (name, created_at) VALUES ($1, $2) RETURNING id").bind(name).bind(now).fetch_one(&mut *tx).await?),
                Some(id) => {
                    let n = sqlx::query("UPDATE departments SET name = $1 WHERE id = $2").bind(name).bind(id).execute(&mut *tx).await?.rows_affected();
                    (n == 1).then_some(id)
                }
            };
            let Some(id) = id else { return Ok(None) };
            sqlx::query("DELETE FROM department_members WHERE department_id = $1").bind(id).execute(&mut *tx).await?;
            for agent in &c.members {
                sqlx::query("INSERT INTO department_members (department_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(agent.get())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(Some(id))
        }
        .await);
        match written {
            Ok(Some(id)) => Ok(id),
            Ok(None) => Err(StoreError::NotFound("department")),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate("a department with that name")),
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(StoreError::NotFound("agent")),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn create_department(&self, c: &DepartmentConfig, now: i64) -> Result<Department> {
        let id = self.write_department(None, c, now).await?;
        Ok(Department { id, config: DepartmentConfig { name: c.name.trim().to_string(), members: c.members.clone() } })
    }

    pub async fn update_department(&self, id: i64, c: &DepartmentConfig) -> Result<()> {
        self.write_department(Some(id), c, 0).await.map(|_| ())
    }

    /// The departments `agent` is a member of.
    pub async fn agent_departments(&self, agent: AgentId) -> Result<Vec<i64>> {
        let sql = "SELECT department_id FROM department_members WHERE agent_id = $1";
        Ok(on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(agent.get()).fetch_all(pool).await?))
    }

    /// The cases `agent` works: their departments' and those assigned to
    /// them; every case for `None` (supervisors and admins).
    pub async fn cases_for(&self, agent: Option<AgentId>) -> Result<Vec<Case>> {
        let rows: Vec<CaseRow> = match agent {
            None => {
                let sql = format!("{CASE_COLUMNS} {CASE_ORDER} LIMIT 500");
                on_db!(&self.db, pool => sqlx::query_as(&sql).fetch_all(pool).await?)
            }
            Some(agent) => {
                let sql = format!(
                    "{CASE_COLUMNS} WHERE c.assignee_id = $1 OR c.department_id IN (SELECT department_id FROM department_members WHERE agent_id = $1)
                     {CASE_ORDER} LIMIT 500"
                );
                on_db!(&self.db, pool => sqlx::query_as(&sql).bind(agent.get()).fetch_all(pool).await?)
            }
        };
        Ok(rows.into_iter().map(CaseRow::case).collect())
    }

    /// The open cases of a contact (opened for it, or from one of its
    /// conversations), most urgent first.
    pub async fn contact_open_cases(&self, contact: i64) -> Result<Vec<Case>> {
        let sql = format!(
            "{CASE_COLUMNS} WHERE c.status NOT IN ('resolved', 'closed')
               AND (c.contact_id = $1 OR c.conversation_id IN (SELECT o.id FROM conversations o WHERE o.contact_id = $1)) {CASE_ORDER} LIMIT 20"
        );
        let rows: Vec<CaseRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(contact).fetch_all(pool).await?);
        Ok(rows.into_iter().map(CaseRow::case).collect())
    }

    pub async fn case(&self, id: i64) -> Result<Case> {
        let sql = format!("{CASE_COLUMNS} WHERE c.id = $1");
        let row: Option<CaseRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
        row.map(CaseRow::case).ok_or(StoreError::NotFound("case"))
    }

    /// A case's comments, oldest first.
    pub async fn case_comments(&self, case: i64) -> Result<Vec<CaseComment>> {
        let sql = "SELECT m.id, COALESCE(a.name, m.author) AS author, m.text, m.created_at FROM case_comments m LEFT JOIN agents a ON a.id = m.agent_id
                   WHERE m.case_id = $1 ORDER BY m.id";
        let rows: Vec<(i64, String, String, i64)> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(case).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(id, author, text, at_ms)| CaseComment { id, author, text, at_ms }).collect())
    }

    /// Adds a comment to a case; the case counts as changed.
    pub async fn add_case_comment(&self, case: i64, by: CommentBy<'_>, text: &str, now: i64) -> Result<()> {
        let insert = "INSERT INTO case_comments (case_id, agent_id, author, text, created_at) VALUES ($1, $2, $3, $4, $5)";
        let (agent, author) = match by {
            CommentBy::Agent(agent) => (Some(agent.get()), ""),
            CommentBy::System(name) => (None, name),
        };
        let written = on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let touched = sqlx::query("UPDATE cases SET updated_at = $2 WHERE id = $1").bind(case).bind(now).execute(&mut *tx).await?.rows_affected();
            if touched == 1 {
                sqlx::query(insert).bind(case).bind(agent).bind(author).bind(text).bind(now).execute(&mut *tx).await?;
                tx.commit().await?;
            }
            touched == 1
        });
        if written {
            Ok(())
        } else {
            Err(StoreError::NotFound("case"))
        }
    }

    /// Sends a resolved case's resolution to its customer at `now` (again,
    /// if it was sent before: they read the new one). False when the case
    /// is not resolved with a resolution, or has no customer.
    pub async fn send_resolution(&self, case: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE cases SET resolution_sent_at = $2, resolution_seen_at = NULL
                   WHERE id = $1 AND status IN ('resolved', 'closed') AND resolution != '' AND contact_id IS NOT NULL";
        Ok(on_db!(&self.db, pool => sqlx::query(sql).bind(case).bind(now).execute(pool).await?.rows_affected()) == 1)
    }

    /// The resolutions sent to the visitor's contact that they have not
    /// read, oldest first; a case reopened since is not told as resolved.
    pub async fn unread_resolutions(&self, visitor: VisitorId) -> Result<Vec<CaseResolution>> {
        let sql = "SELECT id, subject, resolution, resolution_sent_at FROM cases
                   WHERE contact_id = (SELECT contact_id FROM visitors WHERE id = $1)
                     AND resolution_sent_at IS NOT NULL AND resolution_seen_at IS NULL
                     AND status IN ('resolved', 'closed') AND resolution != '' ORDER BY resolution_sent_at LIMIT 5";
        let rows: Vec<(i64, String, String, i64)> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(visitor.get()).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(case_id, subject, resolution, sent_at_ms)| CaseResolution { case_id, subject, resolution, sent_at_ms }).collect())
    }

    /// The visitor read a resolution sent to them (only their contact's
    /// cases are theirs to mark).
    pub async fn resolution_seen(&self, visitor: VisitorId, case: i64, now: i64) -> Result<()> {
        let sql = "UPDATE cases SET resolution_seen_at = $3
                   WHERE id = $2 AND contact_id = (SELECT contact_id FROM visitors WHERE id = $1) AND resolution_sent_at IS NOT NULL";
        on_db!(&self.db, pool => sqlx::query(sql).bind(visitor.get()).bind(case).bind(now).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// The contact a case is about, if any.
    pub async fn case_contact(&self, id: i64) -> Result<Option<i64>> {
        let row: Option<Option<i64>> =
            on_db!(&self.db, pool => sqlx::query_scalar("SELECT contact_id FROM cases WHERE id = $1").bind(id).fetch_optional(pool).await?);
        Ok(row.flatten())
    }

    /// Opens a case at `now`; its due times follow from the severity. A
    /// case opened from a conversation records the conversation's contact.
    pub async fn create_case(&self, by: Option<AgentId>, c: &CaseConfig, now: i64) -> Result<Case> {
        let (first, resolve) = c.severity.due_ms();
        let sql = "INSERT INTO cases (subject, description, severity, priority, status, department_id, assignee_id, conversation_id, contact_id,
                resolution, opened_by, created_at, updated_at, first_response_due, resolution_due, first_response_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT contact_id FROM conversations WHERE id = $8), $9, $10, $11, $11, $12, $13, $14)
             RETURNING id";
        let id: std::result::Result<i64, sqlx::Error> = on_db!(&self.db, pool => bind_case!(sqlx::query_scalar(sql), c)
            .bind(by.map(AgentId::get))
            .bind(now)
            .bind(now + first)
            .bind(now + resolve)
            .bind(responded(c).then_some(now))
            .fetch_one(pool)
            .await);
        match id {
            Ok(id) => self.case(id).await,
            Err(e) => Err(write_error(e)),
        }
    }

    /// Changes a case at `now`: the first action on it is its first
    /// response; a new severity sets new due times from when it opened.
    pub async fn update_case(&self, id: i64, c: &CaseConfig, now: i64) -> Result<Case> {
        let (first, resolve) = c.severity.due_ms();
        let sql = "UPDATE cases SET subject = $1, description = $2, severity = $3, priority = $4, status = $5, department_id = $6,
                assignee_id = $7, conversation_id = $8, resolution = $9, updated_at = $10,
                first_response_due = created_at + $11, resolution_due = created_at + $12,
                first_response_at = COALESCE(first_response_at, $13),
                resolved_at = CASE WHEN $14 THEN COALESCE(resolved_at, $10) ELSE NULL END
             WHERE id = $15";
        let changed: std::result::Result<u64, sqlx::Error> = on_db!(&self.db, pool => bind_case!(sqlx::query(sql), c)
            .bind(now)
            .bind(first)
            .bind(resolve)
            // Kept when there is one already (COALESCE).
            .bind(responded(c).then_some(now))
            .bind(c.status.is_done())
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match changed {
            Ok(0) => Err(StoreError::NotFound("case")),
            Ok(_) => self.case(id).await,
            Err(e) => Err(write_error(e)),
        }
    }

    /// Marks every open case that is past a due time it has not met as
    /// escalated, at `now`, and returns them; each case once, whichever node
    /// gets there first.
    pub async fn escalate_due(&self, now: i64) -> Result<Vec<Case>> {
        let sql = "SELECT id FROM cases WHERE escalated_at IS NULL AND status NOT IN ('resolved', 'closed')
             AND ((first_response_at IS NULL AND first_response_due <= $1) OR resolution_due <= $1) ORDER BY id LIMIT 200";
        let due: Vec<i64> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(now).fetch_all(pool).await?);
        let mut escalated = Vec::new();
        for id in due {
            // The condition again: a case resolved or answered since the
            // select is not escalated.
            let mark = "UPDATE cases SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL AND status NOT IN ('resolved', 'closed')
                 AND ((first_response_at IS NULL AND first_response_due <= $1) OR resolution_due <= $1)";
            let n = on_db!(&self.db, pool => sqlx::query(mark).bind(now).bind(id).execute(pool).await?.rows_affected());
            if n == 1 {
                escalated.push(self.case(id).await?);
            }
        }
        Ok(escalated)
    }
}
