//! The SQLite schema and its migrations.
//!
//! The schema version lives in `PRAGMA user_version`; each migration moves it up by one inside a
//! transaction. All text offsets stored are **Unicode code point offsets** into `articles.text`,
//! end exclusive (as in the interchange format), so `text[start:end]` works in Python.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{LedgerError, Result};

/// Migrations in order; migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
-- Per-article tables: written by ingest in one transaction per batch.
CREATE TABLE articles (
    id               INTEGER PRIMARY KEY,
    doc_id           TEXT NOT NULL,
    text_hash        TEXT NOT NULL,          -- SHA-256 of the text, hex
    analysis_version TEXT NOT NULL,
    text             TEXT NOT NULL,
    title            TEXT,
    publisher        TEXT,
    published        TEXT,                   -- ISO date or date-time as found
    byline           TEXT,
    site_name        TEXT,
    language         TEXT,
    url              TEXT,
    meta_json        TEXT NOT NULL,          -- every metadata field with its provenance
    origin_path      TEXT NOT NULL,
    origin_record    INTEGER,
    origin_format    TEXT NOT NULL,
    wire             TEXT,                   -- wire agency credited in the text, if any
    minhash          BLOB NOT NULL,          -- MinHash signature of word shingles (u32 LE)
    ingested_at      TEXT NOT NULL,
    UNIQUE (doc_id, text_hash)
);
CREATE INDEX articles_text_hash ON articles(text_hash);
CREATE INDEX articles_published ON articles(published);

CREATE TABLE sentences (
    article INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    idx     INTEGER NOT NULL,
    start   INTEGER NOT NULL,
    end     INTEGER NOT NULL,
    PRIMARY KEY (article, idx)
) WITHOUT ROWID;

CREATE TABLE entities (
    id      INTEGER PRIMARY KEY,
    article INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    idx     INTEGER NOT NULL,                -- index in the article's entity layer
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL,
    roles   TEXT NOT NULL,                   -- JSON [{"text","start","end","affiliation"}]
    agent   INTEGER                          -- cross-article identity (agents.id), set by linking
);
CREATE INDEX entities_article ON entities(article);
CREATE INDEX entities_agent ON entities(agent);

CREATE TABLE mentions (
    entity INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    start  INTEGER NOT NULL,
    end    INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    text   TEXT NOT NULL
);
CREATE INDEX mentions_entity ON mentions(entity);

CREATE TABLE times (
    id       INTEGER PRIMARY KEY,
    article  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    idx      INTEGER NOT NULL,
    start    INTEGER NOT NULL,
    end      INTEGER NOT NULL,
    text     TEXT NOT NULL,
    kind     TEXT NOT NULL,
    value    TEXT NOT NULL,
    modifier TEXT,
    resolved INTEGER NOT NULL
);
CREATE INDEX times_article ON times(article);

CREATE TABLE attributions (
    id              INTEGER PRIMARY KEY,
    article         INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    idx             INTEGER NOT NULL,
    kind            TEXT NOT NULL,           -- direct | indirect | mixed
    content         TEXT NOT NULL,           -- content spans' text joined by " … "
    content_spans   TEXT NOT NULL,           -- JSON [[start,end],...]
    cue             TEXT, cue_start INTEGER, cue_end INTEGER,
    source          TEXT, source_start INTEGER, source_end INTEGER,
    source_kind     TEXT NOT NULL,
    speaker_entity  INTEGER REFERENCES entities(id) ON DELETE SET NULL,
    speaker         TEXT,                    -- the speaker's name in this article
    confidence      REAL NOT NULL,
    addressee       TEXT, addressee_start INTEGER, addressee_end INTEGER,
    hedges          TEXT NOT NULL,           -- JSON [{"text","start","end"}]
    polarity        TEXT NOT NULL,           -- asserts | denies | refuses
    time_value      TEXT,
    time_id         INTEGER REFERENCES times(id) ON DELETE SET NULL,
    paragraph       INTEGER,
    stance          TEXT NOT NULL,           -- asserts | reports | denies | questions | declines
    target          INTEGER,                 -- for a denial: the attribution (same article) it denies
    claim_key       TEXT NOT NULL,           -- JSON of the lexical claim features
    agent           INTEGER,                 -- cross-article speaker (agents.id), set by linking
    claim           INTEGER                  -- claim cluster (claims.id), set by linking
);
CREATE INDEX attributions_article ON attributions(article);
CREATE INDEX attributions_agent ON attributions(agent);
CREATE INDEX attributions_claim ON attributions(claim);

-- Full-text search (FTS5).
CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', content_rowid='id');
CREATE VIRTUAL TABLE quotes_fts USING fts5(content, source, speaker);

-- Cross-article tables: rebuilt together by linking, in one transaction.
CREATE TABLE agents (
    id    INTEGER PRIMARY KEY,
    key   TEXT NOT NULL UNIQUE,              -- normalised name
    name  TEXT NOT NULL,                     -- the most frequent full form
    kind  TEXT NOT NULL,
    roles TEXT NOT NULL                      -- JSON list of distinct roles seen
);
CREATE TABLE copies (
    article    INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    root       INTEGER NOT NULL,             -- the earliest copy in the cluster
    kind       TEXT NOT NULL,                -- exact | near | wire
    similarity REAL NOT NULL
);
CREATE INDEX copies_root ON copies(root);
CREATE TABLE claims (
    id         INTEGER PRIMARY KEY,
    label      TEXT NOT NULL,                -- the text of its most complete asserted content
    size       INTEGER NOT NULL,
    articles   INTEGER NOT NULL,
    asserts    INTEGER NOT NULL,
    reports    INTEGER NOT NULL,
    denies     INTEGER NOT NULL,
    questions  INTEGER NOT NULL,
    disputed   INTEGER NOT NULL,
    first_seen TEXT
);

CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"#,
    r#"
-- Claim vectors from a sentence encoder, computed once per attribution so re-linking does not
-- re-encode old claims. Deleted with their attribution (re-analysis gives new attributions).
CREATE TABLE claim_vectors (
    attribution_id INTEGER PRIMARY KEY REFERENCES attributions(id) ON DELETE CASCADE,
    model          TEXT NOT NULL,            -- the encoder's name; another model's vector is redone
    dim            INTEGER NOT NULL,
    vec            BLOB NOT NULL             -- dim f32, little-endian
);
CREATE INDEX claim_vectors_model ON claim_vectors(model);
"#,
    r#"
-- Query speed on large ledgers: speakers carry their counts (kept by linking), and the claim
-- lists read partial indexes in list order, so a page is an index range, not a sort.
ALTER TABLE agents ADD COLUMN quotes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN articles INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN first_seen TEXT;
ALTER TABLE agents ADD COLUMN last_seen TEXT;
CREATE INDEX agents_rank ON agents(quotes DESC, name) WHERE quotes > 0;
CREATE INDEX claims_listed ON claims(disputed DESC, articles DESC, size DESC, id) WHERE size > 1;
CREATE INDEX claims_disputed ON claims(articles DESC, size DESC, id) WHERE disputed;
"#,
    AGENT_COUNTS,
    r#"
