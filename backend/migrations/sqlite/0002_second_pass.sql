-- What the database says about itself: whether it was created for the demo.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Agents belong to sites: they are offered, and see, only those sites'
-- visitors.
CREATE TABLE agent_sites (
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, site_id)
);
-- Before this, every agent saw every site; existing agents keep that.
INSERT INTO agent_sites (agent_id, site_id) SELECT a.id, s.id FROM agents a CROSS JOIN sites s;

-- A disabled agent cannot log in and loses every session at once.
ALTER TABLE agents ADD COLUMN disabled_at INTEGER;

-- Why a conversation ended: 'agent', 'visitor' or 'abandoned' (the visitor
-- left the queue before anyone answered).
ALTER TABLE conversations ADD COLUMN end_reason TEXT;

-- One open conversation per visitor, whatever the race between their tabs.
-- A race before this index existed may have left two: keep the newest.
UPDATE conversations SET status = 'ended', end_reason = 'visitor', ended_at = created_at
WHERE status != 'ended' AND id NOT IN (SELECT MAX(id) FROM conversations WHERE status != 'ended' GROUP BY visitor_id);
CREATE UNIQUE INDEX one_open_conversation_per_visitor ON conversations (visitor_id) WHERE status != 'ended';

CREATE INDEX agent_sessions_by_agent ON agent_sessions (agent_id);
