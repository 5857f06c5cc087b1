//! Token features for the tagger: per-token facts computed once, then hashed templates over a
//! ±2 window. Nothing here builds strings: words are hashed char by char as they are read.

use onrecord_core::lexicon::Table;
use onrecord_core::{Document, Span, Token, TokenKind};

use super::hash::{self, feat, HashedMap};
use super::model::{Acc, Model, NT};

/// Gazetteer kinds, one bit each.
pub const G_FIRST: u8 = 1;
pub const G_LAST: u8 = 2;
pub const G_GPE: u8 = 4;
pub const G_LOC: u8 = 8;
pub const G_NORP: u8 = 16;
pub const G_TITLE: u8 = 32;
const N_GAZ: usize = 6;

/// Word classes by capitalisation.
pub const C_LOWER: u8 = 0;
pub const C_CAP: u8 = 1;
pub const C_UPPER: u8 = 2;
pub const C_NUM: u8 = 3;
pub const C_PUNCT: u8 = 4;
pub const C_QUOTE: u8 = 5;
pub const C_MIXED: u8 = 6;

/// Document-wide casing of a word, seen where capitals carry meaning (not sentence-initial,
/// not in an all-caps line).
pub const D_LOWER: u8 = 1;
pub const D_CAP: u8 = 2;

/// Gazetteers and the title table, compiled in.
#[derive(Debug)]
pub struct Lexicon {
    /// Hash of a token sequence's normalised words -> kind bits.
    names: HashedMap<u8>,
    max_len: usize,
    /// Normalised hashes of the first words of names of two or more words: only these can
    /// start a longer match, so other tokens skip the longer lookups.
    starts: HashedMap<()>,
    /// Normalised word hash -> true for title and role words.
    titles: HashedMap<()>,
}

const TABLES: [(&str, &str, u8); 7] = [
    ("gazetteer-first-names.tsv", include_str!("../../data/gazetteer-first-names.tsv"), G_FIRST),
    ("gazetteer-surnames.tsv", include_str!("../../data/gazetteer-surnames.tsv"), G_LAST),
    ("gazetteer-gpe.tsv", include_str!("../../data/gazetteer-gpe.tsv"), G_GPE),
    ("gazetteer-continents.tsv", include_str!("../../data/gazetteer-continents.tsv"), G_LOC),
    ("gazetteer-loc-extra.tsv", include_str!("../../data/gazetteer-loc-extra.tsv"), 0),
    ("gazetteer-norp.tsv", include_str!("../../data/gazetteer-norp.tsv"), G_NORP),
    ("titles.tsv", include_str!("../../data/titles.tsv"), G_TITLE),
];

impl Lexicon {
    pub fn builtin() -> Lexicon {
        let mut lex = Lexicon { names: HashedMap::default(), max_len: 1, starts: HashedMap::default(), titles: HashedMap::default() };
        let mut toks = Vec::new();
        for (name, src, kind) in TABLES {
            let table = Table::builtin(name, src, 1);
            for row in &table.rows {
                let kind = match (kind, row.get(1).map(String::as_str)) {
                    (0, Some("loc")) => G_LOC,
                    (0, _) => G_GPE,
                    (k, _) => k,
                };
                if kind == G_TITLE {
                    let w = row[0].trim_end_matches('.');
                    lex.titles.insert(norm_hash(w), ());
                    continue;
                }
                toks.clear();
                onrecord_core::text::tokenize_into(&row[0], Span::new(0, row[0].len()), &mut toks);
                if toks.is_empty() {
                    continue;
                }
                let h = toks.iter().fold(0u64, |h, t| hash::add(h, norm_hash(t.span.text(&row[0]))));
                *lex.names.entry(h).or_insert(0) |= kind;
                lex.max_len = lex.max_len.max(toks.len());
                if let (true, Some(t)) = (toks.len() > 1, toks.first()) {
                    lex.starts.insert(norm_hash(t.span.text(&row[0])), ());
                }
            }
        }
        lex
    }

    /// True for title and role words ("President", "spokesman", "Adm.").
    pub fn is_title(&self, word: &str) -> bool {
        self.titles.contains_key(&norm_hash(word.trim_end_matches('.')))
    }

    /// Kind bits of the gazetteer entry spelled exactly by `name` (0 if none).
    pub fn kinds(&self, name: &str) -> u8 {
        let toks = onrecord_core::text::tokenize(name, Span::new(0, name.len()));
        let h = toks.iter().fold(0u64, |h, t| hash::add(h, norm_hash(t.span.text(name))));
        self.names.get(&h).copied().unwrap_or(0)
    }

    /// Kind bits of the gazetteer entry spelled exactly by these normalised word hashes.
    fn lookup(&self, norms: &[u64]) -> u8 {
        let h = norms.iter().fold(0u64, |h, &n| hash::add(h, n));
        self.names.get(&h).copied().unwrap_or(0)
    }
}

/// Normalises a char for word identity: lower case, one apostrophe, one quote, one dash, all
/// digits as 0.
#[inline]
fn norm_char(c: char) -> char {
    match c {
        '’' | '‘' | '`' | 'ʼ' => '\'',
        '“' | '”' | '„' | '«' | '»' => '"',
        '–' | '—' | '‐' | '‑' => '-',
        c if c.is_ascii_digit() => '0',
        c if c.is_ascii() => c.to_ascii_lowercase(),
        c => c.to_lowercase().next().unwrap_or(c),
    }
}

/// Hash of a word's normalised (lower-cased) form.
pub fn norm_hash(w: &str) -> u64 {
    hash::chars(w, |c| Some(norm_char(c)))
}

/// The length in bytes of a possessive ending (`’s`, `'s`, `’S`) on a word of 3+ chars.
pub fn possessive_len(w: &str) -> usize {
    let b = w.as_bytes();
    if b.len() >= 3 && matches!(b[b.len() - 1], b's' | b'S') {
        let head = &w[..w.len() - 1];
        for apo in ['\'', '’'] {
            if head.ends_with(apo) && head.len() > apo.len_utf8() {
                return 1 + apo.len_utf8();
            }
        }
    }
    0
}

