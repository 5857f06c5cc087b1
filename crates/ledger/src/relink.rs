//! Incremental claim linking: the attributions stored since the last linking are clustered
//! against what is stored through indexed lookups (one representative per distinct claim key,
//! its tokens' postings, the touched clusters' counts), so the cost of a linking follows the
//! new articles, not the ledger, and nothing of the old claims is held in memory.
//!
//! It makes the decisions a full clustering ([`crate::claims::cluster_with_vectors`], lexical)
//! makes for the new claims, in the same order (claim id): a claim tied to an earlier one in its
//! article goes where that one went; else a claim with a stored key joins that key's cluster;
//! else a new distinct key joins the cluster of the most similar stored or new key sharing two
//! of its tokens (tokens on fewer than [`MAX_POSTING`] earlier keys, counted as a full run
//! counts them at that claim), or starts a cluster. Clusters never merge, so a linking writes
//! only the new claims' rows and the clusters they join. One difference: a full run sees every
//! entity key as resolved now, a linking as resolved then (`Ledger::link_full` re-clusters from
//! scratch, e.g. after speakers are re-resolved).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};

use crate::claims::{claim_similarity, comparable, tokens, ClaimInput, LEXICAL_THRESHOLD, MAX_POSTING};
use crate::copies::Dsu;
use crate::error::Result;
use crate::levels::{CLAIM_MEMBERS, COPY_INDEX, SPEAKER_QUOTES};
use crate::prepare::{ClaimKey, Stance};
use crate::speakers::family;
use crate::text::intersection;

/// The state key: attributions with an id up to this are in the claim index.
pub const CLAIMS_UPTO: &str = "claims_upto";

/// Parsed representatives kept by one incremental claim linking (cleared when full).
const REP_CACHE: usize = 100_000;

/// The label candidate order of a full run: asserted or reported content with most stems, then
/// the earliest; anything else only as the first member (-1).
fn label_rank(c: &ClaimInput) -> i64 {
    if matches!(c.stance, Stance::Asserts | Stance::Reports) {
        c.key.stems.len() as i64
    } else {
        -1
    }
}

/// Rebuilds the claim index (representatives, postings, token counts, label ranks) from a
/// full clustering: `cluster[i]` is the cluster (0-based) of `inputs[i]`, ids are cluster + 1.
pub fn rebuild_index(tx: &Transaction, inputs: &[ClaimInput], cluster: &[usize]) -> Result<()> {
    tx.execute_batch(
        "DELETE FROM claim_reps; DELETE FROM claim_postings; DELETE FROM claim_tokens;",
    )?;
    let mut seen: std::collections::HashSet<&ClaimKey> = std::collections::HashSet::new();
    let mut counts: HashMap<String, i64> = HashMap::new();
    // Postings and counts are written in key order (see `link_new`).
    let mut postings: Vec<(String, i64)> = vec![];
    let mut post = tx.prepare_cached("INSERT OR IGNORE INTO claim_postings(token, rep) VALUES (?1, ?2)")?;
    {
        let mut rep = tx.prepare_cached("INSERT INTO claim_reps(key, claim) VALUES (?1, ?2)")?;
        for (i, c) in inputs.iter().enumerate() {
            if !comparable(c) || !seen.insert(&c.key) {
                continue;
            }
            if postings.len() >= POSTINGS_BUFFER {
                write_sorted(&mut post, &mut postings)?;
            }
            rep.execute(params![
                serde_json::to_string(&c.key)?,
                cluster[i] as i64 + 1
            ])?;
            let id = tx.last_insert_rowid();
            for t in tokens(&c.key) {
                *counts.entry(t.clone()).or_default() += 1;
                postings.push((t, id));
            }
        }
    }
    write_sorted(&mut post, &mut postings)?;
    let mut counts: Vec<(String, i64)> = counts.into_iter().collect();
    write_sorted(&mut tx.prepare_cached("INSERT INTO claim_tokens(token, n) VALUES (?1, ?2)")?, &mut counts)?;
    Ok(())
}

/// Postings held before they are written in key order: bounds the memory of a large linking
/// (~64 bytes a posting, so ~16 MB) while keeping most of the writes in order.
const POSTINGS_BUFFER: usize = 1 << 18;

/// Writes `rows` with `insert` in key order, so that consecutive rows fall on the same pages of
/// a table keyed by a random value, and empties it.
/// Returns the rows the statement changed (an `INSERT OR IGNORE` skips rows already stored).
fn write_sorted<R: Ord + rusqlite::Params>(insert: &mut rusqlite::CachedStatement<'_>, rows: &mut Vec<R>) -> Result<usize> {
    rows.sort_unstable();
    rows.dedup();
    let mut changed = 0;
    for r in rows.drain(..) {
        changed += insert.execute(r)?;
    }
    Ok(changed)
}

/// With ONRECORD_DEBUG_LINK set, a function that prints the seconds since its last call, with
/// what was done, on stderr (for benchmarks); else one that does nothing.
pub(crate) fn debug_marks(step: &'static str) -> impl FnMut(&str) {
    let debug = std::env::var_os("ONRECORD_DEBUG_LINK").is_some();
    let mut clock = std::time::Instant::now();
    move |what: &str| {
        if debug {
            eprintln!("{step}: {what} {:.2} s", clock.elapsed().as_secs_f64());
        }
        clock = std::time::Instant::now();
    }
}

/// What incremental linking did.
pub struct Incremental {
    pub new_claims: u64,
}

/// A claim cluster's counts as its row stores them, to add up.
#[derive(Clone, Default)]
struct Counts {
    size: i64,
    articles: i64,
    stances: [i64; 4],
    first_seen: Option<String>,
    /// (rank, attribution id): the higher rank labels a cluster, on equal rank the earlier one.
    label: Option<(i64, i64)>,
}

impl Counts {
    /// Adds `o` (articles as if disjoint).
    fn add(&mut self, o: &Counts) {
        self.size += o.size;
        self.articles += o.articles;
        for k in 0..4 {
            self.stances[k] += o.stances[k];
        }
        if o.first_seen.is_some() && (self.first_seen.is_none() || o.first_seen < self.first_seen) {
            self.first_seen = o.first_seen.clone();
        }
        if let Some((r0, a0)) = o.label {
            if self.label.is_none_or(|(r, a)| r0 > r || (r0 == r && a0 < a)) {
                self.label = Some((r0, a0));
            }
        }
    }
}

/// New postings not yet written: (token, representative), the token as its number in
/// [`ClaimPlan::tokens`] and the representative as its number among the new ones (8 bytes
/// each; ~130,000 for 10,000 new articles in the 100,000-article benchmark).
pub struct Postings {
    rows: Vec<(u32, u32)>,
    /// The id of the first new representative.
    first_rep: i64,
}

/// The cluster a new claim joins: a stored one, or the k-th new one (numbered in order of
/// their first member).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Joins {
    Stored(i64),
    New(usize),
}

/// What [`plan_new`] decided, before anything is written: the cluster each new claim joins, the
/// new representatives with their ids, and the index rows to add.
pub struct ClaimPlan {
    /// The cluster of each new claim, aligned with the inputs.
    joins: Vec<Joins>,
    /// New representatives: key as JSON -> (id, the new claim it came from).
    new_reps: HashMap<String, (i64, usize)>,
    tokens: Vec<String>,
    postings: Postings,
    /// Tokens whose count changed, with their new count.
    token_counts: Vec<(u32, i64)>,
}

/// Writes held postings (tokens by number in the names given) on the writing connection.
pub type FlushPostings<'a> = &'a mut dyn FnMut(&[String], &mut Postings) -> Result<()>;

/// Writes postings (tokens by number in `tokens`) in key order and empties them.
fn write_postings(insert: &mut rusqlite::CachedStatement<'_>, tokens: &[String], postings: &mut Postings) -> Result<()> {
    let first = postings.first_rep;
    let mut named: Vec<(&str, i64)> = postings.rows.drain(..).map(|(t, k)| (tokens[t as usize].as_str(), first + k as i64)).collect();
    write_sorted(insert, &mut named)?;
    Ok(())
}

/// Clusters the attributions with id above [`CLAIMS_UPTO`] (`inputs`, in id order, entity
/// keys already resolved) into the stored clusters and updates the touched clusters' rows
/// ([`plan_new`], then [`apply_new`]).
pub fn link_new(tx: &Transaction, inputs: &[ClaimInput]) -> Result<Incremental> {
    let mut post = tx.prepare_cached("INSERT OR IGNORE INTO claim_postings(token, rep) VALUES (?1, ?2)")?;
    let mut flush = |tokens: &[String], rows: &mut Postings| write_postings(&mut post, tokens, rows);
    let plan = plan_new(tx, inputs, Some(&mut flush))?;
    drop(post);
    apply_new(tx, inputs, plan)
}

