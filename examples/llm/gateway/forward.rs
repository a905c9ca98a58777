//! One attempt at a supplier: the relay sent, the answer (or every batch of a stream) verified
//! against the supplier's key before it reaches the application, failures classified for the
//! QoS scores.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use pokt_crypto::VerifyingKey;
use pokt_primitives::{Address, Message, PoktHttpResponse, RelayResponse, SessionHeader};
use pokt_qos::{Failure, Outcome, Role, Success};
use pokt_relay::llm::StreamError;
use pokt_relay::llm::{StreamSplitter, usage_from_body, verify_stream_batch};
use pokt_relay::verify_response;
use serde_json::json;

use crate::llm::relayer::STREAM_CONTENT_TYPE;

use super::{Gateway, MAX_ANSWER, Target};

/// What one attempt at a supplier gave.
pub(super) enum Attempt {
    Done(Response),
    Failed(Failure, String),
}

/// How a relay miner's error status counts: refusals (4xx) and server errors (5xx).
fn status_failure(status: reqwest::StatusCode) -> Failure {
    if status.is_client_error() {
        Failure::Refused
    } else {
        Failure::ServerError
    }
}

/// How a refused stream batch counts.
fn stream_failure(e: &StreamError) -> Failure {
    match e {
        StreamError::Signature(_) => Failure::BadSignature,
        _ => Failure::InvalidAnswer,
    }
}

