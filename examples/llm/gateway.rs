//! The gateway: an OpenAI-compatible API (`POST /v1/chat/completions`, `POST /v1/completions`,
//! `GET /v1/models`) for one application that delegated to it. Each request becomes a relay of the
//! application's current session (or the previous one through its grace period), ring-signed by
//! the gateway, sent to the supplier that `pokt-qos` plans for it (and to the plan's fallbacks on
//! failure); the supplier's signature is verified before anything reaches the application — every
//! batch of a stream included. `GET /v1/qos` shows the QoS state; `GET /v1/watcher` the watcher's
//! probes.

mod forward;
mod watcher;

pub use watcher::Probe;

use forward::Attempt;
use watcher::watcher;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pokt_crypto::{SigningKey, VerifyingKey};
use pokt_primitives::{
    Address, BlockHeight, HttpHeader, HttpHeaders, Message, PoktHttpRequest, ServiceId,
    SessionHeader,
};
use pokt_qos::{
    Failure, Outcome, Qos, QosConfig, QosSnapshot, RequestClass, Role, Routing, SessionWindow,
    SupplierSnapshot,
};
use pokt_relay::{PreparedRing, PreparedSigner, new_request, sign_request_prepared};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};

use super::SharedChain;
use super::openai::{ApiError, Endpoint, validate};

/// Largest relay answer (or stream batch) the gateway reads from a relay miner.
const MAX_ANSWER: usize = 16 << 20;

/// The gateway's settings.
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// The gateway's key (the application delegated to its address).
    pub key: SigningKey,
    /// The application it serves.
    pub application: Address,
    /// The service relays are for.
    pub service: ServiceId,
    /// Model names listed at `GET /v1/models`.
    pub models: Vec<String>,
    /// How long a supplier may take to start answering a relay.
    pub relay_timeout: Duration,
    /// Quality of service: scores, sanctions, exploration, suppliers tried per request
    /// (`qos.max_attempts`), session rollover. This gateway tries the plan's attempts one after
    /// the other and does not hedge (`qos.hedge.enabled` is off).
    pub qos: QosConfig,
}

impl GatewayConfig {
    /// Defaults: 30 s relay timeout, the QoS defaults (3 attempts) without hedging, the service id
    /// as the only model.
    pub fn new(key: SigningKey, application: Address, service: ServiceId) -> Self {
        let mut qos = QosConfig::default();
        qos.hedge.enabled = false;
        Self {
            models: vec![service.as_str().to_string()],
            key,
            application,
            service,
            relay_timeout: Duration::from_secs(30),
            qos,
        }
    }
}

/// A session requests go to: its header, ring and suppliers with relay-miner URLs and keys.
struct Target {
    header: SessionHeader,
    ring: Arc<PreparedRing>,
    suppliers: Vec<(Address, String, VerifyingKey)>,
}

impl Target {
    fn supplier(&self, a: &Address) -> Option<(String, VerifyingKey)> {
        self.suppliers
            .iter()
            .find(|s| s.0 == *a)
            .map(|s| (s.1.clone(), s.2))
    }
}

/// An attempt of a plan with the session it is for.
type Routed = (pokt_qos::Attempt<Address>, Arc<Target>);

/// The QoS state: scores and the sessions requests may go to (pokt-qos), and the generator its
/// plans draw from.
struct QosState {
    qos: Qos<Address>,
    routing: Routing<Address, Arc<Target>>,
    rng: ChaCha20Rng,
}

/// An OpenAI-compatible gateway.
pub struct Gateway {
    chain: SharedChain,
    cfg: GatewayConfig,
    signer: PreparedSigner,
    rings: Mutex<HashMap<String, Arc<PreparedRing>>>,
    rng: Mutex<ChaCha20Rng>,
    qos: Mutex<QosState>,
    /// The QoS's time origin (its `now` is the time since).
    epoch: Instant,
    probes: Mutex<Vec<Probe>>,
    http: reqwest::Client,
}

fn api_error(e: &ApiError) -> Response {
    (
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_GATEWAY),
        axum::Json(e.body()),
    )
        .into_response()
}

