-- Saved replies an agent inserts as /shortcut. agent_id is the owner of a
-- personal reply; NULL is the team's, shared by every agent. A shortcut is
-- unique per owner and language.
CREATE TABLE canned_replies (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER REFERENCES agents(id) ON DELETE CASCADE,
    shortcut TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX canned_replies_unique ON canned_replies (COALESCE(agent_id, 0), shortcut, language);
