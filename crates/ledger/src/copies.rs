//! Copies of one article: exact duplicates (same text hash), near-duplicates (MinHash over word
//! 5-shingles, LSH banding) and wire copies (same agency credit, lower similarity because
//! outlets trim and rewrite wire stories). Each cluster is linked to its earliest copy.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::text::{lexicon, words};

/// Hashes per signature.
pub const NUM_HASHES: usize = 64;
const SHINGLE: usize = 5;
/// Estimated Jaccard over shingles above which two articles are near-duplicates.
pub const NEAR_THRESHOLD: f32 = 0.6;
/// Lower bar for two articles credited to the same wire agency.
pub const WIRE_THRESHOLD: f32 = 0.25;

/// The 64-bit mixer each hash function applies to a shingle's hash.
pub fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The words of `text` that shingles are made of, lower-cased; words already in lower case
/// (most) are borrowed, not copied.
pub fn lower_words(text: &str) -> Vec<Cow<'_, str>> {
    words(text)
        .map(|w| {
            if w.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
                Cow::Owned(w.to_lowercase())
            } else {
                Cow::Borrowed(w)
            }
        })
        .collect()
}

/// MinHash signature of the lowercase word 5-shingles of `text`.
pub fn minhash(text: &str) -> [u32; NUM_HASHES] {
    let ws = lower_words(text);
    let shingles: Vec<u64> = if ws.len() < SHINGLE {
        if ws.is_empty() {
            vec![]
        } else {
            vec![fnv_joined(&ws)]
        }
    } else {
        ws.windows(SHINGLE).map(fnv_joined).collect()
    };
    let mut sig = [u32::MAX; NUM_HASHES];
    fold_mins(&shingles, &mut sig);
    sig
}

/// The seed of hash function `i`: the shingle hash is xored with it before mixing.
const fn seed(i: usize) -> u64 {
    (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

const SEEDS: [u64; NUM_HASHES] = {
    let mut s = [0u64; NUM_HASHES];
    let mut i = 0;
    while i < NUM_HASHES {
        s[i] = seed(i);
        i += 1;
    }
    s
};

/// `sig[i] = min(sig[i], low 32 bits of splitmix(h ^ seed(i)))` over every shingle hash `h`: the
/// 64 functions of one shingle are independent lanes, so the loop is written to vectorise, and
/// compiled for AVX-512 and AVX2 where the CPU has them (chosen at run time; the same values on
/// every path: 64-bit wrapping arithmetic is exact in any lane width).
fn fold_mins(shingles: &[u64], sig: &mut [u32; NUM_HASHES]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            // SAFETY: the CPU has the features the function is compiled for (checked above).
            unsafe { fold_mins_avx512(shingles, sig) };
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            unsafe { fold_mins_avx2(shingles, sig) };
            return;
        }
    }
    fold_mins_portable(shingles, sig);
}

#[inline(always)]
fn fold_mins_lanes(shingles: &[u64], sig: &mut [u32; NUM_HASHES]) {
    for &h in shingles {
        for (s, k) in sig.iter_mut().zip(SEEDS.iter()) {
            let v = splitmix(h ^ k) as u32;
            *s = (*s).min(v);
        }
    }
}

fn fold_mins_portable(shingles: &[u64], sig: &mut [u32; NUM_HASHES]) {
    fold_mins_lanes(shingles, sig);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
fn fold_mins_avx512(shingles: &[u64], sig: &mut [u32; NUM_HASHES]) {
    fold_mins_lanes(shingles, sig);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn fold_mins_avx2(shingles: &[u64], sig: &mut [u32; NUM_HASHES]) {
    fold_mins_lanes(shingles, sig);
}

/// FNV-1a (stable across runs and platforms: signatures are stored) of the words joined by single
/// spaces, without building the joined string.
fn fnv_joined(ws: &[Cow<str>]) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, w) in ws.iter().enumerate() {
        if i > 0 {
            h = (h ^ b' ' as u64).wrapping_mul(PRIME);
        }
        for &b in w.as_bytes() {
            h = (h ^ b as u64).wrapping_mul(PRIME);
        }
    }
    h
}

