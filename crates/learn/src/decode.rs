//! Constrained Viterbi over BIO tags: an `I-X` may only follow `B-X` or `I-X`.

use crate::NLABELS;

/// True when label `to` may follow label `from` (`None`: at the start).
pub fn allowed(from: Option<usize>, to: usize) -> bool {
    // I-tags are the even ids 2, 4, 6; their B is the id before.
    if to == 0 || to % 2 == 1 {
        return true;
    }
    matches!(from, Some(f) if f == to || f + 1 == to)
}

/// The best label sequence under the BIO constraint, from per-token log-probabilities.
pub fn viterbi(logp: &[Vec<f32>]) -> Vec<usize> {
    let n = logp.len();
    if n == 0 {
        return Vec::new();
    }
    let neg = f32::NEG_INFINITY;
    let mut score = [neg; NLABELS];
    for (l, s) in score.iter_mut().enumerate() {
        if allowed(None, l) {
            *s = logp[0].get(l).copied().unwrap_or(neg);
        }
    }
    let mut back = vec![[0usize; NLABELS]; n];
    for t in 1..n {
        let mut next = [neg; NLABELS];
        for to in 0..NLABELS {
            let emit = logp[t].get(to).copied().unwrap_or(neg);
            for from in 0..NLABELS {
                if allowed(Some(from), to) && score[from] + emit > next[to] {
                    next[to] = score[from] + emit;
                    back[t][to] = from;
                }
            }
        }
        score = next;
    }
    let mut best = (0..NLABELS).max_by(|&a, &b| score[a].total_cmp(&score[b])).unwrap_or(0);
    let mut out = vec![0; n];
    for t in (0..n).rev() {
        out[t] = best;
        best = back[t][best];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inside_tag_needs_its_begin() {
        // Token 0 prefers I-CON on its own, which may not start a sequence.
        let lp = vec![
            vec![-2.0, -9.0, -9.0, -9.0, -9.0, -1.5, -0.1],
            vec![-3.0, -9.0, -9.0, -9.0, -9.0, -3.0, -0.1],
        ];
        let out = viterbi(&lp);
        assert_eq!(out, vec![5, 6]);
        assert!(viterbi(&[]).is_empty());
    }

    #[test]
    fn transitions() {
        assert!(allowed(None, 1));
        assert!(!allowed(None, 2));
        assert!(allowed(Some(1), 2));
        assert!(allowed(Some(2), 2));
        assert!(!allowed(Some(3), 2));
        assert!(!allowed(Some(6), 4));
    }
}
