//! The attribution finder: cue-anchored patterns over the token layer.
//!
//! Every reporting cue outside quote marks is tried in turn: its source is the noun phrase
//! before it ("Peskov said", "X, a title, said", "X has also said") or after it when the cue
//! follows a quote or a comma ("…,” said X"); its content is the quote that touches the
//! pattern (direct), else the that-clause or rest of the sentence after it, else the part of
//! the sentence before it ("…, sources told X"). Quotes that no cue claims are continuations
//! of the last speaker when they make a sentence of their own, and scare quotes otherwise.

use onrecord_core::{Attribution, EntityType};
use onrecord_core::{
    Document, MentionKind, Polarity, QuoteKind, SourceKind, Span, TimexType, TokenKind,
};

use crate::lexicon::{Cue, CueClass, Grammar, HedgeKind, Lexicon, WordKind};

/// An attribution under construction, in token indices where that helps.
#[derive(Debug, Clone)]
struct Found {
    kind: QuoteKind,
    content: Vec<Span>,
    cue: Option<Span>,
    cue_tok: usize,
    source: Option<Span>,
    /// Token range of the source (inclusive), for kind decisions.
    source_toks: Option<(usize, usize)>,
    addressee: Option<Span>,
    hedges: Vec<Span>,
    polarity: Polarity,
    confidence: f32,
    /// A continuation: index of the attribution whose speaker it inherits.
    inherit: Option<usize>,
    forced_kind: Option<SourceKind>,
}

/// Every token's text in lower case, as `str::to_lowercase` gives it: ASCII tokens borrow it
/// from the document's text lower-cased once (ASCII letters only, so the byte offsets are the
/// same), so only tokens with other characters allocate.
struct Lower<'a>(Vec<std::borrow::Cow<'a, str>>);

impl<'a> Lower<'a> {
    /// `lower` is `doc.text` with ASCII letters lower-cased (`str::to_ascii_lowercase`).
    fn new(doc: &'a Document, lower: &'a str) -> Lower<'a> {
        use std::borrow::Cow;
        Lower(
            doc.tokens
                .iter()
                .map(|t| {
                    let w = doc.slice(t.span);
                    if w.is_ascii() {
                        Cow::Borrowed(t.span.text(lower))
                    } else {
                        Cow::Owned(w.to_lowercase())
                    }
                })
                .collect(),
        )
    }

    fn get(&self, i: usize) -> Option<&str> {
        self.0.get(i).map(|w| &**w)
    }
}

impl std::ops::Index<usize> for Lower<'_> {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        self.get(i).unwrap_or("")
    }
}

pub struct Finder<'a> {
    doc: &'a Document,
    lex: &'a Lexicon,
    low: Lower<'a>,
    /// Index of the outermost quote region holding each token.
    region_of: Vec<Option<usize>>,
    sent_of: Vec<usize>,
    used: Vec<bool>,
}

const MAX_NP: usize = 12;
const PREPOSITIONS: &[&str] = &[
    "of", "for", "with", "from", "by", "at", "in", "on", "into", "over",
];
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "his", "her", "its", "their", "our", "my", "your", "this", "these", "those",
    "whose",
];
const OBJECT_CONTENT_STOPS_AT_COMMA: bool = true;

impl<'a> Finder<'a> {
    /// `lower` is `doc.text` with ASCII letters lower-cased (`str::to_ascii_lowercase`).
    pub fn new(doc: &'a Document, lex: &'a Lexicon, lower: &'a str) -> Self {
        let low = Lower::new(doc, lower);
        let mut region_of = vec![None; doc.tokens.len()];
        for (ri, r) in doc.quote_regions.iter().enumerate() {
            if r.depth != 0 {
                continue;
            }
            for ti in doc.tokens_in(r.span) {
                region_of[ti] = Some(ri);
            }
        }
        let mut sent_of = vec![usize::MAX; doc.tokens.len()];
        for (si, s) in doc.sentences.iter().enumerate() {
            for ti in s.tokens.clone() {
                if let Some(x) = sent_of.get_mut(ti) {
                    *x = si;
                }
            }
        }
        let used = vec![false; doc.quote_regions.len()];
        Finder {
            doc,
            lex,
            low,
            region_of,
            sent_of,
            used,
        }
    }

    fn txt(&self, i: usize) -> &str {
        self.doc
            .tokens
            .get(i)
            .map_or("", |t| self.doc.slice(t.span))
    }
    fn kind(&self, i: usize) -> Option<TokenKind> {
        self.doc.tokens.get(i).map(|t| t.kind)
    }
    fn is_wordlike(&self, i: usize) -> bool {
        matches!(self.kind(i), Some(TokenKind::Word | TokenKind::Number))
    }
    fn is_cap(&self, i: usize) -> bool {
        self.kind(i) == Some(TokenKind::Word)
            && self.txt(i).chars().next().is_some_and(char::is_uppercase)
    }
    fn span(&self, a: usize, b: usize) -> Span {
        Span::new(self.doc.tokens[a].span.start, self.doc.tokens[b].span.end)
    }
    fn is_quote_open(&self, i: usize) -> Option<usize> {
        let r = self.region_of.get(i).copied().flatten()?;
        (self.doc.quote_regions[r].open == self.doc.tokens[i].span).then_some(r)
    }
    fn is_quote_close(&self, i: usize) -> Option<usize> {
        let r = self.region_of.get(i).copied().flatten()?;
        (self.doc.quote_regions[r].close == Some(self.doc.tokens[i].span)).then_some(r)
    }
    /// A dot that belongs to a title abbreviation before it ("Mr.", "Sen.").
    fn abbrev_dot(&self, i: usize) -> bool {
        i > 0
            && self.txt(i) == "."
            && self.is_cap(i - 1)
            && self.txt(i - 1).chars().count() <= 4
            && self.doc.tokens[i - 1].span.end == self.doc.tokens[i].span.start
    }
    fn np_token(&self, i: usize) -> bool {
        match self.kind(i) {
            Some(TokenKind::Word | TokenKind::Number) => {
                !self.lex.is(&self.low[i], Grammar::Stop)
                    && !self.lex.cues.contains_key(&self.low[i])
            }
            Some(TokenKind::Punct) => matches!(self.txt(i), "-" | "&" | "–") || self.abbrev_dot(i),
            _ => false,
        }
    }

    /// The noun phrase ending at token `j`, walking left no further than `lo`.
    fn np_left(&self, j: usize, lo: usize) -> Option<(usize, usize)> {
        // "Sen. Claire McCaskill (D-Mo.)": a short parenthetical after the name belongs to it.
        if self.txt(j) == ")" {
            let open = (j.saturating_sub(12).max(lo)..j)
                .rev()
                .find(|&k| self.txt(k) == "(")?;
            let (a, _) = self.np_left(open.checked_sub(1)?, lo)?;
            return Some((a, j));
        }
        let mut k = j + 1;
        while k > lo && j + 1 - k < MAX_NP && self.np_token(k - 1) {
            k -= 1;
        }
        // A phrase starts with a word, not a hyphen or dot.
        while k <= j && !self.is_wordlike(k) {
            k += 1;
        }
        (k <= j && self.is_wordlike(j)).then_some((k, j))
    }