-- A speaker's quotes page by date from an index: attributions carry their article's publication
-- date (articles never change it), and (agent, date order) is indexed, so the first page of the
-- most quoted speaker is an index range instead of a sort of all their quotes through the
-- articles table (whose wide rows put `published` behind the text).
ALTER TABLE attributions ADD COLUMN published TEXT;
UPDATE attributions SET published = a.published FROM articles a WHERE a.id = attributions.article AND a.published IS NOT NULL;
CREATE INDEX attributions_agent_order ON attributions(agent, published IS NULL, published, article, idx);
DROP INDEX attributions_agent; -- the new index leads with agent
-- The speaker filter's second half (quotes with no resolved speaker, by the words of their source)
-- searches only those quotes, so a name that resolves does not drag its thousands of resolved
-- quotes through a sort. Linking adds the quotes it leaves unresolved (SYNC_UNRESOLVED); the
-- triggers follow later changes of their speaker.
CREATE VIRTUAL TABLE unresolved_fts USING fts5(source, speaker);
INSERT INTO unresolved_fts(rowid, source, speaker)
    SELECT id, coalesce(source, ''), coalesce(speaker, '') FROM attributions WHERE agent IS NULL;
INSERT OR REPLACE INTO state(key, value) SELECT 'unresolved_upto', coalesce(max(id), 0) FROM attributions;
CREATE TRIGGER attributions_resolved AFTER UPDATE OF agent ON attributions
    WHEN old.agent IS NULL AND new.agent IS NOT NULL
    BEGIN DELETE FROM unresolved_fts WHERE rowid = old.id; END;
CREATE TRIGGER attributions_unresolved AFTER UPDATE OF agent ON attributions
    WHEN old.agent IS NOT NULL AND new.agent IS NULL
    BEGIN INSERT OR REPLACE INTO unresolved_fts(rowid, source, speaker) VALUES (new.id, coalesce(new.source, ''), coalesce(new.speaker, '')); END;
CREATE TRIGGER attributions_gone AFTER DELETE ON attributions
    WHEN old.agent IS NULL
    BEGIN DELETE FROM unresolved_fts WHERE rowid = old.id; END;
"#,
    r#"
-- Incremental claim linking (crate::relink): one representative per distinct claim key with the
-- postings of its tokens, so new claims find their candidates by index; claims remember their
-- label's rank so a new member can take the label without reading the old ones.
ALTER TABLE claims ADD COLUMN label_stems INTEGER;
ALTER TABLE claims ADD COLUMN label_attribution INTEGER;
CREATE TABLE claim_reps (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, claim INTEGER NOT NULL);
CREATE INDEX claim_reps_claim ON claim_reps(claim);
CREATE TABLE claim_postings (token TEXT NOT NULL, rep INTEGER NOT NULL, PRIMARY KEY (token, rep)) WITHOUT ROWID;
CREATE TABLE claim_tokens (token TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
DELETE FROM state WHERE key = 'claims_upto'; -- the next linking clusters from scratch and fills these
-- LSH buckets of the MinHash signatures (crate::relink::link_new_copies): a new article finds its
-- candidate copies by index.
CREATE TABLE copy_bands (band INTEGER NOT NULL, hash INTEGER NOT NULL, article INTEGER NOT NULL, PRIMARY KEY (band, hash, article)) WITHOUT ROWID;
DELETE FROM state WHERE key = 'copies_upto';
-- Speakers (crate::relink::link_new_speakers): entities counted per distinct (name, kind, roles)
-- and named sources per name, each with the agent it resolved to, so a linking resolves the
-- names without reading every entity and rewrites only the rows whose name changed agent.
CREATE TABLE entity_groups (name TEXT NOT NULL, kind TEXT NOT NULL, roles TEXT NOT NULL, n INTEGER NOT NULL, agent INTEGER, PRIMARY KEY (name, kind, roles)) WITHOUT ROWID;
CREATE TABLE source_names (name TEXT PRIMARY KEY, n INTEGER NOT NULL, agent INTEGER) WITHOUT ROWID;
CREATE INDEX entities_name ON entities(name);
DELETE FROM state WHERE key IN ('speakers_entities_upto', 'speakers_attributions_upto');
"#,
    r#"
-- Ingest cost: no query reads entities by agent (linking writes it by id; speakers are read
-- through attributions and entity_groups), so its index only cost a write per stored entity.
DROP INDEX IF EXISTS entities_agent;
-- Mentions are read only per entity (the article view), so each entity holds its mentions as
-- one JSON value, [[start, end, kind, text], ...] in start order, instead of a row (and an
-- index entry) per mention: ~80 fewer rows per article.
ALTER TABLE entities ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';
UPDATE entities SET mentions = m.list
FROM (SELECT entity, json_group_array(json_array(start, end, kind, text)) AS list
      FROM (SELECT entity, start, end, kind, text FROM mentions ORDER BY entity, start, rowid)
      GROUP BY entity) AS m
WHERE m.entity = entities.id;
DROP TABLE mentions;
"#,
    r#"
-- Speakers per surname family (crate::speakers::family, the last word of the name key): a
-- name's resolution depends only on the names of its family, so a linking reads and resolves
-- only the families its new names touch instead of every distinct name. The next linking
-- resolves every name once more and fills the column (the speaker index is rebuilt).
ALTER TABLE entity_groups ADD COLUMN family TEXT NOT NULL DEFAULT '';
ALTER TABLE source_names ADD COLUMN family TEXT NOT NULL DEFAULT '';
CREATE INDEX entity_groups_family ON entity_groups(family);
CREATE INDEX source_names_family ON source_names(family);
DELETE FROM state WHERE key IN ('speakers_entities_upto', 'speakers_attributions_upto');
"#,
    r#"
-- Full-text indexes of articles and quotes merge their segments 16 at a time instead of 4:
-- FTS5 writes one segment per ingest batch and re-merged every article's postings once per
-- level, most of the writer's full-text cost; with fewer levels a posting is rewritten fewer
-- times. Search results are the same (a query reads a few more segments).
INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 16);
INSERT INTO quotes_fts(quotes_fts, rank) VALUES ('automerge', 16);
"#,
    r#"
-- Ingest cost: the index on entities(name) took a write at a random key for every stored entity
-- (~36 per article, in every 128-article transaction); once it outgrew the page cache, that was
-- most of the writer's growth with the ledger. Its only reader is linking (the old entities of
-- a name whose speaker changed), so linking keeps this table instead: it adds the entities
-- stored since the last linking, in name order (crate::relink::link_new_speakers), one pass
-- over its pages per linking instead of a page per entity per batch.
CREATE TABLE entity_names (name TEXT NOT NULL, entity INTEGER NOT NULL, PRIMARY KEY (name, entity)) WITHOUT ROWID;
INSERT INTO entity_names(name, entity) SELECT name, id FROM entities ORDER BY name, id;
DROP INDEX IF EXISTS entities_name;
"#,
    r#"
