//! The seed article's dispute, read from its gold file: every denier named there denies a claim
//! cluster that someone also asserts or reports. Skips when ../shared is absent.

use onrecord_ledger::claims::ClaimEncoder;
use onrecord_ledger::{IngestOptions, Ledger, LexicalEncoder};

#[test]
fn seed_dispute_from_gold() {
    seed_dispute(&LexicalEncoder);
}

/// The same dispute with claims clustered by MiniLM vectors.
#[cfg(feature = "embeddings")]
#[test]
fn seed_dispute_with_minilm() {
    use onrecord_ledger::MiniLmEncoder;
    if !MiniLmEncoder::model_present() {
        eprintln!("skipping: no MiniLM model (run scripts/fetch-models.sh)");
        return;
    }
    seed_dispute(&MiniLmEncoder::load_default().expect("model present but failed to load"));
}

fn seed_dispute(encoder: &dyn ClaimEncoder) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/seed");
    let (Ok(input), Ok(gold)) = (
        std::fs::read_to_string(format!("{root}/kremlin-call.input.jsonl")),
        std::fs::read_to_string(format!("{root}/kremlin-call.gold.json")),
    ) else {
        eprintln!("skipping: ../shared/corpus/seed not found");
        return;
    };
    let gold: serde_json::Value = serde_json::from_str(&gold).unwrap();
    let rec: serde_json::Value = serde_json::from_str(input.lines().next().unwrap()).unwrap();
    let mut doc =
        onrecord::Document::new(rec["id"].as_str().unwrap(), rec["text"].as_str().unwrap());
    if let Some(p) = rec["published"].as_str() {
        doc.meta.published = Some(onrecord::Field::new(p, onrecord::FieldSource::Jsonl));
    }
    let pipeline = onrecord::default_pipeline();
    let analyse = |d: &mut onrecord::Document| pipeline.run(d).map_err(|e| e.to_string());
    let mut l = Ledger::open_in_memory().unwrap();
    l.ingest(
        std::iter::once(Ok(doc)),
        &analyse,
        &IngestOptions::default(),
        encoder,
        &mut |_| {},
    )
    .unwrap();
    let n: i64 = l
        .conn()
        .query_row("SELECT count(*) FROM attributions", [], |r| r.get(0))
        .unwrap();
    if n == 0 {
        eprintln!("skipping: the default pipeline finds no attributions yet");
        return;
    }
    let disputed = l.claims(true, None).unwrap();
    for d in gold["disputes"].as_array().unwrap() {
        for denier in d["denied_by"].as_array().unwrap() {
            let denier = denier.as_str().unwrap();
            let found = disputed.iter().any(|c| {
                let t = l.claim(c.id).unwrap().unwrap();
                let by = |stances: &[&str]| {
                    t.entries
                        .iter()
                        .any(|e| stances.contains(&e.stance.as_str()))
                };
                by(&["asserts"])
                    && by(&["reports"])
                    && t.entries.iter().any(|e| {
                        e.stance == "denies"
                            && e.speaker
                                .as_deref()
                                .is_some_and(|s| s.contains(denier) || denier.contains(s))
                    })
            });
            assert!(found, "no disputed claim denied by {denier}: {disputed:#?}");
        }
    }
}
