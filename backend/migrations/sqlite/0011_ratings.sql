-- The visitor's rating of a chat (1 to 5) and their comment, given once
-- after it ended; the agent's record is the ratings of the chats they
-- answered (conversations.agent_id).
ALTER TABLE conversations ADD COLUMN rating INTEGER;
ALTER TABLE conversations ADD COLUMN rating_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN rated_at INTEGER;
CREATE INDEX conversations_rated_agent ON conversations (agent_id, rated_at);