/// What the tagger knows about one token, computed once per token.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tok {
    pub norm: u64,
    pub form: u64,
    pub shape: u64,
    pub pre: [u64; 4],
    pub suf: [u64; 4],
    pub class: u8,
    pub poss: bool,
    /// Per gazetteer kind: 0 none, 1 B, 2 I, 3 L, 4 U (position in a matched name).
    pub gaz: [u8; N_GAZ],
    pub doccase: u8,
    pub title: bool,
}

/// Computes the per-token facts of one word.
pub fn tok_info(text: &str, t: &Token) -> Tok {
    let full = t.span.text(text);
    let poss = if t.kind == TokenKind::Word { possessive_len(full) } else { 0 };
    let w = &full[..full.len() - poss];
    let mut tok = Tok { poss: poss > 0, ..Default::default() };
    let mut norm = 0x9e37_79b9_7f4a_7c15u64;
    let mut form = norm;
    let mut shape = norm;
    let (mut last_sc, mut run) = ('\0', 0);
    let (mut upper, mut lower, mut digit) = (0, 0, 0);
    let mut first_upper = false;
    let nchars = w.chars().count();
    let mut pre = norm;
    for (k, c) in w.chars().enumerate() {
        let n = norm_char(c);
        norm = hash::add(norm, n as u64);
        form = hash::add(form, if c.is_ascii_digit() { '0' } else { c } as u64);
        let sc = if c.is_uppercase() {
            upper += 1;
            'X'
        } else if c.is_lowercase() {
            lower += 1;
            'x'
        } else if c.is_numeric() {
            digit += 1;
            'd'
        } else {
            n
        };
        if k == 0 {
            first_upper = c.is_uppercase();
        }
        // Runs longer than two collapse: "Xxx" for any capitalised word of 3+ letters.
        if sc == last_sc {
            run += 1;
        } else {
            last_sc = sc;
            run = 1;
        }
        if run <= 2 {
            shape = hash::add(shape, sc as u64);
        }
        if k < 4 {
            pre = hash::add(pre, n as u64);
            tok.pre[k] = pre;
        }
    }
    // Suffixes: hash the last 1..4 normalised chars, last char first.
    let mut suf = 0x51_7cc1u64;
    for (j, c) in w.chars().rev().take(4).enumerate() {
        suf = hash::add(suf, norm_char(c) as u64);
        tok.suf[j] = suf;
    }
    for j in nchars.min(4)..4 {
        tok.pre[j] = tok.pre[j.saturating_sub(1)] ^ 1;
        tok.suf[j] = tok.suf[j.saturating_sub(1)] ^ 1;
    }
    tok.norm = norm;
    tok.form = form;
    tok.shape = shape;
    tok.class = match t.kind {
        TokenKind::QuoteMark => C_QUOTE,
        TokenKind::Punct => C_PUNCT,
        TokenKind::Number => C_NUM,
        TokenKind::Word if digit > 0 && upper + lower == 0 => C_NUM,
        TokenKind::Word if upper > 0 && lower == 0 => C_UPPER,
        TokenKind::Word if first_upper => C_CAP,
        TokenKind::Word if upper == 0 => C_LOWER,
        TokenKind::Word => C_MIXED,
    };
    tok
}

/// Fills `out` with the facts of every token of a sentence, including gazetteer matches and
/// document casing from `doccase`, and `orig` with the sentence token each entry stands for.
///
/// A word with a possessive ("Trump’s") is followed by two virtual tokens `'` and `s`: that is
/// how the training text ("Germany 's") reads, so the words around it see the same context.
pub fn sentence_toks(
    doc: &Document,
    tokens: &[Token],
    lex: &Lexicon,
    doccase: &HashedMap<u8>,
    out: &mut Vec<Tok>,
    orig: &mut Vec<usize>,
) {
    out.clear();
    orig.clear();
    let apo = tok_info("'", &Token { span: Span::new(0, 1), kind: TokenKind::QuoteMark });
    let s = tok_info("s", &Token { span: Span::new(0, 1), kind: TokenKind::Word });
    for (i, t) in tokens.iter().enumerate() {
        let info = tok_info(&doc.text, t);
        out.push(info);
        orig.push(i);
        if info.poss {
            out.extend([apo, s]);
            orig.extend([i, i]);
        }
    }
    for t in out.iter_mut() {
        t.doccase = doccase.get(&t.norm).copied().unwrap_or(0);
        t.title = lex.titles.contains_key(&t.norm);
    }
    mark_gazetteer(out, lex);
}

/// Gazetteer names: every match, longest first at each start, marked per kind.
fn mark_gazetteer(out: &mut [Tok], lex: &Lexicon) {
    let mut norms = [0u64; 8];
    let max = lex.max_len.min(norms.len());
    for i in 0..out.len() {
        if out[i].class == C_PUNCT || out[i].class == C_QUOTE {
            continue;
        }
        let longest = if lex.starts.contains_key(&out[i].norm) { max.min(out.len() - i) } else { 1 };
        for len in (1..=longest).rev() {
            for (j, n) in norms.iter_mut().take(len).enumerate() {
                *n = out[i + j].norm;
            }
            mark(out, i, len, lex.lookup(&norms[..len]));
        }
    }
}

/// Marks a gazetteer match of `kinds` over `out[i..i + len]` (BILU positions per kind), unless
/// a longer match already marked that kind at `i`.
#[inline]
fn mark(out: &mut [Tok], i: usize, len: usize, kinds: u8) {
    if kinds == 0 {
        return;
    }
    for g in 0..N_GAZ {
        if kinds & (1 << g) == 0 || out.get(i).is_none_or(|t| t.gaz[g] != 0) {
            continue;
        }
        for j in 0..len {
            if let Some(t) = out.get_mut(i + j) {
                t.gaz[g] = match (len, j) {
                    (1, _) => 4,
                    (_, 0) => 1,
                    (_, j) if j == len - 1 => 3,
                    _ => 2,
                };
            }
        }
    }
}

