//! The HTTP API: `POST /v1/chat/completions`, `POST /v1/completions`, `GET /v1/models` (API key
//! required), `GET /v1/qos`, `GET /v1/watcher`, `GET /metrics`, `GET /health`. [GW-API-1]

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use pokt_chain::Chain;
use pokt_primitives::Address;
use pokt_qos::{Failure, Outcome, RequestClass, Success};
use pokt_relay::llm::{Usage, usage_from_body, verify_stream_batch};
use serde_json::{Value, json};

use crate::access::{Access, Admitted};
use crate::gateway::Gateway;
use crate::metrics::Labels;
use crate::openai::{ApiError, Endpoint, ErrorResponse, validate};
use crate::relay::{Answer, Outgoing, StreamRest, Won};

/// Everything a finished request reports.
struct Finish {
    svc: usize,
    key: Admitted,
    application: Address,
    supplier: Address,
    max_tokens: Option<u64>,
}

impl<C: Chain> Gateway<C> {
    /// The router (state included).
    pub fn router(self: &Arc<Self>) -> Router {
        let chat = self.clone();
        let comp = self.clone();
        Router::new()
            .route(
                "/v1/chat/completions",
                post(move |h: HeaderMap, b: Bytes| async move {
                    chat.handle(Endpoint::Chat, h, b).await
                }),
            )
            .route(
                "/v1/completions",
                post(move |h: HeaderMap, b: Bytes| async move {
                    comp.handle(Endpoint::Completions, h, b).await
                }),
            )
            .route("/v1/models", get(models::<C>))
            .route("/v1/qos", get(qos::<C>))
            .route("/v1/watcher", get(watcher::<C>))
            .route("/metrics", get(metrics::<C>))
            .route("/health", get(|| async { "ok" }))
            .layer(DefaultBodyLimit::max(self.cfg.server.max_body_bytes))
            .with_state(self.clone())
    }

    fn count_request(&self, key: &str, app: &str, service: &str, status: u16) {
        self.metrics
            .requests
            .get_or_create(&vec![
                ("key", key.to_string()),
                ("application", app.to_string()),
                ("service", service.to_string()),
                ("status", status.to_string()),
            ])
            .inc();
    }

    async fn handle(
        self: Arc<Self>,
        endpoint: Endpoint,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let t0 = Instant::now();
        let Ok(_slot) = self.in_flight.acquire().await else {
            return ApiError::new(503, "server_error", "shutting down").into_response();
        };
        let auth = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let admitted = match self.access.admit(Access::bearer(auth), Instant::now()) {
            Ok(a) => a,
            Err(e) => {
                // A known key over its limits (429) is counted under its name and application;
                // a missing or unknown key (401) under none.
                match self.access.known(Access::bearer(auth)) {
                    Some(k) => {
                        self.count_request(&k.name, &k.application.to_string(), "", e.status);
                    }
                    None => self.count_request("", "", "", e.status),
                }
                return e.into_response();
            }
        };
        let name = admitted.key.name.clone();
        let app = admitted.key.application;
        let (svc, mut req) = match self.route(&admitted, endpoint, &body) {
            Ok(x) => x,
            Err(e) => {
                self.count_request(&name, &app.to_string(), "", e.status);
                return e.into_response();
            }
        };
        let service = self
            .services
            .get(svc)
            .map_or_else(String::new, |s| s.id.as_str().to_string());
        if req.stream {
            // Usage in the last chunk, so a token-metered relay can be priced and checked.
            req.body["stream_options"] = json!({"include_usage": true});
        }
        let class = if req.stream {
            RequestClass::Stream
        } else {
            RequestClass::Unary
        };
        let won = match self
            .plan_and_drive(svc, &app, endpoint, &req.body, class)
            .await
        {
            Ok(w) => w,
            Err(e) => {
                self.count_request(&name, &app.to_string(), &service, e.status);
                tracing::info!(key = %name, application = %app, %service, status = e.status, error = %e.message, "request failed");
                return e.into_response();
            }
        };
        let labels: Labels = vec![
            ("key", name.clone()),
            ("application", app.to_string()),
            ("service", service.clone()),
        ];
        let finish = Finish {
            svc,
            key: admitted,
            application: app,
            supplier: won.attempt.supplier,
            max_tokens: req.max_tokens,
        };
        match won.answer {
            Answer::Unary { status, body } => {
                self.metrics
                    .request_seconds
                    .get_or_create(&labels)
                    .observe(t0.elapsed().as_secs_f64());
                self.count_request(&name, &app.to_string(), &service, status);
                self.after_answer(&finish, &body, usage_from_body(&body));
                (
                    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                    [(header::CONTENT_TYPE, "application/json")],
                    body,
                )
                    .into_response()
            }
            Answer::Stream { first, rest, ttft } => {
                self.metrics
                    .request_seconds
                    .get_or_create(&labels)
                    .observe(t0.elapsed().as_secs_f64());
                self.count_request(&name, &app.to_string(), &service, 200);
                let w = Won {
                    answer: Answer::Unary {
                        status: 200,
                        body: Vec::new(),
                    },
                    ..won
                };
                self.clone().stream(finish, w, first, rest, ttft)
            }
        }
    }