    /// "X, a title, said": the phrase before the appositive whose closing comma is `ju`.
    fn appositive_source(&self, ju: usize, lo: usize) -> Option<(usize, usize)> {
        let k = (lo..ju).rev().find(|&k| {
            // A possessive apostrophe ("the nurses' union") is no quote boundary.
            self.txt(k) == ","
                || (self.kind(k) == Some(TokenKind::QuoteMark) && self.region_of[k].is_some())
        })?;
        if self.txt(k) != "," || ju - k < 2 || ju - k > 30 || k <= lo {
            return None;
        }
        // An appositive is a noun phrase, not a clause ("…, which is weak, …").
        let first = &self.low[k + 1];
        // "X, and Y, said" is a coordinated source; "and" is the one stop word let through.
        let clause = first != "and" && self.lex.is(first, Grammar::Stop);
        if clause || self.lex.source_words.get(first) == Some(&WordKind::Pronoun) {
            return None;
        }
        self.np_left(k - 1, lo)
    }

    /// The subject starting the sentence (after a leading "But"/"And") and followed by a
    /// comma, when what lies between it and the comma at `ju` is one interruption: no quote,
    /// cue, colon or semicolon.
    fn subject_before_interruption(&self, lo: usize, ju: usize) -> Option<(usize, usize)> {
        let mut a = lo;
        while a < ju && matches!(&self.low[a], "but" | "and" | "so" | "still" | "yet") {
            a += 1;
        }
        if ju < a + 3 || ju - a > 45 || !self.starts_np(a) {
            return None;
        }
        let first = &self.low[a];
        if PREPOSITIONS.contains(&first)
            || self.time_at(a).is_some()
            || self.lex.is(first, Grammar::Stop)
        {
            return None;
        }
        let (x, y) = self.np_right(a, ju)?;
        if y + 1 >= ju || self.txt(y + 1) != "," {
            return None;
        }
        let clean = (y + 1..ju).all(|k| {
            self.region_of[k].is_none()
                && !matches!(self.txt(k), ";" | ":" | "(" | ")")
                && !self.lex.cues.contains_key(&self.low[k])
        });
        clean.then_some((x, y))
    }

    /// "he infamously explained", "Warren officially endorsed": a lower-case "-ly" word
    /// between a subject and its cue is an adverb (not "the family", "an ally").
    fn adverb_ly(&self, ju: usize, lo: usize) -> bool {
        let w = &self.low[ju];
        w.len() >= 5
            && w.ends_with("ly")
            && !self.is_cap(ju)
            && ju > lo
            && !DETERMINERS.contains(&&self.low[ju - 1])
            && !self.lex.is(&self.low[ju - 1], Grammar::Quant)
    }

    /// A short prepositional phrase ending at `ju` between a subject and its cue ("in an
    /// interview", "on Friday"): the index of its preposition.
    fn adverbial_before(&self, ju: usize, lo: usize) -> Option<usize> {
        let k = (ju.saturating_sub(5).max(lo + 1)..=ju)
            .rev()
            .find(|&k| matches!(&self.low[k], "in" | "on" | "at" | "during"))?;
        let inner = (k + 1..=ju).all(|x| {
            self.is_wordlike(x)
                && !self.lex.is(&self.low[x], Grammar::Stop)
                && !self.lex.cues.contains_key(&self.low[x])
                && self.region_of[x].is_none()
        });
        let before_ok = k > lo
            && (self.txt(k - 1) == ","
                || (self.is_wordlike(k - 1) && !self.lex.is(&self.low[k - 1], Grammar::Stop)));
        (k < ju && inner && before_ok).then_some(k)
    }

    /// The noun phrase that starts the sentence (after a leading "But"/"And"), ending before
    /// `hi`: the subject a coordinated cue shares.
    fn sentence_subject(&self, lo: usize, hi: usize) -> Option<(usize, usize)> {
        let mut a = lo;
        while a < hi && matches!(&self.low[a], "but" | "and" | "so" | "still" | "yet") {
            a += 1;
        }
        if a >= hi || !self.starts_np(a) || self.region_of[a].is_some() {
            return None;
        }
        let first = &self.low[a];
        if PREPOSITIONS.contains(&first)
            || self.lex.is(first, Grammar::Adjunct)
            || self.lex.is(first, Grammar::Stop)
            || self.time_at(a).is_some()
        {
            return None;
        }
        self.np_right(a, hi)
    }

    /// The noun phrase starting at token `p`, before `hi`.
    fn np_right(&self, p: usize, hi: usize) -> Option<(usize, usize)> {
        if p >= hi || !self.is_wordlike(p) {
            return None;
        }
        let mut k = p;
        while k < hi && k - p < MAX_NP && (self.np_token(k) || (k > p && &self.low[k] == "who")) {
            // "who …", "during the hearing": a relative clause or an adverbial ends the phrase
            // ("after", "when" … are stop words already).
            if &self.low[k] == "who" || (k > p && &self.low[k] == "during") {
                break;
            }
            k += 1;
        }
        let mut e = k;
        while e > p && !self.is_wordlike(e - 1) {
            e -= 1;
        }
        (e > p).then_some((p, e - 1))
    }

    /// A word that can continue an addressee phrase begun at `p` ("The Washington Post",
    /// "the Russian president"), not the start of the content ("that", "not to").
    fn addressee_token(&self, q: usize, p: usize) -> bool {
        let w = &self.low[q];
        if self.abbrev_dot(q) {
            return true;
        }
        if !self.is_wordlike(q) || self.lex.is(w, Grammar::Stop) || self.lex.is(w, Grammar::Skip) {
            return false;
        }
        if matches!(
            w,
            "about"
                | "on"
                | "in"
                | "at"
                | "during"
                | "after"
                | "last"
                | "this"
                | "he"
                | "she"
                | "they"
                | "it"
                | "i"
                | "we"
        ) {
            return false;
        }
        // After a capitalised name only more of the name follows ("Fox News", not "Fox News Trump").
        q == p
            || self.is_cap(q) == self.is_cap(q - 1)
            || &self.low[q - 1] == "the"
            || matches!(w, "of" | "for")
    }

    fn starts_np(&self, p: usize) -> bool {
        self.is_cap(p)
            || matches!(
                self.low.get(p),
                Some("the" | "a" | "an" | "he" | "she" | "they" | "one")
            )
            || self
                .lex
                .is(self.low.get(p).map_or("", |s| s), Grammar::Quant)
    }

