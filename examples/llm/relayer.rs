//! The relay miner: serves `POST /v1/relay` (an encoded `RelayRequest`), checks it with
//! `pokt-relay`'s acceptance rules against the chain's session, forwards the `PoktHttpRequest` in
//! its payload to the model backend, signs the answer (whole, or in stream batches), mines the
//! relay into the session's tree, and claims and proves against the chain as its windows open.
//!
//! Errors are JSON (`{"error": {"message", "type", "code"}}`); a relay whose backend times out,
//! fails or answers garbage is not mined, so the application is not charged for it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use pokt_crypto::SigningKey;
use pokt_mining::{FixedComputeUnits, Mined, SessionTree, TokenMetered, WeightPolicy};
use pokt_primitives::{
    Address, BlockHeight, BlockInterval, ComputeUnits, HttpHeader, HttpHeaders, Message,
    PoktHttpRequest, PoktHttpResponse, Relay, RelayRequest, ServiceId, SessionHeader, SessionId,
};
use pokt_relay::llm::{BatchLimits, StreamBatcher, sign_http_response, sign_stream_batch};
use pokt_relay::{AcceptanceContext, PreparedRing, Rejection, accept_relay};
use serde_json::json;

use super::SharedChain;

/// The content type of a signed-batch stream.
pub const STREAM_CONTENT_TYPE: &str = "application/x-pokt-stream";

/// The relay miner's settings.
#[derive(Clone, Debug)]
pub struct RelayMinerConfig {
    /// The supplier operator keys it signs for.
    pub suppliers: Vec<SigningKey>,
    /// The model backend's base URL (any OpenAI-compatible server).
    pub backend: String,
    /// How long the backend may take to start answering.
    pub backend_timeout: Duration,
    /// When stream batches are signed.
    pub batch_limits: BatchLimits,
    /// Largest backend answer read (bytes).
    pub max_body: usize,
    /// Test hook (a misbehaving supplier): sign answers with this key instead of the supplier's,
    /// so gateways must detect and route around it. `None` in any honest deployment.
    pub impostor_key: Option<SigningKey>,
}

impl RelayMinerConfig {
    /// Defaults: 30 s backend timeout, the HA relay miner's batch limits, 8 MiB answers.
    pub fn new(suppliers: Vec<SigningKey>, backend: String) -> Self {
        Self {
            suppliers,
            backend,
            backend_timeout: Duration::from_secs(30),
            batch_limits: BatchLimits::HA_RELAY_MINER,
            max_body: 8 << 20,
            impostor_key: None,
        }
    }
}

/// Fixed compute units (POKT) or the token-metered extension, as the service says.
#[derive(Clone, Copy, Debug)]
pub enum HostPolicy {
    /// POKT's fixed compute units per relay.
    Fixed(FixedComputeUnits),
    /// Token-metered compute units (extension).
    Metered(TokenMetered),
}

impl WeightPolicy for HostPolicy {
    fn weight(&self, relay: &Relay) -> ComputeUnits {
        match self {
            Self::Fixed(p) => p.weight(relay),
            Self::Metered(p) => p.weight(relay),
        }
    }
    fn try_weight(&self, relay: &Relay) -> Option<ComputeUnits> {
        match self {
            Self::Fixed(p) => p.try_weight(relay),
            Self::Metered(p) => p.try_weight(relay),
        }
    }
    fn keeps_payload(&self) -> bool {
        matches!(self, Self::Metered(_))
    }
}

/// One (session, supplier) the miner has served.
struct SessionState {
    header: SessionHeader,
    session_id: SessionId,
    end: BlockHeight,
    suppliers: Vec<Address>,
    ring: Arc<PreparedRing>,
    trees: HashMap<Address, SessionTree<HostPolicy>>,
    claimed: Vec<Address>,
    proven: Vec<Address>,
}

/// Counters the miner exposes at `GET /v1/stats`.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Stats {
    /// Relays accepted.
    pub accepted: u64,
    /// Relays refused (by rule).
    pub rejected: u64,
    /// Relays whose backend failed (timeout, error, garbage).
    pub backend_failures: u64,
    /// Relays mined into a tree.
    pub mined: u64,
    /// Stream batches signed.
    pub batches_signed: u64,
    /// Claims and proofs the chain accepted.
    pub claims: u64,
    /// Proofs the chain accepted.
    pub proofs: u64,
    /// Claims whose proof the chain does not require (not proven).
    pub proofs_not_required: u64,
    /// The chain's refusals of our claims or proofs.
    pub chain_errors: Vec<String>,
}

