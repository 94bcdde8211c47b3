//! Contacts for agents: search them, open one with its timeline, and the
//! screen pop of a conversation (who is asking, what is open for them,
//! what happened before, where they are on the site). An agent sees the
//! contacts of the sites they serve; an admin every site's.

use axum::extract::{Path, Query, State};
use axum::Json;
use protocol::agent::Role;
use protocol::crm::{Contact, ContactCard, Interaction, InteractionKind, ScreenPop, TimelineQuery, POP_RECENT, TIMELINE_PAGE};
use protocol::{ConversationId, ErrorCode, SiteId};
use serde::Deserialize;

use super::cases::Workable;
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
/// id or an attribute's value; the newest 50 of the agent's sites.
pub async fn search_contacts(State(state): State<AppState>, SignedIn(session): SignedIn, Query(q): Query<SearchQuery>) -> Result<Json<Vec<Contact>>, Refusal> {
    let words: String = q.q.chars().take(100).collect();
    let agent = (session.agent.info.role != Role::Admin).then_some(session.agent.info.id);
    let found = state.store.agent_contacts(agent, &words, FOUND).await?;
    Ok(Json(found.iter().map(|c| c.to_wire()).collect()))
}

/// What a timeline or screen pop shows an agent of cases: those they may
/// open (`Workable`). A timeline entry names its case's department (names
/// are unique) and assignee (for a note, its author), not the case.
struct CaseFilter {
    workable: Workable,
    my_name: String,
    department_names: Vec<String>,
}

impl CaseFilter {
    async fn of(state: &AppState, session: &SessionRecord) -> Result<CaseFilter, Refusal> {
        let workable = Workable::of(state, session).await?;
        let department_names = state.store.departments().await?.into_iter().filter(|d| workable.departments.contains(&d.id)).map(|d| d.config.name).collect();
        Ok(CaseFilter { workable, my_name: session.agent.info.name.clone(), department_names })
    }

    fn entry(&self, i: &Interaction) -> bool {
        !matches!(i.kind, InteractionKind::Case | InteractionKind::Note)
            || self.workable.lead()
            || self.department_names.contains(&i.department)
            || (!i.agent.is_empty() && i.agent == self.my_name)
    }
}

/// The `before` of a timeline query: its start when empty.
pub fn timeline_cursor(before: Option<&str>) -> Result<TimelineCursor, Refusal> {
    match before.filter(|b| !b.is_empty()) {
        Some(b) => TimelineCursor::parse(b).ok_or_else(|| Refusal::new(ErrorCode::Invalid, "before is a page's next_before")),
        None => Ok(TimelineCursor::START),
    }
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
    let mut timeline = state.store.timeline(id, timeline_cursor(q.before.as_deref())?, TIMELINE_PAGE).await?;
    let filter = CaseFilter::of(&state, &session).await?;
    timeline.interactions.retain(|i| filter.entry(i));
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
    let filter = CaseFilter::of(&state, &session).await?;
    let mut open_cases = state.store.contact_open_cases(contact_id).await?;
    open_cases.retain(|c| filter.workable.case(c));
    // Earlier means before this: not this conversation, not the callback
    // it is an attempt of, and not the open cases listed above.
    let callback = state.store.callback_of_conversation(id).await?.map(|c| c.id.get());
    let skip = |i: &Interaction| match i.kind {
        InteractionKind::Conversation => i.id == id.get(),
        InteractionKind::Callback => Some(i.id) == callback,
        InteractionKind::Case => open_cases.iter().any(|c| c.id == i.id),
        InteractionKind::Note | InteractionKind::Cobrowse => false,
    };
    let earlier = state.store.timeline(contact_id, TimelineCursor::START, POP_RECENT + 2 + open_cases.len()).await?;
    let recent = earlier.interactions.into_iter().filter(|i| !skip(i) && filter.entry(i)).take(POP_RECENT).collect();
    Ok(Json(ScreenPop { contact: contact.map(|c| c.to_wire()), open_cases, recent, pages }))
}