    /// The last token of a content running from `a` to the sentence end `hi`: trailing
    /// punctuation dropped, cut before ", according to".
    fn content_end(&self, a: usize, hi: usize) -> Option<usize> {
        let mut e = hi;
        for k in a..hi {
            if self.txt(k) == "," && self.low.get(k + 1).is_some_and(|w| w == "according") {
                e = k;
                break;
            }
            // "denied X and said Y": the second cue starts its own attribution.
            // "…, adding that …": a participle cue starts its own attribution.
            if k > a
                && self.txt(k) == ","
                && self.region_of[k].is_none()
                && self
                    .low
                    .get(k + 1)
                    .is_some_and(|w| w.ends_with("ing") && self.lex.cues.contains_key(w))
            {
                e = k;
                break;
            }
            if k > a && matches!(&self.low[k], "and" | "but") && self.region_of[k].is_none() {
                let mut n = k + 1;
                while n < hi && self.lex.is(&self.low[n], Grammar::Skip) {
                    n += 1;
                }
                if n < hi && self.lex.cues.contains_key(&self.low[n]) {
                    e = k;
                    break;
                }
            }
        }
        while e > a && self.kind(e - 1) == Some(TokenKind::Punct) {
            e -= 1;
        }
        (e > a).then(|| e - 1)
    }

    /// Depth-0 regions from `r` through the paragraphs it runs on into.
    fn region_chain(&self, r: usize) -> Vec<usize> {
        let mut v = vec![r];
        let mut cur = r;
        while self.doc.quote_regions[cur].runs_on {
            match self
                .doc
                .quote_regions
                .iter()
                .position(|q| q.continues == Some(cur))
            {
                Some(n) if n > cur => {
                    v.push(n);
                    cur = n;
                }
                _ => break,
            }
        }
        v
    }

    fn time_at(&self, ti: usize) -> Option<&onrecord_core::Timex> {
        let s = self.doc.tokens.get(ti)?.span;
        self.doc.times.iter().find(|t| t.span.contains(s))
    }

