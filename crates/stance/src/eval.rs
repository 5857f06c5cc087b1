//! FNC-1 data loading, the dev split, and the scores of shared/eval/score_stance.py.

use std::collections::HashMap;
use std::path::Path;

use crate::{Stance, StanceError};

/// One labelled pair.
#[derive(Debug, Clone)]
pub struct Pair {
    pub id: String,
    pub claim: String,
    pub body_id: String,
    pub stance: Stance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    /// Cut from train for choosing the epoch; never reported.
    Val,
    /// The reported dev split.
    Dev,
}

/// The split of an FNC-1 body: FNV-1a 64 of "onrecord-stance:" + body id, modulo 100:
/// 0-14 dev (15% of bodies), 15-24 val (10%), the rest train. Every pair goes with its body.
pub fn split_of(body_id: &str) -> Split {
    match crate::cache::fnv1a(&format!("onrecord-stance:{body_id}")) % 100 {
        0..=14 => Split::Dev,
        15..=24 => Split::Val,
        _ => Split::Train,
    }
}

fn read_jsonl(path: &Path) -> Result<Vec<serde_json::Value>, StanceError> {
    let text = std::fs::read_to_string(path).map_err(|source| StanceError::Io { path: path.to_path_buf(), source })?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| StanceError::Model(format!("{}:{}: {e}", path.display(), i + 1))))
        .collect()
}

fn field(v: &serde_json::Value, k: &str) -> String {
    match v.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// FNC-1 pairs (`{"id","headline","body_id","stance"}`) and bodies (`{"id","text"}`).
pub fn load_fnc(pairs: &Path, bodies: &Path) -> Result<(Vec<Pair>, HashMap<String, String>), StanceError> {
    let bodies: HashMap<String, String> =
        read_jsonl(bodies)?.iter().map(|b| (field(b, "id"), field(b, "text"))).collect();
    let mut out = Vec::new();
    for p in read_jsonl(pairs)? {
        let Some(stance) = Stance::parse(&field(&p, "stance")) else { continue };
        out.push(Pair { id: field(&p, "id"), claim: field(&p, "headline"), body_id: field(&p, "body_id"), stance });
    }
    Ok((out, bodies))
}

/// Emergent (`{"id","claim","headline","stance"}`): the headline is the text that takes a stance.
pub fn load_emergent(path: &Path) -> Result<Vec<(String, String, Stance)>, StanceError> {
    Ok(read_jsonl(path)?
        .iter()
        .filter_map(|v| Stance::parse(&field(v, "stance")).map(|s| (field(v, "claim"), field(v, "headline"), s)))
        .collect())
}

#[derive(Debug, Clone, Default)]
pub struct Scores {
    pub fnc_score: f64,
    pub fnc_max: f64,
    pub macro_f1: f64,
    /// Per class, in [`Stance::ALL`] order.
    pub f1: [f64; 4],
    pub confusion: [[usize; 4]; 4],
}

impl Scores {
    pub fn fnc_relative(&self) -> f64 {
        if self.fnc_max > 0.0 {
            self.fnc_score / self.fnc_max
        } else {
            0.0
        }
    }
}

/// The FNC-1 weighted score and per-class F1, as score_stance.py computes them.
pub fn score(gold: &[Stance], pred: &[Stance]) -> Scores {
    let mut s = Scores::default();
    for (g, p) in gold.iter().zip(pred) {
        s.confusion[g.index()][p.index()] += 1;
        let (gr, pr) = (*g != Stance::Unrelated, *p != Stance::Unrelated);
        s.fnc_max += if gr { 1.0 } else { 0.25 };
        if gr == pr {
            s.fnc_score += 0.25;
        }
        if gr && g == p {
            s.fnc_score += 0.75;
        }
    }
    for c in 0..4 {
        let tp = s.confusion[c][c] as f64;
        let npred: usize = (0..4).map(|g| s.confusion[g][c]).sum();
        let ngold: usize = s.confusion[c].iter().sum();
        let p = if npred > 0 { tp / npred as f64 } else { 0.0 };
        let r = if ngold > 0 { tp / ngold as f64 } else { 0.0 };
        s.f1[c] = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    }
    s.macro_f1 = s.f1.iter().sum::<f64>() / 4.0;
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stance::*;

    #[test]
    fn split_is_stable_and_roughly_sized() {
        let n = 2000;
        let dev = (0..n).filter(|i| split_of(&i.to_string()) == Split::Dev).count();
        assert!((200..400).contains(&dev), "{dev}");
        assert_eq!(split_of("712"), split_of("712"));
    }

    #[test]
    fn scores_match_the_fnc_rules() {
        let s = score(&[Agree, Unrelated, Disagree, Discuss], &[Agree, Unrelated, Discuss, Unrelated]);
        // agree right 1.0, unrelated right 0.25, disagree->discuss 0.25, discuss->unrelated 0
        assert!((s.fnc_score - 1.5).abs() < 1e-9);
        assert!((s.fnc_max - 3.25).abs() < 1e-9);
        assert_eq!(s.f1[Agree.index()], 1.0);
        assert_eq!(s.f1[Disagree.index()], 0.0);
    }
}
