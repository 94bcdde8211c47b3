//! Contacts: the people behind visitors. A visitor who writes becomes an
//! anonymous contact; a verified identity makes it (or joins it to) the
//! site's contact for that customer id, across browsers; an unverified
//! one is recorded as a claim on the visitor's own contact and never
//! joins anything. Merging moves a contact's visitors, conversations,
//! callbacks and cases to the survivor, which is what "history" is here.

use std::collections::BTreeMap;

use protocol::contact::Identity;
use protocol::crm::Contact;
use protocol::{AgentId, SiteId, VisitorId};

use super::db::on_db;
use super::{is_unique_violation, new_token, now_ms, Result, Store, StoreError};

/// One contact as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRecord {
    pub id: i64,
    pub site_id: SiteId,
    /// The site's own id for a verified customer; None while anonymous.
    pub external_id: Option<String>,
    /// What an unverified identity said its id was (never trusted).
    pub claimed_id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub tier: String,
    pub attributes: BTreeMap<String, String>,
    pub merged_into: Option<i64>,
    /// The company's name, empty for none.
    pub company: String,
    pub owner_id: Option<AgentId>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ContactRecord {
    pub fn is_verified(&self) -> bool {
        self.external_id.is_some()
    }

    /// The contact as the API and the console read it.
    pub fn to_wire(&self) -> Contact {
        Contact {
            id: self.id,
            site_id: self.site_id,
            external_id: self.external_id.clone(),
            verified: self.is_verified(),
            claimed_id: self.claimed_id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            tier: self.tier.clone(),
            company: self.company.clone(),
            owner_id: self.owner_id,
            attributes: self.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            created_at_ms: self.created_at,
            updated_at_ms: self.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ContactRow {
    id: i64,
    site_id: i64,
    external_id: Option<String>,
    claimed_id: String,
    name: String,
    email: String,
    phone: String,
    tier: String,
    attributes: String,
    merged_into: Option<i64>,
    company: String,
    owner_agent_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl ContactRow {
    pub(super) fn into_record(self) -> Result<ContactRecord> {
        Ok(ContactRecord {
            id: self.id,
            site_id: SiteId(self.site_id),
            external_id: self.external_id,
            claimed_id: self.claimed_id,
            name: self.name,
            email: self.email,
            phone: self.phone,
            tier: self.tier,
            attributes: serde_json::from_str(&self.attributes).map_err(|e| StoreError::Corrupt(format!("contact attributes: {e}")))?,
            merged_into: self.merged_into,
            company: self.company,
            owner_id: self.owner_agent_id.map(AgentId),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A contact's columns, its company's name among them (empty for none).
pub(super) const CONTACT_COLUMNS: &str = "id, site_id, external_id, claimed_id, name, email, phone, tier, attributes, merged_into,
    COALESCE((SELECT companies.name FROM companies WHERE companies.id = contacts.company_id), '') AS company,
    owner_agent_id, created_at, updated_at";

/// What an identity changes on a contact: the fields it gives (empty ones
/// leave what is there) and its attributes over the old ones. A contact
/// becoming verified starts from nothing: what it held was only claimed.
fn merged_fields(c: &ContactRecord, identity: &Identity, verified: bool) -> ContactRecord {
    let base = if verified && !c.is_verified() {
        ContactRecord { name: String::new(), email: String::new(), phone: String::new(), tier: String::new(), attributes: BTreeMap::new(), ..c.clone() }
    } else {
        c.clone()
    };
    let pick = |new: &str, old: &str| if new.is_empty() { old.to_string() } else { new.to_string() };
    let mut attributes = base.attributes.clone();
    attributes.extend(identity.attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
    ContactRecord {
        name: pick(&identity.name, &base.name),
        email: pick(&identity.email, &base.email),
        phone: pick(&identity.phone, &base.phone),
        // Only a verified identity may set the tier routing reads.
        tier: if verified { identity.attributes.get("tier").map_or_else(|| base.tier.clone(), str::to_string) } else { base.tier.clone() },
        claimed_id: if verified { String::new() } else { pick(&identity.user_id, &base.claimed_id) },
        attributes,
        ..base
    }
}

/// The conversations of contact `$1`, as a subquery: those linked to it,
/// and its visitors' that are linked to nobody (from before contacts were
/// kept), as a merge counts them. The one definition for the history,
/// the export and the erasure.
macro_rules! conversations_of_contact {
    () => {
        "(SELECT c.id FROM conversations c WHERE c.contact_id = $1
            OR (c.contact_id IS NULL AND c.visitor_id IN (SELECT v.id FROM visitors v WHERE v.contact_id = $1)))"
    };
}
pub(super) use conversations_of_contact;

/// How often a verified identify starts over after losing a race (another
/// browser verifying the same customer at the same moment).
const IDENTIFY_ATTEMPTS: u32 = 3;

impl Store {
    pub async fn contact(&self, id: i64) -> Result<Option<ContactRecord>> {
        let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1");
        let row: Option<ContactRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
        row.map(ContactRow::into_record).transpose()
    }

    pub async fn contact_by_external_id(&self, site: SiteId, external_id: &str) -> Result<Option<ContactRecord>> {
        let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE site_id = $1 AND external_id = $2 AND merged_into IS NULL");
        let row: Option<ContactRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(site.get()).bind(external_id).fetch_optional(pool).await?);
        row.map(ContactRow::into_record).transpose()
    }

    /// The visitor's contact, made now (anonymous) if they have none yet.
    /// Two tabs asking at once get the same one.
    pub async fn visitor_contact(&self, visitor: VisitorId) -> Result<ContactRecord> {
        let current = "SELECT contact_id FROM visitors WHERE id = $1";
        let existing: Option<Option<i64>> = on_db!(&self.db, pool => sqlx::query_scalar(current).bind(visitor.get()).fetch_optional(pool).await?);
        let existing = existing.ok_or(StoreError::NotFound("visitor"))?;
        if let Some(contact) = existing {
            return self.contact(contact).await?.ok_or_else(|| StoreError::Corrupt("a visitor's contact is gone".into()));
        }
        let now = now_ms();
        let insert = "INSERT INTO contacts (site_id, created_at, updated_at) SELECT site_id, $2, $2 FROM visitors WHERE id = $1 RETURNING id";
        let made: i64 = on_db!(&self.db, pool => sqlx::query_scalar(insert).bind(visitor.get()).bind(now).fetch_one(pool).await?);
        let link = "UPDATE visitors SET contact_id = $1 WHERE id = $2 AND contact_id IS NULL";
        let linked = on_db!(&self.db, pool => sqlx::query(link).bind(made).bind(visitor.get()).execute(pool).await?.rows_affected());
        if linked == 0 {
            // Another tab linked one first: that one it is.
            on_db!(&self.db, pool => sqlx::query("DELETE FROM contacts WHERE id = $1").bind(made).execute(pool).await?.rows_affected());
            return Box::pin(self.visitor_contact(visitor)).await;
        }
        self.contact(made).await?.ok_or_else(|| StoreError::Corrupt("a new contact is gone".into()))
    }

    /// Writes the contact, changed now (which the record then says too).
    async fn save_contact(&self, c: &mut ContactRecord) -> Result<()> {
        c.updated_at = now_ms();
        let attributes = serde_json::to_string(&c.attributes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = "UPDATE contacts SET external_id = $1, claimed_id = $2, name = $3, email = $4, phone = $5, tier = $6, attributes = $7, updated_at = $8 WHERE id = $9";
        on_db!(&self.db, pool => sqlx::query(sql)
            .bind(&c.external_id).bind(&c.claimed_id).bind(&c.name).bind(&c.email).bind(&c.phone).bind(&c.tier).bind(&attributes).bind(c.updated_at).bind(c.id)
            .execute(pool).await?.rows_affected());
        Ok(())
    }

    /// An identity the site vouched for (its `user_hash` was right): the
    /// visitor becomes the site's contact for `user_id`. Their anonymous
    /// contact, if they had one, is merged into it (or becomes it, when
    /// there was none yet); a contact of another verified customer (a
    /// shared computer) keeps its history, and the visitor moves on.
    /// Returns the contact the visitor now is.
    pub async fn identify_verified(&self, visitor: VisitorId, site: SiteId, identity: &Identity) -> Result<ContactRecord> {
        for _ in 0..IDENTIFY_ATTEMPTS {
            if let Some(contact) = self.try_identify_verified(visitor, site, identity).await? {
                return Ok(contact);
            }
        }
        Err(StoreError::Corrupt(format!("identifying a visitor as a customer lost {IDENTIFY_ATTEMPTS} races in a row")))
    }

    /// One attempt; None when another writer changed a contact it read
    /// (the caller starts over).
    async fn try_identify_verified(&self, visitor: VisitorId, site: SiteId, identity: &Identity) -> Result<Option<ContactRecord>> {
        let current = self.visitor_contact(visitor).await?;
        let survivor = match self.contact_by_external_id(site, &identity.user_id).await? {
            Some(known) if known.id == current.id => known,
            Some(known) => {
                // Only an anonymous contact is merged; one that became
                // someone meanwhile is left as it is, and the visitor moves.
                if current.is_verified() || !self.merge_anonymous_into(current.id, known.id).await? {
                    self.link_visitor(visitor, known.id).await?;
                }
                known
            }
            None if !current.is_verified() => {
                // The fields go in the same write, so nobody reads a
                // verified contact without them.
                let promoted = ContactRecord { external_id: Some(identity.user_id.clone()), updated_at: now_ms(), ..merged_fields(&current, identity, true) };
                return match self.promote(&current, &promoted).await {
                    Ok(true) => Ok(Some(promoted)),
                    Ok(false) => Ok(None),
                    // The same customer was verified in another browser.
                    Err(StoreError::Database(e)) if is_unique_violation(&e) => Ok(None),
                    Err(e) => Err(e),
                };
            }
            None => {
                let now = now_ms();
                let insert = "INSERT INTO contacts (site_id, external_id, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id";
                let made: std::result::Result<i64, sqlx::Error> =
                    on_db!(&self.db, pool => sqlx::query_scalar(insert).bind(site.get()).bind(&identity.user_id).bind(now).fetch_one(pool).await);
                let id = match made {
                    Ok(id) => id,
                    Err(e) if is_unique_violation(&e) => return Ok(None),
                    Err(e) => return Err(e.into()),
                };
                self.link_visitor(visitor, id).await?;
                self.contact(id).await?.ok_or_else(|| StoreError::Corrupt("a new contact is gone".into()))?
            }
        };
        let mut updated = merged_fields(&survivor, identity, true);
        self.save_contact(&mut updated).await?;
        Ok(Some(updated))
    }

    /// Writes `promoted` over `was`, an anonymous contact, if it still is
    /// one (not verified or merged by another writer meanwhile).
    async fn promote(&self, was: &ContactRecord, promoted: &ContactRecord) -> Result<bool> {
        let attributes = serde_json::to_string(&promoted.attributes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = "UPDATE contacts SET external_id = $1, claimed_id = '', name = $2, email = $3, phone = $4, tier = $5, attributes = $6, updated_at = $7
                   WHERE id = $8 AND external_id IS NULL AND merged_into IS NULL";
        let n = on_db!(&self.db, pool => sqlx::query(sql)
            .bind(&promoted.external_id).bind(&promoted.name).bind(&promoted.email).bind(&promoted.phone).bind(&promoted.tier).bind(&attributes).bind(promoted.updated_at).bind(was.id)
            .execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// An identity nobody vouched for: what it says is kept on the
    /// visitor's own contact as their claim, unless that contact is a
    /// verified customer's, whose record a claim never changes.
    ///
    /// A claim naming another customer on a browser that was a verified
    /// customer's (a shared computer, the first one signed out) starts a
    /// fresh anonymous contact: the next person neither files their chats
    /// under the first nor inherits their priority.
    pub async fn identify_claimed(&self, visitor: VisitorId, identity: &Identity) -> Result<ContactRecord> {
        let mut current = self.visitor_contact(visitor).await?;
        if current.is_verified() {
            if identity.user_id.is_empty() || current.external_id.as_deref() == Some(identity.user_id.as_str()) {
                return Ok(current);
            }
            on_db!(&self.db, pool => sqlx::query("UPDATE visitors SET contact_id = NULL WHERE id = $1").bind(visitor.get()).execute(pool).await?.rows_affected());
            current = self.visitor_contact(visitor).await?;
        }
        let mut updated = merged_fields(&current, identity, false);
        self.save_contact(&mut updated).await?;
        Ok(updated)
    }

    async fn link_visitor(&self, visitor: VisitorId, contact: i64) -> Result<()> {
        let sql = "UPDATE visitors SET contact_id = $1 WHERE id = $2";
        on_db!(&self.db, pool => sqlx::query(sql).bind(contact).bind(visitor.get()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Moves everything of the anonymous contact `loser` to `survivor`
    /// (its visitors, and their conversations, those made before contacts
    /// existed too) and marks it merged, in one transaction. Its fields
    /// were only ever claims, so none is carried over. False, with nothing
    /// changed, when `loser` is no longer anonymous or is merged already.
    pub async fn merge_anonymous_into(&self, loser: i64, survivor: i64) -> Result<bool> {
        if loser == survivor {
            return Ok(false);
        }
        let mark = "UPDATE contacts SET merged_into = $2, updated_at = $3 WHERE id = $1 AND external_id IS NULL AND merged_into IS NULL";
        let orphans = "UPDATE conversations SET contact_id = $2 WHERE contact_id IS NULL AND visitor_id IN (SELECT id FROM visitors WHERE contact_id = $1)";
        let merged = on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let marked = sqlx::query(mark).bind(loser).bind(survivor).bind(now_ms()).execute(&mut *tx).await?.rows_affected();
            if marked == 1 {
                sqlx::query(orphans).bind(loser).bind(survivor).execute(&mut *tx).await?;
                sqlx::query("UPDATE conversations SET contact_id = $2 WHERE contact_id = $1").bind(loser).bind(survivor).execute(&mut *tx).await?;
                sqlx::query("UPDATE visitors SET contact_id = $2 WHERE contact_id = $1").bind(loser).bind(survivor).execute(&mut *tx).await?;
                sqlx::query("UPDATE cases SET contact_id = $2 WHERE contact_id = $1").bind(loser).bind(survivor).execute(&mut *tx).await?;
                sqlx::query("UPDATE callbacks SET contact_id = $2 WHERE contact_id = $1").bind(loser).bind(survivor).execute(&mut *tx).await?;
                sqlx::query("UPDATE cobrowse_sessions SET contact_id = $2 WHERE contact_id = $1").bind(loser).bind(survivor).execute(&mut *tx).await?;
                tx.commit().await?;
            }
            marked == 1
        });
        Ok(merged)
    }

    /// The conversations of a contact (`conversations_of_contact!`),
    /// newest first.
    pub async fn contact_conversations(&self, contact: i64) -> Result<Vec<protocol::ConversationId>> {
        let sql = concat!("SELECT id FROM conversations WHERE id IN ", conversations_of_contact!(), " ORDER BY id DESC");
        let ids: Vec<i64> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(contact).fetch_all(pool).await?);
        Ok(ids.into_iter().map(protocol::ConversationId).collect())
    }

    /// The contact a conversation is about, if any.
    pub async fn conversation_contact(&self, id: protocol::ConversationId) -> Result<Option<i64>> {
        let sql = "SELECT contact_id FROM conversations WHERE id = $1";
        let row: Option<Option<i64>> = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(id.get()).fetch_optional(pool).await?);
        Ok(row.flatten())
    }

    /// The site's identity secret (the key of `user_hash`), made the first
    /// time it is asked for.
    pub async fn site_identity_secret(&self, site: SiteId) -> Result<String> {
        let read = "SELECT identity_secret FROM sites WHERE id = $1";
        let secret: Option<String> = on_db!(&self.db, pool => sqlx::query_scalar(read).bind(site.get()).fetch_optional(pool).await?);
        match secret {
            None => Err(StoreError::NotFound("site")),
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => {
                let make = "UPDATE sites SET identity_secret = $1 WHERE id = $2 AND identity_secret = ''";
                on_db!(&self.db, pool => sqlx::query(make).bind(new_token()).bind(site.get()).execute(pool).await?.rows_affected());
                let secret: String = on_db!(&self.db, pool => sqlx::query_scalar(read).bind(site.get()).fetch_one(pool).await?);
                Ok(secret)
            }
        }
    }

    /// A new identity secret for the site; hashes made with the old one
    /// stop verifying at once.
    pub async fn rotate_identity_secret(&self, site: SiteId) -> Result<String> {
        let secret = new_token();
        let sql = "UPDATE sites SET identity_secret = $1 WHERE id = $2";
        on_db!(&self.db, pool => sqlx::query(sql).bind(&secret).bind(site.get()).execute(pool).await?.rows_affected());
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use protocol::visitor::{PageInfo, WidgetSettings};

    use super::*;
    use crate::store::temp_store;

    #[tokio::test]
    async fn only_an_anonymous_contact_is_merged_and_only_once() {
        let (store, _dir) = temp_store().await;
        let site = store.upsert_site("k", "Shop", &["http://a".into()], &WidgetSettings::default()).await.unwrap();
        let (a, _) = store.create_visitor(site.id, "en", &PageInfo::default()).await.unwrap();
        let (b, _) = store.create_visitor(site.id, "en", &PageInfo::default()).await.unwrap();
        let customer = Identity { user_id: "cust-1".into(), name: "Mei".into(), ..Default::default() };
        let verified = store.identify_verified(a.id, site.id, &customer).await.unwrap();
        let other = Identity { user_id: "cust-2".into(), ..Default::default() };
        let second = store.identify_verified(b.id, site.id, &other).await.unwrap();

        // A verified contact is never merged into another customer's.
        assert!(!store.merge_anonymous_into(verified.id, second.id).await.unwrap());
        assert_eq!(store.contact(verified.id).await.unwrap(), Some(verified.clone()));
        assert_eq!(store.visitor_contact(a.id).await.unwrap().id, verified.id);

        // An anonymous one is, once; a second attempt changes nothing.
        let (c, _) = store.create_visitor(site.id, "en", &PageInfo::default()).await.unwrap();
        let anonymous = store.visitor_contact(c.id).await.unwrap();
        assert!(store.merge_anonymous_into(anonymous.id, verified.id).await.unwrap());
        assert!(!store.merge_anonymous_into(anonymous.id, second.id).await.unwrap());
        assert_eq!(store.visitor_contact(c.id).await.unwrap().id, verified.id);
        assert_eq!(store.contact(anonymous.id).await.unwrap().and_then(|x| x.merged_into), Some(verified.id));
    }
}
