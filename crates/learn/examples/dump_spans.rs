//! Dumps, per document, the tagger's spans (from a labels cache written by `onrecord-learn
//! extract --labels-cache`) with their sentence and paragraph, in code points: the input of the
//! source-linking analysis.
use onrecord_core::interchange::CharOffsets;
use std::collections::HashMap;
use std::io::Write;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(args.len() == 3, "usage: dump_spans GOLD.jsonl LABELS.json");
    let labels: HashMap<String, Vec<usize>> = serde_json::from_str(&std::fs::read_to_string(&args[2])?)?;
    let docs = onrecord_learn::train::read_gold(std::path::Path::new(&args[1]))?;
    let pipeline = onrecord_learn::rule_pipeline();
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    for (mut doc, _) in docs {
        pipeline.run(&mut doc).map_err(|e| anyhow::anyhow!("{}: {e}", doc.id))?;
        let l = labels.get(&doc.id).cloned().unwrap_or_default();
        let co = CharOffsets::new(&doc.text);
        let spans: Vec<_> = onrecord_learn::spans(&doc, &l)
            .into_iter()
            .map(|(p, s, r)| {
                serde_json::json!({"part": format!("{p:?}"), "span": co.span(s), "tokens": [r.start, r.end],
                    "sent": doc.sentence_at(s.start), "para": doc.paragraph_at(s.start)})
            })
            .collect();
        let rules: Vec<_> = doc
            .attributions
            .iter()
            .map(|a| serde_json::json!({"content": a.content.iter().map(|&c| co.span(c)).collect::<Vec<_>>(),
                "cue": a.cue.map(|c| co.span(c)), "source": a.source.map(|c| co.span(c))}))
            .collect();
        writeln!(out, "{}", serde_json::json!({"id": doc.id, "spans": spans, "rules": rules}))?;
    }
    Ok(())
}
