//! Writing to the ledger: ingest, re-analysis and linking.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use onrecord_core::{Document, Metadata, Origin};
use rayon::prelude::*;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::claims::{self, ClaimEncoder, ClaimInput};
use crate::copies::{self, CopyInput};
use crate::error::Result;
use crate::prepare::{prepare, prepare_hashed, text_hash, ClaimKey, Prepared, Stance};
use crate::speakers::{self, EntityInput};
use crate::Ledger;

#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Articles analysed and committed together: bounds memory and the work a kill can lose.
    pub batch: usize,
    /// Recorded with each article; an article stored under another version is re-analysed.
    pub analysis_version: String,
    /// Longer texts are skipped as failures.
    pub max_bytes: usize,
    /// Run linking at the end (copies, speakers, claims).
    pub link: bool,
    /// With `link`, also link whenever this many articles were stored since the last linking
    /// (0: only at the end). A long stream is then linked as a feed would be, so linking holds
    /// one stretch's rows at a time and memory stays bounded (linking 100,000 new articles at
    /// once peaked at 1.2 GB). Linking in steps gives what linking at once gives, up to the
    /// claim posting cap (ARCHITECTURE.md, "Invariants").
    pub link_every: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            batch: BATCH,
            analysis_version: "0".into(),
            max_bytes: 2_000_000,
            link: true,
            link_every: LINK_EVERY,
        }
    }
}

/// The default [`IngestOptions::link_every`]: the stretch of the ledger benchmark's slices, well
/// inside the limit of the linking planner beside the speaker step (32,768 new articles).
pub const LINK_EVERY: usize = 10_000;

/// [`IngestOptions::batch`] by default. Each transaction's full-text postings become one FTS5
/// segment (schema v15 lets them grow to 16 MB before a flush), and segments are merged 16 at a
/// time: 512 articles per transaction instead of 128 make a quarter of the segments, so the
/// index has a merge level fewer to rewrite as the ledger grows (BENCHMARKS, "Round 11: ingest").
pub const BATCH: usize = 512;

/// What an ingest run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub read: u64,
    pub ingested: u64,
    pub already_present: u64,
    pub reanalysed: u64,
    pub failed: u64,
    pub copies_linked: u64,
    pub seconds: f64,
    /// Where the time went: analysis (wall time of the parallel stage), storing (SQL), linking.
    pub analysis_seconds: f64,
    pub store_seconds: f64,
    pub link_seconds: f64,
    /// Seconds per linking step ([`LinkSummary::steps`]), summed over the run's linkings.
    pub link_steps: Vec<(&'static str, f64)>,
}

impl IngestSummary {
    /// Counts a linking of `seconds` in: its time and steps added, its copy count the latest.
    fn add_link(&mut self, l: LinkSummary, seconds: f64) {
        self.link_seconds += seconds;
        self.copies_linked = l.copies_linked;
        for (name, s) in l.steps {
            match self.link_steps.iter_mut().find(|(n, _)| *n == name) {
                Some((_, t)) => *t += s,
                None => self.link_steps.push((name, s)),
            }
        }
    }
}

/// What linking rebuilt.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkSummary {
    pub copies_linked: u64,
    pub agents: u64,
    pub claims: u64,
    pub disputed: u64,
    /// Claim texts encoded by this linking (those without a stored vector for the encoder).
    pub claims_encoded: u64,
    /// Seconds per linking step, in order (for benchmarks).
    pub steps: Vec<(&'static str, f64)>,
}