/// Finds the stored clusters the new claims (`inputs`) join, reading only: `conn` may be a
/// second connection on the same snapshot, so this runs beside the speaker step (crate::store).
/// New representatives get the ids an insert would give them (after the largest stored one);
/// their postings are held until [`apply_new`], or given to `flush` (on the writing connection)
/// whenever [`POSTINGS_BUFFER`] are held: this loop reads a token's postings only before it
/// adds to them, and from its cache after.
pub fn plan_new(
    tx: &rusqlite::Connection,
    inputs: &[ClaimInput],
    mut flush: Option<FlushPostings<'_>>,
) -> Result<ClaimPlan> {
    let mut mark = debug_marks("claims");
    let n = inputs.len();
    // `inputs` are in id order: each claim is decided after those before it, as in a full run.
    let leaders = crate::claims::tie_leaders(inputs);
    let mut joins: Vec<Joins> = Vec::with_capacity(n);
    let mut new_clusters = 0usize;
    // New representatives: by rep id -> the claim it came from, and by key.
    let mut new_rep_node: HashMap<i64, usize> = HashMap::new();
    let mut new_reps: HashMap<String, (i64, usize)> = HashMap::new();
    let mut next_rep: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM claim_reps", [], |r| r.get(0))?;
    let mut tok_names: Vec<String> = vec![];
    let mut postings_out = Postings { rows: vec![], first_rep: next_rep + 1 };
    let mut token_counts: Vec<(u32, i64)> = vec![];
    {
        let mut by_key = tx.prepare_cached("SELECT id, claim FROM claim_reps WHERE key = ?1")?;
        // Each comparable claim's key, and the stored cluster of that key if there is one, read
        // in key order first: the keys fall anywhere in the index, and met in claim order each
        // lookup read a page of its own; in key order consecutive lookups share pages.
        let mut jsons: Vec<String> = Vec::with_capacity(n);
        for c in inputs {
            jsons.push(if comparable(c) { serde_json::to_string(&c.key)? } else { String::new() });
        }
        let mut stored_key: Vec<Option<i64>> = vec![None; n];
        {
            let mut by_json: Vec<usize> = (0..n).filter(|&i| !jsons[i].is_empty()).collect();
            by_json.sort_unstable_by(|&a, &b| jsons[a].cmp(&jsons[b]));
            let mut last: Option<(&str, Option<i64>)> = None;
            for i in by_json {
                let claim = match last {
                    Some((k, claim)) if k == jsons[i] => claim,
                    _ => by_key.query_row([&jsons[i]], |r| r.get::<_, i64>(1)).optional()?,
                };
                stored_key[i] = claim;
                last = Some((&jsons[i], claim));
            }
        }
        let mut tok_n = tx.prepare_cached("SELECT n FROM claim_tokens WHERE token = ?1")?;
        let mut postings = tx.prepare_cached("SELECT rep FROM claim_postings WHERE token = ?1")?;
        let mut rep_row = tx.prepare_cached("SELECT key, claim FROM claim_reps WHERE id = ?1")?;
        let mut counts: HashMap<i64, u32> = HashMap::new();
        // Token counts and postings met in this linking, kept up to date as new representatives
        // are added, so a token common among the new claims is read once (postings only for
        // tokens under the cap: a token over it stays over it); changed counts are written after.
        struct Tok {
            id: u32,
            n: i64,
            reps: Option<Vec<i64>>,
            changed: bool,
        }
        let mut tok_cache: HashMap<String, Tok> = HashMap::new();
        // Stored representatives met as candidates, parsed once per linking (their key and
        // cluster do not change before the loop ends; bounded, as a new slice meets many).
        let mut rep_cache: HashMap<i64, (ClaimKey, i64)> = HashMap::new();
        for i in 0..n {
            // A claim tied to an earlier one (a new claim, decided) goes where that one went.
            let tied = (leaders[i] != i).then(|| joins[leaders[i]]);
            if !comparable(&inputs[i]) {
                joins.push(tied.unwrap_or_else(|| new_cluster(&mut new_clusters)));
                continue;
            }
            let key = &inputs[i].key;
            let json = std::mem::take(&mut jsons[i]);
            let same_key = match new_reps.get(&json) {
                Some(&(_, node)) => Some(joins[node]),
                None => stored_key[i].map(Joins::Stored),
            };
            if let Some(same) = same_key {
                joins.push(tied.unwrap_or(same));
                continue;
            }
            // Candidates: stored keys sharing tokens that are not too common (read even for a tied
            // claim: its tokens' counts and postings change below).
            counts.clear();
            let toks: Vec<String> = tokens(key).collect();
            for t in &toks {
                if !tok_cache.contains_key(t) {
                    let n_t: i64 = tok_n.query_row([t], |r| r.get(0)).optional()?.unwrap_or(0);
                    let reps = if n_t + 1 > MAX_POSTING as i64 {
                        None
                    } else {
                        let rows = postings.query_map([t], |r| r.get::<_, i64>(0))?;
                        Some(rows.collect::<std::result::Result<Vec<i64>, _>>()?)
                    };
                    tok_cache.insert(t.clone(), Tok { id: tok_names.len() as u32, n: n_t, reps, changed: false });
                    tok_names.push(t.clone());
                }
                let tok = &tok_cache[t];
                if tok.n + 1 > MAX_POSTING as i64 {
                    continue;
                }
                for &rep in tok.reps.iter().flatten() {
                    *counts.entry(rep).or_default() += 1;
                }
            }
            // The most similar representative at the threshold, the earliest of equals.
            let mut best: Option<(f32, i64)> = None;
            let mut best_joins = None;
            for (&rep, &shared) in counts.iter().filter(|_| tied.is_none()) {
                if shared < 2 {
                    continue;
                }
                // A new representative: its key is the claim's it came from.
                let (other, cluster) = if let Some(&node) = new_rep_node.get(&rep) {
                    (&inputs[node].key, joins[node])
                } else {
                    if !rep_cache.contains_key(&rep) {
                        if rep_cache.len() >= REP_CACHE {
                            rep_cache.clear();
                        }
                        let (other_json, claim): (String, i64) =
                            rep_row.query_row([rep], |r| Ok((r.get(0)?, r.get(1)?)))?;
                        let other: ClaimKey = serde_json::from_str(&other_json).unwrap_or_default();
                        rep_cache.insert(rep, (other, claim));
                    }
                    let (other, claim) = &rep_cache[&rep];
                    (other, Joins::Stored(*claim))
                };
                let inter = intersection(&key.stems, &other.stems);
                if inter < 2 {
                    continue;
                }
                // = crate::text::jaccard(stems, other stems), without counting the intersection again.
                let jac = inter as f32 / (key.stems.len() + other.stems.len() - inter) as f32;
                let sim = claim_similarity(key, other, jac);
                // Representatives are numbered in the order of their claims, so the earliest rep
                // is the earliest claim, as a full run breaks ties.
                if sim >= LEXICAL_THRESHOLD && crate::claims::better(best, sim, rep) {
                    best = Some((sim, rep));
                    best_joins = Some(cluster);
                }
            }
            joins.push(tied.or(best_joins).unwrap_or_else(|| new_cluster(&mut new_clusters)));
            next_rep += 1;
            let rep = next_rep;
            new_rep_node.insert(rep, i);
            new_reps.insert(json, (rep, i));
            if let (Some(f), true) = (flush.as_mut(), postings_out.rows.len() >= POSTINGS_BUFFER) {
                f(&tok_names, &mut postings_out)?;
            }
            for t in &toks {
                // Every token was met, and cached, above.
                let Some(tok) = tok_cache.get_mut(t) else { continue };
                postings_out.rows.push((tok.id, (rep - postings_out.first_rep) as u32));
                tok.n += 1;
                tok.changed = true;
                if let Some(reps) = &mut tok.reps {
                    if reps.last() != Some(&rep) {
                        reps.push(rep);
                    }
                }
            }
        }
        mark("candidates");
        token_counts.extend(tok_cache.values().filter(|tok| tok.changed).map(|tok| (tok.id, tok.n)));
    }
    Ok(ClaimPlan { joins, new_reps, tokens: tok_names, postings: postings_out, token_counts })
}

/// The next new cluster.
fn new_cluster(count: &mut usize) -> Joins {
    *count += 1;
    Joins::New(*count - 1)
}

