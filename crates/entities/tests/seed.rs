//! Behaviour on the seed article: every gold entity found, its aliases clustered, its role read.
//!
//! Reads `../shared/corpus/seed/` (skips with a message when absent). The report test always
//! runs and prints what is missing; the strict test is ignored until the trained tagger lands
//! (with the capitalisation stub, names are untyped and some are cut wrongly).

use onrecord_core::text::TextLayer;
use onrecord_core::{Component, Document, Entity, MentionKind};
use onrecord_entities::EntityLayer;
use serde_json::Value;

fn seed_dir() -> Option<std::path::PathBuf> {
    let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/seed");
    d.join("kremlin-call.txt").exists().then_some(d)
}

/// Occurrences of `a` in `text` as whole words.
fn occurrences<'t>(text: &'t str, a: &'t str) -> impl Iterator<Item = onrecord_core::Span> + 't {
    text.match_indices(a).filter_map(move |(at, _)| {
        let before = text[..at].chars().next_back().is_some_and(char::is_alphanumeric);
        let after = text[at + a.len()..].chars().next().is_some_and(char::is_alphanumeric);
        (!before && !after).then(|| onrecord_core::Span::new(at, at + a.len()))
    })
}

struct Outcome {
    problems: Vec<String>,
    checked: usize,
}

fn check() -> Option<Outcome> {
    let Some(dir) = seed_dir() else {
        eprintln!("SKIP: ../shared/corpus/seed not found; seed behaviour not checked");
        return None;
    };
    let text = std::fs::read_to_string(dir.join("kremlin-call.txt")).ok()?;
    let gold: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("kremlin-call.gold.json")).ok()?).ok()?;
    let mut doc = Document::new("kremlin-call", text.trim_end().to_string());
    TextLayer::new().process(&mut doc).expect("text layer");
    EntityLayer::new().process(&mut doc).expect("entity layer");
    for s in doc.all_spans() {
        assert!(s.is_valid_in(&doc.text) && s.end <= doc.text.len());
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    let name_of = |e: &Entity| doc.slice(e.name).to_string();
    for g in gold["entities"].as_array().into_iter().flatten() {
        let gname = g["name"].as_str().unwrap_or_default();
        let gtype = g["type"].as_str().unwrap_or_default();
        let aliases: Vec<&str> = g["aliases"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        checked += 1;
        // The entity: named so, or else the one holding the most alias occurrences.
        let holds = |e: &Entity, a: &str| {
            occurrences(&doc.text, a).any(|sp| {
                e.mentions.iter().any(|m| m.span.overlaps(sp) && (m.kind != MentionKind::Name || sp.contains(m.span)))
            })
        };
        let found = doc.entities.iter().find(|e| name_of(e) == gname).or_else(|| {
            doc.entities.iter().filter(|e| aliases.iter().any(|a| holds(e, a))).max_by_key(|e| aliases.iter().filter(|a| holds(e, a)).count())
        });
        let Some(e) = found else {
            problems.push(format!("missing entity {gname} ({gtype})"));
            continue;
        };
        // A canonical name the text never spells ("United States" for "U.S.") cannot be found.
        if name_of(e) != gname && occurrences(&doc.text, gname).next().is_some() {
            problems.push(format!("{gname}: canonical name is {:?}", name_of(e)));
        }
        let t = serde_json::to_value(e.kind).unwrap_or_default();
        if t.as_str() != Some(gtype) {
            problems.push(format!("{gname}: type {t} (gold {gtype})"));
        }
        for a in &aliases {
            // Every occurrence of the alias must be a mention (or hold one) of this entity.
            for sp in occurrences(&doc.text, a) {
                let at = sp.start;
                let ok = e.mentions.iter().any(|m| m.span.overlaps(sp));
                if !ok {
                    problems.push(format!("{gname}: alias {a:?} at {at} not clustered"));
                }
            }
        }
        if let Some(role) = g["role"].as_str() {
            let ok = e.roles.iter().any(|r| {
                let rt = doc.slice(r.span);
                rt.contains(role) || role.contains(rt)
            });
            if !ok {
                let have: Vec<&str> = e.roles.iter().map(|r| doc.slice(r.span)).collect();
                problems.push(format!("{gname}: role {role:?} not found (have {have:?})"));
            }
        }
    }
    eprintln!("seed: {} gold entities, {} predicted", checked, doc.entities.len());
    for e in &doc.entities {
        let ms: Vec<String> =
            e.mentions.iter().map(|m| format!("{}{}", doc.slice(m.span), match m.kind { MentionKind::Name => "", MentionKind::Nominal => "/nom", MentionKind::Pronoun => "/pro" })).collect();
        let rs: Vec<String> = e.roles.iter().map(|r| format!("{} @{:?}", doc.slice(r.span), r.affiliation.map(|a| doc.slice(a)))).collect();
        eprintln!("  {:?} {:?} roles={:?} mentions={:?}", name_of(e), e.kind, rs, ms);
    }
    for p in &problems {
        eprintln!("  MISSING: {p}");
    }
    Some(Outcome { problems, checked })
}

#[test]
fn seed_report() {
    if let Some(o) = check() {
        eprintln!("seed: {} of {} gold entity checks have problems (strict test ignored until the tagger lands)", o.problems.len(), o.checked);
    }
}

#[test]
fn seed_strict() {
    if let Some(o) = check() {
        assert!(o.problems.is_empty(), "{} problems:\n{}", o.problems.len(), o.problems.join("\n"));
    }
}
