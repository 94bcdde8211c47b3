//! The CRM's records as other systems read them through the REST API
//! (`/rest/v1/`) and the console shows them: contacts, one contact's
//! timeline of interactions, and everything about a contact in one export.

use serde::{Deserialize, Serialize};

use crate::articles::ArticleStatus;
use crate::cases::Case;
use crate::contact::{
    clean, within, Attributes, BadIdentity, MAX_ATTRIBUTES, MAX_ATTRIBUTE_KEY_CHARS, MAX_ATTRIBUTE_VALUE_CHARS, MAX_EMAIL_CHARS, MAX_NAME_CHARS,
    MAX_PHONE_CHARS, MAX_USER_ID_CHARS,
};
use crate::history::Transcript;
use crate::{AgentId, Channel, SiteId};

/// Contacts per page of a list; the next page is asked with `after`.
pub const CONTACT_PAGE: usize = 100;
/// Interactions per page of a timeline; the next page with `before`.
pub const TIMELINE_PAGE: usize = 50;
/// The most rows one CSV import takes.
pub const MAX_IMPORT_ROWS: usize = 10_000;
/// The longest company name.
pub const MAX_COMPANY_CHARS: usize = 200;

/// A contact: a person behind one or more visitors of a site.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: i64,
    pub site_id: SiteId,
    /// The site's own id for this customer. Set by a verified identity
    /// (`Rapport.identify` with a valid `user_hash`) or by the API; none
    /// while the contact is anonymous.
    pub external_id: Option<String>,
    /// Whether an identity was verified (or the API vouched for it).
    pub verified: bool,
    /// What an unverified identity said its id was: never trusted.
    pub claimed_id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    /// The customer's value, as routing reads it (`vip`, …).
    pub tier: String,
    pub company: String,
    /// The agent who owns the relationship.
    pub owner_id: Option<AgentId>,
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, String>))]
    pub attributes: Attributes,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A contact made or changed through the API. Left-out fields are left
/// as they are (or empty, for a new contact); `attributes` are merged over
/// the old ones, and an empty value removes one.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactFields {
    /// Needed for a new contact; a contact never moves between sites.
    #[serde(default)]
    pub site_id: Option<SiteId>,
    /// The site's id for the customer: a new contact with one is verified,
    /// and a second contact with the same one is refused.
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    /// An agent's id; 0 clears the owner.
    #[serde(default)]
    pub owner_id: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<std::collections::BTreeMap<String, String>>))]
    pub attributes: Option<Attributes>,
}

/// A page of contacts, oldest first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactPage {
    pub contacts: Vec<Contact>,
    /// Ask `after=` this for the next page; none on the last.
    pub next_after: Option<i64>,
}

/// What kind of interaction a timeline entry is.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    /// A chat, or one attempt at a callback (`channel` says which).
    Conversation,
    /// A callback request, with all its attempts.
    Callback,
    Case,
    /// A comment on one of the contact's cases (`summary` is its text,
    /// `agent` who wrote it, `department` the case's): the notes the team
    /// keeps about them.
    Note,
    /// A co-browse session the visitor consented to (`status` is how it
    /// ended, `agent` who held it, `summary` "control" when the agent was
    /// given control); its recording can be replayed.
    Cobrowse,
}

/// One entry of a contact's timeline.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Interaction {
    pub kind: InteractionKind,
    /// The conversation's, callback's or case's id.
    pub id: i64,
    pub channel: Channel,
    pub at_ms: i64,
    pub ended_at_ms: Option<i64>,
    /// The conversation's or callback's status, or the case's.
    pub status: String,
    /// The pre-chat topic, the callback's topic or the case's subject.
    pub summary: String,
    pub queue: String,
    pub agent: String,
    pub wrap_up_code: String,
    /// The visitor's rating (1 to 5) and comment, for a rated chat.
    pub rating: Option<u8>,
    pub rating_comment: String,
    /// For a case: its department.
    pub department: String,
}

/// A page of a contact's timeline, newest first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeline {
    pub interactions: Vec<Interaction>,
    /// Ask `before=` this for the next page; none on the last.
    pub next_before: Option<String>,
}

/// A callback request as exported: what the visitor gave and what became
/// of each attempt.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallbackExport {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub topic: String,
    pub status: String,
    pub created_at_ms: i64,
    pub attempts: Vec<CallbackAttemptExport>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallbackAttemptExport {
    pub outcome: String,
    pub notes: String,
    pub wrap_up_code: String,
    pub at_ms: i64,
}

/// Everything Rapport holds about one contact (a data-protection access
/// request): the record, every conversation with its transcript, every
/// callback and every case.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactExport {
    pub contact: Contact,
    pub conversations: Vec<Transcript>,
    pub callbacks: Vec<CallbackExport>,
    pub cases: Vec<Case>,
    /// The co-browse sessions the contact consented to, with what was
    /// recorded.
    #[serde(default)]
    pub cobrowse: Vec<CobrowseExport>,
}

/// A co-browse session as exported: its steps with their times, and its
/// recording as it was sent (masked in the visitor's browser).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CobrowseExport {
    pub session: crate::cobrowse::Session,
    pub recording: Vec<RecordedBatch>,
}

