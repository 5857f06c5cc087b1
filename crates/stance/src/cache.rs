//! Sentence embeddings keyed by text hash, optionally persisted to a file so that training and
//! scoring runs embed each FNC-1 sentence once. File format: records of
//! [u64 FNV-1a hash of the text, LE][384 f32 LE]; a truncated tail record is ignored.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;

use onrecord_embed::{Encoder, DIM};

use crate::StanceError;

pub fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

pub struct EmbedCache {
    map: HashMap<u64, Vec<f32>>,
    file: Option<PathBuf>,
}

/// Texts embedded per call to the encoder (and per progress line / file append).
const CHUNK: usize = 1024;

impl EmbedCache {
    pub fn in_memory() -> EmbedCache {
        EmbedCache { map: HashMap::new(), file: None }
    }

    /// Opens (or starts) a cache file.
    pub fn open(path: impl Into<PathBuf>) -> Result<EmbedCache, StanceError> {
        let path = path.into();
        let mut map = HashMap::new();
        if path.is_file() {
            let mut bytes = Vec::new();
            std::fs::File::open(&path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(|source| StanceError::Io { path: path.clone(), source })?;
            let rec = 8 + 4 * DIM;
            for r in bytes.chunks_exact(rec) {
                let mut h = [0u8; 8];
                h.copy_from_slice(&r[..8]);
                let v = r[8..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
                map.insert(u64::from_le_bytes(h), v);
            }
        }
        Ok(EmbedCache { map, file: Some(path) })
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Embeds the texts not yet cached (printing progress for large jobs).
    pub fn ensure(&mut self, enc: &Encoder, texts: &[&str]) -> Result<(), StanceError> {
        let mut seen = std::collections::HashSet::new();
        let missing: Vec<&str> =
            texts.iter().copied().filter(|t| !self.map.contains_key(&fnv1a(t)) && seen.insert(fnv1a(t))).collect();
        if missing.is_empty() {
            return Ok(());
        }
        let start = std::time::Instant::now();
        let loud = missing.len() > CHUNK;
        for (k, chunk) in missing.chunks(CHUNK).enumerate() {
            let vecs = enc.encode(chunk)?;
            let mut out = Vec::new();
            for (t, v) in chunk.iter().zip(vecs) {
                out.extend_from_slice(&fnv1a(t).to_le_bytes());
                v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
                self.map.insert(fnv1a(t), v);
            }
            if let Some(path) = &self.file {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|source| StanceError::Io { path: dir.to_path_buf(), source })?;
                }
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .and_then(|mut f| f.write_all(&out))
                    .map_err(|source| StanceError::Io { path: path.clone(), source })?;
            }
            if loud {
                let done = ((k + 1) * CHUNK).min(missing.len());
                let secs = start.elapsed().as_secs_f64();
                eprintln!("embedded {done}/{} texts, {:.0}/s", missing.len(), done as f64 / secs.max(1e-6));
            }
        }
        Ok(())
    }

    /// The cached embeddings of `texts` (those present), by text.
    pub fn snapshot<'a>(&self, texts: &[&'a str]) -> HashMap<&'a str, Vec<f32>> {
        texts.iter().filter_map(|t| self.map.get(&fnv1a(t)).map(|v| (*t, v.clone()))).collect()
    }
}