/// Writes what [`plan_new`] decided: the new representatives and their postings, the new
/// clusters, each new claim's cluster and the touched clusters' rows (stored counts plus the new
/// members'; clusters never merge, so no stored quote moves).
pub fn apply_new(tx: &Transaction, inputs: &[ClaimInput], plan: ClaimPlan) -> Result<Incremental> {
    let mut mark = debug_marks("claims");
    let ClaimPlan { joins, new_reps, tokens, mut postings, token_counts } = plan;
    {
        // Postings and token counts in key order: both tables are keyed by token, and rows
        // written in random token order dirty a page each once the table outgrows the page
        // cache (as the writer's name index did, BENCHMARKS "Round 7: ingest").
        let mut post = tx.prepare_cached("INSERT OR IGNORE INTO claim_postings(token, rep) VALUES (?1, ?2)")?;
        write_postings(&mut post, &tokens, &mut postings)?;
        let mut set_tok = tx.prepare_cached("INSERT INTO claim_tokens(token, n) VALUES (?1, ?2) ON CONFLICT(token) DO UPDATE SET n = excluded.n")?;
        let mut changed: Vec<(&str, i64)> = token_counts.iter().map(|&(t, n)| (tokens[t as usize].as_str(), n)).collect();
        write_sorted(&mut set_tok, &mut changed)?;
        mark("postings and counts");
    }
    // New clusters take the next ids, in order of their first member.
    let first_new: i64 = tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM claims", [], |r| r.get(0))?;
    let cluster_id = |j: Joins| match j {
        Joins::Stored(id) => id,
        Joins::New(k) => first_new + k as i64,
    };
    let new_claims = joins.iter().filter(|j| matches!(j, Joins::New(_))).map(|&j| cluster_id(j)).collect::<std::collections::HashSet<_>>().len() as u64;
    {
        // New representatives, in id order, with the cluster each joined.
        let mut reps: Vec<(i64, &str, usize)> = new_reps.iter().map(|(key, &(rep, i))| (rep, key.as_str(), i)).collect();
        reps.sort_unstable();
        let mut ins_rep = tx.prepare_cached("INSERT INTO claim_reps(id, key, claim) VALUES (?1, ?2, ?3)")?;
        for (rep, key, i) in reps {
            ins_rep.execute(params![rep, key, cluster_id(joins[i])])?;
        }
    }
    mark("representatives");
    // Each touched cluster's new members: their counts (articles counted below) and articles.
    let mut accs: HashMap<i64, (Counts, Vec<i64>)> = HashMap::new();
    {
        // The quotes in id order (the linking's newest rows, one page after the other), then
        // each claim's new quotes into the recent level of its members, in key order.
        let mut set = tx.prepare_cached("UPDATE attributions SET claim = ?1 WHERE id = ?2")?;
        for (c, &j) in inputs.iter().zip(&joins) {
            set.execute(params![cluster_id(j), c.id])?;
        }
        let mut rows: Vec<(i64, i64, i64)> = inputs.iter().zip(&joins).map(|(c, &j)| (cluster_id(j), c.article, c.id)).collect();
        let mut add = tx.prepare_cached("INSERT OR IGNORE INTO claim_members_recent(claim, article, id) VALUES (?1, ?2, ?3)")?;
        let written = write_sorted(&mut add, &mut rows)?;
        CLAIM_MEMBERS.settle(tx, written)?;
        for (c, &j) in inputs.iter().zip(&joins) {
            let id = cluster_id(j);
            let mut one = Counts { size: 1, label: Some((label_rank(c), c.id)), first_seen: c.published.clone(), ..Default::default() };
            if let Some(k) = [Stance::Asserts, Stance::Reports, Stance::Denies, Stance::Questions].iter().position(|s| *s == c.stance) {
                one.stances[k] = 1;
            }
            let (acc, articles) = accs.entry(id).or_default();
            acc.add(&one);
            articles.push(c.article);
        }
    }
    mark("members");
    let mut stored_row = tx.prepare_cached(
        "SELECT size, articles, asserts, reports, denies, questions, first_seen, label_stems, label_attribution FROM claims WHERE id = ?1",
    )?;
    let mut stored = |id: i64| -> Result<Option<Counts>> {
        Ok(stored_row
            .query_row([id], |r| {
                let label = match (r.get::<_, Option<i64>>(7)?, r.get::<_, Option<i64>>(8)?) {
                    (Some(rank), Some(attr)) => Some((rank, attr)),
                    _ => None,
                };
                Ok(Counts { size: r.get(0)?, articles: r.get(1)?, stances: [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?], first_seen: r.get(6)?, label })
            })
            .optional()?)
    };
    let mut insert = tx.prepare_cached(
        "INSERT INTO claims(id, label, size, articles, asserts, reports, denies, questions, disputed, first_seen, label_stems, label_attribution)
         VALUES (?1, (SELECT content FROM attributions WHERE id = ?11), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    // A stored cluster's label text is read again only when its label attribution changes: the
    // old one lies anywhere in the quotes table, so reading it was a random page per cluster.
    let mut update = tx.prepare_cached(
        "UPDATE claims SET size = ?2, articles = ?3, asserts = ?4, reports = ?5, denies = ?6, questions = ?7, disputed = ?8, first_seen = ?9,
           label_stems = ?10, label_attribution = ?11,
           label = CASE WHEN label_attribution IS ?11 THEN label ELSE (SELECT content FROM attributions WHERE id = ?11) END
         WHERE id = ?1",
    )?;
    for (id, (mut new, mut arts)) in accs {
        arts.sort();
        arts.dedup();
        new.articles = arts.len() as i64;
        // New attributions come from new articles, so they add to a cluster's articles.
        let (mut counts, is_stored) = match stored(id)? {
            Some(old) => (old, true),
            None => (Counts::default(), false),
        };
        counts.add(&new);
        let st = counts.stances;
        let disputed = st[0] + st[1] > 0 && st[2] > 0;
        let (rank, attr) = counts.label.map_or((None, None), |(r, a)| (Some(r), Some(a)));
        let write = if is_stored { &mut update } else { &mut insert };
        write.execute(params![
            id, counts.size, counts.articles, st[0], st[1], st[2], st[3], disputed, counts.first_seen, rank, attr
        ])?;
    }
    mark("cluster rows");
    Ok(Incremental { new_claims })
}

/// The state key: articles with an id up to this are in the copy index (`copy_bands`).
pub const COPIES_UPTO: &str = "copies_upto";

/// LSH bucket keys of a signature: `(band, hash of the band's values)`, for near copies (rows of
/// 4) and, under `100 + band`, for copies credited to `wire` (rows of 2, within the agency).
fn band_keys(sig: &[u32], wire: Option<&str>) -> Vec<(i64, i64)> {
    use crate::copies::NUM_HASHES;
    let mut out = vec![];
    if sig.len() < NUM_HASHES || sig[0] == u32::MAX {
        return out;
    }
    let hash = |salt: &str, vals: &[u32]| -> i64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in salt.bytes().chain(vals.iter().flat_map(|v| v.to_le_bytes())) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h as i64
    };
    for b in 0..NUM_HASHES / 4 {
        out.push((b as i64, hash("", &sig[b * 4..(b + 1) * 4])));
    }
    if let Some(w) = wire {
        for b in 0..NUM_HASHES / 2 {
            out.push((100 + b as i64, hash(w, &sig[b * 2..(b + 1) * 2])));
        }
    }
    out
}

/// The bucket of the copy index that holds articles by their text's hash: exact copies (schema
/// v17; before, an index on `articles(text_hash)` that ingest wrote at a random key per article).
pub const EXACT_BAND: i64 = -1;

/// The exact-copy bucket of a text hash (hex SHA-256): its first 64 bits. Members of a bucket
/// are checked against the whole hash, so a collision costs a read, never a wrong copy.
fn exact_key(text_hash: &str) -> (i64, i64) {
    let bits = text_hash.get(..16).and_then(|h| u64::from_str_radix(h, 16).ok()).unwrap_or(0);
    (EXACT_BAND, bits as i64)
}

/// Articles a bucket of the copy index keeps: its earliest ones. A new article is compared with
/// these only (as a full run compares it, [`crate::copies::link_copies`]), so a row past them
/// would never be read (13.8% of the rows at 200,000 articles were).
pub const BUCKET_ROWS: usize = 8;

/// Rebuilds the copy index from every stored article, all in its main level.
pub fn rebuild_copy_index(tx: &Transaction, arts: &[crate::copies::CopyInput]) -> Result<()> {
    COPY_INDEX.clear(tx)?;
    let mut rows: Vec<(i64, i64, i64)> = vec![];
    for a in arts {
        let (b, h) = exact_key(&a.hash);
        rows.push((b, h, a.id));
        for (b, h) in band_keys(&a.sig, a.wire.as_deref()) {
            rows.push((b, h, a.id));
        }
    }
    rows.sort_unstable();
    rows.dedup();
    // The earliest `BUCKET_ROWS` of each bucket.
    let mut kept: Vec<(i64, i64, i64)> = Vec::with_capacity(rows.len());
    let mut run = 0usize;
    for (i, r) in rows.iter().enumerate() {
        run = if i > 0 && (rows[i - 1].0, rows[i - 1].1) == (r.0, r.1) { run + 1 } else { 0 };
        if run < BUCKET_ROWS {
            kept.push(*r);
        }
    }
    let rows = write_sorted(&mut tx.prepare_cached("INSERT OR IGNORE INTO copy_bands(band, hash, article) VALUES (?1, ?2, ?3)")?, &mut kept)?;
    COPY_INDEX.filled(tx, rows)
}

/// Adds the new bucket rows to the copy index's recent level ([`crate::levels::COPY_INDEX`]).
const INSERT_RECENT_BANDS: &str = "INSERT OR IGNORE INTO copy_bands_recent(band, hash, article) VALUES (?1, ?2, ?3)";

struct Art {
    id: i64,
    hash: String,
    published: Option<String>,
    wire: Option<String>,
    sig: Vec<u32>,
}

fn load_art(tx: &rusqlite::Connection, id: i64) -> Result<Art> {
    let mut st = tx.prepare_cached("SELECT text_hash, published, wire, minhash FROM articles WHERE id = ?1")?;
    Ok(st.query_row([id], |r| {
        let blob: Vec<u8> = r.get(3)?;
        Ok(Art { id, hash: r.get(0)?, published: r.get(1)?, wire: r.get(2)?, sig: crate::copies::decode(&blob) })
    })?)
}

/// A stored article's signature, through the index of signatures (schema v24): the row has it
/// behind the text, so reading it from the row walks the text's overflow pages.
pub(crate) const SIGNATURE_OF: &str = "SELECT minhash FROM articles INDEXED BY articles_minhash WHERE id = ?1";

/// New articles whose stored buckets of the copy index (the main level's in key order), and then
/// the signatures of the articles in them (in id order), the copy plan reads together (~17
/// buckets an article, each with up to [`BUCKET_ROWS`] ids: a few MB).
const PROBE_CHUNK: usize = 4096;

/// Bucket rows held before they are written in key order (~30 bytes a row, so ~8 MB), when the
/// plan is made on the writing connection.
const BANDS_BUFFER: usize = 1 << 18;

/// Writes the held bucket rows in key order and empties the buffer; returns the rows written.
fn write_bands(ins: &mut rusqlite::CachedStatement<'_>, pending: &mut Bands) -> Result<usize> {
    let mut rows = pending.drain();
    write_sorted(ins, &mut rows)
}

/// What [`plan_new_copies`] decided, before anything is written: the new articles' bucket rows
/// and the components of new articles and the stored roots they met.
pub struct CopyPlan {
    bands: Bands,
    comps: Vec<Vec<i64>>,
}

/// Links the articles with id above `upto` to the stored copy clusters ([`plan_new_copies`],
/// then [`apply_new_copies`]).
pub fn link_new_copies(tx: &Transaction, upto: i64) -> Result<()> {
    let mut ins = tx.prepare_cached(INSERT_RECENT_BANDS)?;
    let mut flushed = 0;
    let mut flush = |pending: &mut Bands| -> Result<()> {
        flushed += write_bands(&mut ins, pending)?;
        Ok(())
    };
    let plan = plan_new_copies(tx, upto, Some(&mut flush))?;
    drop(ins);
    apply_copies(tx, upto, plan, flushed)
}

/// Writes held bucket rows on the writing connection.
pub type FlushBands<'a> = &'a mut dyn FnMut(&mut Bands) -> Result<()>;

/// New bucket rows not yet written, by bucket (band, hash), in article id order. Most buckets
/// get one new article, held inline; only the others hold a list (~30 bytes a row, not ~90).
#[derive(Default)]
pub struct Bands {
    first: HashMap<(i64, i64), i64>,
    more: HashMap<(i64, i64), Vec<i64>>,
    rows: usize,
}

impl Bands {
    /// The new articles of a bucket, in id order.
    fn of(&self, key: (i64, i64)) -> impl Iterator<Item = i64> + '_ {
        self.first.get(&key).copied().into_iter().chain(self.more.get(&key).into_iter().flatten().copied())
    }

    /// How many new articles a bucket holds.
    fn count(&self, key: (i64, i64)) -> usize {
        self.first.contains_key(&key) as usize + self.more.get(&key).map_or(0, Vec::len)
    }

    /// Adds article `y`, at least as recent as every article held.
    fn add(&mut self, key: (i64, i64), y: i64) {
        match self.first.get(&key) {
            None => {
                self.first.insert(key, y);
            }
            Some(&x) if x == y => return,
            Some(_) => {
                let more = self.more.entry(key).or_default();
                if more.last() == Some(&y) {
                    return;
                }
                more.push(y);
            }
        }
        self.rows += 1;
    }

    /// Every row.
    fn iter(&self) -> impl Iterator<Item = (i64, i64, i64)> + '_ {
        let first = self.first.iter().map(|(&(b, h), &y)| (b, h, y));
        first.chain(self.more.iter().flat_map(|(&(b, h), ys)| ys.iter().map(move |&y| (b, h, y))))
    }

    /// Every row, emptied.
    fn drain(&mut self) -> Vec<(i64, i64, i64)> {
        let mut rows: Vec<(i64, i64, i64)> = Vec::with_capacity(self.rows);
        rows.extend(self.first.drain().map(|((b, h), y)| (b, h, y)));
        rows.extend(self.more.drain().flat_map(|((b, h), ys)| ys.into_iter().map(move |y| (b, h, y))));
        self.rows = 0;
        rows
    }
}