/// Reported while ingesting.
pub enum Event<'a> {
    /// After each committed batch, and after each linking within the stream.
    Progress(&'a IngestSummary),
    /// A record that was skipped: the message names file and record.
    Failed(&'a str),
}

fn stance_from(s: &str) -> Stance {
    match s {
        "reports" => Stance::Reports,
        "denies" => Stance::Denies,
        "questions" => Stance::Questions,
        "declines" => Stance::Declines,
        _ => Stance::Asserts,
    }
}

impl Ledger {
    /// Stores documents from `docs`, analysing each with `analyse` in parallel, one transaction
    /// per batch; then links (if `opts.link`). Items that are `Err` are counted as failed.
    pub fn ingest<I, A>(
        &mut self,
        docs: I,
        analyse: &A,
        opts: &IngestOptions,
        encoder: &dyn ClaimEncoder,
        events: &mut dyn FnMut(Event),
    ) -> Result<IngestSummary>
    where
        I: Iterator<Item = std::result::Result<Document, String>>,
        A: Fn(&mut Document) -> std::result::Result<(), String> + Sync,
    {
        self.writing_cache()?;
        let start = Instant::now();
        let mut sum = IngestSummary::default();
        let mut docs = docs.peekable();
        let batch_size = opts.batch.max(1);
        // Pipelined: batch N is analysed on the pool while batch N-1 is written on this thread.
        // `seen` covers the batch being read and the one not yet written (older ones are in the
        // database), so a document repeated across neighbouring batches is stored once.
        let mut pending: Vec<Analysed> = vec![];
        let mut seen_prev: HashSet<(String, String)> = HashSet::new();
        let mut known = KnownAgents::default();
        let (mut since_link, mut linked) = (0usize, false);
        loop {
            let mut batch: Vec<(Document, String, Option<i64>)> = Vec::with_capacity(batch_size);
            let mut seen: HashSet<(String, String)> = HashSet::new();
            for item in docs.by_ref().take(batch_size) {
                sum.read += 1;
                let doc = match item {
                    Ok(d) => d,
                    Err(msg) => {
                        sum.failed += 1;
                        events(Event::Failed(&msg));
                        continue;
                    }
                };
                if doc.text.len() > opts.max_bytes || doc.text.trim().is_empty() {
                    sum.failed += 1;
                    let why = if doc.text.trim().is_empty() {
                        "empty text".to_string()
                    } else {
                        format!(
                            "text of {} bytes is over the {} byte limit",
                            doc.text.len(),
                            opts.max_bytes
                        )
                    };
                    events(Event::Failed(&format!(
                        "{}: {}: {why}",
                        where_of(&doc.origin),
                        doc.id
                    )));
                    continue;
                }
                let hash = text_hash(&doc.text);
                let key = (doc.id.clone(), hash);
                if seen_prev.contains(&key) || !seen.insert(key.clone()) {
                    sum.already_present += 1;
                    continue;
                }
                let existing: Option<(i64, String)> = self
                    .conn
                    .prepare_cached("SELECT id, analysis_version FROM articles WHERE doc_id = ?1 AND text_hash = ?2")?
                    .query_row(params![key.0, key.1], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                match existing {
                    Some((_, v)) if v == opts.analysis_version => sum.already_present += 1,
                    Some((id, _)) => batch.push((doc, key.1, Some(id))),
                    None => batch.push((doc, key.1, None)),
                }
            }
            if batch.is_empty() && pending.is_empty() {
                if docs.peek().is_none() {
                    break;
                }
                continue;
            }
            let conn = &mut self.conn;
            let to_store = std::mem::take(&mut pending);
            let ((results, analysis_s), stored) = rayon::join(
                || {
                    let t = Instant::now();
                    let r: Vec<Analysed> = batch
                        .into_par_iter()
                        .map(|(mut doc, hash, existing)| {
                            analyse_guarded(analyse, &mut doc, Some(hash)).map(|p| (p, existing))
                        })
                        .collect();
                    (r, t.elapsed().as_secs_f64())
                },
                || store_batch(conn, &to_store, &opts.analysis_version, &mut known),
            );
            let (ingested, reanalysed, failures, store_s) = stored?;
            sum.analysis_seconds += analysis_s;
            sum.store_seconds += store_s;
            if !to_store.is_empty() {
                sum.ingested += ingested;
                sum.reanalysed += reanalysed;
                sum.failed += failures.len() as u64;
                for m in &failures {
                    events(Event::Failed(m));
                }
                sum.seconds = start.elapsed().as_secs_f64();
                events(Event::Progress(&sum));
            }
            pending = results;
            seen_prev = seen;
            since_link += (ingested + reanalysed) as usize;
            if opts.link && opts.link_every > 0 && since_link >= opts.link_every {
                // Between two batches: the one analysed is stored after, and links next time.
                let t = Instant::now();
                let l = self.link(encoder)?;
                sum.add_link(l, t.elapsed().as_secs_f64());
                (since_link, linked) = (0, true);
                // Names may have moved to other speakers.
                known = KnownAgents::default();
                sum.seconds = start.elapsed().as_secs_f64();
                events(Event::Progress(&sum));
            }
        }
        if opts.link && self.is_dirty()? {
            let t = Instant::now();
            let l = self.link(encoder)?;
            sum.add_link(l, t.elapsed().as_secs_f64());
        } else if !linked {
            sum.copies_linked = self.conn.query_row(
                "SELECT count(*) FROM copies WHERE kind != 'original'",
                [],
                |r| r.get::<_, i64>(0),
            )? as u64;
        }
        sum.seconds = start.elapsed().as_secs_f64();
        Ok(sum)
    }

    fn is_dirty(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT value FROM state WHERE key = 'dirty'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .is_some_and(|v| v == "1"))
    }

    /// Re-runs analysis on stored articles whose analysis version differs from
    /// `opts.analysis_version` (all of them when `all`), replacing their layers, then links.
    pub fn reanalyze<A>(
        &mut self,
        analyse: &A,
        opts: &IngestOptions,
        all: bool,
        encoder: &dyn ClaimEncoder,
        events: &mut dyn FnMut(Event),
    ) -> Result<IngestSummary>
    where
        A: Fn(&mut Document) -> std::result::Result<(), String> + Sync,
    {
        let ids: Vec<i64> = {
            let mut st = self.conn.prepare(
                "SELECT id FROM articles WHERE ?1 OR analysis_version != ?2 ORDER BY id",
            )?;
            let rows = st.query_map(params![all, opts.analysis_version], |r| r.get(0))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        self.writing_cache()?;
        let start = Instant::now();
        let mut sum = IngestSummary::default();
        let mut known = KnownAgents::default();
        for chunk in ids.chunks(opts.batch.max(1)) {
            let mut docs = Vec::with_capacity(chunk.len());
            for id in chunk {
                docs.push((*id, self.load_document(*id)?));
            }
            sum.read += docs.len() as u64;
            let results: Vec<(i64, std::result::Result<Prepared, String>)> = docs
                .into_par_iter()
                .map(|(id, mut doc)| {
                    (id, analyse_guarded(analyse, &mut doc, None))
                })
                .collect();
            let tx = self.conn.transaction()?;
            for (id, r) in &results {
                match r {
                    Ok(p) => {
                        replace_layers(&tx, *id, p, &opts.analysis_version, &mut known)?;
                        sum.reanalysed += 1;
                    }
                    Err(m) => {
                        sum.failed += 1;
                        events(Event::Failed(m));
                    }
                }
            }
            tx.execute(
                "INSERT OR REPLACE INTO state(key, value) VALUES ('dirty', '1')",
                [],
            )?;
            forget_incremental_links(&tx)?;
            tx.commit()?;
            sum.seconds = start.elapsed().as_secs_f64();
            events(Event::Progress(&sum));
        }
        if self.is_dirty()? {
            sum.copies_linked = self.link(encoder)?.copies_linked;
        }
        sum.seconds = start.elapsed().as_secs_f64();
        Ok(sum)
    }

    /// Rebuilds a stored article as a document (text, metadata, origin; no layers).
    pub fn load_document(&self, id: i64) -> Result<Document> {
        let (doc_id, text, meta, path, record, format): (String, String, String, String, Option<i64>, String) = self.conn.query_row(
            "SELECT doc_id, text, meta_json, origin_path, origin_record, origin_format FROM articles WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )?;
        let mut doc = Document::new(doc_id, text);
        doc.meta = serde_json::from_str::<Metadata>(&meta).unwrap_or_default();
        doc.origin = Origin {
            path,
            record: record.map(|r| r as u64),
            format,
        };
        Ok(doc)
    }

    /// Links the articles stored since the last linking (copies, agents, claims) in one
    /// transaction; claims are clustered incrementally ([`crate::relink`]) when possible.
    pub fn link(&mut self, encoder: &dyn ClaimEncoder) -> Result<LinkSummary> {
        self.link_with(encoder, false)
    }

    /// Links with every claim clustered from scratch.
    pub fn link_full(&mut self, encoder: &dyn ClaimEncoder) -> Result<LinkSummary> {
        self.link_with(encoder, true)
    }

    fn link_with(&mut self, encoder: &dyn ClaimEncoder, full: bool) -> Result<LinkSummary> {
        self.writing_cache()?;
        // Vectors first, committed as they are made: old claims keep theirs.
        let mut clock = Instant::now();
        let mut step = |sum: &mut LinkSummary, name: &'static str| {
            sum.steps.push((name, clock.elapsed().as_secs_f64()));
            clock = Instant::now();
        };
        let encoded = self.update_claim_vectors(encoder)?;
        // Immediate: no other writer commits between this transaction's start and its end, so a
        // planner connection opened below reads the same ledger as this one.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut sum = LinkSummary {
            claims_encoded: encoded,
            ..Default::default()
        };
        step(&mut sum, "vectors");

        // Which steps are incremental (each has a state key), decided before anything is written.
        let copies_from = if full { None } else { copies_upto(&tx)? };
        let sp_upto = |key: &str| -> Result<Option<i64>> {
            Ok(tx.query_row("SELECT CAST(value AS INTEGER) FROM state WHERE key = ?1", [key], |r| r.get(0)).optional()?)
        };
        let (ent_upto, attr_upto) = (sp_upto(crate::relink::SPEAKERS_ENTITIES_UPTO)?, sp_upto(crate::relink::SPEAKERS_ATTRIBUTIONS_UPTO)?);
        // Incremental claim clustering needs the resolved keys of the new claims' entities only
        // (names of the new articles, so of the families their speaker step reads); clustering
        // every claim needs every key resolved.
        let claims_upto: Option<i64> = sp_upto(crate::relink::CLAIMS_UPTO)?;
        let lexical = encoder.encode(&[])?.is_none();
        let claims_incremental = claims_upto.is_some() && lexical && !full;
        // With every step incremental and the ledger in a file, a second connection plans the
        // claims and the copies (reading only) while this one writes the speakers: linking is
        // otherwise one core's work. Its plans are applied here after the speakers, the claims
        // first (the copy plan is made meanwhile).
        let mut beside = match (copies_from, ent_upto, attr_upto, claims_upto, claims_incremental, tx.path()) {
            (Some(cu), Some(_), Some(_), Some(clu), true, Some(path)) if !path.is_empty() => {
                let new: i64 = tx.query_row("SELECT count(*) FROM articles WHERE id > ?1", [cu], |r| r.get(0))?;
                (new <= BESIDE_MAX_ARTICLES).then(|| Planner::spawn(path.to_string(), cu, clu))
            }
            _ => None,
        };

        // Copies from scratch the first time; new articles against the stored LSH buckets after
        // the claims (below), whether planned beside or here.
        if copies_from.is_none() {
            copies_from_scratch(&tx)?;
            copies_done(&tx, &mut sum)?;
            step(&mut sum, "copies");
        }

        // Agents. Each keeps its id from one linking to the next (by name key), and only rows
        // whose link changed are written, so re-linking a large ledger writes little. Entities
        // are resolved once per distinct (name, kind, role texts), which bounds memory by the
        // variety of names rather than the size of the ledger.
        let res = if let (Some(eu), Some(au), false) = (ent_upto, attr_upto, full) {
            // The planner beside clusters the claims as soon as their entity keys are resolved.
            let mut resolved = |res: &speakers::Resolution| {
                if let Some(p) = &beside {
                    // A planner that stopped says why when joined.
                    let _ = p.keys.send(res.key_map.clone());
                }
            };
            crate::relink::link_new_speakers(&tx, eu, au, !claims_incremental, &mut resolved)?
        } else {
            speakers_from_scratch(&tx)?
        };
        crate::relink::sync_speaker_quotes(&tx)?;
        tx.execute_batch(crate::schema::SYNC_UNRESOLVED)?;
        for (key, table) in [(crate::relink::SPEAKERS_ENTITIES_UPTO, "entities"), (crate::relink::SPEAKERS_ATTRIBUTIONS_UPTO, "attributions")] {
            tx.execute(&format!("INSERT OR REPLACE INTO state(key, value) SELECT ?1, coalesce(max(id), 0) FROM {table}"), [key])?;
        }
        sum.agents = tx.query_row("SELECT count(*) FROM agents", [], |r| r.get::<_, i64>(0))? as u64;
        step(&mut sum, "speakers");
        // The claim plan first (planned beside as soon as the speakers resolved the entity keys),
        // applied while the copies are planned beside; a planner that stopped before sending
        // it says why when joined.
        let mut planned_claims = None;
        let mut copy_planner = None;
        if let Some(p) = beside.take() {
            match p.claims.recv() {
                Ok(planned) => planned_claims = Some(planned),
                Err(_) => return Err(p.join().err().unwrap_or_else(|| crate::LedgerError::Other("the linking planner sent no claim plan".into()))),
            }
            step(&mut sum, "wait for the claim plan");
            copy_planner = Some(p);
        }

        // Claims: the new ones against the index of stored ones, or all from scratch (the first
        // time, after re-analysis, on request, or with an encoder that gives vectors).
        let remap = |c: &mut ClaimInput| remap_entities(c, &res.key_map);
        if let (Some(upto), true) = (claims_upto, claims_incremental) {
            if let Some(Planned { inputs, claims: plan }) = planned_claims {
                crate::relink::apply_new(&tx, &inputs, plan)?;
            } else {
                let mut inputs = new_claim_inputs(&tx, upto)?;
                inputs.iter_mut().for_each(remap);
                step(&mut sum, "claims: load");
                crate::relink::link_new(&tx, &inputs)?;
            }
            step(&mut sum, "claims: cluster");
            sum.claims =
                tx.query_row("SELECT count(*) FROM claims", [], |r| r.get::<_, i64>(0))? as u64;
            sum.disputed = tx.query_row("SELECT count(*) FROM claims WHERE disputed", [], |r| {
                r.get::<_, i64>(0)
            })? as u64;
        } else {
            let mut old_claim: Vec<Option<i64>> = vec![];
            // Texts are needed only to group claims with vectors; labels are read back per cluster.
            let need_text: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM claim_vectors WHERE model = ?1)",
                [encoder.name()],
                |r| r.get(0),
            )?;
            let inputs: Vec<ClaimInput> = {
                let mut st = tx.prepare(&format!("SELECT {CLAIM_COLUMNS}, CASE WHEN ?1 THEN content ELSE '' END, claim FROM attributions ORDER BY id"))?;
                let rows = st.query_map([need_text], |r| {
                    old_claim.push(r.get(9)?);
                    claim_input(r, r.get(8)?)
                })?;
                let mut v: Vec<ClaimInput> = rows.collect::<std::result::Result<_, _>>()?;
                v.iter_mut().for_each(remap);
                v
            };
            let vectors = crate::vectors::load_aligned(&tx, encoder.name(), &inputs)?;
            step(&mut sum, "claims: load");
            let cl = claims::cluster_with_vectors(&inputs, vectors.as_deref(), encoder.threshold());
            step(&mut sum, "claims: cluster");
            let n_clusters = cl.iter().copied().max().map_or(0, |m| m + 1);
            let mut members: Vec<Vec<usize>> = vec![vec![]; n_clusters];
            for (i, &c) in cl.iter().enumerate() {
                members[c].push(i);
            }
            let published: HashMap<i64, Option<String>> = {
                let mut st = tx.prepare("SELECT id, published FROM articles")?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<std::result::Result<_, _>>()?
            };
            {
                // Clusters are numbered in order of their first member, so most keep their id from
                // one linking to the next; an unchanged row is not rewritten.
                tx.execute("DELETE FROM claims WHERE id > ?1", [n_clusters as i64])?;
                // Every claim's quotes are listed again below, in the main level.
                crate::levels::CLAIM_MEMBERS.clear(&tx)?;
                let mut ins = tx.prepare(
                "INSERT INTO claims(id, label, size, articles, asserts, reports, denies, questions, disputed, first_seen, label_stems, label_attribution) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)
                 ON CONFLICT(id) DO UPDATE SET label = excluded.label, size = excluded.size, articles = excluded.articles, asserts = excluded.asserts,
                   reports = excluded.reports, denies = excluded.denies, questions = excluded.questions, disputed = excluded.disputed, first_seen = excluded.first_seen,
                   label_stems = excluded.label_stems, label_attribution = excluded.label_attribution
                 WHERE (label, size, articles, asserts, reports, denies, questions, disputed) IS NOT
                       (excluded.label, excluded.size, excluded.articles, excluded.asserts, excluded.reports, excluded.denies, excluded.questions, excluded.disputed)
                    OR (first_seen, label_stems, label_attribution) IS NOT (excluded.first_seen, excluded.label_stems, excluded.label_attribution)",
            )?;
                let mut up = tx.prepare("UPDATE attributions SET claim = ?1 WHERE id = ?2")?;
                let mut label_of = tx.prepare("SELECT content FROM attributions WHERE id = ?1")?;
                for (c, ms) in members.iter().enumerate() {
                    let count =
                        |s: Stance| ms.iter().filter(|&&i| inputs[i].stance == s).count() as i64;
                    let (asserts, reports, denies, questions) = (
                        count(Stance::Asserts),
                        count(Stance::Reports),
                        count(Stance::Denies),
                        count(Stance::Questions),
                    );
                    let disputed = asserts + reports > 0 && denies > 0;
                    let label_i = ms
                        .iter()
                        .filter(|&&i| matches!(inputs[i].stance, Stance::Asserts | Stance::Reports))
                        .max_by_key(|&&i| (inputs[i].key.stems.len(), std::cmp::Reverse(i)))
                        .or(ms.first())
                        .copied();
                    let label = label_i
                        .map(|i| label_of.query_row([inputs[i].id], |r| r.get::<_, String>(0)))
                        .transpose()?
                        .unwrap_or_default();
                    // The label's rank for incremental linking (crate::relink): stems of asserted content, else -1.
                    let label_stems = label_i.map(|i| {
                        if matches!(inputs[i].stance, Stance::Asserts | Stance::Reports) {
                            inputs[i].key.stems.len() as i64
                        } else {
                            -1
                        }
                    });
                    let label_attr = label_i.map(|i| inputs[i].id);
                    let mut arts: Vec<i64> = ms.iter().map(|&i| inputs[i].article).collect();
                    arts.sort();
                    arts.dedup();
                    let first_seen = arts
                        .iter()
                        .filter_map(|a| published.get(a).cloned().flatten())
                        .min();
                    let id = c as i64 + 1;
                    ins.execute(params![
                        id,
                        label,
                        ms.len() as i64,
                        arts.len() as i64,
                        asserts,
                        reports,
                        denies,
                        questions,
                        disputed,
                        first_seen,
                        label_stems,
                        label_attr
                    ])?;
                    for &i in ms {
                        if old_claim.get(i).copied().flatten() != Some(id) {
                            up.execute(params![id, inputs[i].id])?;
                        }
                    }
                    sum.disputed += disputed as u64;
                }
            }
            let members = tx.execute(crate::schema::FILL_CLAIM_MEMBERS, [])?;
            crate::levels::CLAIM_MEMBERS.filled(&tx, members)?;
            sum.claims = n_clusters as u64;
            crate::relink::rebuild_index(&tx, &inputs, &cl)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO state(key, value) SELECT ?1, coalesce(max(id), 0) FROM attributions",
            [crate::relink::CLAIMS_UPTO],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO state(key, value) VALUES ('dirty', '0')",
            [],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO state(key, value) VALUES ('encoder', ?1)",
            [encoder.name()],
        )?;
        step(&mut sum, "claims: store");
        // Copies: new articles against the stored LSH buckets (from scratch above, the first time).
        if let Some(upto) = copies_from {
            match copy_planner {
                Some(p) => {
                    let plan = p.join()?;
                    step(&mut sum, "wait for the copy plan");
                    crate::relink::apply_new_copies(&tx, upto, plan)?;
                }
                None => crate::relink::link_new_copies(&tx, upto)?,
            }
            copies_done(&tx, &mut sum)?;
            step(&mut sum, "copies");
        }
        tx.commit()?;
        step(&mut sum, "commit");
        Ok(sum)
    }
}

