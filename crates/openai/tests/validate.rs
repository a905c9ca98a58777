//! Request validation: every refusal names its field; well-formed requests give back what they
//! carry; no input panics.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use pokt_openai::{Endpoint, validate};
use proptest::prelude::*;
use serde_json::json;

fn param(e: Endpoint, body: &str) -> Option<String> {
    validate(e, body.as_bytes()).unwrap_err().param
}

#[test]
fn each_refusal_names_the_field() {
    use Endpoint::{Chat, Completions};
    for (e, body, field) in [
        (Chat, "nope", "body"),
        (Chat, "[]", "body"),
        (Chat, r#"{"messages":[]}"#, "model"),
        (Chat, r#"{"model":"","messages":[]}"#, "model"),
        (Chat, r#"{"model":7,"messages":[]}"#, "model"),
        (Chat, r#"{"model":"m"}"#, "messages"),
        (Chat, r#"{"model":"m","messages":[]}"#, "messages"),
        (Chat, r#"{"model":"m","messages":{}}"#, "messages"),
        (
            Chat,
            r#"{"model":"m","messages":[{"role":"user"}]}"#,
            "messages[0].content",
        ),
        (
            Chat,
            r#"{"model":"m","messages":[{"role":"user","content":"a"},{"content":"b"}]}"#,
            "messages[1].role",
        ),
        (
            Chat,
            r#"{"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"}"#,
            "stream",
        ),
        (
            Chat,
            r#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_completion_tokens":-1}"#,
            "max_tokens",
        ),
        (Completions, r#"{"model":"m"}"#, "prompt"),
        (Completions, r#"{"model":"m","prompt":5}"#, "prompt"),
        (Completions, r#"{"model":"m","prompt":[]}"#, "prompt"),
        (Completions, r#"{"model":"m","prompt":["a",1]}"#, "prompt"),
        (
            Completions,
            r#"{"model":"m","prompt":"x","max_tokens":0}"#,
            "max_tokens",
        ),
        (
            Completions,
            r#"{"model":"m","prompt":"x","max_tokens":1.5}"#,
            "max_tokens",
        ),
        (
            Completions,
            r#"{"model":"m","prompt":"x","max_tokens":"9"}"#,
            "max_tokens",
        ),
    ] {
        assert_eq!(param(e, body).as_deref(), Some(field), "{body}");
        let err = validate(e, body.as_bytes()).unwrap_err();
        assert_eq!((err.status, err.kind), (400, "invalid_request_error"));
        assert_eq!(err.body()["error"]["param"], field);
    }
}

#[test]
fn a_valid_request_gives_back_what_it_carries() {
    let ok = validate(
        Endpoint::Chat,
        br#"{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}],"stream":true,"max_tokens":5,"temperature":0}"#,
    )
    .unwrap();
    assert_eq!(
        (
            ok.model.as_str(),
            ok.prompt.as_str(),
            ok.stream,
            ok.max_tokens
        ),
        ("m", "be brief\nhi", true, Some(5))
    );
    assert_eq!(ok.body["temperature"], 0, "other fields pass through");
    let ok = validate(
        Endpoint::Completions,
        br#"{"model":"m","prompt":["a","b"],"stream":null,"max_completion_tokens":3}"#,
    )
    .unwrap();
    assert_eq!(
        (ok.prompt.as_str(), ok.stream, ok.max_tokens),
        ("a\nb", false, Some(3))
    );
    assert_eq!(Endpoint::Chat.path(), "/v1/chat/completions");
    assert_eq!(Endpoint::Completions.path(), "/v1/completions");
}

proptest! {
    #[test]
    fn no_input_panics(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        for e in [Endpoint::Chat, Endpoint::Completions] {
            if let Err(err) = validate(e, &body) {
                prop_assert_eq!(err.status, 400);
                prop_assert!(err.param.is_some());
            }
        }
    }

    #[test]
    fn chat_messages_join_into_the_prompt(
        model in "[a-z0-9.-]{1,20}",
        contents in proptest::collection::vec(".{0,40}", 1..6),
        max in proptest::option::of(1u64..100_000),
        stream in any::<bool>(),
    ) {
        let messages: Vec<_> = contents
            .iter()
            .map(|c| json!({"role": "user", "content": c}))
            .collect();
        let body = json!({"model": model, "messages": messages, "max_tokens": max, "stream": stream});
        let v = validate(Endpoint::Chat, body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(v.model, model);
        prop_assert_eq!(v.prompt, contents.join("\n"));
        prop_assert_eq!((v.stream, v.max_tokens), (stream, max));
    }
}
