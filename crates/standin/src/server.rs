//! The stand-in's HTTP server (see the crate documentation).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::openai::{Endpoint, count_tokens, validate};

/// The stand-in's model name.
pub const STAND_IN_MODEL: &str = "stand-in-1";

/// How the stand-in behaves.
#[derive(Clone, Debug)]
pub struct StandIn {
    /// Delay between streamed chunks.
    pub chunk_delay: Duration,
    /// The model name `GET /v1/models` lists (answers echo the request's `model`).
    pub model: String,
}

impl Default for StandIn {
    /// 2 ms between streamed chunks; model [`STAND_IN_MODEL`].
    fn default() -> Self {
        Self {
            chunk_delay: Duration::from_millis(2),
            model: STAND_IN_MODEL.to_string(),
        }
    }
}

const WORDS: [&str; 16] = [
    "relay", "mining", "session", "supplier", "gateway", "model", "token", "proof", "claim",
    "stake", "block", "source", "answer", "network", "compute", "unit",
];

/// The stand-in's answer to `prompt`: up to `max_tokens` words (default 12) picked by hashing the
/// prompt, so the same prompt always gets the same answer.
pub fn answer(prompt: &str, max_tokens: Option<u64>) -> Vec<String> {
    let n = usize::try_from(max_tokens.unwrap_or(12).min(64)).unwrap_or(64);
    let h = Sha256::digest(prompt.as_bytes());
    (0..n)
        .map(|i| {
            let b = h[i % 32] ^ u8::try_from(i % 256).unwrap_or(0);
            let w = WORDS[usize::from(b) % WORDS.len()];
            if i + 1 == n {
                format!("{w}.")
            } else {
                format!("{w} ")
            }
        })
        .collect()
}

/// The stand-in's router.
pub fn router(cfg: StandIn) -> Router {
    let delay = cfg.chunk_delay;
    let model = cfg.model;
    Router::new()
        .route(
            "/v1/chat/completions",
            post(move |body: Bytes| complete(delay, Endpoint::Chat, body)),
        )
        .route(
            "/v1/completions",
            post(move |body: Bytes| complete(delay, Endpoint::Completions, body)),
        )
        .route("/v1/models", get(move || models(model.clone())))
}

/// Serves the stand-in on `addr` (port 0 picks one); returns the bound address.
pub async fn serve(addr: SocketAddr, cfg: StandIn) -> std::io::Result<SocketAddr> {
    crate::serve_router(router(cfg), addr).await
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

async fn complete(chunk_delay: Duration, endpoint: Endpoint, body: Bytes) -> Response {
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
    if req.prompt.contains("#stand-in:timeout") {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    if req.prompt.contains("#stand-in:garbage") {
        return (StatusCode::OK, "<html>definitely not JSON").into_response();
    }
    let words = answer(&req.prompt, req.max_tokens);
    let text: String = words.concat();
    let usage = json!({
        "prompt_tokens": count_tokens(&req.prompt),
        "completion_tokens": count_tokens(&text),
        "total_tokens": count_tokens(&req.prompt) + count_tokens(&text),
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
    tokio::spawn(async move {
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
