//! A small ledger built from synthetic articles with the default pipeline, shared by the tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use onrecord_ledger::Ledger;
use serde_json::json;

/// Synthetic articles (written for these tests): a claim made, relayed and denied across two
/// outlets, and one article whose title and text carry markup that must show as text.
pub fn corpus_jsonl() -> String {
    let arts = [
        json!({"id": "herald-1", "publisher": "Riverton Herald", "published": "2024-03-01", "url": "https://herald.example/bridge",
               "title": "Mayor says Elm Street bridge will close",
               "text": "Mayor says Elm Street bridge will close\n\nMayor Jane Ruiz said on Friday that the city will close the Elm Street bridge for repairs in April.\n\n\"The bridge is unsafe and it must be rebuilt before anyone gets hurt,\" Ruiz told reporters at City Hall.\n\nCouncil member Tom Okafor denied that the council had approved the closure. \"That is simply not true, nobody voted on it,\" Okafor said."}),
        json!({"id": "times-2", "publisher": "Valley Times", "published": "2024-03-04", "url": "https://times.example/elm",
               "title": "Elm Street bridge closure disputed",
               "text": "Elm Street bridge closure disputed\n\nThe city will close the Elm Street bridge for repairs in April, Mayor Jane Ruiz said on Monday.\n\nSources familiar with the plan said the repairs could reportedly cost as much as $40 million.\n\n\"We were never consulted,\" said Tom Okafor, a council member. Ruiz said the council would vote next week."}),
        json!({"id": "xss-3", "publisher": "Evil <b>Outlet</b>", "published": "2024-05-10",
               "title": "<script>alert('title')</script> Markup in news",
               "text": "Markup in news\n\nA reader wrote <script>alert('xss')</script> in a comment, and the editor Maria Lopez said: \"Nobody should ever paste <img src=x onerror=alert(1)> into our pages.\"\n\nLopez said the site would filter such comments from June."}),
    ];
    arts.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The path of a ledger holding [`corpus_jsonl`], built once per test binary.
pub fn ledger_path() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("onrecord-server-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("test.db");
        let _ = std::fs::remove_file(&path);
        let mut l = Ledger::open(&path).unwrap();
        let pipeline = onrecord::default_pipeline();
        let r = onrecord_server::ingest_text(&mut l, &pipeline, &corpus_jsonl(), "corpus.jsonl")
            .unwrap();
        assert_eq!(r.summary.ingested, 3, "{r:?}");
        path
    })
    .clone()
}

/// A fresh empty-ish ledger path (for ingest tests that write).
pub fn fresh_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("onrecord-server-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.db"));
    let _ = std::fs::remove_file(&path);
    Ledger::open(&path).unwrap();
    path
}