/// Document casing of each word: lower or capitalised where case is informative.
pub fn doc_casing(doc: &Document, out: &mut HashedMap<u8>) {
    out.clear();
    for s in &doc.sentences {
        let toks = &doc.tokens[s.tokens.clone()];
        if all_caps(&doc.text, toks) {
            continue;
        }
        for (i, t) in toks.iter().enumerate() {
            if t.kind != TokenKind::Word || i == 0 || toks[i - 1].kind == TokenKind::QuoteMark {
                continue;
            }
            let w = t.span.text(&doc.text);
            let bit = match w.chars().next() {
                Some(c) if c.is_uppercase() => D_CAP,
                Some(c) if c.is_lowercase() => D_LOWER,
                _ => continue,
            };
            let w = &w[..w.len() - possessive_len(w)];
            *out.entry(norm_hash(w)).or_insert(0) |= bit;
        }
    }
}

/// True when position `i` of a sentence (as filled by [`Words::sentence`]) is outside any name
/// for certain enough that the tagger gives it `O` without adding up its features: a lower-case
/// word, number, punctuation mark or quote mark that no gazetteer matched and that is no title
/// word, with no capitalised neighbour. Names that hold such tokens have a capitalised word
/// beside them ("Bank of England", "Charles de Gaulle", "U.S."), so those stay scored.
///
/// About 60% of news tokens (50% in CoNLL-2003) pass this, and the emission is the tagger's
/// largest cost. Run over PolNeAR train and CoNLL-2003 train and dev, the full tagger gave a
/// gated position a name tag about 95 times in 1,006,366 tokens (BENCHMARKS.md, rule pipeline round 8).
pub fn surely_outside(toks: &[Tok], i: usize) -> bool {
    let capitalised = |j: usize| toks.get(j).is_some_and(|t| matches!(t.class, C_CAP | C_UPPER | C_MIXED));
    // The `s` of a possessive split off a capitalised word ("Lord 's") counts as beside it.
    let after_possessive = i >= 2 && toks.get(i - 1).is_some_and(|t| t.class == C_QUOTE) && capitalised(i - 2);
    toks.get(i).is_some_and(|t| {
        matches!(t.class, C_LOWER | C_NUM | C_PUNCT | C_QUOTE)
            && !t.title
            && t.gaz == [0; N_GAZ]
            && !(i > 0 && capitalised(i - 1))
            && !capitalised(i + 1)
            && !after_possessive
    })
}

/// True for a headline or dateline in capitals: no word of 2+ letters has a lower-case letter.
pub fn all_caps(text: &str, toks: &[Token]) -> bool {
    let mut words = 0;
    for t in toks {
        if t.kind != TokenKind::Word {
            continue;
        }
        let w = t.span.text(text);
        if w.chars().filter(|c| c.is_alphabetic()).count() < 2 {
            continue;
        }
        if w.chars().any(|c| c.is_lowercase()) {
            return false;
        }
        words += 1;
    }
    words > 0
}

const BOS: Tok = Tok {
    norm: 0x0b05,
    form: 0x0b05,
    shape: 0x0b05,
    pre: [0; 4],
    suf: [0; 4],
    class: 7,
    poss: false,
    gaz: [0; N_GAZ],
    doccase: 0,
    title: false,
};
const EOS: Tok = Tok { norm: 0xe05, form: 0xe05, shape: 0xe05, class: 8, ..BOS };

/// The hashed features of token `i` of a sentence.
pub fn features(toks: &[Tok], i: usize, allcaps: bool, out: &mut Vec<u64>) {
    out.clear();
    let at = |d: isize| -> &Tok {
        let j = i as isize + d;
        if j < 0 {
            &BOS
        } else {
            toks.get(j as usize).unwrap_or(&EOS)
        }
    };
    let (p2, p1, t, n1, n2) = (at(-2), at(-1), at(0), at(1), at(2));
    let initial = i == 0 || p1.class == C_QUOTE || p1.class == C_PUNCT && p1.norm == norm_hash(":");
    let cls = t.class as u64;
    out.push(feat(0, 0, 0));
    out.push(feat(1, t.norm, 0));
    out.push(feat(2, t.form, 0));
    out.push(feat(3, t.shape, 0));
    out.push(feat(4, p1.norm, 0));
    out.push(feat(5, n1.norm, 0));
    out.push(feat(6, p2.norm, 0));
    out.push(feat(7, n2.norm, 0));
    out.push(feat(8, p1.shape, t.shape));
    out.push(feat(9, t.shape, n1.shape));
    out.push(feat(10, p1.shape, 0));
    out.push(feat(11, n1.shape, 0));
    out.push(feat(12, p1.norm, t.norm));
    out.push(feat(13, t.norm, n1.norm));
    for k in 0..4 {
        out.push(feat(14 + k as u32, t.pre[k], 0));
        out.push(feat(18 + k as u32, t.suf[k], 0));
    }
    out.push(feat(22, initial as u64, t.shape));
    if initial {
        out.push(feat(23, t.norm, 0));
    }
    if allcaps {
        out.push(feat(24, t.shape, 0));
        out.push(feat(25, t.norm, 0));
    }
    out.push(feat(26, t.doccase as u64 | (initial as u64) << 4 | (allcaps as u64) << 5, cls));
    for (g, &pos) in t.gaz.iter().enumerate() {
        if pos != 0 {
            out.push(feat(27, (g as u64) << 8 | pos as u64, cls));
        }
        if p1.gaz[g] != 0 {
            out.push(feat(28, (g as u64) << 8 | p1.gaz[g] as u64, cls));
        }
        if n1.gaz[g] != 0 {
            out.push(feat(29, (g as u64) << 8 | n1.gaz[g] as u64, cls));
        }
    }
    if p1.title {
        out.push(feat(30, p1.class as u64, cls));
    }
    if t.title {
        out.push(feat(31, cls, 0));
    }
    out.push(feat(32, t.poss as u64, cls));
    out.push(feat(33, (p1.class as u64) << 8 | cls, n1.class as u64));
    out.push(feat(34, p1.norm, t.shape));
    out.push(feat(35, t.shape, n1.norm));
    // A capitalised "The" inside a sentence starts a title ("told The Independent").
    out.push(feat(36, p1.form, (i == 1) as u64));
}

