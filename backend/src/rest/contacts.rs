//! Contacts over the REST API: list and search, read, make, change, a
//! contact's timeline, and the data-protection requests (export everything
//! about a contact; erase it).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use protocol::crm::{Contact, ContactExport, ContactFields, ContactPage, ContactQuery, Timeline, TimelineQuery, CONTACT_PAGE, TIMELINE_PAGE};
use protocol::{ErrorBody, ErrorCode, SiteId};

use super::caller::{scope, Caller};
use crate::refusal::Refusal;
use crate::state::AppState;

fn checked(f: ContactFields) -> Result<ContactFields, Refusal> {
    f.checked().map_err(|e| Refusal::new(ErrorCode::Invalid, e.to_string()))
}

/// Lists contacts, oldest first, or those matching `q`.
#[utoipa::path(get, path = "/contacts", tag = "contacts", params(ContactQuery),
    responses((status = 200, body = ContactPage), (status = "4XX", body = ErrorBody)),
    security(("token" = ["contacts:read"])))]
pub async fn list_contacts(State(state): State<AppState>, _: Caller<scope::ContactsRead>, Query(q): Query<ContactQuery>) -> Result<Json<ContactPage>, Refusal> {
    let limit = q.limit.map_or(CONTACT_PAGE, |n| (n as usize).clamp(1, CONTACT_PAGE));
    let found = state.store.contacts_page(q.site_id.map(SiteId), &q.q, q.after.unwrap_or(0), limit + 1).await?;
    let next_after = (found.len() > limit).then(|| found.get(limit - 1).map(|c| c.id)).flatten();
    Ok(Json(ContactPage { contacts: found.iter().take(limit).map(|c| c.to_wire()).collect(), next_after }))
}

/// Makes a contact. One with `external_id` is a verified customer of the
/// site; a second with the same `external_id` is refused (409 is not used:
/// the answer is 400 `invalid`, and the existing one is found by `q`).
#[utoipa::path(post, path = "/contacts", tag = "contacts", request_body = ContactFields,
    responses((status = 201, body = Contact), (status = "4XX", body = ErrorBody)),
    security(("token" = ["contacts:write"])))]
pub async fn create_contact(
    State(state): State<AppState>,
    caller: Caller<scope::ContactsWrite>,
    Json(f): Json<ContactFields>,
) -> Result<(StatusCode, Json<Contact>), Refusal> {
    let f = checked(f)?;
    let site = f.site_id.ok_or_else(|| Refusal::new(ErrorCode::Invalid, "a new contact needs its site_id"))?;
    if state.store.site(site).await?.is_none() {
        return Err(Refusal::new(ErrorCode::Invalid, "no site has that id"));
    }
    let contact = state.store.create_contact(site, &f).await?;
    state.store.audit(None, "contact.create", &format!("contact {}", contact.id), &caller.name()).await?;
    Ok((StatusCode::CREATED, Json(contact.to_wire())))
}

#[utoipa::path(get, path = "/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = Contact), (status = "4XX", body = ErrorBody)),
    security(("token" = ["contacts:read"])))]
pub async fn get_contact(State(state): State<AppState>, _: Caller<scope::ContactsRead>, Path(id): Path<i64>) -> Result<Json<Contact>, Refusal> {
    Ok(Json(state.store.live_contact(id).await?.to_wire()))
}

/// Changes the fields given; the others stay as they are.
#[utoipa::path(patch, path = "/contacts/{id}", tag = "contacts", params(("id" = i64, Path)), request_body = ContactFields,
    responses((status = 200, body = Contact), (status = "4XX", body = ErrorBody)),
    security(("token" = ["contacts:write"])))]
pub async fn update_contact(
    State(state): State<AppState>,
    caller: Caller<scope::ContactsWrite>,
    Path(id): Path<i64>,
    Json(f): Json<ContactFields>,
) -> Result<Json<Contact>, Refusal> {
    let f = checked(f)?;
    let before = state.store.live_contact(id).await?;
    if f.site_id.is_some_and(|s| s != before.site_id) {
        return Err(Refusal::new(ErrorCode::Invalid, "a contact does not move between sites"));
    }
    let contact = state.store.update_contact(id, &f).await?;
    state.store.audit(None, "contact.update", &format!("contact {id}"), &caller.name()).await?;
    Ok(Json(contact.to_wire()))
}

/// The contact's chats, callbacks and cases, newest first.
#[utoipa::path(get, path = "/contacts/{id}/timeline", tag = "contacts", params(("id" = i64, Path), TimelineQuery),
    responses((status = 200, body = Timeline), (status = "4XX", body = ErrorBody)),
    security(("token" = ["interactions:read"])))]
pub async fn timeline(
    State(state): State<AppState>,
    _: Caller<scope::InteractionsRead>,
    Path(id): Path<i64>,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<Timeline>, Refusal> {
    state.store.live_contact(id).await?;
    Ok(Json(state.store.timeline(id, crate::api::timeline_cursor(q.before.as_deref())?, TIMELINE_PAGE).await?))
}

/// Everything Rapport holds about the contact: the record, every
/// conversation with its messages, every callback and case.
#[utoipa::path(get, path = "/contacts/{id}/export", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = ContactExport), (status = "4XX", body = ErrorBody)),
    security(("token" = ["contacts:erase"])))]
pub async fn export_contact(State(state): State<AppState>, caller: Caller<scope::ContactsErase>, Path(id): Path<i64>) -> Result<Json<ContactExport>, Refusal> {
    let export = state.store.export_contact(id).await?;
    state.store.audit(None, "contact.export", &format!("contact {id}"), &caller.name()).await?;
    Ok(Json(export))
}

/// Erases everything about the contact: messages and files, pre-chat
/// answers, callbacks' names, numbers and notes, cases' texts, ratings'
/// comments, webhooks about it, and the record. What reports count stays,
/// without anyone's data. Refused (409) while a conversation of theirs is
/// open.
#[utoipa::path(delete, path = "/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 204), (status = "4XX", body = ErrorBody)),
    security(("token" = ["contacts:erase"])))]
pub async fn erase_contact(State(state): State<AppState>, caller: Caller<scope::ContactsErase>, Path(id): Path<i64>) -> Result<StatusCode, Refusal> {
    crate::contacts::erase(&state, id).await?;
    state.store.audit(None, "contact.erase", &format!("contact {id}"), &caller.name()).await?;
    Ok(StatusCode::NO_CONTENT)
}
