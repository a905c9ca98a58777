//! `pokt load` through the binary, tiny and bounded: `throughput` and `qos-parity` write
//! well-formed, non-trivial CSV (and PNG) files; every process they start is gone when they exit;
//! an interrupted run stops its processes too.
#![cfg(feature = "hosts")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod process;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use process::TempDir;

/// Runs `pokt load ARGS` to its end (bounded); returns (success, stdout, stderr).
fn load(args: &[&str], limit: Duration) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .arg("load")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut so, mut se) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut so, &mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut se, &mut s);
        s
    });
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed() > limit {
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            std::thread::sleep(Duration::from_secs(15));
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "pokt load {args:?} did not finish within {} s; stderr: {}",
                limit.as_secs(),
                err.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status.success(), out.join().unwrap(), err.join().unwrap())
}

/// The child pids `pokt load` printed (`  NAME pid N  …` lines on stderr).
fn pids(stderr: &str) -> Vec<u32> {
    stderr
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            w.next()?;
            (w.next()? == "pid").then_some(())?;
            w.next()?.parse().ok()
        })
        .collect()
}

/// A process that exists and is not a zombie.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.get(s.rfind(')')? + 1..)?.trim_start().to_string();
            rest.chars().next()
        })
        .is_some_and(|state| state != 'Z' && state != 'X')
}

fn assert_all_stopped(stderr: &str, want: usize) {
    let p = pids(stderr);
    assert!(p.len() >= want, "expected ≥ {want} child pids in: {stderr}");
    let t0 = Instant::now();
    while p.iter().any(|&x| alive(x)) && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<u32> = p.into_iter().filter(|&x| alive(x)).collect();
    assert!(left.is_empty(), "children still running: {left:?}");
}

fn csv(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    for r in &rows {
        assert_eq!(r.len(), header.len(), "{r:?} under {header:?}");
    }
    (header, rows)
}

