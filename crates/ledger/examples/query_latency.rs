//! Query latency on a ledger: times N random calls of each query the CLI and the server make
//! (quotes by speaker, speakers list, claims list, one claim with its stances, full-text search,
//! disputes, article by id) and prints p50/p99/max in milliseconds as a markdown table.
//!
//! `cargo run --release -p onrecord-ledger --example query_latency -- LEDGER.db [N=200]`
//! With `--plan` it prints SQLite's query plan of the hot statements instead.

use std::time::Instant;

use onrecord_ledger::browse::{self, Page, QuoteQuery};
use onrecord_ledger::query::QuoteFilter;
use onrecord_ledger::Ledger;

/// A small deterministic generator (xorshift), so runs pick the same queries.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .ok_or("usage: query_latency LEDGER.db [N] [--plan]")?;
    let n: usize = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(200);
    let ledger = Ledger::open(std::path::Path::new(path))?;
    let c = ledger.conn();
    // Query arguments drawn from the ledger itself.
    let col = |sql: &str| -> rusqlite::Result<Vec<String>> {
        let mut st = c.prepare(sql)?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect()
    };
    let ids = |sql: &str| -> rusqlite::Result<Vec<i64>> {
        let mut st = c.prepare(sql)?;
        let rows = st.query_map([], |r| r.get::<_, i64>(0))?;
        rows.collect()
    };
    let speakers = col("SELECT name FROM agents WHERE id IN (SELECT agent FROM attributions WHERE agent IS NOT NULL ORDER BY id LIMIT 20000) LIMIT 2000")?;
    let claims = ids("SELECT id FROM claims WHERE size > 1 LIMIT 5000")?;
    let max_article: i64 = c.query_row("SELECT coalesce(max(id), 0) FROM articles", [], |r| {
        r.get(0)
    })?;
    let words = col("SELECT content FROM attributions WHERE id % 97 = 0 LIMIT 2000")?
        .iter()
        .flat_map(|t| {
            t.split_whitespace()
                .filter(|w| w.len() > 5 && w.chars().all(char::is_alphabetic))
                .map(str::to_string)
                .take(2)
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>();
    let articles: i64 = c.query_row("SELECT count(*) FROM articles", [], |r| r.get(0))?;
    let quotes: i64 = c.query_row("SELECT count(*) FROM attributions", [], |r| r.get(0))?;

    if args.iter().any(|a| a == "--plan") {
        for sql in [
            "SELECT count(*) FROM attributions q JOIN articles a ON a.id = q.article LEFT JOIN agents g ON g.id = q.agent WHERE (g.name LIKE '%x%' OR q.speaker LIKE '%x%')",
            "SELECT g.id, count(q.id) FROM agents g JOIN attributions q ON q.agent = g.id GROUP BY g.id ORDER BY count(q.id) DESC LIMIT 50",
            "SELECT id FROM claims WHERE size > 1 OR disputed ORDER BY disputed DESC, articles DESC, size DESC, id LIMIT 50",
            "SELECT id FROM claims WHERE disputed ORDER BY disputed DESC, articles DESC, size DESC, id LIMIT 50",
        ] {
            println!("{sql}");
            let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let rows = st.query_map([], |r| r.get::<_, String>(3))?;
            for r in rows {
                println!("    {}", r?);
            }
        }
        return Ok(());
    }

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let page = Page {
        limit: 50,
        offset: 0,
    };
    type Query<'a> = Box<dyn FnMut(&mut Rng) -> onrecord_ledger::Result<usize> + 'a>;
    let mut queries: Vec<(&str, Query)> = vec![
        (
            "quotes by speaker (CLI `quotes --speaker`, first 50)",
            Box::new(|r: &mut Rng| {
                let s = speakers.get(r.below(speakers.len())).cloned();
                Ok(ledger
                    .quotes(&QuoteFilter {
                        speaker: s,
                        limit: Some(50),
                        ..Default::default()
                    })?
                    .len())
            }),
        ),
        (
            "quotes by speaker (server, page of 50 + total)",
            Box::new(|r: &mut Rng| {
                let s = speakers.get(r.below(speakers.len())).cloned();
                Ok(browse::quotes(
                    &ledger,
                    &QuoteQuery {
                        speaker: s,
                        ..Default::default()
                    },
                    page,
                )?
                .items
                .len())
            }),
        ),
        (
            "speakers list (server, page of 50 + total)",
            Box::new(|r: &mut Rng| {
                Ok(browse::speakers(
                    &ledger,
                    None,
                    Page {
                        limit: 50,
                        offset: 50 * r.below(4),
                    },
                )?
                .items
                .len())
            }),
        ),
        (
            "claims list (server, page of 50 + total)",
            Box::new(|r: &mut Rng| {
                Ok(browse::claims(
                    &ledger,
                    false,
                    Page {
                        limit: 50,
                        offset: 50 * r.below(4),
                    },
                )?
                .items
                .len())
            }),
        ),
        (
            "one claim with its stances (CLI `claim ID`)",
            Box::new(|r: &mut Rng| {
                let id = claims.get(r.below(claims.len())).copied().unwrap_or(1);
                Ok(ledger.claim(id)?.map_or(0, |t| t.entries.len()))
            }),
        ),
        (
            "full-text search (quotes + articles, 20 each)",
            Box::new(|r: &mut Rng| {
                let w = words.get(r.below(words.len())).cloned().unwrap_or_default();
                Ok(ledger.search(&w, 20)?.len())
            }),
        ),
        (
            "disputes (server, page of 50 + total)",
            Box::new(|_r: &mut Rng| Ok(browse::claims(&ledger, true, page)?.items.len())),
        ),
        (
            "article by id with all layers (server)",
            Box::new(|r: &mut Rng| {
                let id = 1 + r.below(max_article as usize) as i64;
                Ok(browse::article(&ledger, id)?.map_or(0, |a| a.attributions.len()))
            }),
        ),
    ];
    println!("ledger: {articles} articles, {quotes} attributions; {n} random calls per query (after 3 warm-up calls)");
    println!("| query | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|");
    for (name, q) in queries.iter_mut() {
        for _ in 0..3 {
            q(&mut rng)?;
        }
        let mut t: Vec<f64> = (0..n)
            .map(|_| {
                let s = Instant::now();
                q(&mut rng).map(|_| s.elapsed().as_secs_f64() * 1000.0)
            })
            .collect::<onrecord_ledger::Result<_>>()?;
        t.sort_by(|a, b| a.total_cmp(b));
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} |",
            pct(&t, 0.5),
            pct(&t, 0.99),
            t.last().copied().unwrap_or(0.0)
        );
    }
    Ok(())
}
