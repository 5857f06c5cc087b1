//! Claim clusters: attributions about the same thing, across articles.
//!
//! Claims are taken one at a time in the order they were stored, and each joins at most one
//! cluster ([`cluster_with_vectors`]): the cluster of the earliest claim its text ties it to (a
//! denial and the claim it denies in its article; consecutive denials in one paragraph, one
//! retort split over quotes), of an earlier claim with the same key, or of the most similar
//! earlier claim whose similarity reaches the threshold. Similarity combines the content (lexical Jaccard over
//! stems, or the cosine of the vectors a [`ClaimEncoder`] gives) with shared entities and the
//! same specific date ([`claim_similarity`], [`vector_similarity`]).

use std::collections::HashMap;

use crate::copies::Dsu;
use crate::error::Result;
use crate::prepare::{ClaimKey, Stance};
use crate::text::{intersection, jaccard};

/// Turns claim texts into vectors for clustering. The default [`LexicalEncoder`] gives none, and
/// clustering falls back to word overlap; a sentence-embedding encoder slots in here.
pub trait ClaimEncoder: Send + Sync {
    /// A short stable name, recorded with the clusters.
    fn name(&self) -> &str;
    /// One vector per text (unit length preferred), or `None` for lexical clustering.
    fn encode(&self, texts: &[&str]) -> Result<Option<Vec<Vec<f32>>>>;
    /// Content similarity above which two claims (with the entity/time bonus) are the same.
    fn threshold(&self) -> f32 {
        LEXICAL_THRESHOLD
    }
}

/// The combined similarity two claims compared by word overlap must reach (also used for a
/// pair compared lexically because one of them has no vector).
pub const LEXICAL_THRESHOLD: f32 = 0.45;

/// Word overlap only.
#[derive(Debug, Default, Clone, Copy)]
pub struct LexicalEncoder;

impl ClaimEncoder for LexicalEncoder {
    fn name(&self) -> &str {
        "lexical"
    }
    fn encode(&self, _texts: &[&str]) -> Result<Option<Vec<Vec<f32>>>> {
        Ok(None)
    }
}

/// One attribution as seen by clustering.
pub struct ClaimInput {
    pub id: i64,
    pub article: i64,
    pub idx: i64,
    pub paragraph: Option<i64>,
    pub text: String,
    pub key: ClaimKey,
    pub stance: Stance,
    /// Attribution id of the claim a denial denies.
    pub target: Option<i64>,
    /// The article's publication date (a cluster's first date).
    pub published: Option<String>,
}

/// Claims with fewer content stems than this only join clusters through denial links.
const MIN_STEMS: usize = 3;
/// Tokens shared by more claims than this are too common to propose candidate pairs.
pub const MAX_POSTING: usize = 300;

fn specific_date(t: &Option<String>) -> Option<&str> {
    t.as_deref().filter(|v| {
        v.len() >= 10 && v.as_bytes().get(4) == Some(&b'-') && v.as_bytes()[0].is_ascii_digit()
    })
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// Similarity of two claims in 0..1.
pub fn claim_similarity(a: &ClaimKey, b: &ClaimKey, content: f32) -> f32 {
    let ents = jaccard(&a.entities, &b.entities);
    let time = match (specific_date(&a.time), specific_date(&b.time)) {
        (Some(x), Some(y)) if x == y => 1.0,
        _ => 0.0,
    };
    0.6 * content + 0.25 * ents + 0.15 * time
}

/// Similarity of two claims with vectors: the cosine, raised a little by shared entities and the
/// same specific date. The bonuses stay small because claims in one story share their entities
/// and, added generously, chain the whole story into one cluster.
pub fn vector_similarity(a: &ClaimKey, b: &ClaimKey, cosine: f32) -> f32 {
    let ents = jaccard(&a.entities, &b.entities);
    let time = match (specific_date(&a.time), specific_date(&b.time)) {
        (Some(x), Some(y)) if x == y => 1.0,
        _ => 0.0,
    };
    cosine + 0.1 * ents + 0.05 * time
}

/// A claim key's tokens for candidate pairs: its stems and its entities, each marked by kind.
pub(crate) fn tokens(k: &ClaimKey) -> impl Iterator<Item = String> + '_ {
    k.stems.iter().map(|s| format!("s:{s}")).chain(k.entities.iter().map(|e| format!("e:{e}")))
}

/// True when a claim has enough content to be compared with others (and to be encoded).
pub fn comparable(c: &ClaimInput) -> bool {
    c.key.stems.len() >= MIN_STEMS
}

