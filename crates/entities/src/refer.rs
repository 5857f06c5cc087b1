//! References that are not names: definite descriptions ("the Russian president") matched
//! against the roles seen before them, and third-person pronouns resolved by salience.
//!
//! Both are conservative: a reference with no clear antecedent is left out.

use rustc_hash::FxHashSet as HashSet;

use onrecord_core::{EntityType, Mention, MentionKind, Role, Span, TokenKind};

use crate::context::Ctx;
use crate::lexicon::{Case, FuncClass, Gender, Pronoun};

/// An entity while it is being built.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub kind: EntityType,
    pub gender: Option<Gender>,
    pub roles: Vec<Role>,
    pub mentions: Vec<Mention>,
}

/// One reference to an entity, as salience sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ref {
    /// First token of the noun phrase.
    pub tok: usize,
    pub sent: usize,
    pub entity: usize,
    pub subject: bool,
    pub in_pp: bool,
    pub possessive: bool,
}

/// Sentences back (besides the current one) a pronoun looks for its antecedent.
const WINDOW: usize = 2;
/// The best antecedent must outscore the next by this factor.
const MARGIN: f32 = 1.25;
/// Sentences back a description of an organisation ("the company") looks.
const ORG_WINDOW: usize = 4;

/// Where the clause holding token `i` starts: after the last comma, quote mark, or clause
/// word ("that", "who", "if") before it in the sentence.
///
/// Asked mostly in text order, so the walk back stops at the token asked about last when it
/// reaches it in the same sentence: from there it would walk as that walk did (`Ctx::clause_memo`).
fn clause_start(ctx: &Ctx, i: usize) -> usize {
    let first = ctx.sent_first(i);
    let (last, last_first, last_start) = ctx.clause_memo.get();
    let memo = last_first == first && last <= i;
    let mut k = i;
    while k > first {
        if memo && k == last {
            k = last_start;
            break;
        }
        let p = k - 1;
        if (ctx.is_break(p) && ctx.text(p) != ".") || ctx.is(p, FuncClass::Clause) {
            break;
        }
        k = p;
    }
    ctx.clause_memo.set((i, first, k));
    k
}

/// (subject, in a prepositional phrase) for a noun phrase starting at `np`.
pub(crate) fn position(ctx: &Ctx, np: usize, ref_tok: &[bool]) -> (bool, bool) {
    let first = ctx.sent_first(np);
    // A second conjunct ("Lee and Kim") stands where the first does.
    if np >= first + 2 && matches!(ctx.text(np - 1), "and" | "or") && ref_tok.get(np - 2).copied().unwrap_or(false) {
        let mut k = np - 2;
        while k > first && ref_tok.get(k - 1).copied().unwrap_or(false) {
            k -= 1;
        }
        if ctx.is(k.wrapping_sub(1), FuncClass::Det) && k > first {
            k -= 1;
        }
        return position(ctx, k, ref_tok);
    }
    let in_pp = np > first && ctx.is(np - 1, FuncClass::Prep);
    let cs = clause_start(ctx, np);
    let first_in_clause = !(cs..np).any(|k| ref_tok.get(k).copied().unwrap_or(false));
    (first_in_clause && !in_pp, in_pp)
}

fn salience(r: &Ref, sent: usize) -> f32 {
    let base = 100.0
        + if r.subject { 80.0 } else { 0.0 }
        + if !r.subject && !r.in_pp && !r.possessive { 40.0 } else { 0.0 };
    base * 0.5f32.powi(sent.saturating_sub(r.sent).min(16) as i32)
}

/// The words of a span, lower-cased, possessive endings and dots dropped.
fn span_words(ctx: &Ctx, sp: Span) -> Vec<String> {
    ctx.doc.tokens_in(sp).filter(|&i| ctx.is_word(i)).map(|i| ctx.key(i)).collect()
}

/// A name as salience sees it: where its noun phrase starts, its entity, whether a possessor.
pub(crate) struct NameAt {
    pub np_start: usize,
    pub entity: usize,
    pub possessive: bool,
}

/// "45th", "1st", "third": an ordinal number.
fn is_ordinal(ctx: &Ctx, i: usize) -> bool {
    let w = ctx.text(i);
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &w[digits.len()..];
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && matches!(suffix, "st" | "nd" | "rd" | "th"))
        || ctx.is(i, FuncClass::Ordinal)
}