    /// The service, validated body and checks of a request: the model must be served, allowed to
    /// the key and to its application.
    fn route(
        &self,
        admitted: &Admitted,
        endpoint: Endpoint,
        body: &[u8],
    ) -> Result<(usize, crate::openai::Validated), ApiError> {
        let req = validate(endpoint, body)?;
        let svc = self
            .service_of(&req.model)
            .ok_or_else(|| ApiError::model_not_found(&req.model))?;
        let k = &admitted.key;
        if !k.models.is_empty() && !k.models.contains(&req.model) {
            return Err(ApiError::model_not_found(&req.model));
        }
        let app_ok = self.apps.get(&k.application).is_some_and(|a| {
            self.services
                .get(svc)
                .is_some_and(|s| a.services.contains(&s.id))
        });
        if !app_ok {
            return Err(ApiError::model_not_found(&req.model));
        }
        Ok((svc, req))
    }

    async fn plan_and_drive(
        self: &Arc<Self>,
        svc: usize,
        app: &Address,
        endpoint: Endpoint,
        body: &Value,
        class: RequestClass,
    ) -> Result<Won, ApiError> {
        let height = self.current_height().await?;
        self.ensure_session(svc, app, height).await?;
        let service = self
            .services
            .get(svc)
            .ok_or_else(|| ApiError::new(500, "server_error", "no such service"))?;
        let (plan, targets) = {
            let now = self.now();
            let mut q = service.lock();
            let crate::gateway::QosState { qos, routes, rng } = &mut *q;
            let routing = routes
                .get(app)
                .ok_or_else(|| ApiError::new(503, "session_error", "no session"))?;
            let plan = qos
                .plan(routing, height, class, now, rng)
                .map_err(|e| ApiError::new(503, "session_error", e.to_string()))?;
            let targets: Vec<_> = plan
                .attempts()
                .iter()
                .filter_map(|a| routing.session(a.session).map(|s| s.tag().clone()))
                .collect();
            (plan, targets)
        };
        let signer = self
            .apps
            .get(app)
            .map(|a| a.signer.clone())
            .ok_or_else(|| ApiError::new(500, "server_error", "application"))?;
        let out = Arc::new(Outgoing {
            svc,
            path: endpoint.path(),
            payload: Arc::new(body.to_string().into_bytes()),
            signer,
        });
        self.drive(plan, targets, out).await
    }

    /// After a verified answer: the usage check, the key's tokens, the token metrics.
    /// [GW-USAGE-1]
    fn after_answer(&self, f: &Finish, body: &[u8], usage: Option<Usage>) {
        let Some(service) = self.services.get(f.svc) else {
            return;
        };
        let Some(u) = usage else {
            return;
        };
        let text = crate::usage::completion_text(body);
        let v = service
            .usage
            .judge(u.completion_tokens, &text, f.max_tokens);
        if v.inflated() {
            tracing::warn!(supplier = %f.supplier, service = %service.id, signed = v.signed, allowed = v.allowed, recount = ?v.recount, "signed usage exceeds the recount: supplier sanctioned");
            self.metrics
                .usage_inflated
                .get_or_create(&vec![
                    ("service", service.id.as_str().to_string()),
                    ("supplier", f.supplier.to_string()),
                ])
                .inc();
            self.report(f.svc, &f.supplier, Outcome::Failed(Failure::UsageInflated));
        }
        let base: Labels = vec![
            ("key", f.key.key.name.clone()),
            ("application", f.application.to_string()),
            ("service", service.id.as_str().to_string()),
        ];
        for (kind, n) in [
            ("prompt", u.prompt_tokens),
            ("completion", u.completion_tokens),
        ] {
            let mut l = base.clone();
            l.push(("kind", kind.to_string()));
            self.metrics.tokens.get_or_create(&l).inc_by(n);
        }
        self.access.charge(
            &f.key.key.digest,
            u.prompt_tokens.saturating_add(u.completion_tokens),
            Instant::now(),
        );
    }

