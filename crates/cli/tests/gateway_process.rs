//! `pokt gateway` as a separate process against `pokt devnet` on loopback, configured by the
//! files `pokt localnet init` writes: access control (401, 429 with `Retry-After`), models,
//! OpenAI error objects, a relay failure when no relay miner runs (502), `--check` never printing a
//! key, and a graceful exit on SIGTERM. Children are killed when their guards drop; every wait is
//! bounded.
#![cfg(feature = "hosts")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod process;

use std::time::{Duration, Instant};

use process::net::{self, Devnet, Localnet};
use serde_json::{Value, json};

#[test]
fn gateway_process_serves_the_localnet_config() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _in_rt = rt.enter(); // the devnet's chain client lives in it
    let ln = Localnet::init("gw-process", 2);
    let devnet = Devnet::start(&ln.home(), "200ms");

    // The localnet's gateway.toml, pointed at this devnet, plus a rate-limited key.
    let cfg_path = net::gateway_config(
        &ln,
        &devnet,
        "gateway.toml",
        &[],
        &format!(
            "[[api_keys]]\nname = \"limited\"\nkey = \"sk-limited-0123456789\"\napplication = \"{}\"\nrequests_per_minute = 2\n\n[relay]\ntimeout = \"2s\"\n",
            ln.address("application", 0)
        ),
    );

    // --check prints the configuration without a key.
    let out = net::pokt()
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

    let (mut gateway, url) = net::gateway(&cfg_path, "warn");

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
    assert_eq!(gateway.terminate(Duration::from_secs(20)), Some(0));
}
