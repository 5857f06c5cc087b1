//! The tagging head: a projection of each token's features, residual context layers that mix
//! each token with its neighbours at distance 1, 2, 4, ... (layer i at 2^i), and a linear layer
//! to BIO logits. The number of context layers is read from the weights file.
//! Built from plain tensor ops (narrow/cat/matmul) so candle's autograd covers all of it.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor, Var, D};

use crate::features::WIDTH;
use crate::{LearnError, NLABELS};

/// Hidden width of the head.
pub const HIDDEN: usize = 128;
/// Context layers of the head over contextual (MiniLM) states: the encoder supplies the context.
pub const CONTEXT_LAYERS: usize = 3;
/// Context layers of the head over static embeddings: the head must see a whole clause itself
/// (receptive field of +-63 tokens).
pub const STATIC_CONTEXT_LAYERS: usize = 6;

/// Distance mixed by context layer `i`.
pub(crate) fn dilation(i: usize) -> usize {
    1usize << i.min(16)
}

/// A small deterministic generator (xorshift64*) so training is reproducible without
/// depending on candle's unseeded CPU random numbers.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [-1, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// The head's parameters, by name.
pub struct Head {
    pub params: Vec<(String, Var)>,
    /// Number of context layers.
    pub layers: usize,
    /// Width of a token's feature row (the attribution head's is [`WIDTH`]).
    pub width: usize,
    /// Number of labels (the attribution head's is [`NLABELS`]).
    pub labels: usize,
}

pub(crate) fn get<'a>(params: &'a [(String, Var)], name: &str) -> Result<&'a Var, LearnError> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .ok_or_else(|| LearnError::Model(format!("missing weight {name}")))
}

fn shapes(layers: usize, width: usize, labels: usize) -> Vec<(String, Vec<usize>)> {
    let mut v = vec![("proj.w".to_string(), vec![width, HIDDEN]), ("proj.b".to_string(), vec![HIDDEN])];
    for i in 0..layers {
        v.push((format!("ctx{i}.w"), vec![3 * HIDDEN, HIDDEN]));
        v.push((format!("ctx{i}.b"), vec![HIDDEN]));
    }
    v.push(("out.w".to_string(), vec![HIDDEN, labels]));
    v.push(("out.b".to_string(), vec![labels]));
    v
}

impl Head {
    /// A fresh attribution head (features [`WIDTH`] wide, [`NLABELS`] labels).
    pub fn init(seed: u64, layers: usize) -> Result<Head, LearnError> {
        Head::init_sized(seed, layers, WIDTH, NLABELS)
    }

    /// Fresh weights for `width`-wide feature rows and `labels` labels: uniform in
    /// ±1/sqrt(fan_in), biases zero.
    pub fn init_sized(seed: u64, layers: usize, width: usize, labels: usize) -> Result<Head, LearnError> {
        let mut rng = Rng::new(seed);
        let mut params = Vec::new();
        for (name, shape) in shapes(layers, width, labels) {
            let n: usize = shape.iter().product();
            let data: Vec<f32> = if shape.len() == 1 {
                vec![0.0; n]
            } else {
                let bound = 1.0 / (shape[0] as f32).sqrt();
                (0..n).map(|_| rng.unit() * bound).collect()
            };
            let t = Tensor::from_vec(data, shape.as_slice(), &Device::Cpu)?;
            params.push((name, Var::from_tensor(&t)?));
        }
        Ok(Head { params, layers, width, labels })
    }

    pub fn load(path: &Path) -> Result<Head, LearnError> {
        let map = candle_core::safetensors::load(path, &Device::Cpu)
            .map_err(|e| LearnError::Model(format!("{}: {e}", path.display())))?;
        let layers = (0..).take_while(|i| map.contains_key(&format!("ctx{i}.w"))).count();
        // The feature width and the label count are the file's own.
        let dim = |name: &str, axis: usize| {
            map.get(name)
                .and_then(|t| t.dims().get(axis).copied())
                .ok_or_else(|| LearnError::Model(format!("{}: missing weight {name}", path.display())))
        };
        let (width, labels) = (dim("proj.w", 0)?, dim("out.w", 1)?);
        let mut params = Vec::new();
        for (name, shape) in shapes(layers, width, labels) {
            let t = map
                .get(&name)
                .ok_or_else(|| LearnError::Model(format!("{}: missing weight {name}", path.display())))?
                .to_dtype(DType::F32)?;
            if t.dims() != shape.as_slice() {
                return Err(LearnError::Model(format!("{}: {name} has shape {:?}", path.display(), t.dims())));
            }
            params.push((name, Var::from_tensor(&t)?));
        }
        Ok(Head { params, layers, width, labels })
    }

