//! The learned tiers' options, shared by `extract`, `ingest` and `reanalyze`: which learned
//! components go into the pipeline, and on which device.

use onrecord::Pipeline;

#[derive(clap::Args, Clone)]
pub struct LearnedArgs {
    /// Add the learned attribution tier to the rules, when the base model and head are present
    /// (otherwise say so and use the rules alone): `--learned` or `--learned=static` reads
    /// MiniLM's input-layer vectors (fast), `--learned=tuned` runs the whole transformer
    /// fine-tuned for attribution (most accurate, 1-2 articles/s), `--learned=contextual` the
    /// frozen transformer.
    #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "static")]
    pub learned: Option<onrecord_learn::Kind>,
    /// Find names with the learned entity tagger (MiniLM's static vectors and the rules' names,
    /// `onrecord train entities`) in place of the rules' tagger alone, when the base model and
    /// its head are present (otherwise say so and use the rules).
    #[arg(long)]
    pub learned_entities: bool,
    /// Where the learned tier's transformer runs: `cpu`, or `cuda` / `cuda:N` in a build made
    /// with `scripts/build-cuda.sh` (for `--learned=tuned` and `--learned=contextual`).
    #[arg(long, default_value = "cpu", value_parser = parse_compute)]
    pub device: onrecord_learn::Compute,
}

fn parse_compute(s: &str) -> Result<onrecord_learn::Compute, String> {
    s.parse::<onrecord_learn::Compute>().map_err(|e| e.to_string())
}

impl LearnedArgs {
    /// Puts the asked-for learned components into `pipeline`. A missing model or head falls back
    /// to the rules with a message; a GPU asked for by name is never silently replaced by the CPU.
    pub fn apply(&self, pipeline: &mut Pipeline) -> anyhow::Result<()> {
        let device = self.device;
        if self.learned.is_none() && device != onrecord_learn::Compute::Cpu {
            anyhow::bail!("--device {device} runs the learned tier's transformer: add --learned=tuned or --learned=contextual");
        }
        if self.learned_entities {
            match onrecord_learn::entities::EntityTagger::load_default() {
                Ok(t) => {
                    pipeline.replace("entities", Box::new(onrecord_learn::entities::LearnedEntityLayer::new(t)));
                }
                Err(e) => eprintln!("onrecord: --learned-entities unavailable ({e}); using the rule tier's names"),
            }
        }
        if let Some(kind) = self.learned {
            match onrecord_learn::Tagger::load_default_on(kind, device) {
                Ok(t) => pipeline.push(Box::new(onrecord_learn::LearnedAttributionLayer::new(t, onrecord_learn::Combine::Replace))),
                Err(e) if device != onrecord_learn::Compute::Cpu => {
                    return Err(anyhow::Error::new(e).context(format!("loading the learned tier on {device}")))
                }
                Err(e) => eprintln!("onrecord: --learned unavailable ({e}); using the rule tier"),
            }
        }
        Ok(())
    }
}