/// Copies linked from scratch (the first linking): every article against every other
/// ([`copies::link_copies`]), the copy rows rewritten and the LSH bucket index rebuilt.
fn copies_from_scratch(tx: &Transaction) -> Result<()> {
    let arts: Vec<CopyInput> = {
        let mut st = tx.prepare(
            "SELECT id, text_hash, published, wire, minhash FROM articles ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            let blob: Vec<u8> = r.get(4)?;
            Ok(CopyInput {
                id: r.get(0)?,
                hash: r.get(1)?,
                published: r.get(2)?,
                wire: r.get(3)?,
                sig: copies::decode(&blob),
            })
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let links = copies::link_copies(&arts);
    tx.execute("DELETE FROM copies", [])?;
    {
        let mut ins = tx.prepare("INSERT OR REPLACE INTO copies(article, root, kind, similarity) VALUES (?1, ?2, ?3, ?4)")?;
        let mut roots = std::collections::BTreeSet::new();
        for l in &links {
            ins.execute(params![l.article, l.root, l.kind, l.similarity as f64])?;
            roots.insert(l.root);
        }
        for r in roots {
            ins.execute(params![r, r, "original", 1.0f64])?;
        }
    }
    crate::relink::rebuild_copy_index(tx, &arts)?;
    Ok(())
}

/// Speakers resolved from scratch: every entity counted per (name, kind, role texts), every
/// name resolved, changed rows written, and the speaker index rebuilt.
fn speakers_from_scratch(tx: &Transaction) -> Result<speakers::Resolution> {
    // Every speaker's quotes are listed again below (SYNC_SPEAKER_QUOTES from the start);
    // meanwhile the triggers have nothing to follow.
    crate::levels::SPEAKER_QUOTES.clear(tx)?;
    tx.execute("INSERT OR REPLACE INTO state(key, value) VALUES ('speaker_quotes_upto', 0)", [])?;
    // Groups in the speaker index's key order, as an incremental linking reads them: a speaker
    // keeps the roles of the first groups it meets, so both must meet them in one order. Each
    // group's count, then its place in `ents`.
    let mut groups: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    {
        let mut st = tx.prepare("SELECT name, kind, roles FROM entities")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            *groups.entry((r.get(0)?, r.get(1)?, speakers::roles_key_of(r.get(2)?))).or_default() += 1;
        }
    }
    let mut ents: Vec<EntityInput> = Vec::with_capacity(groups.len());
    for ((name, kind, roles_json), g) in groups.iter_mut() {
        ents.push(EntityInput {
            id: ents.len() as i64,
            name: name.clone(),
            kind: kind.clone(),
            roles: speakers::role_texts(roles_json),
            count: *g,
            roles_json: roles_json.clone(),
        });
        *g = ents.len() - 1;
    }
    let lex = crate::text::lexicon();
    let unresolved: Vec<(i64, String)> = {
        let mut st = tx.prepare("SELECT id, source FROM attributions WHERE speaker_entity IS NULL AND source_kind = 'named' AND source IS NOT NULL")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        rows.filter_map(|r| r.ok())
            .filter_map(|(id, s)| lex.name_in_source(&s).map(|n| (id, n)))
            .collect()
    };
    let extra: Vec<(String, usize)> = {
        let mut m: HashMap<&str, usize> = HashMap::new();
        for (_, n) in &unresolved {
            *m.entry(n.as_str()).or_default() += 1;
        }
        let mut v: Vec<(String, usize)> = m.into_iter().map(|(n, c)| (n.to_string(), c)).collect();
        v.sort();
        v
    };
    let res = speakers::resolve(&ents, &extra);
    let agent_ids = store_agents(tx, &res.agents, None)?;
    {
        // Changes first, written after the scan.
        let mut changed: Vec<(i64, Option<i64>)> = vec![];
        let mut st = tx.prepare("SELECT id, name, kind, roles, agent FROM entities")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let key: (String, String, String) = (r.get(1)?, r.get(2)?, speakers::roles_key_of(r.get(3)?));
            let new = groups
                .get(&key)
                .and_then(|&g| res.entity_agent.get(&(g as i64)))
                .map(|&ai| agent_ids[ai]);
            if new != r.get::<_, Option<i64>>(4)? {
                changed.push((r.get(0)?, new));
            }
        }
        let mut up = tx.prepare("UPDATE entities SET agent = ?2 WHERE id = ?1")?;
        for (id, a) in changed {
            up.execute(params![id, a])?;
        }
        tx.execute(
            "UPDATE attributions SET agent = (SELECT agent FROM entities WHERE entities.id = attributions.speaker_entity)
             WHERE speaker_entity IS NOT NULL AND agent IS NOT (SELECT agent FROM entities WHERE entities.id = attributions.speaker_entity)",
            [],
        )?;
        let unresolved_agent: HashMap<i64, i64> = unresolved
            .iter()
            .filter_map(|(aid, name)| {
                res.agent_of_key(&lex.name_key(name))
                    .map(|ai| (*aid, agent_ids[ai]))
            })
            .collect();
        let mut changed: Vec<(i64, Option<i64>)> = vec![];
        let mut st =
            tx.prepare("SELECT id, agent FROM attributions WHERE speaker_entity IS NULL")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let new = unresolved_agent.get(&id).copied();
            if new != r.get::<_, Option<i64>>(1)? {
                changed.push((id, new));
            }
        }
        let mut up = tx.prepare("UPDATE attributions SET agent = ?2 WHERE id = ?1")?;
        for (id, a) in changed {
            up.execute(params![id, a])?;
        }
    }
    tx.execute_batch(crate::schema::AGENT_COUNTS)?;
    crate::relink::rebuild_speaker_index(tx, &ents, &extra, &res, &agent_ids)?;
    Ok(res)
}

