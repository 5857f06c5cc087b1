//! What a user sees of a ledger, as JSON Lines, to compare two ledgers built from the same input
//! (a storage change must not change it): every article with all its layers (the article view),
//! every speaker and claim, each speaker's first page of quotes, the search results for the
//! words given, and the overview counts. Row ids are part of the output, so compare ledgers
//! ingested the same way.
//!
//! `cargo run --release -p onrecord-ledger --example view_dump -- LEDGER.db [WORD...] > view.jsonl`

use std::io::Write;

use onrecord_ledger::browse::{self, Page};
use onrecord_ledger::Ledger;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let db = args.first().ok_or("usage: view_dump LEDGER.db [WORD...]")?;
    let l = Ledger::open(std::path::Path::new(db))?;
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let max: i64 = l.conn().query_row("SELECT coalesce(max(id), 0) FROM articles", [], |r| r.get(0))?;
    for id in 1..=max {
        writeln!(out, "{}", serde_json::to_string(&browse::article(&l, id)?)?)?;
    }
    let all = |offset| Page { limit: browse::MAX_LIMIT, offset };
    let mut offset = 0;
    loop {
        let p = browse::speakers(&l, None, all(offset))?;
        for s in &p.items {
            let q = onrecord_ledger::browse::QuoteQuery { agent: Some(s.id), ..Default::default() };
            writeln!(out, "{}", serde_json::to_string(&(s, browse::quotes(&l, &q, Page::default())?))?)?;
        }
        match p.next_offset {
            Some(n) => offset = n,
            None => break,
        }
    }
    for disputed in [false, true] {
        let mut offset = 0;
        loop {
            let p = browse::claims(&l, disputed, all(offset))?;
            writeln!(out, "{}", serde_json::to_string(&p)?)?;
            match p.next_offset {
                Some(n) => offset = n,
                None => break,
            }
        }
    }
    for w in &args[1..] {
        writeln!(out, "{}", serde_json::to_string(&(w, browse::search(&l, w, Page::default())?))?)?;
    }
    writeln!(out, "{}", serde_json::to_string(&browse::counts(&l)?)?)?;
    Ok(())
}