    /// Saves the weights as f16 safetensors (half the size; the head is tolerant of it).
    pub fn save(&self, path: &Path) -> Result<(), LearnError> {
        let mut map = HashMap::new();
        for (n, v) in &self.params {
            map.insert(n.clone(), v.as_tensor().to_dtype(DType::F16)?);
        }
        candle_core::safetensors::save(&map, path)?;
        Ok(())
    }

    pub fn vars(&self) -> Vec<Var> {
        self.params.iter().map(|(_, v)| v.clone()).collect()
    }

    /// Logits `(batch, len, labels)` for features `(batch, len, width)`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor, LearnError> {
        self.forward_dropout(x, None)
    }

    /// As [`Head::forward`], with dropout at rate `p` (drawn from `rng`, so training stays
    /// reproducible) on the input features and on every layer's output, when `drop` is given.
    pub fn forward_dropout(&self, x: &Tensor, mut drop: Option<(f32, &mut Rng)>) -> Result<Tensor, LearnError> {
        let p = &self.params;
        let mut apply = |t: Tensor| -> candle_core::Result<Tensor> {
            match drop.as_mut() {
                Some((rate, rng)) if *rate > 0.0 => dropout(&t, *rate, rng),
                _ => Ok(t),
            }
        };
        let x = apply(x.clone())?;
        let mut h = apply(linear(&x, get(p, "proj.w")?, get(p, "proj.b")?)?.gelu()?)?;
        for i in 0..self.layers {
            let d = dilation(i);
            let ctx = Tensor::cat(&[&shift(&h, d as isize)?, &h, &shift(&h, -(d as isize))?], D::Minus1)?;
            let upd = apply(linear(&ctx, get(p, &format!("ctx{i}.w"))?, get(p, &format!("ctx{i}.b"))?)?.gelu()?)?;
            h = (h + upd)?;
        }
        Ok(linear(&h, get(p, "out.w")?, get(p, "out.b")?)?)
    }
}

/// Inverted dropout: zeroes each element with probability `rate`, scales the rest by 1/(1-rate).
fn dropout(t: &Tensor, rate: f32, rng: &mut Rng) -> candle_core::Result<Tensor> {
    let keep = 1.0 - rate;
    // `unit` is uniform in [-1, 1): map to [0, 1).
    let mask: Vec<f32> = (0..t.elem_count()).map(|_| if (rng.unit() + 1.0) * 0.5 < keep { 1.0 / keep } else { 0.0 }).collect();
    t.mul(&Tensor::from_vec(mask, t.shape(), t.device())?)
}

fn linear(x: &Tensor, w: &Var, b: &Var) -> candle_core::Result<Tensor> {
    x.broadcast_matmul(w.as_tensor())?.broadcast_add(b.as_tensor())
}

/// `out[t] = h[t - d]` along the sequence axis, zeros where that falls outside.
fn shift(h: &Tensor, d: isize) -> candle_core::Result<Tensor> {
    let (b, len, w) = h.dims3()?;
    let k = d.unsigned_abs().min(len);
    if k == 0 {
        return Ok(h.clone());
    }
    let zeros = Tensor::zeros((b, k, w), h.dtype(), h.device())?;
    if d > 0 {
        Tensor::cat(&[&zeros, &h.narrow(1, 0, len - k)?], 1)
    } else {
        Tensor::cat(&[&h.narrow(1, k, len - k)?, &zeros], 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropout_zeroes_about_its_rate_and_keeps_the_mean() {
        let t = Tensor::ones(10_000, DType::F32, &Device::Cpu).unwrap();
        let d = dropout(&t, 0.25, &mut Rng::new(7)).unwrap().to_vec1::<f32>().unwrap();
        let zeros = d.iter().filter(|&&v| v == 0.0).count();
        assert!((2_200..2_800).contains(&zeros), "{zeros} zeros");
        let mean = d.iter().sum::<f32>() / d.len() as f32;
        assert!((mean - 1.0).abs() < 0.05, "mean {mean}");
    }

    #[test]
    fn no_dropout_is_the_plain_forward_pass() {
        let head = Head::init(3, 2).unwrap();
        let x = Tensor::ones((1, 5, WIDTH), DType::F32, &Device::Cpu).unwrap();
        let a = head.forward(&x).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let mut rng = Rng::new(1);
        let b = head.forward_dropout(&x, Some((0.0, &mut rng))).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(a, b);
        let c = head.forward_dropout(&x, Some((0.5, &mut rng))).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_ne!(a, c);
    }
}