/// Slots of the features that depend on one word only (and on sentence-level flags). Their rows
/// are summed once per word and role ([`SUM_BASE`] and the others), in a cache that lives on
/// across documents ([`Words`]), so a token adds a handful of rows instead of ~45. The weights
/// are integers, so the emission scores are exactly those of hashing every feature
/// ([`features`]) and adding their rows in any order.
const S_NORM: usize = 0; // template 1
const S_FORM: usize = 1; // 2
const S_SHAPE: usize = 2; // 3
const S_P1NORM: usize = 3; // 4, as the previous word
const S_N1NORM: usize = 4; // 5, as the next word
const S_P2NORM: usize = 5; // 6
const S_N2NORM: usize = 6; // 7
const S_P1SHAPE: usize = 7; // 10
const S_N1SHAPE: usize = 8; // 11
const S_PRE: usize = 9; // 14..18
const S_SUF: usize = 13; // 18..22
const S_INITIAL: usize = 17; // 22, by `initial`
const S_INIT_NORM: usize = 19; // 23
const S_CAPS_SHAPE: usize = 20; // 24
const S_CAPS_NORM: usize = 21; // 25
const S_CASE: usize = 22; // 26, by `initial` + 2 * `allcaps`
const S_TITLE: usize = 26; // 31
const S_POSS: usize = 27; // 32
const S_P1FORM: usize = 28; // 36, by `i == 1`

/// Sums per word: the word's own features that need no context (bias included); as the word
/// itself by (`initial`, `allcaps`, document casing), the first sum included; as the previous
/// word, by `i == 1`; as the next word.
const SUM_BASE: usize = 0;
const SUM_ME: usize = 1;
const SUM_P1: usize = SUM_ME + 16;
const SUM_N1: usize = SUM_P1 + 2;
const SUMS: usize = SUM_N1 + 1;

/// A row or sum not looked up yet.
const UNSET: u32 = u32::MAX - 1;

/// Words kept in the cache; past this it is emptied before the next document, so memory stays
/// bounded on any stream (about 7 MB per thread when full). PolNeAR train's 840 articles have
/// 33k distinct tokens: twice this cap saves 2% more instructions for 9 MB more at 2 threads.
const MAX_WORDS: usize = 1 << 14;

/// The facts of a word read after its first sum is made (affixes only go into that sum).
#[derive(Debug, Clone, Copy)]
struct Facts {
    norm: u64,
    form: u64,
    shape: u64,
    class: u8,
    poss: bool,
    title: bool,
    /// [`D_CAP`] or [`D_LOWER`] by the word's first letter (0 for neither), for the document's
    /// casing.
    case: u8,
}

impl Facts {
    fn tok(&self) -> Tok {
        Tok { norm: self.norm, form: self.form, shape: self.shape, class: self.class, poss: self.poss, title: self.title, ..Tok::default() }
    }
}

/// One word (spelling and token kind): its facts, without the document's casing, and its rows.
#[derive(Debug, Clone)]
struct Word {
    tok: Facts,
    /// Rows of the word two before and two after a token.
    p2: u32,
    n2: u32,
    /// Index in `Words::sums` of each sum, or [`UNSET`].
    sums: [u32; SUMS],
    /// Whether the word starts a gazetteer name of two or more words, and the kinds of the
    /// one-word name it spells.
    gaz_start: bool,
    gaz_one: u8,
}

/// The feature hash of slot `s` for a word with facts `t` (`doccase` standing in for its
/// casing in the document).
fn slot_hash(t: &Tok, s: usize, doccase: u8) -> u64 {
    let cls = t.class as u64;
    match s {
        S_NORM => feat(1, t.norm, 0),
        S_FORM => feat(2, t.form, 0),
        S_SHAPE => feat(3, t.shape, 0),
        S_P1NORM => feat(4, t.norm, 0),
        S_N1NORM => feat(5, t.norm, 0),
        S_P2NORM => feat(6, t.norm, 0),
        S_N2NORM => feat(7, t.norm, 0),
        S_P1SHAPE => feat(10, t.shape, 0),
        S_N1SHAPE => feat(11, t.shape, 0),
        s if (S_PRE..S_PRE + 4).contains(&s) => feat(14 + (s - S_PRE) as u32, t.pre[s - S_PRE], 0),
        s if (S_SUF..S_SUF + 4).contains(&s) => feat(18 + (s - S_SUF) as u32, t.suf[s - S_SUF], 0),
        s if (S_INITIAL..S_INITIAL + 2).contains(&s) => feat(22, (s - S_INITIAL) as u64, t.shape),
        S_INIT_NORM => feat(23, t.norm, 0),
        S_CAPS_SHAPE => feat(24, t.shape, 0),
        S_CAPS_NORM => feat(25, t.norm, 0),
        s if (S_CASE..S_CASE + 4).contains(&s) => {
            let c = (s - S_CASE) as u64;
            feat(26, doccase as u64 | (c & 1) << 4 | (c >> 1) << 5, cls)
        }
        S_TITLE => feat(31, cls, 0),
        S_POSS => feat(32, t.poss as u64, cls),
        s => feat(36, t.form, (s - S_P1FORM) as u64),
    }
}

/// Classes of tokens, BOS and EOS included (`class` < 9).
const NC: usize = 9;

const T_BOS: u32 = 0;
const T_EOS: u32 = 1;
const T_APO: u32 = 2;
const T_S: u32 = 3;

