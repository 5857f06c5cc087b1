//! Constrained Viterbi over BIO tags: an `I-X` may only follow `B-X` or `I-X`. Label 0 is `O`;
//! class `k` (from 0) has `B` = `2k + 1` and `I` = `2k + 2`, for any number of classes.

/// True when label `to` may follow label `from` (`None`: at the start).
pub fn allowed(from: Option<usize>, to: usize) -> bool {
    // I-tags are the even ids 2, 4, 6; their B is the id before.
    if to == 0 || to % 2 == 1 {
        return true;
    }
    matches!(from, Some(f) if f == to || f + 1 == to)
}

/// The best label sequence under the BIO constraint, from per-token log-probabilities (as many
/// labels per token as the first token has).
pub fn viterbi(logp: &[Vec<f32>]) -> Vec<usize> {
    let n = logp.len();
    let Some(first) = logp.first() else { return Vec::new() };
    let nl = first.len();
    if nl == 0 {
        return vec![0; n];
    }
    let neg = f32::NEG_INFINITY;
    let mut score: Vec<f32> = (0..nl).map(|l| if allowed(None, l) { first[l] } else { neg }).collect();
    let mut next = vec![neg; nl];
    let mut back = vec![0usize; n * nl];
    for t in 1..n {
        for to in 0..nl {
            let emit = logp[t].get(to).copied().unwrap_or(neg);
            next[to] = neg;
            for from in 0..nl {
                if allowed(Some(from), to) && score[from] + emit > next[to] {
                    next[to] = score[from] + emit;
                    back[t * nl + to] = from;
                }
            }
        }
        std::mem::swap(&mut score, &mut next);
    }
    let mut best = (0..nl).max_by(|&a, &b| score[a].total_cmp(&score[b])).unwrap_or(0);
    let mut out = vec![0; n];
    for t in (0..n).rev() {
        out[t] = best;
        best = back[t * nl + best];
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
    fn any_number_of_classes() {
        // O, B-A, I-A, B-B, I-B, B-C, I-C, B-D, I-D: I-D after B-B is not allowed.
        let mut lp = vec![vec![-9.0f32; 9]; 3];
        lp[0][3] = -0.1;
        lp[1][8] = -0.1;
        lp[1][4] = -0.5;
        lp[2][0] = -0.1;
        assert_eq!(viterbi(&lp), vec![3, 4, 0]);
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
