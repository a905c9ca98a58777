//! Relays: signing a request for a session's supplier, sending it, verifying what comes back
//! (every stream batch included), and the driver that runs a QoS plan — the primary, a hedge
//! after the plan's delay, retries on failure, the first verified answer wins. [GW-RELAY-1]
//! [GW-HEDGE-1]

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::{Future, Stream};
use pokt_chain::Chain;
use pokt_crypto::VerifyingKey;
use pokt_primitives::{
    Address, HttpHeader, HttpHeaders, Message, PoktHttpRequest, PoktHttpResponse, RelayResponse,
    SessionHeader,
};
use pokt_qos::{Attempt, Failure, Outcome, Plan, RequestClass, Role, Success};
use pokt_relay::llm::{StreamError, StreamSplitter, verify_stream_batch};
use pokt_relay::{PreparedSigner, new_request, sign_request_prepared, verify_response};

use crate::gateway::{Gateway, Target};
use crate::openai::ApiError;

/// The content type a relay miner answers a stream with (signed batches, each followed by the
/// stream delimiter).
pub const STREAM_CONTENT_TYPE: &str = "application/x-pokt-stream";

/// The path relays are posted to under a supplier's endpoint URL.
pub const RELAY_PATH: &str = "/v1/relay";

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

/// The rest of a stream after its first verified batch.
pub(crate) struct StreamRest {
    pub(crate) body: ByteStream,
    pub(crate) split: StreamSplitter,
    pub(crate) ready: VecDeque<Vec<u8>>,
    pub(crate) header: SessionHeader,
    pub(crate) key: VerifyingKey,
}

/// A verified answer.
pub(crate) enum Answer {
    /// A whole answer: the backend's HTTP status and body.
    Unary { status: u16, body: Vec<u8> },
    /// A stream: the first verified batch's lines, the rest to read, when the first came.
    Stream {
        first: Vec<u8>,
        rest: Box<StreamRest>,
        ttft: Duration,
    },
}

/// What one attempt gave.
pub(crate) enum Tried {
    Answered(Answer),
    Failed(Failure, String),
}

/// The answer a plan produced, with who gave it.
pub(crate) struct Won {
    pub(crate) answer: Answer,
    pub(crate) attempt: Attempt<Address>,
    pub(crate) role: Role,
    pub(crate) started: Instant,
}

/// A request to relay.
pub(crate) struct Outgoing {
    pub(crate) svc: usize,
    pub(crate) path: &'static str,
    pub(crate) payload: Arc<Vec<u8>>,
    pub(crate) signer: Arc<PreparedSigner>,
}

fn status_failure(status: reqwest::StatusCode) -> Failure {
    if status.is_client_error() {
        Failure::Refused
    } else {
        Failure::ServerError
    }
}

fn stream_failure(e: &StreamError) -> Failure {
    match e {
        StreamError::Signature(_) => Failure::BadSignature,
        _ => Failure::InvalidAnswer,
    }
}

/// Reads a body, refusing more than `cap` bytes.
async fn read_capped(resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut s = resp.bytes_stream();
    while let Some(chunk) = s.next().await {
        let c = chunk.map_err(|e| format!("body: {e}"))?;
        if out.len() + c.len() > cap {
            return Err(format!("body larger than {cap} bytes"));
        }
        out.extend_from_slice(&c);
    }
    Ok(out)
}

type AttemptFuture = Pin<Box<dyn Future<Output = (usize, Role, Instant, Tried)> + Send>>;

impl<C: Chain> Gateway<C> {
    /// A signed relay request carrying `out`'s payload to `supplier` of `t`'s session.
    fn relay_bytes(
        &self,
        t: &Target,
        supplier: &Address,
        out: &Outgoing,
    ) -> Result<Vec<u8>, String> {
        let mut hdrs = HttpHeaders::new();
        hdrs.insert(
            "Content-Type".into(),
            HttpHeader {
                key: "Content-Type".into(),
                values: vec!["application/json".into()],
            },
        );
        let http = PoktHttpRequest {
            method: "POST".into(),
            header: hdrs,
            url: out.path.into(),
            body: out.payload.as_ref().clone(),
        };
        let mut req = new_request(&t.header, supplier, http.encode());
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        sign_request_prepared(&mut req, &t.ring, &out.signer, &mut *rng)
            .map_err(|e| format!("signing: {e}"))?;
        Ok(req.encode())
    }