/// The most new articles whose copies and claims are planned beside the speaker step: the
/// plans hold their new index rows in memory until applied (~1.2 KB an article at most, so
/// ~40 MB, besides the new claims that both ways hold); a larger linking plans on the writing
/// connection, which writes its rows as it goes.
const BESIDE_MAX_ARTICLES: i64 = 32_768;

/// The claims the planner beside the speaker step planned (its copy plan comes first, alone).
struct Planned {
    inputs: Vec<ClaimInput>,
    claims: crate::relink::ClaimPlan,
}

/// A thread with its own connection that plans the claims and then the copies of a linking
/// ([`crate::relink::plan_new`], [`crate::relink::plan_new_copies`]) on the ledger as last
/// committed, which the linking transaction does not change before it commits: the claim plan
/// reads the new quotes and the claim index, and waits for the entity keys that the speaker step
/// resolves; the copy plan reads what ingest wrote and the copy index. The claims come first:
/// their plan is applied while the copies are planned.
struct Planner {
    keys: std::sync::mpsc::Sender<HashMap<String, String>>,
    claims: std::sync::mpsc::Receiver<Planned>,
    handle: std::thread::JoinHandle<Result<crate::relink::CopyPlan>>,
}

impl Planner {
    fn spawn(path: String, copies_upto: i64, claims_upto: i64) -> Planner {
        let (keys, rx) = std::sync::mpsc::channel::<HashMap<String, String>>();
        let (claims_tx, claims) = std::sync::mpsc::channel();
        let handle = std::thread::spawn(move || -> Result<crate::relink::CopyPlan> {
            let mut conn = rusqlite::Connection::open(&path)?;
            conn.busy_timeout(std::time::Duration::from_secs(30))?;
            conn.pragma_update(None, "cache_size", crate::WRITE_CACHE_KIB)?;
            // One read transaction: every read sees the same snapshot.
            let read = conn.transaction()?;
            let mut mark = crate::relink::debug_marks("planner");
            let mut inputs = new_claim_inputs(&read, claims_upto)?;
            mark("claim inputs");
            let key_map = rx.recv().map_err(|_| crate::LedgerError::Other("linking stopped before the speakers were resolved".into()))?;
            mark("wait for the entity keys");
            inputs.iter_mut().for_each(|c| remap_entities(c, &key_map));
            let claims = crate::relink::plan_new(&read, &inputs, None)?;
            // Only an error stops the plan from being sent, and `join` reports it.
            let _ = claims_tx.send(Planned { inputs, claims });
            mark("claim plan");
            let copies = crate::relink::plan_new_copies(&read, copies_upto, None);
            mark("copy plan");
            copies
        });
        Planner { keys, claims, handle }
    }