/// Finds the copies of the articles with id above `upto`, reading only: `conn` may be a second
/// connection on the same snapshot, so this runs beside the speaker step (crate::store). The
/// pairs compared are those of a full run ([`crate::copies::link_copies`]: same text hash; the
/// first 8 earlier articles of each LSH bucket), so the clusters are the same (up to 64-bit
/// bucket-hash collisions). The new bucket rows are held until [`apply_new_copies`] (~30 bytes
/// each, 12 to 36 per article), or given to `flush` (on the writing connection, so that later
/// lookups read them back) whenever [`BANDS_BUFFER`] are held.
pub fn plan_new_copies(tx: &rusqlite::Connection, upto: i64, mut flush: Option<FlushBands<'_>>) -> Result<CopyPlan> {
    use crate::copies::{similarity, NEAR_THRESHOLD, WIRE_THRESHOLD};
    let new: Vec<i64> = {
        let mut st = tx.prepare("SELECT id FROM articles WHERE id > ?1 ORDER BY id")?;
        let rows = st.query_map([upto], |r| r.get(0))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    // Nodes: article ids; a stored article stands for its cluster's root.
    let mut node: HashMap<i64, usize> = HashMap::new();
    let mut ids: Vec<i64> = vec![];
    let mut dsu = Dsu::new(0);
    fn node_of(node: &mut HashMap<i64, usize>, ids: &mut Vec<i64>, dsu: &mut Dsu, id: i64) -> usize {
        *node.entry(id).or_insert_with(|| {
            ids.push(id);
            dsu.grow(ids.len());
            ids.len() - 1
        })
    }
    let mut root_of = tx.prepare_cached("SELECT root FROM copies WHERE article = ?1")?;
    let mut hash_of = tx.prepare_cached("SELECT text_hash FROM articles WHERE id = ?1")?;
    // The band goes through CAST: SQLite re-prepares a statement whenever a parameter compared by
    // `=` changes to or from 0 or 1 (its row estimate treats small integers apart), which the
    // band numbers 0, 1, 2, ... did twice per article (a fifth of this step's instructions).
    let mut main_bucket = tx.prepare_cached(&format!("SELECT article FROM copy_bands WHERE band = CAST(?1 AS INTEGER) AND hash = ?2 ORDER BY article LIMIT {BUCKET_ROWS}"))?;
    // The recent level, read whole in key order: it is small (merged into the main level at about
    // sqrt(2 · main · written) rows: ~24 bytes a row, 22 MB at 200,000 articles), and a binary
    // search in it costs less than a second B-tree seek per bucket (the planner's copy plan
    // became the linking's critical path with one). Rows this plan flushes are added to it.
    let mut recent: Vec<(i64, i64, i64)> = {
        let mut st = tx.prepare("SELECT band, hash, article FROM copy_bands_recent")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    recent.sort_unstable();
    let mut sig_of = tx.prepare_cached(SIGNATURE_OF)?;
    // Bucket heads recur (the first 8 of a bucket are met by every later member), so their
    // signatures and stored roots are read once (`copies` is not written until the end);
    // bounded, cleared when full.
    const CACHED: usize = 65_536;
    let mut sigs: HashMap<i64, Vec<u32>> = HashMap::new();
    let mut roots: HashMap<i64, i64> = HashMap::new();
    // The new articles' bucket rows, written in key order by `apply_new_copies`: `copy_bands`
    // is keyed by a hash, so rows written as each article is met dirty a page each once the
    // table outgrows the page cache (BENCHMARKS "Round 7: ingest").
    let mut pending = Bands::default();
    for chunk in new.chunks(PROBE_CHUNK) {
        let arts: Vec<Art> = chunk.iter().map(|&y| load_art(tx, y)).collect::<Result<_>>()?;
        let keys_of: Vec<Vec<(i64, i64)>> = arts.iter().map(|a| band_keys(&a.sig, a.wire.as_deref())).collect();
        // The chunk's stored buckets, the main level's read in key order: one seek per bucket
        // at a random place read most of the level's pages from the OS once it outgrew the page
        // cache (the copy plan grew from 0.5 to 1.8 s per linking from 30,000 to 210,000
        // articles); in key order, consecutive seeks fall on the same pages. (The recent level
        // changes only where the plan flushes, after a chunk.)
        let stored = {
            let mut probes: Vec<(i64, i64)> = arts.iter().map(|a| exact_key(&a.hash)).chain(keys_of.iter().flatten().copied()).collect();
            probes.sort_unstable();
            probes.dedup();
            let mut stored: HashMap<(i64, i64), Vec<i64>> = HashMap::new();
            for (b, h) in probes {
                // A bucket's earliest articles over both levels (the recent level's are the later
                // ones, but a sort of at most 16 ids costs nothing to be sure).
                let mut xs: Vec<i64> = main_bucket.query_map(params![b, h], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
                if xs.len() < BUCKET_ROWS {
                    let first = recent.partition_point(|r| (r.0, r.1) < (b, h));
                    xs.extend(recent[first..].iter().take_while(|r| (r.0, r.1) == (b, h)).map(|r| r.2));
                    xs.sort_unstable();
                    xs.truncate(BUCKET_ROWS);
                }
                if !xs.is_empty() {
                    stored.insert((b, h), xs);
                }
            }
            stored
        };
        // Their articles' signatures, in id order for the same reason (~45,000 for 10,000 new
        // articles at 230,000): the chunk's that are not held yet.
        {
            let near = stored.iter().filter(|(k, _)| k.0 != EXACT_BAND).flat_map(|(_, xs)| xs);
            let mut want: Vec<i64> = near.copied().collect();
            want.sort_unstable();
            want.dedup();
            if sigs.len() + want.len() > CACHED {
                sigs.clear();
            }
            want.retain(|x| !sigs.contains_key(x));
            for x in want {
                let blob: Vec<u8> = sig_of.query_row([x], |r| r.get(0))?;
                sigs.insert(x, crate::copies::decode(&blob));
            }
        }
        for (a, keys) in arts.into_iter().zip(keys_of) {
            let y = a.id;
            let ny = node_of(&mut node, &mut ids, &mut dsu, y);
            let mut cands: Vec<(i64, f32)> = vec![];
            // The earliest article with the same text: the exact bucket's members in id order, the
            // stored ones then this linking's, each checked against the whole hash.
            let exact = exact_key(&a.hash);
            let stored_exact = stored.get(&exact).cloned().unwrap_or_default();
            // A bucket keeps its earliest `BUCKET_ROWS` articles: this one joins the buckets with room.
            let mut with_room: Vec<(i64, i64)> = vec![];
            if stored_exact.len() + pending.count(exact) < BUCKET_ROWS {
                with_room.push(exact);
            }
            for x in stored_exact.into_iter().chain(pending.of(exact)) {
                if hash_of.query_row([x], |r| r.get::<_, String>(0))? == a.hash {
                    cands.push((x, f32::MAX));
                    break;
                }
            }
            for &(b, h) in &keys {
                let threshold = if b >= 100 { WIRE_THRESHOLD } else { NEAR_THRESHOLD };
                let mut xs = stored.get(&(b, h)).cloned().unwrap_or_default();
                // This linking's rows not yet written come after the stored ones (higher ids).
                let room = BUCKET_ROWS.saturating_sub(xs.len());
                xs.extend(pending.of((b, h)).take(room));
                if xs.len() < BUCKET_ROWS {
                    with_room.push((b, h));
                }
                for x in xs {
                    cands.push((x, threshold));
                }
            }
            for (x, threshold) in cands {
                if threshold != f32::MAX {
                    if !sigs.contains_key(&x) {
                        let blob: Vec<u8> = sig_of.query_row([x], |r| r.get(0))?;
                        if sigs.len() >= CACHED {
                            sigs.clear();
                        }
                        sigs.insert(x, crate::copies::decode(&blob));
                    }
                    if similarity(&sigs[&x], &a.sig) < threshold {
                        continue;
                    }
                }
                let r = if node.contains_key(&x) {
                    x
                } else if let Some(&r) = roots.get(&x) {
                    r
                } else {
                    let r = root_of.query_row([x], |r| r.get::<_, i64>(0)).optional()?.unwrap_or(x);
                    if roots.len() >= CACHED {
                        roots.clear();
                    }
                    roots.insert(x, r);
                    r
                };
                let nx = node_of(&mut node, &mut ids, &mut dsu, r);
                dsu.union(nx, ny);
            }
            for key in with_room {
                pending.add(key, y);
            }
        }
        if let (Some(f), true) = (flush.as_mut(), pending.rows >= BANDS_BUFFER) {
            recent.extend(pending.iter());
            recent.sort_unstable();
            f(&mut pending)?;
        }
    }
    let mut comps: HashMap<usize, Vec<i64>> = HashMap::new();
    for (i, &id) in ids.iter().enumerate() {
        let r = dsu.find(i);
        comps.entry(r).or_default().push(id);
    }
    let mut comps: Vec<Vec<i64>> = comps.into_values().filter(|c| c.len() > 1).collect();
    comps.sort();
    Ok(CopyPlan { bands: pending, comps })
}

/// Writes what [`plan_new_copies`] found: the bucket rows, in key order, and the copy rows of
/// each component that met another article.
pub fn apply_new_copies(tx: &Transaction, upto: i64, plan: CopyPlan) -> Result<()> {
    apply_copies(tx, upto, plan, 0)
}

/// [`apply_new_copies`] after `flushed` rows of the plan were written while it was made.
fn apply_copies(tx: &Transaction, upto: i64, plan: CopyPlan, flushed: usize) -> Result<()> {
    use crate::copies::similarity;
    let CopyPlan { bands: mut pending, comps } = plan;
    let written = flushed + write_bands(&mut tx.prepare_cached(INSERT_RECENT_BANDS)?, &mut pending)?;
    COPY_INDEX.settle(tx, written)?;
    // Components with more than one member. The nodes of a component are its new articles and
    // the stored roots (or stored articles without a copy) they met; a stored root is the earliest
    // of its cluster, so the earliest of the nodes is the earliest of the component. Rows are
    // rewritten only where the root changes: the nodes, and the stored members of a root that is
    // no longer one; the cluster of the root that stays keeps its rows, which are the same values
    // (a member's row depends on it and its root alone). Before, every stored member of every
    // cluster met was read and rewritten on each linking, a cost that grew with the clusters.
    let mut members_of = tx.prepare_cached("SELECT article FROM copies WHERE root = ?1 AND article != ?1")?;
    let mut put = tx.prepare_cached("INSERT OR REPLACE INTO copies(article, root, kind, similarity) VALUES (?1, ?2, ?3, ?4)")?;
    let row = |m: &Art, root: &Art| -> (&'static str, f64) {
        let (kind, sim) = crate::copies::link_kind(m.hash == root.hash, similarity(&m.sig, &root.sig), m.wire.is_some());
        (kind, sim as f64)
    };
    for mut heads in comps {
        heads.sort();
        heads.dedup();
        if heads.len() < 2 {
            continue;
        }
        let arts: Vec<Art> = heads.iter().map(|&m| load_art(tx, m)).collect::<Result<_>>()?;
        let Some(root) = arts.iter().min_by(|x, y| (x.published.is_none(), &x.published, x.id).cmp(&(y.published.is_none(), &y.published, y.id))) else {
            continue;
        };
        for m in &arts {
            if m.id == root.id {
                put.execute(params![m.id, m.id, "original", 1.0f64])?;
                continue;
            }
            let (kind, sim) = row(m, root);
            put.execute(params![m.id, root.id, kind, sim])?;
            if m.id > upto {
                continue; // a new article: no stored members
            }
            let ms: Vec<i64> = members_of.query_map([m.id], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
            for id in ms {
                let a = load_art(tx, id)?;
                let (kind, sim) = row(&a, root);
                put.execute(params![a.id, root.id, kind, sim])?;
            }
        }
    }
    Ok(())
}

/// The quotes stored since the last linking join their speakers' lists, in the recent level of
/// `speaker_quotes` ([`SPEAKER_QUOTES`]), which is merged into the main one when due.
pub fn sync_speaker_quotes(tx: &Transaction) -> Result<()> {
    let written = tx.execute(crate::schema::SYNC_SPEAKER_QUOTES, [])?;
    tx.execute(crate::schema::SPEAKER_QUOTES_SYNCED, [])?;
    SPEAKER_QUOTES.settle(tx, written)?;
    Ok(())
}

/// State keys: entities and attributions with ids up to these are in the speaker index.
pub const SPEAKERS_ENTITIES_UPTO: &str = "speakers_entities_upto";
pub const SPEAKERS_ATTRIBUTIONS_UPTO: &str = "speakers_attributions_upto";

/// The runs of `entity_names` as a table `runs(run)`, one seek each (the table's key begins with
/// the run): the head of the queries that read every run.
macro_rules! name_runs {
    () => {
        "WITH RECURSIVE runs(run) AS (
        SELECT min(run) FROM entity_names
        UNION ALL
        SELECT (SELECT min(x.run) FROM entity_names x WHERE x.run > runs.run) FROM runs WHERE runs.run IS NOT NULL)"
    };
}

/// The stored entities of a name (?1) with ids up to ?2, in id order, through `entity_names`
/// (which holds every entity up to [`SPEAKERS_ENTITIES_UPTO`]; a row whose entity is gone, or
/// whose id was reused by another name, matches nothing). The table is a short list of runs, one
/// per linking (see [`add_entity_names`]): the name is looked up in each, found by one seek each.
pub(crate) const NAME_MEMBERS: &str = concat!(
    name_runs!(),
    " SELECT e.id, e.article, e.kind, e.roles FROM runs
    JOIN entity_names n ON n.run = runs.run AND n.name = ?1 AND n.entity <= ?2
    JOIN entities e ON e.id = n.entity AND e.name = n.name
    ORDER BY n.entity"
);

/// Runs of `entity_names` beyond which a linking folds them into one.
const NAME_RUNS: i64 = 64;

/// Adds the entities with ids above `upto` to `entity_names` as a run of their own, keyed by
/// `upto`, in name order. Runs only grow, so the new rows go after every stored one: a linking
/// writes pages for its own rows alone. (Keyed by name alone, the rows fell on every page of the
/// table, so each linking rewrote most of it: 16,717 pages at 210,000 articles.) Lookups are by
/// name, rare (the names whose speaker changed), and seek once per run; at [`NAME_RUNS`] runs the
/// table is folded into one, a rewrite once in that many linkings.
fn add_entity_names(tx: &Transaction, upto: i64) -> Result<()> {
    tx.execute("INSERT OR IGNORE INTO entity_names(run, name, entity) SELECT ?1, name, id FROM entities WHERE id > ?1 ORDER BY name, id", [upto])?;
    let runs: i64 = tx.query_row(concat!(name_runs!(), " SELECT count(run) FROM runs"), [], |r| r.get(0))?;
    if runs > NAME_RUNS {
        tx.execute_batch(
            "INSERT OR IGNORE INTO entity_names(run, name, entity) SELECT 0, name, entity FROM entity_names WHERE run > 0 ORDER BY name, entity;
             DELETE FROM entity_names WHERE run > 0;",
        )?;
    }
    Ok(())
}

/// Rebuilds the speaker index (`entity_groups`, `source_names`, `entity_names`) after a full
/// resolution.
pub fn rebuild_speaker_index(
    tx: &Transaction,
    groups: &[crate::speakers::EntityInput],
    sources: &[(String, usize)],
    res: &crate::speakers::Resolution,
    agent_ids: &[i64],
) -> Result<()> {
    tx.execute_batch("DELETE FROM entity_groups; DELETE FROM source_names; DELETE FROM entity_names;")?;
    add_entity_names(tx, 0)?;
    let lex = crate::text::lexicon();
    let mut ins = tx.prepare_cached("INSERT INTO entity_groups(name, kind, roles, n, agent, family) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    for g in groups {
        let agent = res.entity_agent.get(&g.id).map(|&ai| agent_ids[ai]);
        let key = lex.name_key(&g.name);
        ins.execute(params![g.name, g.kind, g.roles_json, g.count as i64, agent, family(&key)])?;
    }
    let mut ins = tx.prepare_cached("INSERT INTO source_names(name, n, agent, family) VALUES (?1, ?2, ?3, ?4)")?;
    for (name, n) in sources {
        let key = lex.name_key(name);
        let agent = res.agent_of_key(&key).map(|ai| agent_ids[ai]);
        ins.execute(params![name, *n as i64, agent, family(&key)])?;
    }
    Ok(())
}

/// Above this many surname families, a linking reads the speaker index whole and keeps their
/// rows, rather than one range of the family index per family (each row then a lookup).
const SCAN_FAMILIES: usize = 1_000;

/// Rows of `columns` of a speaker-index table: all of them, or those of `families`, in the order
/// a scan of the whole table gives (`order`: its primary key's).
fn index_rows<T>(
    tx: &Transaction,
    columns: &str,
    table: &str,
    families: Option<&[&String]>,
    row: impl Fn(&rusqlite::Row) -> rusqlite::Result<T>,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Result<Vec<T>> {
    let select = format!("SELECT {columns} FROM {table}");
    let Some(families) = families else {
        let mut st = tx.prepare(&select)?;
        let rows = st.query_map([], row)?;
        return Ok(rows.collect::<std::result::Result<_, _>>()?);
    };
    if families.len() > SCAN_FAMILIES {
        // Many families (a large linking of names seen before): most of the table, so one pass
        // over it beats a range of the family index and a lookup of the row per name.
        let wanted: std::collections::HashSet<&str> = families.iter().map(|f| f.as_str()).collect();
        let mut st = tx.prepare(&format!("SELECT {columns}, family FROM {table}"))?;
        let mut rows = st.query([])?;
        let mut v = vec![];
        while let Some(r) = rows.next()? {
            let family = r.get_ref(r.as_ref().column_count() - 1)?.as_str().unwrap_or_default();
            if wanted.contains(family) {
                v.push(row(r)?);
            }
        }
        v.sort_by(order);
        return Ok(v);
    }
    let mut st = tx.prepare_cached(&format!("{select} WHERE family = ?1"))?;
    let mut v = vec![];
    for f in families {
        for r in st.query_map([f], &row)? {
            v.push(r?);
        }
    }
    v.sort_by(order);
    Ok(v)
}

/// Resolves speakers with the entities and attributions stored since the last linking: their
/// names are counted into the speaker index, the names of every surname family they touch
/// ([`crate::speakers::family`]) are resolved again (the same resolution as from scratch:
/// [`crate::speakers::resolve`] over the same counts; other families cannot change), and rows
/// are written only for the new entities and attributions and for the names whose agent
/// changed. Speaker counts grow by the new quotes; speakers whose old quotes moved are counted
/// again. With `every_family`, every distinct name is resolved (the key map is then complete,
/// as a full claim clustering needs); else the key map holds the touched families' keys.
/// `resolved` is called with the resolution as soon as it is made, before anything is written.
pub fn link_new_speakers(
    tx: &Transaction,
    ent_upto: i64,
    attr_upto: i64,
    every_family: bool,
    resolved: &mut dyn FnMut(&crate::speakers::Resolution),
) -> Result<crate::speakers::Resolution> {
    use crate::speakers::{resolve, EntityInput};
    use std::collections::HashSet;
    let mut mark = debug_marks("speakers");
    let lex = crate::text::lexicon();
    // Groups first seen now: all their entities are new, so a change of agent rewrites nothing old.
    let mut created: HashSet<(String, String, String)> = HashSet::new();
    // Families of the new names: only their names can resolve differently now.
    let mut touched: HashSet<String> = HashSet::new();
    let mut touch = |name: &str| -> String {
        let key = lex.name_key(name);
        let f = family(&key).to_string();
        if !key.is_empty() && !touched.contains(&f) {
            touched.insert(f.clone());
        }
        f
    };
    // The new entities: (id, their group in `new_groups`, the agent stored with them: ingest
    // stores the agent the name had at the last linking, so only changed rows are written).
    let mut new_groups: Vec<(String, String, String)> = vec![];
    let mut new_ents: Vec<(i64, usize, Option<i64>)> = vec![];
    {
        let mut st = tx.prepare("SELECT id, name, kind, roles, agent FROM entities WHERE id > ?1")?;
        let mut up = tx.prepare_cached(
            "INSERT INTO entity_groups(name, kind, roles, n, family) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(name, kind, roles) DO UPDATE SET n = n + ?4",
        )?;
        let mut exists = tx.prepare_cached("SELECT 1 FROM entity_groups WHERE name = ?1 AND kind = ?2 AND roles = ?3")?;
        // Counted here first: one lookup and one upsert per distinct group, not per entity.
        let mut index: HashMap<(String, String, String), usize> = HashMap::new();
        let mut counts: Vec<i64> = vec![];
        let mut rows = st.query([ent_upto])?;
        while let Some(r) = rows.next()? {
            let key = (r.get::<_, String>(1)?, r.get::<_, String>(2)?, crate::speakers::roles_key_of(r.get(3)?));
            let g = match index.get(&key) {
                Some(&g) => g,
                None => {
                    index.insert(key.clone(), new_groups.len());
                    new_groups.push(key);
                    counts.push(0);
                    new_groups.len() - 1
                }
            };
            counts[g] += 1;
            new_ents.push((r.get(0)?, g, r.get(4)?));
        }
        // In key order: the groups of a linking are spread over the whole index, and met in
        // key order each of its pages is read and dirtied once, not once per group.
        let mut order: Vec<usize> = (0..new_groups.len()).collect();
        order.sort_unstable_by(|&a, &b| new_groups[a].cmp(&new_groups[b]));
        for (key, n) in order.iter().map(|&g| (&new_groups[g], &counts[g])) {
            if !exists.exists(params![key.0, key.1, key.2])? {
                created.insert(key.clone());
            }
            let f = touch(&key.0);
            up.execute(params![key.0, key.1, key.2, n, f])?;
        }
    }
    // New quotes with a named source and no speaker entity: (id, name, stored agent).
    let new_sources: Vec<(i64, String, Option<i64>)> = {
        let mut st = tx.prepare(
            "SELECT id, source, agent FROM attributions WHERE id > ?1 AND speaker_entity IS NULL AND source_kind = 'named' AND source IS NOT NULL",
        )?;
        let rows = st.query_map([attr_upto], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<i64>>(2)?)))?;
        let mut v = vec![];
        for row in rows {
            let (id, s, agent) = row?;
            if let Some(n) = lex.name_in_source(&s) {
                v.push((id, n, agent));
            }
        }
        v
    };
    mark("new names");
    let mut old_source_names: HashSet<String> = HashSet::new();
    {
        let mut exists = tx.prepare_cached("SELECT 1 FROM source_names WHERE name = ?1")?;
        let mut up = tx.prepare_cached("INSERT INTO source_names(name, n, family) VALUES (?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET n = n + ?2")?;
        let mut new_counts: HashMap<&str, i64> = HashMap::new();
        for (_, n, _) in &new_sources {
            *new_counts.entry(n.as_str()).or_default() += 1;
        }
        for (n, count) in new_counts {
            if exists.exists([n])? {
                old_source_names.insert(n.to_string());
            }
            let f = touch(n);
            up.execute(params![n, count, f])?;
        }
    }
    // Every distinct name of the touched families (or of all), with its count and the agent it
    // had, in the order of a scan of the whole index (its primary key), which `resolve` sees.
    let mut families: Vec<&String> = touched.iter().collect();
    families.sort();
    type GroupRow = (String, String, String, i64, Option<i64>);
    let group_row = |r: &rusqlite::Row| -> rusqlite::Result<GroupRow> { Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)) };
    let families = (!every_family).then_some(&families[..]);
    let loaded: Vec<GroupRow> = index_rows(tx, "name, kind, roles, n, agent", "entity_groups", families, group_row, |a, b| {
        (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2))
    })?;
    let mut groups: Vec<EntityInput> = Vec::with_capacity(loaded.len());
    let mut group_rows: Vec<(String, Option<i64>)> = Vec::with_capacity(loaded.len());
    for (name, kind, roles_json, n, agent) in loaded {
        let roles = crate::speakers::role_texts(&roles_json);
        groups.push(EntityInput {
            id: groups.len() as i64,
            name,
            kind,
            roles,
            count: n.max(0) as usize,
            roles_json: roles_json.clone(),
        });
        group_rows.push((roles_json, agent));
    }
    let source_row = |r: &rusqlite::Row| -> rusqlite::Result<(String, usize, Option<i64>)> { Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as usize, r.get::<_, Option<i64>>(2)?)) };
    let sources: Vec<(String, usize, Option<i64>)> =
        index_rows(tx, "name, n, agent", "source_names", families, source_row, |a, b| a.0.cmp(&b.0))?;
    let extra: Vec<(String, usize)> = sources.iter().map(|(n, c, _)| (n.clone(), *c)).collect();
    mark(&format!("load groups ({} groups, {} sources, {} families)", groups.len(), sources.len(), touched.len()));
    let res = resolve(&groups, &extra);
    resolved(&res);
    mark("resolve");
    // Agents are keyed by a resolved name key, which is one of the resolved keys: those of the
    // families read are the ones this resolution may add, change or drop.
    let scope: Option<HashSet<&str>> = (!every_family).then(|| res.key_map.keys().map(String::as_str).collect());
    let agent_ids = crate::store::store_agents(tx, &res.agents, scope.as_ref())?;
    mark("store agents");
    // Agents whose old quotes change: counted again at the end.
    let mut recount: HashSet<i64> = HashSet::new();
    {
        let mut set_group = tx.prepare_cached("UPDATE entity_groups SET agent = ?4 WHERE name = ?1 AND kind = ?2 AND roles = ?3")?;
        // Old entities of groups that changed agent, found by one scan per name (a name has
        // many (kind, roles) groups; one lookup per group re-read the name's rows each time).
        let mut changed: HashMap<&str, HashMap<(&str, &str), Option<i64>>> = HashMap::new();
        for (g, (roles_json, old)) in groups.iter().zip(&group_rows) {
            let new = res.entity_agent.get(&g.id).map(|&ai| agent_ids[ai]);
            if new == *old {
                continue;
            }
            set_group.execute(params![g.name, g.kind, roles_json, new])?;
            if created.contains(&(g.name.clone(), g.kind.clone(), roles_json.clone())) {
                continue;
            }
            recount.extend(old.iter().chain(new.iter()).copied());
            changed.entry(g.name.as_str()).or_default().insert((g.kind.as_str(), roles_json.as_str()), new);
        }
        let mut members = tx.prepare_cached(NAME_MEMBERS)?;
        let mut set_ent = tx.prepare_cached("UPDATE entities SET agent = ?2 WHERE id = ?1")?;
        let mut set_quotes = tx.prepare_cached("UPDATE attributions SET agent = ?3 WHERE article = ?1 AND speaker_entity = ?2")?;
        for (name, by_group) in &changed {
            let ms: Vec<(i64, i64, String, String)> = members
                .query_map(params![name, ent_upto], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<std::result::Result<_, _>>()?;
            for (id, article, kind, roles) in ms {
                if let Some(new) = by_group.get(&(kind.as_str(), &*crate::speakers::roles_key(&roles))) {
                    set_ent.execute(params![id, new])?;
                    set_quotes.execute(params![article, id, new])?;
                }
            }
        }
    }
    mark(&format!("changed groups ({} agents to recount)", recount.len()));
    add_entity_names(tx, ent_upto)?;
    mark("entity names");
    // New entities take their group's agent, new quotes with a speaker entity its agent; only
    // rows whose stored agent differs are written.
    let mut set_quote = tx.prepare_cached("UPDATE attributions SET agent = ?2 WHERE id = ?1")?;
    {
        let loaded: HashMap<(&str, &str, &str), i64> = groups
            .iter()
            .map(|g| ((g.name.as_str(), g.kind.as_str(), g.roles_json.as_str()), g.id))
            .collect();
        // A group outside the families read (a name without a key) keeps its stored agent.
        let mut stored = tx.prepare_cached("SELECT agent FROM entity_groups WHERE name = ?1 AND kind = ?2 AND roles = ?3")?;
        let mut group_agent: Vec<Option<i64>> = Vec::with_capacity(new_groups.len());
        for (name, kind, roles) in &new_groups {
            group_agent.push(match loaded.get(&(name.as_str(), kind.as_str(), roles.as_str())) {
                Some(g) => res.entity_agent.get(g).map(|&ai| agent_ids[ai]),
                None => stored.query_row(params![name, kind, roles], |r| r.get(0)).optional()?.flatten(),
            });
        }
        let mut set_ent = tx.prepare_cached("UPDATE entities SET agent = ?2 WHERE id = ?1")?;
        let mut agent_of: HashMap<i64, Option<i64>> = HashMap::with_capacity(new_ents.len());
        let mut written = 0usize;
        for &(id, g, old) in &new_ents {
            let new = group_agent[g];
            if new != old {
                set_ent.execute(params![id, new])?;
                written += 1;
            }
            agent_of.insert(id, new);
        }
        mark(&format!("new entities ({written} of {} written)", new_ents.len()));
        let quotes: Vec<(i64, i64, Option<i64>)> = {
            let mut st = tx.prepare("SELECT id, speaker_entity, agent FROM attributions WHERE id > ?1 AND speaker_entity IS NOT NULL")?;
            let rows = st.query_map([attr_upto], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let mut entity_agent = tx.prepare_cached("SELECT agent FROM entities WHERE id = ?1")?;
        let mut written = 0usize;
        for &(id, entity, old) in &quotes {
            let new = match agent_of.get(&entity) {
                Some(&a) => a,
                None => entity_agent.query_row([entity], |r| r.get(0)).optional()?.flatten(),
            };
            if new != old {
                set_quote.execute(params![id, new])?;
                written += 1;
            }
        }
        mark(&format!("new quotes of entities ({written} of {} written)", quotes.len()));
    }
    // Named sources: new quotes take their name's agent; a name that changed agent moves its
    // stored quotes (below).
    // Names that changed speaker and have stored quotes: (name, the speaker it had).
    let mut moved_names: Vec<(&String, Option<i64>)> = vec![];
    {
        let mut set_name = tx.prepare_cached("UPDATE source_names SET agent = ?2 WHERE name = ?1")?;
        for (name, _, old) in &sources {
            let new = res.agent_of_key(&lex.name_key(name)).map(|ai| agent_ids[ai]);
            if new != *old {
                set_name.execute(params![name, new])?;
                if old.is_some() || old_source_names.contains(name) {
                    moved_names.push((name, *old));
                }
            }
        }
        for (id, name, old) in &new_sources {
            let new = res.agent_of_key(&lex.name_key(name)).map(|ai| agent_ids[ai]);
            if new != *old {
                set_quote.execute(params![id, new])?;
            }
        }
    }
    mark(&format!("new rows and names ({} names moved)", moved_names.len()));
    if !moved_names.is_empty() {
        // The stored quotes of a moved name (named source, no speaker entity) carry the speaker
        // the name had: they are among that speaker's quotes (`speaker_quotes`, which holds every
        // quote up to the last linking), or, for a name that had none, among the unresolved
        // quotes whose source has its words (`unresolved_fts`); each is checked again here.
        // (Before, every quote of the ledger was read.)
        let mut ids: std::collections::BTreeSet<i64> = std::collections::BTreeSet::new();
        let mut of_agent =
            tx.prepare_cached("SELECT id FROM speaker_quotes WHERE agent = ?1 AND id <= ?2 UNION ALL SELECT id FROM speaker_quotes_recent WHERE agent = ?1 AND id <= ?2")?;
        let mut unresolved = tx.prepare_cached("SELECT rowid FROM unresolved_fts WHERE unresolved_fts MATCH ?1 AND rowid <= ?2")?;
        for (name, old) in &moved_names {
            let found = match old {
                Some(agent) => of_agent.query_map(params![agent, attr_upto], |r| r.get::<_, i64>(0))?.collect::<std::result::Result<Vec<_>, _>>()?,
                None => {
                    let words = crate::query::fts_query(name);
                    if words.is_empty() {
                        continue;
                    }
                    unresolved.query_map(params![words, attr_upto], |r| r.get::<_, i64>(0))?.collect::<std::result::Result<Vec<_>, _>>()?
                }
            };
            ids.extend(found);
        }
        let mut row = tx.prepare_cached("SELECT source, source_kind, agent FROM attributions WHERE id = ?1 AND speaker_entity IS NULL")?;
        let mut up = tx.prepare_cached("UPDATE attributions SET agent = ?2 WHERE id = ?1")?;
        let mut changed = 0usize;
        for id in ids {
            let Some((source, kind, old)) = row
                .query_row([id], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<i64>>(2)?)))
                .optional()?
            else {
                continue;
            };
            let new = match (kind.as_str(), source) {
                ("named", Some(s)) => match lex.name_in_source(&s) {
                    Some(n) => {
                        let key = lex.name_key(&n);
                        if !every_family && !touched.contains(family(&key)) {
                            continue; // a family not resolved now: its quotes keep their agent
                        }
                        res.agent_of_key(&key).map(|ai| agent_ids[ai])
                    }
                    None => None,
                },
                _ => None,
            };
            if new != old {
                up.execute(params![id, new])?;
                recount.extend(old.iter().chain(new.iter()).copied());
                changed += 1;
            }
        }
        mark(&format!("moved names' quotes ({changed} written)"));
    }
    // The new quotes join their speakers' lists (which the recount below reads).
    sync_speaker_quotes(tx)?;
    mark("speaker quotes");
    // Counts: the new quotes added (their articles are new), moved speakers counted again.
    {
        let mut st = tx.prepare(
            "SELECT agent, count(*), count(DISTINCT article), min(published), max(published) FROM attributions WHERE id > ?1 AND agent IS NOT NULL GROUP BY agent",
        )?;
        let rows: Vec<(i64, i64, i64, Option<String>, Option<String>)> = st
            .query_map([attr_upto], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut add = tx.prepare_cached(
            "UPDATE agents SET quotes = quotes + ?2, articles = articles + ?3,
               first_seen = coalesce(min(first_seen, ?4), first_seen, ?4), last_seen = coalesce(max(last_seen, ?5), last_seen, ?5) WHERE id = ?1",
        )?;
        for (agent, n, na, f, l) in rows {
            if !recount.contains(&agent) {
                add.execute(params![agent, n, na, f, l])?;
            }
        }
        let mut again = tx.prepare_cached(
            "UPDATE agents SET (quotes, articles, first_seen, last_seen) =
               (SELECT count(*), count(DISTINCT article), min(CASE WHEN undated = 0 THEN published END), max(CASE WHEN undated = 0 THEN published END)
                FROM (SELECT * FROM speaker_quotes WHERE agent = ?1 UNION ALL SELECT * FROM speaker_quotes_recent WHERE agent = ?1)) WHERE id = ?1",
        )?;
        for agent in recount {
            again.execute([agent])?;
        }
    }
    mark("counts");
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading the speaker index for many families (one pass over the table) and for a few (a
    /// range of the family index each) gives each family's rows, in primary-key order.
    #[test]
    fn index_rows_by_scan_equal_rows_by_family() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::schema::migrate(&mut conn).unwrap();
        let tx = conn.transaction().unwrap();
        let n = SCAN_FAMILIES + 200;
        for i in 0..n {
            for kind in ["PERSON", "ORG"] {
                tx.execute(
                    "INSERT INTO entity_groups(name, kind, roles, n, agent, family) VALUES (?1, ?2, '[]', ?3, NULL, ?4)",
                    params![format!("Name {} {i}", i % 7), kind, i as i64, format!("f{}", i % (n - 50))],
                )
                .unwrap();
            }
        }
        type Row = (String, String, i64);
        let read = |families: &[&String]| -> Vec<Row> {
            index_rows(&tx, "name, kind, n", "entity_groups", Some(families), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)), |a: &Row, b: &Row| (&a.0, &a.1).cmp(&(&b.0, &b.1)))
                .unwrap()
        };
        let expect = |families: &[&String]| -> Vec<Row> {
            let list: Vec<String> = families.iter().map(|f| format!("'{f}'")).collect();
            let mut st = tx
                .prepare(&format!("SELECT name, kind, n FROM entity_groups WHERE family IN ({}) ORDER BY name, kind, roles", list.join(",")))
                .unwrap();
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect()
        };
        let names: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
        let many: Vec<&String> = names.iter().step_by(1).take(SCAN_FAMILIES + 100).collect();
        let few: Vec<&String> = names.iter().step_by(97).collect();
        assert!(many.len() > SCAN_FAMILIES && few.len() <= SCAN_FAMILIES);
        for families in [&many, &few] {
            let got = read(families);
            assert!(!got.is_empty());
            assert_eq!(got, expect(families));
        }
    }

    /// A name's stored entities are found in every run of `entity_names`, one run per linking,
    /// each appended after the stored rows; past `NAME_RUNS` runs they fold into one, and the
    /// lookups find the same.
    #[test]
    fn name_members_span_every_run_and_survive_the_fold() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::schema::migrate(&mut conn).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute(
            "INSERT INTO articles(id, doc_id, text_hash, analysis_version, text, meta_json, origin_path, origin_format, minhash, ingested_at)
               VALUES (1, 'a', 'h', '0', 'text', '{}', 'p', 'text', x'', 'now')",
            [],
        )
        .unwrap();
        let members = |tx: &Transaction, name: &str, upto: i64| -> Vec<i64> {
            let mut st = tx.prepare_cached(NAME_MEMBERS).unwrap();
            st.query_map(params![name, upto], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
        };
        let runs = |tx: &Transaction| -> Vec<i64> {
            let mut st = tx.prepare("SELECT DISTINCT run FROM entity_names ORDER BY run").unwrap();
            st.query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
        };
        // One linking per entity: entity 2k+1 is "Jo Doe", 2k+2 another name.
        let mut upto = 0;
        for k in 0..(NAME_RUNS + 3) {
            for (id, name) in [(2 * k + 1, "Jo Doe".to_string()), (2 * k + 2, format!("Al Roe {k}"))] {
                tx.execute("INSERT INTO entities(id, article, idx, name, kind, roles) VALUES (?1, 1, ?1, ?2, 'PERSON', '[]')", params![id, name]).unwrap();
            }
            add_entity_names(&tx, upto).unwrap();
            upto = 2 * k + 2;
            if k == 3 {
                assert_eq!(runs(&tx), vec![0, 2, 4, 6], "a run per linking, keyed by where it began");
                assert_eq!(members(&tx, "Jo Doe", upto), vec![1, 3, 5, 7]);
                assert_eq!(members(&tx, "Jo Doe", 4), vec![1, 3], "ids up to the given one");
                assert_eq!(members(&tx, "Al Roe 2", upto), vec![6]);
            }
        }
        assert!(runs(&tx).len() <= NAME_RUNS as usize, "{:?}", runs(&tx));
        let every: Vec<i64> = (0..NAME_RUNS + 3).map(|k| 2 * k + 1).collect();
        assert_eq!(members(&tx, "Jo Doe", upto), every);
        let mut st = tx.prepare("SELECT name, entity FROM entity_names ORDER BY name, entity").unwrap();
        let rows: Vec<(String, i64)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
        let mut st = tx.prepare("SELECT name, id FROM entities ORDER BY name, id").unwrap();
        let want: Vec<(String, i64)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows, want, "every entity once");
    }
}
