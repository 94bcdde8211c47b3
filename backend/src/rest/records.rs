//! Interactions, cases and articles over the REST API. The rules are the
//! console's, with the token standing for the whole team: any case or
//! article may be written with the scope for it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use protocol::articles::{Article, ArticleConfig};
use protocol::cases::{Case, CaseComment, CaseConfig, CaseStatus, NewComment};
use protocol::crm::ArticleQuery;
use protocol::history::Transcript;
use protocol::{ConversationId, ErrorBody, ErrorCode, SiteId};

use super::caller::{scope, Caller};
use crate::api::{articles, cases};
use crate::events;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{now_ms, ArticleFilter, CommentBy};

/// A case as the API may write it: the console's rules, and since a token
/// is nobody, a case marked assigned names its assignee. (`make_article`
/// is the console's; here an article is made with `POST /articles`.
/// `send_resolution` sends a resolved case's resolution to its customer.)
fn case_checked(c: CaseConfig) -> Result<CaseConfig, Refusal> {
    let c = cases::checked(c)?;
    if c.status == CaseStatus::Assigned && c.assignee_id.is_none() {
        return Err(Refusal::new(ErrorCode::Invalid, "an assigned case names its assignee_id"));
    }
    Ok(c)
}

/// A conversation (a chat or a callback attempt) with its messages.
#[utoipa::path(get, path = "/interactions/{id}", tag = "interactions", params(("id" = i64, Path)),
    responses((status = 200, body = Transcript), (status = "4XX", body = ErrorBody)),
    security(("token" = ["interactions:read"])))]
pub async fn get_interaction(State(state): State<AppState>, _: Caller<scope::InteractionsRead>, Path(id): Path<i64>) -> Result<Json<Transcript>, Refusal> {
    let transcript = state.store.transcript(None, ConversationId(id)).await?;
    Ok(Json(transcript.ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such conversation"))?))
}

/// The newest 500 cases, open ones first.
#[utoipa::path(get, path = "/cases", tag = "cases",
    responses((status = 200, body = Vec<Case>), (status = "4XX", body = ErrorBody)),
    security(("token" = ["cases:read"])))]
pub async fn list_cases(State(state): State<AppState>, _: Caller<scope::CasesRead>) -> Result<Json<Vec<Case>>, Refusal> {
    Ok(Json(state.store.cases_for(None).await?))
}

#[utoipa::path(get, path = "/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = Case), (status = "4XX", body = ErrorBody)),
    security(("token" = ["cases:read"])))]
pub async fn get_case(State(state): State<AppState>, _: Caller<scope::CasesRead>, Path(id): Path<i64>) -> Result<Json<Case>, Refusal> {
    Ok(Json(state.store.case(id).await?))
}

/// Opens a case for a department; with `conversation_id`, about that
/// conversation's contact.
#[utoipa::path(post, path = "/cases", tag = "cases", request_body = CaseConfig,
    responses((status = 201, body = Case), (status = "4XX", body = ErrorBody)),
    security(("token" = ["cases:write"])))]
pub async fn create_case(
    State(state): State<AppState>,
    caller: Caller<scope::CasesWrite>,
    Json(c): Json<CaseConfig>,
) -> Result<(StatusCode, Json<Case>), Refusal> {
    let case = state.store.create_case(None, &case_checked(c)?, now_ms()).await?;
    state.store.audit(None, "case.create", &format!("case {}", case.id), &caller.name()).await?;
    events::case_event(&state, events::CASE_CREATED, &case).await;
    Ok((StatusCode::CREATED, Json(case)))
}

/// Writes the whole case (as read, changed).
#[utoipa::path(put, path = "/cases/{id}", tag = "cases", params(("id" = i64, Path)), request_body = CaseConfig,
    responses((status = 200, body = Case), (status = "4XX", body = ErrorBody)),
    security(("token" = ["cases:write"])))]
pub async fn update_case(
    State(state): State<AppState>,
    caller: Caller<scope::CasesWrite>,
    Path(id): Path<i64>,
    Json(c): Json<CaseConfig>,
) -> Result<Json<Case>, Refusal> {
    let c = case_checked(c)?;
    if c.send_resolution {
        cases::resolution_sendable(&state, id, &c).await?;
    }
    let case = state.store.update_case(id, &c, now_ms()).await?;
    if c.send_resolution {
        state.store.send_resolution(id, now_ms()).await?;
    }
    state.store.audit(None, "case.update", &format!("case {id}"), &caller.name()).await?;
    events::case_event(&state, events::CASE_UPDATED, &case).await;
    Ok(Json(case))
}

