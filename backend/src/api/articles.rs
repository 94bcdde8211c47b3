//! The knowledge base over REST.
//!
//! Agents search and read every article of every site, write drafts and
//! change their own drafts; publishing, archiving and deleting are for
//! supervisors and admins, because a published article speaks to visitors
//! for the whole team.
//!
//! The widget reads a site's published articles across origins (only the
//! site's allowed ones): titles for a question while the visitor types it,
//! one article's text when it is opened, and whether it answered them.
//! These are simple requests (GET, and POST without a body), so the
//! browser sends no preflight.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::articles::{Article, ArticleAnswer, ArticleConfig, ArticlePage, ArticleStatus, ArticleTitle, SiteName, MAX_QUERY_CHARS, SUGGESTED};
use protocol::{ConversationId, ErrorCode, SiteId};
use serde::Deserialize;

use super::files::allow_origin;
use crate::auth::SignedIn;
use crate::extract::{AllowedSite, ClientIp, FromConsole};
use crate::knowledge::render;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{ArticleEvent, ArticleFilter, SessionRecord};

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    site: Option<i64>,
    #[serde(default)]
    status: Option<String>,
    /// Only the articles of this conversation's site (searched from a
    /// chat's composer).
    #[serde(default)]
    conversation: Option<i64>,
}

pub(crate) fn cut(text: &str) -> String {
    text.chars().take(MAX_QUERY_CHARS).collect()
}

/// Supervisors and admins.
fn is_lead(session: &SessionRecord) -> bool {
    session.agent.info.role.supervises()
}

pub(crate) fn checked(c: ArticleConfig) -> Result<ArticleConfig, Refusal> {
    c.checked().map_err(|e| Refusal::new(ErrorCode::Invalid, e.to_string()))
}

fn only_leads_publish() -> Refusal {
    Refusal::new(ErrorCode::Forbidden, "only supervisors and admins publish, archive, delete or change others' articles; agents keep their own drafts")
}

/// `GET /api/v1/articles?q=&site=&status=`: searched when `q` has words,
/// else the most recently changed first.
pub async fn list_articles(State(state): State<AppState>, SignedIn(_): SignedIn, Query(q): Query<ListQuery>) -> Result<Json<Vec<Article>>, Refusal> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(ArticleStatus::parse(s).ok_or_else(|| Refusal::new(ErrorCode::Invalid, "status is draft, published or archived"))?),
        None => None,
    };
    let mut site = q.site.map(SiteId);
    if let Some(id) = q.conversation {
        let conversation = state.store.conversation(ConversationId(id)).await?.ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such conversation"))?;
        site = Some(conversation.site_id);
    }
    let filter = ArticleFilter { site, status, query: cut(&q.q) };
    Ok(Json(state.store.articles(&filter).await?))
}

/// `GET /api/v1/sites`: every site by name, for the article form's
/// choice (agents cannot read the admin's list, which holds secrets).
pub async fn site_names(State(state): State<AppState>, SignedIn(_): SignedIn) -> Result<Json<Vec<SiteName>>, Refusal> {
    Ok(Json(state.store.sites().await?.into_iter().map(|s| SiteName { id: s.id, name: s.name }).collect()))
}

/// `GET /api/v1/articles/{id}`
pub async fn get_article(State(state): State<AppState>, SignedIn(_): SignedIn, Path(id): Path<i64>) -> Result<Json<Article>, Refusal> {
    Ok(Json(state.store.article(id).await?))
}

pub(crate) async fn known_site(state: &AppState, site: SiteId) -> Result<(), Refusal> {
    match state.store.site(site).await? {
        Some(_) => Ok(()),
        None => Err(Refusal::new(ErrorCode::Invalid, "no site has that id")),
    }
}