impl Gateway {
    /// A gateway over the chain; ring-signing nonces come from a generator seeded by the OS.
    pub fn new(chain: SharedChain, cfg: GatewayConfig) -> anyhow::Result<Arc<Self>> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut qos_seed = [0u8; 32];
        getrandom::fill(&mut qos_seed).map_err(|e| anyhow::anyhow!("{e}"))?;
        let qos = QosState {
            qos: Qos::new(cfg.qos.clone())?,
            routing: Routing::new(),
            rng: ChaCha20Rng::from_seed(qos_seed),
        };
        Ok(Arc::new(Self {
            chain,
            signer: PreparedSigner::new(&cfg.key),
            cfg,
            rings: Mutex::new(HashMap::new()),
            rng: Mutex::new(ChaCha20Rng::from_seed(seed)),
            qos: Mutex::new(qos),
            epoch: Instant::now(),
            probes: Mutex::new(Vec::new()),
            http: reqwest::Client::new(),
        }))
    }

    /// The router.
    pub fn router(self: &Arc<Self>) -> Router {
        let s = self.clone();
        let t = self.clone();
        Router::new()
            .route(
                "/v1/chat/completions",
                post(move |body: Bytes| async move { s.handle(Endpoint::Chat, body).await }),
            )
            .route(
                "/v1/completions",
                post(move |body: Bytes| async move { t.handle(Endpoint::Completions, body).await }),
            )
            .route("/v1/models", get(models))
            .route("/v1/qos", get(qos))
            .route("/v1/watcher", get(watcher))
            .with_state(self.clone())
    }

    /// Serves on `addr`; returns the bound address.
    pub async fn serve(self: &Arc<Self>, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        super::serve_router(self.router(), addr).await
    }

    /// The QoS state of every supplier by address.
    pub fn qos(&self) -> BTreeMap<String, SupplierSnapshot<Address>> {
        self.qos_snapshot()
            .suppliers
            .into_iter()
            .map(|s| (s.supplier.to_string(), s))
            .collect()
    }

    /// The whole QoS state: totals, hedge budget and every supplier.
    pub fn qos_snapshot(&self) -> QosSnapshot<Address> {
        let now = self.epoch.elapsed();
        self.qos
            .lock()
            .map(|q| q.qos.snapshot(now))
            .unwrap_or_else(|_| QosSnapshot {
                totals: Default::default(),
                hedge_tokens: 0.0,
                suppliers: Vec::new(),
            })
    }

    /// Records an attempt's outcome.
    fn observe(&self, attempt: &pokt_qos::Attempt<Address>, role: Role, o: Outcome) {
        let now = self.epoch.elapsed();
        if let Ok(mut q) = self.qos.lock() {
            q.qos.observe(attempt, role, o, now);
        }
    }

    /// Records an outcome outside a plan (watcher probes).
    fn report(&self, supplier: &Address, o: Outcome) {
        let now = self.epoch.elapsed();
        if let Ok(mut q) = self.qos.lock() {
            q.qos.report(supplier, o, now);
        }
    }

    /// The chain height, with the application's session at that height installed in the routing
    /// if it is not yet (the previous one stays through its grace period).
    fn routed_height(&self) -> Result<BlockHeight, ApiError> {
        let h = self
            .chain
            .lock()
            .map_err(|_| ApiError::new(500, "server_error", "chain lock"))?
            .height();
        let known = self
            .qos
            .lock()
            .map_err(|_| ApiError::new(500, "server_error", "qos lock"))?
            .routing
            .current(h)
            .is_some();
        if !known {
            let (window, target) = self.target(h)?;
            let now = self.epoch.elapsed();
            let mut q = self
                .qos
                .lock()
                .map_err(|_| ApiError::new(500, "server_error", "qos lock"))?;
            let QosState { qos, routing, .. } = &mut *q;
            routing.prune(h);
            let suppliers: Vec<Address> = target.suppliers.iter().map(|s| s.0).collect();
            routing
                .install(qos, window, Arc::new(target), suppliers, now)
                .map_err(|e| ApiError::new(500, "server_error", e.to_string()))?;
        }
        Ok(h)
    }

    /// A plan for one request at `height`, with the session of each attempt.
    fn plan(&self, height: BlockHeight, class: RequestClass) -> Result<Vec<Routed>, ApiError> {
        let now = self.epoch.elapsed();
        let mut q = self
            .qos
            .lock()
            .map_err(|_| ApiError::new(500, "server_error", "qos lock"))?;
        let QosState { qos, routing, rng } = &mut *q;
        let plan = qos
            .plan(routing, height, class, now, rng)
            .map_err(|e| ApiError::new(503, "session_error", e.to_string()))?;
        Ok(plan
            .attempts()
            .iter()
            .filter_map(|a| {
                let t = routing.session(a.session)?.tag().clone();
                Some((a.clone(), t))
            })
            .collect())
    }

    /// The application's session at `height`: its window, header, ring, and suppliers with
    /// relay-miner URLs.
    fn target(&self, height: BlockHeight) -> Result<(SessionWindow, Target), ApiError> {
        let chain = self
            .chain
            .lock()
            .map_err(|_| ApiError::new(500, "server_error", "chain lock"))?;
        let session = chain
            .session(&self.cfg.application, &self.cfg.service, height)
            .map_err(|e| ApiError::new(503, "session_error", e.to_string()))?;
        let end = session.header.end;
        let grace_end = end
            .checked_add(chain.grace_period_blocks(end))
            .unwrap_or(end);
        let window = SessionWindow::new(session.header.start, end, grace_end)
            .map_err(|e| ApiError::new(503, "session_error", e.to_string()))?;
        let header = session.header.to_wire();
        let ring = match self
            .rings
            .lock()
            .ok()
            .and_then(|r| r.get(&header.session_id).cloned())
        {
            Some(r) => r,
            None => {
                let keys = chain
                    .ring(&self.cfg.application, session.header.end)
                    .map_err(|e| ApiError::new(503, "session_error", e.to_string()))?;
                let r = Arc::new(
                    PreparedRing::new(&keys)
                        .map_err(|_| ApiError::new(500, "server_error", "application ring"))?,
                );
                if let Ok(mut m) = self.rings.lock() {
                    m.retain(|id, _| id == &header.session_id);
                    m.insert(header.session_id.clone(), r.clone());
                }
                r
            }
        };
        let suppliers = session
            .suppliers
            .iter()
            .filter_map(|a| {
                Some((
                    *a,
                    chain.supplier_endpoint(a)?.to_string(),
                    chain.supplier_key(a)?,
                ))
            })
            .collect();
        Ok((
            window,
            Target {
                header,
                ring,
                suppliers,
            },
        ))
    }

    /// A signed relay request carrying `body` for `path`, to `supplier`.
    fn relay_bytes(
        &self,
        t: &Target,
        supplier: &Address,
        path: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, ApiError> {
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
            url: path.into(),
            body,
        };
        let mut req = new_request(&t.header, supplier, http.encode());
        let mut rng = self
            .rng
            .lock()
            .map_err(|_| ApiError::new(500, "server_error", "rng lock"))?;
        sign_request_prepared(&mut req, &t.ring, &self.signer, &mut *rng)
            .map_err(|e| ApiError::new(500, "server_error", format!("signing: {e}")))?;
        Ok(req.encode())
    }

    async fn handle(self: Arc<Self>, endpoint: Endpoint, body: Bytes) -> Response {
        let mut req = match validate(endpoint, &body) {
            Ok(r) => r,
            Err(e) => return api_error(&e),
        };
        if req.stream {
            // Ask for usage in the last chunk, so token-metered services can price the relay.
            req.body["stream_options"] = json!({"include_usage": true});
        }
        let payload = req.body.to_string().into_bytes();
        let class = if req.stream {
            RequestClass::Stream
        } else {
            RequestClass::Unary
        };
        let plan = match self.routed_height().and_then(|h| self.plan(h, class)) {
            Ok(p) => p,
            Err(e) => return api_error(&e),
        };
        let mut last = String::from("the session has no supplier with an endpoint");
        // The plan's attempts one after the other: the primary, then the fallbacks on failure.
        for (i, (a, t)) in plan.into_iter().enumerate() {
            let role = if i == 0 { Role::Primary } else { Role::Retry };
            let Some((url, key)) = t.supplier(&a.supplier) else {
                self.observe(&a, role, Outcome::Failed(Failure::Unreachable));
                continue;
            };
            let bytes = match self.relay_bytes(&t, &a.supplier, endpoint.path(), payload.clone()) {
                Ok(b) => b,
                Err(e) => return api_error(&e),
            };
            match self.clone().attempt(&t, &a, role, &url, key, bytes).await {
                Attempt::Done(r) => return r,
                Attempt::Failed(f, why) => {
                    self.observe(&a, role, Outcome::Failed(f));
                    last = format!("{}: {why}", a.supplier);
                }
            }
        }
        api_error(&ApiError::new(
            502,
            "relay_error",
            format!("no supplier of the session answered; last: {last}"),
        ))
    }
}

async fn models(State(g): State<Arc<Gateway>>) -> impl IntoResponse {
    let data: Vec<Value> = g
        .cfg
        .models
        .iter()
        .map(|m| json!({"id": m, "object": "model", "created": 0, "owned_by": format!("pokt service {}", g.cfg.service.as_str())}))
        .collect();
    axum::Json(json!({"object": "list", "data": data}))
}

async fn qos(State(g): State<Arc<Gateway>>) -> impl IntoResponse {
    let snap = g.qos_snapshot();
    let suppliers: BTreeMap<String, SupplierSnapshot<Address>> = snap
        .suppliers
        .into_iter()
        .map(|s| (s.supplier.to_string(), s))
        .collect();
    axum::Json(
        json!({"suppliers": suppliers, "totals": snap.totals, "hedge_tokens": snap.hedge_tokens}),
    )
}