pub fn decode(blob: &[u8]) -> Vec<u32> {
    blob.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// The kind of a copy's link to its root and the similarity stored with it: the same text is
/// "exact" (similarity 1), a wire credit below the near-duplicate threshold "wire", else "near".
pub(crate) fn link_kind(same_hash: bool, sim: f32, wire: bool) -> (&'static str, f32) {
    if same_hash {
        ("exact", 1.0)
    } else if sim < NEAR_THRESHOLD && wire {
        ("wire", sim)
    } else {
        ("near", sim)
    }
}

/// Estimated Jaccard similarity of two signatures.
pub fn similarity(a: &[u32], b: &[u32]) -> f32 {
    let n = a.len().min(b.len());
    if n == 0 {
        return 0.0;
    }
    a.iter()
        .zip(b)
        .filter(|(x, y)| x == y && **x != u32::MAX)
        .count() as f32
        / n as f32
}

/// The wire agency credited near the start or end of `text`, by the patterns of `data/wire.tsv`.
pub fn wire_credit(text: &str) -> Option<String> {
    let edge = 400;
    let mut head_end = edge.min(text.len());
    while !text.is_char_boundary(head_end) {
        head_end -= 1;
    }
    let mut tail_start = text.len().saturating_sub(edge);
    while !text.is_char_boundary(tail_start) {
        tail_start += 1;
    }
    let (head, tail) = (&text[..head_end], &text[tail_start..]);
    lexicon()
        .wire
        .iter()
        .find(|(_, p)| head.contains(p.as_str()) || tail.contains(p.as_str()))
        .map(|(a, _)| a.clone())
}

/// One article as seen by copy linking.
pub struct CopyInput {
    pub id: i64,
    pub hash: String,
    /// Sort key for "earliest": publication date (None last), then ingestion order.
    pub published: Option<String>,
    pub wire: Option<String>,
    pub sig: Vec<u32>,
}

/// A member of a copy cluster that is not its root.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyLink {
    pub article: i64,
    pub root: i64,
    pub kind: &'static str,
    pub similarity: f32,
}

pub(crate) struct Dsu(Vec<usize>);
impl Dsu {
    pub fn new(n: usize) -> Self {
        Dsu((0..n).collect())
    }
    /// Adds singleton nodes up to `n`.
    pub fn grow(&mut self, n: usize) {
        while self.0.len() < n {
            self.0.push(self.0.len());
        }
    }
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    pub fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b)] = a.min(b);
        }
    }
}

fn band_pairs(items: &[usize], sigs: &[&[u32]], rows: usize, mut f: impl FnMut(usize, usize)) {
    let bands = NUM_HASHES / rows;
    for b in 0..bands {
        let mut buckets: HashMap<&[u32], Vec<usize>> = HashMap::new();
        for &i in items {
            let s = sigs[i];
            if s.len() < NUM_HASHES || s[0] == u32::MAX {
                continue;
            }
            buckets
                .entry(&s[b * rows..(b + 1) * rows])
                .or_default()
                .push(i);
        }
        for v in buckets.values().filter(|v| v.len() > 1) {
            // Compare with the bucket's first few: enough to connect the cluster (the copy index
            // keeps these only, `relink::BUCKET_ROWS`).
            for &x in v.iter().take(crate::relink::BUCKET_ROWS) {
                for &y in v {
                    if x < y {
                        f(x, y);
                    }
                }
            }
        }
    }
}

