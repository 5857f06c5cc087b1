//! The tagger's model: BILOU tags over four classes, hashed feature weights, Viterbi decoding
//! under BILOU transition constraints, and the compact model file.

use std::io::{Read, Write};

/// Number of tags: O plus B/I/L/U for each class.
pub const NT: usize = 17;
/// The CoNLL classes the tagger is trained on.
pub const CLASSES: [&str; 4] = ["PER", "ORG", "LOC", "MISC"];

pub const O: usize = 0;
pub const B: usize = 0;
pub const I: usize = 1;
pub const L: usize = 2;
pub const U: usize = 3;

/// The tag for part `part` (B, I, L, U) of class `class`.
pub const fn tag(class: usize, part: usize) -> usize {
    1 + class * 4 + part
}

/// (class, part) of a non-O tag.
pub const fn split(t: usize) -> Option<(usize, usize)> {
    if t == O || t >= NT {
        None
    } else {
        Some(((t - 1) / 4, (t - 1) % 4))
    }
}

/// Whether tag `cur` may follow `prev` (`None`: sentence start).
pub fn allowed(prev: Option<usize>, cur: usize) -> bool {
    let open = prev.and_then(split).filter(|&(_, p)| p == B || p == I);
    match (open, split(cur)) {
        (Some((c, _)), Some((c2, p))) => c == c2 && (p == I || p == L),
        (Some(_), None) => false,
        (None, Some((_, p))) => p == B || p == U,
        (None, None) => true,
    }
}

/// Whether a sentence may end on tag `t`.
pub fn may_end(t: usize) -> bool {
    split(t).is_none_or(|(_, p)| p == L || p == U)
}

/// Weights: feature rows in an open-addressing table keyed by the feature hash's high half.
///
/// Feature weights are integers times one scale (`i16`, as the model file stores them), so a
/// token's emission is an exact integer sum, the same in any order (the tagger adds cached
/// per-word sums), turned into `f32` once.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// (key, row index); key 0 marks an empty slot.
    table: Vec<(u32, u32)>,
    rows: Vec<[i32; NT]>,
    /// The weight of one unit of a row.
    scale: f32,
    /// Unique per model built (0: the empty default), so caches of its rows can tell models apart.
    id: u64,
    pub trans: [[f32; NT]; NT],
    pub start: [f32; NT],
    pub end: [f32; NT],
}

/// Integer emission scores: a sum of rows, turned into `f32` by [`Model::to_scores`].
pub type Acc = [i32; NT];

#[inline]
fn key_of(h: u64) -> u32 {
    ((h >> 32) as u32) | 1
}

const MAGIC: &[u8; 8] = b"ONRNER01";

/// The row id of a feature the model has no weights for.
pub const NO_ROW: u32 = u32::MAX;

impl Model {
    /// Builds a model from (feature hash, weights) rows, quantised to `i16` units of one scale
    /// (the largest absolute weight over 32767), as [`Model::write`] stores them.
    pub fn from_rows(rows: impl IntoIterator<Item = (u64, [f32; NT])>) -> Model {
        let rows: Vec<(u64, [f32; NT])> = rows.into_iter().collect();
        let max = rows.iter().flat_map(|(_, r)| r.iter()).fold(0f32, |m, &x| m.max(x.abs())).max(1e-6);
        let scale = max / 32767.0;
        let q = |x: f32| (x / scale).round().clamp(-32767.0, 32767.0) as i16;
        Model::from_units(rows.into_iter().map(|(h, w)| (h, w.map(q))), scale)
    }