    fn join(self) -> Result<crate::relink::CopyPlan> {
        drop(self.keys);
        self.handle.join().map_err(|_| crate::LedgerError::Other("the linking planner stopped unexpectedly".into()))?
    }
}

/// Records that every stored article is in the copy index, and counts the linked copies.
fn copies_done(tx: &Transaction, sum: &mut LinkSummary) -> Result<()> {
    tx.execute("INSERT OR REPLACE INTO state(key, value) SELECT ?1, coalesce(max(id), 0) FROM articles", [crate::relink::COPIES_UPTO])?;
    sum.copies_linked = tx.query_row("SELECT count(*) FROM copies WHERE kind != 'original'", [], |r| r.get::<_, i64>(0))? as u64;
    Ok(())
}

/// The quotes with id above `upto`, as claims to cluster (keys as stored: see [`remap_entities`]).
fn new_claim_inputs(conn: &rusqlite::Connection, upto: i64) -> Result<Vec<ClaimInput>> {
    let mut st = conn.prepare(&format!("SELECT {CLAIM_COLUMNS} FROM attributions WHERE id > ?1 ORDER BY id"))?;
    let rows = st.query_map([upto], |r| claim_input(r, String::new()))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The quote columns a claim is clustered from, first in every query that loads claims.
const CLAIM_COLUMNS: &str = "id, article, idx, paragraph, claim_key, stance, target, published";

/// A claim from a row that begins with [`CLAIM_COLUMNS`], with its text (empty unless the
/// clustering compares vectors).
fn claim_input(r: &rusqlite::Row, text: String) -> rusqlite::Result<ClaimInput> {
    let key: String = r.get(4)?;
    let stance: String = r.get(5)?;
    Ok(ClaimInput {
        id: r.get(0)?,
        article: r.get(1)?,
        idx: r.get(2)?,
        paragraph: r.get(3)?,
        text,
        key: serde_json::from_str::<ClaimKey>(&key).unwrap_or_default(),
        stance: stance_from(&stance),
        target: r.get(6)?,
        published: r.get(7)?,
    })
}

/// Surname-only entity keys of a claim count as the full name they resolved to.
fn remap_entities(c: &mut ClaimInput, key_map: &HashMap<String, String>) {
    for e in &mut c.key.entities {
        if let Some(k) = key_map.get(e.as_str()) {
            *e = k.clone();
        }
    }
    c.key.entities.sort();
    c.key.entities.dedup();
}

/// Writes the agents, keeping the id each name key had before (new keys get new ids, keys no
/// longer seen are deleted); returns the id of each agent, aligned with `agents`.
/// `scope`: the name keys `agents` were resolved from, when not every key: stored agents with
/// other keys are left as they are (the same ids and rows as a resolution of every key gives,
/// since the other keys resolve as before and new ids follow the same key order).
pub(crate) fn store_agents(tx: &Transaction, agents: &[speakers::Agent], scope: Option<&HashSet<&str>>) -> Result<Vec<i64>> {
    let old: HashMap<String, (i64, String, String, String)> = match scope {
        None => {
            let mut st = tx.prepare("SELECT key, id, name, kind, roles FROM agents")?;
            let rows = st.query_map([], |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            })?;
            rows.collect::<std::result::Result<_, _>>()?
        }
        Some(keys) => {
            let mut st = tx.prepare_cached("SELECT id, name, kind, roles FROM agents WHERE key = ?1")?;
            let mut m = HashMap::with_capacity(keys.len());
            for k in keys {
                if let Some(row) = st.query_row([k], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).optional()? {
                    m.insert(k.to_string(), row);
                }
            }
            m
        }
    };
    let mut next = match scope {
        None => old.values().map(|o| o.0).max().unwrap_or(0) + 1,
        Some(_) => tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM agents", [], |r| r.get(0))?,
    };
    let mut ids = Vec::with_capacity(agents.len());
    let mut kept: HashSet<i64> = HashSet::with_capacity(agents.len());
    let mut ins = tx.prepare(
        "INSERT OR REPLACE INTO agents(id, key, name, kind, roles) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    // An update, not a replacement: a replaced row lost its quote counts, which an incremental
    // linking only adds the new quotes to.
    let mut set = tx.prepare("UPDATE agents SET name = ?2, kind = ?3, roles = ?4 WHERE id = ?1")?;
    for a in agents {
        let roles = serde_json::to_string(&a.roles)?;
        let id = match old.get(&a.key) {
            Some((id, name, kind, r)) => {
                if *name != a.name || *kind != a.kind || *r != roles {
                    set.execute(params![id, a.name, a.kind, roles])?;
                }
                *id
            }
            None => {
                let id = next;
                next += 1;
                ins.execute(params![id, a.key, a.name, a.kind, roles])?;
                id
            }
        };
        kept.insert(id);
        ids.push(id);
    }
    let mut del = tx.prepare("DELETE FROM agents WHERE id = ?1")?;
    for (id, ..) in old.values() {
        if !kept.contains(id) {
            del.execute([id])?;
        }
    }
    Ok(ids)
}

/// An analysed document ready to store (with the id of the stored article it replaces), or why not.
type Analysed = std::result::Result<(Prepared, Option<i64>), String>;

/// Articles with an id up to this are linked to their copies (None: never linked).
fn copies_upto(conn: &rusqlite::Connection) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT CAST(value AS INTEGER) FROM state WHERE key = ?1", [crate::relink::COPIES_UPTO], |r| r.get(0))
        .optional()?)
}