/// Clusters claims, encoding the comparable ones with `encoder`; returns the cluster index of
/// each input, clusters numbered from 0 in order of their first member.
pub fn cluster(inputs: &[ClaimInput], encoder: &dyn ClaimEncoder) -> Result<Vec<usize>> {
    let eligible: Vec<usize> = (0..inputs.len())
        .filter(|&i| comparable(&inputs[i]))
        .collect();
    let texts: Vec<&str> = eligible.iter().map(|&i| inputs[i].text.as_str()).collect();
    let vectors = encoder.encode(&texts)?.map(|v| {
        let mut out: Vec<Option<Vec<f32>>> = vec![None; inputs.len()];
        for (&i, x) in eligible.iter().zip(v) {
            out[i] = Some(x);
        }
        out
    });
    Ok(cluster_with_vectors(
        inputs,
        vectors.as_deref(),
        encoder.threshold(),
    ))
}

/// For each claim, the earliest claim (by id) its text ties it to, directly or through others,
/// or itself: ties join a claim and the claim it targets, and consecutive denials in one
/// paragraph (one retort split over quotes). Ties lie within an article. Indices into `inputs`.
pub(crate) fn tie_leaders(inputs: &[ClaimInput]) -> Vec<usize> {
    let n = inputs.len();
    let mut dsu = Dsu::new(n);
    let by_id: HashMap<i64, usize> = inputs.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    for (i, c) in inputs.iter().enumerate() {
        if let Some(&j) = c.target.and_then(|t| by_id.get(&t)) {
            dsu.union(i, j);
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (inputs[i].article, inputs[i].idx));
    for w in order.windows(2) {
        let (p, q) = (&inputs[w[0]], &inputs[w[1]]);
        if p.stance == Stance::Denies && q.stance == Stance::Denies && p.article == q.article && p.paragraph == q.paragraph {
            dsu.union(w[0], w[1]);
        }
    }
    let mut leader: HashMap<usize, usize> = HashMap::new();
    for i in 0..n {
        let l = leader.entry(dsu.find(i)).or_insert(i);
        if inputs[i].id < inputs[*l].id {
            *l = i;
        }
    }
    (0..n).map(|i| leader[&dsu.find(i)]).collect()
}

/// The better of two matches: the higher similarity, then the earlier claim (`order` ascending).
pub(crate) fn better(best: Option<(f32, i64)>, sim: f32, order: i64) -> bool {
    match best {
        None => true,
        Some((s, o)) => sim > s || (sim == s && order < o),
    }
}

/// Clusters claims given their vectors (aligned with `inputs`; `None` for all means lexical,
/// a missing vector means that claim is compared lexically).
///
/// One pass in id order (the order claims are stored, so an incremental linking makes the same
/// decisions, [`crate::relink`]), and a claim joins one cluster, never two: the cluster of the
/// earliest claim its text ties it to ([`tie_leaders`]); else that of the first claim with its key
/// (and, with vectors, its text); else that of the most similar earlier claim at the threshold;
/// else it starts a cluster. Clusters never merge, so a claim like two stories does not join
/// them (single-link clustering chained a 200,000-article replica into one cluster of a million
/// quotes), and a linking rewrites no stored quote.
pub fn cluster_with_vectors(
    inputs: &[ClaimInput],
    vectors: Option<&[Option<Vec<f32>>]>,
    threshold: f32,
) -> Vec<usize> {
    let n = inputs.len();
    let leaders = tie_leaders(inputs);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| inputs[i].id);
    let vec_of = |i: usize| vectors.and_then(|v| v.get(i)).and_then(|x| x.as_deref());
    // The cluster of each claim, as the index of its first member (`NONE` until decided).
    const NONE: usize = usize::MAX;
    let mut of: Vec<usize> = vec![NONE; n];
    // One representative per distinct key (and text, with vectors), compared with later claims.
    let mut reps: HashMap<(&ClaimKey, &str), usize> = HashMap::new();
    // Candidate pairs share at least two tokens (stems or entities); one when both have
    // vectors, since a paraphrase shares fewer words. Postings list representatives in order.
    let mut postings: HashMap<String, Vec<usize>> = HashMap::new();
    let mut counts: HashMap<usize, u32> = HashMap::new();
    for &i in &order {
        let c = &inputs[i];
        // A claim tied to an earlier one goes where that one went.
        let mut joined = (leaders[i] != i).then(|| of[leaders[i]]);
        if comparable(c) {
            let text = if vec_of(i).is_some() { c.text.as_str() } else { "" };
            if let Some(&r) = reps.get(&(&c.key, text)) {
                of[i] = joined.unwrap_or(of[r]);
                continue;
            }
            let toks: Vec<String> = tokens(&c.key).collect();
            if joined.is_none() {
                counts.clear();
                for t in &toks {
                    // A token on more than `MAX_POSTING` earlier representatives is too common.
                    if let Some(p) = postings.get(t).filter(|p| p.len() < MAX_POSTING) {
                        for &j in p {
                            *counts.entry(j).or_default() += 1;
                        }
                    }
                }
                let mut best: Option<(f32, i64)> = None;
                let mut best_j = NONE;
                for (&j, &shared) in &counts {
                    let (a, b) = (&c.key, &inputs[j].key);
                    let sim = match (vec_of(i), vec_of(j)) {
                        (Some(x), Some(y)) => Some(vector_similarity(a, b, cosine(x, y))).filter(|&s| s >= threshold),
                        _ => {
                            if shared < 2 || intersection(&a.stems, &b.stems) < 2 {
                                continue;
                            }
                            let needed = if vectors.is_some() { LEXICAL_THRESHOLD } else { threshold };
                            Some(claim_similarity(a, b, jaccard(&a.stems, &b.stems))).filter(|&s| s >= needed)
                        }
                    };
                    if let Some(s) = sim {
                        if better(best, s, inputs[j].id) {
                            best = Some((s, inputs[j].id));
                            best_j = j;
                        }
                    }
                }
                joined = (best_j != NONE).then(|| of[best_j]);
            }
            reps.insert((&c.key, text), i);
            for t in toks {
                postings.entry(t).or_default().push(i);
            }
        }
        of[i] = joined.unwrap_or(i);
    }
    let mut numbering: HashMap<usize, usize> = HashMap::new();
    let mut out = Vec::with_capacity(n);
    for &r in &of {
        let next = numbering.len();
        out.push(*numbering.entry(r).or_insert(next));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(
        id: i64,
        article: i64,
        stems: &[&str],
        ents: &[&str],
        stance: Stance,
        target: Option<i64>,
    ) -> ClaimInput {
        ClaimInput {
            id,
            article,
            idx: id,
            paragraph: Some(id),
            text: stems.join(" "),
            key: ClaimKey {
                stems: stems.iter().map(|s| s.to_string()).collect(),
                entities: ents.iter().map(|s| s.to_string()).collect(),
                time: None,
            },
            stance,
            target,
            published: None,
        }
    }

    #[test]
    fn clusters_by_overlap_and_denial_links() {
        let inputs = vec![
            c(
                1,
                1,
                &["budget", "cut", "school", "fund"],
                &["council"],
                Stance::Asserts,
                None,
            ),
            c(
                2,
                2,
                &["budget", "cut", "fund", "school", "teacher"],
                &["council"],
                Stance::Reports,
                None,
            ),
            c(3, 2, &["untru"], &[], Stance::Denies, Some(2)),
            c(
                4,
                3,
                &["storm", "coast", "power", "highway"],
                &[],
                Stance::Asserts,
                None,
            ),
        ];
        let cl = cluster(&inputs, &LexicalEncoder).unwrap();
        assert_eq!(cl[0], cl[1]);
        assert_eq!(cl[1], cl[2]);
        assert_ne!(cl[0], cl[3]);
    }

    /// A claim like two clusters joins the more similar one (the earlier of equals) and does not
    /// chain them: single-link clustering merged them through it.
    #[test]
    fn a_claim_like_two_clusters_joins_one() {
        let inputs = vec![
            c(1, 1, &["farmer", "demand", "higher", "grain", "price"], &[], Stance::Asserts, None),
            c(2, 2, &["farmer", "demand", "higher", "grain", "subsidi"], &[], Stance::Asserts, None),
            c(3, 3, &["farmer", "demand", "higher", "grain", "price", "subsidi"], &[], Stance::Asserts, None),
            c(4, 4, &["farmer", "demand", "higher", "grain", "subsidi", "now"], &[], Stance::Asserts, None),
        ];
        let cl = cluster(&inputs, &LexicalEncoder).unwrap();
        assert_ne!(cl[0], cl[1], "4 of 6 stems: apart");
        assert_eq!(cl[2], cl[0], "5 of 6 with each: the earlier");
        assert_eq!(cl[3], cl[1], "closer to the second than to the bridge");
        assert_eq!(cl, vec![0, 1, 0, 1]);
    }
}
