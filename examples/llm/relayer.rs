//! The relay miner: serves `POST /v1/relay` (an encoded `RelayRequest`), checks it with
//! `pokt-relay`'s acceptance rules against the chain's session, forwards the `PoktHttpRequest` in
//! its payload to the model backend, signs the answer (whole, or in stream batches), mines the
//! relay into the session's tree, and claims and proves against the chain as its windows open.
//!
//! Errors are JSON (`{"error": {"message", "type", "code"}}`); a relay whose backend times out,
//! fails or answers garbage is not mined, so the application is not charged for it.

mod serve;

use serve::relay;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pokt_crypto::SigningKey;
use pokt_mining::{FixedComputeUnits, Mined, SessionTree, TokenMetered, WeightPolicy};
use pokt_primitives::{
    Address, BlockHeight, BlockInterval, ComputeUnits, Relay, ServiceId, SessionHeader, SessionId,
};
use pokt_relay::llm::BatchLimits;
use pokt_relay::{PreparedRing, Rejection};
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