/// Replaced entities and attributions leave the claim index and the speaker index stale (the
/// speaker index only ever adds the counts of new rows): the next linking rebuilds both from
/// what is stored. Re-analysis is rare (a new analysis version), so correctness wins over speed.
fn forget_incremental_links(tx: &Transaction) -> Result<()> {
    for key in [crate::relink::CLAIMS_UPTO, crate::relink::SPEAKERS_ENTITIES_UPTO, crate::relink::SPEAKERS_ATTRIBUTIONS_UPTO] {
        tx.execute("DELETE FROM state WHERE key = ?1", [key])?;
    }
    Ok(())
}

/// Writes one analysed batch in one transaction; returns (ingested, re-analysed, failure
/// messages, seconds). Nothing to write, no transaction.
fn store_batch(
    conn: &mut rusqlite::Connection,
    batch: &[Analysed],
    version: &str,
    known: &mut KnownAgents,
) -> Result<(u64, u64, Vec<String>, f64)> {
    let t = Instant::now();
    let (mut ingested, mut reanalysed, mut failures) = (0u64, 0u64, vec![]);
    if batch.is_empty() {
        return Ok((0, 0, failures, 0.0));
    }
    let tx = conn.transaction()?;
    for r in batch {
        match r {
            Ok((p, Some(id))) => {
                replace_layers(&tx, *id, p, version, known)?;
                reanalysed += 1;
            }
            Ok((p, None)) => {
                insert_article(&tx, p, version, known)?;
                ingested += 1;
            }
            Err(msg) => failures.push(msg.clone()),
        }
    }
    if ingested + reanalysed > 0 {
        tx.execute(
            "INSERT OR REPLACE INTO state(key, value) VALUES ('dirty', '1')",
            [],
        )?;
    }
    if reanalysed > 0 {
        forget_incremental_links(&tx)?;
    }
    tx.commit()?;
    Ok((ingested, reanalysed, failures, t.elapsed().as_secs_f64()))
}

