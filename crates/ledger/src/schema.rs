//! The SQLite schema and its migrations.
//!
//! The schema version lives in `PRAGMA user_version`; each migration moves it up by one inside a
//! transaction. All text offsets stored are **Unicode code point offsets** into `articles.text`,
//! end exclusive (as in the interchange format), so `text[start:end]` works in Python.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{LedgerError, Result};

/// Migrations in order; migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[r#"
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
"#, r#"
-- Claim vectors from a sentence encoder, computed once per attribution so re-linking does not
-- re-encode old claims. Deleted with their attribution (re-analysis gives new attributions).
CREATE TABLE claim_vectors (
    attribution_id INTEGER PRIMARY KEY REFERENCES attributions(id) ON DELETE CASCADE,
    model          TEXT NOT NULL,            -- the encoder's name; another model's vector is redone
    dim            INTEGER NOT NULL,
    vec            BLOB NOT NULL             -- dim f32, little-endian
);
CREATE INDEX claim_vectors_model ON claim_vectors(model);
"#, r#"
-- Query speed on large ledgers: speakers carry their counts (kept by linking), and the claim
-- lists read partial indexes in list order, so a page is an index range, not a sort.
ALTER TABLE agents ADD COLUMN quotes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN articles INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN first_seen TEXT;
ALTER TABLE agents ADD COLUMN last_seen TEXT;
CREATE INDEX agents_rank ON agents(quotes DESC, name) WHERE quotes > 0;
CREATE INDEX claims_listed ON claims(disputed DESC, articles DESC, size DESC, id) WHERE size > 1;
CREATE INDEX claims_disputed ON claims(articles DESC, size DESC, id) WHERE disputed;
"#, AGENT_COUNTS];

/// Recomputes the speakers' counts (run by the migration and by linking); writes changed rows only.
pub const AGENT_COUNTS: &str = r#"
UPDATE agents SET quotes = s.n, articles = s.na, first_seen = s.f, last_seen = s.l
FROM (SELECT q.agent AS agent, count(*) AS n, count(DISTINCT q.article) AS na, min(a.published) AS f, max(a.published) AS l
      FROM attributions q JOIN articles a ON a.id = q.article WHERE q.agent IS NOT NULL GROUP BY q.agent) AS s
WHERE agents.id = s.agent AND (agents.quotes, agents.articles, agents.first_seen, agents.last_seen) IS NOT (s.n, s.na, s.f, s.l);
UPDATE agents SET quotes = 0, articles = 0, first_seen = NULL, last_seen = NULL
WHERE quotes > 0 AND id NOT IN (SELECT agent FROM attributions WHERE agent IS NOT NULL);
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
            return Err(LedgerError::TooNew { found, supported: SCHEMA_VERSION });
        }
        let Some(sql) = MIGRATIONS.get(found as usize) else { return Ok(()) };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit()?;
    }
}