-- Ingest cost: the index attributions_agent_order took a write at a random key (the speaker) for
-- every stored quote (~15 per article, in every 128-article transaction), most of the writer's
-- remaining growth with the ledger. Its readers (a speaker's quotes by date, their outlets and
-- counts) read this table instead, which linking fills: the quotes stored since the last linking
-- in key order (schema::SYNC_SPEAKER_QUOTES, one pass over its pages per linking), and
-- the triggers follow later changes of an older quote's speaker. `published` is '' when undated
-- (key columns cannot be NULL), which `undated` orders last as `published IS NULL` did.
CREATE TABLE speaker_quotes (
    agent     INTEGER NOT NULL,
    undated   INTEGER NOT NULL,
    published TEXT NOT NULL,
    article   INTEGER NOT NULL,
    idx       INTEGER NOT NULL,
    id        INTEGER NOT NULL,              -- attributions.id
    PRIMARY KEY (agent, undated, published, article, idx, id)
) WITHOUT ROWID;
INSERT INTO speaker_quotes(agent, undated, published, article, idx, id)
    SELECT agent, published IS NULL, coalesce(published, ''), article, idx, id FROM attributions
    WHERE agent IS NOT NULL ORDER BY 1, 2, 3, 4, 5, 6;
INSERT OR REPLACE INTO state(key, value) SELECT 'speaker_quotes_upto', coalesce(max(id), 0) FROM attributions;
DROP INDEX IF EXISTS attributions_agent_order;
CREATE TRIGGER speaker_quotes_moved AFTER UPDATE OF agent ON attributions
    WHEN old.agent IS NOT new.agent
    BEGIN
        DELETE FROM speaker_quotes WHERE agent = old.agent AND undated = (old.published IS NULL)
            AND published = coalesce(old.published, '') AND article = old.article AND idx = old.idx AND id = old.id;
        INSERT OR IGNORE INTO speaker_quotes(agent, undated, published, article, idx, id)
            SELECT new.agent, new.published IS NULL, coalesce(new.published, ''), new.article, new.idx, new.id
            WHERE new.agent IS NOT NULL
              AND new.id <= (SELECT CAST(value AS INTEGER) FROM state WHERE key = 'speaker_quotes_upto');
    END;
CREATE TRIGGER speaker_quotes_gone AFTER DELETE ON attributions
    WHEN old.agent IS NOT NULL
    BEGIN
        DELETE FROM speaker_quotes WHERE agent = old.agent AND undated = (old.published IS NULL)
            AND published = coalesce(old.published, '') AND article = old.article AND idx = old.idx AND id = old.id;
    END;
"#,
    r#"
-- A merge of stored claim clusters counts its distinct articles from this index alone, instead of
-- reading every member row (anywhere in the quotes table) again.
CREATE INDEX attributions_claim_article ON attributions(claim, article);
DROP INDEX IF EXISTS attributions_claim;
"#,
    r#"
-- The speaker index groups entities by (name, kind, role texts) instead of (name, kind, roles
-- JSON): the JSON holds each role's offsets in its article, so every mention with a role was a
-- group of its own, and a linking read and resolved them all again (crate::speakers::roles_key).
-- The next linking (the next ingest, even of nothing new) resolves every name once more and
-- rebuilds the index with the new keys; it also counts every speaker's quotes again, which
-- repairs the counts that incremental linkings before this version lost (a speaker whose roles
-- changed had its row replaced, counts and all).
DELETE FROM entity_groups;
DELETE FROM state WHERE key IN ('speakers_entities_upto', 'speakers_attributions_upto');
INSERT OR REPLACE INTO state(key, value) SELECT 'dirty', '1' WHERE EXISTS (SELECT 1 FROM entities);
"#,
    r#"
-- The quotes' full-text index kept its own copy of every quote's content, source and speaker
-- (220 MB of a 2.9 GB ledger at 100,000 articles), all of it already in `attributions` and never
-- changed once a quote is stored. It now indexes those columns where they are (external
-- content): the same matches, ranks and snippets, and ingest no longer writes the copy.
-- `rebuild` indexes the stored quotes again and `optimize` merges them into one segment, so the
-- next ingests' merges start from an empty cycle (1.5 million quotes: 6 s and 3 s).
DROP TABLE quotes_fts;
CREATE VIRTUAL TABLE quotes_fts USING fts5(content, source, speaker, content='attributions', content_rowid='id');
INSERT INTO quotes_fts(quotes_fts, rank) VALUES ('automerge', 16);
INSERT INTO quotes_fts(quotes_fts) VALUES ('rebuild');
INSERT INTO quotes_fts(quotes_fts) VALUES ('optimize');
"#,
    r#"