    /// Tries the cue at tokens `c0..=c1` of sentence `si`.
    fn try_cue(
        &mut self,
        si: usize,
        c0: usize,
        c1: usize,
        cue: Cue,
        prev: Option<&Found>,
    ) -> Option<Found> {
        let sent = &self.doc.sentences[si];
        let (lo, hi) = (sent.tokens.start, sent.tokens.end);
        let mut hedges = Vec::new();
        // Left context: skip auxiliaries, adverbs and a time expression ("on Monday").
        let mut j = c0 as isize - 1;
        while j >= lo as isize {
            let ju = j as usize;
            if self.kind(ju) == Some(TokenKind::Word)
                && (self.lex.is(&self.low[ju], Grammar::Skip) || self.adverb_ly(ju, lo))
            {
                if self
                    .lex
                    .hedges
                    .iter()
                    .any(|h| h.1 == HedgeKind::Hedge && h.0.len() == 1 && h.0[0] == self.low[ju])
                {
                    hedges.push(self.doc.tokens[ju].span);
                }
                j -= 1;
            } else if let Some(k) = self.adverbial_before(ju, lo) {
                // "Clinton in a later interview said", "Trump on Friday described".
                j = k as isize - 1;
            } else if let Some(t) = self.time_at(ju) {
                let start = self.doc.tokens_in(t.span).start;
                j = start as isize - 1;
                if j >= lo as isize
                    && matches!(
                        &self.low[j as usize],
                        "on" | "in" | "at" | "during" | "last" | "this"
                    )
                {
                    j -= 1;
                }
            } else {
                break;
            }
        }
        let after = c1 + 1;
        let mut p = after;
        let prev_break = j < lo as isize || {
            let ju = j as usize;
            self.txt(ju) == "," || self.is_quote_close(ju).is_some() || self.txt(ju) == ":"
        };
        let mut source: Option<(usize, usize)> = None;
        let mut inverted = false;
        // "X, a title, said …": the phrase before the appositive, when there is one.
        let appositive = (j >= lo as isize && self.txt(j as usize) == ",")
            .then(|| self.appositive_source(j as usize, lo))
            .flatten();
        let after_quote = j > lo as isize && self.is_quote_close(j as usize - 1).is_some();
        let subject = (j >= lo as isize && self.txt(j as usize) == ",")
            .then(|| self.subject_before_interruption(lo, j as usize))
            .flatten();
        let after_quote_inv = j >= lo as isize && {
            let ju = j as usize;
            self.is_quote_close(ju).is_some()
                || (self.txt(ju) == "," && ju > 0 && self.is_quote_close(ju - 1).is_some())
        };
        if prev_break && ((appositive.is_none() && subject.is_none()) || after_quote) {
            if let Some((a, b)) = self.np_right(after, hi) {
                let ends = b + 1 >= hi
                    || matches!(self.txt(b + 1), "," | "." | "!" | "?" | ";")
                    || self.is_quote_open(b + 1).is_some();
                // "…, said he." but not "said he fully supports …".
                let pronoun = matches!(
                    self.lex.source_words.get(&self.low[a]),
                    Some(WordKind::Pronoun)
                );
                // "“…,” said another leading advocate during the debate": right after a quote
                // the phrase after the cue is its speaker whatever follows it.
                let after_q = after_quote_inv && !self.lex.is(&self.low[a], Grammar::Adjunct);
                if (ends || after_q)
                    && (!pronoun || a == b)
                    // "said authority spokesman Daniel Reyes": a lower-case title before a name.
                    && (self.starts_np(a) || self.is_cap(b) || after_q)
                    && !self.lex.cues.contains_key(&self.low[a])
                {
                    source = Some((a, b));
                    inverted = true;
                    p = b + 1;
                }
            }
        }
        // ", saying that …": a participle reports what the main clause's subject said.
        let participle =
            self.low[c0].ends_with("ing") && j >= lo as isize && self.txt(j as usize) == ",";
        if source.is_none() && participle {
            source = prev
                .and_then(|pf| pf.source_toks)
                .or_else(|| self.np_right(lo, c0).filter(|&(a, _)| self.starts_np(a)));
        }
        if source.is_none() && !participle && j >= lo as isize {
            let ju = j as usize;
            if self.txt(ju) == "," {
                // "Jeffrey Salkin, a Hollywood, Fla., rabbi …, said": the sentence's subject
                // before an interruption with commas of its own.
                source = match (appositive, subject) {
                    (Some(a), Some(s)) if s.0 < a.0 => Some(s),
                    (None, s) => s,
                    (a, _) => a,
                };
            } else if matches!(&self.low[ju], "who" | "which") {
                source = Some((ju, ju));
            } else if matches!(&self.low[ju], "and" | "but") {
                // "X denied … and said …": the same subject; with no cue before it in the
                // sentence, the subject that starts it ("X declined … but said …").
                source = match prev {
                    Some(pf) => pf.source_toks,
                    None => self.sentence_subject(lo, ju),
                };
            } else if matches!(self.txt(ju), "—" | "–" | "--") {
                // "Democrats — and some Republicans — say": the phrase before the dashes.
                source = (ju.saturating_sub(25).max(lo)..ju)
                    .rev()
                    .find(|&k| self.txt(k) == self.txt(ju))
                    .filter(|&k| k > lo)
                    .and_then(|k| self.np_left(k - 1, lo));
            } else {
                source = self.np_left(ju, lo);
            }
        }
        let (sa, sb) = source?;
        // Addressee.
        let mut addressee = None;
        if cue.addressee && !inverted && p < hi {
            if self.lex.is(&self.low[p], Grammar::Object) {
                addressee = Some((p, p));
                p += 1;
            } else if self.is_cap(p)
                || matches!(
                    &self.low[p],
                    "the" | "his" | "her" | "their" | "its" | "our"
                )
            {
                let mut q = p;
                while q < hi && q - p < 6 && self.addressee_token(q, p) {
                    q += 1;
                }
                while q > p && !self.is_wordlike(q - 1) {
                    q -= 1;
                }
                if q > p + usize::from(!self.is_cap(p)) {
                    addressee = Some((p, q - 1));
                    p = q;
                }
            }
        }
        if addressee.is_none() && p < hi && &self.low[p] == "in" {
            // "in a statement to The Independent", "in an interview with CNN"
            for q in p + 1..(p + 6).min(hi) {
                if matches!(&self.low[q], "to" | "with") && self.is_cap(q + 1) && q + 1 < hi {
                    let mut e = q + 1;
                    while e < hi
                        && (self.is_cap(e)
                            || self.abbrev_dot(e)
                            || (&self.low[e] == "of" && self.is_cap(e + 1)))
                    {
                        e += 1;
                    }
                    addressee = Some((q + 1, e - 1));
                    break;
                }
                if !self.is_wordlike(q) {
                    break;
                }
            }
        }
        let mut f = Found {
            kind: QuoteKind::Indirect,
            content: Vec::new(),
            cue: Some(self.span(c0, c1)),
            cue_tok: c0,
            source: Some(self.span(sa, sb)),
            source_toks: Some((sa, sb)),
            addressee: addressee.map(|(a, b)| self.span(a, b)),
            hedges,
            polarity: match cue.class {
                CueClass::Denial => Polarity::Denies,
                CueClass::Refusal => Polarity::Refuses,
                _ => Polarity::Asserts,
            },
            confidence: 0.8,
            inherit: None,
            forced_kind: None,
        };
        let colon = p < self.doc.tokens.len() && self.txt(p) == ":";
        if colon {
            if let Some(f) = self.direct_after(f.clone(), p, hi) {
                return Some(f);
            }
        }
        // Direct: a quote ending just before the pattern ("“…,” Peskov said", "“…,” said X").
        let before = if inverted { j.max(-1) } else { sa as isize - 1 };
        let mut bq = before;
        if bq >= lo as isize && self.txt(bq as usize) == "," {
            bq -= 1;
        }
        if bq >= 0 {
            if let Some(r) = self
                .is_quote_close(bq as usize)
                .filter(|&r| !self.used[r] && self.quote_leads_into(r, c0))
            {
                f.kind = QuoteKind::Direct;
                // The region and the paragraphs' regions it continues.
                let mut chain = vec![r];
                let mut cur = r;
                while let Some(c) = self.doc.quote_regions[cur].continues {
                    if self.used[c] || chain.len() > 20 {
                        break;
                    }
                    chain.push(c);
                    cur = c;
                }
                chain.reverse();
                for c in chain {
                    self.used[c] = true;
                    f.content.push(self.doc.quote_regions[c].span);
                }
                // "“A,” he said, “B.”": the second half in the same sentence.
                if p < hi && self.txt(p) == "," {
                    if let Some(r2) = self.is_quote_open(p + 1).filter(|&r2| !self.used[r2]) {
                        for c in self.region_chain(r2) {
                            self.used[c] = true;
                            f.content.push(self.doc.quote_regions[c].span);
                        }
                    }
                }
                f.confidence = 0.9;
                return Some(f);
            }
        }
        if let Some(f) = self.direct_after(f.clone(), p, hi) {
            return Some(f);
        }
        // "A, they said, B" / "A, said X, B": the cue interrupts one content.
        let before_comma = if inverted { j } else { sa as isize - 1 };
        if prev.is_none()
            && before_comma > lo as isize
            && self.txt(before_comma as usize) == ","
            && p < hi
            && self.txt(p) == ","
            && appositive.is_none()
        {
            let bc = before_comma as usize;
            let words_before = (lo..bc).filter(|&k| self.is_wordlike(k)).count();
            let words_after = (p + 1..hi).filter(|&k| self.is_wordlike(k)).count();
            let quoted = (lo..hi).any(|k| self.region_of[k].is_some());
            if words_before >= 3 && words_after >= 2 && !quoted {
                if let Some(e) = self.content_end(p + 1, hi) {
                    f.content.push(self.span(lo, bc - 1));
                    f.content.push(self.span(p + 1, e));
                    f.confidence = 0.7;
                    return Some(f);
                }
            }
        }
        // Indirect after the cue: from "that" if it comes soon, else from the next word.
        let mut start = p;
        // "said on CNN, where he is a contributor, that …": after an adverbial phrase the
        // "that" may come past its commas.
        let adverbial = p < hi
            && (PREPOSITIONS.contains(&&self.low[p])
                || self.lex.is(&self.low[p], Grammar::Adjunct));
        let reach = if adverbial { 30 } else { 12 };
        for k in p..(p + reach).min(hi) {
            if &self.low[k] == "that" && self.region_of[k].is_none() {
                start = k;
                break;
            }
            let comma_stops = !adverbial && self.txt(k) == ",";
            if comma_stops
                || matches!(self.txt(k), ";" | ":")
                || self.lex.cues.contains_key(&self.low[k])
                || self.region_of[k].is_some()
            {
                break;
            }
        }
        if start < hi && self.txt(start) == "," {
            start += 1;
        }
        let words_after = (start..hi).filter(|&k| self.is_wordlike(k)).count();
        // "reminded him of …", "spoke with …": a prepositional object, not reported content.
        let prepositional = start < hi
            && &self.low[start] != "that"
            && (PREPOSITIONS.contains(&&self.low[start])
                || self.lex.is(&self.low[start], Grammar::Adjunct));
        if words_after >= 2 && !(inverted && self.txt(p) == ",") && !prepositional {
            let mut hi = hi;
            if &self.low[start] != "that" && OBJECT_CONTENT_STOPS_AT_COMMA {
                // An object ("touted his record, widely seen as …") ends at the first comma.
                if let Some(k) =
                    (start..hi).find(|&k| self.txt(k) == "," && self.region_of[k].is_none())
                {
                    hi = k;
                }
            }
            if let Some(e) = self.content_end(start, hi) {
                f.content.push(self.span(start, e));
                f.confidence = if &self.low[start] == "that" {
                    0.8
                } else {
                    0.65
                };
                return Some(self.finish_indirect(f));
            }
        }
        // Indirect before the pattern: "…, sources told X." / "…, said X."
        let end = if inverted { j } else { sa as isize - 1 };
        let mut e = end;
        while e >= lo as isize && matches!(self.kind(e as usize), Some(TokenKind::Punct)) {
            e -= 1;
        }
        if e >= lo as isize && end >= lo as isize && self.txt(end as usize) == "," {
            let e = e as usize;
            let words = (lo..=e).filter(|&k| self.is_wordlike(k)).count();
            if words >= 3 {
                f.content.push(self.span(lo, e));
                f.confidence = 0.7;
                return Some(self.finish_indirect(f));
            }
        }
        None
    }

