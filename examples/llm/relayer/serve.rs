//! `POST /v1/relay`: a relay request decoded and accepted, its payload forwarded to the backend,
//! the answer signed (whole, or batch by batch for a stream) and mined; refusals as JSON errors.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use pokt_crypto::SigningKey;
use pokt_primitives::{
    Address, HttpHeader, HttpHeaders, Message, PoktHttpRequest, PoktHttpResponse, Relay,
    RelayRequest, SessionHeader,
};
use pokt_relay::llm::{StreamBatcher, sign_http_response, sign_stream_batch};
use pokt_relay::{AcceptanceContext, accept_relay};

use super::{RelayMiner, STREAM_CONTENT_TYPE, SessionView, rejection_code};

pub(super) async fn relay(State(m): State<Arc<RelayMiner>>, body: Bytes) -> Response {
    let req = match RelayRequest::decode(&body) {
        Ok(r) => r,
        Err(e) => {
            return m.reject(
                StatusCode::BAD_REQUEST,
                "malformed_relay",
                format!("relay request does not decode: {e}"),
            );
        }
    };
    let Some(h) = req.meta.session_header.clone() else {
        return m.reject(
            StatusCode::BAD_REQUEST,
            "no_session_header",
            "relay request has no session header",
        );
    };
    let SessionView {
        header,
        suppliers,
        ring,
        height,
        grace,
    } = match m.session_of(&h) {
        Ok(s) => s,
        Err(e) => {
            return m.reject(
                StatusCode::BAD_REQUEST,
                "unknown_session",
                format!("no such session on chain: {e}"),
            );
        }
    };
    let ctx = AcceptanceContext {
        current_height: height,
        grace_period_end_offset_blocks: grace,
        session_header: &header,
        session_suppliers: &suppliers,
        expected_ring: &ring,
        own_suppliers: &m.own,
    };
    let accepted = match accept_relay(req, &ctx) {
        Ok(a) => a,
        Err(r) => {
            let (code, status) = rejection_code(&r);
            return m.reject(status, code, r);
        }
    };
    m.count(|s| s.accepted += 1);
    let supplier = accepted.supplier();
    let Some(key) = m.key_of(&supplier).cloned() else {
        return m.reject(
            StatusCode::BAD_REQUEST,
            "not_our_supplier",
            "supplier is not served here",
        );
    };
    let http_req = match PoktHttpRequest::decode(&accepted.request().payload) {
        Ok(r) => r,
        Err(e) => {
            return m.reject(
                StatusCode::BAD_REQUEST,
                "malformed_payload",
                format!("payload is not an HTTP request: {e}"),
            );
        }
    };
    // Forward to the backend: only the path of the request's URL is used.
    let path = match http_req.url.find("://") {
        Some(i) => http_req.url[i + 3..]
            .find('/')
            .map_or("/", |j| &http_req.url[i + 3 + j..])
            .to_string(),
        None => http_req.url.clone(),
    };
    let url = format!("{}{}", m.cfg.backend.trim_end_matches('/'), path);
    let method =
        reqwest::Method::from_bytes(http_req.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut fwd = m.http.request(method, &url).body(http_req.body.clone());
    for h in http_req.header.values() {
        if h.key.eq_ignore_ascii_case("content-type") || h.key.eq_ignore_ascii_case("accept") {
            for v in &h.values {
                fwd = fwd.header(h.key.as_str(), v.as_str());
            }
        }
    }
    let started = tokio::time::timeout(m.cfg.backend_timeout, fwd.send()).await;
    let resp = match started {
        Err(_) => {
            return m.backend_failed(
                StatusCode::GATEWAY_TIMEOUT,
                "backend_timeout",
                format!(
                    "backend did not answer within {:?}; relay not mined",
                    m.cfg.backend_timeout
                ),
            );
        }
        Ok(Err(e)) => {
            return m.backend_failed(
                StatusCode::BAD_GATEWAY,
                "backend_unreachable",
                format!("backend request failed: {e}; relay not mined"),
            );
        }
        Ok(Ok(r)) => r,
    };
    let status = resp.status().as_u16();
    let is_stream = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    let relay_req = accepted.into_request();
    if is_stream {
        return stream_relay(m, resp, relay_req, header, supplier, key, status).await;
    }
    let content_type = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let body = match tokio::time::timeout(
        m.cfg.backend_timeout,
        crate::llm::read_capped(resp, m.cfg.max_body),
    )
    .await
    {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            return m.backend_failed(
                StatusCode::BAD_GATEWAY,
                "backend_body",
                format!("{e}; relay not mined"),
            );
        }
        Err(_) => {
            return m.backend_failed(
                StatusCode::GATEWAY_TIMEOUT,
                "backend_timeout",
                "backend answer timed out; relay not mined",
            );
        }
    };
    if (200..300).contains(&status) && serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return m.backend_failed(
            StatusCode::BAD_GATEWAY,
            "backend_garbage",
            "backend answered 2xx with a body that is not JSON; relay not mined",
        );
    }
    let mut hdrs = HttpHeaders::new();
    hdrs.insert(
        "Content-Type".into(),
        HttpHeader {
            key: "Content-Type".into(),
            values: vec![content_type],
        },
    );
    let http = PoktHttpResponse {
        status_code: u32::from(status),
        header: hdrs,
        body,
    };
    let res = sign_http_response(&header, &http, &key);
    // Backend errors are answered (signed) but not mined: the application is not charged.
    if (200..300).contains(&status) {
        m.mine(
            &Relay {
                req: Some(relay_req),
                res: Some(res.clone()),
            },
            &header,
            supplier,
        );
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/octet-stream")],
        res.encode(),
    )
        .into_response()
}

