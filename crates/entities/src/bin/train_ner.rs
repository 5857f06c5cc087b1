//! Trains the name tagger: `train-ner --train PREFIX --dev PREFIX --out FILE [--epochs N]
//! [--seed S] [--prune W]`, where PREFIX names `PREFIX.input.jsonl` + `PREFIX.gold.jsonl`.

use std::time::Instant;

use onrecord_entities::recognize::train::{self, Options};

fn main() {
    if let Err(e) = run() {
        eprintln!("train-ner: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut train_p, mut dev_p, mut out) = (None, None, None);
    let mut opts = Options::default();
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--train" => train_p = Some(val()?),
            "--dev" => dev_p = Some(val()?),
            "--out" => out = Some(val()?),
            "--epochs" => opts.epochs = val()?.parse().map_err(|e| format!("--epochs: {e}"))?,
            "--seed" => opts.seed = val()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--prune" => opts.prune = val()?.parse().map_err(|e| format!("--prune: {e}"))?,
            _ => return Err(format!("unknown argument {a}; usage: --train PREFIX --dev PREFIX --out FILE")),
        }
    }
    let (Some(train_p), Some(dev_p), Some(out)) = (train_p, dev_p, out) else {
        return Err("usage: train-ner --train PREFIX --dev PREFIX --out FILE [--epochs N] [--seed S]".into());
    };
    let t0 = Instant::now();
    let train_data = train::load(&train_p)?;
    let dev = train::load(&dev_p)?;
    eprintln!("loaded {} train and {} dev documents in {:.1}s", train_data.len(), dev.len(), t0.elapsed().as_secs_f64());
    let model = train::train(&train_data, &dev, &opts, &mut |line| eprintln!("{line}"));
    let file = std::fs::File::create(&out).map_err(|e| format!("{out}: {e}"))?;
    model.write(std::io::BufWriter::new(file), opts.prune).map_err(|e| format!("{out}: {e}"))?;
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    eprintln!("wrote {out}: {} rows, {size} bytes, in {:.1}s total", model.len(), t0.elapsed().as_secs_f64());
    Ok(())
}
