//! Whatever the input, the pipeline never panics and every span lies inside the text on
//! character boundaries: the rule pipeline, and (when MiniLM is fetched) the same with both
//! learned tiers (the entity head in the entity layer's place, the static attribution head after
//! the rules).

use onrecord::interchange::{to_json, OutputOptions};
use onrecord::{default_pipeline, Document, Pipeline};
use proptest::prelude::*;
use std::sync::OnceLock;

fn pipeline() -> &'static Pipeline {
    static P: OnceLock<Pipeline> = OnceLock::new();
    P.get_or_init(default_pipeline)
}

/// The rule pipeline with both learned tiers, or `None` (said once) without the model.
fn learned_pipeline() -> Option<&'static Pipeline> {
    use onrecord_learn::entities::{EntityTagger, LearnedEntityLayer};
    use onrecord_learn::{Combine, Kind, LearnedAttributionLayer, Tagger};
    static P: OnceLock<Option<Pipeline>> = OnceLock::new();
    P.get_or_init(|| {
        if !onrecord_embed::model_present(&onrecord_embed::default_model_dir()) {
            eprintln!("SKIP (learned tiers): no MiniLM model (run scripts/fetch-models.sh)");
            return None;
        }
        let mut p = default_pipeline();
        assert!(p.replace("entities", Box::new(LearnedEntityLayer::new(EntityTagger::load_default().expect("entity head")))));
        p.push(Box::new(LearnedAttributionLayer::new(Tagger::load_default(Kind::Static).expect("static head"), Combine::Replace)));
        Some(p)
    })
    .as_ref()
}

fn check(text: String) {
    check_with(pipeline(), text.clone());
    if let Some(p) = learned_pipeline() {
        check_with(p, text);
    }
}

fn check_with(pipeline: &Pipeline, text: String) {
    let mut doc = Document::new("p", text);
    doc.meta.published = Some(onrecord::Field::new("2024-11-11", onrecord::FieldSource::User));
    pipeline.run(&mut doc).expect("pipeline error");
    for s in doc.all_spans() {
        assert!(s.start <= s.end && s.end <= doc.text.len(), "span {s:?} outside text of {} bytes", doc.text.len());
        assert!(s.is_valid_in(&doc.text), "span {s:?} not on char boundaries");
    }
    // The JSON boundary must hold too: code point spans inside the text.
    let v = to_json(&doc, OutputOptions { tokens: true });
    let n = doc.text.chars().count() as u64;
    for key in ["sentences", "tokens", "paragraphs"] {
        for sp in v[key].as_array().into_iter().flatten() {
            assert!(sp[1].as_u64().unwrap_or(u64::MAX) <= n);
        }
    }
}

/// Text built from the characters that stress the text layer: quote marks of every kind,
/// apostrophes, terminators, newlines, controls and multi-byte letters.
fn newsy() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "“", "”", "\"", "'", "‘", "’", "«", "»", "„", "‹", "›", ".", "?", "!", ",", ":", "\n", "\n\n", " ", "  ",
        "said", "Peskov", "U.S.", "Sen.", "Jan. 5", "it’s", "’90s", "Trump’s", "—", "\u{0}", "\u{7}", "\r", "é",
        "日本", "🙂", "a", "B", "1,000", "on Thursday", "last year", "according to", "denied", "told", "he",
        "Dmitry", "the Kremlin", "NATO", "ACME Corp", "She", "Mr.", "in Moscow",
    ]);
    prop::collection::vec(atoms, 0..80).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_utf8_never_panics(text in any::<String>()) {
        check(text);
    }

    #[test]
    fn newsy_fragments_never_panic(text in newsy()) {
        check(text);
    }
}

#[test]
fn huge_line_and_lone_marks() {
    check("“".repeat(5000));
    check(format!("{}\n”", "word ".repeat(200_000)));
    check("\u{0}\u{1}\u{2}“\r\n’".into());
    check("NATO ".repeat(20_000));
    check(String::new());
}
