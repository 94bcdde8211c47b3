-- The ACD: skills, teams, queues and entry rules; agent states and the
-- routing record reports are computed from; messages left outside hours;
-- invitations; the admin audit log.

-- Skills agents have (at a level from 1 to 5) and queues require.
CREATE TABLE skills (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
);

CREATE TABLE agent_skills (
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    skill_id INTEGER NOT NULL REFERENCES skills(id) ON DELETE CASCADE,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (agent_id, skill_id)
);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, agent_id)
);

-- A site's queues. Skills, relaxation steps, business hours and wrap-up
-- codes are JSON (the shapes of protocol::admin).
CREATE TABLE queues (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    strategy TEXT NOT NULL DEFAULT 'longest_idle' CHECK (strategy IN ('longest_idle', 'round_robin', 'least_busy', 'manual')),
    priority INTEGER NOT NULL DEFAULT 0,
    skills TEXT NOT NULL DEFAULT '[]',
    level INTEGER NOT NULL DEFAULT 0,
    relax TEXT NOT NULL DEFAULT '[]',
    max_len INTEGER,
    max_wait_secs INTEGER,
    overflow_queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL,
    -- Empty: always open.
    hours TEXT NOT NULL DEFAULT '',
    wrap_up_secs INTEGER,
    wrap_up_codes TEXT NOT NULL DEFAULT '[]',
    default_wrap_up_code TEXT NOT NULL DEFAULT '',
    -- Only this team's members serve the queue; empty: every agent of the site.
    team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX one_default_queue_per_site ON queues (site_id) WHERE is_default = 1;
INSERT INTO queues (site_id, name, is_default, created_at) SELECT id, 'General', 1, created_at FROM sites;

-- Which queue a new conversation of a site enters: the first rule (by
-- position) whose every non-empty condition matches; else the default.
CREATE TABLE entry_rules (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    url_pattern TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    tier TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT ''
);
CREATE INDEX entry_rules_by_site ON entry_rules (site_id, position);

-- What routing knows of a visitor beyond the page (the CRM's contacts
-- will own these).
ALTER TABLE visitors ADD COLUMN tier TEXT NOT NULL DEFAULT '';
ALTER TABLE visitors ADD COLUMN country TEXT NOT NULL DEFAULT '';

-- Where a conversation waits or was handled from, its priority, when it
-- first entered a queue (kept through transfers and overflows), and the
-- wrap-up code its agent gave it.
ALTER TABLE conversations ADD COLUMN queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN entered_at INTEGER;
ALTER TABLE conversations ADD COLUMN wrap_up_code TEXT;
UPDATE conversations SET queue_id = (SELECT q.id FROM queues q WHERE q.site_id = conversations.site_id AND q.is_default = 1), entered_at = created_at;

-- Each routing step's queue, and what else it needs (a transfer's note and
-- target, a wrap-up code, why a conversation overflowed).
ALTER TABLE conversation_events ADD COLUMN queue_id INTEGER;
ALTER TABLE conversation_events ADD COLUMN detail TEXT NOT NULL DEFAULT '';
CREATE INDEX conversation_events_by_time ON conversation_events (at);

-- Every change of an agent's state, with the reason for being away
-- ('missed' when an offer lapsed).
CREATE TABLE agent_state_events (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('available', 'away', 'after_contact_work', 'offline')),
    reason TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);
CREATE INDEX agent_state_events_by_agent ON agent_state_events (agent_id, at);
ALTER TABLE agents ADD COLUMN away_reason TEXT NOT NULL DEFAULT '';

-- Supervisors join agents and admins. The check cannot be changed in
-- place in SQLite, so the column is replaced (the same in PostgreSQL, to
-- keep both schemas alike).
ALTER TABLE agents ADD COLUMN access TEXT NOT NULL DEFAULT 'agent' CHECK (access IN ('agent', 'supervisor', 'admin'));
UPDATE agents SET access = role;
ALTER TABLE agents DROP COLUMN role;
ALTER TABLE agents RENAME COLUMN access TO role;

-- Messages visitors left when a queue was closed or full, for follow-up.
CREATE TABLE left_messages (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL,
    visitor_id INTEGER NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- The agent who took it up, and the conversation they answered in.
    taken_by INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    taken_at INTEGER
);
CREATE INDEX left_messages_by_site ON left_messages (site_id, taken_at, id);
-- One message per conversation that could not be answered.
CREATE UNIQUE INDEX left_messages_one_per_conversation ON left_messages (conversation_id);

-- One-time links that let an invited agent set their password.
CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

-- Who changed what in the administration, and when.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at);
