-- The knowledge base. Articles belong to a site; only published ones reach
-- its visitors. title_terms and body_terms are the words each is found by,
-- written by the backend (`knowledge::terms`: Chinese as overlapping
-- character pairs), so both databases search the same terms.
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    format TEXT NOT NULL DEFAULT 'text',
    language TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'draft',
    title_terms TEXT NOT NULL DEFAULT '',
    body_terms TEXT NOT NULL DEFAULT '',
    author_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX articles_site_status ON articles (site_id, status);

-- Full-text search over the terms; rowid is the article's id. unicode61
-- keeps each space-separated term whole (a Chinese pair is one token).
-- The triggers keep it in step with the articles, in the same
-- transaction, however an article is written or removed (a site's
-- deletion included).
CREATE VIRTUAL TABLE articles_fts USING fts5 (title_terms, body_terms, tokenize = 'unicode61 remove_diacritics 0');
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title_terms, body_terms ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.id;
    INSERT INTO articles_fts (rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.id;
END;

-- What visitors did with articles the widget suggested: opened one, and
-- said it answered their question or not. Answered questions are the
-- ones self-service resolved.
CREATE TABLE article_events (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX article_events_article ON article_events (article_id, kind);