/// Whether this build's `pokt backend` has the scripted fault flags.
fn backend_has_faults() -> bool {
    let out = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(["backend", "--help"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).contains("--error-rate")
}

#[test]
fn throughput_reports_rate_cpu_signing_and_ttft() {
    let dir = TempDir::new("load-throughput");
    let out = dir.path().join("out");
    let (ok, stdout, stderr) = load(
        &[
            "throughput",
            "--out",
            out.to_str().unwrap(),
            "--work-dir",
            dir.path().join("work").to_str().unwrap(),
            "--block-time",
            "200ms",
            "--concurrency",
            "8",
            "--requests",
            "300",
            "--duration",
            "20s",
            "--warmup",
            "20",
            "--stream-requests",
            "20",
            "--stream-concurrency",
            "2",
            "--sign-ops",
            "5",
        ],
        Duration::from_secs(240),
    );
    assert!(ok, "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("requests/s"), "{stdout}");
    // devnet, backend, relay miner, gateway.
    assert_all_stopped(&stderr, 4);
    assert!(
        !dir.path().join("work").exists(),
        "the work directory of a successful run is removed"
    );
    let (header, rows) = csv(&out.join("load-throughput.csv"));
    assert_eq!(header, ["metric", "value", "unit"]);
    let v: BTreeMap<String, f64> = rows
        .iter()
        .map(|r| (r[0].clone(), r[1].parse::<f64>().unwrap_or(f64::NAN)))
        .collect();
    let get = |k: &str| *v.get(k).unwrap_or_else(|| panic!("no {k} in {v:?}"));
    assert_eq!(get("requests"), 300.0);
    assert_eq!(get("answered"), 300.0, "{v:?}");
    assert!(get("requests_per_second") > 0.0);
    assert!(get("relays_per_request") >= 1.0, "{v:?}");
    assert_eq!(get("direct_success_rate"), 1.0);
    for who in ["gateway", "relayminer", "backend"] {
        assert!(
            get(&format!("cpu_ms_per_request_{who}")) > 0.0,
            "{who}: {v:?}"
        );
    }
    for k in [
        "ring_sign_us",
        "ring_verify_us",
        "secp256k1_sign_us",
        "secp256k1_verify_us",
    ] {
        assert!(get(k) > 0.0, "{k}");
    }
    let share = get("gateway_signing_share_estimate");
    assert!(share > 0.0 && share.is_finite(), "{share}");
    assert_eq!(get("stream_success_rate_path"), 1.0, "{v:?}");
    assert_eq!(get("stream_success_rate_direct"), 1.0, "{v:?}");
    assert!(get("ttft_p50_path") > 0.0 && get("ttft_p50_direct") > 0.0);
}

#[test]
fn qos_parity_writes_measured_and_simulated_rows_and_plots() {
    let dir = TempDir::new("load-parity");
    let out = dir.path().join("out");
    // With the stand-in's fault flags: a 10 % mean failure rate; without them (a build whose
    // `pokt backend` predates them): no faults.
    let faults = backend_has_faults();
    let rate = if faults { "0.1" } else { "0" };
    let latency = if faults { "5" } else { "0" };
    let (ok, stdout, stderr) = load(
        &[
            "qos-parity",
            "--out",
            out.to_str().unwrap(),
            "--block-time",
            "200ms",
            "--suppliers",
            "2",
            "--error-rate",
            rate,
            "--latency-ms",
            latency,
            "--chunk-delay-ms",
            "1",
            "--max-tokens",
            "8",
            "--requests",
            "60",
            "--concurrency",
            "4",
            "--duration",
            "60s",
            "--sim-requests",
            "300",
        ],
        Duration::from_secs(240),
    );
    assert!(ok, "stdout: {stdout}\nstderr: {stderr}");
    // devnet, 2 backends, 2 relay miners, gateway, the direct stand-in.
    assert_all_stopped(&stderr, 7);
    let (header, rows) = csv(&out.join("load-qos-parity.csv"));
    assert_eq!(header[0], "source");
    let find = |source: &str, route: &str| {
        rows.iter()
            .find(|r| r[0] == source && r[1] == route)
            .unwrap_or_else(|| panic!("no {source}/{route} row in {rows:?}"))
    };
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let num = |r: &Vec<String>, name: &str| r[col(name)].parse::<f64>().unwrap();
    for (s, route) in [
        ("measured", "gateway"),
        ("measured", "direct"),
        ("simulated", "qos"),
        ("simulated", "central"),
    ] {
        let r = find(s, route);
        let sr = num(r, "success_rate");
        assert!((0.0..=1.0).contains(&sr), "{r:?}");
        assert!(num(r, "requests") > 0.0, "{r:?}");
    }
    let gw = find("measured", "gateway");
    let direct = find("measured", "direct");
    assert_eq!(num(gw, "requests"), 60.0);
    assert!(num(gw, "ttft_p50_ms") > 0.0 && num(gw, "tokens_per_s_p50") > 0.0);
    assert!(num(gw, "relays_per_request") >= 1.0, "{gw:?}");
    if faults {
        // Failures happen directly; the gateway retries them on other suppliers.
        assert!(num(direct, "success_rate") < 1.0, "{direct:?}");
        assert!(
            num(gw, "success_rate") > num(direct, "success_rate"),
            "{gw:?} {direct:?}"
        );
    } else {
        assert_eq!(num(direct, "success_rate"), 1.0, "{direct:?}");
        assert_eq!(num(gw, "success_rate"), 1.0, "{gw:?}");
    }
    for png in ["load-qos-parity-success.png", "load-qos-parity-ttft.png"] {
        let b = std::fs::read(out.join(png)).unwrap();
        assert!(b.len() > 1000 && b.starts_with(b"\x89PNG"), "{png}");
    }
}

#[test]
fn an_interrupted_run_stops_every_process() {
    let dir = TempDir::new("load-interrupt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args([
            "load",
            "throughput",
            "--block-time",
            "200ms",
            "--duration",
            "120s",
        ])
        .args(["--requests", "100000000", "--concurrency", "4", "--out"])
        .arg(dir.path().join("out"))
        .arg("--work-dir")
        .arg(dir.path().join("work"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Wait until the load is running (the gateway answered), then SIGINT the load process only.
    let mut seen = String::new();
    let t0 = Instant::now();
    while !seen.contains("gateway answering") {
        assert!(t0.elapsed() < Duration::from_secs(120), "{seen}");
        if let Ok(l) = rx.recv_timeout(Duration::from_secs(1)) {
            seen.push_str(&l);
            seen.push('\n');
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no exit after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    while let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
        seen.push_str(&l);
        seen.push('\n');
    }
    assert!(!status.success(), "an interrupted run is a failure: {seen}");
    assert!(seen.contains("interrupted"), "{seen}");
    assert_all_stopped(&seen, 4);
}
