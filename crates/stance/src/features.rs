//! Pair features: lexical relatedness, cue counts near the claim, and MiniLM similarity.

use std::collections::{HashMap, HashSet};

use crate::text::{sentences, sparse_cos, words, Idf, Lexicon};

/// Body sentences that best match the claim; their cues weigh most.
pub const TOP_K: usize = 3;
/// Sentences counted as the lead of a text.
const LEAD: usize = 3;
/// Words either side of a claim word in which a negation counts.
const NEG_WINDOW: usize = 4;

/// Names of the lexical features, in order (also written to the model file as a check).
pub const LEXICAL_NAMES: [&str; 24] = [
    "tfidf_cos_text", "tfidf_cos_max_sent", "tfidf_cos_lead", "overlap", "overlap_idf", "overlap_lead",
    "bigram_overlap", "claim_len", "text_sents", "refute_text", "refute_top", "refute_top_frac",
    "refute_claim", "hedge_text", "hedge_top", "hedge_claim", "support_text", "support_top",
    "neg_near_top", "neg_claim", "claim_question", "text_question_rate", "refute_lead", "hedge_lead",
];
/// Scalar MiniLM features before the [u, v, |u-v|, u*v] block.
pub const EMBED_SCALARS: usize = 4;

/// A text split and tokenised once, reused for every claim it is paired with.
pub struct Prepared {
    pub sentences: Vec<String>,
    toks: Vec<Vec<String>>,
    vecs: Vec<HashMap<String, f32>>,
    whole: HashMap<String, f32>,
    stem_set: HashSet<String>,
    lead_set: HashSet<String>,
    bigrams: HashSet<(String, String)>,
    question_marks: usize,
}

impl Prepared {
    pub fn new(text: &str, lex: &Lexicon, idf: &Idf) -> Prepared {
        let sentences: Vec<String> = sentences(text).into_iter().map(str::to_string).collect();
        let toks: Vec<Vec<String>> = sentences.iter().map(|s| words(s)).collect();
        let stems: Vec<Vec<String>> = toks.iter().map(|t| lex.stems(t)).collect();
        let vecs = stems.iter().map(|s| idf.vector(s)).collect();
        let all: Vec<String> = stems.iter().flatten().cloned().collect();
        let whole = idf.vector(&all);
        let stem_set = all.iter().cloned().collect();
        let lead_set = stems.iter().take(LEAD).flatten().cloned().collect();
        let bigrams = stems.iter().flat_map(|s| s.windows(2).map(|w| (w[0].clone(), w[1].clone()))).collect();
        let question_marks = text.matches('?').count();
        Prepared { sentences, toks, vecs, whole, stem_set, lead_set, bigrams, question_marks }
    }
}

/// Similarity of the claim to each sentence of the text: MiniLM cosine when embeddings are
/// given, else tf-idf cosine. Returns sentence indices, best first.
fn ranking(claim: &HashMap<String, f32>, text: &Prepared, sims: Option<&[f32]>) -> Vec<usize> {
    let score: Vec<f32> = match sims {
        Some(s) => s.to_vec(),
        None => text.vecs.iter().map(|v| sparse_cos(claim, v)).collect(),
    };
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    idx
}

fn ln1p(n: usize) -> f32 {
    (n as f32).ln_1p()
}