/// A case's comments, oldest first.
#[utoipa::path(get, path = "/cases/{id}/comments", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CaseComment>), (status = "4XX", body = ErrorBody)),
    security(("token" = ["cases:read"])))]
pub async fn list_comments(State(state): State<AppState>, _: Caller<scope::CasesRead>, Path(id): Path<i64>) -> Result<Json<Vec<CaseComment>>, Refusal> {
    state.store.case(id).await?;
    Ok(Json(state.store.case_comments(id).await?))
}

/// Comments on a case, under the token's name.
#[utoipa::path(post, path = "/cases/{id}/comments", tag = "cases", params(("id" = i64, Path)), request_body = NewComment,
    responses((status = 201, body = Vec<CaseComment>), (status = "4XX", body = ErrorBody)),
    security(("token" = ["cases:write"])))]
pub async fn add_comment(
    State(state): State<AppState>,
    caller: Caller<scope::CasesWrite>,
    Path(id): Path<i64>,
    Json(c): Json<NewComment>,
) -> Result<(StatusCode, Json<Vec<CaseComment>>), Refusal> {
    let text = c.checked().ok_or_else(|| Refusal::new(ErrorCode::Invalid, "a comment is 1 to 5,000 characters"))?;
    state.store.add_case_comment(id, CommentBy::System(&caller.0.name), &text, now_ms()).await?;
    state.store.audit(None, "case.comment", &format!("case {id}"), &caller.name()).await?;
    Ok((StatusCode::CREATED, Json(state.store.case_comments(id).await?)))
}

/// Searched when `q` has words (English or Chinese), else the most
/// recently changed first.
#[utoipa::path(get, path = "/articles", tag = "articles", params(ArticleQuery),
    responses((status = 200, body = Vec<Article>), (status = "4XX", body = ErrorBody)),
    security(("token" = ["articles:read"])))]
pub async fn list_articles(
    State(state): State<AppState>,
    _: Caller<scope::ArticlesRead>,
    Query(q): Query<ArticleQuery>,
) -> Result<Json<Vec<Article>>, Refusal> {
    let filter = ArticleFilter { site: q.site_id.map(SiteId), status: q.status, query: articles::cut(&q.q) };
    Ok(Json(state.store.articles(&filter).await?))
}

#[utoipa::path(get, path = "/articles/{id}", tag = "articles", params(("id" = i64, Path)),
    responses((status = 200, body = Article), (status = "4XX", body = ErrorBody)),
    security(("token" = ["articles:read"])))]
pub async fn get_article(State(state): State<AppState>, _: Caller<scope::ArticlesRead>, Path(id): Path<i64>) -> Result<Json<Article>, Refusal> {
    Ok(Json(state.store.article(id).await?))
}

#[utoipa::path(post, path = "/articles", tag = "articles", request_body = ArticleConfig,
    responses((status = 201, body = Article), (status = "4XX", body = ErrorBody)),
    security(("token" = ["articles:write"])))]
pub async fn create_article(
    State(state): State<AppState>,
    caller: Caller<scope::ArticlesWrite>,
    Json(c): Json<ArticleConfig>,
) -> Result<(StatusCode, Json<Article>), Refusal> {
    let c = articles::checked(c)?;
    articles::known_site(&state, c.site_id).await?;
    let article = state.store.create_article(None, &c).await?;
    state.store.audit(None, "article.create", &format!("article {}", article.id), &caller.name()).await?;
    Ok((StatusCode::CREATED, Json(article)))
}

/// Writes the whole article (as read, changed).
#[utoipa::path(put, path = "/articles/{id}", tag = "articles", params(("id" = i64, Path)), request_body = ArticleConfig,
    responses((status = 200, body = Article), (status = "4XX", body = ErrorBody)),
    security(("token" = ["articles:write"])))]
pub async fn update_article(
    State(state): State<AppState>,
    caller: Caller<scope::ArticlesWrite>,
    Path(id): Path<i64>,
    Json(c): Json<ArticleConfig>,
) -> Result<Json<Article>, Refusal> {
    let c = articles::checked(c)?;
    articles::known_site(&state, c.site_id).await?;
    let article = state.store.update_article(id, &c, false).await?;
    state.store.audit(None, "article.update", &format!("article {id}"), &caller.name()).await?;
    Ok(Json(article))
}
