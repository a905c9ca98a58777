//! `pokt simulate --experiment NAME --config FILE / --set KEY=VALUE / --print-config` through
//! the real binary: researchers change an experiment's assumptions without writing Rust.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `pokt args…`; returns the exit code, standard output and standard error.
fn pokt(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(args)
        .output()
        .expect("the pokt binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pokt-simcfg-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs experiment `name` with `extra` arguments into `out`; returns its CSV.
fn run(name: &str, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "simulate",
        "--experiment",
        name,
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = pokt(&args);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    std::fs::read_to_string(out.join(format!("experiment-{name}.csv"))).unwrap()
}

/// `--print-config` writes the defaults as TOML that `--config` reads back to the same run.
#[test]
fn print_config_is_a_config_file() {
    let dir = scratch("print");
    for name in ["qos-parity", "marketplace", "substitution"] {
        let (code, text, err) = pokt(&["simulate", "--experiment", name, "--print-config"]);
        assert_eq!(code, 0, "{err}");
        assert!(text.starts_with("# Assumptions of `pokt simulate --experiment"));
        let file = dir.join(format!("{name}.toml"));
        std::fs::write(&file, &text).unwrap();
        // Read back and printed again: the same file.
        let (code, again, err) = pokt(&[
            "simulate",
            "--experiment",
            name,
            "--config",
            file.to_str().unwrap(),
            "--print-config",
        ]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(again, text);
    }
    let (_, q, _) = pokt(&["simulate", "--experiment", "qos-parity", "--print-config"]);
    assert!(q.contains("requests = 4000"), "{q}");
    assert!(q.contains("[qos.hedge]"), "{q}");
    let (_, m, _) = pokt(&["simulate", "--experiment", "marketplace", "--print-config"]);
    assert!(
        m.contains("[[services]]") && m.contains("name = \"reason-70b\""),
        "{m}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file that changes one assumption changes the CSV; `--set` does the same as the file, and
/// the run's assumptions are written beside its CSV.
#[test]
fn config_file_and_set_change_the_run() {
    let dir = scratch("run");
    let file = dir.join("small.toml");
    std::fs::write(
        &file,
        "requests = 300\nsupplier_counts = [1, 5]\nfailure_rates = [0.2]\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let base = run("qos-parity", &dir, &["--config", f]);
    // 2 supplier counts × 1 failure rate × 4 routers, all at the file's failure rate.
    let rows: Vec<&str> = base.lines().skip(1).collect();
    assert_eq!(rows.len(), 8, "{base}");
    assert!(
        rows.iter().all(|r| r.split(',').nth(1) == Some("0.2")),
        "{base}"
    );
    let written = std::fs::read_to_string(dir.join("experiment-qos-parity.toml")).unwrap();
    assert!(written.contains("requests = 300"), "{written}");
    // Same seed, same file: same CSV.
    assert_eq!(run("qos-parity", &dir, &["--config", f]), base);
    // One assumption changed in the file: a different CSV.
    let changed = dir.join("changed.toml");
    std::fs::write(
        &changed,
        format!(
            "{}hang_share = 0.9\n",
            std::fs::read_to_string(&file).unwrap()
        ),
    )
    .unwrap();
    let by_file = run("qos-parity", &dir, &["--config", changed.to_str().unwrap()]);
    assert_ne!(by_file, base);
    // The same change by --set on top of the first file.
    let by_set = run(
        "qos-parity",
        &dir,
        &["--config", f, "--set", "hang_share=0.9"],
    );
    assert_eq!(by_set, by_file);
    // A nested QoS key: hedging off changes the relays per request.
    let no_hedge = run(
        "qos-parity",
        &dir,
        &["--config", f, "--set", "qos.hedge.enabled=false"],
    );
    assert_ne!(no_hedge, base);
    // --set alone (no file) on the other experiments: their sizes follow.
    let m = run(
        "marketplace",
        &dir,
        &["--set", "epochs=3", "--set", "relays_per_epoch=500"],
    );
    // 3 runs × 3 epochs × 5 models.
    assert_eq!(m.lines().count() - 1, 45, "{m}");
    let s = run(
        "substitution",
        &dir,
        &[
            "--set",
            "hours=0.5",
            "--set",
            "probe_rates=[0, 4]",
            "--set",
            "thresholds=[2]",
        ],
    );
    assert_eq!(s.lines().count() - 1, 2, "{s}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Unknown keys, bad values and experiments without assumptions fail with a message that names
/// what is wrong.
#[test]
fn bad_configs_fail_naming_the_key() {
    let dir = scratch("bad");
    let file = dir.join("typo.toml");
    std::fs::write(&file, "requests = 300\nrequestz = 3\n").unwrap();
    let f = file.to_str().unwrap();
    let (code, _, err) = pokt(&["simulate", "--experiment", "qos-parity", "--config", f]);
    assert_eq!(code, 2);
    assert!(
        err.contains("requestz") && err.contains("typo.toml"),
        "{err}"
    );
    let (code, _, err) = pokt(&[
        "simulate",
        "--experiment",
        "qos-parity",
        "--set",
        "qos.hedge.budgt=0.2",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown key `qos.hedge.budgt`"), "{err}");
    let (code, _, err) = pokt(&[
        "simulate",
        "--experiment",
        "marketplace",
        "--set",
        "epochs=0",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("epochs"), "{err}");
    let (code, _, err) = pokt(&[
        "simulate",
        "--experiment",
        "substitution",
        "--set",
        "hours=lots",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("hours"), "{err}");
    let (code, _, err) = pokt(&["simulate", "--experiment", "events", "--config", f]);
    assert_eq!(code, 2);
    assert!(err.contains("no configurable assumptions"), "{err}");
    // Without --experiment, the flags are refused by the parser.
    assert_eq!(pokt(&["simulate", "--set", "requests=1"]).0, 2);
    // Nothing was written for the failed runs.
    assert!(!dir.join("experiment-qos-parity.csv").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
