//! Re-links an existing ledger with MiniLM at each threshold given and prints the cluster sizes
//! (vectors already stored are reused, so this only clusters). The ledger is changed: re-link it
//! afterwards at the threshold you keep.
//! `cargo run --release -p onrecord-ledger --features embeddings --example claim_threshold -- DB 0.6 0.65`

use onrecord_ledger::{Ledger, MiniLmEncoder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db = args
        .next()
        .ok_or("usage: claim_threshold DB THRESHOLD...")?;
    let mut ledger = Ledger::open(std::path::Path::new(&db))?;
    let mut enc = MiniLmEncoder::load_default()?;
    for t in args {
        enc = enc.with_threshold(t.parse()?);
        let s = ledger.link(&enc)?;
        let sizes: Vec<(i64, i64)> = {
            let mut st = ledger
                .conn()
                .prepare("SELECT size, articles FROM claims ORDER BY size DESC")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let multi = sizes.iter().filter(|s| s.0 > 1).count();
        let cross = sizes.iter().filter(|s| s.1 > 1).count();
        println!("threshold {t}: {} clusters, {multi} with 2+ claims, {cross} across articles, {} disputed, largest {:?}, encoded {}", s.claims, s.disputed, &sizes[..sizes.len().min(5)], s.claims_encoded);
    }
    Ok(())
}
