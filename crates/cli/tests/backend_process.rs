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
    let text = pokt_standin::answer("Hello, world!", Some(3)).concat();
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
