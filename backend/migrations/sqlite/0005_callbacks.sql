-- Callback requests: the visitor asks for a call; each attempt to reach
-- them is routed like a chat, as a conversation of the callback channel.

-- A conversation is a chat or one attempt at a callback. Only chats count
-- towards "one open conversation per visitor": a visitor may chat while a
-- callback of theirs waits for an agent.
ALTER TABLE conversations ADD COLUMN channel TEXT NOT NULL DEFAULT 'chat' CHECK (channel IN ('chat', 'callback'));
DROP INDEX one_open_conversation_per_visitor;
CREATE UNIQUE INDEX one_open_chat_per_visitor ON conversations (visitor_id) WHERE status != 'ended' AND channel = 'chat';

-- A queue's callback settings (slot length, per-slot maximum, retries), as JSON.
ALTER TABLE queues ADD COLUMN callbacks TEXT NOT NULL DEFAULT '';

CREATE TABLE callbacks (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    visitor_id INTEGER NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    queue_id INTEGER REFERENCES queues(id) ON DELETE SET NULL,
    -- The chat it was asked for from, if any (its transcript goes with it).
    origin_conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    -- E.164, normalised by the server.
    phone TEXT NOT NULL,
    topic TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'waiting', 'calling', 'completed', 'failed', 'cancelled')),
    -- Whether the visitor asked for "as soon as possible" rather than a slot.
    asap INTEGER NOT NULL DEFAULT 0,
    -- When it next enters its queue (the slot's start, or a retry's time).
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- The conversation of the attempt under way.
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    ip TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    closed_at INTEGER
);
-- One open callback per number per site.
CREATE UNIQUE INDEX one_open_callback_per_number ON callbacks (site_id, phone) WHERE status IN ('scheduled', 'waiting', 'calling');
CREATE INDEX callbacks_due ON callbacks (status, due_at);
CREATE INDEX callbacks_by_visitor ON callbacks (visitor_id, id);
CREATE INDEX callbacks_by_site_time ON callbacks (site_id, created_at);
CREATE INDEX callbacks_by_ip_time ON callbacks (ip, created_at);
-- Routing finds a request by its attempt's conversation on every step.
CREATE INDEX callbacks_by_conversation ON callbacks (conversation_id);

-- Every attempt and how it ended, as the agent recorded it.
CREATE TABLE callback_attempts (
    id INTEGER PRIMARY KEY,
    callback_id INTEGER NOT NULL REFERENCES callbacks(id) ON DELETE CASCADE,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    agent_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('connected', 'no_answer', 'busy', 'voicemail', 'wrong_number')),
    notes TEXT NOT NULL DEFAULT '',
    wrap_up_code TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);
CREATE INDEX callback_attempts_by_callback ON callback_attempts (callback_id, id);
CREATE INDEX callback_attempts_by_conversation ON callback_attempts (conversation_id);

-- Signed webhooks to other systems (the dialer's "place this call"), with
-- every attempt's result: the delivery log admins read. A delivery is
-- claimed by pushing next_at ahead, so any node may deliver and a claim
-- left by a dead node comes due again.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    last_status INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    done_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_at);