-- FTS5 writes its pending postings out as a new segment at each commit and whenever they pass
-- `hashsize` (1 MB by default, less than one ingest transaction's articles), and merges segments
-- 16 at a time: every 16x more segments is one more rewrite of every posting. With room for a
-- whole transaction (16 MB, held only while one is written) a transaction is one segment, and
-- ingest commits 512 articles at a time (crate::store::BATCH). `hashsize` is FTS5's own
-- setting, kept in each index's config table like `automerge`.
INSERT INTO articles_fts(articles_fts, rank) VALUES ('hashsize', 16777216);
INSERT INTO quotes_fts(quotes_fts, rank) VALUES ('hashsize', 16777216);
"#,
    r#"
-- FTS5 merges a level's segments all at once, inside the write that brings the level to
-- `crisismerge` segments (16 by default), and a merge that fills the next level cascades: with
-- `automerge` also 16, its gradual merging has no room to work first. At 130,000 articles one such
-- cascade took a 10,000-article ingest's writer from 6 to 14 s. Room for 64 lets `automerge`
-- do that work a little at every write.
INSERT INTO articles_fts(articles_fts, rank) VALUES ('crisismerge', 64);
INSERT INTO quotes_fts(quotes_fts, rank) VALUES ('crisismerge', 64);
"#,
    r#"
-- Ingest cost: the index on articles(text_hash), keyed by a 64-character hex hash, took a write
-- at a random key for every stored article (two log frames per article at 200,000 articles, and a
-- read of each page it no longer held in cache). Its only reader was linking's exact-copy lookup,
-- which now reads a bucket of its own in the LSH index (crate::relink::EXACT_BAND: 64 bits of
-- the hash, 12 bytes a row, written by linking in key order). The copy index is emptied and
-- rebuilt, with that bucket, by the next linking (copies from scratch, as for a new ledger).
DROP INDEX IF EXISTS articles_text_hash;
DELETE FROM copy_bands;
DELETE FROM state WHERE key = 'copies_upto';
"#,
    r#"
-- Claim clusters no longer merge (crate::claims): taken in the order they were stored, each
-- claim joins at most one cluster, so a claim like two stories no longer chains them into one
-- and a linking moves no stored quote. The next linking clusters every claim again, from
-- scratch, by that rule. Nothing reads representatives by cluster any more (merges moved them).
DROP INDEX IF EXISTS claim_reps_claim;
DELETE FROM state WHERE key = 'claims_upto';
INSERT OR REPLACE INTO state(key, value) SELECT 'dirty', '1' WHERE EXISTS (SELECT 1 FROM attributions);
"#,
    r#"
-- Linking's name lookup in runs, one per linking (crate::relink::add_entity_names): keyed by name
-- alone, a linking's new names fell on every page of the table and it rewrote most of it each
-- time (16,717 pages at 210,000 articles); keyed by run first, a linking appends its rows after
-- the stored ones. The stored rows become run 0.
CREATE TABLE entity_names_runs (run INTEGER NOT NULL, name TEXT NOT NULL, entity INTEGER NOT NULL, PRIMARY KEY (run, name, entity)) WITHOUT ROWID;
INSERT INTO entity_names_runs(run, name, entity) SELECT 0, name, entity FROM entity_names ORDER BY name, entity;
DROP TABLE entity_names;
ALTER TABLE entity_names_runs RENAME TO entity_names;
"#,
    r#"
-- A bucket of the copy index keeps its earliest 8 articles (crate::relink::BUCKET_ROWS), the only
-- ones a new article is compared with: the rows past them were never read (13.8% of the rows at
-- 200,000 articles), and linking wrote them into every page of the table.
DELETE FROM copy_bands WHERE (band, hash, article) IN (
    SELECT band, hash, article FROM (
        SELECT band, hash, article, row_number() OVER (PARTITION BY band, hash ORDER BY article) AS k FROM copy_bands)
    WHERE k > 8);
"#,
    r#"
-- The copy index in two levels (crate::levels::merge_due): keyed by a hash, a linking's new rows
-- fell on every page of `copy_bands` and rewrote the whole table each time (21,219 pages at
-- 210,000 articles). Linking now writes them to a small recent level, merged into the main one
-- when the recent level has grown to about sqrt(2 · main rows · rows per linking). A bucket's
-- articles are those of both levels; `copy_index` shows them as one table. The main level's
-- rows are counted once here; linking keeps both counts.
CREATE TABLE copy_bands_recent (band INTEGER NOT NULL, hash INTEGER NOT NULL, article INTEGER NOT NULL, PRIMARY KEY (band, hash, article)) WITHOUT ROWID;
CREATE VIEW copy_index AS SELECT band, hash, article FROM copy_bands UNION ALL SELECT band, hash, article FROM copy_bands_recent;
INSERT OR REPLACE INTO state(key, value) SELECT 'copy_bands_rows', count(*) FROM copy_bands;
INSERT OR REPLACE INTO state(key, value) VALUES ('copy_bands_recent_rows', 0);
"#,
    r#"
-- Each speaker's quotes in two levels (crate::levels), as the copy index in v21: keyed by speaker
-- and date, a linking's new quotes fell on most pages of `speaker_quotes` (15,422 of 21,629 at
-- 210,000 articles, dated as their sources). Linking adds them to `speaker_quotes_recent`,
-- merged into the main level now and then; a speaker's page of quotes merges the two ordered
-- ranges. An older quote that changes speaker (rare) still moves within the main level by the
-- v11 triggers; these two take its old row out of the recent level too. `speaker_quotes_all`
-- shows both levels as one table (for checks, not for ordered reads: a view is sorted).
CREATE TABLE speaker_quotes_recent (
    agent     INTEGER NOT NULL,
    undated   INTEGER NOT NULL,
    published TEXT NOT NULL,
    article   INTEGER NOT NULL,
    idx       INTEGER NOT NULL,
    id        INTEGER NOT NULL,
    PRIMARY KEY (agent, undated, published, article, idx, id)
) WITHOUT ROWID;
CREATE VIEW speaker_quotes_all AS SELECT * FROM speaker_quotes UNION ALL SELECT * FROM speaker_quotes_recent;
CREATE TRIGGER speaker_quotes_recent_moved AFTER UPDATE OF agent ON attributions WHEN old.agent IS NOT new.agent
    BEGIN DELETE FROM speaker_quotes_recent WHERE agent = old.agent AND undated = (old.published IS NULL)
        AND published = coalesce(old.published, '') AND article = old.article AND idx = old.idx AND id = old.id; END;
CREATE TRIGGER speaker_quotes_recent_gone AFTER DELETE ON attributions WHEN old.agent IS NOT NULL
    BEGIN DELETE FROM speaker_quotes_recent WHERE agent = old.agent AND undated = (old.published IS NULL)
        AND published = coalesce(old.published, '') AND article = old.article AND idx = old.idx AND id = old.id; END;
INSERT OR REPLACE INTO state(key, value) SELECT 'speaker_quotes_rows', count(*) FROM speaker_quotes;
INSERT OR REPLACE INTO state(key, value) VALUES ('speaker_quotes_recent_rows', 0);
"#,
    r#"
-- Each claim's quotes in two levels (crate::levels), in place of the `(claim, article)` index on
-- the quotes: a linking's new quotes join clusters all over that index and rewrote most of its
-- pages (11,964 of 13,498 at 210,000 articles). Linking adds them to `claim_members_recent`,
-- merged into the main level now and then; a claim's quotes are those of both levels
-- (`claim_members_all`). `attributions.claim` stays, unindexed, for reading a quote's claim.
-- The triggers take a quote out of both levels when it leaves its claim or is deleted.
CREATE TABLE claim_members (claim INTEGER NOT NULL, article INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (claim, article, id)) WITHOUT ROWID;
CREATE TABLE claim_members_recent (claim INTEGER NOT NULL, article INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (claim, article, id)) WITHOUT ROWID;
CREATE VIEW claim_members_all AS SELECT claim, article, id FROM claim_members UNION ALL SELECT claim, article, id FROM claim_members_recent;
CREATE TRIGGER claim_members_moved AFTER UPDATE OF claim ON attributions WHEN old.claim IS NOT NULL AND old.claim IS NOT new.claim
    BEGIN
        DELETE FROM claim_members WHERE claim = old.claim AND article = old.article AND id = old.id;
        DELETE FROM claim_members_recent WHERE claim = old.claim AND article = old.article AND id = old.id;
    END;
CREATE TRIGGER claim_members_gone AFTER DELETE ON attributions WHEN old.claim IS NOT NULL
    BEGIN
        DELETE FROM claim_members WHERE claim = old.claim AND article = old.article AND id = old.id;
        DELETE FROM claim_members_recent WHERE claim = old.claim AND article = old.article AND id = old.id;
    END;
INSERT INTO claim_members(claim, article, id) SELECT claim, article, id FROM attributions WHERE claim IS NOT NULL ORDER BY 1, 2, 3;
INSERT OR REPLACE INTO state(key, value) SELECT 'claim_members_rows', count(*) FROM claim_members;
INSERT OR REPLACE INTO state(key, value) VALUES ('claim_members_recent_rows', 0);
DROP INDEX attributions_claim_article;
"#,
    r#"
-- The copy plan reads the signature of every article a new one meets in a bucket of the copy
-- index, at random. In the article's row the signature comes after the text, so each read walked
-- the text's overflow pages too; this index holds the signatures alone, about fourteen to a page,
-- and takes new articles at its end.
CREATE INDEX articles_minhash ON articles(id, minhash);
"#,
];

/// Recomputes the speakers' counts (run by the migration and by linking); writes changed rows only.
pub const AGENT_COUNTS: &str = r#"
UPDATE agents SET quotes = s.n, articles = s.na, first_seen = s.f, last_seen = s.l
FROM (SELECT q.agent AS agent, count(*) AS n, count(DISTINCT q.article) AS na, min(a.published) AS f, max(a.published) AS l
      FROM attributions q JOIN articles a ON a.id = q.article WHERE q.agent IS NOT NULL GROUP BY q.agent) AS s
