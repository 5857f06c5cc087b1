//! Whatever the input, the learned tiers (static attribution head and entity head, on the rule
//! pipeline) never panic and every span lies inside the text on character boundaries. Skips
//! (passes with a message) when MiniLM is not fetched.

use std::sync::OnceLock;

use onrecord_core::{Document, Pipeline};
use onrecord_learn::entities::{EntityTagger, LearnedEntityLayer};
use onrecord_learn::{Combine, Kind, LearnedAttributionLayer, Tagger};
use proptest::prelude::*;

/// The rule pipeline with both learned tiers, or `None` without the model.
fn pipeline() -> Option<&'static Pipeline> {
    static P: OnceLock<Option<Pipeline>> = OnceLock::new();
    P.get_or_init(|| {
        if !onrecord_embed::model_present(&onrecord_embed::default_model_dir()) {
            eprintln!("SKIP: no MiniLM model (run scripts/fetch-models.sh)");
            return None;
        }
        let mut p = onrecord_learn::rule_pipeline();
        assert!(p.replace("entities", Box::new(LearnedEntityLayer::new(EntityTagger::load_default().expect("entity head")))));
        p.push(Box::new(LearnedAttributionLayer::new(Tagger::load_default(Kind::Static).expect("static head"), Combine::Replace)));
        Some(p)
    })
    .as_ref()
}

fn check(text: String) {
    let Some(p) = pipeline() else { return };
    let mut doc = Document::new("p", text);
    p.run(&mut doc).expect("pipeline error");
    for s in doc.all_spans() {
        assert!(s.start <= s.end && s.end <= doc.text.len(), "span {s:?} outside text of {} bytes", doc.text.len());
        assert!(s.is_valid_in(&doc.text), "span {s:?} not on char boundaries");
    }
}

/// Fragments that stress names, quotes and cues: capitals, possessives, quote marks, controls,
/// multi-byte letters.
fn newsy() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "“", "”", "\"", "'", "’", ".", ",", ":", "\n", "\n\n", " ", "said", "Peskov", "Dmitry", "the Kremlin", "U.S.",
        "Trump’s", "NATO", "ACME Corp", "—", "\u{0}", "\r", "é", "日本", "🙂", "B", "1,000", "according to", "denied",
        "told", "he", "She", "Mr.", "in Moscow",
    ]);
    prop::collection::vec(atoms, 0..80).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

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
fn long_and_degenerate_inputs() {
    check("NATO ".repeat(20_000));
    check("“".repeat(3000));
    check("\u{0}\u{1}“\r\n’".into());
    check(String::new());
}
