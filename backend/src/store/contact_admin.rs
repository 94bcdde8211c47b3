//! Contacts as the CRM keeps them apart from identity: listed and
//! searched (by name, email, phone, company, the site's id and attributes), made
//! and changed through the API or an import, with their company and owner.

use protocol::crm::ContactFields;
use protocol::{AgentId, SiteId};

use super::contacts::{ContactRow, CONTACT_COLUMNS};
use super::db::on_db;
use super::history::like_pattern;
use super::{is_unique_violation, now_ms, ContactRecord, Result, Store, StoreError};

/// Which contacts a search reads.
struct ContactScope {
    site: Option<SiteId>,
    /// Only the sites this agent serves.
    agent: Option<AgentId>,
    newest_first: bool,
}

const NO_OWNER: &str = "owner_id is no agent's id";

impl Store {
    /// Contacts after `after` (by id) that match `q`, oldest first: merged
    /// ones are not listed (their history is on the survivor).
    pub async fn contacts_page(&self, site: Option<SiteId>, q: &str, after: i64, limit: usize) -> Result<Vec<ContactRecord>> {
        self.find_contacts(ContactScope { site, agent: None, newest_first: false }, q, after, limit).await
    }

    /// The newest contacts matching `q` among the sites `agent` serves
    /// (`None`: every site, for an admin), as the console searches them.
    pub async fn agent_contacts(&self, agent: Option<AgentId>, q: &str, limit: usize) -> Result<Vec<ContactRecord>> {
        self.find_contacts(ContactScope { site: None, agent, newest_first: true }, q, i64::MAX, limit).await
    }