/// What acceptance needs of a relay's session: the chain's header, suppliers and ring, the
/// current height and the grace period.
struct SessionView {
    header: SessionHeader,
    suppliers: Vec<Address>,
    ring: Arc<PreparedRing>,
    height: BlockHeight,
    grace: BlockInterval,
}

/// A relay miner serving one or more suppliers.
pub struct RelayMiner {
    chain: SharedChain,
    cfg: RelayMinerConfig,
    own: Vec<Address>,
    http: reqwest::Client,
    sessions: Mutex<HashMap<String, SessionState>>,
    stats: Mutex<Stats>,
}

fn error(status: StatusCode, kind: &str, code: &str, message: impl std::fmt::Display) -> Response {
    (
        status,
        axum::Json(json!({"error": {"message": message.to_string(), "type": kind, "code": code}})),
    )
        .into_response()
}

fn rejection_code(r: &Rejection) -> (&'static str, StatusCode) {
    match r {
        Rejection::SessionExpired { .. } => ("session_expired", StatusCode::BAD_REQUEST),
        Rejection::SessionNotStarted { .. } => ("session_not_started", StatusCode::BAD_REQUEST),
        Rejection::HeaderMismatch { .. } => ("session_mismatch", StatusCode::BAD_REQUEST),
        Rejection::SupplierNotInSession => ("supplier_not_in_session", StatusCode::BAD_REQUEST),
        Rejection::NotOurSupplier => ("not_our_supplier", StatusCode::BAD_REQUEST),
        Rejection::Signature(_) => ("bad_signature", StatusCode::UNAUTHORIZED),
        _ => ("rejected", StatusCode::BAD_REQUEST),
    }
}

impl RelayMiner {
    /// A relay miner over the chain.
    pub fn new(chain: SharedChain, cfg: RelayMinerConfig) -> Arc<Self> {
        let own = cfg.suppliers.iter().map(SigningKey::address).collect();
        Arc::new(Self {
            chain,
            own,
            http: reqwest::Client::new(),
            cfg,
            sessions: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
        })
    }

    /// The supplier operator addresses served.
    pub fn suppliers(&self) -> &[Address] {
        &self.own
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn count(&self, f: impl FnOnce(&mut Stats)) {
        if let Ok(mut s) = self.stats.lock() {
            f(&mut s);
        }
    }

    /// The router (`POST /v1/relay`, `GET /v1/stats`).
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/v1/relay", post(relay))
            .route("/v1/stats", get(stats))
            .with_state(self.clone())
    }

    /// Serves on `addr`; returns the bound address.
    pub async fn serve(self: &Arc<Self>, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        super::serve_router(self.router(), addr).await
    }

    /// The session state of a request's header, derived from the chain on first use. Locks are
    /// taken one at a time (never the sessions' while waiting for the chain's: `on_block` takes
    /// them the other way round).
    fn session_of(&self, h: &SessionHeader) -> Result<SessionView, String> {
        let cached = self.sessions.lock().ok().and_then(|map| {
            map.get(&h.session_id)
                .map(|s| (s.header.clone(), s.end, s.suppliers.clone(), s.ring.clone()))
        });
        if let Some((header, end, suppliers, ring)) = cached {
            let chain = self.chain.lock().map_err(|e| e.to_string())?;
            return Ok(SessionView {
                header,
                suppliers,
                ring,
                height: chain.height(),
                grace: chain.grace_period_blocks(end),
            });
        }
        let chain = self.chain.lock().map_err(|e| e.to_string())?;
        let app: Address = h
            .application_address
            .parse()
            .map_err(|_| "application address".to_string())?;
        let service = ServiceId::new(&h.service_id).map_err(|e| e.to_string())?;
        let session = chain
            .session(
                &app,
                &service,
                BlockHeight::new(h.session_start_block_height),
            )
            .map_err(|e| e.to_string())?;
        let header = session.header.to_wire();
        let ring = chain
            .ring(&app, session.header.end)
            .map_err(|e| e.to_string())?;
        let ring = Arc::new(PreparedRing::new(&ring).map_err(|_| "ring".to_string())?);
        let height = chain.height();
        let grace = chain.grace_period_blocks(session.header.end);
        drop(chain);
        // Only the chain's own session id is remembered (a forged id derives nothing new).
        if let Ok(mut map) = self.sessions.lock()
            && header.session_id == h.session_id
        {
            map.entry(header.session_id.clone())
                .or_insert(SessionState {
                    header: header.clone(),
                    session_id: session.header.session_id,
                    end: session.header.end,
                    suppliers: session.suppliers.clone(),
                    ring: ring.clone(),
                    trees: HashMap::new(),
                    claimed: Vec::new(),
                    proven: Vec::new(),
                });
        }
        Ok(SessionView {
            header,
            suppliers: session.suppliers,
            ring,
            height,
            grace,
        })
    }

