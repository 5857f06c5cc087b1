//! onrecord-entities: entities with in-document aliases, roles and references.
//!
//! [`EntityLayer`] (pipeline name `"entities"`, after the text layer) fills
//! `Document::entities`:
//! 1. the recogniser ([`recognize::Recognizer`]) finds proper names with a type;
//! 2. names are cleaned: titles cut off and kept as roles ("Kremlin spokesman Dmitry Peskov"),
//!    possessive endings dropped ("Trump’s"), possessors inside names found ("NATO’s ...");
//!    appositive roles read ("X, the chairman of Y, said");
//! 3. names are clustered: same name, surname after or before the full name, acronyms;
//! 4. definite descriptions ("the Russian president") are matched against earlier roles, and
//!    he/she (and a clear "it") resolved by salience, conservatively.
//!
//! [`entity_at`] maps a span (a quote's source) to the entity mentioned there.
//! Linguistic knowledge lives in the tables under `data/`.

mod cluster;
mod context;
mod lexicon;
mod names;
pub mod recognize;
mod refer;
mod roles;

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use onrecord_core::{Component, Document, Entity, EntityType, Error, Mention, MentionKind, Role, Span};

use crate::context::Ctx;
use crate::recognize::{NameMention, Recognizer};
use crate::refer::{Draft, NameAt};

/// The entity layer: names, aliases, roles, descriptions and pronouns.
#[derive(Debug)]
pub struct EntityLayer {
    recognizer: Recognizer,
}

impl EntityLayer {
    /// Loads the default recogniser (once; reuse the layer for every document).
    pub fn new() -> Self {
        EntityLayer { recognizer: Recognizer::load_default() }
    }

    pub fn with_recognizer(recognizer: Recognizer) -> Self {
        EntityLayer { recognizer }
    }
}

impl Default for EntityLayer {
    fn default() -> Self {
        EntityLayer::new()
    }
}

impl Component for EntityLayer {
    fn name(&self) -> &'static str {
        "entities"
    }

    fn process(&self, doc: &mut Document) -> Result<(), Error> {
        let mentions = self.recognizer.recognize(doc);
        doc.entities = build_entities(doc, &mentions);
        Ok(())
    }
}

/// Builds the entities of a document that has the text layer from its name mentions.
pub fn build_entities(doc: &Document, mentions: &[NameMention]) -> Vec<Entity> {
    if doc.tokens.is_empty() || mentions.is_empty() {
        return Vec::new();
    }
    let mut ctx = Ctx::new(doc);
    let names = names::name_refs(&mut ctx, mentions);
    let ids = cluster::cluster(&names, &doc.text);
    let count = ids.iter().copied().max().map_or(0, |m| m + 1);

    let mut drafts: Vec<Draft> =
        (0..count).map(|_| Draft { kind: EntityType::Misc, gender: None, roles: Vec::new(), mentions: Vec::new() }).collect();
    let mut votes: Vec<HashMap<EntityType, (usize, usize)>> = vec![HashMap::default(); count];
    let mut names_tok = vec![false; doc.tokens.len()];
    let mut at = Vec::with_capacity(names.len());
    for (i, (n, &e)) in names.iter().zip(&ids).enumerate() {
        let d = &mut drafts[e];
        d.mentions.push(Mention { span: n.span, kind: MentionKind::Name });
        d.roles.extend(n.roles.iter().copied());
        d.gender = d.gender.or(n.gender);
        if n.kind != EntityType::Misc {
            let v = votes[e].entry(n.kind).or_insert((0, i));
            v.0 += 1;
        }
        for t in n.toks.clone() {
            if let Some(x) = names_tok.get_mut(t) {
                *x = true;
            }
        }
        at.push(NameAt { np_start: n.np_start, entity: e, possessive: n.possessive });
    }
    for (d, v) in drafts.iter_mut().zip(&votes) {
        // Most frequent type; the earlier one on a tie.
        if let Some((k, _)) = v.iter().max_by_key(|(_, &(c, first))| (c, std::cmp::Reverse(first))) {
            d.kind = *k;
        }
    }
    refer::resolve(&ctx, &mut drafts, &at, &names_tok);

    drafts
        .into_iter()
        .enumerate()
        .map(|(e, mut d)| {
            let name = canonical(&ctx, names.iter().zip(&ids).filter(|(_, &c)| c == e).map(|(n, _)| n));
            d.mentions.sort_by_key(|m| (m.span.start, m.span.end));
            d.mentions.dedup_by_key(|m| m.span);
            // Each wording once, where it was first written.
            d.roles.sort_by_key(|r| r.span);
            let mut seen = FxHashSet::default();
            d.roles.retain(|r| seen.insert(doc.slice(r.span)));
            Entity { name: name.unwrap_or_default(), kind: d.kind, roles: d.roles, mentions: d.mentions }
        })
        .filter(|e| !e.name.is_empty())
        .collect()
}

/// The longest name among an entity's names (earliest on a tie), without a leading article
/// when another of its names goes without one ("Kremlin", but "The Washington Post").
fn canonical<'a>(ctx: &Ctx, names: impl Iterator<Item = &'a names::NameRef>) -> Option<Span> {
    let names: Vec<&names::NameRef> = names.collect();
    let best = names.iter().enumerate().max_by_key(|(i, n)| (n.words.len(), std::cmp::Reverse(*i)))?.1;
    let has_article = |n: &names::NameRef| n.toks.len() > 1 && ctx.text(n.toks.start).eq_ignore_ascii_case("the");
    if has_article(best) && names.iter().any(|n| !has_article(n)) {
        let t = ctx.doc.tokens.get(best.toks.start + 1)?;
        return Some(Span::new(t.span.start, best.span.end.max(t.span.start)));
    }
    Some(best.span)
}

/// The entity mentioned at `span`: the one with a mention (or role) overlapping it, preferring
/// the mention that covers most of it, then names over descriptions over pronouns over roles.
/// For an empty span, the entity with a mention containing that position.
pub fn entity_at(doc: &Document, span: Span) -> Option<usize> {
    // (overlap, kind rank, shortest first) and the entity.
    type Key = (usize, u8, std::cmp::Reverse<usize>);
    let mut best: Option<(Key, usize)> = None;
    let overlap = |s: Span| -> Option<usize> {
        if span.is_empty() {
            return s.contains_pos(span.start).then_some(0);
        }
        s.overlaps(span).then(|| s.end.min(span.end) - s.start.max(span.start))
    };
    let mut consider = |e: usize, s: Span, rank: u8| {
        if let Some(o) = overlap(s) {
            // Among equals, the mention that adds least outside the span.
            let key = (o, rank, std::cmp::Reverse(s.len()));
            if best.is_none_or(|(k, _)| key > k) {
                best = Some((key, e));
            }
        }
    };
    for (e, ent) in doc.entities.iter().enumerate() {
        for m in &ent.mentions {
            let rank = match m.kind {
                MentionKind::Name => 3,
                MentionKind::Nominal => 2,
                MentionKind::Pronoun => 1,
            };
            consider(e, m.span, rank);
        }
        for Role { span: r, .. } in &ent.roles {
            consider(e, *r, 0);
        }
    }
    best.map(|(_, e)| e)
}

#[cfg(test)]
mod tests;