    /// Whether the quote region `r`, closing just before a source and cue, is what the cue at
    /// token `cue` reports: "“…,” X said" but not "“….”\n\nX said …" (a new paragraph) nor
    /// "“…, don’t.” X said that …" (a finished sentence that a new sentence follows).
    fn quote_leads_into(&self, r: usize, cue: usize) -> bool {
        let doc = self.doc;
        let q = doc.quote_regions[r];
        let Some(cue_span) = doc.tokens.get(cue).map(|t| t.span) else {
            return false;
        };
        if doc.paragraph_at(q.span.start) != doc.paragraph_at(cue_span.start) {
            return false;
        }
        let finished = q.close.is_some_and(|c| {
            doc.text[..c.start]
                .chars()
                .next_back()
                .is_some_and(|ch| ch == '.')
        });
        !finished
            || doc.sentence_at(q.span.end.saturating_sub(1)) == doc.sentence_at(cue_span.start)
    }

    /// A quote right after the cue ("said: “…”", "said, “…”"), possibly in the next paragraph.
    fn direct_after(&mut self, mut f: Found, p: usize, hi: usize) -> Option<Found> {
        let mut q = p;
        while q < self.doc.tokens.len() && matches!(self.txt(q), ":" | ",") && q < hi + 1 {
            q += 1;
        }
        let colon = p < self.doc.tokens.len() && self.txt(p) == ":";
        let r = self
            .is_quote_open(q)
            .filter(|_| q < hi || (colon && q == hi))?;
        if self.used[r] {
            return None;
        }
        f.kind = QuoteKind::Direct;
        for c in self.region_chain(r) {
            self.used[c] = true;
            f.content.push(self.doc.quote_regions[c].span);
        }
        f.confidence = 0.9;
        Some(f)
    }

    /// Marks quotes inside an indirect content as used, making it mixed.
    fn finish_indirect(&mut self, mut f: Found) -> Found {
        let Some(c) = f.content.first().copied() else {
            return f;
        };
        for (ri, r) in self.doc.quote_regions.iter().enumerate() {
            if r.depth == 0 && c.contains(r.span) {
                self.used[ri] = true;
                f.kind = QuoteKind::Mixed;
            }
        }
        f
    }

    /// A headline in title case: at least four words, nearly all capitalised.
    fn title_case(&self, lo: usize, hi: usize) -> bool {
        let (mut words, mut caps) = (0, 0);
        for k in lo..hi {
            if self.kind(k) == Some(TokenKind::Word) && self.region_of[k].is_none() {
                words += 1;
                caps += usize::from(self.is_cap(k));
            }
        }
        words >= 4 && caps * 10 >= words * 8
    }

    /// "Asked whether …, X said …": the question opening the sentence is an attribution of
    /// its own, with no source unless "by X" names the asker. Returns it and the token after
    /// its comma, where the answer's cue search goes on.
    fn try_asked(&mut self, lo: usize, hi: usize) -> Option<(Found, usize)> {
        let c = if self.low.get(lo)? == "asked" {
            lo
        } else if self.low.get(lo)? == "when" && self.low.get(lo + 1)? == "asked" {
            lo + 1
        } else {
            return None;
        };
        let comma = (c + 1..hi).find(|&k| self.txt(k) == "," && self.region_of[k].is_none())?;
        let mut a = c + 1;
        let mut source = None;
        if self.low.get(a)? == "by" {
            let (x, y) = self.np_right(a + 1, comma)?;
            source = Some((x, y));
            a = y + 1;
        }
        if (a..comma).filter(|&k| self.is_wordlike(k)).count() < 2 {
            return None;
        }
        // "Asked …, X said: “…”": an answer quoted after a colon is the statement, the question
        // only its lead-in (the seed gold's reading); an answer in running text keeps the
        // question as an attribution of its own (PolNeAR's).
        let quoted_answer =
            (comma + 1..hi).any(|k| self.txt(k) == ":" && self.is_quote_open(k + 1).is_some());
        if quoted_answer {
            return None;
        }
        let e = self.content_end(a, comma)?;
        let f = Found {
            kind: QuoteKind::Indirect,
            content: vec![self.span(a, e)],
            cue: Some(self.span(c, c)),
            cue_tok: c,
            source: source.map(|(x, y)| self.span(x, y)),
            source_toks: source,
            addressee: None,
            hedges: Vec::new(),
            polarity: Polarity::Asserts,
            confidence: 0.5,
            inherit: None,
            forced_kind: source.is_none().then_some(SourceKind::Anonymous),
        };
        Some((self.finish_indirect(f), comma + 1))
    }

    /// "Gingrich: Trump Must Decide …", "Q: Your mother was …": a short name or label that
    /// opens a sentence, then a colon, then what it says (headlines and transcripts).
    fn try_label_colon(&mut self, lo: usize, hi: usize) -> Option<Found> {
        // Only at a paragraph's start: inside running text "X: Y" is mostly an explanation.
        let para = self.doc.paragraph_at(self.doc.tokens.get(lo)?.span.start)?;
        if self
            .doc
            .tokens_in(self.doc.paragraphs.get(para)?.span)
            .start
            != lo
        {
            return None;
        }
        let c = (lo + 1..(lo + 6).min(hi)).find(|&k| self.txt(k) == ":")?;
        let label_ok = self.is_cap(lo)
            && (lo..c).all(|k| {
                self.region_of[k].is_none()
                    && (self.is_wordlike(k) || self.abbrev_dot(k))
                    && !self.lex.cues.contains_key(&self.low[k])
                    && !self.lex.is(&self.low[k], Grammar::Stop)
                    && self.time_at(k).is_none()
            });
        if !label_ok || (c + 1..hi).filter(|&k| self.is_wordlike(k)).count() < 3 {
            return None;
        }
        let src = Some((lo, c - 1));
        let mut f = Found {
            kind: QuoteKind::Indirect,
            content: Vec::new(),
            cue: Some(self.span(c, c)),
            cue_tok: c,
            source: Some(self.span(lo, c - 1)),
            source_toks: src,
            addressee: None,
            hedges: Vec::new(),
            polarity: Polarity::Asserts,
            confidence: 0.55,
            inherit: None,
            forced_kind: None,
        };
        if let Some(f) = self.direct_after(f.clone(), c, hi) {
            return Some(f);
        }
        // Unquoted, only a headline ("Gingrich: Trump Must Decide …"); in running text a
        // label and colon mostly introduce a list or an explanation (train precision < 0.3).
        if !self.title_case(c + 1, hi) {
            return None;
        }
        let e = self.content_end(c + 1, hi)?;
        f.content.push(self.span(c + 1, e));
        Some(self.finish_indirect(f))
    }

