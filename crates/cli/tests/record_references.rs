//! `pokt gateway record-references` against `pokt backend` as processes on loopback: the
//! references it writes are what the trusted model answers, in the format `[watcher] references`
//! reads; a substituted model's answers differ from them.
#![cfg(feature = "hosts")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod process;

use std::process::Command;
use std::time::Duration;

use pokt_gateway::Reference;
use process::{Proc, TempDir};

fn record(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(["gateway", "record-references"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn references_are_recorded_from_a_trusted_backend() {
    let mut trusted = Proc::start(&["backend", "--listen", "127.0.0.1:0", "--model", "big-70b"]);
    let mut substitute = Proc::start(&[
        "backend",
        "--listen",
        "127.0.0.1:0",
        "--model",
        "big-70b",
        "--answers-from",
        "small-1b",
    ]);
    let dir = TempDir::new("record-refs");
    // A text file (one prompt a line) and a JSON file (a model and max_tokens of its own).
    let lines = dir.path().join("prompts.txt");
    std::fs::write(&lines, "# probes\nWhat is 2+2?\n\nName a colour.\n").unwrap();
    let out = dir.path().join("references.json");
    let o = record(&[
        "--from",
        &trusted.url(""),
        "--prompts",
        lines.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--model",
        "big-70b",
        "--max-tokens",
        "8",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let refs: Vec<Reference> = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(refs.len(), 2);
    for (r, prompt) in refs.iter().zip(["What is 2+2?", "Name a colour."]) {
        assert_eq!(
            (r.model.as_str(), r.prompt.as_str(), r.max_tokens),
            ("big-70b", prompt, 8)
        );
        assert_eq!(
            r.answer,
            pokt_standin::answer_as("big-70b", prompt, Some(8)).concat()
        );
    }
    // The same prompts recorded from the substitute differ: the watcher would flag it.
    let json = dir.path().join("prompts.json");
    std::fs::write(
        &json,
        r#"[{"prompt": "What is 2+2?", "model": "big-70b", "max_tokens": 8}, {"prompt": "Name a colour."}]"#,
    )
    .unwrap();
    let o = record(&[
        "--from",
        &substitute.url(""),
        "--prompts",
        json.to_str().unwrap(),
        "--out",
        "-",
        "--model",
        "big-70b",
        "--max-tokens",
        "8",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let other: Vec<Reference> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(other.len(), 2);
    for (a, b) in refs.iter().zip(&other) {
        assert_eq!(
            (&a.model, &a.prompt, a.max_tokens),
            (&b.model, &b.prompt, b.max_tokens)
        );
        assert_ne!(a.answer, b.answer, "{}", a.prompt);
    }
    // Errors name what is missing; nothing is written.
    let missing = dir.path().join("none.json");
    let o = record(&[
        "--from",
        &trusted.url(""),
        "--prompts",
        json.to_str().unwrap(),
        "--out",
        missing.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("entry 1") && err.contains("--model"), "{err}");
    assert!(!missing.exists());
    let o = record(&[
        "--from",
        "http://127.0.0.1:9",
        "--prompts",
        lines.to_str().unwrap(),
        "--out",
        missing.to_str().unwrap(),
        "--model",
        "m",
        "--timeout-secs",
        "20",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from http://127.0.0.1:9"));
    assert!(!missing.exists());
    assert_eq!(trusted.terminate(Duration::from_secs(10)), Some(0));
    assert_eq!(substitute.terminate(Duration::from_secs(10)), Some(0));
}
