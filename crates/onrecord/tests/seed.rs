//! The founding article, read from ../shared (skipped with a message when absent): spans
//! round-trip, sentences and quote pairs are right.

use std::path::PathBuf;

use onrecord::interchange::{to_json, OutputOptions};
use onrecord::{default_pipeline, Document, Field, FieldSource};
use serde_json::Value;

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if p.join("corpus/seed/kremlin-call.gold.jsonl").exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared/corpus/seed is absent; the seed tests need it");
        None
    }
}

fn seed() -> Option<(Document, Value)> {
    let shared = shared()?;
    let gold: Value = serde_json::from_str(
        std::fs::read_to_string(shared.join("corpus/seed/kremlin-call.gold.jsonl")).ok()?.lines().next()?,
    )
    .ok()?;
    let mut doc = Document::new("kremlin-call", gold["text"].as_str()?);
    doc.meta.published = Some(Field::new(gold["published"].as_str()?, FieldSource::Jsonl));
    default_pipeline().run(&mut doc).expect("pipeline");
    Some((doc, gold))
}

fn chars(s: &str, a: u64, b: u64) -> String {
    s.chars().skip(a as usize).take((b - a) as usize).collect()
}

#[test]
fn every_emitted_span_round_trips() {
    let Some((doc, _)) = seed() else { return };
    let v = to_json(&doc, OutputOptions { tokens: true });
    let text = v["text"].as_str().unwrap();
    // Byte spans and code point spans must select the same text.
    for (s, j) in doc.tokens.iter().zip(v["tokens"].as_array().unwrap()) {
        let (a, b) = (j[0].as_u64().unwrap(), j[1].as_u64().unwrap());
        assert_eq!(chars(text, a, b), doc.slice(s.span));
    }
    for (s, j) in doc.sentences.iter().zip(v["sentences"].as_array().unwrap()) {
        assert_eq!(chars(text, j[0].as_u64().unwrap(), j[1].as_u64().unwrap()), doc.slice(s.span));
    }
    for e in v["entities"].as_array().unwrap() {
        for m in e["mentions"].as_array().unwrap() {
            assert!(!chars(text, m[0].as_u64().unwrap(), m[1].as_u64().unwrap()).trim().is_empty());
        }
    }
}

#[test]
fn sentences_split_right() {
    let Some((doc, _)) = seed() else { return };
    let sentences: Vec<&str> = doc.sentences.iter().map(|s| doc.slice(s.span)).collect();
    // No sentence ends inside an abbreviation or starts in lower case.
    for s in &sentences {
        let first = s.chars().next().unwrap();
        assert!(!first.is_lowercase(), "sentence starts in lower case: {s}");
        assert!(!s.ends_with("U.S."), "split after an abbreviation: {s}");
    }
    // A quotation that ends a sentence ends it with its closing mark, and a short attribution
    // tail after a quoted question stays with it.
    assert!(sentences.iter().any(|s| s.starts_with('“') && s.ends_with(".”")));
    assert!(sentences.iter().any(|s| s.contains("?”") && s.ends_with("said.")));
    // Every paragraph is covered by its sentences.
    for (pi, p) in doc.paragraphs.iter().enumerate() {
        let in_p: Vec<_> = doc.sentences.iter().filter(|s| s.paragraph == pi).collect();
        assert_eq!(in_p.first().unwrap().span.start, p.span.start);
        assert_eq!(in_p.last().unwrap().span.end, p.span.end);
    }
}

#[test]
fn direct_quotes_of_the_gold_are_quote_pairs() {
    let Some((doc, gold)) = seed() else { return };
    let text = gold["text"].as_str().unwrap();
    let v = to_json(&doc, OutputOptions { tokens: true });
    let regions: Vec<(u64, u64)> = v["quote_marks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["span"][0].as_u64().unwrap(), q["span"][1].as_u64().unwrap()))
        .collect();
    let mut checked = 0;
    for q in gold["quotes"].as_array().unwrap() {
        if q["kind"] != "direct" {
            continue;
        }
        let c = &q["content"][0];
        let (a, b) = (c[0].as_u64().unwrap(), c[1].as_u64().unwrap());
        let content = chars(text, a, b);
        // Gold keeps a trailing comma inside the marks; compare up to the closing mark.
        let end = a + content.trim_end_matches([',', '.']).chars().count() as u64;
        assert!(regions.contains(&(a, end)), "quote not paired: {content}");
        checked += 1;
    }
    assert!(checked >= 5);
    // Apostrophes (it’s, U.S.’s, Ukraine’s) are not quote marks: every region opens with an
    // opening mark.
    for &(a, _) in &regions {
        assert!(matches!(chars(text, a, a + 1).as_str(), "“" | "\""), "region opens with a non-quote");
    }
}