    /// "according to X, …" / "…, according to X."
    fn try_according(&mut self, si: usize, c0: usize, c1: usize) -> Option<Found> {
        let sent = &self.doc.sentences[si];
        let (lo, hi) = (sent.tokens.start, sent.tokens.end);
        let (sa, sb) = self.np_right(c1 + 1, hi)?;
        let mut f = Found {
            kind: QuoteKind::Indirect,
            content: Vec::new(),
            cue: Some(self.span(c0, c1)),
            cue_tok: c0,
            source: Some(self.span(sa, sb)),
            source_toks: Some((sa, sb)),
            addressee: None,
            hedges: vec![self.span(c0, c1)],
            polarity: Polarity::Asserts,
            confidence: 0.8,
            inherit: None,
            forced_kind: None,
        };
        let mut a = sb + 1;
        while a < hi && matches!(self.txt(a), "," | ":") {
            a += 1;
        }
        let after_words = (a..hi).filter(|&k| self.is_wordlike(k)).count();
        // "…, according to a poll released on Friday.": after a comma that ends a clause, the
        // content is before the cue and what follows the source only describes it.
        let before_words = (lo..c0).filter(|&k| self.is_wordlike(k)).count();
        let content_before = c0 > lo
            && self.txt(c0 - 1) == ","
            && before_words >= 4
            && self.txt(a.saturating_sub(1)) != ",";
        if after_words >= 3 && !content_before {
            let e = self.content_end(a, hi)?;
            f.content.push(self.span(a, e));
        } else {
            let mut e = c0;
            while e > lo && self.kind(e - 1) == Some(TokenKind::Punct) {
                e -= 1;
            }
            if e <= lo {
                return None;
            }
            f.content.push(self.span(lo, e - 1));
        }
        Some(self.finish_indirect(f))
    }

    /// The phrase of `idx` (indices into `phrases`, in list order) that starts at token `i`
    /// and lies outside quotes: the first that matches, as the longest come first.
    fn phrase_at<T: Copy>(
        &self,
        i: usize,
        idx: &[usize],
        phrases: &[(Vec<String>, T)],
    ) -> Option<(usize, T)> {
        idx.iter()
            .map(|&p| &phrases[p])
            .find(|(words, _)| {
                words
                    .iter()
                    .enumerate()
                    .all(|(k, w)| self.low.get(i + k) == Some(w) && self.region_of[i + k].is_none())
            })
            .map(|(words, x)| (words.len(), *x))
    }

    pub fn run(mut self) -> Vec<Attribution> {
        let doc = self.doc;
        let mut found: Vec<Found> = Vec::new();
        for si in 0..doc.sentences.len() {
            let toks = doc.sentences[si].tokens.clone();
            let first_in_sentence = found.len();
            let mut loose_hedges: Vec<(usize, usize, HedgeKind)> = Vec::new();
            if let Some(f) = self.try_label_colon(toks.start, toks.end) {
                found.push(f);
                continue;
            }
            let headline = self.title_case(toks.start, toks.end);
            let mut i = toks.start;
            if let Some((f, next)) = self.try_asked(toks.start, toks.end) {
                found.push(f);
                i = next;
            }
            while i < toks.end {
                if self.region_of[i].is_some() || self.kind(i) != Some(TokenKind::Word) {
                    i += 1;
                    continue;
                }
                // The multi-word phrases (hedges, cues) that can begin with this word.
                let starts = self.lex.phrase_starts.get(&self.low[i]);
                if let Some((n, hk)) =
                    starts.and_then(|s| self.phrase_at(i, &s.hedges, &self.lex.hedges))
                {
                    let c1 = i + n - 1;
                    match hk {
                        HedgeKind::According => {
                            if let Some(f) = self.try_according(si, i, c1) {
                                found.push(f);
                            }
                        }
                        _ => loose_hedges.push((i, c1, hk)),
                    }
                    i = c1 + 1;
                    continue;
                }
                let infinitive = i > 0 && matches!(&self.low[i - 1], "to");
                // Multi-word cues first ("called for", "pointed out").
                if let Some((n, cue)) = starts
                    .and_then(|s| self.phrase_at(i, &s.cue_phrases, &self.lex.cue_phrases))
                    .filter(|_| !infinitive && !self.is_cap(i))
                {
                    let prev = found[first_in_sentence..].last().cloned();
                    if let Some(f) = self.try_cue(si, i, i + n - 1, cue, prev.as_ref()) {
                        found.push(f);
                    }
                    i += n;
                    continue;
                }
                // Headlines capitalise every word; a capitalised cue is too often a name or noun.
                // In a title-case headline ("Trump Says He Will …") a capitalised cue after
                // the first word is the verb, as in running text.
                let capitalised = self.is_cap(i) && !(headline && i > toks.start);
                // "the claims", "his remarks": a noun, not a reporting verb.
                let noun = i > toks.start
                    && (DETERMINERS.contains(&&self.low[i - 1])
                        || self.lex.is(&self.low[i - 1], Grammar::Quant));
                let capitalised = capitalised || noun;
                if let Some(&cue) = self
                    .lex
                    .cues
                    .get(&self.low[i])
                    .filter(|_| !infinitive && !capitalised)
                {
                    let prev = found[first_in_sentence..].last().cloned();
                    if let Some(f) = self.try_cue(si, i, i, cue, prev.as_ref()) {
                        found.push(f);
                    }
                }
                i += 1;
            }
            // Hedges join the sentence's attributions, or make one with no source.
            for (a, b, hk) in loose_hedges {
                let sp = self.span(a, b);
                if found.len() > first_in_sentence {
                    for f in &mut found[first_in_sentence..] {
                        if !f.hedges.contains(&sp) {
                            f.hedges.push(sp);
                        }
                    }
                    continue;
                }
                let (lo, hi) = (toks.start, toks.end);
                let Some(e) = self.content_end(lo, hi) else {
                    continue;
                };
                let f = Found {
                    kind: QuoteKind::Indirect,
                    content: vec![self.span(lo, e)],
                    cue: Some(sp),
                    cue_tok: a,
                    source: None,
                    source_toks: None,
                    addressee: None,
                    hedges: vec![sp],
                    polarity: Polarity::Asserts,
                    confidence: if hk == HedgeKind::Passive { 0.5 } else { 0.4 },
                    inherit: None,
                    forced_kind: Some(SourceKind::Anonymous),
                };
                let mut f = self.finish_indirect(f);
                if f.kind == QuoteKind::Mixed {
                    // "reportedly discussed “…”": the quoted words are what is relayed.
                    let c = f.content[0];
                    f.content = doc
                        .quote_regions
                        .iter()
                        .filter(|r| r.depth == 0 && c.contains(r.span))
                        .map(|r| r.span)
                        .collect();
                }
                found.push(f);
            }
        }
        self.continuations(&mut found);
        found.sort_by_key(|f| f.content.first().map_or(0, |s| s.start));
        self.finalize(found)
    }

