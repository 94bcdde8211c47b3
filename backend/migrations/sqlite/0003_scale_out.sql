-- Background jobs that must run on one node at a time (routing first) are
-- owned under a lease. `epoch` grows with every change of holder: it is the
-- fencing token every write of the job carries, so a holder that stalled
-- past its lease cannot write after another took over.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- The routing term (lease epoch) that recorded each routing step; empty for
-- steps taken outside routing (a visitor ending their chat).
ALTER TABLE conversation_events ADD COLUMN epoch INTEGER;