/// The tagger's word cache and per-sentence buffers: each word's facts and summed feature rows,
/// computed the first time the word is seen and kept for later documents (one cache per
/// thread, see [`with_words`]). Facts that depend on the document (its casing of the word) are
/// looked up per token.
#[derive(Debug, Default)]
pub struct Words {
    /// The model the rows belong to ([`Model::id`]); another model empties the cache.
    model: u64,
    /// Word ids by spelling, one per token kind.
    index: rustc_hash::FxHashMap<Box<str>, [u32; 4]>,
    words: Vec<Word>,
    /// The sums, as `i16` where every lane fits (nearly all), else in `wide`.
    sums: Vec<[i16; NT]>,
    wide: Vec<Acc>,
    /// Word of each token of the document being tagged.
    doc_ids: Vec<u32>,
    /// Word of each sentence position (virtual possessive tokens included).
    pos: Vec<u32>,
    /// Rows of template 30 by (previous class, class), of 33 by (previous, this, next class),
    /// of 27, 28 and 29 (gazetteer position of this, the previous and the next word) by
    /// (template, kind, position, class).
    t30: Vec<u32>,
    t33: Vec<u32>,
    tgaz: Vec<u32>,
    bias: u32,
    /// `norm_hash(":")`: a colon makes the next word sentence-initial.
    colon: u64,
}

/// Runs `f` with this thread's word cache, made ready for a document tagged with `model` (an
/// empty cache if the thread's is in use).
pub fn with_words<R>(model: &Model, lex: &Lexicon, f: impl FnOnce(&mut Words) -> R) -> R {
    thread_local! {
        static WORDS: std::cell::RefCell<Words> = std::cell::RefCell::new(Words::default());
    }
    WORDS.with(|w| match w.try_borrow_mut() {
        Ok(mut w) => {
            w.ready(model, lex);
            f(&mut w)
        }
        Err(_) => {
            let mut w = Words::default();
            w.ready(model, lex);
            f(&mut w)
        }
    })
}

fn kind_index(k: TokenKind) -> usize {
    match k {
        TokenKind::Word => 0,
        TokenKind::Number => 1,
        TokenKind::QuoteMark => 2,
        TokenKind::Punct => 3,
    }
}

impl Words {
    /// An empty cache for `model`.
    #[cfg(test)]
    pub fn new(model: &Model, lex: &Lexicon) -> Words {
        let mut w = Words::default();
        w.ready(model, lex);
        w
    }

    /// Empties the cache if it holds another model's rows or has grown past [`MAX_WORDS`].
    fn ready(&mut self, model: &Model, lex: &Lexicon) {
        if self.model == model.id() && !self.words.is_empty() && self.words.len() <= MAX_WORDS {
            return;
        }
        self.model = model.id();
        self.index.clear();
        self.words.clear();
        self.sums.clear();
        self.wide.clear();
        // Room for a full cache up front: no copies while it grows, and pages are only
        // resident once used (the index grows as usual: its buckets are touched at random).
        self.words.reserve(MAX_WORDS + 8);
        self.sums.reserve(4 * MAX_WORDS);
        self.t30 = vec![UNSET; NC * NC];
        self.t33 = vec![UNSET; NC * NC * NC];
        self.tgaz = vec![UNSET; 3 * N_GAZ * 5 * NC];
        self.bias = model.row_id(feat(0, 0, 0));
        self.colon = norm_hash(":");
        let apo = tok_info("'", &Token { span: Span::new(0, 1), kind: TokenKind::QuoteMark });
        let s = tok_info("s", &Token { span: Span::new(0, 1), kind: TokenKind::Word });
        for tok in [BOS, EOS, apo, s] {
            self.push(tok, 0, lex, model);
        }
    }

    /// Adds a word with facts `tok`, and its first sum (the only one that reads its affixes).
    fn push(&mut self, mut tok: Tok, case: u8, lex: &Lexicon, model: &Model) -> u32 {
        tok.doccase = 0;
        tok.title = lex.titles.contains_key(&tok.norm);
        let gaz_start = lex.starts.contains_key(&tok.norm);
        let gaz_one = lex.lookup(&[tok.norm]);
        let mut acc = [0i32; NT];
        model.add_row(&mut acc, self.bias);
        for s in [S_NORM, S_FORM, S_SHAPE, S_POSS].into_iter().chain(S_PRE..S_PRE + 4).chain(S_SUF..S_SUF + 4) {
            model.add_row(&mut acc, model.row_id(slot_hash(&tok, s, 0)));
        }
        if tok.title {
            model.add_row(&mut acc, model.row_id(slot_hash(&tok, S_TITLE, 0)));
        }
        let mut sums = [UNSET; SUMS];
        sums[SUM_BASE] = self.store(&acc);
        let facts =
            Facts { norm: tok.norm, form: tok.form, shape: tok.shape, class: tok.class, poss: tok.poss, title: tok.title, case };
        self.words.push(Word { tok: facts, p2: UNSET, n2: UNSET, sums, gaz_start, gaz_one });
        (self.words.len() - 1) as u32
    }

    /// The word id of token `t`, added to the cache when new.
    #[inline]
    fn word(&mut self, text: &str, t: &Token, lex: &Lexicon, model: &Model) -> u32 {
        let w = t.span.text(text);
        let k = kind_index(t.kind);
        match self.index.get(w) {
            Some(ids) if ids[k] != UNSET => ids[k],
            _ => {
                let case = match w.chars().next() {
                    Some(c) if c.is_uppercase() => D_CAP,
                    Some(c) if c.is_lowercase() => D_LOWER,
                    _ => 0,
                };
                let id = self.push(tok_info(text, t), case, lex, model);
                self.index.entry(w.into()).or_insert([UNSET; 4])[k] = id;
                id
            }
        }
    }

    /// Looks up the word of every token of `doc` (for [`Words::sentence`]) and fills `doccase`
    /// as [`doc_casing`] does, from the cached facts.
    pub fn document(&mut self, doc: &Document, lex: &Lexicon, model: &Model, doccase: &mut HashedMap<u8>) {
        doccase.clear();
        self.doc_ids.clear();
        for t in &doc.tokens {
            let id = self.word(&doc.text, t, lex, model);
            self.doc_ids.push(id);
        }
        for s in &doc.sentences {
            let (Some(toks), Some(ids)) = (doc.tokens.get(s.tokens.clone()), self.doc_ids.get(s.tokens.clone())) else {
                continue;
            };
            if all_caps(&doc.text, toks) {
                continue;
            }
            for (i, (t, &id)) in toks.iter().zip(ids).enumerate() {
                if t.kind != TokenKind::Word || i == 0 || toks[i - 1].kind == TokenKind::QuoteMark {
                    continue;
                }
                let w = &self.words[id as usize].tok;
                if w.case != 0 {
                    *doccase.entry(w.norm).or_insert(0) |= w.case;
                }
            }
        }
    }