WHERE agents.id = s.agent AND (agents.quotes, agents.articles, agents.first_seen, agents.last_seen) IS NOT (s.n, s.na, s.f, s.l);
UPDATE agents SET quotes = 0, articles = 0, first_seen = NULL, last_seen = NULL
WHERE quotes > 0 AND id NOT IN (SELECT agent FROM attributions WHERE agent IS NOT NULL);
"#;

/// Run by linking after speakers are resolved, before speakers are counted
/// ([`crate::relink::sync_speaker_quotes`]): the quotes stored since the last linking join the
/// recent level of `speaker_quotes` (crate::levels) under their speaker, in key order (so the
/// table's pages are written once each, not once per quote); older quotes are kept by its
/// triggers.
pub const SYNC_SPEAKER_QUOTES: &str = r#"
INSERT OR IGNORE INTO speaker_quotes_recent(agent, undated, published, article, idx, id)
    SELECT agent, published IS NULL, coalesce(published, ''), article, idx, id FROM attributions
    WHERE id > coalesce((SELECT CAST(value AS INTEGER) FROM state WHERE key = 'speaker_quotes_upto'), 0) AND agent IS NOT NULL
    ORDER BY 1, 2, 3, 4, 5, 6
"#;

/// Run after [`SYNC_SPEAKER_QUOTES`]: every stored quote has been seen.
pub const SPEAKER_QUOTES_SYNCED: &str = "INSERT OR REPLACE INTO state(key, value) SELECT 'speaker_quotes_upto', coalesce(max(id), 0) FROM attributions";

/// Run by a full re-clustering after it has set every quote's claim and emptied both levels of
/// the claims' members (crate::levels::CLAIM_MEMBERS): lists every claim's quotes in the main
/// level, in key order.
pub const FILL_CLAIM_MEMBERS: &str =
    "INSERT INTO claim_members(claim, article, id) SELECT claim, article, id FROM attributions WHERE claim IS NOT NULL ORDER BY 1, 2, 3";

/// Run by linking after speakers are resolved: the quotes stored since the last linking that
/// stay unresolved join `unresolved_fts` (earlier ones are kept by the triggers).
pub const SYNC_UNRESOLVED: &str = r#"
INSERT OR REPLACE INTO unresolved_fts(rowid, source, speaker)
    SELECT id, coalesce(source, ''), coalesce(speaker, '') FROM attributions
    WHERE id > coalesce((SELECT CAST(value AS INTEGER) FROM state WHERE key = 'unresolved_upto'), 0) AND agent IS NULL;
