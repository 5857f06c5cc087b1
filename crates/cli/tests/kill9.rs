//! A `kill -9` in the middle of `onrecord ingest` loses nothing already committed, leaves no
//! half-stored article, and a re-run completes the rest without duplicates.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use onrecord_ledger::Ledger;

const N: usize = 3000;

fn write_corpus(path: &Path) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let towns = ["Northfield", "Easton", "Westbury", "Southport", "Midvale"];
    for i in 0..N {
        let town = towns[i % towns.len()];
        let text = format!(
            "{town} will build {n} new homes by {y}, the council said on Monday.\n\
             “We have waited long enough for district {n},” said Jordan Reyes{k}, who chairs the housing board.\n\
             Residents said the plan number {i} would raise traffic on the old bridge, and the mayor denied that the budget would grow.",
            n = 100 + i,
            y = 2025 + i % 5,
            k = i % 40,
        );
        let rec = serde_json::json!({"id": format!("syn-{i}"), "text": text, "published": format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28), "publisher": format!("Gazette {}", i % 7)});
        writeln!(f, "{rec}").unwrap();
    }
}

fn articles(db: &Path) -> i64 {
    match Ledger::open(db) {
        Ok(l) => l.conn().query_row("SELECT count(*) FROM articles", [], |r| r.get(0)).unwrap_or(0),
        Err(_) => 0,
    }
}

fn scalar(l: &Ledger, sql: &str) -> i64 {
    l.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Every stored article is whole: its text layer and search rows went in with it.
fn check_consistent(db: &Path) -> i64 {
    let l = Ledger::open(db).expect("the ledger opens after a kill");
    let ok: String = l.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    let n = scalar(&l, "SELECT count(*) FROM articles");
    assert_eq!(scalar(&l, "SELECT count(DISTINCT doc_id) FROM articles"), n, "duplicate articles");
    assert_eq!(scalar(&l, "SELECT count(*) FROM articles WHERE id NOT IN (SELECT article FROM sentences)"), 0, "article without its layers");
    assert_eq!(scalar(&l, "SELECT count(*) FROM articles_fts"), n);
    assert_eq!(scalar(&l, "SELECT count(*) FROM quotes_fts"), scalar(&l, "SELECT count(*) FROM attributions"));
    n
}

#[test]
fn kill_nine_loses_nothing_and_rerun_completes() {
    let dir = std::env::temp_dir().join(format!("onrecord-kill9-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let corpus = dir.join("corpus.jsonl");
    let db = dir.join("ledger.db");
    write_corpus(&corpus);
    let bin = env!("CARGO_BIN_EXE_onrecord");
    let ingest = || {
        Command::new(bin)
            .args(["ingest", "--claims", "lexical", "--batch", "20", "--db"])
            .arg(&db)
            .arg(&corpus)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr.txt")).unwrap())
            .spawn()
            .unwrap()
    };

    let mut child = ingest();
    let start = Instant::now();
    let mut seen = 0;
    while start.elapsed() < Duration::from_secs(120) {
        seen = articles(&db);
        if seen > 60 || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if let Some(st) = child.try_wait().unwrap() {
        let err = std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default();
        assert!(st.success(), "ingest failed before the kill: {st}: {err}");
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let after_kill = check_consistent(&db);
    if after_kill as usize == N {
        eprintln!("note: ingest finished before the kill; the kill was not mid-run");
    } else {
        eprintln!("killed with {after_kill} of {N} articles committed (first seen {seen})");
    }
    assert!(after_kill >= seen, "committed articles were lost");

    let status = ingest().wait().unwrap();
    assert!(status.success(), "re-run failed: {status}");
    assert_eq!(check_consistent(&db), N as i64);
    let counts = Ledger::open(&db).unwrap().counts().unwrap();

    // A third run finds everything present and changes nothing.
    let out = Command::new(bin).args(["ingest", "--claims", "lexical", "--json", "--db"]).arg(&db).arg(&corpus).output().unwrap();
    assert!(out.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["already_present"], N as u64);
    assert_eq!(summary["ingested"], 0);
    assert_eq!(Ledger::open(&db).unwrap().counts().unwrap(), counts);
    let _ = std::fs::remove_dir_all(&dir);
}
