//! Queues and the entry rules that fill them. Every change reaches routing
//! at once: the engine is told the queue's new configuration.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use protocol::admin::{EntryRule, Queue, QueueConfig, MAX_SKILL_LEVEL};
use protocol::{ErrorCode, QueueId, SiteId};

use super::{name, Admin};
use crate::hours;
use crate::refusal::Refusal;
use crate::state::AppState;

/// Longest wrap-up code, and how many a queue may have.
const MAX_CODE_CHARS: usize = 50;
const MAX_CODES: usize = 50;

fn invalid(message: impl Into<String>) -> Refusal {
    Refusal::new(ErrorCode::Invalid, message.into())
}

/// Everything about a queue's configuration that can be wrong, with the
/// reason; `id` is the queue's own (None while creating it).
async fn check_queue(state: &AppState, id: Option<QueueId>, c: &QueueConfig) -> Result<QueueConfig, Refusal> {
    let mut c = c.clone();
    c.name = name(&c.name, "queue")?;
    if state.store.site(c.site_id).await?.is_none() {
        return Err(invalid("no such site"));
    }
    if c.level > MAX_SKILL_LEVEL || c.relax.iter().any(|r| r.level > MAX_SKILL_LEVEL) {
        return Err(invalid("skill levels are 0 (anyone) to 5"));
    }
    if c.relax.windows(2).any(|w| w[0].after_secs >= w[1].after_secs) {
        return Err(invalid("relaxation steps must come in order of time"));
    }
    let skills = state.store.skills().await?;
    if c.skills.iter().any(|s| !skills.iter().any(|k| k.id == *s)) {
        return Err(invalid("no such skill"));
    }
    if c.max_len == Some(0) || c.max_wait_secs == Some(0) {
        return Err(invalid("a maximum length or wait must be at least 1"));
    }
    if let Some(to) = c.overflow_queue_id {
        let target = state.store.queue(to).await?.ok_or_else(|| invalid("no such overflow queue"))?;
        if Some(to) == id || target.config.site_id != c.site_id {
            return Err(invalid("a queue overflows to another queue of the same site"));
        }
    }
    if let Some(h) = &c.hours {
        hours::validate(h).map_err(|e| invalid(format!("business hours: {e}")))?;
    }
    c.wrap_up_codes = c.wrap_up_codes.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    c.default_wrap_up_code = c.default_wrap_up_code.trim().to_string();
    if c.wrap_up_codes.len() > MAX_CODES || c.wrap_up_codes.iter().chain([&c.default_wrap_up_code]).any(|s| s.chars().count() > MAX_CODE_CHARS) {
        return Err(invalid(format!("at most {MAX_CODES} wrap-up codes of {MAX_CODE_CHARS} characters")));
    }
    if !c.default_wrap_up_code.is_empty() && !c.wrap_up_codes.is_empty() && !c.wrap_up_codes.contains(&c.default_wrap_up_code) {
        return Err(invalid("the default wrap-up code must be one of the codes"));
    }
    if c.wrap_up_secs == Some(0) {
        return Err(invalid("after-contact work lasts at least a second"));
    }
    let cb = &c.callbacks;
    // Slots shorter than 10 s exist for tests; a day's worth of them is
    // still a short list.
    if !(10..=24 * 3600).contains(&cb.slot_secs) || cb.per_slot == 0 || !(1..=60).contains(&cb.days_ahead) {
        return Err(invalid("callback slots last 10 s to a day, hold at least one callback, and are offered 1 to 60 days ahead"));
    }
    if cb.max_attempts == 0 || cb.max_attempts > 10 || cb.retry_delay_secs == 0 {
        return Err(invalid("callbacks are tried 1 to 10 times, at least a second apart"));
    }
    Ok(c)
}

pub async fn list_queues(State(state): State<AppState>, _: crate::auth::SignedIn) -> Result<Json<Vec<Queue>>, Refusal> {
    Ok(Json(state.store.queues().await?))
}

pub async fn create_queue(State(state): State<AppState>, admin: Admin, Json(c): Json<QueueConfig>) -> Result<Json<Queue>, Refusal> {
    let c = check_queue(&state, None, &c).await?;
    let queue = state.store.create_queue(&c).await?;
    admin.audit(&state, "create queue", &c.name, c.strategy.as_str()).await?;
    state.routing.reconfigure().await;
    Ok(Json(queue))
}

pub async fn update_queue(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>, Json(c): Json<QueueConfig>) -> Result<Json<Queue>, Refusal> {
    let id = QueueId(id);
    let existing = state.store.queue(id).await?.ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such queue"))?;
    if existing.config.site_id != c.site_id {
        return Err(invalid("a queue stays with its site"));
    }
    let c = check_queue(&state, Some(id), &c).await?;
    let queue = state.store.update_queue(id, &c).await?;
    admin.audit(&state, "update queue", &c.name, &serde_json::to_string(&c).unwrap_or_default()).await?;
    state.routing.reconfigure().await;
    Ok(Json(queue))
}

pub async fn delete_queue(State(state): State<AppState>, admin: Admin, Path(id): Path<i64>) -> Result<StatusCode, Refusal> {
    state.store.delete_queue(QueueId(id)).await?;
    admin.audit(&state, "delete queue", &id.to_string(), "").await?;
    state.routing.reconfigure().await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn entry_rules(State(state): State<AppState>, _: Admin, Path(site): Path<i64>) -> Result<Json<Vec<EntryRule>>, Refusal> {
    Ok(Json(state.store.entry_rules(SiteId(site)).await?))
}

/// `PUT /api/v1/admin/sites/{id}/entry-rules`: replaces the site's rules,
/// in order; each must name a queue of the site.
pub async fn set_entry_rules(
    State(state): State<AppState>,
    admin: Admin,
    Path(site): Path<i64>,
    Json(rules): Json<Vec<EntryRule>>,
) -> Result<Json<Vec<EntryRule>>, Refusal> {
    let site = SiteId(site);
    if rules.len() > 100 {
        return Err(invalid("at most 100 entry rules per site"));
    }
    let queues = state.store.queues().await?;
    for r in &rules {
        if !queues.iter().any(|q| q.id == r.queue_id && q.config.site_id == site) {
            return Err(invalid("an entry rule must send conversations to a queue of its site"));
        }
        if [&r.url_pattern, &r.topic, &r.language, &r.tier, &r.country].iter().any(|f| f.chars().count() > 200) {
            return Err(invalid("an entry rule's conditions are at most 200 characters"));
        }
    }
    state.store.set_entry_rules(site, &rules).await?;
    admin.audit(&state, "set entry rules", &site.to_string(), &format!("{} rules", rules.len())).await?;
    Ok(Json(state.store.entry_rules(site).await?))
}
