//! Contacts for agents: search them, open one with its timeline, and the
//! screen pop of a conversation (who is asking, what is open for them,
//! what happened before, where they are on the site). An agent sees the
//! contacts of the sites they serve; an admin every site's.

use axum::extract::{Path, Query, State};
use axum::Json;
use protocol::agent::Role;
use protocol::crm::{Contact, ContactCard, ScreenPop, TimelineQuery, POP_RECENT, TIMELINE_PAGE};
use protocol::{ConversationId, ErrorCode, SiteId};
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::refusal::Refusal;
use crate::state::AppState;
use crate::store::{SessionRecord, TimelineCursor};

/// Contacts one search lists.
const FOUND: usize = 50;

fn may_see(session: &SessionRecord, site: SiteId) -> bool {
    session.agent.info.role == Role::Admin || session.agent.sites.contains(&site)
}

fn no_such_contact() -> Refusal {
    Refusal::new(ErrorCode::NotFound, "no such contact")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
}

/// `GET /api/v1/contacts?q=`: by name, email, phone, company, the site's
/// id or an attribute's value; the first 50 of the agent's sites.
pub async fn search_contacts(State(state): State<AppState>, SignedIn(session): SignedIn, Query(q): Query<SearchQuery>) -> Result<Json<Vec<Contact>>, Refusal> {
    let words: String = q.q.chars().take(100).collect();
    let mut found = Vec::new();
    let mut after = 0;
    // Pages of the whole store, filtered to the agent's sites, until
    // enough are found (an agent of one site among many reads a few).
    loop {
        let page = state.store.contacts_page(None, &words, after, 200).await?;
        let done = page.len() < 200;
        after = page.last().map_or(after, |c| c.id);
        found.extend(page.into_iter().filter(|c| may_see(&session, c.site_id)).map(|c| c.to_wire()));
        if done || found.len() >= FOUND {
            break;
        }
    }
    found.truncate(FOUND);
    Ok(Json(found))
}

/// `GET /api/v1/contacts/{id}?before=`: the contact and a page of its
/// timeline.
pub async fn contact_card(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<TimelineQuery>,
) -> Result<Json<ContactCard>, Refusal> {
    let contact = state.store.live_contact(id).await.map_err(|_| no_such_contact())?;
    if !may_see(&session, contact.site_id) {
        return Err(no_such_contact());
    }
    let before = match q.before.as_deref().filter(|b| !b.is_empty()) {
        Some(b) => TimelineCursor::parse(b).ok_or_else(|| Refusal::new(ErrorCode::Invalid, "before is a page's next_before"))?,
        None => TimelineCursor::START,
    };
    let timeline = state.store.timeline(id, before, TIMELINE_PAGE).await?;
    Ok(Json(ContactCard { contact: contact.to_wire(), timeline }))
}

/// `GET /api/v1/conversations/{id}/pop`: the screen pop, for an agent of
/// the conversation's site (offered it, or working it).
pub async fn screen_pop(State(state): State<AppState>, SignedIn(session): SignedIn, Path(id): Path<i64>) -> Result<Json<ScreenPop>, Refusal> {
    let id = ConversationId(id);
    let conversation = state.store.conversation(id).await?.filter(|c| may_see(&session, c.site_id));
    let conversation = conversation.ok_or_else(|| Refusal::new(ErrorCode::NotFound, "no such conversation"))?;
    let pages = state.store.visit_pages(conversation.visitor_id).await?;
    let Some(contact_id) = state.store.conversation_contact(id).await? else {
        return Ok(Json(ScreenPop { contact: None, open_cases: Vec::new(), recent: Vec::new(), pages }));
    };
    let contact = state.store.live_contact(contact_id).await.ok();
    let open_cases = state.store.contact_open_cases(contact_id).await?;
    let earlier = state.store.timeline(contact_id, TimelineCursor::START, POP_RECENT + 1).await?;
    let this = (protocol::crm::InteractionKind::Conversation, id.get());
    let recent = earlier.interactions.into_iter().filter(|i| (i.kind, i.id) != this).take(POP_RECENT).collect();
    Ok(Json(ScreenPop { contact: contact.map(|c| c.to_wire()), open_cases, recent, pages }))
}
