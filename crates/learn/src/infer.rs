//! The head's forward pass for tagging, without autograd or tensors: plain `f32` buffers, `gemm`
//! on one thread and a polynomial tanh for GELU. Same function as [`Head::forward`] (checked by a
//! test to 1e-4), but about 4x cheaper per token: candle's thread handoffs per op and libm's
//! `tanhf` cost more than the matrix products on matrices this small, and tagging already runs
//! one document per worker thread.

use crate::model::{dilation, Head, HIDDEN};
use crate::LearnError;

/// A row-major matrix `rows x cols`.
struct Mat {
    data: Vec<f32>,
    rows: usize,
    cols: usize,
}

/// The head's weights as plain buffers.
pub struct FastHead {
    proj: (Mat, Vec<f32>),
    /// Per context layer, the `[3*H, H]` weight rearranged as `[H, 3*H]`: the parts that read
    /// `h[t-d]`, `h[t]` and `h[t+d]` side by side, so one product gives all three; and the bias.
    ctx: Vec<(Mat, Vec<f32>)>,
    out: (Mat, Vec<f32>),
    width: usize,
    labels: usize,
}

fn weights(head: &Head, name: &str) -> Result<Vec<f32>, LearnError> {
    Ok(crate::model::get(&head.params, name)?.as_tensor().flatten_all()?.to_vec1::<f32>()?)
}

fn mat(data: Vec<f32>, rows: usize, cols: usize, name: &str) -> Result<Mat, LearnError> {
    if data.len() != rows * cols {
        return Err(LearnError::Model(format!("{name}: {} values, expected {rows}x{cols}", data.len())));
    }
    Ok(Mat { data, rows, cols })
}

impl FastHead {
    pub fn new(head: &Head) -> Result<FastHead, LearnError> {
        let (width, labels) = (head.width, head.labels);
        let proj = (mat(weights(head, "proj.w")?, width, HIDDEN, "proj.w")?, weights(head, "proj.b")?);
        let mut ctx = Vec::with_capacity(head.layers);
        for i in 0..head.layers {
            let w = weights(head, &format!("ctx{i}.w"))?;
            if w.len() != 3 * HIDDEN * HIDDEN {
                return Err(LearnError::Model(format!("ctx{i}.w: {} values", w.len())));
            }
            let mut side = vec![0f32; 3 * HIDDEN * HIDDEN];
            for k in 0..3 {
                for r in 0..HIDDEN {
                    let src = &w[(k * HIDDEN + r) * HIDDEN..(k * HIDDEN + r + 1) * HIDDEN];
                    side[r * 3 * HIDDEN + k * HIDDEN..r * 3 * HIDDEN + (k + 1) * HIDDEN].copy_from_slice(src);
                }
            }
            ctx.push((mat(side, HIDDEN, 3 * HIDDEN, "ctx")?, weights(head, &format!("ctx{i}.b"))?));
        }
        let out = (mat(weights(head, "out.w")?, HIDDEN, labels, "out.w")?, weights(head, "out.b")?);
        Ok(FastHead { proj, ctx, out, width, labels })
    }

    /// Width of the feature rows this head reads.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Log-probabilities per token (`n` rows of one per label) for feature rows `x` (`n * width`).
    pub fn log_probs(&self, x: &[f32], n: usize) -> Result<Vec<Vec<f32>>, LearnError> {
        if x.len() != n * self.width {
            return Err(LearnError::Data(format!("{} feature values for {n} tokens", x.len())));
        }
        let mut h = linear(x, n, &self.proj.0, &self.proj.1);
        h.iter_mut().for_each(|v| *v = gelu(*v));
        const H3: usize = 3 * HIDDEN;
        let mut parts = vec![0f32; n * H3];
        let mut s = [0f32; HIDDEN];
        for (i, (w, b)) in self.ctx.iter().enumerate() {
            let d = dilation(i);
            matmul(&h, n, w, &mut parts);
            // ctx[t] = [h[t-d], h[t], h[t+d]] (zeros outside), so its product is the sum of the
            // three parts taken at t-d, t and t+d.
            for t in 0..n {
                let row = |u: usize, k: usize| &parts[u * H3 + k * HIDDEN..u * H3 + (k + 1) * HIDDEN];
                for ((o, bias), p) in s.iter_mut().zip(b).zip(row(t, 1)) {
                    *o = bias + p;
                }
                if t >= d {
                    s.iter_mut().zip(row(t - d, 0)).for_each(|(o, p)| *o += p);
                }
                if t + d < n {
                    s.iter_mut().zip(row(t + d, 2)).for_each(|(o, p)| *o += p);
                }
                h[t * HIDDEN..(t + 1) * HIDDEN].iter_mut().zip(&s).for_each(|(o, v)| *o += gelu(*v));
            }
        }
        let logits = linear(&h, n, &self.out.0, &self.out.1);
        Ok(logits.chunks_exact(self.labels).map(log_softmax).collect())
    }
}