/// Runs the analysis on one document, turning an error or a panic into a message that names
/// where the document came from (one bad document must not stop the others).
/// `hash`: the text's [`text_hash`] when the caller has it (the analysis must not change the text).
fn analyse_guarded<A>(
    analyse: &A,
    doc: &mut Document,
    hash: Option<String>,
) -> std::result::Result<Prepared, String>
where
    A: Fn(&mut Document) -> std::result::Result<(), String> + Sync,
{
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| analyse(doc))) {
        Ok(Ok(())) => Ok(match hash {
            Some(h) => prepare_hashed(doc, h),
            None => prepare(doc),
        }),
        Ok(Err(e)) => Err(format!("{}: {}: analysis failed: {e}", where_of(&doc.origin), doc.id)),
        Err(_) => Err(format!("{}: {}: analysis panicked", where_of(&doc.origin), doc.id)),
    }
}

fn where_of(o: &Origin) -> String {
    match o.record {
        Some(r) => format!("{}:{r}", o.path),
        None => o.path.clone(),
    }
}

fn insert_article(tx: &Transaction, p: &Prepared, version: &str, known: &mut KnownAgents) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO articles(doc_id, text_hash, analysis_version, text, title, publisher, published, byline, site_name, language, url, meta_json, origin_path, origin_record, origin_format, wire, minhash, ingested_at)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
    )?
    .execute(params![p.doc_id, p.text_hash, version, p.text, p.title, p.publisher, p.published, p.byline, p.site_name, p.language, p.url, p.meta_json, p.origin_path, p.origin_record.map(|r| r as i64), p.origin_format, p.wire, p.minhash],
    )?;
    let id = tx.last_insert_rowid();
    tx.prepare_cached("INSERT INTO articles_fts(rowid, title, text) VALUES (?1, ?2, ?3)")?
        .execute(params![id, p.title.as_deref().unwrap_or(""), p.text],
    )?;
    insert_layers(tx, id, p, known)?;
    Ok(id)
}

fn replace_layers(tx: &Transaction, id: i64, p: &Prepared, version: &str, known: &mut KnownAgents) -> Result<()> {
    // The index holds no copy of its text (external content): it is told the values it indexed,
    // as `insert_layers` gave them, before the quotes go.
    tx.execute(
        "INSERT INTO quotes_fts(quotes_fts, rowid, content, source, speaker)
         SELECT 'delete', id, content, coalesce(source, ''), coalesce(speaker, '') FROM attributions WHERE article = ?1",
        [id],
    )?;
    tx.execute("DELETE FROM attributions WHERE article = ?1", [id])?;
    tx.execute("DELETE FROM entities WHERE article = ?1", [id])?;
    tx.execute("DELETE FROM times WHERE article = ?1", [id])?;
    tx.execute("DELETE FROM sentences WHERE article = ?1", [id])?;
    tx.execute(
        "UPDATE articles SET analysis_version = ?1, wire = ?2, minhash = ?3 WHERE id = ?4",
        params![version, p.wire, p.minhash, id],
    )?;
    insert_layers(tx, id, p, known)
}