    /// Sends one relay and verifies what comes back: a unary answer whole, a stream up to its
    /// first verified batch. A backend's 5xx carried in a verified answer counts as a server
    /// error (another supplier may do better); its 4xx is the client's and is answered.
    pub(crate) async fn attempt(
        self: Arc<Self>,
        t: Arc<Target>,
        supplier: Address,
        out: Arc<Outgoing>,
    ) -> Tried {
        let Some((url, key)) = t.suppliers.get(&supplier).cloned() else {
            return Tried::Failed(Failure::Unreachable, "supplier has no endpoint".into());
        };
        let bytes = match self.relay_bytes(&t, &supplier, &out) {
            Ok(b) => b,
            Err(e) => return Tried::Failed(Failure::Refused, e),
        };
        let started = Instant::now();
        let timeout = self.cfg.relay.timeout;
        let sent = tokio::time::timeout(
            timeout,
            self.http
                .post(format!("{}{RELAY_PATH}", url.trim_end_matches('/')))
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(bytes)
                .send(),
        )
        .await;
        let resp = match sent {
            Err(_) => return Tried::Failed(Failure::Timeout, "relay timed out".into()),
            Ok(Err(e)) => {
                return Tried::Failed(
                    Failure::Unreachable,
                    format!("relay miner unreachable: {e}"),
                );
            }
            Ok(Ok(r)) => r,
        };
        if resp.status() != reqwest::StatusCode::OK {
            let status = resp.status();
            let msg = read_capped(resp, 4 << 10)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            return Tried::Failed(
                status_failure(status),
                format!("relay miner answered {status}: {msg}"),
            );
        }
        let is_stream = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == STREAM_CONTENT_TYPE);
        let cap = self.cfg.relay.max_answer_bytes;
        if is_stream {
            let mut rest = StreamRest {
                body: Box::pin(resp.bytes_stream()),
                split: StreamSplitter::new(cap),
                ready: VecDeque::new(),
                header: t.header.clone(),
                key,
            };
            let deadline = started + timeout;
            let first = loop {
                if let Some(b) = rest.ready.pop_front() {
                    break b;
                }
                let left = deadline.saturating_duration_since(Instant::now());
                match tokio::time::timeout(left, rest.body.next()).await {
                    Ok(Some(Ok(c))) => match rest.split.push(&c) {
                        Ok(bs) => rest.ready.extend(bs),
                        Err(e) => return Tried::Failed(stream_failure(&e), e.to_string()),
                    },
                    Ok(None) => match rest.split.finish() {
                        Some(b) => break b,
                        None => return Tried::Failed(Failure::ServerError, "empty stream".into()),
                    },
                    Ok(Some(Err(e))) => {
                        return Tried::Failed(
                            Failure::Unreachable,
                            format!("stream cut short: {e}"),
                        );
                    }
                    Err(_) => {
                        return Tried::Failed(Failure::Timeout, "no first batch in time".into());
                    }
                }
            };
            return match verify_stream_batch(&first, &rest.header, &rest.key) {
                Ok(http) if http.status_code >= 500 => Tried::Failed(
                    Failure::ServerError,
                    format!("backend answered {}", http.status_code),
                ),
                Ok(http) => Tried::Answered(Answer::Stream {
                    first: http.body,
                    rest: Box::new(rest),
                    ttft: started.elapsed(),
                }),
                Err(e) => Tried::Failed(stream_failure(&e), e.to_string()),
            };
        }
        let left = (started + timeout).saturating_duration_since(Instant::now());
        let body = match tokio::time::timeout(left, read_capped(resp, cap)).await {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => {
                return Tried::Failed(Failure::Unreachable, format!("answer cut short: {e}"));
            }
            Err(_) => return Tried::Failed(Failure::Timeout, "answer timed out".into()),
        };
        let Ok(res) = RelayResponse::decode(&body) else {
            return Tried::Failed(
                Failure::InvalidAnswer,
                "relay response does not decode".into(),
            );
        };
        if res.meta.session_header.as_ref() != Some(&t.header) {
            return Tried::Failed(
                Failure::InvalidAnswer,
                "relay response is for another session".into(),
            );
        }
        if res.payload.is_empty() {
            return Tried::Failed(
                Failure::InvalidAnswer,
                "relay response has no payload".into(),
            );
        }
        if let Err(e) = verify_response(&res, &key) {
            return Tried::Failed(
                Failure::BadSignature,
                format!("relay response signature: {e}"),
            );
        }
        let Ok(http) = PoktHttpResponse::decode(&res.payload) else {
            return Tried::Failed(
                Failure::InvalidAnswer,
                "payload is not an HTTP response".into(),
            );
        };
        if http.status_code >= 500 {
            return Tried::Failed(
                Failure::ServerError,
                format!("backend answered {}", http.status_code),
            );
        }
        Tried::Answered(Answer::Unary {
            status: u16::try_from(http.status_code).unwrap_or(502),
            body: http.body,
        })
    }

    fn count_relay(&self, svc: usize, supplier: &Address, role: Role, outcome: &str) {
        let service = self.services.get(svc).map_or("", |s| s.id.as_str());
        let role = match role {
            Role::Primary => "primary",
            Role::Hedge => "hedge",
            Role::Retry => "retry",
        };
        self.metrics
            .relays
            .get_or_create(&vec![
                ("service", service.to_string()),
                ("supplier", supplier.to_string()),
                ("role", role.to_string()),
                ("outcome", outcome.to_string()),
            ])
            .inc();
    }

    /// Records an attempt's outcome in the QoS state and the metrics.
    pub(crate) fn observe(&self, svc: usize, a: &Attempt<Address>, role: Role, o: Outcome) {
        let Some(service) = self.services.get(svc) else {
            return;
        };
        let label = match &o {
            Outcome::Success(_) => "success",
            Outcome::Failed(f) => f.as_str(),
            Outcome::Abandoned { .. } => "abandoned",
        };
        if let Outcome::Success(s) = &o {
            let l = vec![
                ("service", service.id.as_str().to_string()),
                ("supplier", a.supplier.to_string()),
            ];
            match s.class() {
                RequestClass::Unary => self
                    .metrics
                    .relay_seconds
                    .get_or_create(&l)
                    .observe(s.answered_after().as_secs_f64()),
                RequestClass::Stream => self
                    .metrics
                    .ttft_seconds
                    .get_or_create(&l)
                    .observe(s.answered_after().as_secs_f64()),
            }
        }
        self.count_relay(svc, &a.supplier, role, label);
        let now = self.now();
        service.lock().qos.observe(a, role, o, now);
    }

    /// Records an outcome outside a plan (usage recounts, watcher probes).
    pub(crate) fn report(&self, svc: usize, supplier: &Address, o: Outcome) {
        if let Some(service) = self.services.get(svc) {
            let now = self.now();
            service.lock().qos.report(supplier, o, now);
        }
    }

    /// Runs `plan`: the primary at once; the hedge (the first fallback) when the plan's delay
    /// passes without an answer and the hedge budget allows; on a failure with nothing else in
    /// flight, the next attempt as a retry. The first verified answer wins and the others are
    /// dropped (observed as abandoned). Every started attempt is observed once (a winning
    /// stream by its forwarder, when it ends). [GW-HEDGE-1] [QOS-HEDGE-1]
    pub(crate) async fn drive(
        self: &Arc<Self>,
        plan: Plan<Address>,
        targets: Vec<Arc<Target>>,
        out: Arc<Outgoing>,
    ) -> Result<Won, ApiError> {
        let svc = out.svc;
        let attempts = plan.attempts().to_vec();
        let mut inflight: FuturesUnordered<AttemptFuture> = FuturesUnordered::new();
        let mut started_at: Vec<Option<(Role, Instant)>> = vec![None; attempts.len()];
        let start = |i: usize, role: Role, inflight: &mut FuturesUnordered<AttemptFuture>| {
            let (Some(a), Some(t)) = (attempts.get(i), targets.get(i)) else {
                return None;
            };
            let me = self.clone();
            let t = t.clone();
            let supplier = a.supplier;
            let out = out.clone();
            let at = Instant::now();
            inflight.push(Box::pin(async move {
                let r = me.attempt(t, supplier, out).await;
                (i, role, at, r)
            }));
            Some(at)
        };
        if let Some(at) = start(0, Role::Primary, &mut inflight) {
            started_at[0] = Some((Role::Primary, at));
        }
        let mut next = 1usize;
        let hedge_delay = plan.hedge().map(|(_, d)| d);
        let hedge_timer = tokio::time::sleep(hedge_delay.unwrap_or(Duration::from_secs(86_400)));
        tokio::pin!(hedge_timer);
        let mut hedge_armed = hedge_delay.is_some() && attempts.len() > 1;
        let mut last = String::from("the session has no supplier with an endpoint");
        loop {
            tokio::select! {
                done = inflight.next(), if !inflight.is_empty() => {
                    let Some((i, role, at, tried)) = done else { continue };
                    let Some(a) = attempts.get(i) else { continue };
                    match tried {
                        Tried::Answered(answer) => {
                            if let Answer::Unary { .. } = &answer {
                                self.observe(svc, a, role, Outcome::Success(Success::unary(at.elapsed())));
                            }
                            // The others lose the race.
                            drop(inflight);
                            for (j, s) in started_at.iter().enumerate() {
                                if j == i {
                                    continue;
                                }
                                if let (Some((r, t0)), Some(other)) = (s, attempts.get(j)) {
                                    self.observe(svc, other, *r, Outcome::Abandoned { elapsed: t0.elapsed() });
                                }
                            }
                            return Ok(Won { answer, attempt: a.clone(), role, started: at });
                        }
                        Tried::Failed(f, why) => {
                            tracing::debug!(supplier = %a.supplier, failure = f.as_str(), %why, "relay failed");
                            self.observe(svc, a, role, Outcome::Failed(f));
                            started_at[i] = None;
                            last = format!("{}: {why}", a.supplier);
                            if inflight.is_empty() {
                                hedge_armed = false;
                                if next < attempts.len() {
                                    if let Some(at) = start(next, Role::Retry, &mut inflight) {
                                        started_at[next] = Some((Role::Retry, at));
                                        if let Some(s) = self.services.get(svc) {
                                            self.metrics.retries.get_or_create(&vec![("service", s.id.as_str().to_string())]).inc();
                                        }
                                    }
                                    next += 1;
                                } else {
                                    return Err(ApiError::new(
                                        502,
                                        "relay_error",
                                        format!("no supplier of the session answered; last: {last}"),
                                    ));
                                }
                            }
                        }
                    }
                }
                () = &mut hedge_timer, if hedge_armed => {
                    hedge_armed = false;
                    let granted = self
                        .services
                        .get(svc)
                        .is_some_and(|s| s.lock().qos.start_hedge(&plan));
                    if granted && next == 1 {
                        if let Some(at) = start(1, Role::Hedge, &mut inflight) {
                            started_at[1] = Some((Role::Hedge, at));
                            if let Some(s) = self.services.get(svc) {
                                self.metrics.hedges.get_or_create(&vec![("service", s.id.as_str().to_string())]).inc();
                            }
                        }
                        next = 2;
                    }
                }
                else => {
                    return Err(ApiError::new(502, "relay_error", format!("no supplier answered; last: {last}")));
                }
            }
        }
    }
}