    /// Same as [`sentence_toks`] for the tokens `range` of the document last given to
    /// [`Words::document`], with each word's facts read from the cache.
    pub fn sentence(
        &mut self,
        range: std::ops::Range<usize>,
        lex: &Lexicon,
        doccase: &HashedMap<u8>,
        out: &mut Vec<Tok>,
        orig: &mut Vec<usize>,
    ) {
        out.clear();
        orig.clear();
        self.pos.clear();
        let ids = self.doc_ids.get(range).unwrap_or_default();
        for (i, &id) in ids.iter().enumerate() {
            let mut info = self.words[id as usize].tok.tok();
            info.doccase = doccase.get(&info.norm).copied().unwrap_or(0);
            out.push(info);
            orig.push(i);
            self.pos.push(id);
            if info.poss {
                for v in [T_APO, T_S] {
                    let mut info = self.words[v as usize].tok.tok();
                    info.doccase = doccase.get(&info.norm).copied().unwrap_or(0);
                    out.push(info);
                    orig.push(i);
                    self.pos.push(v);
                }
            }
        }
        self.mark_gazetteer(out, lex);
    }

    /// [`mark_gazetteer`] with the one-word lookups read from the cache.
    fn mark_gazetteer(&self, out: &mut [Tok], lex: &Lexicon) {
        let mut norms = [0u64; 8];
        let max = lex.max_len.min(norms.len());
        for i in 0..out.len() {
            if out[i].class == C_PUNCT || out[i].class == C_QUOTE {
                continue;
            }
            let Some(w) = self.pos.get(i).and_then(|&t| self.words.get(t as usize)) else { continue };
            let longest = if w.gaz_start { max.min(out.len() - i) } else { 1 };
            for len in (1..=longest).rev() {
                let kinds = if len == 1 {
                    w.gaz_one
                } else {
                    for (j, n) in norms.iter_mut().take(len).enumerate() {
                        *n = out[i + j].norm;
                    }
                    lex.lookup(&norms[..len])
                };
                mark(out, i, len, kinds);
            }
        }
    }

    /// Sum `k` of word `id`, computed on first use (the first, [`SUM_BASE`], is made by `push`).
    #[inline]
    fn sum(&mut self, model: &Model, id: u32, k: usize) -> Acc {
        match self.words.get(id as usize).and_then(|w| w.sums.get(k)) {
            Some(&at) if at != UNSET => self.load(at),
            _ => self.make_sum(model, id, k),
        }
    }

    /// [`Words::sum`] the first time: adds the rows and keeps the sum.
    #[cold]
    #[inline(never)]
    fn make_sum(&mut self, model: &Model, id: u32, k: usize) -> Acc {
        let id = (id as usize).min(self.words.len() - 1);
        let k = k.min(SUMS - 1);
        let at = self.words[id].sums[k];
        if at != UNSET {
            return self.load(at);
        }
        let tok = self.words[id].tok.tok();
        let doccase = if (SUM_ME..SUM_P1).contains(&k) { ((k - SUM_ME) % 4) as u8 } else { 0 };
        let mut acc = [0i32; NT];
        let add = |acc: &mut Acc, s: usize| model.add_row(acc, model.row_id(slot_hash(&tok, s, doccase)));
        match k {
            // Made by `push` for every word.
            SUM_BASE => {}
            k if k < SUM_P1 => {
                acc = self.sum(model, id as u32, SUM_BASE);
                let v = (k - SUM_ME) / 4;
                let (initial, allcaps) = (v & 1, v >> 1);
                add(&mut acc, S_INITIAL + initial);
                if initial == 1 {
                    add(&mut acc, S_INIT_NORM);
                }
                if allcaps == 1 {
                    add(&mut acc, S_CAPS_SHAPE);
                    add(&mut acc, S_CAPS_NORM);
                }
                add(&mut acc, S_CASE + v);
            }
            k if k < SUM_N1 => {
                add(&mut acc, S_P1NORM);
                add(&mut acc, S_P1SHAPE);
                add(&mut acc, S_P1FORM + (k - SUM_P1));
            }
            _ => {
                add(&mut acc, S_N1NORM);
                add(&mut acc, S_N1SHAPE);
            }
        }
        self.words[id].sums[k] = self.store(&acc);
        acc
    }

    /// Keeps a sum; returns where it is (bit 31 set: in `wide`).
    fn store(&mut self, acc: &Acc) -> u32 {
        if acc.iter().all(|&x| i16::try_from(x).is_ok()) {
            self.sums.push(acc.map(|x| x as i16));
            (self.sums.len() - 1) as u32
        } else {
            self.wide.push(*acc);
            (self.wide.len() - 1) as u32 | 1 << 31
        }
    }

    /// A sum kept by [`Words::store`].
    #[inline]
    fn load(&self, at: u32) -> Acc {
        if at & 1 << 31 == 0 {
            self.sums.get(at as usize).map_or([0; NT], |s| s.map(i32::from))
        } else {
            self.wide.get((at & !(1 << 31)) as usize).copied().unwrap_or([0; NT])
        }
    }

    /// The row of the word two before (`before`) or after a token.
    fn far_row(&mut self, model: &Model, id: u32, before: bool) -> u32 {
        let Some(w) = self.words.get_mut(id as usize) else { return super::model::NO_ROW };
        let (r, s) = if before { (&mut w.p2, S_P2NORM) } else { (&mut w.n2, S_N2NORM) };
        if *r == UNSET {
            *r = model.row_id(slot_hash(&w.tok.tok(), s, 0));
        }
        *r
    }

