//! CPU cost of the MinHash signature per article on this machine: the ledger's `minhash` (the
//! vectorised minimum, dispatched at run time) beside the scalar loop it replaced (kept here as
//! the reference), over the first N texts of a JSON Lines file, R rounds, alternating. Prints
//! microseconds per article (thread CPU time, so other processes' load matters less) and checks
//! that both give the same signatures.
//!
//! `cargo run --release -p onrecord-ledger --example minhash_cost -- FILE.jsonl [N=2000] [R=5]`

use std::borrow::Cow;
use std::io::BufRead;

use onrecord_ledger::copies::{lower_words, minhash, splitmix, NUM_HASHES};

/// The scalar implementation before round 6 (one shingle at a time, 64 lanes in a loop).
fn minhash_scalar(text: &str) -> [u32; NUM_HASHES] {
    let ws = lower_words(text);
    let mut sig = [u32::MAX; NUM_HASHES];
    let mut add = |h: u64| {
        for (i, s) in sig.iter_mut().enumerate() {
            let v = splitmix(h ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) as u32;
            *s = (*s).min(v);
        }
    };
    let fnv = |ws: &[Cow<str>]| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (i, w) in ws.iter().enumerate() {
            let space = if i > 0 { &b" "[..] } else { &b""[..] };
            for &b in space.iter().chain(w.as_bytes()) {
                h ^= b as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h
    };
    if ws.len() < 5 {
        if !ws.is_empty() {
            add(fnv(&ws));
        }
    } else {
        for w in ws.windows(5) {
            add(fnv(w));
        }
    }
    sig
}

/// CPU seconds of this thread.
fn thread_cpu() -> f64 {
    let mut ts = libc_timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid pointer to a timespec; CLOCK_THREAD_CPUTIME_ID = 3 on Linux.
    unsafe { clock_gettime(3, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

#[repr(C)]
struct libc_timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn clock_gettime(clk: i32, tp: *mut libc_timespec) -> i32;
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().ok_or("usage: minhash_cost FILE.jsonl [N] [R]")?;
    let n: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let rounds: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let mut texts = vec![];
    for line in std::io::BufReader::new(std::fs::File::open(path)?).lines().take(n) {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        if let Some(t) = v["text"].as_str() {
            texts.push(t.to_string());
        }
    }
    for t in &texts {
        if minhash(t) != minhash_scalar(t) {
            return Err("signatures differ".into());
        }
    }
    let (mut new, mut old) = (vec![], vec![]);
    let mut sink = 0u64;
    for _ in 0..rounds {
        let t0 = thread_cpu();
        for t in &texts {
            sink = sink.wrapping_add(minhash_scalar(t)[0] as u64);
        }
        let t1 = thread_cpu();
        for t in &texts {
            sink = sink.wrapping_add(minhash(t)[0] as u64);
        }
        let t2 = thread_cpu();
        old.push((t1 - t0) * 1e6 / texts.len() as f64);
        new.push((t2 - t1) * 1e6 / texts.len() as f64);
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    println!(
        "{} articles, {rounds} rounds, same signatures; CPU microseconds per article (median): scalar {:.1}, vectorised {:.1} ({sink})",
        texts.len(),
        med(&mut old),
        med(&mut new)
    );
    Ok(())
}
