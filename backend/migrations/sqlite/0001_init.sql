-- Sites that embed the widget.
CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- JSON array of origins, e.g. ["https://shop.example"].
    allowed_origins TEXT NOT NULL,
    -- JSON object: protocol::visitor::WidgetSettings.
    settings TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    password_hash TEXT NOT NULL,
    presence TEXT NOT NULL DEFAULT 'offline',
    capacity INTEGER NOT NULL DEFAULT 3,
    created_at INTEGER NOT NULL
);

-- Console sessions. Only a hash of the cookie's token is stored.
CREATE TABLE agent_sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE visitors (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id),
    -- Hash of the bearer token the widget keeps in the visitor's storage.
    token_hash TEXT NOT NULL UNIQUE,
    locale TEXT NOT NULL DEFAULT '',
    page_url TEXT NOT NULL DEFAULT '',
    page_title TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id),
    visitor_id INTEGER NOT NULL REFERENCES visitors(id),
    status TEXT NOT NULL CHECK (status IN ('queued', 'active', 'ended')),
    agent_id INTEGER REFERENCES agents(id),
    prechat_name TEXT NOT NULL DEFAULT '',
    prechat_email TEXT NOT NULL DEFAULT '',
    prechat_topic TEXT NOT NULL DEFAULT '',
    visitor_read_seq INTEGER NOT NULL DEFAULT 0,
    agent_read_seq INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    answered_at INTEGER,
    ended_at INTEGER
);
CREATE INDEX conversations_by_visitor ON conversations (visitor_id, id);
CREATE INDEX conversations_by_status ON conversations (status, agent_id);

-- Every chat message. (conversation_id, seq) orders a conversation;
-- (conversation_id, client_id) makes sends idempotent.
CREATE TABLE messages (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    seq INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    author TEXT NOT NULL CHECK (author IN ('visitor', 'agent', 'system')),
    author_name TEXT NOT NULL,
    agent_id INTEGER REFERENCES agents(id),
    text TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq),
    UNIQUE (conversation_id, client_id)
) WITHOUT ROWID;

-- Append-only record of what routing decided and agents did.
CREATE TABLE conversation_events (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    kind TEXT NOT NULL,
    agent_id INTEGER REFERENCES agents(id),
    at INTEGER NOT NULL
);
CREATE INDEX conversation_events_by_conversation ON conversation_events (conversation_id, id);
