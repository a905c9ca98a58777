//! The scripted behaviours through real sockets on loopback: latency, slow-every-K, errors,
//! slow first token, inflated usage, answers from another model, the seed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pokt_standin::openai::count_tokens;
use pokt_standin::{DELAY_HEADER, REQUEST_HEADER, StandIn, answer_as, serve};
use serde_json::{Value, json};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn start(cfg: StandIn) -> String {
    let at = serve(SocketAddr::from(([127, 0, 0, 1], 0)), cfg)
        .await
        .unwrap();
    format!("http://{at}")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn chat(prompt: &str, stream: bool) -> String {
    json!({"model": "m", "messages": [{"role": "user", "content": prompt}], "max_tokens": 9,
        "stream": stream})
    .to_string()
}

/// One chat request: status, the script's headers (request number, delay in µs), the body, the
/// time it took.
async fn ask(url: &str, body: String) -> (u16, u64, u64, Value, Duration) {
    let t0 = Instant::now();
    let r = http()
        .post(format!("{url}/v1/chat/completions"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let header = |name: &str| -> u64 {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    let (status, n, delay) = (
        r.status().as_u16(),
        header(REQUEST_HEADER),
        header(DELAY_HEADER),
    );
    let v = r.json().await.unwrap();
    (status, n, delay, v, t0.elapsed())
}

#[tokio::test]
async fn an_honest_stand_in_reports_the_true_usage() {
    let url = start(StandIn::default()).await;
    let (status, n, delay, v, _) = ask(&url, chat("Hello, world!", false)).await;
    assert_eq!((status, n, delay), (200, 1, 0));
    let text = v["choices"][0]["message"]["content"].as_str().unwrap();
    assert_eq!(
        text,
        answer_as("stand-in-1", "Hello, world!", Some(9)).concat()
    );
    assert_eq!(v["usage"]["prompt_tokens"], 4);
    assert_eq!(v["usage"]["completion_tokens"], count_tokens(text));
    // Invalid requests are not counted.
    let _ = http()
        .post(format!("{url}/v1/chat/completions"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(ask(&url, chat("again", false)).await.1, 2);
}

#[tokio::test]
async fn fixed_latency_and_every_kth_request_slow() {
    let url = start(StandIn {
        latency: ms(15),
        slow_every: 3,
        slow: ms(120),
        ..StandIn::default()
    })
    .await;
    for i in 1..=6u64 {
        let (status, n, delay, _, took) = ask(&url, chat("x", false)).await;
        assert_eq!((status, n), (200, i));
        let want = if i % 3 == 0 { ms(135) } else { ms(15) };
        assert_eq!(Duration::from_micros(delay), want, "request {i}");
        assert!(
            took >= want,
            "request {i} took {took:?}, less than {want:?}"
        );
    }
}

#[tokio::test]
async fn log_normal_latency_is_drawn_from_the_seed() {
    let cfg = StandIn {
        latency: ms(2),
        latency_p99: Some(ms(20)),
        seed: Some(11),
        ..StandIn::default()
    };
    let (a, b) = (start(cfg.clone()).await, start(cfg).await);
    let mut delays = Vec::new();
    for _ in 0..40 {
        let (_, _, da, _, took) = ask(&a, chat("x", false)).await;
        let (_, _, db, _, _) = ask(&b, chat("y", false)).await;
        assert_eq!(da, db, "same seed, same draws");
        assert!(took >= Duration::from_micros(da));
        delays.push(da);
    }
    delays.sort_unstable();
    delays.dedup();
    assert!(delays.len() > 30, "drawn, not fixed: {delays:?}");
    assert!(delays.iter().all(|d| *d <= 200_000), "capped at 10 × p99");
}

#[tokio::test]
async fn errors_at_the_rate_with_an_openai_error_object() {
    let url = start(StandIn {
        error_rate: 1.0,
        ..StandIn::default()
    })
    .await;
    let (status, _, _, v, _) = ask(&url, chat("x", true)).await;
    assert_eq!(status, 500);
    assert_eq!(v["error"]["type"], "server_error");
    assert_eq!(v["error"]["code"], "stand_in_scripted_error");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("request 1")
    );

    let cfg = StandIn {
        error_rate: 0.3,
        seed: Some(5),
        ..StandIn::default()
    };
    let run = |url: String| async move {
        let mut out = Vec::new();
        for _ in 0..100 {
            out.push(ask(&url, chat("x", false)).await.0);
        }
        out
    };
    let first = run(start(cfg.clone()).await).await;
    let failed = first.iter().filter(|s| **s == 500).count();
    assert!((12..=50).contains(&failed), "{failed} of 100 failed");
    assert!(first.iter().all(|s| *s == 200 || *s == 500));
    assert_eq!(
        first,
        run(start(cfg).await).await,
        "the seed repeats the script"
    );
}

/// Reads a stream: the time to its first chunk, its text and its usage event.
async fn stream(url: &str, prompt: &str) -> (Duration, String, Value) {
    let t0 = Instant::now();
    let mut r = http()
        .post(format!("{url}/v1/chat/completions"))
        .header("content-type", "application/json")
        .body(chat(prompt, true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut first = None;
    let mut raw = Vec::new();
    while let Some(c) = r.chunk().await.unwrap() {
        first.get_or_insert_with(|| t0.elapsed());
        raw.extend_from_slice(&c);
    }
    let (mut text, mut usage) = (String::new(), Value::Null);
    for line in String::from_utf8(raw).unwrap().lines() {
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        if data == "[DONE]" {
            continue;
        }
        let v: Value = serde_json::from_str(data).unwrap();
        if let Some(p) = v["choices"][0]["delta"]["content"].as_str() {
            text.push_str(p);
        }
        if !v["usage"].is_null() {
            usage = v["usage"].clone();
        }
    }
    (first.unwrap(), text, usage)
}

#[tokio::test]
async fn a_slow_first_token_delays_the_first_chunk() {
    let url = start(StandIn {
        first_token: ms(150),
        ..StandIn::default()
    })
    .await;
    let (ttft, text, usage) = stream(&url, "hello").await;
    assert!(ttft >= ms(150), "first chunk after {ttft:?}");
    assert_eq!(text, answer_as("stand-in-1", "hello", Some(9)).concat());
    assert_eq!(usage["completion_tokens"], count_tokens(&text));
    // Unary answers carry no first-token delay: the script added none.
    assert_eq!(ask(&url, chat("hello", false)).await.2, 0);
}

#[tokio::test]
async fn inflated_usage_multiplies_the_completion_tokens() {
    let url = start(StandIn {
        inflate_usage: 3.0,
        ..StandIn::default()
    })
    .await;
    let (_, _, _, v, _) = ask(&url, chat("count me", false)).await;
    let text = v["choices"][0]["message"]["content"].as_str().unwrap();
    let honest = count_tokens(text);
    assert_eq!(v["usage"]["completion_tokens"], 3 * honest);
    assert_eq!(v["usage"]["prompt_tokens"], 2);
    assert_eq!(v["usage"]["total_tokens"], 2 + 3 * honest);
    let (_, text, usage) = stream(&url, "count me").await;
    assert_eq!(usage["completion_tokens"], 3 * count_tokens(&text));
}

#[tokio::test]
async fn answers_from_another_model_differ_at_temperature_zero() {
    let honest = start(StandIn {
        model: "big-70b".into(),
        ..StandIn::default()
    })
    .await;
    let substitute = start(StandIn {
        model: "big-70b".into(),
        answers_from: Some("small-1b".into()),
        ..StandIn::default()
    })
    .await;
    let small = start(StandIn {
        model: "small-1b".into(),
        ..StandIn::default()
    })
    .await;
    let listed = |url: String| async move {
        let v: Value = http()
            .get(format!("{url}/v1/models"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["data"][0]["id"].as_str().unwrap().to_string()
    };
    assert_eq!(
        listed(substitute.clone()).await,
        "big-70b",
        "advertises --model"
    );
    let text = |v: Value| v["choices"][0]["message"]["content"].clone();
    for prompt in ["What is 2+2?", "Name a colour.", "Say hi."] {
        let h = text(ask(&honest, chat(prompt, false)).await.3);
        let s = text(ask(&substitute, chat(prompt, false)).await.3);
        let again = text(ask(&substitute, chat(prompt, false)).await.3);
        assert_ne!(h, s, "{prompt}");
        assert_eq!(s, again, "deterministic");
        assert_eq!(
            s,
            text(ask(&small, chat(prompt, false)).await.3),
            "answers as small-1b"
        );
        assert_eq!(h, answer_as("big-70b", prompt, Some(9)).concat().as_str());
    }
}

#[tokio::test]
async fn an_invalid_script_is_refused_naming_the_field() {
    let e = serve(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        StandIn {
            error_rate: 2.0,
            ..StandIn::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().starts_with("error_rate:"), "{e}");
}