impl Gateway {
    /// Sends one relay and verifies what comes back; a verified answer is observed as a success
    /// (a stream's when it ends), a failure is returned for the caller to observe.
    pub(super) async fn attempt(
        self: Arc<Self>,
        t: &Target,
        a: &pokt_qos::Attempt<Address>,
        role: Role,
        url: &str,
        key: VerifyingKey,
        bytes: Vec<u8>,
    ) -> Attempt {
        let started = Instant::now();
        let sent = tokio::time::timeout(
            self.cfg.relay_timeout,
            self.http
                .post(format!("{}/v1/relay", url.trim_end_matches('/')))
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(bytes)
                .send(),
        )
        .await;
        let resp = match sent {
            Err(_) => return Attempt::Failed(Failure::Timeout, "relay timed out".into()),
            Ok(Err(e)) => {
                return Attempt::Failed(
                    Failure::Unreachable,
                    format!("relay miner unreachable: {e}"),
                );
            }
            Ok(Ok(r)) => r,
        };
        if resp.status() != reqwest::StatusCode::OK {
            let status = resp.status();
            let msg = crate::llm::read_capped(resp, 64 << 10)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            return Attempt::Failed(
                status_failure(status),
                format!("relay miner answered {status}: {msg}"),
            );
        }
        let is_stream = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == STREAM_CONTENT_TYPE);
        if is_stream {
            return self
                .stream(t.header.clone(), a.clone(), role, key, resp, started)
                .await;
        }
        let body = match tokio::time::timeout(
            self.cfg.relay_timeout,
            crate::llm::read_capped(resp, MAX_ANSWER),
        )
        .await
        {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => {
                return Attempt::Failed(
                    Failure::Unreachable,
                    format!("relay answer cut short: {e}"),
                );
            }
            Err(_) => return Attempt::Failed(Failure::Timeout, "relay answer timed out".into()),
        };
        let res = match RelayResponse::decode(&body) {
            Ok(r) => r,
            Err(_) => {
                return Attempt::Failed(
                    Failure::InvalidAnswer,
                    "relay response does not decode".into(),
                );
            }
        };
        if res.meta.session_header.as_ref() != Some(&t.header) {
            return Attempt::Failed(
                Failure::InvalidAnswer,
                "relay response is for another session".into(),
            );
        }
        if res.payload.is_empty() {
            return Attempt::Failed(
                Failure::InvalidAnswer,
                "relay response has no payload".into(),
            );
        }
        if let Err(e) = verify_response(&res, &key) {
            return Attempt::Failed(
                Failure::BadSignature,
                format!("relay response signature: {e}"),
            );
        }
        let http = match PoktHttpResponse::decode(&res.payload) {
            Ok(h) => h,
            Err(_) => {
                return Attempt::Failed(
                    Failure::InvalidAnswer,
                    "payload is not an HTTP response".into(),
                );
            }
        };
        self.observe(a, role, Outcome::Success(Success::unary(started.elapsed())));
        let status = u16::try_from(http.status_code)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::BAD_GATEWAY);
        Attempt::Done(
            (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                http.body,
            )
                .into_response(),
        )
    }

    /// Verifies a stream's batches: the first before answering (so a bad supplier can still be
    /// replaced), the rest as they arrive; forwards each verified batch's lines.
    async fn stream(
        self: Arc<Self>,
        h: SessionHeader,
        a: pokt_qos::Attempt<Address>,
        role: Role,
        key: VerifyingKey,
        resp: reqwest::Response,
        started: Instant,
    ) -> Attempt {
        let mut body = resp.bytes_stream();
        let mut split = StreamSplitter::new(MAX_ANSWER);
        let mut ready: std::collections::VecDeque<Vec<u8>> = Default::default();
        // Up to the first verified batch.
        let first = loop {
            if let Some(b) = ready.pop_front() {
                break b;
            }
            match tokio::time::timeout(self.cfg.relay_timeout, body.next()).await {
                Ok(Some(Ok(c))) => match split.push(&c) {
                    Ok(bs) => ready.extend(bs),
                    Err(e) => return Attempt::Failed(stream_failure(&e), e.to_string()),
                },
                Ok(None) => match split.finish() {
                    Some(b) => break b,
                    None => return Attempt::Failed(Failure::ServerError, "empty stream".into()),
                },
                Ok(Some(Err(e))) => {
                    return Attempt::Failed(Failure::Unreachable, format!("stream cut short: {e}"));
                }
                Err(_) => return Attempt::Failed(Failure::Timeout, "stream timed out".into()),
            }
        };
        let first = match verify_stream_batch(&first, &h, &key) {
            Ok(http) => http.body,
            Err(e) => return Attempt::Failed(stream_failure(&e), e.to_string()),
        };
        let ttft = started.elapsed();
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
        let me = self.clone();
        let timeout = self.cfg.relay_timeout;
        tokio::spawn(async move {
            let mut seen = first.clone();
            if tx.send(Bytes::from(first)).await.is_err() {
                return;
            }
            let mut failure: Option<(Failure, String)> = None;
            'outer: loop {
                while let Some(b) = ready.pop_front() {
                    match verify_stream_batch(&b, &h, &key) {
                        Ok(http) => {
                            seen.extend_from_slice(&http.body);
                            if tx.send(Bytes::from(http.body)).await.is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            failure = Some((stream_failure(&e), e.to_string()));
                            break 'outer;
                        }
                    }
                }
                match tokio::time::timeout(timeout, body.next()).await {
                    Ok(Some(Ok(c))) => match split.push(&c) {
                        Ok(bs) => ready.extend(bs),
                        Err(e) => {
                            failure = Some((stream_failure(&e), e.to_string()));
                            break;
                        }
                    },
                    Ok(None) => {
                        if let Some(rest) = split.finish() {
                            ready.push_back(rest);
                            continue;
                        }
                        break;
                    }
                    Ok(Some(Err(_))) => {
                        failure = Some((Failure::Unreachable, "stream cut short".into()));
                        break;
                    }
                    Err(_) => {
                        failure = Some((Failure::Timeout, "stream stalled".into()));
                        break;
                    }
                }
            }
            match failure {
                Some((f, why)) => {
                    me.observe(&a, role, Outcome::Failed(f));
                    let e = json!({"error": {"message": format!("stream stopped: {why}"), "type": "relay_error"}});
                    let _ = tx.send(Bytes::from(format!("data: {e}\n\n"))).await;
                }
                None => {
                    let tokens = usage_from_body(&seen).map_or(0, |u| u.completion_tokens);
                    me.observe(
                        &a,
                        role,
                        Outcome::Success(Success::stream(
                            ttft,
                            started.elapsed(),
                            u32::try_from(tokens).unwrap_or(u32::MAX),
                        )),
                    );
                }
            }
        });
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv()
                .await
                .map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
        });
        Attempt::Done(
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "text/event-stream")
                .header(header::CACHE_CONTROL, "no-cache")
                .body(Body::from_stream(stream))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        )
    }
}