    /// A row from one of the small tables of context features, looked up on first use.
    #[inline]
    fn small(table: &mut [u32], k: usize, model: &Model, h: impl FnOnce() -> u64) -> u32 {
        match table.get(k).copied() {
            Some(UNSET) => {
                let r = model.row_id(h());
                table[k] = r;
                r
            }
            Some(r) => r,
            None => model.row_id(h()),
        }
    }

    /// The emission scores of position `i` of the last sentence (`toks` as filled by
    /// [`Words::sentence`]): the rows of the features [`features`] produces, most of them
    /// through the per-word sums, added as integers and scaled once.
    pub fn emission(&mut self, model: &Model, toks: &[Tok], i: usize, allcaps: bool, e: &mut [f32; NT]) {
        let id_at = |d: isize, pos: &[u32]| -> u32 {
            let j = i as isize + d;
            if j < 0 {
                T_BOS
            } else {
                pos.get(j as usize).copied().unwrap_or(T_EOS)
            }
        };
        let (p2, p1, n1, n2) = (id_at(-2, &self.pos), id_at(-1, &self.pos), id_at(1, &self.pos), id_at(2, &self.pos));
        let me = id_at(0, &self.pos);
        let at = |d: isize| -> &Tok {
            let j = i as isize + d;
            if j < 0 {
                &BOS
            } else {
                toks.get(j as usize).unwrap_or(&EOS)
            }
        };
        let (tp1, t, tn1) = (at(-1), at(0), at(1));
        let initial = i == 0 || tp1.class == C_QUOTE || tp1.class == C_PUNCT && tp1.norm == self.colon;
        let v = initial as usize + 2 * allcaps as usize;
        let mut acc = self.sum(model, me, SUM_ME + 4 * v + (t.doccase & 3) as usize);
        let add = |acc: &mut Acc, s: Acc| {
            for k in 0..NT {
                acc[k] += s[k];
            }
        };
        add(&mut acc, self.sum(model, p1, SUM_P1 + (i == 1) as usize));
        add(&mut acc, self.sum(model, n1, SUM_N1));
        model.add_row(&mut acc, self.far_row(model, p2, true));
        model.add_row(&mut acc, self.far_row(model, n2, false));
        model.add_row(&mut acc, model.row_id(feat(8, tp1.shape, t.shape)));
        model.add_row(&mut acc, model.row_id(feat(9, t.shape, tn1.shape)));
        model.add_row(&mut acc, model.row_id(feat(12, tp1.norm, t.norm)));
        model.add_row(&mut acc, model.row_id(feat(13, t.norm, tn1.norm)));
        model.add_row(&mut acc, model.row_id(feat(34, tp1.norm, t.shape)));
        model.add_row(&mut acc, model.row_id(feat(35, t.shape, tn1.norm)));
        let cls = t.class as u64;
        let (pc, c, nc) = (tp1.class as usize, t.class as usize, tn1.class as usize);
        for (which, gaz) in [t.gaz, tp1.gaz, tn1.gaz].into_iter().enumerate() {
            if gaz == [0; N_GAZ] {
                continue;
            }
            for (g, pos) in gaz.into_iter().enumerate() {
                if pos != 0 {
                    let k = ((which * N_GAZ + g) * 5 + pos as usize) * NC + c;
                    let h = || feat(27 + which as u32, (g as u64) << 8 | pos as u64, cls);
                    model.add_row(&mut acc, Self::small(&mut self.tgaz, k, model, h));
                }
            }
        }
        if tp1.title {
            let h = || feat(30, tp1.class as u64, cls);
            model.add_row(&mut acc, Self::small(&mut self.t30, pc * NC + c, model, h));
        }
        let h = || feat(33, (tp1.class as u64) << 8 | cls, tn1.class as u64);
        model.add_row(&mut acc, Self::small(&mut self.t33, (pc * NC + c) * NC + nc, model, h));
        model.to_scores(&acc, e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        onrecord_core::text::document("t", text)
    }

    #[test]
    fn possessives_and_norms() {
        assert_eq!(possessive_len("Trump’s"), "’s".len());
        assert_eq!(possessive_len("NATO's"), 2);
        assert_eq!(possessive_len("’s"), 0);
        assert_eq!(possessive_len("Paris"), 0);
        assert_eq!(norm_hash("NATO’s"), norm_hash("nato's"));
        assert_eq!(norm_hash("1996"), norm_hash("2024"));
    }

    #[test]
    fn token_facts() {
        let d = doc("Trump’s aides met NATO officials in 2024.");
        let infos: Vec<Tok> = d.tokens.iter().map(|t| tok_info(&d.text, t)).collect();
        assert!(infos[0].poss);
        assert_eq!(infos[0].norm, norm_hash("trump"));
        assert_eq!(infos[0].class, C_CAP);
        assert_eq!(infos[1].class, C_LOWER);
        assert_eq!(infos[3].class, C_UPPER);
        assert_eq!(infos[6].class, C_NUM);
        assert_eq!(infos[7].class, C_PUNCT);
        // Shapes: capitalised words of any length share one.
        let d2 = doc("Putin Zelensky");
        let i2: Vec<Tok> = d2.tokens.iter().map(|t| tok_info(&d2.text, t)).collect();
        assert_eq!(i2[0].shape, i2[1].shape);
        assert_ne!(i2[0].shape, infos[3].shape);
    }

    #[test]
    fn gazetteer_matches_multiword_names() {
        let lex = Lexicon::builtin();
        let d = doc("He flew from New York to Paris with Mary.");
        let mut toks = Vec::new();
        sentence_toks(&d, &d.tokens, &lex, &HashedMap::default(), &mut toks, &mut Vec::new());
        let gpe = G_GPE.trailing_zeros() as usize;
        assert_eq!(toks[3].gaz[gpe], 1, "New");
        assert_eq!(toks[4].gaz[gpe], 3, "York");
        assert_eq!(toks[6].gaz[gpe], 4, "Paris");
        assert_eq!(toks[8].gaz[G_FIRST.trailing_zeros() as usize], 4, "Mary");
        assert!(lex.is_title("President-elect") && lex.is_title("Adm.") && !lex.is_title("Trump"));
    }

    #[test]
    fn features_are_deterministic_and_windowed() {
        let d = doc("EU rejects German call");
        let lex = Lexicon::builtin();
        let mut toks = Vec::new();
        sentence_toks(&d, &d.tokens, &lex, &HashedMap::default(), &mut toks, &mut Vec::new());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        features(&toks, 0, false, &mut a);
        features(&toks, 0, false, &mut b);
        assert_eq!(a, b);
        features(&toks, 3, false, &mut b);
        assert_ne!(a, b);
        assert!(a.len() > 25, "{}", a.len());
        assert!(all_caps(&doc("SOCCER - JAPAN GET LUCKY WIN").text, &doc("SOCCER - JAPAN GET LUCKY WIN").tokens));
    }

    #[test]
    fn possessives_read_as_separate_tokens() {
        let d = doc("CNN’s Jake Tapper");
        let (mut toks, mut orig) = (Vec::new(), Vec::new());
        sentence_toks(&d, &d.tokens, &Lexicon::builtin(), &HashedMap::default(), &mut toks, &mut orig);
        assert_eq!(orig, vec![0, 0, 0, 1, 2]);
        assert_eq!(toks[1].class, C_QUOTE);
        assert_eq!(toks[2].norm, norm_hash("s"));
    }

    #[test]
    fn only_tokens_away_from_capitals_are_surely_outside() {
        let d = doc("The Bank of England said on Monday that the president of the bank, who spoke, will go.");
        let (mut toks, mut orig) = (Vec::new(), Vec::new());
        sentence_toks(&d, &d.tokens, &Lexicon::builtin(), &HashedMap::default(), &mut toks, &mut orig);
        let gated: Vec<&str> =
            (0..toks.len()).filter(|&i| surely_outside(&toks, i)).map(|i| d.slice(d.tokens[orig[i]].span)).collect();
        // Scored: everything capitalised, "of" between capitals, "said" and "that" beside them,
        // the title word "president", and "will" (a given name in the gazetteer).
        assert_eq!(gated, ["the", "of", "the", "bank", ",", "who", "spoke", ",", "go", "."]);
        // CoNLL writes "Lord 's": the `s` stays scored, as in "People 's Republic".
        let d = doc("He batted at Lord 's , then left .");
        sentence_toks(&d, &d.tokens, &Lexicon::builtin(), &HashedMap::default(), &mut toks, &mut orig);
        let gated: Vec<&str> =
            (0..toks.len()).filter(|&i| surely_outside(&toks, i)).map(|i| d.slice(d.tokens[orig[i]].span)).collect();
        assert_eq!(gated, [",", "then", "left", "."]);
    }

    #[test]
    fn cached_rows_score_exactly_as_hashed_features() {
        let model = Model::read(include_bytes!("../../model/ner.bin")).unwrap();
        let lex = Lexicon::builtin();
        let text = "WASHINGTON (Reuters) - President Trump’s aides met NATO officials: “We told The Independent,” \
                    Mr. Smith said. Smith’s aide, Dr. Jane O'Neil-Brown, flew to New York on Jan. 3, 2024.\n\n\
                    SOCCER - JAPAN GET LUCKY WIN, CHINA IN SURPRISE DEFEAT.\n\nthe Kremlin: Peskov's remarks ... ok";
        let mut types = Words::new(&model, &lex);
        let (mut a, mut b, mut oa, mut ob) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut feats = Vec::new();
        let mut n = 0;
        // The second document finds its words cached by the first, with other casings.
        for text in [text, "Smith’s aides told the Kremlin: “Trump said so.” Asked again, smith said no."] {
            let d = doc(text);
            let (mut doccase, mut cached) = (HashedMap::default(), HashedMap::default());
            doc_casing(&d, &mut doccase);
            types.document(&d, &lex, &model, &mut cached);
            assert_eq!(doccase, cached);
            for s in &d.sentences {
                let toks = &d.tokens[s.tokens.clone()];
                let allcaps = all_caps(&d.text, toks);
                sentence_toks(&d, toks, &lex, &doccase, &mut a, &mut oa);
                types.sentence(s.tokens.clone(), &lex, &doccase, &mut b, &mut ob);
                assert_eq!(oa, ob);
                for i in 0..a.len() {
                    features(&a, i, allcaps, &mut feats);
                    let (mut ea, mut eb) = ([0f32; NT], [0f32; NT]);
                    model.score(&feats, &mut ea);
                    types.emission(&model, &b, i, allcaps, &mut eb);
                    assert_eq!(ea.map(f32::to_bits), eb.map(f32::to_bits), "token {i} of {text}");
                    n += 1;
                }
            }
        }
        assert!(n > 80, "{n}");
    }

    #[test]
    fn another_model_empties_the_word_cache() {
        let lex = Lexicon::builtin();
        let m1 = Model::read(include_bytes!("../../model/ner.bin")).unwrap();
        let m2 = m1.clone();
        let m3 = Model::read(include_bytes!("../../model/ner.bin")).unwrap();
        let mut w = Words::new(&m1, &lex);
        let mut dc = HashedMap::default();
        w.document(&doc("Smith met Jones."), &lex, &m1, &mut dc);
        let n = w.words.len();
        assert!(n > 4);
        w.ready(&m2, &lex);
        assert_eq!(w.words.len(), n, "a clone has the same weights");
        w.ready(&m3, &lex);
        assert_eq!(w.words.len(), 4, "only BOS, EOS and the possessive's two tokens");
    }

    #[test]
    fn doc_casing_ignores_sentence_starts() {
        let d = doc("Asked about it, he was asked again. The Kremlin said so.");
        let mut m = HashedMap::default();
        doc_casing(&d, &mut m);
        assert_eq!(m.get(&norm_hash("asked")), Some(&D_LOWER));
        assert_eq!(m.get(&norm_hash("kremlin")), Some(&D_CAP));
    }
}