    /// Builds a model from rows already in units of `scale`.
    fn from_units(rows: impl IntoIterator<Item = (u64, [i16; NT])>, scale: f32) -> Model {
        let rows: Vec<(u32, [i16; NT])> = rows.into_iter().map(|(h, w)| (key_of(h), w)).collect();
        let cap = (rows.len() * 2).next_power_of_two().max(16);
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut m = Model { table: vec![(0, 0); cap], rows: Vec::with_capacity(rows.len()), scale, id, ..Default::default() };
        for (k, w) in rows {
            let mask = cap - 1;
            let mut i = k as usize & mask;
            while m.table[i].0 != 0 && m.table[i].0 != k {
                i = (i + 1) & mask;
            }
            if m.table[i].0 == k {
                // Two features sharing a key: their weights add, as in a hashed table.
                let r = &mut m.rows[m.table[i].1 as usize];
                for t in 0..NT {
                    r[t] = (r[t] + w[t] as i32).clamp(-32767, 32767);
                }
            } else {
                m.table[i] = (k, m.rows.len() as u32);
                m.rows.push(w.map(i32::from));
            }
        }
        m
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// An id no other model built in this process has (clones share it: same weights).
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The row id of feature hash `h`, or [`NO_ROW`] when the model has no weights for it: lets
    /// the tagger look a feature up once per word type and add its weights per token.
    #[inline]
    pub fn row_id(&self, h: u64) -> u32 {
        if self.table.is_empty() {
            return NO_ROW;
        }
        let k = key_of(h);
        let mask = self.table.len() - 1;
        let mut i = k as usize & mask;
        loop {
            let (key, r) = self.table[i];
            if key == k {
                return r;
            }
            if key == 0 {
                return NO_ROW;
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds the weights of row `id` (from [`Model::row_id`]; [`NO_ROW`] adds nothing) to `acc`.
    #[inline]
    pub fn add_row(&self, acc: &mut Acc, id: u32) {
        if let Some(r) = self.rows.get(id as usize) {
            for t in 0..NT {
                acc[t] += r[t];
            }
        }
    }

    /// Emission scores from an integer sum of rows.
    #[inline]
    pub fn to_scores(&self, acc: &Acc, scores: &mut [f32; NT]) {
        for t in 0..NT {
            scores[t] = acc[t] as f32 * self.scale;
        }
    }

    /// The emission scores of features `feats`: their weights added, then scaled.
    #[inline]
    pub fn score(&self, feats: &[u64], scores: &mut [f32; NT]) {
        let mut acc = [0i32; NT];
        for &f in feats {
            self.add_row(&mut acc, self.row_id(f));
        }
        self.to_scores(&acc, scores);
    }

    /// Best tag sequence for per-token emission scores, under the BILOU constraints.
    pub fn viterbi(&self, emissions: &[[f32; NT]], back: &mut Vec<[f32; NT]>, out: &mut Vec<usize>) {
        viterbi(emissions, &self.trans, &self.start, &self.end, back, out)
    }

    /// Writes the model: magic, counts, transitions, then each row's key, a mask of its non-zero
    /// tags and those weights as i16 (one global scale), all gzip-compressed. Weights smaller
    /// than `prune` (absolute, before rounding to units) are left out.
    pub fn write(&self, w: impl Write, prune: f32) -> std::io::Result<()> {
        let mut z = flate2::write::GzEncoder::new(w, flate2::Compression::best());
        let scale = self.scale;
        // Units that could have rounded from a weight of at least `prune`.
        let keep = |x: i32| x != 0 && (x.unsigned_abs() as f32 + 0.5) * scale >= prune;
        let mut keyed: Vec<(u32, &[i32; NT])> =
            self.table.iter().filter(|(k, _)| *k != 0).map(|&(k, r)| (k, &self.rows[r as usize])).collect();
        keyed.sort_by_key(|&(k, _)| k);
        keyed.retain(|(_, r)| r.iter().any(|&x| keep(x)));
        z.write_all(MAGIC)?;
        z.write_all(&(NT as u32).to_le_bytes())?;
        z.write_all(&(keyed.len() as u32).to_le_bytes())?;
        z.write_all(&scale.to_le_bytes())?;
        for row in self.trans.iter().chain([&self.start, &self.end]) {
            for x in row {
                z.write_all(&x.to_le_bytes())?;
            }
        }
        // Keys sorted and delta-coded so gzip can squeeze them.
        let mut prev = 0u32;
        for (k, r) in keyed {
            z.write_all(&(k - prev).to_le_bytes())?;
            prev = k;
            let mut mask = 0u32;
            for (t, &x) in r.iter().enumerate() {
                if keep(x) {
                    mask |= 1 << t;
                }
            }
            z.write_all(&mask.to_le_bytes())?;
            for &x in r.iter().filter(|&&x| keep(x)) {
                z.write_all(&(x as i16).to_le_bytes())?;
            }
        }
        z.finish()?;
        Ok(())
    }

    /// Reads a model written by [`Model::write`].
    pub fn read(bytes: &[u8]) -> Result<Model, String> {
        let mut buf = Vec::new();
        flate2::read::GzDecoder::new(bytes).read_to_end(&mut buf).map_err(|e| e.to_string())?;
        Model::read_raw(&buf)
    }

    /// Reads a model written by [`Model::write`] and already inflated (the built-in one is,
    /// by `build.rs`).
    pub fn read_raw(buf: &[u8]) -> Result<Model, String> {
        let mut r = Reader { b: buf, at: 0 };
        if r.take(8)? != MAGIC {
            return Err("not an onrecord NER model".into());
        }
        if r.u32()? as usize != NT {
            return Err("model has a different tag set".into());
        }
        let n = r.u32()? as usize;
        let scale = r.f32()?;
        let mut m = Model::default();
        for row in m.trans.iter_mut().chain([&mut m.start, &mut m.end]) {
            for x in row.iter_mut() {
                *x = r.f32()?;
            }
        }
        let mut rows = Vec::with_capacity(n.min(buf.len() / 8));
        let mut key = 0u32;
        for _ in 0..n {
            key = key.wrapping_add(r.u32()?);
            let mask = r.u32()?;
            let mut w = [0i16; NT];
            for (t, x) in w.iter_mut().enumerate() {
                if mask & (1 << t) != 0 {
                    *x = r.i16()?;
                }
            }
            // Rows are stored by key; rebuild a hash whose high half is that key.
            rows.push(((key as u64) << 32, w));
        }
        let (trans, start, end) = (m.trans, m.start, m.end);
        let mut m = Model::from_units(rows, scale);
        m.trans = trans;
        m.start = start;
        m.end = end;
        Ok(m)
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let s = self.b.get(self.at..self.at + n).ok_or("model file truncated")?;
        self.at += n;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_bits(self.u32()?))
    }
    fn i16(&mut self) -> Result<i16, String> {
        let s = self.take(2)?;
        Ok(i16::from_le_bytes([s[0], s[1]]))
    }
}

/// Viterbi over `emissions` with transition, start and end scores; illegal BILOU moves are
/// never taken. `scores` (each position's best score per tag) and `out` are reused buffers.
///
/// The forward pass keeps only the best scores (a max per tag, no back-pointers); the way back
/// finds each predecessor again by the scan's rule (the first, in tag order, whose score plus
/// the transition equals the best: same additions, so the same path as keeping pointers).
pub fn viterbi(
    emissions: &[[f32; NT]],
    trans: &[[f32; NT]; NT],
    start: &[f32; NT],
    end: &[f32; NT],
    scores: &mut Vec<[f32; NT]>,
    out: &mut Vec<usize>,
) {
    out.clear();
    scores.clear();
    let n = emissions.len();
    if n == 0 {
        return;
    }
    const NEG: f32 = f32::NEG_INFINITY;
    let mut cur = [NEG; NT];
    for t in 0..NT {
        if allowed(None, t) {
            cur[t] = start[t] + emissions[0][t];
        }
    }
    scores.push(cur);
    let tt = opening_table(trans);
    for e in &emissions[1..] {
        cur = step(&cur, &tt, trans, e);
        scores.push(cur);
    }
    let mut best = O;
    let mut best_s = NEG;
    for t in 0..NT {
        if may_end(t) && cur[t] != NEG && cur[t] + end[t] > best_s {
            best_s = cur[t] + end[t];
            best = t;
        }
    }
    out.resize(n, O);
    let mut t = best;
    for i in (0..n).rev() {
        out[i] = t;
        if i > 0 {
            t = back_pointer(&scores[i - 1], trans, t) as usize;
        }
    }
}

/// Tags after which a name may start or the text go on outside one: O and every L and U, in
/// tag order (the order decides ties, as in a scan over all tags).
const CLOSED: [usize; 9] = [O, tag(0, L), tag(0, U), tag(1, L), tag(1, U), tag(2, L), tag(2, U), tag(3, L), tag(3, U)];
/// Tags that may follow only those: O and every B and U.
const OPENING: [usize; 9] = [O, tag(0, B), tag(0, U), tag(1, B), tag(1, U), tag(2, B), tag(2, U), tag(3, B), tag(3, U)];

/// `trans[CLOSED[k]][OPENING[l]]` as `[k][l]` (lanes past the ninth unused), so the O/B/U half
/// of a step is three 4-float adds and maxima per predecessor.
#[derive(Clone, Copy)]
struct OpeningTable {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    rows: [[std::arch::x86_64::__m128; 3]; 9],
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    rows: [[f32; 9]; 9],
}

fn opening_table(trans: &[[f32; NT]; NT]) -> OpeningTable {
    let mut tt = [[f32::NEG_INFINITY; 12]; 9];
    for (k, &p) in CLOSED.iter().enumerate() {
        for (l, &t) in OPENING.iter().enumerate() {
            tt[k][l] = trans[p][t];
        }
    }
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        // SAFETY: compiled only where SSE2 is enabled (part of the x86_64 baseline).
        OpeningTable { rows: tt.map(|r| unsafe { [vec4(&r, 0), vec4(&r, 1), vec4(&r, 2)] }) }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        OpeningTable { rows: tt.map(|r| [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]]) }
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn vec4(r: &[f32; 12], j: usize) -> std::arch::x86_64::__m128 {
    std::arch::x86_64::_mm_set_ps(r[4 * j + 3], r[4 * j + 2], r[4 * j + 1], r[4 * j])
}

/// The O/B/U half of a step: for each OPENING tag, the best score over the CLOSED predecessors.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn opening_step(cur: &[f32; NT], tt: &OpeningTable) -> [f32; 9] {
    use std::arch::x86_64::*;
    let neg = _mm_set1_ps(f32::NEG_INFINITY);
    let mut best = [neg; 3];
    for (k, &p) in CLOSED.iter().enumerate() {
        let c = _mm_set1_ps(cur[p]);
        for (b, r) in best.iter_mut().zip(&tt.rows[k]) {
            *b = _mm_max_ps(*b, _mm_add_ps(c, *r));
        }
    }
    let mut out = [0f32; 12];
    for (j, b) in best.into_iter().enumerate() {
        // SAFETY: `out` has room for 12 floats; the store is unaligned.
        unsafe { _mm_storeu_ps(out.as_mut_ptr().add(4 * j), b) };
    }
    std::array::from_fn(|l| out[l])
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline]
fn opening_step(cur: &[f32; NT], tt: &OpeningTable) -> [f32; 9] {
    let mut best = [f32::NEG_INFINITY; 9];
    for (k, &p) in CLOSED.iter().enumerate() {
        for l in 0..9 {
            let s = cur[p] + tt.rows[k][l];
            if s > best[l] {
                best[l] = s;
            }
        }
    }
    best
}

/// One Viterbi step: the best score of each tag given the previous scores.
///
/// The BILOU constraints leave nine predecessors for O/B/U and two (B or I of the same class)
/// for I/L, so the loops are written out for that shape: a third of the scan over all pairs,
/// and no test for unreachable states (-inf plus a weight stays -inf and never wins). The O/B/U
/// half runs over its nine tags at once in SSE lanes (same additions; a maximum is the same
/// value whichever of tied predecessors gives it).
#[inline]
fn step(cur: &[f32; NT], tt: &OpeningTable, trans: &[[f32; NT]; NT], e: &[f32; NT]) -> [f32; NT] {
    let mut next = [f32::NEG_INFINITY; NT];
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    // SAFETY: compiled only where SSE2 is enabled (part of the x86_64 baseline).
    let best = unsafe { opening_step(cur, tt) };
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    let best = opening_step(cur, tt);
    for (l, &t) in OPENING.iter().enumerate() {
        next[t] = best[l] + e[t];
    }
    for c in 0..CLASSES.len() {
        let (b, i) = (tag(c, B), tag(c, I));
        for t in [i, tag(c, L)] {
            let (sb, si) = (cur[b] + trans[b][t], cur[i] + trans[i][t]);
            next[t] = if si > sb { si } else { sb } + e[t];
        }
    }
    next
}

/// The predecessor of tag `t` on the best path, given the previous position's scores `prev`:
/// the first allowed predecessor, in tag order, with the best score plus transition (strict
/// `>`, as in a scan over all tags); 0 when none is reachable.
fn back_pointer(prev: &[f32; NT], trans: &[[f32; NT]; NT], t: usize) -> u8 {
    let mut best = f32::NEG_INFINITY;
    let mut arg = 0;
    let mut consider = |p: usize| {
        let s = prev[p] + trans[p][t];
        if s > best {
            best = s;
            arg = p as u8;
        }
    };
    if OPENING.contains(&t) {
        CLOSED.iter().for_each(|&p| consider(p));
    } else {
        let first = t - (t - 1) % 4;
        consider(first + B);
        consider(first + I);
    }
    arg
}

/// `ALLOWED[prev][cur]`, precomputed.
#[cfg(test)]
const ALLOWED: [[bool; NT]; NT] = {
    let mut a = [[false; NT]; NT];
    let mut p = 0;
    while p < NT {
        let mut c = 0;
        while c < NT {
            // const version of `allowed(Some(p), c)`
            let open = p != O && ((p - 1) % 4 == B || (p - 1) % 4 == I);
            a[p][c] = if open {
                c != O && (c - 1) / 4 == (p - 1) / 4 && ((c - 1) % 4 == I || (c - 1) % 4 == L)
            } else {
                c == O || (c - 1) % 4 == B || (c - 1) % 4 == U
            };
            c += 1;
        }
        p += 1;
    }
    a
};

/// For each tag, the tags that may precede it (and how many): the scan `step` is checked against.
#[cfg(test)]
const PREDS: [([u8; NT], usize); NT] = {
    let mut out = [([0u8; NT], 0usize); NT];
    let mut c = 0;
    while c < NT {
        let mut p = 0;
        while p < NT {
            if ALLOWED[p][c] {
                out[c].0[out[c].1] = p as u8;
                out[c].1 += 1;
            }
            p += 1;
        }
        c += 1;
    }
    out
};

/// Mentions (token range, class) read from a tag sequence.
pub fn spans(tags: &[usize]) -> Vec<(std::ops::Range<usize>, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (i, &t) in tags.iter().enumerate() {
        match split(t) {
            Some((c, U)) => {
                out.push((i..i + 1, c));
                open = None;
            }
            Some((c, B)) => open = Some((i, c)),
            Some((c, L)) => {
                if let Some((s, oc)) = open.take() {
                    if oc == c {
                        out.push((s..i + 1, c));
                    }
                }
            }
            Some(_) => {}
            None => open = None,
        }
    }
    out
}

/// BILOU tags for mentions over `n` tokens.
pub fn tags_of(n: usize, mentions: &[(std::ops::Range<usize>, usize)]) -> Vec<usize> {
    let mut tags = vec![O; n];
    for (r, c) in mentions {
        if r.end > n || r.is_empty() {
            continue;
        }
        if r.len() == 1 {
            tags[r.start] = tag(*c, U);
        } else {
            tags[r.start] = tag(*c, B);
            for t in &mut tags[r.start + 1..r.end - 1] {
                *t = tag(*c, I);
            }
            tags[r.end - 1] = tag(*c, L);
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn constraints() {
        assert!(allowed(None, tag(0, B)) && allowed(None, O) && !allowed(None, tag(0, I)));
        assert!(allowed(Some(tag(1, B)), tag(1, L)) && !allowed(Some(tag(1, B)), tag(2, L)));
        assert!(!allowed(Some(tag(1, I)), O) && allowed(Some(tag(1, L)), tag(3, U)));
        for p in 0..NT {
            for c in 0..NT {
                assert_eq!(ALLOWED[p][c], allowed(Some(p), c), "{p} {c}");
            }
        }
        assert!(may_end(O) && may_end(tag(2, U)) && !may_end(tag(2, B)));
    }

    #[test]
    fn viterbi_never_breaks_constraints() {
        // Emissions that greedily would give B-PER then O (illegal).
        let mut e = [[0f32; NT]; 3];
        e[0][tag(0, B)] = 5.0;
        e[1][O] = 5.0;
        e[1][tag(0, L)] = 4.0;
        e[2][O] = 1.0;
        let z = [[0f32; NT]; NT];
        let (mut back, mut out) = (Vec::new(), Vec::new());
        viterbi(&e, &z, &[0.0; NT], &[0.0; NT], &mut back, &mut out);
        assert_eq!(out, vec![tag(0, B), tag(0, L), O]);
        assert_eq!(spans(&out), vec![(0..2, 0)]);
    }

    /// The scan over every allowed pair that `step` replaces.
    fn step_reference(cur: &[f32; NT], trans: &[[f32; NT]; NT], e: &[f32; NT]) -> ([f32; NT], [u8; NT]) {
        let mut next = [f32::NEG_INFINITY; NT];
        let mut bp = [0u8; NT];
        for t in 0..NT {
            let (preds, np) = &PREDS[t];
            for &p in &preds[..*np] {
                let p = p as usize;
                if cur[p] == f32::NEG_INFINITY {
                    continue;
                }
                let s = cur[p] + trans[p][t];
                if s > next[t] {
                    next[t] = s;
                    bp[t] = p as u8;
                }
            }
            next[t] += e[t];
        }
        (next, bp)
    }

    #[test]
    fn unrolled_step_and_back_pointers_match_the_scan() {
        for t in 0..NT {
            let mut want: Vec<usize> = (0..NT).filter(|&p| ALLOWED[p][t]).collect();
            want.sort();
            let got: Vec<usize> = if OPENING.contains(&t) { CLOSED.to_vec() } else { vec![t - (t - 1) % 4 + B, t - (t - 1) % 4 + I] };
            assert_eq!(got, want, "predecessors of {t}");
        }
        // A small fixed-seed generator; ties (repeated values) and -inf states included.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut r = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x % 7) as f32 - 3.0) * 0.5
        };
        for round in 0..2000 {
            let mut cur = [0f32; NT];
            let mut trans = [[0f32; NT]; NT];
            let mut e = [0f32; NT];
            for v in cur.iter_mut().chain(e.iter_mut()).chain(trans.iter_mut().flatten()) {
                *v = r();
            }
            for (k, v) in cur.iter_mut().enumerate() {
                if (k + round) % 3 == 0 {
                    *v = f32::NEG_INFINITY;
                }
            }
            if round % 50 == 0 {
                cur = [f32::NEG_INFINITY; NT];
            }
            let a = step(&cur, &opening_table(&trans), &trans, &e);
            let ab: [u8; NT] = std::array::from_fn(|t| back_pointer(&cur, &trans, t));
            let (b, bb) = step_reference(&cur, &trans, &e);
            assert_eq!(ab, bb, "round {round}");
            assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits), "round {round}");
        }
    }

    #[test]
    fn tags_round_trip() {
        let m = vec![(0..1, 2), (2..5, 0)];
        let t = tags_of(6, &m);
        assert_eq!(spans(&t), m);
    }

    #[test]
    fn file_round_trip() {
        let mut w = [0f32; NT];
        w[3] = 1.5;
        w[7] = -0.25;
        let mut m = Model::from_rows([(0xdead_beef_0000_0001u64, w), (0x1234_5678_9abc_def0, [0.5; NT])]);
        m.trans[1][2] = 0.75;
        let mut buf = Vec::new();
        m.write(&mut buf, 0.0).unwrap();
        let m2 = Model::read(&buf).unwrap();
        assert_eq!(m2.len(), 2);
        let mut s = [0f32; NT];
        m2.score(&[0xdead_beef_0000_0001], &mut s);
        assert!((s[3] - 1.5).abs() < 1e-3 && (s[7] + 0.25).abs() < 1e-3 && s[0] == 0.0);
        assert_eq!(m2.trans[1][2], 0.75);
        assert!(Model::read(b"junk").is_err());
    }
}
