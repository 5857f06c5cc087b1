//! `extract --learned` is a flag with an optional `=kind`: the word after it stays an input file,
//! and the run gives output with or without the fetched model (falling back to the rules with a
//! message when it is absent).

use std::process::Command;

#[test]
fn learned_flag_leaves_the_next_word_an_input() {
    let dir = std::env::temp_dir().join(format!("onrecord-learned-flag-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("one.jsonl");
    std::fs::write(&input, "{\"id\":\"a\",\"text\":\"The minister said the plan had failed.\"}\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_onrecord");
    for flag in ["--learned", "--learned=static"] {
        let out = Command::new(bin).arg("extract").arg(flag).arg(&input).output().unwrap();
        assert!(out.status.success(), "{flag}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.lines().count(), 1, "{flag}: {text}");
        assert!(text.contains("\"quotes\""), "{flag}: {text}");
    }
    let bad = Command::new(bin).args(["extract", "--learned=fancy"]).arg(&input).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("contextual"));
    let help = Command::new(bin).args(["train", "attribution", "--help"]).output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--features"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `extract --learned-entities` gives the same shape of output with or without the fetched
/// model (the rules' names, with a message, when it is absent), alone or with `--learned`.
#[test]
fn learned_entities_flag_runs_with_or_without_the_model() {
    let dir = std::env::temp_dir().join(format!("onrecord-learned-entities-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("one.jsonl");
    std::fs::write(&input, "{\"id\":\"a\",\"text\":\"Kremlin spokesman Dmitry Peskov said the report was pure fiction.\"}\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_onrecord");
    for flags in [&["--learned-entities"][..], &["--learned-entities", "--learned"][..]] {
        let out = Command::new(bin).arg("extract").args(flags).arg(&input).output().unwrap();
        assert!(out.status.success(), "{flags:?}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.lines().count(), 1, "{flags:?}: {text}");
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        let names: Vec<&str> = v["entities"].as_array().unwrap().iter().filter_map(|e| e["name"].as_str()).collect();
        assert!(names.contains(&"Dmitry Peskov"), "{flags:?}: {names:?}");
    }
    let help = Command::new(bin).args(["train", "entities", "--help"]).output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--dev"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--device` names where the learned tier's transformer runs; asking for a GPU never quietly
/// falls back to the CPU rules: without `--learned`, with the static kind (no transformer), or in
/// a build without CUDA (or without the model), the run fails and says why.
#[test]
fn a_gpu_asked_for_is_used_or_refused() {
    let dir = std::env::temp_dir().join(format!("onrecord-device-flag-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("one.jsonl");
    std::fs::write(&input, "{\"id\":\"a\",\"text\":\"The minister said the plan had failed.\"}\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_onrecord");
    let run = |args: &[&str]| Command::new(bin).arg("extract").args(args).arg(&input).output().unwrap();
    let err = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).to_string();

    let cpu = run(&["--device", "cpu"]);
    assert!(cpu.status.success(), "{}", err(&cpu));
    assert_eq!(String::from_utf8_lossy(&cpu.stdout).lines().count(), 1);

    let bad = run(&["--device", "tpu"]);
    assert!(!bad.status.success());
    assert!(err(&bad).contains("cuda:N"), "{}", err(&bad));

    let alone = run(&["--device", "cuda"]);
    assert!(!alone.status.success());
    assert!(err(&alone).contains("--learned=tuned"), "{}", err(&alone));
    assert!(alone.stdout.is_empty());

    let stat = run(&["--learned=static", "--device", "cuda:1"]);
    assert!(!stat.status.success());
    assert!(stat.stdout.is_empty());

    if !cfg!(feature = "cuda") {
        let tuned = run(&["--learned=tuned", "--device", "cuda"]);
        assert!(!tuned.status.success());
        let e = err(&tuned);
        // Without the fetched model the model is what is missing; with it, the CUDA support.
        assert!(e.contains("build-cuda.sh") || e.contains("fetch-models.sh"), "{e}");
        assert!(tuned.stdout.is_empty());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ingest` and `reanalyze` take the learned tiers too, and the choice is part of the analysis
/// version: a ledger analysed with them is re-analysed without them, and again with them. Without
/// the fetched model both fall back to the rules (same version, nothing to re-analyse).
#[test]
fn ledger_commands_take_the_learned_tiers_as_an_analysis_version() {
    let dir = std::env::temp_dir().join(format!("onrecord-learned-ledger-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("two.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"a\",\"text\":\"Kremlin spokesman Dmitry Peskov said the report was pure fiction.\"}\n\
         {\"id\":\"b\",\"text\":\"The minister said the plan had failed, officials said on Monday.\"}\n",
    )
    .unwrap();
    let db = dir.join("ledger.db");
    let bin = env!("CARGO_BIN_EXE_onrecord");
    let run = |args: &[&str]| {
        let out = Command::new(bin).args(args).arg("--db").arg(&db).args(["--claims", "lexical", "--json"]).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (v, String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (v, err) = run(&["ingest", input.to_str().unwrap(), "--learned", "--learned-entities"]);
    assert_eq!(v["ingested"], 2, "{v}");
    let fell_back = err.contains("unavailable");
    let again = if fell_back { 0 } else { 2 };
    let (v, _) = run(&["reanalyze"]);
    assert_eq!(v["reanalysed"], again, "rules after learned: {v}");
    let (v, _) = run(&["reanalyze", "--learned", "--learned-entities"]);
    assert_eq!(v["reanalysed"], again, "learned after rules: {v}");
    let (v, _) = run(&["reanalyze", "--learned", "--learned-entities"]);
    assert_eq!(v["reanalysed"], 0, "same choice again: {v}");
    let _ = std::fs::remove_dir_all(&dir);
}