/// Finds copy clusters; returns one link per non-root member.
pub fn link_copies(arts: &[CopyInput]) -> Vec<CopyLink> {
    let n = arts.len();
    let mut dsu = Dsu::new(n);
    let mut by_hash: HashMap<&str, usize> = HashMap::new();
    for (i, a) in arts.iter().enumerate() {
        if let Some(&j) = by_hash.get(a.hash.as_str()) {
            dsu.union(i, j);
        } else {
            by_hash.insert(&a.hash, i);
        }
    }
    let sigs: Vec<&[u32]> = arts.iter().map(|a| a.sig.as_slice()).collect();
    let all: Vec<usize> = (0..n).collect();
    band_pairs(&all, &sigs, 4, |x, y| {
        if similarity(sigs[x], sigs[y]) >= NEAR_THRESHOLD {
            dsu.union(x, y);
        }
    });
    let mut by_agency: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, a) in arts.iter().enumerate() {
        if let Some(w) = &a.wire {
            by_agency.entry(w).or_default().push(i);
        }
    }
    for items in by_agency.values() {
        band_pairs(items, &sigs, 2, |x, y| {
            if similarity(sigs[x], sigs[y]) >= WIRE_THRESHOLD {
                dsu.union(x, y);
            }
        });
    }
    let mut clusters: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        let r = dsu.find(i);
        clusters.entry(r).or_default().push(i);
    }
    let mut out = Vec::new();
    for members in clusters.values().filter(|m| m.len() > 1) {
        let root = *members
            .iter()
            .min_by(|&&a, &&b| {
                let (x, y) = (&arts[a], &arts[b]);
                (x.published.is_none(), &x.published, x.id).cmp(&(
                    y.published.is_none(),
                    &y.published,
                    y.id,
                ))
            })
            .unwrap_or(&members[0]);
        for &m in members.iter().filter(|&&m| m != root) {
            let (a, r) = (&arts[m], &arts[root]);
            let (kind, similarity) = link_kind(a.hash == r.hash, similarity(&a.sig, &r.sig), a.wire.is_some());
            out.push(CopyLink {
                article: a.id,
                root: r.id,
                kind,
                similarity,
            });
        }
    }
    out.sort_by_key(|l| l.article);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_texts_have_similar_signatures() {
        let a = "The city council voted on Tuesday to approve the new budget for schools and roads after a long debate.";
        let b = "The city council voted on Tuesday to approve the new budget for schools and roads after a short debate.";
        let c = "A storm hit the coast overnight, leaving thousands without power and closing several highways.";
        assert!(similarity(&minhash(a), &minhash(b)) > 0.5);
        assert!(similarity(&minhash(a), &minhash(c)) < 0.1);
    }

    /// Stored signatures are compared with new ones, so they must not change: these are the
    /// signatures of the first implementation (first and last of the 64 values and their sum).
    #[test]
    fn signatures_unchanged() {
        for (t, first, last, sum) in [
            ("", u32::MAX, u32::MAX, 64 * u32::MAX as u64),
            ("One.", 2694636520, 762705944, 138763178351),
            ("Two Words here", 2942717552, 2906651916, 134245618481),
            (
                "ÉMILE Zola’s \"J'accuse\" ran in L'Aurore on 13 January 1898; İstanbul and ΣΊΣΥΦΟΣ - co-op U.S. 3.5%.",
                207289281,
                612851339,
                18663955375,
            ),
            (
                "The city council voted on Tuesday to approve the new budget for schools and roads after a long debate.",
                448745392,
                89808104,
                19668981278,
            ),
        ] {
            let s = minhash(t);
            let total: u64 = s.iter().map(|&x| x as u64).sum();
            assert_eq!((s[0], s[NUM_HASHES - 1], total), (first, last, sum), "{t}");
        }
    }

    /// Every compiled path of the minimum over the 64 functions gives the portable loop's values
    /// (the paths the CPU lacks are skipped).
    #[test]
    fn vector_paths_match_portable() {
        let mut x: u64 = 0x1234_5678_9abc_def0;
        let shingles: Vec<u64> = (0..1000)
            .map(|_| {
                x = splitmix(x);
                x
            })
            .chain([0, u64::MAX, 0x9E37_79B9_7F4A_7C15])
            .collect();
        for n in [0, 1, 7, shingles.len()] {
            let mut want = [u32::MAX; NUM_HASHES];
            fold_mins_portable(&shingles[..n], &mut want);
            let mut got = [u32::MAX; NUM_HASHES];
            fold_mins(&shingles[..n], &mut got);
            assert_eq!(got, want, "dispatched, {n} shingles");
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                {
                    let mut got = [u32::MAX; NUM_HASHES];
                    // SAFETY: features checked.
                    unsafe { fold_mins_avx512(&shingles[..n], &mut got) };
                    assert_eq!(got, want, "avx512, {n} shingles");
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    let mut got = [u32::MAX; NUM_HASHES];
                    // SAFETY: features checked.
                    unsafe { fold_mins_avx2(&shingles[..n], &mut got) };
                    assert_eq!(got, want, "avx2, {n} shingles");
                }
            }
        }
    }

    #[test]
    fn wire_credits() {
        assert_eq!(
            wire_credit("PARIS (Reuters) - Talks resumed.").as_deref(),
            Some("Reuters")
        );
        assert_eq!(wire_credit("Nothing credited here."), None);
    }
}