/// Streams a backend's server-sent events as signed batches; mines the whole answer at the end.
async fn stream_relay(
    m: Arc<RelayMiner>,
    resp: reqwest::Response,
    relay_req: RelayRequest,
    header: SessionHeader,
    supplier: Address,
    key: SigningKey,
    status: u16,
) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    tokio::spawn(async move {
        let start = Instant::now();
        let now = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut batcher = StreamBatcher::new(m.cfg.batch_limits);
        let mut full = Vec::new();
        let mut pending = Vec::new();
        let mut body = resp.bytes_stream();
        let mut ticker =
            tokio::time::interval(Duration::from_millis(m.cfg.batch_limits.max_age_ms.max(1)));
        let mut ok = true;
        let send = |b: Vec<u8>| {
            m.count(|s| s.batches_signed += 1);
            Bytes::from(sign_stream_batch(&header, u32::from(status), b, &key))
        };
        loop {
            tokio::select! {
                chunk = tokio::time::timeout(m.cfg.backend_timeout, body.next()) => {
                    let chunk = match chunk {
                        Ok(Some(Ok(c))) => c,
                        Ok(None) => break,
                        Ok(Some(Err(_))) | Err(_) => { ok = false; break; }
                    };
                    if full.len() + chunk.len() > m.cfg.max_body {
                        ok = false;
                        break;
                    }
                    full.extend_from_slice(&chunk);
                    pending.extend_from_slice(&chunk);
                    while let Some(i) = pending.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = pending.drain(..=i).collect();
                        if let Some(batch) = batcher.push_line(&line, now())
                            && tx.send(send(batch)).await.is_err()
                        {
                            return;
                        }
                    }
                }
                _ = ticker.tick() => {
                    if let Some(batch) = batcher.tick(now())
                        && tx.send(send(batch)).await.is_err()
                    {
                        return;
                    }
                }
            }
        }
        if !pending.is_empty() {
            let line = std::mem::take(&mut pending);
            if let Some(batch) = batcher.push_line(&line, now()) {
                let _ = tx.send(send(batch)).await;
            }
        }
        if let Some(batch) = batcher.finish() {
            let _ = tx.send(send(batch)).await;
        }
        if !ok || !(200..300).contains(&status) {
            m.count(|s| s.backend_failures += u64::from(!ok));
            return;
        }
        // The mined relay carries the whole answer, signed as one response.
        let http = PoktHttpResponse {
            status_code: u32::from(status),
            header: HttpHeaders::new(),
            body: full,
        };
        let res = sign_http_response(&header, &http, &key);
        m.mine(
            &Relay {
                req: Some(relay_req),
                res: Some(res),
            },
            &header,
            supplier,
        );
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, STREAM_CONTENT_TYPE)
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
