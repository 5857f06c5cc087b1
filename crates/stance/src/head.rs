//! A small MLP head (standardised features -> hidden ReLU layer -> 4 classes), trained with
//! candle on the CPU. Initialisation, shuffling and dropout use our own seeded generator so a
//! training run is reproducible.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

use crate::StanceError;

/// SplitMix64: tiny, seedable, good enough for init and shuffling.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Trained head: feature standardisation plus two linear layers.
pub struct Head {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    w1: Tensor,
    b1: Tensor,
    w2: Tensor,
    b2: Tensor,
}

pub struct TrainConfig {
    pub hidden: usize,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    pub weight_decay: f64,
    pub dropout: f32,
    pub class_weights: Vec<f32>,
    pub seed: u64,
}

impl Head {
    pub fn inputs(&self) -> usize {
        self.mean.len()
    }

    fn standardise(&self, rows: &[Vec<f32>]) -> Result<Tensor, StanceError> {
        let d = self.mean.len();
        let mut flat = Vec::with_capacity(rows.len() * d);
        for r in rows {
            if r.len() != d {
                return Err(StanceError::Model(format!("feature row has {} values, head expects {d}", r.len())));
            }
            flat.extend(r.iter().zip(&self.mean).zip(&self.std).map(|((x, m), s)| (x - m) / s));
        }
        Ok(Tensor::from_vec(flat, (rows.len(), d), &Device::Cpu)?)
    }

    fn logits(&self, x: &Tensor) -> Result<Tensor, StanceError> {
        let h = x.matmul(&self.w1)?.broadcast_add(&self.b1)?.relu()?;
        Ok(h.matmul(&self.w2)?.broadcast_add(&self.b2)?)
    }