/// `x (n x rows) * w + b`, a new buffer.
fn linear(x: &[f32], n: usize, w: &Mat, b: &[f32]) -> Vec<f32> {
    let mut out = vec![0f32; n * w.cols];
    matmul(x, n, w, &mut out);
    for row in out.chunks_exact_mut(w.cols) {
        for (o, bias) in row.iter_mut().zip(b) {
            *o += bias;
        }
    }
    out
}

/// `out = a (n x w.rows) * w`, row-major, one thread.
fn matmul(a: &[f32], n: usize, w: &Mat, out: &mut [f32]) {
    assert!(a.len() >= n * w.rows && out.len() >= n * w.cols, "matmul shapes");
    if n == 0 {
        return;
    }
    // SAFETY: the assert above keeps every index the strides reach inside `a`, `w.data` and
    // `out` (row-major: column stride 1, row stride = columns).
    unsafe {
        gemm::gemm(
            n,
            w.cols,
            w.rows,
            out.as_mut_ptr(),
            1,
            w.cols as isize,
            false,
            a.as_ptr(),
            1,
            w.rows as isize,
            w.data.as_ptr(),
            1,
            w.cols as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

fn log_softmax(row: &[f32]) -> Vec<f32> {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = row.iter().map(|v| (v - max).exp()).sum();
    let lse = max + sum.ln();
    row.iter().map(|v| v - lse).collect()
}

/// GELU, tanh form (as candle's `gelu`).
fn gelu(x: f32) -> f32 {
    const C: f32 = 0.797_884_6; // sqrt(2 / pi)
    0.5 * x * (1.0 + tanh(C * (x + 0.044_715 * x * x * x)))
}

/// tanh as a rational polynomial on [-7.9, 7.9] (Eigen's float approximation; error below 1e-6),
/// +-1 outside.
fn tanh(x: f32) -> f32 {
    let x = x.clamp(-7.905_311, 7.905_311);
    let x2 = x * x;
    let p = ((((((-2.760_768_5e-16f32 * x2 + 2.000_188e-13) * x2 - 8.604_672e-11) * x2 + 5.122_297e-8) * x2
        + 1.485_722_4e-5)
        * x2
        + 6.372_619_3e-4)
        * x2
        + 4.893_524_6e-3)
        * x;
    let q = ((1.198_258_4e-6f32 * x2 + 1.185_347_1e-4) * x2 + 2.268_434_6e-3) * x2 + 4.893_525e-3;
    p / q
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};
    use crate::features::WIDTH;

    #[test]
    fn tanh_matches_libm() {
        for i in -2000..=2000 {
            let x = i as f32 / 100.0;
            assert!((tanh(x) - x.tanh()).abs() < 2e-6, "{x}: {} vs {}", tanh(x), x.tanh());
        }
    }

    #[test]
    fn same_function_as_the_candle_head() {
        // The attribution head's sizes, and another head's (other width and label count).
        for (layers, width, labels) in [(3, WIDTH, crate::NLABELS), (6, WIDTH, crate::NLABELS), (4, 30, 9)] {
            let head = Head::init_sized(7, layers, width, labels).unwrap();
            let fast = FastHead::new(&head).unwrap();
            let mut rng = crate::model::Rng::new(3);
            for n in [1usize, 5, 40] {
                let x: Vec<f32> = (0..n * width).map(|_| rng.unit()).collect();
                let t = Tensor::from_vec(x.clone(), (1, n, width), &Device::Cpu).unwrap();
                let want = candle_nn::ops::log_softmax(&head.forward(&t).unwrap(), candle_core::D::Minus1)
                    .unwrap()
                    .squeeze(0)
                    .unwrap()
                    .to_vec2::<f32>()
                    .unwrap();
                let got = fast.log_probs(&x, n).unwrap();
                assert!(got.iter().all(|r| r.len() == labels));
                for (a, b) in want.iter().flatten().zip(got.iter().flatten()) {
                    assert!((a - b).abs() < 1e-4, "layers {layers}, n {n}: {a} vs {b}");
                }
            }
        }
        assert!(FastHead::new(&Head::init(1, 3).unwrap()).unwrap().log_probs(&[], 0).unwrap().is_empty());
    }
}