/// Finds descriptions and pronouns, adds them to `drafts`, and returns every reference.
/// `names_tok` marks the tokens of names.
pub(crate) fn resolve(ctx: &Ctx, drafts: &mut [Draft], names: &[NameAt], names_tok: &[bool]) -> Vec<Ref> {
    let n = ctx.n();
    // Each word's pronoun, looked up once: both passes below read it.
    let pronouns: Vec<Option<Pronoun>> =
        (0..n).map(|i| if ctx.is_word(i) { ctx.lex.pronoun(ctx.text(i)) } else { None }).collect();
    let mut ref_tok = names_tok.to_vec();
    ref_tok.resize(n, false);
    for (r, p) in ref_tok.iter_mut().zip(&pronouns) {
        if p.is_some() {
            *r = true;
        }
    }
    let mut refs: Vec<Ref> = names
        .iter()
        .map(|m| {
            let (subject, in_pp) = position(ctx, m.np_start, &ref_tok);
            Ref {
                tok: m.np_start,
                sent: ctx.sent(m.np_start),
                entity: m.entity,
                subject: subject && !m.possessive,
                in_pp,
                possessive: m.possessive,
            }
        })
        .filter(|r| r.sent != usize::MAX)
        .collect();
    let mut role_spans: Vec<Span> = drafts.iter().flat_map(|d| d.roles.iter().map(|r| r.span)).collect();
    role_spans.sort();
    // Distinct role wordings of every entity, each with where it was first written.
    let role_words: Vec<Vec<(usize, HashSet<String>)>> = drafts
        .iter()
        .map(|d| {
            let mut seen: Vec<(usize, Vec<String>)> = Vec::new();
            for r in &d.roles {
                let mut w = span_words(ctx, r.span);
                w.sort();
                w.dedup();
                match seen.iter_mut().find(|(_, x)| *x == w) {
                    Some(x) => x.0 = x.0.min(r.span.end),
                    None => seen.push((r.span.end, w)),
                }
            }
            seen.into_iter().map(|(e, w)| (e, w.into_iter().collect())).collect()
        })
        .collect();
    // Organisation word categories in each entity's names ("company" for "Acme Inc.").
    let org_cats: Vec<HashSet<String>> = drafts
        .iter()
        .map(|d| {
            d.mentions
                .iter()
                .filter(|m| m.kind == MentionKind::Name)
                .flat_map(|m| ctx.doc.tokens_in(m.span))
                .filter_map(|k| ctx.lex.org_word(ctx.text(k)).map(|o| o.category.clone()))
                .collect()
        })
        .collect();
    // Token positions of each entity's references, in order, for "most recent before".
    let mut ent_toks: Vec<Vec<usize>> = vec![Vec::new(); drafts.len()];
    for r in &refs {
        ent_toks[r.entity].push(r.tok);
    }
    for t in &mut ent_toks {
        t.sort_unstable();
    }
    let overlaps_role = |sp: Span| {
        let k = role_spans.partition_point(|r| r.end <= sp.start);
        role_spans[k..].iter().take_while(|r| r.start < sp.end).any(|r| r.overlaps(sp))
            || role_spans[..k].iter().rev().take(8).any(|r| r.overlaps(sp))
    };

    // Descriptions: "the" + modifiers + a role or organisation noun.
    let mut nominals: Vec<(usize, usize, usize)> = Vec::new(); // (det, last token, entity)
    refs.sort_by_key(|r| r.tok);
    for i in 0..n {
        if !ctx.is_word(i) || !ctx.text(i).eq_ignore_ascii_case("the") {
            continue;
        }
        let end_sent = ctx.sent_end(i);
        let mut j = i + 1;
        let mut head = None;
        while j < end_sent && j - i <= 6 && (ctx.is_word(j) || is_ordinal(ctx, j)) {
            let w = ctx.text(j);
            let role = ctx.lex.role_noun(w).is_some();
            let org = ctx.lex.org_word(w).is_some_and(|o| o.noun);
            if role || org {
                head = Some(j);
            } else if !(ctx.lex.is_modifier(w)
                || (ctx.is_cap(j) && ctx.in_mention[j])
                || is_ordinal(ctx, j)
                || (w == "and" && is_ordinal(ctx, j + 1)))
            {
                break;
            }
            j += 1;
        }
        let Some(h) = head else { continue };
        // "the Kremlin spokesman Dmitry Peskov" is a title; "the chairman of X" a fuller
        // description the appositive rule reads; plurals and possessives are not handled here.
        let next_is_name = names_tok.get(h + 1).copied().unwrap_or(false);
        let sp = ctx.span(i, h);
        if next_is_name
            || ctx.text(h + 1) == "of"
            || ctx.is_possessive(h)
            || overlaps_role(sp)
        {
            continue;
        }
        let head_w = ctx.key(h);
        // Ordinals ("the 45th president") say which holder of a role, not which role.
        let mods: Vec<String> =
            (i + 1..h).filter(|&k| !is_ordinal(ctx, k) && ctx.text(k) != "and").map(|k| ctx.key(k)).collect();
        let recent = |e: usize| {
            let t = &ent_toks[e];
            let k = t.partition_point(|&x| x < i);
            (k > 0).then(|| t[k - 1])
        };
        let mut best: Option<(bool, usize, usize)> = None; // (exact, recency, entity)
        if ctx.lex.role_noun(ctx.text(h)).is_some() {
            for (e, roles) in role_words.iter().enumerate() {
                if !matches!(drafts[e].kind, EntityType::Person | EntityType::Misc) {
                    continue;
                }
                for (end, words) in roles {
                    if *end > sp.start || !words.contains(&head_w) || !mods.iter().all(|m| words.contains(m)) {
                        continue;
                    }
                    let exact = words.len() == mods.len() + 1;
                    let rec = recent(e).unwrap_or(0);
                    if best.is_none_or(|(bx, br, _)| (exact, rec) > (bx, br)) {
                        best = Some((exact, rec, e));
                    }
                }
            }
        } else if mods.is_empty() {
            // "the company": the last organisation named with a matching word, if close by.
            let cat = ctx.lex.org_word(ctx.text(h)).map(|o| o.category.clone()).unwrap_or_default();
            let s = ctx.sent(i);
            let hi = refs.partition_point(|r| r.tok < i);
            for r in refs[..hi].iter().rev().take_while(|r| r.sent + ORG_WINDOW >= s) {
                if drafts[r.entity].kind == EntityType::Org && org_cats[r.entity].contains(&cat) {
                    best = Some((true, r.tok, r.entity));
                    break;
                }
            }
        }
        if let Some((_, _, e)) = best {
            nominals.push((i, h, e));
        }
    }
    for &(i, h, e) in &nominals {
        drafts[e].mentions.push(Mention { span: ctx.span(i, h), kind: MentionKind::Nominal });
        for r in ref_tok.iter_mut().take(h + 1).skip(i) {
            *r = true;
        }
    }
    for &(i, _, e) in &nominals {
        let (subject, in_pp) = position(ctx, i, &ref_tok);
        refs.push(Ref { tok: i, sent: ctx.sent(i), entity: e, subject, in_pp, possessive: false });
    }
    refs.sort_by_key(|r| r.tok);

    // Pronouns, in text order; each resolved one counts for the ones after it.
    let mut resolved: Vec<Ref> = Vec::new();
    for i in 0..n {
        let Some(p) = pronouns.get(i).copied().flatten() else { continue };
        if p.plural {
            continue; // "they" is too often a group no name stands for
        }
        let s = ctx.sent(i);
        if s == usize::MAX {
            continue;
        }
        let lo_sent = s.saturating_sub(WINDOW);
        let lo = refs.partition_point(|r| r.sent < lo_sent);
        let hi = refs.partition_point(|r| r.tok < i);
        let lo2 = resolved.partition_point(|r| r.sent < lo_sent);
        let window: Vec<Ref> = refs[lo..hi.max(lo)].iter().chain(resolved[lo2..].iter()).copied().collect();
        let chosen = if p.gender == Some(Gender::Neuter) {
            // "its": only when one organisation or place is named before it in the sentence;
            // "it" (often no reference at all: "it is unclear") only for a lone organisation.
            let places = p.case == Case::Possessive;
            let cands: HashSet<usize> = window
                .iter()
                .filter(|r| {
                    r.sent == s
                        && match drafts[r.entity].kind {
                            EntityType::Org => true,
                            EntityType::Gpe => places,
                            _ => false,
                        }
                })
                .map(|r| r.entity)
                .collect();
            (cands.len() == 1).then(|| cands.into_iter().next()).flatten()
        } else {
            pick_person(ctx, drafts, &window, i, p.case, p.gender)
        };
        if let Some(e) = chosen {
            let sp = ctx.doc.tokens[i].span;
            drafts[e].mentions.push(Mention { span: sp, kind: MentionKind::Pronoun });
            if drafts[e].gender.is_none() && p.gender != Some(Gender::Neuter) {
                drafts[e].gender = p.gender;
            }
            let (subject, in_pp) = position(ctx, i, &ref_tok);
            resolved.push(Ref {
                tok: i,
                sent: s,
                entity: e,
                subject: subject && p.case == Case::Subject,
                in_pp,
                possessive: p.case == Case::Possessive,
            });
        }
    }
    refs.extend(resolved);
    refs.sort_by_key(|r| r.tok);
    refs
}