    /// Quotes no cue claimed: continued paragraphs, "“…” - Name", and continuation quotes.
    fn continuations(&mut self, found: &mut Vec<Found>) {
        let doc = self.doc;
        for ri in 0..doc.quote_regions.len() {
            let r = doc.quote_regions[ri];
            if r.depth != 0 || self.used[ri] || r.unbalanced {
                continue;
            }
            let toks = doc.tokens_in(r.span);
            if toks.is_empty() {
                continue;
            }
            let (open_t, close_t) = (toks.start, toks.end - 1);
            let words = toks.clone().filter(|&k| self.is_wordlike(k)).count();
            let si = self.sent_of[open_t];
            let Some(sent) = doc.sentences.get(si) else {
                continue;
            };
            let starts = open_t == sent.tokens.start || (open_t > 0 && self.txt(open_t - 1) == ":");
            let end_si = self.sent_of[close_t];
            let end_hi = doc
                .sentences
                .get(end_si)
                .map_or(close_t + 1, |s| s.tokens.end);
            // "“…” - Name."
            let para_hi = doc
                .paragraph_at(r.span.start)
                .map_or(end_hi, |p| doc.tokens_in(doc.paragraphs[p].span).end);
            if matches!(self.txt(close_t + 1), "-" | "—" | "–" | "―") && close_t + 1 < para_hi
            {
                if let Some((a, b)) = self
                    .np_right(close_t + 2, para_hi)
                    .filter(|&(a, _)| self.is_cap(a))
                {
                    self.used[ri] = true;
                    found.push(Found {
                        kind: QuoteKind::Direct,
                        content: vec![r.span],
                        cue: Some(self.span(close_t + 1, close_t + 1)),
                        cue_tok: close_t + 1,
                        source: Some(self.span(a, b)),
                        source_toks: Some((a, b)),
                        addressee: None,
                        hedges: Vec::new(),
                        polarity: Polarity::Asserts,
                        confidence: 0.8,
                        inherit: None,
                        forced_kind: None,
                    });
                    continue;
                }
            }
            let ends = (close_t + 1..end_hi).all(|k| self.kind(k) == Some(TokenKind::Punct));
            if !(starts && ends && words >= 3) {
                continue;
            }
            // The last attribution before it, in this paragraph or the one before.
            let para = sent.paragraph;
            let last = found
                .iter()
                .enumerate()
                .filter(|(_, f)| f.content.first().is_some_and(|c| c.start < r.span.start))
                .max_by_key(|(_, f)| f.content.first().map_or(0, |c| c.start));
            let Some((li, lf)) = last else { continue };
            let lp = lf
                .content
                .first()
                .and_then(|c| doc.paragraph_at(c.start))
                .unwrap_or(0);
            if para > lp + 1 || (lf.source.is_none() && lf.inherit.is_none()) {
                continue;
            }
            let chain = self.region_chain(ri);
            let mut content = Vec::new();
            for c in chain {
                self.used[c] = true;
                content.push(doc.quote_regions[c].span);
            }
            found.push(Found {
                kind: QuoteKind::Direct,
                content,
                cue: None,
                cue_tok: open_t,
                source: None,
                source_toks: None,
                addressee: None,
                hedges: Vec::new(),
                polarity: Polarity::Asserts,
                confidence: 0.6,
                inherit: Some(lf.inherit.unwrap_or(li)),
                forced_kind: None,
            });
        }
    }

    fn source_kind(&self, f: &Found) -> SourceKind {
        if let Some(k) = f.forced_kind {
            return k;
        }
        let Some((a, b)) = f.source_toks else {
            return SourceKind::Anonymous;
        };
        if a == b {
            if let Some(WordKind::Pronoun) = self.lex.source_words.get(&self.low[a]) {
                return SourceKind::Pronoun;
            }
        }
        // The head: the last word before a post-modifier ("sources familiar with …").
        let mut head = b;
        for k in a..=b {
            if k > a
                && matches!(
                    &self.low[k],
                    "of" | "for" | "with" | "familiar" | "close" | "at" | "in" | "from" | "on"
                )
            {
                head = k - 1;
                break;
            }
        }
        while head > a && !self.is_wordlike(head) {
            head -= 1;
        }
        let head_word = self.low[head].trim_end_matches("’s").trim_end_matches("'s");
        let caps_before_head = (a + 1..head).any(|k| self.is_cap(k));
        let quantified = self.lex.is(&self.low[a], Grammar::Quant);
        match self.lex.source_words.get(head_word) {
            Some(WordKind::Document) => SourceKind::Document,
            Some(WordKind::Anonymous) if !self.is_cap(head) => SourceKind::Anonymous,
            Some(WordKind::Group) if quantified || !caps_before_head => SourceKind::UnnamedGroup,
            Some(WordKind::Pronoun) => SourceKind::Pronoun,
            _ if quantified && !self.is_cap(head) => SourceKind::UnnamedGroup,
            _ => SourceKind::Named,
        }
    }

    /// The entity a source names: the one with a mention overlapping it.
    fn resolve(&self, src: Span) -> Option<(usize, f32)> {
        let mut best: Option<(usize, usize, f32)> = None;
        for (ei, e) in self.doc.entities.iter().enumerate() {
            for m in &e.mentions {
                if !m.span.overlaps(src) {
                    continue;
                }
                let ov = m.span.end.min(src.end) - m.span.start.max(src.start);
                let conf = match m.kind {
                    MentionKind::Name => 0.95,
                    MentionKind::Nominal => 0.8,
                    MentionKind::Pronoun => 0.7,
                };
                let score = ov + if m.kind == MentionKind::Name { 1000 } else { 0 };
                if best.is_none_or(|(_, s, _)| score > s) {
                    best = Some((ei, score, conf));
                }
            }
        }
        best.map(|(e, _, c)| (e, c))
    }

    /// ", Elena Varga," right after the source phrase ending at token `b`: a capitalised name
    /// set off by commas.
    fn apposition_after(&self, b: usize) -> Option<(usize, usize)> {
        if self.txt(b + 1) != "," || !self.is_cap(b + 2) {
            return None;
        }
        let hi = self
            .doc
            .sentences
            .get(self.sent_of[b])
            .map_or(b + 2, |s| s.tokens.end);
        let (x, y) = self.np_right(b + 2, hi)?;
        (self.txt(y + 1) == "," && (x..=y).all(|k| self.is_cap(k) || !self.is_wordlike(k)))
            .then_some((x, y))
    }

    /// A pronoun with no entity mention: the last person named before it, nearby.
    fn last_person_before(&self, pos: usize) -> Option<usize> {
        let para = self.doc.paragraph_at(pos)?;
        let mut best: Option<(usize, usize)> = None;
        for (ei, e) in self.doc.entities.iter().enumerate() {
            if e.kind != EntityType::Person {
                continue;
            }
            for m in &e.mentions {
                let near = self
                    .doc
                    .paragraph_at(m.span.start)
                    .is_some_and(|p| p + 2 >= para);
                if m.kind == MentionKind::Name
                    && m.span.end <= pos
                    && near
                    && best.is_none_or(|(_, s)| m.span.start > s)
                {
                    best = Some((ei, m.span.start));
                }
            }
        }
        best.map(|b| b.0)
    }