/// `POST /api/v1/articles`
pub async fn create_article(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(session): SignedIn,
    Json(c): Json<ArticleConfig>,
) -> Result<Json<Article>, Refusal> {
    let c = checked(c)?;
    if c.status != ArticleStatus::Draft && !is_lead(&session) {
        return Err(only_leads_publish());
    }
    known_site(&state, c.site_id).await?;
    let me = session.agent.info.id;
    let article = state.store.create_article(Some(me), &c).await?;
    state.store.audit(Some(me), "article.create", &format!("article {}", article.id), c.status.as_str()).await?;
    Ok(Json(article))
}

/// `PUT /api/v1/articles/{id}`: agents change their own drafts and keep
/// them drafts.
pub async fn update_article(
    State(state): State<AppState>,
    _: FromConsole,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
    Json(c): Json<ArticleConfig>,
) -> Result<Json<Article>, Refusal> {
    let c = checked(c)?;
    let before = state.store.article(id).await?;
    let lead = is_lead(&session);
    if !lead {
        let own_draft = before.config.status == ArticleStatus::Draft && before.author_id == Some(session.agent.info.id);
        if !own_draft || c.status != ArticleStatus::Draft {
            return Err(only_leads_publish());
        }
    }
    known_site(&state, c.site_id).await?;
    // An agent's change applies only while it is still a draft, so it
    // cannot undo a publication that came between.
    let article = state.store.update_article(id, &c, !lead).await?;
    if before.config.status != c.status {
        state.store.audit(Some(session.agent.info.id), "article.status", &format!("article {id}"), c.status.as_str()).await?;
    }
    Ok(Json(article))
}

/// `DELETE /api/v1/articles/{id}`
pub async fn delete_article(State(state): State<AppState>, _: FromConsole, SignedIn(session): SignedIn, Path(id): Path<i64>) -> Result<(), Refusal> {
    if !is_lead(&session) {
        return Err(only_leads_publish());
    }
    state.store.delete_article(id).await?;
    state.store.audit(Some(session.agent.info.id), "article.delete", &format!("article {id}"), "").await?;
    Ok(())
}

#[derive(Deserialize, Default)]
pub struct SuggestQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    lang: String,
}

/// `GET /api/v1/sites/{key}/articles?q=&lang=`: up to three published
/// articles for a visitor's question, titles only.
pub async fn suggest_articles(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AllowedSite(site): AllowedSite,
    Query(q): Query<SuggestQuery>,
    headers: HeaderMap,
) -> Response {
    let answer: Result<Json<Vec<ArticleTitle>>, Refusal> = async {
        state.admission.article_lookup(ip)?;
        Ok(Json(state.store.suggest_articles(site.id, &cut(&q.q), &q.lang, SUGGESTED).await?))
    }
    .await;
    allow_origin(&headers, answer.into_response())
}

/// `GET /api/v1/sites/{key}/articles/{id}`: a published article's text,
/// as safe HTML; counted as opened.
pub async fn read_article(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AllowedSite(site): AllowedSite,
    Path((_, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Response {
    let answer: Result<Json<ArticlePage>, Refusal> = async {
        state.admission.article_lookup(ip)?;
        let article = state.store.published_article(site.id, id).await?;
        state.store.record_article_event(id, ArticleEvent::Opened).await?;
        let html = render::to_html(article.config.format, &article.config.body);
        Ok(Json(ArticlePage { id, title: article.config.title, html }))
    }
    .await;
    allow_origin(&headers, answer.into_response())
}

/// `POST /api/v1/sites/{key}/articles/{id}/answer?answered=true|false`:
/// whether the article answered the visitor's question.
pub async fn answer_article(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AllowedSite(site): AllowedSite,
    Path((_, id)): Path<(String, i64)>,
    Query(answer): Query<ArticleAnswer>,
    headers: HeaderMap,
) -> Response {
    let result: Result<(), Refusal> = async {
        state.admission.article_lookup(ip)?;
        state.store.published_article(site.id, id).await?;
        let event = if answer.answered { ArticleEvent::Answered } else { ArticleEvent::NotAnswered };
        state.store.record_article_event(id, event).await?;
        Ok(())
    }
    .await;
    allow_origin(&headers, result.into_response())
}
