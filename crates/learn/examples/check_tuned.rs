//! Checks that the Rust tagger reproduces the training script's model: compares the
//! log-probabilities the script saved for one document (`check-tuned*.json`, written by
//! crates/learn/tune/tune_attribution.py) with those of the loaded tuned head.
//!
//! `cargo run --release -p onrecord-learn --example check_tuned -- HEAD_DIR CHECK.json GOLD.jsonl`

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [head, check, gold] = args.as_slice() else {
        anyhow::bail!("usage: check_tuned HEAD_DIR CHECK.json GOLD.jsonl");
    };
    let check: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(check)?)?;
    let id = check["id"].as_str().unwrap_or_default();
    let want: Vec<Vec<f32>> = serde_json::from_value(check["log_probs"].clone())?;
    let tagger = onrecord_learn::Tagger::load(&onrecord_embed::default_model_dir(), head, onrecord_learn::Kind::Tuned)?;
    let (mut doc, _) = onrecord_learn::train::read_gold(gold)?
        .into_iter()
        .find(|(d, _)| d.id == id)
        .ok_or_else(|| anyhow::anyhow!("document {id} not in {}", gold.display()))?;
    onrecord_learn::rule_pipeline().run(&mut doc).map_err(|e| anyhow::anyhow!("{e}"))?;
    let got = tagger.log_probs(&doc)?;
    anyhow::ensure!(got.len() == want.len(), "{} tokens here, {} in the check", got.len(), want.len());
    let (mut max_diff, mut same_argmax) = (0f32, 0usize);
    let argmax = |r: &[f32]| (0..r.len()).max_by(|&a, &b| r[a].total_cmp(&r[b])).unwrap_or(0);
    for (g, w) in got.iter().zip(&want) {
        for (a, b) in g.iter().zip(w) {
            // Compare probabilities: log-probabilities of near-impossible labels differ wildly
            // and mean nothing.
            max_diff = max_diff.max((a.exp() - b.exp()).abs());
        }
        same_argmax += usize::from(argmax(g) == argmax(w));
    }
    println!("{id}: {} tokens, max |p_rust - p_python| {max_diff:.4}, same best label on {same_argmax}", got.len());
    anyhow::ensure!(max_diff < 0.05, "the Rust tagger does not reproduce the training script");
    Ok(())
}