/// The person a he/she pronoun at token `i` most likely refers to, if one stands out.
fn pick_person(
    ctx: &Ctx,
    drafts: &[Draft],
    window: &[Ref],
    i: usize,
    case: Case,
    gender: Option<Gender>,
) -> Option<usize> {
    let s = ctx.sent(i);
    // An object pronoun is not the subject of its own clause ("He ... reminded him").
    // "her" before a noun is a possessive ("her plan"), which may be the subject's own.
    let her_possessive = ctx.text(i).eq_ignore_ascii_case("her")
        && ctx.doc.tokens.get(i + 1).is_some_and(|t| t.kind == TokenKind::Word)
        && !ctx.is(i + 1, FuncClass::Det)
        && !ctx.is(i + 1, FuncClass::Prep);
    let object = case == Case::Object && !her_possessive;
    let cs = clause_start(ctx, i);
    let excluded: HashSet<usize> =
        if object { window.iter().filter(|r| r.tok >= cs && r.subject).map(|r| r.entity).collect() } else { HashSet::default() };
    let mut score: Vec<(usize, f32)> = Vec::new();
    for r in window {
        let d = &drafts[r.entity];
        if d.kind != EntityType::Person || excluded.contains(&r.entity) {
            continue;
        }
        if let (Some(g), Some(dg)) = (gender, d.gender) {
            if g != dg {
                continue;
            }
        }
        let v = salience(r, s);
        match score.iter_mut().find(|(e, _)| *e == r.entity) {
            Some(x) => x.1 += v,
            None => score.push((r.entity, v)),
        }
    }
    score.sort_by(|a, b| b.1.total_cmp(&a.1));
    match score.as_slice() {
        [] => None,
        [(e, _)] => Some(*e),
        [(e, a), (_, b), ..] => (*a >= *b * MARGIN).then_some(*e),
    }
}