INSERT OR REPLACE INTO state(key, value) SELECT 'unresolved_upto', coalesce(max(id), 0) FROM attributions;
"#;

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`SCHEMA_VERSION`]. Each step reads the version inside an
/// immediate (write-locked) transaction, so two processes opening a new file do not race.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(LedgerError::TooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        let Some(sql) = MIGRATIONS.get(found as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::OptionalExtension;

    /// An in-memory ledger as schema version `v` left it.
    /// The keys of the `state` table, in order.
    fn state_keys(conn: &Connection) -> Vec<String> {
        conn.prepare("SELECT key FROM state ORDER BY key").unwrap().query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
    }

    fn at_version(v: usize) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for (i, sql) in MIGRATIONS[..v].iter().enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", i as i64 + 1).unwrap();
        }
        conn
    }

    /// A v9 ledger's entity name index becomes the `entity_names` table, with every stored
    /// entity, and linking's lookup of a name's old entities reads it.
    #[test]
    fn upgrades_a_v9_ledger() {
        let mut conn = at_version(9);
        conn.execute_batch(
            "INSERT INTO articles(id, doc_id, text_hash, analysis_version, text, meta_json, origin_path, origin_format, minhash, ingested_at)
               VALUES (1, 'a', 'h', '0', 'Jo Doe met Al Roe.', '{}', 'p', 'text', x'', 'now');
             INSERT INTO entities(id, article, idx, name, kind, roles, agent) VALUES (3, 1, 0, 'Jo Doe', 'PERSON', '[]', 7);
             INSERT INTO entities(id, article, idx, name, kind, roles, agent) VALUES (4, 1, 1, 'Al Roe', 'PERSON', '[]', NULL);
             INSERT INTO entities(id, article, idx, name, kind, roles, agent) VALUES (5, 1, 2, 'Jo Doe', 'PERSON', '[]', 7);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let rows: Vec<(String, i64)> = conn
            .prepare("SELECT name, entity FROM entity_names")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(rows, vec![("Al Roe".to_string(), 4), ("Jo Doe".to_string(), 3), ("Jo Doe".to_string(), 5)]);
        let index: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'entities_name'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(index, 0);
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", crate::relink::NAME_MEMBERS))
            .unwrap()
            .query_map(rusqlite::params!["Jo Doe", 9], |r| r.get(3))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(plan.iter().any(|p| p.contains("SEARCH n USING PRIMARY KEY")), "{plan:?}");
        assert!(plan.iter().any(|p| p.contains("SEARCH e USING INTEGER PRIMARY KEY")), "{plan:?}");
    }

    /// A v10 ledger's speakers' quotes move from the index on `attributions` to `speaker_quotes`,
    /// in date order (undated last); the triggers then follow a stored quote's change of speaker
    /// and its deletion, and leave quotes newer than the last linking to the next one.
    #[test]
    fn upgrades_a_v10_ledger() {
        let mut conn = at_version(10);
        conn.execute_batch(
            "INSERT INTO articles(id, doc_id, text_hash, analysis_version, text, published, meta_json, origin_path, origin_format, minhash, ingested_at)
               VALUES (1, 'a', 'h', '0', 'Jo Doe said so.', '2020-01-02', '{}', 'p', 'text', x'', 'now'),
                      (2, 'b', 'i', '0', 'Jo Doe said no.', NULL, '{}', 'p', 'text', x'', 'now');
             INSERT INTO attributions(id, article, idx, kind, content, content_spans, source, source_kind, speaker, confidence, hedges, polarity, stance, claim_key, agent, published)
               VALUES (1, 2, 0, 'indirect', 'no', '[]', 'Jo Doe', 'named', 'Jo Doe', 1.0, '[]', 'asserts', 'asserts', '{}', 7, NULL),
                      (2, 1, 0, 'indirect', 'so', '[]', 'Jo Doe', 'named', 'Jo Doe', 1.0, '[]', 'asserts', 'asserts', '{}', 7, '2020-01-02'),
                      (3, 1, 1, 'indirect', 'so', '[]', 'an envoy', 'named', NULL, 1.0, '[]', 'asserts', 'asserts', '{}', NULL, '2020-01-02');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let listed = |conn: &Connection| -> Vec<(i64, i64, String, i64)> {
            conn.prepare("SELECT agent, undated, published, id FROM speaker_quotes_all ORDER BY agent, undated, published, article, idx, id")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .map(|r| r.unwrap())
                .collect()
        };
        assert_eq!(listed(&conn), vec![(7, 0, "2020-01-02".to_string(), 2), (7, 1, String::new(), 1)]);
        let index: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'attributions_agent_order'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(index, 0);
        // A stored quote changes speaker, another gets one, one goes.
        conn.execute_batch("UPDATE attributions SET agent = 8 WHERE id = 2; UPDATE attributions SET agent = 7 WHERE id = 3; DELETE FROM attributions WHERE id = 1;")
            .unwrap();
        assert_eq!(listed(&conn), vec![(7, 0, "2020-01-02".to_string(), 3), (8, 0, "2020-01-02".to_string(), 2)]);
        // A quote stored after the last linking waits for the next one's SYNC_SPEAKER_QUOTES.
        conn.execute_batch(
            "INSERT INTO attributions(id, article, idx, kind, content, content_spans, source, source_kind, speaker, confidence, hedges, polarity, stance, claim_key, agent, published)
               VALUES (4, 2, 1, 'indirect', 'no', '[]', 'Al Roe', 'named', 'Al Roe', 1.0, '[]', 'asserts', 'asserts', '{}', NULL, NULL);
             UPDATE attributions SET agent = 9 WHERE id = 4;",
        )
        .unwrap();
        assert_eq!(listed(&conn).len(), 2);
        conn.execute_batch(SYNC_SPEAKER_QUOTES).unwrap();
        assert_eq!(listed(&conn)[2], (9, 1, String::new(), 4));
        // A speaker's page (two levels since v22) merges a range of each level's key, unsorted.
        let plan = page_plan(&conn, &crate::query::QuoteQuery { agent: Some(7), ..Default::default() });
        assert_eq!(plan.iter().filter(|p| p.contains("SEARCH s USING PRIMARY KEY (agent=?)")).count(), 2, "{plan:?}");
        // The one sort is of the page's 20 rows, joined with their articles.
        assert!(plan.iter().any(|p| p.contains("MERGE")) && plan.iter().filter(|p| p.contains("TEMP B-TREE")).count() == 1, "{plan:?}");
    }

    /// The query plan of the first page of 20 quotes matching `f`, a line per step.
    fn page_plan(conn: &Connection, f: &crate::query::QuoteQuery) -> Vec<String> {
        let (sql, args) = crate::query::quote_page_sql(f, Some(20), 0);
        conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(rusqlite::params_from_iter(args), |r| r.get(3))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    /// A v11 ledger's index of quotes by claim gains the article (v12), which v23 replaces by
    /// the claims' members in two levels: neither index is left on the quotes.
    #[test]
    fn upgrades_a_v11_ledger() {
        let mut conn = at_version(11);
        migrate(&mut conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let old: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name IN ('attributions_claim', 'attributions_claim_article')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(old, 0);
    }

    /// A v23 ledger's signatures are indexed, and the copy plan reads them from the index alone.
    #[test]
    fn upgrades_a_v23_ledger() {
        let mut conn = with_one_quote(23);
        migrate(&mut conn).unwrap();
        let plan: String = conn.query_row(&format!("EXPLAIN QUERY PLAN {}", crate::relink::SIGNATURE_OF), [1], |r| r.get(3)).unwrap();
        assert!(plan.contains("COVERING INDEX articles_minhash (id=?)"), "{plan}");
        let sig: Vec<u8> = conn.query_row(crate::relink::SIGNATURE_OF, [1], |r| r.get(0)).unwrap();
        assert!(sig.is_empty(), "the one article's stored signature");
    }

    /// A v22 ledger's quotes with a claim become the main level of the claims' members, counted;
    /// a quote that leaves its claim or goes leaves both levels; a claim's page of quotes reads
    /// each level's key, not the quotes.
    #[test]
    fn upgrades_a_v22_ledger() {
        let mut conn = with_one_quote(22);
        conn.execute_batch(
            "INSERT INTO attributions(id, article, idx, kind, content, content_spans, source, source_kind, confidence, hedges, polarity, stance, claim_key)
               VALUES (5, 1, 1, 'indirect', 'fees too', '[]', 'the mayor', 'unnamed', 1.0, '[]', 'asserts', 'asserts', '{}'),
                      (6, 1, 2, 'indirect', 'and more', '[]', 'the mayor', 'unnamed', 1.0, '[]', 'asserts', 'asserts', '{}');
             UPDATE attributions SET claim = 3 WHERE id IN (4, 5);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let members = |conn: &Connection| -> Vec<(i64, i64)> {
            conn.prepare("SELECT claim, id FROM claim_members_all ORDER BY 1, 2").unwrap().query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect()
        };
        assert_eq!(members(&conn), vec![(3, 4), (3, 5)]);
        assert_eq!(crate::levels::CLAIM_MEMBERS.rows(&conn).unwrap(), (2, 0));
        conn.execute("INSERT INTO claim_members_recent(claim, article, id) VALUES (2, 1, 6)", []).unwrap();
        conn.execute_batch("UPDATE attributions SET claim = 2 WHERE id = 6; UPDATE attributions SET claim = 7 WHERE id = 5; DELETE FROM attributions WHERE id IN (4, 6);").unwrap();
        assert_eq!(members(&conn), vec![], "moved and deleted quotes leave both levels; linking adds a quote's new claim");
        let plan = page_plan(&conn, &crate::query::QuoteQuery { claim: Some(3), ..Default::default() });
        assert!(plan.iter().any(|p| p.contains("SEARCH claim_members USING PRIMARY KEY (claim=?)")), "{plan:?}");
        assert!(plan.iter().any(|p| p.contains("SEARCH claim_members_recent USING PRIMARY KEY (claim=?)")), "{plan:?}");
        assert!(!plan.iter().any(|p| p.contains("SCAN q")), "{plan:?}");
    }

    /// An article and its quote (id 4), as every version since the first stores them.
    const ONE_QUOTE: &str = "INSERT INTO articles(id, doc_id, text_hash, analysis_version, text, meta_json, origin_path, origin_format, minhash, ingested_at)
           VALUES (1, 'a', 'h', '0', 'The mayor said taxes will rise.', '{}', 'p', 'text', x'', 'now');
         INSERT INTO attributions(id, article, idx, kind, content, content_spans, source, source_kind, confidence, hedges, polarity, stance, claim_key)
           VALUES (4, 1, 0, 'indirect', 'taxes will rise', '[[15,30]]', 'the mayor', 'unnamed', 1.0, '[]', 'asserts', 'asserts', '{}')";

    /// A ledger at version `v` holding [`ONE_QUOTE`], its quote indexed as that version did.
    fn with_one_quote(v: usize) -> Connection {
        let conn = at_version(v);
        conn.execute_batch(&format!("{ONE_QUOTE}; INSERT INTO quotes_fts(rowid, content, source, speaker) VALUES (4, 'taxes will rise', 'the mayor', '');"))
            .unwrap();
        conn
    }

    /// A full-text index's setting `key`, if set.
    fn fts_config(conn: &Connection, table: &str, key: &str) -> Option<i64> {
        conn.query_row(&format!("SELECT v FROM {table}_config WHERE k = ?1"), [key], |r| r.get(0)).optional().unwrap()
    }

    /// Upgrades a ledger at version `v` holding [`ONE_QUOTE`]: setting `key` of both full-text
    /// indexes, unset before, is `want` after, and the quote is still found.
    fn upgrade_sets_fts(v: usize, key: &str, want: i64) {
        let mut conn = with_one_quote(v);
        assert_eq!(fts_config(&conn, "articles_fts", key), None);
        migrate(&mut conn).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        for table in ["articles_fts", "quotes_fts"] {
            assert_eq!(fts_config(&conn, table, key), Some(want), "{table}");
        }
        let hit: i64 = conn.query_row("SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH 'taxes'", [], |r| r.get(0)).unwrap();
        assert_eq!(hit, 4);
    }

    /// A v13 ledger's quote index stops keeping its own copy of the quotes and indexes them where
    /// they are stored: the same quote is found, with its snippet, and the index checks out
    /// against the quotes table.
    #[test]
    fn upgrades_a_v13_ledger() {
        let mut conn = with_one_quote(13);
        let copy = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'quotes_fts_content'", [], |r| r.get(0)).unwrap()
        };
        assert_eq!(copy(&conn), 1);
        migrate(&mut conn).unwrap();
        assert_eq!(copy(&conn), 0);
        let hit: (i64, String) = conn
            .query_row("SELECT rowid, snippet(quotes_fts, 0, '[', ']', '…', 8) FROM quotes_fts WHERE quotes_fts MATCH 'mayor AND rise'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(hit, (4, "taxes will [rise]".to_string()));
        conn.execute("INSERT INTO quotes_fts(quotes_fts, rank) VALUES ('integrity-check', 1)", []).unwrap();
    }

    /// A v15 ledger's full-text indexes merge gradually until a level holds 64 segments.
    #[test]
    fn upgrades_a_v15_ledger() {
        upgrade_sets_fts(15, "crisismerge", 64);
    }

    /// A v16 ledger loses the index on `articles(text_hash)`, and its copy index is emptied and
    /// marked unlinked, so the next linking rebuilds it with the exact-copy bucket.
    #[test]
    fn upgrades_a_v16_ledger() {
        let mut conn = at_version(16);
        conn.execute_batch(
            "INSERT INTO copy_bands(band, hash, article) VALUES (0, 42, 1);
             INSERT INTO state(key, value) VALUES ('copies_upto', '1'), ('claims_upto', '9');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let index: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema WHERE name = 'articles_text_hash'", [], |r| r.get(0)).unwrap();
        assert_eq!(index, 0);
        let bands: i64 = conn.query_row("SELECT count(*) FROM copy_bands", [], |r| r.get(0)).unwrap();
        assert_eq!(bands, 0);
        assert!(!state_keys(&conn).iter().any(|k| k == "copies_upto"));
    }

    /// A v19 ledger's copy index keeps the earliest 8 articles of each bucket.
    #[test]
    fn upgrades_a_v19_ledger() {
        let mut conn = at_version(19);
        for a in 1..=10 {
            conn.execute("INSERT INTO copy_bands(band, hash, article) VALUES (0, 42, ?1), (1, 7, ?1)", [a]).unwrap();
        }
        conn.execute("INSERT INTO copy_bands(band, hash, article) VALUES (0, 43, 5)", []).unwrap();
        migrate(&mut conn).unwrap();
        let rows: Vec<(i64, i64, i64)> = conn
            .prepare("SELECT band, hash, count(*), max(article) FROM copy_bands GROUP BY band, hash")
            .unwrap()
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(rows, vec![(42, 8, 8), (43, 1, 5), (7, 8, 8)]);
    }

    /// A v20 ledger's copy index becomes the main level of two, with its rows counted.
    #[test]
    fn upgrades_a_v20_ledger() {
        let mut conn = at_version(20);
        conn.execute("INSERT INTO copy_bands(band, hash, article) VALUES (0, 42, 1), (1, 7, 1), (0, 42, 2)", []).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(crate::levels::COPY_INDEX.rows(&conn).unwrap(), (3, 0));
        conn.execute("INSERT INTO copy_bands_recent(band, hash, article) VALUES (0, 42, 3)", []).unwrap();
        let bucket: Vec<i64> = conn.prepare("SELECT article FROM copy_index WHERE band = 0 AND hash = 42 ORDER BY article").unwrap().query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(bucket, vec![1, 2, 3]);
    }

    /// A v18 ledger's name lookup keeps its rows, as run 0 of the runs linking appends.
    #[test]
    fn upgrades_a_v18_ledger() {
        let mut conn = at_version(18);
        conn.execute_batch("INSERT INTO entity_names(name, entity) VALUES ('Jo Doe', 3), ('Al Roe', 4);").unwrap();
        migrate(&mut conn).unwrap();
        let rows: Vec<(i64, String, i64)> =
            conn.prepare("SELECT run, name, entity FROM entity_names").unwrap().query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows, vec![(0, "Al Roe".into(), 4), (0, "Jo Doe".into(), 3)]);
    }

    /// A v17 ledger's claims are clustered again from scratch by the next linking, even one with
    /// nothing new to store (clusters no longer merge), and the representatives lose their index
    /// by cluster; an empty ledger is not marked.
    #[test]
    fn upgrades_a_v17_ledger() {
        let mut empty = at_version(17);
        migrate(&mut empty).unwrap();
        assert!(!state_keys(&empty).iter().any(|k| k == "dirty"), "{:?}", state_keys(&empty));
        let mut conn = at_version(17);
        conn.execute_batch(
            "INSERT INTO articles(id, doc_id, text_hash, analysis_version, text, meta_json, origin_path, origin_format, minhash, ingested_at)
               VALUES (1, 'a', 'h', '0', 'Jo Doe said it rains.', '{}', 'p', 'text', x'', 'now');
             INSERT INTO attributions(id, article, idx, kind, content, content_spans, source_kind, confidence, hedges, polarity, stance, claim_key)
               VALUES (1, 1, 0, 'indirect', 'it rains', '[[12,20]]', 'named', 0.9, '[]', 'asserts', 'asserts', '{}');
             INSERT INTO state(key, value) VALUES ('copies_upto', '1'), ('claims_upto', '9');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let index: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema WHERE name = 'claim_reps_claim'", [], |r| r.get(0)).unwrap();
        assert_eq!(index, 0);
        let keys = state_keys(&conn);
        assert!(keys.iter().any(|k| k == "dirty") && !keys.iter().any(|k| k == "claims_upto"), "{keys:?}");
    }

    /// A v14 ledger's full-text indexes keep up to 16 MB of postings before writing a segment.
    #[test]
    fn upgrades_a_v14_ledger() {
        upgrade_sets_fts(14, "hashsize", 16 << 20);
    }

    /// A v8 ledger's article and quote indexes get the larger merge width.
    #[test]
    fn upgrades_a_v8_ledger() {
        upgrade_sets_fts(8, "automerge", 16);
    }

    /// A v7 ledger's speaker index gains the family columns and is marked for rebuilding (the
    /// next linking resolves every name), and nothing else is touched.
    #[test]
    fn upgrades_a_v7_ledger() {
        let mut conn = at_version(7);
        conn.execute_batch(
            "INSERT INTO entity_groups(name, kind, roles, n, agent) VALUES ('Jo Doe', 'PERSON', '[]', 3, 7);
             INSERT INTO source_names(name, n, agent) VALUES ('Jo Doe', 1, 7);
             INSERT INTO state(key, value) VALUES ('speakers_entities_upto', '5'), ('speakers_attributions_upto', '9'), ('claims_upto', '9');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let fam: (String, i64) = conn.query_row("SELECT family, n FROM source_names", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(fam, (String::new(), 1));
        // Version 13 empties the groups: the next linking rebuilds them with role-text keys.
        let groups: i64 = conn.query_row("SELECT count(*) FROM entity_groups", [], |r| r.get(0)).unwrap();
        assert_eq!(groups, 0);
        // Version 18 clusters the claims again: `claims_upto` goes; versions 21 to 23 count the
        // rows of the two-level tables.
        assert_eq!(
            state_keys(&conn),
            vec!["claim_members_recent_rows", "claim_members_rows", "copy_bands_recent_rows", "copy_bands_rows", "speaker_quotes_recent_rows", "speaker_quotes_rows", "speaker_quotes_upto", "unresolved_upto"]
        );
        let plan: String = conn
            .query_row("EXPLAIN QUERY PLAN SELECT name FROM entity_groups WHERE family = 'doe'", [], |r| r.get(3))
            .unwrap();
        assert!(plan.contains("entity_groups_family"), "{plan}");
    }

    /// A v12 ledger's speaker groups (keyed by the roles' JSON, offsets and all) are dropped and
    /// the speaker state with them, so the next linking rebuilds the groups keyed by role texts;
    /// the rest of the state stays.
    #[test]
    fn upgrades_a_v12_ledger() {
        let mut conn = at_version(12);
        conn.execute_batch(
            r#"INSERT INTO entity_groups(name, kind, roles, n, agent, family) VALUES ('Jo Doe', 'PERSON', '[{"affiliation":null,"end":9,"start":1,"text":"mayor"}]', 1, 7, 'doe');
             INSERT INTO source_names(name, n, agent, family) VALUES ('Jo Doe', 1, 7, 'doe');
             INSERT INTO articles(id, doc_id, text_hash, analysis_version, text, meta_json, origin_path, origin_format, minhash, ingested_at)
               VALUES (1, 'a', 'h', '0', 'Mayor Jo Doe spoke.', '{}', 'p', 'text', x'', 'now');
             INSERT INTO entities(id, article, idx, name, kind, roles) VALUES (1, 1, 0, 'Jo Doe', 'PERSON', '[]');
             INSERT INTO state(key, value) VALUES ('speakers_entities_upto', '5'), ('speakers_attributions_upto', '9'), ('claims_upto', '9');"#,
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let counts: (i64, i64) = conn
            .query_row("SELECT (SELECT count(*) FROM entity_groups), (SELECT count(*) FROM source_names)", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(counts, (0, 1));
        // Marked for linking: the next ingest rebuilds the groups even with nothing new to store.
        let keys: Vec<(String, String)> =
            conn.prepare("SELECT key, value FROM state ORDER BY key").unwrap().query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
        let keys: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        // (Versions 21 to 23 count the rows of the two-level tables.)
        assert_eq!(
            keys,
            vec![
                ("claim_members_recent_rows", "0"),
                ("claim_members_rows", "0"),
                ("copy_bands_recent_rows", "0"),
                ("copy_bands_rows", "0"),
                ("dirty", "1"),
                ("speaker_quotes_recent_rows", "0"),
                ("speaker_quotes_rows", "0"),
                ("speaker_quotes_upto", "0"),
                ("unresolved_upto", "0")
            ]
        );
    }

    /// A v6 ledger loses the unused `entities_agent` index on open and its mention rows become
    /// one JSON list per entity, in start order; its data stays.
    #[test]
    fn upgrades_a_v6_ledger() {
        let mut conn = at_version(6);
        let index = |conn: &Connection| -> i64 {
            conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'entities_agent'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(index(&conn), 1);
        conn.execute_batch(
            "INSERT INTO articles(id, doc_id, text_hash, analysis_version, text, meta_json, origin_path, origin_format, minhash, ingested_at)
               VALUES (1, 'a', 'h', '0', 'Jo Doe said so.', '{}', 'p', 'text', x'', 'now');
             INSERT INTO entities(id, article, idx, name, kind, roles, agent) VALUES (3, 1, 0, 'Jo Doe', 'PERSON', '[]', 7);
             INSERT INTO entities(id, article, idx, name, kind, roles, agent) VALUES (4, 1, 1, 'So', 'MISC', '[]', NULL);
             INSERT INTO mentions(entity, start, end, kind, text) VALUES (3, 12, 14, 'pronoun', 'so');
             INSERT INTO mentions(entity, start, end, kind, text) VALUES (3, 0, 6, 'name', 'Jo \"Doe');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(index(&conn), 0);
        let row = |id: i64| -> (Option<i64>, String) {
            conn.query_row("SELECT agent, mentions FROM entities WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap()
        };
        assert_eq!(
            row(3),
            (Some(7), r#"[[0,6,"name","Jo \"Doe"],[12,14,"pronoun","so"]]"#.to_string())
        );
        assert_eq!(row(4), (None, "[]".to_string()));
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'mentions'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }

    /// A ledger written by schema v4 (quotes without their date, no unresolved index) is upgraded
    /// in place: dates copied from the articles, unresolved quotes indexed, triggers active.
    #[test]
    fn upgrades_a_v4_ledger() {
        let mut conn = at_version(4);
        conn.execute_batch(
            "INSERT INTO articles(id, doc_id, text_hash, analysis_version, text, published, meta_json, origin_path, origin_format, minhash, ingested_at)
               VALUES (1, 'a', 'h', '0', 'Jo Doe said so.', '2020-01-02', '{}', 'p', 'text', x'', 'now');
             INSERT INTO agents(id, key, name, kind, roles) VALUES (7, 'jo doe', 'Jo Doe', 'PERSON', '[]');
             INSERT INTO attributions(id, article, idx, kind, content, content_spans, source, source_kind, speaker, confidence, hedges, polarity, stance, claim_key, agent)
               VALUES (1, 1, 0, 'indirect', 'so', '[]', 'Jo Doe', 'named', 'Jo Doe', 1.0, '[]', 'asserts', 'asserts', '{}', 7),
                      (2, 1, 1, 'indirect', 'so', '[]', 'a Ruritanian envoy', 'named', NULL, 1.0, '[]', 'asserts', 'asserts', '{}', NULL);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let p: Option<String> = conn
            .query_row("SELECT published FROM attributions WHERE id = 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(p.as_deref(), Some("2020-01-02"));
        let hits = |conn: &Connection, q: &str| -> Vec<i64> {
            let mut st = conn
                .prepare("SELECT rowid FROM unresolved_fts WHERE unresolved_fts MATCH ?1")
                .unwrap();
            st.query_map([q], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect()
        };
        assert_eq!(hits(&conn, "ruritanian"), vec![2]);
        assert!(hits(&conn, "doe").is_empty());
        // Triggers: resolving removes a quote from the index, unresolving adds it back.
        conn.execute("UPDATE attributions SET agent = 7 WHERE id = 2", [])
            .unwrap();
        assert!(hits(&conn, "ruritanian").is_empty());
        conn.execute("UPDATE attributions SET agent = NULL WHERE id = 1", [])
            .unwrap();
        assert_eq!(hits(&conn, "doe"), vec![1]);
        conn.execute("DELETE FROM attributions WHERE id = 1", [])
            .unwrap();
        assert!(hits(&conn, "doe").is_empty());
    }
}
