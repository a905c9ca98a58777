//! `pokt gateway` as a separate process against `pokt devnet` on loopback, configured by the
//! files `pokt localnet init` writes: access control (401, 429 with `Retry-After`), models,
//! OpenAI error objects, a relay failure when no relay miner runs (502), `--check` never printing a
//! key, and a graceful exit on SIGTERM. Children are killed when their guards drop; every wait is
//! bounded.
#![cfg(feature = "hosts")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A child process, killed on drop.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `pokt ARGS`, waits (≤ 60 s) for its first stdout line.
fn start(args: &[&str]) -> (Guard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let guard = Guard(child);
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the process prints its address line within 60 s");
    (guard, line)
}

fn word_after<'a>(line: &'a str, tag: &str) -> &'a str {
    line.split(tag)
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_default()
}

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn localnet() -> Dir {
    let d = std::env::temp_dir().join(format!("pokt-gw-process-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let ok = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(["localnet", "init"])
        .arg(&d)
        .args(["--suppliers", "2"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    Dir(d)
}

fn application(dir: &Path) -> String {
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("localnet.json")).unwrap()).unwrap();
    m["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == "application")
        .unwrap()["address"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn gateway_process_serves_the_localnet_config() {
    let dir = localnet();
    let (_devnet, line) = start(&[
        "devnet",
        "--home",
        dir.0.to_str().unwrap(),
        "--rpc-addr",
        "127.0.0.1:0",
        "--grpc-addr",
        "127.0.0.1:0",
        "--block-time",
        "200ms",
    ]);
    let (rpc, grpc) = (word_after(&line, " rpc "), word_after(&line, " grpc "));
    assert!(rpc.starts_with("http://127.0.0.1:"), "{line}");

    // The localnet's gateway.toml, pointed at this devnet, plus a rate-limited key.
    let cfg_path = dir.0.join("gateway.toml");
    let mut cfg = std::fs::read_to_string(&cfg_path).unwrap();
    let rpc_line = cfg
        .lines()
        .find(|l| l.starts_with("rpc_url"))
        .unwrap()
        .to_string();
    let grpc_line = cfg
        .lines()
        .find(|l| l.starts_with("grpc_url"))
        .unwrap()
        .to_string();
    cfg = cfg
        .replace(&rpc_line, &format!("rpc_url = \"{rpc}\""))
        .replace(&grpc_line, &format!("grpc_url = \"{grpc}\""));
    cfg.push_str(&format!(
        "\n[[api_keys]]\nname = \"limited\"\nkey = \"sk-limited-0123456789\"\napplication = \"{}\"\nrequests_per_minute = 2\n\n[relay]\ntimeout = \"2s\"\n",
        application(&dir.0)
    ));
    std::fs::write(&cfg_path, &cfg).unwrap();

    // --check prints the configuration without a key.
    let out = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(["gateway", "--check", "--config"])
        .arg(&cfg_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("limited"), "{printed}");
    assert!(!printed.contains("sk-"), "a key was printed: {printed}");

    let (mut gateway, line) = start(&[
        "gateway",
        "--config",
        cfg_path.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let url = word_after(&line, "listening on ").to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let chat = json!({"model": "stand-in-1", "messages": [{"role": "user", "content": "hi"}]});
        let post = |key: Option<&'static str>| {
            let mut r = http.post(format!("{url}/v1/chat/completions")).json(&chat);
            if let Some(k) = key {
                r = r.bearer_auth(k);
            }
            r.send()
        };
        let r = post(None).await.unwrap();
        assert_eq!(r.status(), 401);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "invalid_api_key");
        assert_eq!(
            post(Some("sk-wrong-0123456789")).await.unwrap().status(),
            401
        );

        let r = http
            .get(format!("{url}/v1/models"))
            .bearer_auth("sk-localnet-demo-key")
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["data"][0]["id"], "stand-in-1");

        // No relay miner runs: the session is read from the devnet, every supplier is
        // unreachable, the answer is OpenAI's error object with 502.
        // (Suppliers staked at genesis serve from the second session on: until the devnet gets
        // there the answer is 503 session_error.)
        let t0 = Instant::now();
        let r = loop {
            let r = post(Some("sk-localnet-demo-key")).await.unwrap();
            if r.status() != 503 || t0.elapsed() > Duration::from_secs(30) {
                break r;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(r.status(), 502);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["type"], "relay_error", "{v}");

        // Two requests a minute, then 429 with Retry-After.
        let mut codes = Vec::new();
        for _ in 0..3 {
            let r = post(Some("sk-limited-0123456789")).await.unwrap();
            codes.push(r.status().as_u16());
            if r.status() == 429 {
                let ra: u64 = r.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=30).contains(&ra), "{ra}");
                let v: Value = r.json().await.unwrap();
                assert_eq!(v["error"]["code"], "rate_limit_exceeded");
            }
        }
        assert_eq!(codes, [502, 502, 429]);

        let m = http
            .get(format!("{url}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(m.contains("pokt_gateway_requests_total"));
        assert!(!m.contains("sk-"));
    });

    // SIGTERM: a graceful exit, in bounded time.
    let pid = gateway.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let t0 = Instant::now();
    loop {
        if let Some(status) = gateway.0.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