/// The speaker each name had at the last linking, as read from the speaker index by one ingest
/// (the index changes only when linking, after the ingest's batches); [`KNOWN_AGENTS`] names at
/// most, so memory stays bounded on a long stream.
#[derive(Default)]
struct KnownAgents(HashMap<String, Option<i64>>);

const KNOWN_AGENTS: usize = 100_000;

impl KnownAgents {
    /// A speaker follows from the name alone, whatever its kind and roles: any group of the
    /// name gives it, else the name as a named source.
    fn get(&mut self, tx: &Transaction, name: &str) -> Result<Option<i64>> {
        if let Some(&a) = self.0.get(name) {
            return Ok(a);
        }
        let mut by_group = tx.prepare_cached("SELECT agent FROM entity_groups WHERE name = ?1 LIMIT 1")?;
        let agent = match by_group.query_row([name], |r| r.get::<_, Option<i64>>(0)).optional()? {
            Some(agent) => agent,
            None => tx
                .prepare_cached("SELECT agent FROM source_names WHERE name = ?1")?
                .query_row([name], |r| r.get(0))
                .optional()?
                .flatten(),
        };
        if self.0.len() >= KNOWN_AGENTS {
            self.0.clear();
        }
        self.0.insert(name.to_string(), agent);
        Ok(agent)
    }
}

fn insert_layers(tx: &Transaction, article: i64, p: &Prepared, known: &mut KnownAgents) -> Result<()> {
    let mut st =
        tx.prepare_cached("INSERT INTO sentences(article, idx, start, end) VALUES (?1,?2,?3,?4)")?;
    for (i, (s, e)) in p.sentences.iter().enumerate() {
        st.execute(params![article, i as i64, *s as i64, *e as i64])?;
    }
    // Each entity and quote is stored with the speaker its name had at the last linking (the
    // speaker index), which linking keeps for most names: it then rewrites only the rows whose
    // name is new or changed speaker, not every new (wide) row. Which rows get one mirrors
    // linking: quotes with a speaker entity take its agent, quotes with a named source and no
    // speaker entity their name's, others none.
    let mut ent_ids = Vec::with_capacity(p.entities.len());
    let mut ent_agents: Vec<Option<i64>> = Vec::with_capacity(p.entities.len());
    let mut st = tx.prepare_cached(
        "INSERT INTO entities(article, idx, name, kind, roles, mentions, agent) VALUES (?1,?2,?3,?4,?5,?6,?7)",
    )?;
    for (i, e) in p.entities.iter().enumerate() {
        let agent = known.get(tx, &e.name)?;
        st.execute(params![article, i as i64, e.name, e.kind, e.roles, e.mentions, agent])?;
        ent_ids.push(tx.last_insert_rowid());
        ent_agents.push(agent);
    }
    let lex = crate::text::lexicon();
    let mut time_ids = Vec::with_capacity(p.times.len());
    let mut st = tx.prepare_cached("INSERT INTO times(article, idx, start, end, text, kind, value, modifier, resolved) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)")?;
    for (i, t) in p.times.iter().enumerate() {
        st.execute(params![
            article,
            i as i64,
            t.start as i64,
            t.end as i64,
            t.text,
            t.kind,
            t.value,
            t.modifier,
            t.resolved
        ])?;
        time_ids.push(tx.last_insert_rowid());
    }
    let base: i64 = tx
        .prepare_cached("SELECT coalesce(max(id), 0) FROM attributions")?
        .query_row([], |r| r.get(0))?;
    let mut st = tx.prepare_cached(
        "INSERT INTO attributions(id, article, idx, kind, content, content_spans, cue, cue_start, cue_end, source, source_start, source_end, source_kind, speaker_entity, speaker, confidence, addressee, addressee_start, addressee_end, hedges, polarity, time_value, time_id, paragraph, stance, target, claim_key, published, agent)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29)",
    )?;
    let mut fts = tx.prepare_cached(
        "INSERT INTO quotes_fts(rowid, content, source, speaker) VALUES (?1,?2,?3,?4)",
    )?;
    for (i, a) in p.attributions.iter().enumerate() {
        let id = base + 1 + i as i64;
        let pt = |t: &Option<crate::prepare::PText>| {
            (
                t.as_ref().map(|x| x.text.clone()),
                t.as_ref().map(|x| x.start as i64),
                t.as_ref().map(|x| x.end as i64),
            )
        };
        let (cue, cs, ce) = pt(&a.cue);
        let (src, ss, se) = pt(&a.source);
        let (adr, ads, ade) = pt(&a.addressee);
        let speaker_entity = a.speaker_entity.filter(|&e| e < ent_ids.len());
        let agent: Option<i64> = match (speaker_entity, a.source_kind, &src) {
            (Some(e), ..) => ent_agents[e],
            (None, "named", Some(s)) => match lex.name_in_source(s) {
                Some(name) => known.get(tx, &name)?,
                None => None,
            },
            _ => None,
        };
        st.execute(params![
            id,
            article,
            i as i64,
            a.kind,
            a.content,
            a.content_spans,
            cue,
            cs,
            ce,
            src,
            ss,
            se,
            a.source_kind,
            speaker_entity.map(|e| ent_ids[e]),
            a.speaker,
            a.confidence as f64,
            adr,
            ads,
            ade,
            a.hedges,
            a.polarity,
            a.time_value,
            a.time_idx.and_then(|t| time_ids.get(t).copied()),
            a.paragraph.map(|x| x as i64),
            a.stance.as_str(),
            a.target.map(|t| base + 1 + t as i64),
            serde_json::to_string(&a.key)?,
            p.published,
            agent
        ])?;
        fts.execute(params![
            id,
            a.content,
            src.as_deref().unwrap_or(""),
            a.speaker.as_deref().unwrap_or("")
        ])?;
    }
    Ok(())
}
