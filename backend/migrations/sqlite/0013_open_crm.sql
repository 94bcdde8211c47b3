-- The CRM opened to other systems and to agents: API tokens, the
-- conversation events' outbox mark, callbacks by contact, page views,
-- case comments, resolutions sent to customers.

-- API tokens: other systems' access to the REST API (/rest/v1/). Only the
-- SHA-256 of a token's secret is kept (the secret is random and long, so
-- a slow hash buys nothing); its first characters are kept to tell tokens
-- apart. Scopes are a space-separated list. A revoked token stays listed.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_by INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
-- A contact's timeline reads its cases and callbacks.
CREATE INDEX cases_by_contact ON cases (contact_id, id);
CREATE INDEX visitors_by_contact ON visitors (contact_id);
-- Webhooks about a contact (their bodies name it) go when it is erased.
ALTER TABLE webhook_deliveries ADD COLUMN contact_id INTEGER REFERENCES contacts(id) ON DELETE CASCADE;
-- When a conversation's end was announced (the conversation.ended webhook,
-- or nothing when no events URL is set). Those that ended before this
-- release count as announced.
ALTER TABLE conversations ADD COLUMN announced_at INTEGER;
UPDATE conversations SET announced_at = ended_at WHERE status = 'ended';
CREATE INDEX conversations_unannounced ON conversations (status, announced_at);
-- A callback belongs to the contact who asked for it (not only to the
-- browser: a shared computer's visitor can later be someone else).
ALTER TABLE callbacks ADD COLUMN contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL;
UPDATE callbacks SET contact_id = (SELECT v.contact_id FROM visitors v WHERE v.id = callbacks.visitor_id);
CREATE INDEX callbacks_by_contact ON callbacks (contact_id, id);
-- The pages a visitor opened, newest kept (the screen pop shows this
-- visit's). A page is recorded when it differs from the one before.
CREATE TABLE page_views (
    id INTEGER PRIMARY KEY,
    visitor_id INTEGER NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX page_views_by_visitor ON page_views (visitor_id, id);
-- Comments on a case: the people working it, to each other.
CREATE TABLE case_comments (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    -- Who wrote it when no agent did (an API token's name).
    author TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX case_comments_by_case ON case_comments (case_id, id);
-- A case's resolution sent to its customer, and when they read it in the
-- widget.
ALTER TABLE cases ADD COLUMN resolution_sent_at INTEGER;
ALTER TABLE cases ADD COLUMN resolution_seen_at INTEGER;