    async fn find_contacts(&self, scope: ContactScope, q: &str, from: i64, limit: usize) -> Result<Vec<ContactRecord>> {
        let (cursor, order) = if scope.newest_first { ("id < $1", "id DESC") } else { ("id > $1", "id") };
        let sql = format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts
             WHERE merged_into IS NULL AND {cursor} AND ($2 = 0 OR site_id = $2)
               AND ($6 = 0 OR site_id IN (SELECT x.site_id FROM agent_sites x WHERE x.agent_id = $6))
               AND ($3 = '' OR lower(name) LIKE $4 ESCAPE '\\' OR lower(email) LIKE $4 ESCAPE '\\' OR phone LIKE $4 ESCAPE '\\'
                    OR lower(COALESCE(external_id, '')) LIKE $4 ESCAPE '\\' OR lower(attributes) LIKE $4 ESCAPE '\\'
                    OR company_id IN (SELECT companies.id FROM companies WHERE lower(companies.name) LIKE $4 ESCAPE '\\'))
             ORDER BY {order} LIMIT $5"
        );
        let q = q.trim();
        let rows: Vec<ContactRow> = on_db!(&self.db, pool => sqlx::query_as(&sql)
            .bind(from).bind(scope.site.map_or(0, SiteId::get)).bind(q).bind(like_pattern(q)).bind(limit as i64).bind(scope.agent.map_or(0, AgentId::get))
            .fetch_all(pool).await?);
        rows.into_iter().map(ContactRow::into_record).collect()
    }

    /// What an anonymous contact said in a pre-chat form fills its empty
    /// name and email; a verified contact's are the site's and stay.
    pub async fn note_prechat(&self, id: i64, name: &str, email: &str) -> Result<()> {
        let sql = "UPDATE contacts SET name = CASE WHEN name = '' THEN $2 ELSE name END, email = CASE WHEN email = '' THEN $3 ELSE email END, updated_at = $4
                   WHERE id = $1 AND external_id IS NULL AND ((name = '' AND $2 != '') OR (email = '' AND $3 != ''))";
        on_db!(&self.db, pool => sqlx::query(sql).bind(id).bind(name.trim()).bind(email.trim()).bind(now_ms()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// A contact that is not merged into another.
    pub async fn live_contact(&self, id: i64) -> Result<ContactRecord> {
        match self.contact(id).await? {
            Some(c) if c.merged_into.is_none() => Ok(c),
            _ => Err(StoreError::NotFound("contact")),
        }
    }

    /// A new contact from the API or an import: verified when it carries
    /// the site's id for the customer (whoever holds an API token speaks
    /// for the site, as a `user_hash` does).
    pub async fn create_contact(&self, site: SiteId, f: &ContactFields) -> Result<ContactRecord> {
        // Checked first, so a contact is not made and then refused.
        if let Some(owner) = f.owner_id.filter(|o| *o != 0) {
            if self.agent(AgentId(owner)).await?.is_none() {
                return Err(StoreError::Invalid(NO_OWNER));
            }
        }
        let now = now_ms();
        let insert = "INSERT INTO contacts (site_id, external_id, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id";
        let external = f.external_id.as_deref().map(str::trim);
        let made: std::result::Result<i64, sqlx::Error> =
            on_db!(&self.db, pool => sqlx::query_scalar(insert).bind(site.get()).bind(external).bind(now).fetch_one(pool).await);
        let id = match made {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate("a contact with that external_id")),
            Err(e) => return Err(e.into()),
        };
        self.update_contact(id, &ContactFields { external_id: None, ..f.clone() }).await
    }

    /// Writes the fields given over a contact's: an attribute with an
    /// empty value is removed, a company is made on first use, owner 0
    /// clears the owner. A contact's site and, once set, its external id
    /// do not change.
    pub async fn update_contact(&self, id: i64, f: &ContactFields) -> Result<ContactRecord> {
        let mut c = self.live_contact(id).await?;
        if let Some(external) = f.external_id.as_deref().map(str::trim) {
            if c.external_id.as_deref().is_some_and(|old| old != external) {
                return Err(StoreError::Invalid("a contact's external_id does not change once set"));
            }
            c.external_id = Some(external.to_string());
        }
        for (field, value) in [(&mut c.name, &f.name), (&mut c.email, &f.email), (&mut c.phone, &f.phone), (&mut c.tier, &f.tier)] {
            if let Some(v) = value {
                *field = v.trim().to_string();
            }
        }
        if let Some(a) = &f.attributes {
            for (k, v) in a.iter() {
                if v.is_empty() {
                    c.attributes.remove(k);
                } else {
                    c.attributes.insert(k.clone(), v.clone());
                }
            }
        }
        if c.attributes.len() > protocol::contact::MAX_ATTRIBUTES {
            return Err(StoreError::Invalid("a contact has at most 50 attributes"));
        }
        let attributes = serde_json::to_string(&c.attributes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let company = f.company.as_deref().map(str::trim);
        let owner = f.owner_id.map(|o| (o != 0).then_some(o));
        let sql = "UPDATE contacts SET external_id = $1, name = $2, email = $3, phone = $4, tier = $5, attributes = $6, updated_at = $7,
                       company_id = CASE WHEN $8 THEN (SELECT id FROM companies WHERE site_id = contacts.site_id AND name = $9) ELSE company_id END,
                       owner_agent_id = CASE WHEN $10 THEN $11 ELSE owner_agent_id END
                   WHERE id = $12";
        let write = on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            if let Some(name) = company.filter(|n| !n.is_empty()) {
                let make = "INSERT INTO companies (site_id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (site_id, name) DO NOTHING";
                sqlx::query(make).bind(c.site_id.get()).bind(name).bind(now_ms()).execute(&mut *tx).await?;
            }
            let written = sqlx::query(sql)
                .bind(&c.external_id).bind(&c.name).bind(&c.email).bind(&c.phone).bind(&c.tier).bind(&attributes).bind(now_ms())
                .bind(company.is_some()).bind(company.unwrap_or_default())
                .bind(owner.is_some()).bind(owner.flatten())
                .bind(id)
                .execute(&mut *tx).await;
            match written {
                Ok(_) => { tx.commit().await?; Ok(()) }
                Err(e) => Err(e),
            }
        });
        match write {
            Ok(()) => self.live_contact(id).await,
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate("a contact with that external_id")),
            Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => Err(StoreError::Invalid(NO_OWNER)),
            Err(e) => Err(e.into()),
        }
    }
}