    /// Forwards a stream: each later batch verified before its lines are forwarded; at the end
    /// the attempt is observed (time to first token, total, tokens) and the usage checked.
    fn stream(
        self: Arc<Self>,
        f: Finish,
        won: Won,
        first: Vec<u8>,
        mut rest: Box<StreamRest>,
        ttft: Duration,
    ) -> Response {
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
        let me = self.clone();
        let idle = self.cfg.relay.stream_idle_timeout;
        let cap = self.cfg.relay.max_answer_bytes;
        tokio::spawn(async move {
            let mut seen = first.clone();
            let svc = f.svc;
            let client_gone = tx.send(Bytes::from(first)).await.is_err();
            let mut failure: Option<(Failure, String)> = None;
            let mut gone = client_gone;
            'outer: while !gone {
                while let Some(b) = rest.ready.pop_front() {
                    match verify_stream_batch(&b, &rest.header, &rest.key) {
                        Ok(http) => {
                            if seen.len() + http.body.len() <= cap {
                                seen.extend_from_slice(&http.body);
                            }
                            if tx.send(Bytes::from(http.body)).await.is_err() {
                                gone = true;
                                break 'outer;
                            }
                        }
                        Err(e) => {
                            let fl = match e {
                                pokt_relay::llm::StreamError::Signature(_) => Failure::BadSignature,
                                _ => Failure::InvalidAnswer,
                            };
                            failure = Some((fl, e.to_string()));
                            break 'outer;
                        }
                    }
                }
                match tokio::time::timeout(idle, rest.body.next()).await {
                    Ok(Some(Ok(c))) => match rest.split.push(&c) {
                        Ok(bs) => rest.ready.extend(bs),
                        Err(e) => {
                            failure = Some((Failure::InvalidAnswer, e.to_string()));
                            break;
                        }
                    },
                    Ok(None) => {
                        if let Some(last) = rest.split.finish() {
                            rest.ready.push_back(last);
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
            let elapsed = won.started.elapsed();
            match (failure, gone) {
                (Some((fl, why)), _) => {
                    tracing::info!(supplier = %won.attempt.supplier, failure = fl.as_str(), %why, "stream stopped");
                    me.observe(svc, &won.attempt, won.role, Outcome::Failed(fl));
                    let e = json!({"error": {"message": format!("stream stopped: {why}"), "type": "relay_error", "param": null, "code": null}});
                    let _ = tx.send(Bytes::from(format!("data: {e}\n\n"))).await;
                }
                (None, true) => {
                    me.observe(svc, &won.attempt, won.role, Outcome::Abandoned { elapsed });
                }
                (None, false) => {
                    let usage = usage_from_body(&seen);
                    let tokens = usage.map_or(0, |u| u.completion_tokens);
                    me.observe(
                        svc,
                        &won.attempt,
                        won.role,
                        Outcome::Success(Success::stream(
                            ttft,
                            elapsed,
                            u32::try_from(tokens).unwrap_or(u32::MAX),
                        )),
                    );
                    me.after_answer(&f, &seen, usage);
                }
            }
        });
        let body = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv()
                .await
                .map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
        });
        Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/event-stream")
            .header(header::CACHE_CONTROL, "no-cache")
            .body(Body::from_stream(body))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }

    /// Serves on `listener` until `shutdown` resolves, then lets requests in flight finish for
    /// up to `server.shutdown_grace`. Also runs the block loop, the watcher (when configured)
    /// and housekeeping, all stopped on return. [GW-OPS-2]
    pub async fn serve(
        self: &Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let tasks = [
            tokio::spawn(self.clone().follow_blocks()),
            tokio::spawn(self.clone().housekeeping()),
            tokio::spawn(self.clone().run_watcher()),
        ];
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut stop_wait = stop_rx.clone();
        use axum::serve::ListenerExt as _;
        // Streamed chunks leave at once, not after the client's delayed acknowledgement
        // (Nagle): time to first token.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = axum::serve(listener, self.router()).with_graceful_shutdown(async move {
            let _ = stop_wait.wait_for(|s| *s).await;
        });
        let mut server = std::pin::pin!(server.into_future());
        let grace = self.cfg.server.shutdown_grace;
        let result = tokio::select! {
            r = &mut server => r,
            () = shutdown => {
                tracing::info!("shutting down: finishing requests in flight");
                let _ = stop_tx.send(true);
                match tokio::time::timeout(grace, &mut server).await {
                    Ok(r) => r,
                    Err(_) => {
                        tracing::warn!("requests still in flight after the shutdown grace period; dropped");
                        Ok(())
                    }
                }
            }
        };
        drop(stop_rx);
        for t in tasks {
            t.abort();
        }
        result
    }

    /// Binds `addr` and serves in a background task until `shutdown`; returns the bound address.
    pub async fn spawn(
        self: &Arc<Self>,
        addr: SocketAddr,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let me = self.clone();
        let h = tokio::spawn(async move { me.serve(listener, shutdown).await });
        Ok((bound, h))
    }
}

