//! [`RelayMiner`]: the sessions, the HTTP handler over the steps, mining with persistence, and the
//! claim/proof lifecycle driven by new blocks.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use pokt_chain::tx::TxMsg;
use pokt_chain::{Chain, SubmitConfig, Submitter, host};
use pokt_crypto::SigningKey;
use pokt_mining::{FixedComputeUnits, Mined, SessionTree, TokenMetered, WeightPolicy};
use pokt_primitives::{
    Address, BlockHeight, ComputeUnits, HttpHeaders, Message, PoktHttpResponse, Relay,
    RelayRequest, ServiceId, SessionHeader, TargetHash,
};
use pokt_relay::PreparedRing;
use pokt_relay::llm::{BatchLimits, StreamBatcher, sign_http_response, sign_stream_batch};
use pokt_session::{WindowOffsets, Windows};
use sha2_free::relay_hash;
use tokio::sync::Semaphore;

use crate::config::{Config, ServiceConfig, parse_decimal};
use crate::keys::OperatorKeys;
use crate::metrics::Metrics;
use crate::steps::{self, Answer, HostPolicy, Meter, Refusal, SessionView, budget_compute_units};
use crate::store::{PolicyRecord, SessionRecord, Stage, Store, StoreError};

/// The content type of a signed-batch stream.
pub const STREAM_CONTENT_TYPE: &str = "application/x-pokt-stream";

mod sha2_free {
    use pokt_primitives::{Message, Relay};
    use sha2::{Digest, Sha256};

    /// The hash a session tree keys a relay by (SHA-256 of the bytes it stores).
    pub(super) fn relay_hash(relay: &Relay, keeps_payload: bool) -> [u8; 32] {
        let bytes = if keeps_payload {
            relay.encode()
        } else {
            relay.hash_bytes()
        };
        Sha256::digest(&bytes).into()
    }
}

/// Why the relay miner could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configuration.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A stored session could not be rebuilt.
    #[error("store: session {0}: {1}")]
    Rebuild(String, String),
}

/// What the miner serves of one session: the chain's view for acceptance.
struct Serving {
    suppliers: Vec<Address>,
    ring: Arc<PreparedRing>,
    grace: u64,
}

/// One supplier's part of a session.
struct SupplierState {
    tree: SessionTree<HostPolicy>,
    record: SessionRecord,
    meter: Meter,
    /// A claim or proof task is running.
    busy: bool,
    /// The claim was built: no more relays are mined.
    sealed: bool,
}

/// One session the miner has served (or restored from the store).
struct SessionEntry {
    header: SessionHeader,
    service: String,
    target: TargetHash,
    policy: HostPolicy,
    serving: Mutex<Option<Arc<Serving>>>,
    windows: Mutex<Option<Windows>>,
    budget_cu: u128,
    suppliers: Mutex<HashMap<Address, SupplierState>>,
}

/// A relay miner serving one or more suppliers and services over a [`Chain`].
pub struct RelayMiner<C: Chain> {
    chain: C,
    cfg: Config,
    keys: OperatorKeys,
    own: Vec<Address>,
    http: reqwest::Client,
    services: HashMap<String, ServiceConfig>,
    sessions: Mutex<HashMap<String, Arc<SessionEntry>>>,
    submitters: HashMap<Address, Submitter<C>>,
    store: Store,
    metrics: Metrics,
    height: AtomicI64,
    slots: Arc<Semaphore>,
    stopping: AtomicBool,
    /// Test hook (a misbehaving supplier): sign answers with this key instead.
    impostor_key: Option<SigningKey>,
}

impl<C: Chain> std::fmt::Debug for RelayMiner<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayMiner")
            .field("suppliers", &self.own)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

fn policy_record(p: &HostPolicy) -> PolicyRecord {
    match p {
        HostPolicy::Fixed(f) => PolicyRecord::Fixed(f.per_relay().get()),
        HostPolicy::Metered(m) => PolicyRecord::Metered(*m.pricing()),
    }
}

