//! Stored claim vectors: each comparable attribution is encoded once per encoder model and kept
//! in `claim_vectors`, so linking after each ingest encodes only the claims that are new.

use rusqlite::{params, Connection};

use crate::claims::{self, ClaimEncoder, ClaimInput};
use crate::error::Result;
use crate::prepare::{ClaimKey, Stance};
use crate::Ledger;

/// Texts per encoding call and per committed transaction: bounds memory and the work a kill loses.
const CHUNK: usize = 512;

/// Little-endian f32 bytes.
pub fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The floats of a blob written by [`to_blob`]; trailing bytes that make no whole float are ignored.
pub fn from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

impl Ledger {
    /// Encodes the comparable attributions that have no vector for `encoder.name()` yet, in
    /// batches each committed on its own. Returns how many texts were encoded (0 for an
    /// encoder that gives no vectors, such as the lexical one).
    pub fn update_claim_vectors(&mut self, encoder: &dyn ClaimEncoder) -> Result<u64> {
        let model = encoder.name().to_string();
        // A lexical encoder gives no vectors: nothing to look for (the scan reads every claim).
        if encoder.encode(&[])?.is_none() {
            return Ok(0);
        }
        let missing: Vec<(i64, String)> = {
            let mut st = self.conn.prepare(
                "SELECT a.id, a.content, a.claim_key FROM attributions a
                 LEFT JOIN claim_vectors v ON v.attribution_id = a.id AND v.model = ?1
                 WHERE v.attribution_id IS NULL ORDER BY a.id",
            )?;
            let rows = st.query_map([&model], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut out = vec![];
            for row in rows {
                let (id, text, key) = row?;
                let key = serde_json::from_str::<ClaimKey>(&key).unwrap_or_default();
                let probe = ClaimInput {
                    id,
                    article: 0,
                    idx: 0,
                    paragraph: None,
                    text: String::new(),
                    key,
                    stance: Stance::Asserts,
                    target: None,
                    published: None,
                };
                if claims::comparable(&probe) {
                    out.push((id, text));
                }
            }
            out
        };
        let mut encoded = 0u64;
        for chunk in missing.chunks(CHUNK) {
            let texts: Vec<&str> = chunk.iter().map(|(_, t)| t.as_str()).collect();
            let Some(vecs) = encoder.encode(&texts)? else {
                return Ok(0);
            };
            let tx = self.conn.transaction()?;
            {
                let mut ins = tx.prepare_cached("INSERT OR REPLACE INTO claim_vectors(attribution_id, model, dim, vec) VALUES (?1, ?2, ?3, ?4)")?;
                for ((id, _), v) in chunk.iter().zip(&vecs) {
                    ins.execute(params![id, model, v.len() as i64, to_blob(v)])?;
                }
            }
            tx.commit()?;
            encoded += vecs.len() as u64;
        }
        Ok(encoded)
    }
}

/// The stored vectors of `model` for `inputs`, aligned with them; `None` when none are stored
/// (a lexical encoder).
pub fn load_aligned(
    conn: &Connection,
    model: &str,
    inputs: &[ClaimInput],
) -> Result<Option<Vec<Option<Vec<f32>>>>> {
    let pos: std::collections::HashMap<i64, usize> =
        inputs.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut out: Vec<Option<Vec<f32>>> = vec![None; inputs.len()];
    let mut any = false;
    let mut st =
        conn.prepare("SELECT attribution_id, dim, vec FROM claim_vectors WHERE model = ?1")?;
    let rows = st.query_map([model], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    for row in rows {
        let (id, dim, blob) = row?;
        let v = from_blob(&blob);
        if v.len() as i64 != dim || v.is_empty() {
            continue;
        }
        if let Some(&i) = pos.get(&id) {
            out[i] = Some(v);
            any = true;
        }
    }
    Ok(any.then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_round_trip() {
        let v = vec![0.5f32, -1.25, 3.0e-7];
        assert_eq!(from_blob(&to_blob(&v)), v);
        assert_eq!(from_blob(&[1, 2, 3]), Vec::<f32>::new());
    }
}
