//! Departments and cases over REST.
//!
//! Admins keep departments and their members. Any agent opens a case, for
//! any department (that is how a complaint is dispatched); a department's
//! members, the case's assignee, supervisors and admins work it and
//! comment on it. A resolved case becomes a draft article in one step.

use axum::extract::{Path, State};
use axum::Json;
use protocol::articles::{Article, ArticleConfig, ArticleFormat, ArticleStatus, MAX_CATEGORY_CHARS};
use protocol::canned::reply_language;
use protocol::cases::{Case, CaseComment, CaseConfig, CaseStatus, Department, DepartmentConfig, NewComment};
use protocol::{AgentId, ErrorCode};

use super::admin::Admin;
use crate::auth::SignedIn;
use crate::events;
use crate::extract::FromConsole;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{now_ms, CommentBy, SessionRecord};

/// Supervisors and admins.
fn is_lead(session: &SessionRecord) -> bool {
    session.agent.info.role.supervises()
}

pub(crate) fn checked(c: CaseConfig) -> Result<CaseConfig, Refusal> {
    c.checked().map_err(|e| Refusal::new(ErrorCode::Invalid, e.to_string()))
}

fn department_checked(c: DepartmentConfig) -> Result<DepartmentConfig, Refusal> {
    // A department's name becomes its articles' category.
    let n = c.name.trim().chars().count();
    if n == 0 || n > MAX_CATEGORY_CHARS {
        return Err(Refusal::new(ErrorCode::Invalid, "a department's name is 1 to 60 characters"));
    }
    Ok(DepartmentConfig { name: c.name.trim().to_string(), members: c.members })
}

/// What an agent (not a lead) may write into a case: a conversation of
/// their own sites, and as assignee only themselves or whoever it was
/// (`before`; none for a new case). Leads may do anything.
async fn may_write(state: &AppState, session: &SessionRecord, c: &CaseConfig, before: Option<&Case>) -> Result<(), Refusal> {
    if is_lead(session) {
        return Ok(());
    }
    if let Some(id) = c.conversation_id {
        let ours = state.store.conversation(id).await?.is_some_and(|conv| session.agent.sites.contains(&conv.site_id));
        if !ours {
            return Err(Refusal::new(ErrorCode::NotFound, "no such conversation"));
        }
    }
    let me = session.agent.info.id;
    let assignee_ok = c.assignee_id.is_none() || c.assignee_id == Some(me) || before.is_some_and(|b| b.config.assignee_id == c.assignee_id);
    if !assignee_ok {
        return Err(Refusal::new(ErrorCode::Forbidden, "agents take cases themselves; supervisors and admins assign them to others"));
    }
    Ok(())
}

/// Whether a case as it will be can be made an article, before anything
/// is written.
fn article_ready(c: &CaseConfig) -> Result<(), Refusal> {
    if !c.status.is_done() {
        return Err(Refusal::new(ErrorCode::InvalidState, "only a resolved case becomes an article"));
    }
    if c.resolution.trim().is_empty() {
        return Err(Refusal::new(ErrorCode::Invalid, "write the resolution first: it becomes the article's text"));
    }
    Ok(())
}

/// Whether case `id`, saved as `c`, can send its resolution to its
/// customer; asked before anything is written (the console and the API).
pub(crate) async fn resolution_sendable(state: &AppState, id: i64, c: &CaseConfig) -> Result<(), Refusal> {
    if !c.status.is_done() || c.resolution.trim().is_empty() {
        return Err(Refusal::new(ErrorCode::InvalidState, "only a resolved case with its resolution written sends it to the customer"));
    }
    if state.store.case_contact(id).await?.is_none() {
        return Err(Refusal::new(ErrorCode::InvalidState, "this case has no customer to send the resolution to (open it from their chat)"));
    }
    Ok(())
}