fn policy_of(r: &PolicyRecord) -> HostPolicy {
    match r {
        PolicyRecord::Fixed(cu) => {
            HostPolicy::Fixed(FixedComputeUnits::new(ComputeUnits::new(*cu)))
        }
        PolicyRecord::Metered(p) => HostPolicy::Metered(TokenMetered::new(*p)),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<C: Chain> RelayMiner<C> {
    /// Opens the store, rebuilds the trees of every stored session (RM-STORE-3) and returns the
    /// miner (not yet serving: see [`RelayMiner::router`] and [`RelayMiner::run_blocks`]).
    pub fn new(chain: C, cfg: Config, keys: OperatorKeys) -> Result<Arc<Self>, StartError> {
        let store = Store::open(
            &cfg.resolve(&cfg.store.path),
            Duration::from_millis(cfg.store.sync_interval_ms),
        )?;
        let mut submit = SubmitConfig::new();
        submit.gas_price_upokt =
            parse_decimal("chain.gas_price_upokt", &cfg.chain.gas_price_upokt)?;
        submit.gas_adjustment = parse_decimal("chain.gas_adjustment", &cfg.chain.gas_adjustment)?;
        submit.inclusion_timeout = cfg.chain_timeout().max(Duration::from_secs(5));
        let submitters = keys
            .iter()
            .map(|(a, k)| (*a, Submitter::new(chain.clone(), k.clone(), submit.clone())))
            .collect();
        let services = cfg
            .services
            .iter()
            .map(|s| (s.id.clone(), s.clone()))
            .collect();
        let miner = Self {
            own: keys.addresses(),
            keys,
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .pool_max_idle_per_host(64)
                .build()
                .unwrap_or_default(),
            services,
            sessions: Mutex::new(HashMap::new()),
            submitters,
            metrics: Metrics::new(),
            height: AtomicI64::new(0),
            slots: Arc::new(Semaphore::new(cfg.server.max_concurrent_relays)),
            stopping: AtomicBool::new(false),
            impostor_key: None,
            store,
            chain,
            cfg,
        };
        miner.restore()?;
        Ok(Arc::new(miner))
    }

    /// Test hook: sign every answer with `key` instead of the supplier's (a misbehaving
    /// supplier gateways must detect). Never set in an honest deployment.
    pub fn with_impostor_key(mut self: Arc<Self>, key: SigningKey) -> Arc<Self> {
        if let Some(m) = Arc::get_mut(&mut self) {
            m.impostor_key = Some(key);
        }
        self
    }

    /// Rebuilds the session trees from the store.
    fn restore(&self) -> Result<(), StartError> {
        let loaded = self.store.load()?;
        let mut map = lock(&self.sessions);
        let mut relays = 0usize;
        for l in loaded {
            let r = l.record;
            let bad = |m: &str| StartError::Rebuild(r.session_id.clone(), m.to_string());
            let supplier: Address = r.supplier.parse().map_err(|_| bad("supplier"))?;
            let mut t = [0u8; 32];
            hex::decode_to_slice(&r.target, &mut t).map_err(|_| bad("target"))?;
            let target = TargetHash::from_bytes(t);
            let policy = policy_of(&r.policy);
            let header = SessionHeader {
                application_address: r.application.clone(),
                service_id: r.service.clone(),
                session_id: r.session_id.clone(),
                session_start_block_height: r.start,
                session_end_block_height: r.end,
            };
            let mut tree = SessionTree::new(header.clone(), supplier, target, policy);
            for bytes in &l.relays {
                let relay = Relay::decode(bytes).map_err(|_| bad("relay"))?;
                tree.offer(&relay);
                relays += 1;
            }
            let entry = map.entry(r.session_id.clone()).or_insert_with(|| {
                Arc::new(SessionEntry {
                    header: header.clone(),
                    service: r.service.clone(),
                    target,
                    policy,
                    serving: Mutex::new(None),
                    windows: Mutex::new(None),
                    budget_cu: u128::MAX,
                    suppliers: Mutex::new(HashMap::new()),
                })
            });
            let sealed = r.stage != Stage::Open;
            // The meter restarts from the mined compute units (the served ones are not stored;
            // at the base difficulty they are the same).
            let used_cu = u128::from(tree.root().sum());
            lock(&entry.suppliers).insert(
                supplier,
                SupplierState {
                    tree,
                    meter: Meter {
                        budget_cu: u128::MAX,
                        used_cu,
                    },
                    record: r,
                    busy: false,
                    sealed,
                },
            );
        }
        if !map.is_empty() {
            tracing::info!(
                sessions = map.len(),
                relays,
                "restored the session trees of unsettled sessions from the store"
            );
        }
        Ok(())
    }

    /// The supplier operator addresses served.
    pub fn suppliers(&self) -> &[Address] {
        &self.own
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The chain.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    /// The last block height seen.
    pub fn height(&self) -> i64 {
        self.height.load(Ordering::Acquire)
    }

    /// The router: `POST /v1/relay`, `GET /metrics`, `GET /health`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/v1/relay", post(relay_handler::<C>))
            .route("/metrics", get(metrics_handler::<C>))
            .route("/health", get(|| async { "ok" }))
            .layer(DefaultBodyLimit::max(self.cfg.server.max_request_bytes))
            .with_state(self.clone())
    }

    /// The session entry of a relay's header, derived from the chain on first use (only the
    /// chain's own session id is remembered).
    async fn entry(&self, h: &SessionHeader) -> Result<(Arc<SessionEntry>, Arc<Serving>), Refusal> {
        let cached = lock(&self.sessions).get(&h.session_id).cloned();
        if let Some(e) = &cached
            && let Some(s) = lock(&e.serving).clone()
        {
            return Ok((e.clone(), s));
        }
        let unavailable = |e: pokt_chain::ChainError| Refusal {
            status: StatusCode::SERVICE_UNAVAILABLE,
            kind: "unavailable",
            code: "chain_unavailable",
            message: format!("the session could not be read from the chain: {e}"),
        };
        let app: Address = h
            .application_address
            .parse()
            .map_err(|_| Refusal::rejected("unknown_session", "application address"))?;
        let service = ServiceId::new(&h.service_id)
            .map_err(|e| Refusal::rejected("unknown_session", e.to_string()))?;
        let Some(svc) = self.services.get(&h.service_id) else {
            return Err(Refusal::rejected(
                "unknown_service",
                format!("service {:?} is not served here", h.service_id),
            ));
        };
        let start = BlockHeight::new(h.session_start_block_height);
        let session = match self.chain.session(&app, &service, start).await {
            Ok(s) => s,
            Err(pokt_chain::ChainError::NotFound { what }) => {
                return Err(Refusal::rejected(
                    "unknown_session",
                    format!("no such session on chain ({what})"),
                ));
            }
            Err(e) => return Err(unavailable(e)),
        };
        let header = session.header.clone();
        let end = BlockHeight::new(header.session_end_block_height);
        let real_start = BlockHeight::new(header.session_start_block_height);
        let ring = host::ring(&self.chain, &app, end)
            .await
            .map_err(unavailable)?;
        let ring = Arc::new(
            PreparedRing::new(&ring).map_err(|_| Refusal::rejected("unknown_session", "ring"))?,
        );
        let shared_end = self.chain.shared_params(end).await.map_err(unavailable)?;
        let shared_start = self
            .chain
            .shared_params(real_start)
            .await
            .map_err(unavailable)?;
        let target = self
            .chain
            .difficulty(&service, real_start)
            .await
            .map_err(unavailable)?
            .target_hash;
        let policy = match svc.token_pricing {
            Some(p) => HostPolicy::Metered(TokenMetered::new(p)),
            None => {
                let s = self.chain.service(&service).await.map_err(unavailable)?;
                HostPolicy::Fixed(FixedComputeUnits::new(ComputeUnits::new(
                    s.compute_units_per_relay,
                )))
            }
        };
        let budget_cu = if self.cfg.meter.enabled {
            let tok = self.chain.tokenomics_params().await.map_err(unavailable)?;
            let pending = WindowOffsets {
                grace_period_end_offset_blocks: shared_end.grace_period_end_offset_blocks,
                claim_window_open_offset_blocks: shared_end.claim_window_open_offset_blocks,
                claim_window_close_offset_blocks: shared_end.claim_window_close_offset_blocks,
                proof_window_open_offset_blocks: shared_end.proof_window_open_offset_blocks,
                proof_window_close_offset_blocks: shared_end.proof_window_close_offset_blocks,
            }
            .num_pending_sessions(shared_end.num_blocks_per_session)
            .unwrap_or(1);
            budget_compute_units(
                session.application.stake_upokt,
                pending,
                u64::try_from(session.suppliers.len()).unwrap_or(1),
                tok.overservicing_bonus_multiplier,
                self.cfg.meter.overservicing_allowance_percent,
                shared_start.compute_units_to_tokens_multiplier,
                shared_start.compute_unit_cost_granularity,
            )
        } else {
            u128::MAX
        };
        let windows = host::windows(&self.chain, end).await.ok();
        let serving = Arc::new(Serving {
            suppliers: session.suppliers.iter().map(|s| s.operator).collect(),
            ring,
            grace: shared_end.grace_period_end_offset_blocks.get(),
        });
        let mut map = lock(&self.sessions);
        let entry = map
            .entry(header.session_id.clone())
            .or_insert_with(|| {
                Arc::new(SessionEntry {
                    header: header.clone(),
                    service: h.service_id.clone(),
                    target,
                    policy,
                    serving: Mutex::new(None),
                    windows: Mutex::new(None),
                    budget_cu,
                    suppliers: Mutex::new(HashMap::new()),
                })
            })
            .clone();
        drop(map);
        *lock(&entry.serving) = Some(serving.clone());
        if windows.is_some() {
            *lock(&entry.windows) = windows;
        }
        // A restored session learns its budget now.
        for st in lock(&entry.suppliers).values_mut() {
            st.meter.budget_cu = budget_cu;
        }
        Ok((entry, serving))
    }

    /// decode → accept → meter: the relay's session, supplier, key and reservation.
    async fn prepare(&self, body: &[u8]) -> Result<Prepared, Refusal> {
        if self.stopping.load(Ordering::Acquire) {
            return Err(Refusal {
                status: StatusCode::SERVICE_UNAVAILABLE,
                kind: "unavailable",
                code: "shutting_down",
                message: "the relay miner is shutting down".into(),
            });
        }
        let req = steps::decode(body)?;
        let h = req.meta.session_header.clone().unwrap_or_default();
        let (entry, serving) = self.entry(&h).await?;
        let accepted = steps::accept(
            req,
            &SessionView {
                header: &entry.header,
                suppliers: &serving.suppliers,
                ring: &serving.ring,
                grace: serving.grace,
            },
            self.height(),
            &self.own,
        )?;
        let supplier = accepted.supplier();
        let key = match &self.impostor_key {
            Some(k) => k.clone(),
            None => self.keys.get(&supplier).cloned().ok_or_else(|| {
                Refusal::rejected("not_our_supplier", "supplier is not served here")
            })?,
        };
        let svc = self
            .services
            .get(&entry.service)
            .cloned()
            .ok_or_else(|| Refusal::rejected("unknown_service", "service not served here"))?;
        self.metrics.accepted(&entry.service);
        let reserved = entry.policy.estimate();
        self.with_supplier(&entry, supplier, |st| {
            if st.sealed {
                return Err(Refusal::rejected(
                    "session_claimed",
                    "the session's claim is built; no more relays are served for it",
                ));
            }
            st.meter.reserve(reserved)
        })?;
        Ok(Prepared {
            entry,
            supplier,
            key,
            accepted,
            reserved,
            svc,
        })
    }

    /// sign → mine (stored before returning): the encoded signed response to a whole answer.
    /// Backend errors (non-2xx) are answered (signed) but not mined.
    async fn finish_whole(
        &self,
        p: Prepared,
        status: u16,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, Refusal> {
        let res = steps::sign(&p.entry.header, status, content_type, body, &p.key);
        let bytes = res.encode();
        if (200..300).contains(&status) {
            let relay = Relay {
                req: Some(p.accepted.into_request()),
                res: Some(res),
            };
            self.mine(&p.entry, p.supplier, &relay, p.reserved).await?;
        } else {
            self.unreserve(&p.entry, p.supplier, p.reserved);
        }
        Ok(bytes)
    }

    /// The hot path with the backend's answer given instead of forwarded: decode → accept →
    /// meter → sign → mine (written to the store before it returns). Returns the encoded signed
    /// `RelayResponse`. For benches and tests of the steps without a backend.
    pub async fn answer_relay(
        &self,
        body: &[u8],
        status: u16,
        content_type: &str,
        answer: Vec<u8>,
    ) -> Result<Vec<u8>, Refusal> {
        let p = self.prepare(body).await?;
        self.finish_whole(p, status, content_type, answer).await
    }

    /// Serves one relay request body: every step; the signed answer (whole) or a stream.
    pub async fn handle(self: &Arc<Self>, body: &[u8]) -> Result<Response, Refusal> {
        let p = self.prepare(body).await?;
        let (http_req, url) = steps::backend_request(&p.accepted, &p.svc.backend_url)
            .inspect_err(|_| self.unreserve(&p.entry, p.supplier, p.reserved))?;
        let started = Instant::now();
        let timeout = Duration::from_millis(p.svc.backend_timeout_ms);
        let answer = steps::forward(&self.http, &http_req, &url, timeout, p.svc.max_answer_bytes)
            .await
            .inspect_err(|_| self.unreserve(&p.entry, p.supplier, p.reserved))?;
        self.metrics
            .backend_latency
            .observe(started.elapsed().as_secs_f64());
        match answer {
            Answer::Stream { status, response } => {
                let max = p.svc.max_answer_bytes;
                Ok(self.stream(
                    p.entry,
                    p.supplier,
                    p.key,
                    p.accepted.into_request(),
                    status,
                    response,
                    timeout,
                    max,
                    p.reserved,
                ))
            }
            Answer::Whole {
                status,
                content_type,
                body,
            } => {
                let bytes = self.finish_whole(p, status, &content_type, body).await?;
                Ok((
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/octet-stream")],
                    bytes,
                )
                    .into_response())
            }
        }
    }

    fn with_supplier<R>(
        &self,
        entry: &SessionEntry,
        supplier: Address,
        f: impl FnOnce(&mut SupplierState) -> R,
    ) -> R {
        let mut map = lock(&entry.suppliers);
        let st = map.entry(supplier).or_insert_with(|| SupplierState {
            tree: SessionTree::new(entry.header.clone(), supplier, entry.target, entry.policy),
            record: SessionRecord {
                application: entry.header.application_address.clone(),
                service: entry.header.service_id.clone(),
                session_id: entry.header.session_id.clone(),
                start: entry.header.session_start_block_height,
                end: entry.header.session_end_block_height,
                supplier: supplier.to_string(),
                target: hex::encode(entry.target.as_bytes()),
                policy: policy_record(&entry.policy),
                stage: Stage::Open,
            },
            meter: Meter {
                budget_cu: entry.budget_cu,
                used_cu: 0,
            },
            busy: false,
            sealed: false,
        });
        f(st)
    }

    fn unreserve(&self, entry: &SessionEntry, supplier: Address, reserved: u64) {
        self.with_supplier(entry, supplier, |st| st.meter.settle(reserved, 0));
    }

    /// **mine**: offers a served relay to its (session, supplier) tree and, when it is inserted,
    /// writes it to the store before returning (the caller answers after). [RM-STORE-1]
    async fn mine(
        &self,
        entry: &SessionEntry,
        supplier: Address,
        relay: &Relay,
        reserved: u64,
    ) -> Result<Mined, Refusal> {
        let weight = entry.policy.try_weight(relay).map_or(0, ComputeUnits::get);
        let (mined, record) = self.with_supplier(entry, supplier, |st| {
            st.meter.settle(reserved, weight);
            if st.sealed {
                return (Mined::NotApplicable, None);
            }
            let m = st.tree.offer(relay);
            (
                m,
                matches!(m, Mined::Inserted(_)).then(|| st.record.clone()),
            )
        });
        if let Some(record) = record {
            let hash = relay_hash(relay, entry.policy.keeps_payload());
            self.store
                .put_relay(&record, &hash, relay.encode())
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "store write failed; relay not answered");
                    Refusal {
                        status: StatusCode::SERVICE_UNAVAILABLE,
                        kind: "unavailable",
                        code: "store_unavailable",
                        message: "the relay could not be persisted; not answered".into(),
                    }
                })?;
            self.metrics.mined(&entry.service);
        }
        Ok(mined)
    }

    /// Streams a backend's server-sent events as signed batches; the whole answer is mined (and
    /// stored) before the last batch is sent.
    #[allow(clippy::too_many_arguments)]
    fn stream(
        self: &Arc<Self>,
        entry: Arc<SessionEntry>,
        supplier: Address,
        key: SigningKey,
        relay_req: RelayRequest,
        status: u16,
        resp: reqwest::Response,
        timeout: Duration,
        max_body: usize,
        reserved: u64,
    ) -> Response {
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
        let m = self.clone();
        tokio::spawn(async move {
            let header = entry.header.clone();
            let limits = BatchLimits::HA_RELAY_MINER;
            let start = Instant::now();
            let now = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
            let mut batcher = StreamBatcher::new(limits);
            let mut full = Vec::new();
            let mut pending = Vec::new();
            let mut body = resp.bytes_stream();
            let mut ticker = tokio::time::interval(Duration::from_millis(limits.max_age_ms.max(1)));
            let mut ok = true;
            let sign =
                |b: Vec<u8>| Bytes::from(sign_stream_batch(&header, u32::from(status), b, &key));
            loop {
                tokio::select! {
                    chunk = tokio::time::timeout(timeout, body.next()) => {
                        let chunk = match chunk {
                            Ok(Some(Ok(c))) => c,
                            Ok(None) => break,
                            Ok(Some(Err(_))) | Err(_) => { ok = false; break; }
                        };
                        if full.len() + chunk.len() > max_body {
                            ok = false;
                            break;
                        }
                        full.extend_from_slice(&chunk);
                        pending.extend_from_slice(&chunk);
                        while let Some(i) = pending.iter().position(|b| *b == b'\n') {
                            let line: Vec<u8> = pending.drain(..=i).collect();
                            if let Some(batch) = batcher.push_line(&line, now())
                                && tx.send(sign(batch)).await.is_err()
                            {
                                m.unreserve(&entry, supplier, reserved);
                                return;
                            }
                        }
                    }
                    _ = ticker.tick() => {
                        if let Some(batch) = batcher.tick(now())
                            && tx.send(sign(batch)).await.is_err()
                        {
                            m.unreserve(&entry, supplier, reserved);
                            return;
                        }
                    }
                }
            }
            if !pending.is_empty() {
                let line = std::mem::take(&mut pending);
                if let Some(batch) = batcher.push_line(&line, now()) {
                    let _ = tx.send(sign(batch)).await;
                }
            }
            let last = batcher.finish();
            if ok && (200..300).contains(&status) {
                // The mined relay carries the whole answer, signed as one response.
                let http = PoktHttpResponse {
                    status_code: u32::from(status),
                    header: HttpHeaders::new(),
                    body: full,
                };
                let res = sign_http_response(&header, &http, &key);
                let relay = Relay {
                    req: Some(relay_req),
                    res: Some(res),
                };
                if let Err(r) = m.mine(&entry, supplier, &relay, reserved).await {
                    m.metrics.refused(r.code);
                    return; // the last batch is withheld: the answer did not complete
                }
            } else {
                m.unreserve(&entry, supplier, reserved);
                if !ok {
                    m.metrics.refused("backend_stream");
                }
            }
            if let Some(batch) = last {
                let _ = tx.send(sign(batch)).await;
            }
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

    /// Follows the chain's blocks until `stop` is set: records the height and runs the claim and
    /// proof lifecycle at each block. Survives an unreachable chain (resubscribes with backoff;
    /// relays of known sessions are still served meanwhile).
    pub async fn run_blocks(self: Arc<Self>, stop: Arc<AtomicBool>) {
        let mut backoff = Duration::from_millis(200);
        while !stop.load(Ordering::Acquire) {
            let mut blocks = match self.chain.subscribe_blocks().await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "chain unreachable; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue;
                }
            };
            if let Ok(b) = self.chain.latest_block().await {
                self.on_block(b.height.get());
            }
            loop {
                if stop.load(Ordering::Acquire) {
                    return;
                }
                let next = tokio::time::timeout(Duration::from_millis(500), blocks.next()).await;
                match next {
                    Err(_) => continue,
                    Ok(Some(Ok(b))) => {
                        backoff = Duration::from_millis(200);
                        self.on_block(b.height.get());
                    }
                    Ok(Some(Err(e))) => {
                        tracing::warn!(error = %e, "block stream failed; resubscribing");
                        break;
                    }
                    Ok(None) => break,
                }
            }
            tokio::time::sleep(backoff).await;
        }
    }

    /// One block: the height, then each (session, supplier)'s next step — claim at the claim
    /// window's opening, prove in the proof window when required, prune once settled.
    /// [RM-CLAIM-1]
    pub fn on_block(self: &Arc<Self>, height: i64) {
        let prev = self.height.fetch_max(height, Ordering::AcqRel);
        let height = height.max(prev);
        self.metrics.height.set(height);
        self.metrics.store_size.set(self.store.size_bytes());
        self.metrics.store_commits.set(self.store.commits());
        let entries: Vec<Arc<SessionEntry>> = lock(&self.sessions).values().cloned().collect();
        let mut open = 0i64;
        for e in entries {
            let w = *lock(&e.windows);
            let Some(w) = w else {
                let m = self.clone();
                let e2 = e.clone();
                tokio::spawn(async move {
                    let end = BlockHeight::new(e2.header.session_end_block_height);
                    if let Ok(w) = host::windows(&m.chain, end).await {
                        *lock(&e2.windows) = Some(w);
                    }
                });
                continue;
            };
            let h = BlockHeight::new(height);
            let mut tasks = Vec::new();
            {
                let mut sups = lock(&e.suppliers);
                open += i64::try_from(sups.len()).unwrap_or(0);
                for (addr, st) in sups.iter_mut() {
                    if st.busy {
                        continue;
                    }
                    let empty = st.tree.root().count() == 0;
                    match st.record.stage {
                        _ if h > w.settlement_height => {
                            st.busy = true;
                            tasks.push(Task::Prune(*addr));
                        }
                        Stage::Open
                            if !empty
                                && h >= w.earliest_claim_commit
                                && h <= w.claim_window_close =>
                        {
                            st.busy = true;
                            st.sealed = true;
                            tasks.push(Task::Claim(*addr));
                        }
                        Stage::Claimed
                            if h >= w.earliest_proof_commit && h <= w.proof_window_close =>
                        {
                            st.busy = true;
                            tasks.push(Task::Prove(*addr));
                        }
                        _ => {}
                    }
                }
            }
            for t in tasks {
                let m = self.clone();
                let e = e.clone();
                tokio::spawn(async move { m.run_task(&e, w, t).await });
            }
        }
        self.metrics.sessions_open.set(open);
    }

    async fn run_task(self: Arc<Self>, e: &Arc<SessionEntry>, w: Windows, t: Task) {
        let addr = match t {
            Task::Claim(a) | Task::Prove(a) | Task::Prune(a) => a,
        };
        let outcome = match t {
            Task::Claim(a) => self.claim(e, a, &w).await,
            Task::Prove(a) => self.prove(e, a, &w).await,
            Task::Prune(a) => self.prune(e, a).await,
        };
        let mut sups = lock(&e.suppliers);
        if let Some(st) = sups.get_mut(&addr) {
            st.busy = false;
            if let Some(stage) = outcome {
                st.record.stage = stage;
            }
        }
        if matches!(t, Task::Prune(_)) {
            sups.remove(&addr);
            if sups.is_empty() {
                drop(sups);
                lock(&self.sessions).remove(&e.header.session_id);
            }
        }
    }

    async fn set_stage(&self, e: &SessionEntry, a: Address, stage: Stage) -> Option<Stage> {
        let record = lock(&e.suppliers).get(&a).map(|st| {
            let mut r = st.record.clone();
            r.stage = stage;
            r
        })?;
        match self.store.set_record(&record).await {
            Ok(()) => Some(stage),
            Err(err) => {
                tracing::error!(error = %err, "store: could not record the stage");
                None
            }
        }
    }

    /// Claims a (session, supplier) tree unless the chain already has the claim (never twice),
    /// or its fee would exceed its value (skipped, logged). [RM-CLAIM-2]
    async fn claim(&self, e: &SessionEntry, a: Address, w: &Windows) -> Option<Stage> {
        let sid = &e.header.session_id;
        match self.chain.claim(sid, &a).await {
            Ok(Some(_)) => {
                tracing::info!(session = %sid, supplier = %a, "claim already on chain");
                return self.set_stage(e, a, Stage::Claimed).await;
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(session = %sid, error = %err, "claim lookup failed; retrying next block");
                return None;
            }
        }
        let (msg, sum) = {
            let sups = lock(&e.suppliers);
            let st = sups.get(&a)?;
            (st.tree.claim(), st.tree.root().sum())
        };
        if self.cfg.claims.skip_unprofitable
            && let Some(reason) = self.unprofitable(e, sum).await
        {
            tracing::warn!(session = %sid, supplier = %a, %reason, "claim skipped: its fee would exceed its value");
            self.metrics.claims_skipped.inc();
            return self.set_stage(e, a, Stage::Done).await;
        }
        let sub = self.submitters.get(&a)?;
        match sub
            .submit(&[TxMsg::CreateClaim(msg)], w.claim_window_close)
            .await
        {
            Ok(r) => {
                tracing::info!(session = %sid, supplier = %a, height = %r.height, compute_units = sum, "claim included");
                self.metrics.claims_submitted.inc();
                self.set_stage(e, a, Stage::Claimed).await
            }
            Err(err) => {
                // A duplicate (e.g. a first copy landed late) is still a claim on chain.
                if let Ok(Some(_)) = self.chain.claim(sid, &a).await {
                    return self.set_stage(e, a, Stage::Claimed).await;
                }
                tracing::error!(session = %sid, supplier = %a, error = %err, "claim failed");
                self.metrics.claims_failed.inc();
                self.set_stage(e, a, Stage::Done).await
            }
        }
    }

    /// `Some(reason)` when the claim's expected fee exceeds its value.
    async fn unprofitable(&self, e: &SessionEntry, sum: u64) -> Option<String> {
        let start = BlockHeight::new(e.header.session_start_block_height);
        let shared = self.chain.shared_params(start).await.ok()?;
        let pricing = pokt_tokenomics::ClaimPricing::new(e.target, &shared);
        let value = pokt_tokenomics::claimed_upokt(ComputeUnits::new(sum), &pricing).ok()?;
        let price = parse_decimal("chain.gas_price_upokt", &self.cfg.chain.gas_price_upokt).ok()?;
        let adj = parse_decimal("chain.gas_adjustment", &self.cfg.chain.gas_adjustment).ok()?;
        let gas = adj.mul_ceil(self.cfg.claims.claim_gas_estimate).ok()?;
        let fee = price.mul_ceil(gas).ok()?;
        let value_u = value.capped_at(pokt_primitives::Upokt::new(u64::MAX)).get();
        (value_u < fee).then(|| format!("value {value_u} uPOKT, fee about {fee} uPOKT"))
    }

    /// Proves a claimed tree when the chain requires it (its own draw). [RM-CLAIM-3]
    async fn prove(&self, e: &SessionEntry, a: Address, w: &Windows) -> Option<Stage> {
        let sid = &e.header.session_id;
        let claim = match self.chain.claim(sid, &a).await {
            Ok(Some(c)) => c,
            Ok(None) => {
                tracing::error!(session = %sid, supplier = %a, "claim not found on chain at the proof window");
                return self.set_stage(e, a, Stage::Done).await;
            }
            Err(err) => {
                tracing::warn!(session = %sid, error = %err, "claim lookup failed; retrying next block");
                return None;
            }
        };
        let required = match host::claim_proof_requirement(&self.chain, &claim).await {
            Ok(r) => r.requirement.is_required(),
            Err(err) => {
                tracing::warn!(session = %sid, error = %err, "proof requirement unknown; retrying next block");
                return None;
            }
        };
        if !required {
            tracing::info!(session = %sid, supplier = %a, "no proof required");
            self.metrics.proofs_not_required.inc();
            return self.set_stage(e, a, Stage::Done).await;
        }
        let seed_height = BlockHeight::new(w.proof_window_open.get().saturating_sub(1));
        let seed = match self.chain.block(seed_height).await {
            Ok(b) => b.hash,
            Err(err) => {
                tracing::warn!(session = %sid, error = %err, "seed block unavailable; retrying next block");
                return None;
            }
        };
        let msg = {
            let sups = lock(&e.suppliers);
            sups.get(&a)?.tree.proof(&seed)
        };
        let sub = self.submitters.get(&a)?;
        match sub
            .submit(&[TxMsg::SubmitProof(msg)], w.proof_window_close)
            .await
        {
            Ok(r) => {
                tracing::info!(session = %sid, supplier = %a, height = %r.height, "proof included");
                self.metrics.proofs_submitted.inc();
                self.set_stage(e, a, Stage::Done).await
            }
            Err(err) => {
                tracing::error!(session = %sid, supplier = %a, error = %err, "proof failed");
                self.metrics.proofs_failed.inc();
                self.set_stage(e, a, Stage::Done).await
            }
        }
    }

    /// Drops a settled or expired (session, supplier) from memory and the store. [RM-STORE-4]
    async fn prune(&self, e: &SessionEntry, a: Address) -> Option<Stage> {
        let record = lock(&e.suppliers).get(&a).map(|st| st.record.clone())?;
        if record.stage == Stage::Open {
            let count = lock(&e.suppliers)
                .get(&a)
                .map_or(0, |st| st.tree.root().count());
            if count > 0 {
                tracing::error!(session = %record.session_id, supplier = %a, relays = count, "session expired unclaimed");
            }
        }
        if let Err(err) = self.store.remove(&record).await {
            tracing::error!(error = %err, "store: prune failed");
        }
        None
    }

    /// Graceful stop: refuse new relays, wait (≤ grace) for in-flight ones, sync the store.
    /// [RM-OPS-2]
    pub async fn shutdown(&self) {
        self.stopping.store(true, Ordering::Release);
        let grace = Duration::from_millis(self.cfg.server.shutdown_grace_ms);
        let n = u32::try_from(self.cfg.server.max_concurrent_relays).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(grace, self.slots.acquire_many(n)).await;
        if let Err(e) = self.store.sync().await {
            tracing::error!(error = %e, "store: final sync failed");
        }
        self.store.close();
    }

    /// Binds `addr` and serves until `shutdown` resolves, then stops gracefully.
    pub async fn serve(
        self: &Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await?;
        self.shutdown().await;
        Ok(())
    }

    /// The bound address helper for tests and embedding: binds and spawns [`RelayMiner::serve`]
    /// until the returned sender is dropped or sent to.
    pub async fn spawn(
        self: &Arc<Self>,
        addr: SocketAddr,
    ) -> std::io::Result<(SocketAddr, tokio::sync::oneshot::Sender<()>)> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let m = self.clone();
        tokio::spawn(async move {
            let _ = m
                .serve(listener, async move {
                    let _ = rx.await;
                })
                .await;
        });
        Ok((bound, tx))
    }
}

/// A relay past decode, accept and meter.
struct Prepared {
    entry: Arc<SessionEntry>,
    supplier: Address,
    key: SigningKey,
    accepted: pokt_relay::AcceptedRelay,
    reserved: u64,
    svc: ServiceConfig,
}

#[derive(Clone, Copy, Debug)]
enum Task {
    Claim(Address),
    Prove(Address),
    Prune(Address),
}

async fn metrics_handler<C: Chain>(State(m): State<Arc<RelayMiner<C>>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        m.metrics.encode(),
    )
}

async fn relay_handler<C: Chain>(State(m): State<Arc<RelayMiner<C>>>, body: Bytes) -> Response {
    let Ok(_permit) = m.slots.clone().acquire_owned().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    match m.handle(&body).await {
        Ok(r) => r,
        Err(refusal) => {
            m.metrics.refused(refusal.code);
            tracing::debug!(code = refusal.code, message = %refusal.message, "relay refused");
            (refusal.status, axum::Json(refusal.body())).into_response()
        }
    }
}
