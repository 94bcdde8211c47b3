-- Co-browsing: sessions (asked from a chat, or started by the visitor with
-- a short code), the steps of each with their times, and what the
-- recorder sent, kept for replay (as it was sent: masked in the visitor's
-- browser, compressed).
CREATE TABLE cobrowse_sessions (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    visitor_id INTEGER NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    -- The contact the visitor was when it started; erasing the contact
    -- erases its sessions.
    contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    -- asked, code, live, declined, ended (protocol::cobrowse::State).
    state TEXT NOT NULL,
    -- none, asked, granted, declined (protocol::cobrowse::Control).
    control TEXT NOT NULL DEFAULT 'none',
    -- SHA-256 of the recorder's credential for its data socket.
    key_hash TEXT,
    -- The visitor's short code while it can be used.
    code TEXT,
    code_expires_at INTEGER,
    asked_at INTEGER NOT NULL,
    consented_at INTEGER,
    control_asked_at INTEGER,
    control_at INTEGER,
    ended_at INTEGER,
    -- visitor, agent, expired (protocol::cobrowse::EndedBy).
    ended_by TEXT,
    -- Bytes of recording kept, against the most one session may keep.
    kept_bytes INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX cobrowse_codes ON cobrowse_sessions (code);
CREATE INDEX cobrowse_by_visitor ON cobrowse_sessions (visitor_id, id);
CREATE INDEX cobrowse_by_contact ON cobrowse_sessions (contact_id, id);
CREATE INDEX cobrowse_by_conversation ON cobrowse_sessions (conversation_id);
CREATE INDEX cobrowse_open ON cobrowse_sessions (state, asked_at);
-- One recording message each, in the order kept (by id: two recorders of
-- one session, on two nodes, cannot take the same place); `at` is
-- milliseconds since the session went live.
CREATE TABLE cobrowse_frames (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES cobrowse_sessions(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    bytes BLOB NOT NULL
);
CREATE INDEX cobrowse_frames_by_session ON cobrowse_frames (session_id, id);
-- A site's co-browse settings: CSS selectors of fields the recorder shows
-- as typed (a JSON array; every other field is masked), and whether remote
-- control may submit forms (0 or 1).
ALTER TABLE sites ADD COLUMN cobrowse_unmask TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sites ADD COLUMN cobrowse_allow_submit INTEGER NOT NULL DEFAULT 0;