    fn finalize(&self, found: Vec<Found>) -> Vec<Attribution> {
        let doc = self.doc;
        let mut out: Vec<Attribution> = Vec::with_capacity(found.len());
        // Speakers first, so continuations can inherit them (they come after their source).
        let mut speakers: Vec<(Option<usize>, f32, SourceKind)> = Vec::with_capacity(found.len());
        for f in &found {
            let kind = self.source_kind(f);
            // A relative pronoun speaks for the phrase it follows ("officials, who said").
            let src_for_entity = f.source_toks.and_then(|(a, b)| {
                if a == b && matches!(&self.low[a], "who" | "which") && a > 0 {
                    let j = if self.txt(a - 1) == "," && a > 1 {
                        a - 2
                    } else {
                        a - 1
                    };
                    let lo = self
                        .doc
                        .sentences
                        .get(self.sent_of[a])
                        .map_or(0, |s| s.tokens.start);
                    self.np_left(j, lo).map(|(x, y)| self.span(x, y))
                } else {
                    f.source
                }
            });
            let named = matches!(kind, SourceKind::Named | SourceKind::Pronoun);
            let (speaker, conf) = match src_for_entity.filter(|_| named) {
                Some(src) => match self.resolve(src).or_else(|| {
                    // "The mayor, Elena Varga, said": the title names no entity, its apposition does.
                    f.source_toks
                        .and_then(|(_, b)| self.apposition_after(b))
                        .and_then(|(x, y)| self.resolve(self.span(x, y)))
                }) {
                    Some((e, c)) => (Some(e), c),
                    None if kind == SourceKind::Pronoun => self
                        .last_person_before(src.start)
                        .map_or((None, f.confidence), |e| (Some(e), 0.5)),
                    None => (None, f.confidence),
                },
                None => (None, f.confidence),
            };
            speakers.push((speaker, conf.min(f.confidence + 0.1), kind));
        }
        self.resolve_indefinite_documents(&found, &mut speakers);
        for (i, f) in found.iter().enumerate() {
            let (mut speaker, mut conf, mut kind) = speakers[i];
            let mut source = f.source;
            if f.inherit.is_some() {
                // A continuation points back to its speaker's source phrase: PolNeAR merges
                // "“A,” X said. “B.”" into one attribution, and the source is the same person.
                if let Some(j) = self.inherit_index(&found, f) {
                    speaker = speakers[j].0;
                    kind = speakers[j].2;
                    conf = speakers[j].1 * 0.85;
                    source = found[j].source;
                }
            }
            let mut polarity = f.polarity;
            if f.kind == QuoteKind::Direct && polarity == Polarity::Asserts {
                let words = f
                    .content
                    .iter()
                    .flat_map(|s| doc.tokens_in(*s))
                    .collect::<Vec<_>>();
                if words.len() <= 40
                    && words
                        .iter()
                        .any(|&k| self.lex.denial_words.contains(&self.low[k]))
                {
                    polarity = Polarity::Denies;
                }
            }
            let cue_sent = self.sent_of.get(f.cue_tok).copied();
            let time = f.cue.and_then(|c| {
                doc.times
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| matches!(t.kind, TimexType::Date | TimexType::Time))
                    .filter(|(_, t)| doc.sentence_at(t.span.start) == cue_sent)
                    .min_by_key(|(_, t)| t.span.start.abs_diff(c.start))
                    .map(|(ti, _)| ti)
            });
            out.push(Attribution {
                kind: f.kind,
                content: f.content.clone(),
                cue: f.cue,
                source,
                source_kind: kind,
                speaker,
                confidence: conf.clamp(0.0, 1.0),
                addressee: f.addressee,
                hedges: f.hedges.clone(),
                polarity,
                time,
            });
        }
        out
    }

    /// "A new report says ..." names no outlet; when the next sentences credit exactly one
    /// organisation as the recipient of what sources said ("... told The Washington Post"), the
    /// report is that outlet's.
    fn resolve_indefinite_documents(
        &self,
        found: &[Found],
        speakers: &mut [(Option<usize>, f32, SourceKind)],
    ) {
        let doc = self.doc;
        for (i, f) in found.iter().enumerate() {
            if speakers[i].0.is_some() || speakers[i].2 != SourceKind::Document {
                continue;
            }
            let Some((a, _)) = f.source_toks else {
                continue;
            };
            if !matches!(&self.low[a], "a" | "an") {
                continue;
            }
            let Some(sent) = self.sent_of.get(f.cue_tok).copied() else {
                continue;
            };
            let mut outlets: Vec<usize> = found
                .iter()
                .filter(|g| {
                    self.sent_of
                        .get(g.cue_tok)
                        .is_some_and(|&t| t > sent && t <= sent + 2)
                })
                .filter_map(|g| g.addressee.and_then(|ad| self.resolve(ad)))
                .map(|(e, _)| e)
                .filter(|&e| {
                    doc.entities
                        .get(e)
                        .is_some_and(|x| x.kind == onrecord_core::EntityType::Org)
                })
                .collect();
            outlets.sort_unstable();
            outlets.dedup();
            if let [only] = outlets[..] {
                speakers[i].0 = Some(only);
                speakers[i].1 = 0.5;
            }
        }
    }

    /// The attribution a continuation inherits from: the last one with a source before it.
    fn inherit_index(&self, found: &[Found], f: &Found) -> Option<usize> {
        let start = f.content.first()?.start;
        found
            .iter()
            .enumerate()
            .filter(|(_, g)| {
                g.source.is_some() && g.content.first().is_some_and(|c| c.start < start)
            })
            .max_by_key(|(_, g)| g.content.first().map_or(0, |c| c.start))
            .map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use onrecord_core::text::TextLayer;
    use onrecord_core::Component;

    use super::*;

    /// Borrowing ASCII tokens from the lower-cased text gives what `str::to_lowercase` gives
    /// per token, also next to tokens with other letters (the offsets must not shift).
    #[test]
    fn lower_matches_to_lowercase_per_token() {
        let mut doc = Document::new(
            "t",
            "ÉLYSÉE Said: “NATO’s İstanbul ΣΟΦΟΣ” said Mr. O'Neil, and the USA said ÀB cD.",
        );
        TextLayer::new().process(&mut doc).unwrap();
        let lower = doc.text.to_ascii_lowercase();
        let low = Lower::new(&doc, &lower);
        assert!(doc.tokens.len() > 10);
        for (i, t) in doc.tokens.iter().enumerate() {
            assert_eq!(&low[i], doc.slice(t.span).to_lowercase(), "token {i}");
        }
        assert_eq!(low.get(doc.tokens.len()), None);
    }
}
