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
