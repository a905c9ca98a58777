//! The stand-in's HTTP server (see the crate documentation).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::{STAND_IN_MODEL, StandIn};
use crate::openai::{Endpoint, Validated, count_tokens, validate};
use crate::script::{Script, inflate};

const WORDS: [&str; 16] = [
    "relay", "mining", "session", "supplier", "gateway", "model", "token", "proof", "claim",
    "stake", "block", "source", "answer", "network", "compute", "unit",
];

/// The answer of the default model ([`STAND_IN_MODEL`]) to `prompt`: [`answer_as`] with that
/// name.
pub fn answer(prompt: &str, max_tokens: Option<u64>) -> Vec<String> {
    answer_as(STAND_IN_MODEL, prompt, max_tokens)
}

/// The answer of the model named `model` to `prompt`: exactly `max_tokens` tokens (default 12,
/// at most 64) by [`count_tokens`] — words picked by hashing the name and the prompt, then a full
/// stop (a one-token answer is one word) — so the same model always gives the same answer to the
/// same prompt (as a real model at temperature 0), another name gives another answer, and no
/// answer exceeds `max_tokens`. The pieces (one per streamed chunk) concatenate to the text.
pub fn answer_as(model: &str, prompt: &str, max_tokens: Option<u64>) -> Vec<String> {
    let tokens = usize::try_from(max_tokens.unwrap_or(12).min(64)).unwrap_or(64);
    // The full stop is a token of its own.
    let (n, stop) = if tokens <= 1 {
        (1, "")
    } else {
        (tokens - 1, ".")
    };
    let h = Sha256::new()
        .chain_update(model.as_bytes())
        .chain_update([0u8])
        .chain_update(prompt.as_bytes())
        .finalize();
    (0..n)
        .map(|i| {
            let b = h[i % 32] ^ u8::try_from(i % 256).unwrap_or(0);
            let w = WORDS[usize::from(b) % WORDS.len()];
            if i + 1 == n {
                format!("{w}{stop}")
            } else {
                format!("{w} ")
            }
        })
        .collect()
}

/// The stand-in's router: `GET /v1/models`, `POST /v1/chat/completions`, `POST /v1/completions`.
/// An invalid configuration ([`StandIn::validate`]) is served with its values clamped to the
/// valid range; [`serve`] refuses it instead.
pub fn router(cfg: StandIn) -> Router {
    let shared = Arc::new(Shared {
        script: Script::new(cfg.seed),
        cfg,
    });
    let (chat, comp, models_of) = (shared.clone(), shared.clone(), shared);
    Router::new()
        .route(
            "/v1/chat/completions",
            post(move |body: Bytes| complete(chat.clone(), Endpoint::Chat, body)),
        )
        .route(
            "/v1/completions",
            post(move |body: Bytes| complete(comp.clone(), Endpoint::Completions, body)),
        )
        .route(
            "/v1/models",
            get(move || models(models_of.cfg.model.clone())),
        )
}

/// Serves the stand-in on `addr` (port 0 picks one); returns the bound address. An invalid
/// configuration is refused (`InvalidInput`, the message naming the field).
pub async fn serve(addr: SocketAddr, cfg: StandIn) -> std::io::Result<SocketAddr> {
    cfg.validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    crate::serve_router(router(cfg), addr).await
}

/// Response header: the completion request's number at this server (1 for the first valid one),
/// as [`StandIn::slow_every`] counts it.
pub const REQUEST_HEADER: &str = "x-stand-in-request";

/// Response header: the delay the script added to this request, in microseconds (latency plus the
/// slow request's extra; the first-token delay of a stream is not included).
pub const DELAY_HEADER: &str = "x-stand-in-delay-us";

/// The configuration and the script's state, shared by the handlers.
#[derive(Debug)]
struct Shared {
    cfg: StandIn,
    script: Script,
}

async fn models(model: String) -> impl IntoResponse {
    axum::Json(json!({
        "object": "list",
        "data": [{"id": model, "object": "model", "created": 0, "owned_by": "pokt-rs stand-in backend"}]
    }))
}

