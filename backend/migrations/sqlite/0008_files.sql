-- Files in conversations. A file's bytes live in the blob store (under the
-- data directory), named by their SHA-256, so the same bytes sent twice
-- are kept once; this table says which conversation holds which file, and
-- under what name. The message that shows a file keeps a copy of its
-- description (`messages.file`, JSON: protocol::files::Attachment without
-- its link), so reading a conversation needs no join.
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    -- The uploader's message id: a retried upload finds its first copy.
    client_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (conversation_id, client_id)
);
CREATE INDEX files_by_sha256 ON files (sha256);
ALTER TABLE messages ADD COLUMN file TEXT;
-- Per-site limits, in megabytes: one file, and all files of one
-- conversation together. 0 turns files off for the site.
ALTER TABLE sites ADD COLUMN file_max_mb INTEGER NOT NULL DEFAULT 10;
ALTER TABLE sites ADD COLUMN conversation_files_max_mb INTEGER NOT NULL DEFAULT 50;