    /// Class probabilities per row.
    pub fn predict(&self, rows: &[Vec<f32>]) -> Result<Vec<Vec<f32>>, StanceError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let x = self.standardise(rows)?;
        let p = candle_nn::ops::softmax(&self.logits(&x)?, D::Minus1)?;
        Ok(p.to_vec2::<f32>()?)
    }

    /// Trains on (features, label) rows; `on_epoch(epoch, mean loss, head)` is called after each
    /// epoch and returns true to keep that epoch's weights as the best so far.
    pub fn train(
        rows: &[Vec<f32>],
        labels: &[u32],
        classes: usize,
        cfg: &TrainConfig,
        mut on_epoch: impl FnMut(usize, f32, &Head) -> bool,
    ) -> Result<Head, StanceError> {
        let d = rows.first().map_or(0, |r| r.len());
        let n = rows.len().max(1) as f32;
        let mut mean = vec![0f32; d];
        for r in rows {
            mean.iter_mut().zip(r).for_each(|(m, x)| *m += x / n);
        }
        let mut std = vec![0f32; d];
        for r in rows {
            std.iter_mut().zip(r).zip(&mean).for_each(|((s, x), m)| *s += (x - m) * (x - m) / n);
        }
        std.iter_mut().for_each(|s| *s = s.sqrt().max(1e-4));

        let mut rng = Rng::new(cfg.seed);
        let dev = Device::Cpu;
        let mut init = |rows_: usize, cols: usize, scale: f32| -> Result<Var, StanceError> {
            let v: Vec<f32> = (0..rows_ * cols).map(|_| (rng.unit() * 2.0 - 1.0) * scale).collect();
            Ok(Var::from_tensor(&Tensor::from_vec(v, (rows_, cols), &dev)?)?)
        };
        let w1 = init(d, cfg.hidden, (6.0 / (d + cfg.hidden) as f32).sqrt())?;
        let b1 = Var::from_tensor(&Tensor::zeros(cfg.hidden, DType::F32, &dev)?)?;
        let w2 = init(cfg.hidden, classes, (6.0 / (cfg.hidden + classes) as f32).sqrt())?;
        let b2 = Var::from_tensor(&Tensor::zeros(classes, DType::F32, &dev)?)?;
        let mut opt = AdamW::new(
            vec![w1.clone(), b1.clone(), w2.clone(), b2.clone()],
            ParamsAdamW { lr: cfg.lr, weight_decay: cfg.weight_decay, ..Default::default() },
        )?;
        let snapshot = |mean: &Vec<f32>, std: &Vec<f32>| -> Result<Head, StanceError> {
            Ok(Head {
                mean: mean.clone(),
                std: std.clone(),
                w1: w1.as_tensor().copy()?,
                b1: b1.as_tensor().copy()?,
                w2: w2.as_tensor().copy()?,
                b2: b2.as_tensor().copy()?,
            })
        };
        let mut probe = snapshot(&mean, &std)?;
        let x_all = probe.standardise(rows)?;
        let mut best = None;
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        let mut drop_rng = Rng::new(cfg.seed ^ 0xD00D);
        for epoch in 1..=cfg.epochs {
            rng.shuffle(&mut order);
            let mut total = 0f32;
            let mut batches = 0;
            for chunk in order.chunks(cfg.batch) {
                let idx = Tensor::from_vec(chunk.to_vec(), chunk.len(), &dev)?;
                let x = x_all.index_select(&idx, 0)?;
                let y: Vec<u32> = chunk.iter().map(|&i| labels[i as usize]).collect();
                let wts: Vec<f32> = y.iter().map(|&c| cfg.class_weights.get(c as usize).copied().unwrap_or(1.0)).collect();
                let wsum: f32 = wts.iter().sum();
                let yt = Tensor::from_vec(y, chunk.len(), &dev)?;
                let wt = Tensor::from_vec(wts, chunk.len(), &dev)?;
                let mut h = x.matmul(w1.as_tensor())?.broadcast_add(b1.as_tensor())?.relu()?;
                if cfg.dropout > 0.0 {
                    let keep = 1.0 - cfg.dropout;
                    let mask: Vec<f32> = (0..chunk.len() * cfg.hidden)
                        .map(|_| if drop_rng.unit() < keep { 1.0 / keep } else { 0.0 })
                        .collect();
                    h = (h * Tensor::from_vec(mask, (chunk.len(), cfg.hidden), &dev)?)?;
                }
                let logits = h.matmul(w2.as_tensor())?.broadcast_add(b2.as_tensor())?;
                let logp = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
                let picked = logp.gather(&yt.unsqueeze(1)?, 1)?.squeeze(1)?;
                let loss = ((picked * wt)?.sum_all()? / f64::from(-wsum.max(1e-6)))?;
                opt.backward_step(&loss)?;
                total += loss.to_scalar::<f32>()?;
                batches += 1;
            }
            probe = snapshot(&mean, &std)?;
            if on_epoch(epoch, total / batches.max(1) as f32, &probe) {
                best = Some(snapshot(&mean, &std)?);
            }
        }
        Ok(best.unwrap_or(probe))
    }

    /// Serialises to safetensors bytes (standardisation stored as tensors too).
    pub fn to_bytes(&self) -> Result<Vec<u8>, StanceError> {
        let dev = Device::Cpu;
        let mut m: HashMap<String, Tensor> = HashMap::new();
        m.insert("mean".into(), Tensor::new(self.mean.as_slice(), &dev)?);
        m.insert("std".into(), Tensor::new(self.std.as_slice(), &dev)?);
        m.insert("w1".into(), self.w1.clone());
        m.insert("b1".into(), self.b1.clone());
        m.insert("w2".into(), self.w2.clone());
        m.insert("b2".into(), self.b2.clone());
        let tmp = std::env::temp_dir().join(format!("onrecord-stance-head-{}.safetensors", std::process::id()));
        candle_core::safetensors::save(&m, &tmp)?;
        let bytes = std::fs::read(&tmp).map_err(|e| StanceError::Model(e.to_string()))?;
        let _ = std::fs::remove_file(&tmp);
        Ok(bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Head, StanceError> {
        let mut m = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)?;
        let mut take = |k: &str| m.remove(k).ok_or_else(|| StanceError::Model(format!("head lacks tensor {k}")));
        let (mean, std) = (take("mean")?.to_vec1::<f32>()?, take("std")?.to_vec1::<f32>()?);
        let (w1, b1, w2, b2) = (take("w1")?, take("b1")?, take("w2")?, take("b2")?);
        let d = mean.len();
        if std.len() != d || w1.dims() != [d, b1.dims1()?] || w2.dims()[0] != b1.dims1()? {
            return Err(StanceError::Model("head tensors have inconsistent shapes".into()));
        }
        Ok(Head { mean, std, w1, b1, w2, b2 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_problem_and_round_trips() {
        let mut rng = Rng::new(7);
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for _ in 0..400 {
            let (a, b) = (rng.unit(), rng.unit());
            rows.push(vec![a, b]);
            labels.push(if a > b { 1 } else { 0 });
        }
        let cfg = TrainConfig { hidden: 8, epochs: 30, batch: 32, lr: 0.02, weight_decay: 0.0, dropout: 0.0, class_weights: vec![1.0, 1.0], seed: 1 };
        let head = Head::train(&rows, &labels, 2, &cfg, |_, _, _| false).unwrap();
        let p = head.predict(&[vec![0.9, 0.1], vec![0.1, 0.9]]).unwrap();
        assert!(p[0][1] > 0.8 && p[1][0] > 0.8, "{p:?}");
        let again = Head::from_bytes(&head.to_bytes().unwrap()).unwrap();
        assert_eq!(again.predict(&[vec![0.9, 0.1]]).unwrap(), head.predict(&[vec![0.9, 0.1]]).unwrap());
        assert!(head.predict(&[vec![1.0]]).is_err());
        assert!(Head::from_bytes(b"junk").is_err());
    }
}
