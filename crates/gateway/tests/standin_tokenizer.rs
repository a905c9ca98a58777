//! The stand-in backend's own `tokenizer.json` (crates/standin/tokenizer.json) loaded the way the
//! gateway loads a model's tokenizer: its recount equals the usage an honest stand-in reports, so
//! the usage check passes it and catches the one that inflates. [GW-USAGE-1]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use pokt_gateway::usage::{UsageCheck, completion_text};
use pokt_standin::StandIn;
use pokt_standin::openai::count_tokens;
use proptest::prelude::*;
use serde_json::{Value, json};

fn tokenizer_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../standin/tokenizer.json")
}

fn check() -> UsageCheck {
    UsageCheck::with_tokenizer(&tokenizer_path(), 0.0, 0).unwrap()
}

#[test]
fn the_file_is_the_one_the_stand_in_prints() {
    let on_disk = std::fs::read_to_string(tokenizer_path()).unwrap();
    assert_eq!(on_disk, pokt_standin::TOKENIZER_JSON);
}

#[test]
fn the_recount_splits_like_the_stand_in() {
    let c = check();
    for (text, n) in [
        ("", 0),
        ("Hello, world!", 4),
        ("  a  b12 c-d ", 5),
        ("relay mining session.", 4),
        ("naïve café — 3,5 €", 7),
        ("[UNK] <s>", 6),
        ("日本語 テキスト", 2),
    ] {
        assert_eq!(count_tokens(text), n, "{text:?}");
        assert_eq!(c.count(text), Some(n), "{text:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn the_recount_equals_count_tokens(text in "[ -~\t\n\u{a0}\u{e0}-\u{ff}\u{391}-\u{3c9}\u{2014}\u{20ac}\u{3042}-\u{3093}\u{1f600}]{0,80}") {
        prop_assert_eq!(check().count(&text), Some(count_tokens(&text)));
    }
}

#[tokio::test]
async fn an_honest_stand_in_passes_the_recount_and_an_inflater_does_not() {
    let serve = |cfg| async move {
        let at = pokt_standin::serve(SocketAddr::from(([127, 0, 0, 1], 0)), cfg)
            .await
            .unwrap();
        format!("http://{at}")
    };
    let honest = serve(StandIn::default()).await;
    let inflater = serve(StandIn {
        inflate_usage: 3.0,
        ..StandIn::default()
    })
    .await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    // No tolerance, no slack: the honest count is exact and within max_tokens.
    let c = check();
    for (i, prompt) in [
        "Hello, world!",
        "What is relay mining?",
        "x",
        "Write 40 words.",
    ]
    .into_iter()
    .enumerate()
    {
        for stream in [false, true] {
            for (url, inflated) in [(&honest, false), (&inflater, true)] {
                let max = 4 + 10 * i as u64;
                let body = json!({"model": "stand-in-1", "stream": stream, "max_tokens": max,
                    "messages": [{"role": "user", "content": prompt}]});
                let raw = http
                    .post(format!("{url}/v1/chat/completions"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                let usage = if stream {
                    let usage_line = std::str::from_utf8(&raw)
                        .unwrap()
                        .lines()
                        .filter_map(|l| l.strip_prefix("data: "))
                        .rfind(|d| d.contains("\"usage\""))
                        .unwrap()
                        .to_string();
                    serde_json::from_str::<Value>(&usage_line).unwrap()["usage"].clone()
                } else {
                    serde_json::from_slice::<Value>(&raw).unwrap()["usage"].clone()
                };
                let signed = usage["completion_tokens"].as_u64().unwrap();
                let text = completion_text(&raw);
                let v = c.judge(signed, &text, Some(max));
                if inflated {
                    assert_eq!(signed, 3 * v.recount.unwrap());
                    assert!(v.inflated(), "{prompt} stream={stream}: {v:?}");
                } else {
                    assert_eq!(v.recount, Some(signed), "{prompt} stream={stream}");
                    assert!(!v.inflated());
                }
            }
        }
    }
}