/// One recording message: when, and its operations (`docs/cobrowse.md`)
/// as JSON text.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedBatch {
    /// Milliseconds since the session went live.
    pub at_ms: i64,
    pub ops: String,
}

/// What a CSV import did.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub created: u32,
    pub updated: u32,
    /// Rows not taken, with their line number and why.
    pub refused: Vec<RefusedRow>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusedRow {
    pub line: u64,
    pub reason: String,
}

impl ContactFields {
    /// The fields cleaned as an identity's are (no control characters,
    /// trimmed) and checked against the same limits. An attribute with an
    /// empty value stays: it asks for the attribute to be removed.
    pub fn checked(self) -> Result<ContactFields, BadIdentity> {
        let text = |v: Option<String>, max: usize, field: &'static str| v.map(|v| within(clean(&v), max, field)).transpose();
        let external_id = text(self.external_id, MAX_USER_ID_CHARS, "external_id")?;
        if external_id.as_ref().is_some_and(|v| v.is_empty()) {
            return Err(BadIdentity::Empty("external_id"));
        }
        let email = text(self.email, MAX_EMAIL_CHARS, "email")?;
        if email.as_ref().is_some_and(|e| !e.is_empty() && !crate::looks_like_email(e)) {
            return Err(BadIdentity::BadEmail);
        }
        let attributes = match self.attributes {
            Some(a) if a.len() > MAX_ATTRIBUTES => return Err(BadIdentity::TooManyAttributes),
            Some(a) => {
                let mut kept = Vec::with_capacity(a.len());
                for (k, v) in a.iter() {
                    let k = within(clean(k), MAX_ATTRIBUTE_KEY_CHARS, "attribute name")?;
                    if k.is_empty() {
                        return Err(BadIdentity::Empty("attribute name"));
                    }
                    kept.push((k, within(clean(v), MAX_ATTRIBUTE_VALUE_CHARS, "attribute value")?));
                }
                Some(kept.into_iter().collect())
            }
            None => None,
        };
        Ok(ContactFields {
            site_id: self.site_id,
            external_id,
            name: text(self.name, MAX_NAME_CHARS, "name")?,
            email,
            phone: text(self.phone, MAX_PHONE_CHARS, "phone")?,
            tier: text(self.tier, MAX_NAME_CHARS, "tier")?,
            company: text(self.company, MAX_COMPANY_CHARS, "company")?,
            owner_id: self.owner_id,
            attributes,
        })
    }
}

/// `GET /rest/v1/contacts`: every part optional.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct ContactQuery {
    /// Part of a name, email, phone number, external id or attribute value.
    pub q: String,
    pub site_id: Option<i64>,
    /// Contacts after this id (the previous page's `next_after`).
    pub after: Option<i64>,
    /// At most 100.
    pub limit: Option<u32>,
}

/// `GET /rest/v1/contacts/{id}/timeline`
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct TimelineQuery {
    /// The previous page's `next_before`.
    pub before: Option<String>,
}

/// `GET /rest/v1/articles`
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct ArticleQuery {
    /// Words to search for (English or Chinese).
    pub q: String,
    pub site_id: Option<i64>,
    pub status: Option<ArticleStatus>,
}

/// A page a visitor opened.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageView {
    pub url: String,
    pub title: String,
    pub at_ms: i64,
}

/// The most pages of a visit the screen pop lists.
pub const VISIT_PAGES: usize = 10;
/// A gap this long between two pages starts a new visit.
pub const VISIT_GAP_MS: i64 = 30 * 60 * 1000;
/// The earlier interactions the screen pop lists.
pub const POP_RECENT: usize = 5;

/// `GET /api/v1/conversations/{id}/pop`: who is asking, shown the moment
/// an offer reaches an agent and beside the chat: the contact (none for a
/// visitor who has not written yet), their open cases, their last
/// interactions before this one, and the pages of this visit.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ScreenPop {
    pub contact: Option<Contact>,
    pub open_cases: Vec<Case>,
    pub recent: Vec<Interaction>,
    /// Newest first.
    pub pages: Vec<PageView>,
}

/// `GET /api/v1/contacts/{id}`: a contact as the console shows it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ContactCard {
    pub contact: Contact,
    pub timeline: Timeline,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_fields_are_cleaned_and_checked_as_an_identity_is() {
        let attributes: Attributes = [("plan", " gold\u{7} "), ("old", "")].into_iter().collect();
        let f = ContactFields { name: Some(" Lin\u{0} Mei ".into()), attributes: Some(attributes), ..Default::default() };
        let f = f.checked().unwrap();
        assert_eq!(f.name.as_deref(), Some("Lin Mei"));
        let kept = f.attributes.unwrap();
        assert_eq!((kept.get("plan"), kept.get("old")), (Some("gold"), Some("")), "an empty value asks for removal");
        let bad = |f: ContactFields| f.checked().unwrap_err();
        assert_eq!(bad(ContactFields { external_id: Some(" ".into()), ..Default::default() }), BadIdentity::Empty("external_id"));
        assert_eq!(bad(ContactFields { email: Some("not an address".into()), ..Default::default() }), BadIdentity::BadEmail);
        assert_eq!(bad(ContactFields { name: Some("x".repeat(101)), ..Default::default() }), BadIdentity::TooLong("name"));
    }
}
