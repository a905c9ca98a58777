//! `pokt backend` (the stand-in model server) as a process on loopback.
#![cfg(feature = "hosts")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod process;

use std::time::Duration;

use process::Proc;

#[tokio::test]
async fn backend_serves_the_stand_in() {
    let mut p = Proc::start(&["backend", "--listen", "127.0.0.1:0", "--model", "tiny-1"]);
    let url = p.url("");
    assert!(url.starts_with("http://127.0.0.1:"), "{}", p.line);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let models: serde_json::Value = http
        .get(format!("{url}/v1/models"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(models["data"][0]["id"], "tiny-1");
    let body = r#"{"model":"tiny-1","messages":[{"role":"user","content":"Hello, world!"}],"max_tokens":3}"#;
    let answer: serde_json::Value = http
        .post(format!("{url}/v1/chat/completions"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = pokt_standin::answer_as("tiny-1", "Hello, world!", Some(3)).concat();
    assert_eq!(answer["choices"][0]["message"]["content"], text.as_str());
    assert_eq!(answer["usage"]["prompt_tokens"], 4);
    // A bad request names the field.
    let bad: serde_json::Value = http
        .post(format!("{url}/v1/chat/completions"))
        .body(r#"{"model":"tiny-1"}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bad["error"]["param"], "messages");
    assert_eq!(p.terminate(Duration::from_secs(10)), Some(0));
}

/// Every scripted flag through the binary: latency (log-normal), slow-every-K, error rate, slow
/// first token, inflated usage, answers from another model, seed.
#[tokio::test]
async fn backend_flags_script_the_stand_in() {
    let args = |seed: &str| {
        vec![
            "backend",
            "--listen",
            "127.0.0.1:0",
            "--model",
            "big-70b",
            "--answers-from",
            "small-1b",
            "--latency-ms",
            "3",
            "--latency-p99-ms",
            "30",
            "--slow-every",
            "4",
            "--slow-ms",
            "200",
            "--error-rate",
            "0.25",
            "--first-token-ms",
            "120",
            "--inflate-usage",
            "3",
            "--seed",
            seed,
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let start = |seed: &str| {
        let a = args(seed);
        Proc::start(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let (mut a, mut b) = (start("9"), start("9"));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let models: serde_json::Value = http
        .get(format!("{}/v1/models", a.url("")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(models["data"][0]["id"], "big-70b", "advertises --model");
    let mut seen = Vec::new();
    for p in [&a, &b] {
        let mut script = Vec::new();
        for i in 1..=12u64 {
            let prompt = format!("question {i}");
            let body = serde_json::json!({"model": "big-70b", "max_tokens": 5,
                "messages": [{"role": "user", "content": prompt}]});
            let t0 = std::time::Instant::now();
            let r = http
                .post(format!("{}/v1/chat/completions", p.url("")))
                .json(&body)
                .send()
                .await
                .unwrap();
            let took = t0.elapsed();
            let h = |name: &str| -> u64 { r.headers()[name].to_str().unwrap().parse().unwrap() };
            let (n, delay) = (
                h(pokt_standin::REQUEST_HEADER),
                h(pokt_standin::DELAY_HEADER),
            );
            assert_eq!(n, i);
            assert!(took >= Duration::from_micros(delay));
            if i % 4 == 0 {
                assert!(delay >= 200_000, "every 4th request is slow: {delay} µs");
            }
            let status = r.status().as_u16();
            let v: serde_json::Value = r.json().await.unwrap();
            if status == 500 {
                assert_eq!(v["error"]["code"], "stand_in_scripted_error");
            } else {
                assert_eq!(status, 200);
                let text = v["choices"][0]["message"]["content"].as_str().unwrap();
                assert_eq!(
                    text,
                    pokt_standin::answer_as("small-1b", &prompt, Some(5)).concat()
                );
                assert_ne!(
                    text,
                    pokt_standin::answer_as("big-70b", &prompt, Some(5)).concat()
                );
                assert_eq!(v["usage"]["completion_tokens"], 15, "5 tokens reported × 3");
            }
            script.push((status, delay));
        }
        seen.push(script);
    }
    assert_eq!(seen[0], seen[1], "same --seed, same script");
    assert!(seen[0].iter().any(|(s, _)| *s == 500), "{:?}", seen[0]);
    assert!(seen[0].iter().any(|(s, _)| *s == 200), "{:?}", seen[0]);
    // A stream's first chunk waits --first-token-ms (after the script's delay).
    let body = serde_json::json!({"model": "big-70b", "stream": true,
        "messages": [{"role": "user", "content": "stream"}]});
    let mut streamed = false;
    for _ in 0..20 {
        let t0 = std::time::Instant::now();
        let mut r = http
            .post(format!("{}/v1/chat/completions", a.url("")))
            .json(&body)
            .send()
            .await
            .unwrap();
        if r.status() != 200 {
            continue; // a scripted failure: ask again (the error rate is 0.25)
        }
        let delay: u64 = r.headers()[pokt_standin::DELAY_HEADER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        r.chunk().await.unwrap().unwrap();
        assert!(t0.elapsed() >= Duration::from_micros(delay) + Duration::from_millis(120));
        streamed = true;
        break;
    }
    assert!(
        streamed,
        "20 scripted failures in a row at an error rate of 0.25"
    );
    assert_eq!(a.terminate(Duration::from_secs(10)), Some(0));
    assert_eq!(b.terminate(Duration::from_secs(10)), Some(0));
}

#[test]
fn backend_prints_its_tokenizer_and_refuses_a_bad_flag() {
    let pokt = env!("CARGO_BIN_EXE_pokt");
    let out = std::process::Command::new(pokt)
        .args(["backend", "--print-tokenizer"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../standin/tokenizer.json");
    assert_eq!(out.stdout, std::fs::read(file).unwrap());
    let out = std::process::Command::new(pokt)
        .args(["backend", "--listen", "127.0.0.1:0", "--error-rate", "1.5"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--error-rate"), "{err}");
    let out = std::process::Command::new(pokt)
        .args([
            "backend",
            "--listen",
            "127.0.0.1:0",
            "--latency-p99-ms",
            "50",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--latency-p99-ms"), "{err}");
}