#[cfg(test)]
mod tests {
    use onrecord_core::text::TextLayer;
    use onrecord_core::{Component, Document};

    use super::*;

    /// A clause start found with the memo of an earlier query is the one a fresh walk finds,
    /// whatever order the tokens are asked in.
    #[test]
    fn memoised_clause_starts_match_fresh_walks() {
        let mut doc = Document::new(
            "t",
            "The minister, who spoke on Friday, said that he would go if they asked him. \
             Lee and Kim met. “We will,” she said; he did not. Mr. Smith, the chairman, \
             said the company that he runs will grow.",
        );
        TextLayer::new().process(&mut doc).unwrap();
        let ctx = Ctx::new(&doc);
        let n = ctx.n();
        let fresh = |i: usize| {
            ctx.clause_memo.set((usize::MAX, usize::MAX, usize::MAX));
            clause_start(&ctx, i)
        };
        let want: Vec<usize> = (0..n).map(fresh).collect();
        assert!(want.iter().enumerate().any(|(i, &c)| c != i && c != ctx.sent_first(i)));
        let forward: Vec<usize> = (0..n).collect();
        let backward: Vec<usize> = (0..n).rev().collect();
        let mixed: Vec<usize> = (0..n).map(|i| (i * 7) % n).chain((0..n).step_by(3)).collect();
        for order in [forward, backward, mixed] {
            ctx.clause_memo.set((usize::MAX, usize::MAX, usize::MAX));
            for &i in &order {
                assert_eq!(clause_start(&ctx, i), want[i], "token {i}");
            }
        }
    }
}