async fn models<C: Chain>(State(g): State<Arc<Gateway<C>>>, headers: HeaderMap) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let admitted = match g.access.admit(Access::bearer(auth), Instant::now()) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let k = &admitted.key;
    let services = g
        .apps
        .get(&k.application)
        .map(|a| a.services.clone())
        .unwrap_or_default();
    let data: Vec<Value> = g
        .services
        .iter()
        .filter(|s| services.contains(&s.id))
        .flat_map(|s| s.models.iter().map(move |m| (s, m)))
        .filter(|(_, m)| k.models.is_empty() || k.models.contains(m))
        .map(|(s, m)| json!({"id": m, "object": "model", "created": 0, "owned_by": format!("pokt service {}", s.id.as_str())}))
        .collect();
    axum::Json(json!({"object": "list", "data": data})).into_response()
}

async fn qos<C: Chain>(State(g): State<Arc<Gateway<C>>>) -> impl IntoResponse {
    let services: BTreeMap<String, Value> = g
        .qos_snapshot()
        .into_iter()
        .map(|(id, snap)| {
            let suppliers: BTreeMap<String, Value> = snap
                .suppliers
                .iter()
                .map(|s| (s.supplier.to_string(), serde_json::to_value(s).unwrap_or(Value::Null)))
                .collect();
            (
                id,
                json!({"suppliers": suppliers, "totals": snap.totals, "hedge_tokens": snap.hedge_tokens}),
            )
        })
        .collect();
    axum::Json(json!({"services": services}))
}

async fn watcher<C: Chain>(State(g): State<Arc<Gateway<C>>>) -> impl IntoResponse {
    axum::Json(g.watcher_summary())
}

async fn metrics<C: Chain>(State(g): State<Arc<Gateway<C>>>) -> impl IntoResponse {
    g.refresh_qos_metrics();
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        g.metrics.encode(),
    )
}

impl<C: Chain> Gateway<C> {
    /// Copies the QoS snapshots into the supplier gauges.
    fn refresh_qos_metrics(&self) {
        for (id, snap) in self.qos_snapshot() {
            for s in snap.suppliers {
                let l: Labels = vec![
                    ("service", id.clone()),
                    ("supplier", s.supplier.to_string()),
                ];
                self.metrics.score.get_or_create(&l).set(s.score);
                self.metrics
                    .sanctions
                    .get_or_create(&l)
                    .set(i64::try_from(s.counts.sanctions).unwrap_or(i64::MAX));
                for tier in ["unexplored", "active", "sanctioned", "probation"] {
                    let mut lt = l.clone();
                    lt.push(("tier", tier.to_string()));
                    let is = format!("{:?}", s.tier).eq_ignore_ascii_case(tier);
                    self.metrics.tier.get_or_create(&lt).set(i64::from(is));
                }
            }
        }
    }
}