/// A case marked assigned without an assignee is taken by whoever marked
/// it (the console's form has no assignee field: an agent takes a case).
fn taken(mut c: CaseConfig, session: &SessionRecord) -> CaseConfig {
    if c.status == CaseStatus::Assigned && c.assignee_id.is_none() {
        c.assignee_id = Some(session.agent.info.id);
    }
    c
}

/// `GET /api/v1/departments`: every department, for the case form.
pub async fn list_departments(State(state): State<AppState>, SignedIn(_): SignedIn) -> Result<Json<Vec<Department>>, Refusal> {
    Ok(Json(state.store.departments().await?))
}

/// `POST /api/v1/admin/departments`
pub async fn create_department(State(state): State<AppState>, admin: Admin, Json(c): Json<DepartmentConfig>) -> Result<Json<Department>, Refusal> {
    let c = department_checked(c)?;
    let department = state.store.create_department(&c, now_ms()).await?;
    admin.audit(&state, "department.create", &c.name, "").await?;
    Ok(Json(department))
}

/// `PUT /api/v1/admin/departments/{id}`
pub async fn update_department(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
    Json(c): Json<DepartmentConfig>,
) -> Result<Json<Department>, Refusal> {
    let c = department_checked(c)?;
    state.store.update_department(id, &c).await?;
    admin.audit(&state, "department.update", &c.name, "").await?;
    Ok(Json(Department { id, config: c }))
}