    fn policy_for(&self, service: &str) -> HostPolicy {
        let def = ServiceId::new(service)
            .ok()
            .and_then(|s| self.chain.lock().ok()?.service(&s).cloned());
        match def {
            Some(d) => match d.token_pricing {
                Some(p) => HostPolicy::Metered(TokenMetered::new(p)),
                None => HostPolicy::Fixed(FixedComputeUnits::new(d.compute_units_per_relay)),
            },
            None => HostPolicy::Fixed(FixedComputeUnits::new(ComputeUnits::new(1))),
        }
    }

    /// Mines a served relay into its (session, supplier) tree.
    fn mine(&self, relay: &Relay, header: &SessionHeader, supplier: Address) {
        let target = {
            let Ok(chain) = self.chain.lock() else { return };
            let Ok(service) = ServiceId::new(&header.service_id) else {
                return;
            };
            match chain.target(
                &service,
                BlockHeight::new(header.session_start_block_height),
            ) {
                Ok(t) => t,
                Err(_) => return,
            }
        };
        let policy = self.policy_for(&header.service_id);
        let mined = {
            let Ok(mut map) = self.sessions.lock() else {
                return;
            };
            let Some(state) = map.get_mut(&header.session_id) else {
                return;
            };
            let tree = state
                .trees
                .entry(supplier)
                .or_insert_with(|| SessionTree::new(header.clone(), supplier, target, policy));
            tree.offer(relay)
        };
        if let Mined::Inserted(_) = mined {
            self.count(|s| s.mined += 1);
        }
    }

    /// Called after every new block: claims each tree in its claim window, proves it in its proof
    /// window when the chain will require a proof, and forgets sessions whose claims are settled.
    pub fn on_block(&self) {
        let Ok(mut chain) = self.chain.lock() else {
            return;
        };
        let Ok(mut map) = self.sessions.lock() else {
            return;
        };
        let height = chain.height();
        let mut done = Vec::new();
        for (id, state) in map.iter_mut() {
            let Ok(w) = chain.windows(state.end) else {
                continue;
            };
            if height > w.settlement_height {
                done.push(id.clone());
                continue;
            }
            for (supplier, tree) in &state.trees {
                if tree.root().count() == 0 {
                    continue;
                }
                if w.claim_open_at(height) && !state.claimed.contains(supplier) {
                    state.claimed.push(*supplier);
                    match chain.submit_claim(&tree.claim()) {
                        Ok(()) => self.count(|s| s.claims += 1),
                        Err(e) => self.count(|s| s.chain_errors.push(format!("claim: {e}"))),
                    }
                }
                if w.proof_open_at(height)
                    && state.claimed.contains(supplier)
                    && !state.proven.contains(supplier)
                {
                    let Ok(seed) = chain.proof_seed(state.end) else {
                        continue;
                    };
                    state.proven.push(*supplier);
                    // Prove only what the chain will require (as poktroll's relay miner does).
                    let required = chain
                        .proof_requirement(&state.session_id, supplier)
                        .map_or(true, |r| r.is_required());
                    if !required {
                        self.count(|s| s.proofs_not_required += 1);
                        continue;
                    }
                    match chain.submit_proof(&tree.proof(&seed)) {
                        Ok(_) => self.count(|s| s.proofs += 1),
                        Err(e) => self.count(|s| s.chain_errors.push(format!("proof: {e}"))),
                    }
                }
            }
        }
        for id in done {
            map.remove(&id);
        }
    }

    /// A refused relay: counted, answered with a JSON error.
    fn reject(&self, status: StatusCode, code: &str, message: impl std::fmt::Display) -> Response {
        self.count(|s| s.rejected += 1);
        error(status, "relay_rejected", code, message)
    }

    /// A relay whose backend failed: counted, answered with a JSON error, not mined.
    fn backend_failed(
        &self,
        status: StatusCode,
        code: &str,
        message: impl std::fmt::Display,
    ) -> Response {
        self.count(|s| s.backend_failures += 1);
        error(status, "backend_error", code, message)
    }

    fn key_of(&self, supplier: &Address) -> Option<&SigningKey> {
        if self.cfg.impostor_key.is_some() && self.own.contains(supplier) {
            return self.cfg.impostor_key.as_ref();
        }
        self.cfg.suppliers.iter().find(|k| k.address() == *supplier)
    }
}

async fn stats(State(m): State<Arc<RelayMiner>>) -> impl IntoResponse {
    axum::Json(m.stats())
}

async fn relay(State(m): State<Arc<RelayMiner>>, body: Bytes) -> Response {
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
        super::read_capped(resp, m.cfg.max_body),
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