fn chunk(
    endpoint: Endpoint,
    id: &str,
    model: &str,
    piece: Option<&str>,
    usage: Option<Value>,
) -> String {
    let choices = match (endpoint, piece) {
        (_, None) if usage.is_some() => json!([]),
        (Endpoint::Chat, Some(p)) => {
            json!([{"index": 0, "delta": {"content": p}, "finish_reason": null}])
        }
        (Endpoint::Chat, None) => json!([{"index": 0, "delta": {}, "finish_reason": "stop"}]),
        (Endpoint::Completions, Some(p)) => json!([{"index": 0, "text": p, "finish_reason": null}]),
        (Endpoint::Completions, None) => json!([{"index": 0, "text": "", "finish_reason": "stop"}]),
    };
    let object = match endpoint {
        Endpoint::Chat => "chat.completion.chunk",
        Endpoint::Completions => "text_completion",
    };
    let mut v =
        json!({"id": id, "object": object, "created": 0, "model": model, "choices": choices});
    if let Some(u) = usage {
        v["usage"] = u;
    }
    format!("data: {v}\n\n")
}

/// OpenAI's error object for a scripted failure.
fn scripted_failure(n: u64) -> Response {
    let body = json!({"error": {
        "message": format!("stand-in: scripted failure of request {n} (--error-rate)"),
        "type": "server_error",
        "param": null,
        "code": "stand_in_scripted_error",
    }});
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}

async fn complete(shared: Arc<Shared>, endpoint: Endpoint, body: Bytes) -> Response {
    let cfg = &shared.cfg;
    let req = match validate(endpoint, &body) {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
                axum::Json(e.body()),
            )
                .into_response();
        }
    };
    let script = shared.script.next(cfg);
    if !script.delay.is_zero() {
        tokio::time::sleep(script.delay).await;
    }
    let mut r = if script.fail {
        scripted_failure(script.n)
    } else {
        respond(cfg, endpoint, req).await
    };
    // What the script did, for tests and logs: the request's number and the added delay.
    let h = r.headers_mut();
    h.insert(REQUEST_HEADER, HeaderValue::from(script.n));
    if let Ok(v) = HeaderValue::from_str(&script.delay.as_micros().to_string()) {
        h.insert(DELAY_HEADER, v);
    }
    r
}

/// The answer to a valid request (after the script's delay).
async fn respond(cfg: &StandIn, endpoint: Endpoint, req: Validated) -> Response {
    if req.prompt.contains("#stand-in:timeout") {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    if req.prompt.contains("#stand-in:garbage") {
        return (StatusCode::OK, "<html>definitely not JSON").into_response();
    }
    let words = answer_as(cfg.answering_model(), &req.prompt, req.max_tokens);
    let text: String = words.concat();
    let prompt_tokens = count_tokens(&req.prompt);
    let completion_tokens = inflate(count_tokens(&text), cfg.inflate_usage);
    let usage = json!({
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens.saturating_add(completion_tokens),
    });
    let id = format!(
        "standin-{}",
        hex::encode(&Sha256::digest(req.prompt.as_bytes())[..6])
    );
    let model = req.model.clone();
    if !req.stream {
        let v = match endpoint {
            Endpoint::Chat => json!({
                "id": id, "object": "chat.completion", "created": 0, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": usage,
            }),
            Endpoint::Completions => json!({
                "id": id, "object": "text_completion", "created": 0, "model": model,
                "choices": [{"index": 0, "text": text, "finish_reason": "stop"}],
                "usage": usage,
            }),
        };
        return axum::Json(v).into_response();
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let (first_token, chunk_delay) = (cfg.first_token, cfg.chunk_delay);
    tokio::spawn(async move {
        if !first_token.is_zero() {
            tokio::time::sleep(first_token).await;
        }
        for w in &words {
            if tx
                .send(Bytes::from(chunk(endpoint, &id, &model, Some(w), None)))
                .await
                .is_err()
            {
                return;
            }
            tokio::time::sleep(chunk_delay).await;
        }
        let tail = [
            chunk(endpoint, &id, &model, None, None),
            chunk(endpoint, &id, &model, None, Some(usage)),
            "data: [DONE]\n\n".to_string(),
        ];
        for t in tail {
            if tx.send(Bytes::from(t)).await.is_err() {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_have_exactly_max_tokens() {
        for max in [1, 2, 3, 12, 64, 100] {
            let text = answer("a prompt", Some(max)).concat();
            assert_eq!(count_tokens(&text), max.min(64), "{text:?}");
        }
        assert_eq!(count_tokens(&answer("a prompt", None).concat()), 12);
        assert!(answer("p", Some(1))[0].chars().all(char::is_alphabetic));
        assert_ne!(answer_as("a", "p", None), answer_as("b", "p", None));
        assert_eq!(answer_as(STAND_IN_MODEL, "p", None), answer("p", None));
    }
}
