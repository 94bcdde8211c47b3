-- Email out. A site's team address receives the messages visitors leave
-- while nobody can answer; emails wait in the same outbox as webhooks
-- (url "mailto:…"), and a transcript's email names its conversation so
-- the number asked per conversation can be limited.
ALTER TABLE sites ADD COLUMN team_email TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN conversation_id BIGINT REFERENCES conversations(id) ON DELETE CASCADE;
CREATE INDEX webhook_deliveries_by_conversation ON webhook_deliveries (conversation_id, kind);