/// The lexical features of (claim, text). `sims` are MiniLM cosines of the claim to each text
/// sentence (for choosing the top sentences), or None.
pub fn lexical(claim: &str, text: &Prepared, lex: &Lexicon, idf: &Idf, sims: Option<&[f32]>) -> Vec<f32> {
    let ctoks = words(claim);
    let cstems = lex.stems(&ctoks);
    let cvec = idf.vector(&cstems);
    let cset: HashSet<&String> = cstems.iter().collect();
    let n_c = cset.len().max(1) as f32;
    let top: Vec<usize> = ranking(&cvec, text, sims).into_iter().take(TOP_K).collect();

    let overlap = cset.iter().filter(|s| text.stem_set.contains(s.as_str())).count() as f32 / n_c;
    let idf_all: f32 = cset.iter().map(|s| idf.get(s)).sum::<f32>().max(1e-6);
    let overlap_idf = cset.iter().filter(|s| text.stem_set.contains(s.as_str())).map(|s| idf.get(s)).sum::<f32>() / idf_all;
    let overlap_lead = cset.iter().filter(|s| text.lead_set.contains(s.as_str())).count() as f32 / n_c;
    let cbigrams: HashSet<(String, String)> = cstems.windows(2).map(|w| (w[0].clone(), w[1].clone())).collect();
    let bigram_overlap = if cbigrams.is_empty() {
        0.0
    } else {
        cbigrams.iter().filter(|b| text.bigrams.contains(b)).count() as f32 / cbigrams.len() as f32
    };
    let max_sent = text.vecs.iter().map(|v| sparse_cos(&cvec, v)).fold(0f32, f32::max);
    let lead_cos = text.vecs.iter().take(LEAD).map(|v| sparse_cos(&cvec, v)).fold(0f32, f32::max);

    let count_in = |cues: &crate::text::Cues, idx: &mut dyn Iterator<Item = usize>| -> usize {
        idx.map(|i| cues.count(&text.toks[i])).sum()
    };
    let n = text.sentences.len();
    let refute_text = count_in(&lex.refute, &mut (0..n));
    let refute_top = count_in(&lex.refute, &mut top.iter().copied());
    let refute_top_frac = if top.is_empty() {
        0.0
    } else {
        top.iter().filter(|&&i| lex.refute.count(&text.toks[i]) > 0).count() as f32 / top.len() as f32
    };
    let hedge_text = count_in(&lex.hedge, &mut (0..n));
    let hedge_top = count_in(&lex.hedge, &mut top.iter().copied());
    let support_text = count_in(&lex.support, &mut (0..n));
    let support_top = count_in(&lex.support, &mut top.iter().copied());
    let refute_lead = count_in(&lex.refute, &mut (0..n.min(LEAD)));
    let hedge_lead = count_in(&lex.hedge, &mut (0..n.min(LEAD)));

    // Negation within a few words of a word the sentence shares with the claim.
    let mut neg_near = 0;
    for &i in &top {
        let toks = &text.toks[i];
        let shared: Vec<usize> = toks
            .iter()
            .enumerate()
            .filter(|(_, w)| lex.stems(std::slice::from_ref(*w)).first().is_some_and(|s| cset.contains(s)))
            .map(|(k, _)| k)
            .collect();
        for p in lex.negation.positions(toks) {
            if shared.iter().any(|&k| k.abs_diff(p) <= NEG_WINDOW) {
                neg_near += 1;
            }
        }
    }

    vec![
        sparse_cos(&cvec, &text.whole),
        max_sent,
        lead_cos,
        overlap,
        overlap_idf,
        overlap_lead,
        bigram_overlap,
        ln1p(cset.len()),
        ln1p(n),
        ln1p(refute_text),
        ln1p(refute_top),
        refute_top_frac,
        ln1p(lex.refute.count(&ctoks)),
        ln1p(hedge_text),
        ln1p(hedge_top),
        ln1p(lex.hedge.count(&ctoks)),
        ln1p(support_text),
        ln1p(support_top),
        ln1p(neg_near),
        ln1p(lex.negation.count(&ctoks)),
        if claim.contains('?') { 1.0 } else { 0.0 },
        text.question_marks as f32 / n.max(1) as f32,
        ln1p(refute_lead),
        ln1p(hedge_lead),
    ]
}

/// MiniLM features: max, top-k mean, first-sentence and centroid cosines, then
/// [u, v, |u-v|, u*v] with u the claim and v the normalised mean of the top-k sentences.
pub fn embedding(u: &[f32], sents: &[&[f32]]) -> Vec<f32> {
    let d = u.len();
    let sims: Vec<f32> = sents.iter().map(|s| onrecord_embed::cosine(u, s)).collect();
    let mut idx: Vec<usize> = (0..sims.len()).collect();
    idx.sort_by(|&a, &b| sims[b].total_cmp(&sims[a]).then(a.cmp(&b)));
    let top: Vec<usize> = idx.into_iter().take(TOP_K).collect();
    let max = top.first().map_or(0.0, |&i| sims[i]);
    let mean_top = if top.is_empty() { 0.0 } else { top.iter().map(|&i| sims[i]).sum::<f32>() / top.len() as f32 };
    let first = sims.first().copied().unwrap_or(0.0);
    let mut centroid = vec![0f32; d];
    for s in sents {
        for (c, x) in centroid.iter_mut().zip(s.iter()) {
            *c += x;
        }
    }
    let cen = onrecord_embed::cosine(u, &centroid);
    let mut v = vec![0f32; d];
    for &i in &top {
        for (a, x) in v.iter_mut().zip(sents[i].iter()) {
            *a += x;
        }
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    let mut out = Vec::with_capacity(EMBED_SCALARS + 4 * d);
    out.extend([max, mean_top, first, cen]);
    out.extend_from_slice(u);
    out.extend_from_slice(&v);
    out.extend(u.iter().zip(&v).map(|(a, b)| (a - b).abs()));
    out.extend(u.iter().zip(&v).map(|(a, b)| a * b));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denial_body_lights_up_refute_features() {
        let lex = Lexicon::builtin();
        let idf = Idf::default();
        let body = Prepared::new("Officials denied the report. The claim is a hoax. Weather was fine.", &lex, &idf);
        let f = lexical("Officials confirm the report", &body, &lex, &idf, None);
        assert_eq!(f.len(), LEXICAL_NAMES.len());
        let at = |n: &str| f[LEXICAL_NAMES.iter().position(|x| *x == n).unwrap()];
        assert!(at("refute_text") > 0.0 && at("refute_top") > 0.0);
        assert!(at("overlap") > 0.5);
        let e = lexical("Cats like fish", &Prepared::new("", &lex, &idf), &lex, &idf, None);
        assert!(e.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn embedding_block_has_fixed_width() {
        let u = [1.0f32, 0.0];
        let s1 = [1.0f32, 0.0];
        let s2 = [0.0f32, 1.0];
        let f = embedding(&u, &[&s1, &s2]);
        assert_eq!(f.len(), EMBED_SCALARS + 8);
        assert!((f[0] - 1.0).abs() < 1e-6);
        assert_eq!(embedding(&u, &[]).len(), EMBED_SCALARS + 8);
    }
}
