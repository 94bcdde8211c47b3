-- Contacts: the people behind visitors. Every visitor who writes becomes
-- a contact (anonymous until identified); a site's signed-in customer,
-- identified with a valid user_hash, is one contact across browsers and
-- devices (external_id, unique per site). An identity that is claimed but
-- not verified is recorded on the visitor's own contact (claimed_id) and
-- never merges with anything. A merged contact points at its survivor.
CREATE TABLE companies (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (site_id, name)
);
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    external_id TEXT,
    claimed_id TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    tier TEXT NOT NULL DEFAULT '',
    company_id INTEGER REFERENCES companies(id) ON DELETE SET NULL,
    owner_agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    -- JSON object of text values: the site's own facts.
    attributes TEXT NOT NULL DEFAULT '{}',
    merged_into INTEGER REFERENCES contacts(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX contacts_by_external_id ON contacts (site_id, external_id);
CREATE INDEX contacts_by_email ON contacts (site_id, email);
ALTER TABLE visitors ADD COLUMN contact_id INTEGER REFERENCES contacts(id);
ALTER TABLE conversations ADD COLUMN contact_id INTEGER REFERENCES contacts(id);
CREATE INDEX conversations_by_contact ON conversations (contact_id, id);
-- The key user_hash is checked with (hex); made when first needed.
ALTER TABLE sites ADD COLUMN identity_secret TEXT NOT NULL DEFAULT '';
