//! Claim clusters: attributions about the same thing, across articles.
//!
//! Edges of the clustering: a denial and the claim it denies in its article; consecutive denials
//! in one paragraph (one retort split over quotes); and claim pairs whose similarity reaches the
//! threshold. Similarity combines the content (lexical Jaccard over stems, or the cosine of the
//! vectors a [`ClaimEncoder`] gives) with shared entities and the same specific date
//! ([`claim_similarity`], [`vector_similarity`]).

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

/// Joins what the text itself ties together: a claim and the claim it targets, and consecutive
/// denials in one paragraph (they deny one thing). `order` lists the claims by (article,
/// position in the article).
pub(crate) fn join_linked(inputs: &[ClaimInput], order: &[usize], dsu: &mut Dsu) {
    let by_id: HashMap<i64, usize> = inputs.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    for (i, c) in inputs.iter().enumerate() {
        if let Some(j) = c.target.and_then(|t| by_id.get(&t)) {
            dsu.union(i, *j);
        }
    }
    let mut prev: Option<usize> = None;
    for &i in order {
        let c = &inputs[i];
        if c.stance == Stance::Denies {
            if let Some(p) = prev {
                let q = &inputs[p];
                if q.article == c.article && q.stance == Stance::Denies && q.paragraph == c.paragraph {
                    dsu.union(p, i);
                }
            }
        }
        prev = Some(i);
    }
}

/// Clusters claims given their vectors (aligned with `inputs`; `None` for all means lexical,
/// a missing vector means that claim is compared lexically).
pub fn cluster_with_vectors(
    inputs: &[ClaimInput],
    vectors: Option<&[Option<Vec<f32>>]>,
    threshold: f32,
) -> Vec<usize> {
    let n = inputs.len();
    let mut dsu = Dsu::new(n);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (inputs[i].article, inputs[i].idx));
    join_linked(inputs, &order, &mut dsu);

    let vec_of = |i: usize| vectors.and_then(|v| v.get(i)).and_then(|x| x.as_deref());
    // Claims with the same key (and, with vectors, the same text) are the same claim: join them
    // at once and compare only one of each, so repeated wire copies cost nothing extra.
    let mut eligible: Vec<usize> = vec![];
    {
        let mut first: HashMap<(&ClaimKey, &str), usize> = HashMap::new();
        for i in (0..n).filter(|&i| comparable(&inputs[i])) {
            let text = if vec_of(i).is_some() {
                inputs[i].text.as_str()
            } else {
                ""
            };
            match first.entry((&inputs[i].key, text)) {
                std::collections::hash_map::Entry::Occupied(e) => dsu.union(*e.get(), i),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                    eligible.push(i);
                }
            }
        }
    }
    // Candidate pairs share at least two tokens (stems or entities); one when both have
    // vectors, since a paraphrase shares fewer words.
    let mut postings: HashMap<String, Vec<usize>> = HashMap::new();
    for &i in &eligible {
        let k = &inputs[i].key;
        for s in &k.stems {
            postings.entry(format!("s:{s}")).or_default().push(i);
        }
        for e in &k.entities {
            postings.entry(format!("e:{e}")).or_default().push(i);
        }
    }
    let mut counts: HashMap<usize, u32> = HashMap::new();
    for &i in &eligible {
        counts.clear();
        let k = &inputs[i].key;
        let toks = k
            .stems
            .iter()
            .map(|s| format!("s:{s}"))
            .chain(k.entities.iter().map(|e| format!("e:{e}")));
        for t in toks {
            if let Some(p) = postings.get(&t).filter(|p| p.len() <= MAX_POSTING) {
                for &j in p.iter().filter(|&&j| j > i) {
                    *counts.entry(j).or_default() += 1;
                }
            }
        }
        for (&j, &shared) in &counts {
            let (a, b) = (&inputs[i].key, &inputs[j].key);
            let (content, needed) = match (vec_of(i), vec_of(j)) {
                (Some(x), Some(y)) => {
                    if vector_similarity(a, b, cosine(x, y)) >= threshold {
                        dsu.union(i, j);
                    }
                    continue;
                }
                _ => {
                    if shared < 2 || intersection(&a.stems, &b.stems) < 2 {
                        continue;
                    }
                    (
                        jaccard(&a.stems, &b.stems),
                        if vectors.is_some() {
                            LEXICAL_THRESHOLD
                        } else {
                            threshold
                        },
                    )
                }
            };
            if claim_similarity(a, b, content) >= needed {
                dsu.union(i, j);
            }
        }
    }
    let mut numbering: HashMap<usize, usize> = HashMap::new();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let r = dsu.find(i);
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
}