/// `GET /api/v1/cases`: the cases this agent works (every case for
/// supervisors and admins), open and most urgent first.
pub async fn list_cases(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Json<Vec<Case>>, Refusal> {
    let agent = (!is_lead(&session)).then_some(session.agent.info.id);
    Ok(Json(state.store.cases_for(agent).await?))
}

/// Which cases an agent may work: a lead every one, others their
/// departments' and those assigned to them. The one rule for opening a
/// case and for what timelines and screen pops show of cases.
pub(crate) struct Workable {
    lead: bool,
    me: AgentId,
    pub departments: Vec<i64>,
}

impl Workable {
    pub async fn of(state: &AppState, session: &SessionRecord) -> Result<Workable, Refusal> {
        let me = session.agent.info.id;
        let departments = if is_lead(session) { Vec::new() } else { state.store.agent_departments(me).await? };
        Ok(Workable { lead: is_lead(session), me, departments })
    }

    pub fn lead(&self) -> bool {
        self.lead
    }

    pub fn case(&self, c: &Case) -> bool {
        self.lead || c.config.assignee_id == Some(self.me) || self.departments.contains(&c.config.department_id)
    }
}

/// Whether `session` may work `case`; others are told it does not exist.
async fn may_work(state: &AppState, session: &SessionRecord, case: &Case) -> Result<(), Refusal> {
    if Workable::of(state, session).await?.case(case) {
        Ok(())
    } else {
        Err(Refusal::new(ErrorCode::NotFound, "no such case"))
    }
}

/// `GET /api/v1/cases/{id}`
pub async fn get_case(State(state): State<AppState>, SignedIn(session): SignedIn, Path(id): Path<i64>) -> Result<Json<Case>, Refusal> {
    let case = state.store.case(id).await?;
    may_work(&state, &session, &case).await?;
    Ok(Json(case))
}

/// `POST /api/v1/cases`: by hand, or from a chat or callback in one step
/// (`conversation_id`).
pub async fn create_case(State(state): State<AppState>, _: FromConsole, SignedIn(session): SignedIn, Json(c): Json<CaseConfig>) -> Result<Json<Case>, Refusal> {
    let c = taken(checked(c)?, &session);
    may_write(&state, &session, &c, None).await?;
    let case = state.store.create_case(Some(session.agent.info.id), &c, now_ms()).await?;
    tracing::info!(case = case.id, department = case.config.department_id, "a case was opened");
    events::case_event(&state, events::CASE_CREATED, &case).await;
    Ok(Json(case))
}

/// `GET /api/v1/cases/{id}/comments`, oldest first.
pub async fn case_comments(State(state): State<AppState>, SignedIn(session): SignedIn, Path(id): Path<i64>) -> Result<Json<Vec<CaseComment>>, Refusal> {
    let case = state.store.case(id).await?;
    may_work(&state, &session, &case).await?;
    Ok(Json(state.store.case_comments(id).await?))
}

/// `POST /api/v1/cases/{id}/comments`: answers the comments with the new one.
pub async fn comment_case(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
    Json(c): Json<NewComment>,
) -> Result<Json<Vec<CaseComment>>, Refusal> {
    let text = c.checked().ok_or_else(|| Refusal::new(ErrorCode::Invalid, "a comment is 1 to 5,000 characters"))?;
    let case = state.store.case(id).await?;
    may_work(&state, &session, &case).await?;
    state.store.add_case_comment(id, CommentBy::Agent(session.agent.info.id), &text, now_ms()).await?;
    Ok(Json(state.store.case_comments(id).await?))
}

/// `PUT /api/v1/cases/{id}`
pub async fn update_case(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
    Json(c): Json<CaseConfig>,
) -> Result<Json<Case>, Refusal> {
    let c = taken(checked(c)?, &session);
    let before = state.store.case(id).await?;
    may_work(&state, &session, &before).await?;
    may_write(&state, &session, &c, Some(&before)).await?;
    if c.make_article {
        article_ready(&c)?;
    }
    if c.send_resolution {
        resolution_sendable(&state, id, &c).await?;
    }
    let case = state.store.update_case(id, &c, now_ms()).await?;
    if c.send_resolution && state.store.send_resolution(id, now_ms()).await? {
        tracing::info!(case = id, "a case's resolution was sent to its customer");
    }
    events::case_event(&state, events::CASE_UPDATED, &case).await;
    if c.make_article {
        draft_article(&state, &session, &case).await?;
    }
    Ok(Json(case))
}

/// `POST /api/v1/cases/{id}/article`: a resolved case becomes a draft
/// article (its subject the title, its resolution the text), on the site
/// and in the language of the chat it came from.
pub async fn case_to_article(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<Json<Article>, Refusal> {
    let case = state.store.case(id).await?;
    may_work(&state, &session, &case).await?;
    Ok(Json(draft_article(&state, &session, &case).await?))
}

/// A resolved case as a draft article.
async fn draft_article(state: &AppState, session: &SessionRecord, case: &Case) -> Result<Article, Refusal> {
    article_ready(&case.config)?;
    let conversation = match case.config.conversation_id {
        Some(id) => state.store.conversation(id).await?,
        None => None,
    };
    let site = match &conversation {
        Some(c) => c.site_id,
        None => state.store.sites().await?.first().map(|s| s.id).ok_or_else(|| Refusal::new(ErrorCode::InvalidState, "there is no site"))?,
    };
    let article = ArticleConfig {
        site_id: site,
        title: case.config.subject.clone(),
        body: case.config.resolution.clone(),
        format: ArticleFormat::Markdown,
        // In the visitor's language, by the rule saved replies use.
        language: reply_language(conversation.as_ref().map_or("", |c| c.visitor_locale.as_str())).to_string(),
        category: case.department_name.clone(),
        status: ArticleStatus::Draft,
    }
    .checked()
    .map_err(|e| Refusal::new(ErrorCode::Invalid, e.to_string()))?;
    let made = state.store.create_article(Some(session.agent.info.id), &article).await?;
    state.store.audit(Some(session.agent.info.id), "article.create", &format!("article {}", made.id), &format!("from case {}", case.id)).await?;
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_takes_the_visitor_s_chinese() {
        assert_eq!(reply_language("zh-TW"), "zh-Hant");
        assert_eq!(reply_language("zh-Hant-HK"), "zh-Hant");
        assert_eq!(reply_language("zh-CN"), "zh-Hans");
        assert_eq!(reply_language("en-GB"), "en");
        assert_eq!(reply_language(""), "en");
    }
}
