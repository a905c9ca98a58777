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
use pokt_mining::{FixedComputeUnits, Leaf, Mined, SessionTree, TokenMetered};
use pokt_primitives::{
    Address, BlockHeight, ComputeUnits, HttpHeaders, Message, PoktHttpResponse, Relay,
    RelayRequest, ServiceId, SessionHeader, TargetHash,
};
use pokt_relay::PreparedRing;
use pokt_relay::llm::{BatchLimits, StreamBatcher, sign_http_response, sign_stream_batch};
use pokt_session::{WindowOffsets, Windows};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::{Config, ServiceConfig, parse_decimal};
use crate::keys::OperatorKeys;
use crate::metrics::Metrics;
use crate::steps::{self, Answer, HostPolicy, Meter, Refusal, SessionView, budget_compute_units};
use crate::store::{PolicyRecord, SessionRecord, Stage, Store, StoreError, StoreOptions};

/// The content type of a signed-batch stream.
pub const STREAM_CONTENT_TYPE: &str = "application/x-pokt-stream";

mod lifecycle;
mod relay;

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
        let store = Store::open_with(
            &cfg.resolve(&cfg.store.path),
            StoreOptions {
                sync_interval: Duration::from_millis(cfg.store.sync_interval_ms),
                commit_delay: Duration::from_micros(cfg.store.commit_delay_us),
            },
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
                .tcp_nodelay(true)
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
            // The meter restarts from the served compute units (stored with every served relay;
            // the mined ones for a store written before they were). [RM-METER-2]
            let used_cu = u128::from(tree.root().sum().max(r.served_cu));
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

    /// Relays in flight through the router: each holds one of `server.max_concurrent_relays`
    /// slots from its arrival until its answer is complete — a stream until its last batch is
    /// sent. [RM-OPS-3]
    pub fn relays_in_flight(&self) -> usize {
        self.cfg
            .server
            .max_concurrent_relays
            .saturating_sub(self.slots.available_permits())
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
        use axum::serve::ListenerExt as _;
        // A stream's signed batches leave at once, not after the client's delayed
        // acknowledgement (Nagle): time to first token.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
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
    // Held until the answer is complete: a whole answer's when the handler returns, a stream's
    // when its last batch is sent (or the client goes away). [RM-OPS-3]
    let Ok(permit) = m.slots.clone().acquire_owned().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    match m.serve_relay(&body, Some(permit)).await {
        Ok(r) => r,
        Err(refusal) => {
            m.metrics.refused(refusal.code);
            tracing::debug!(code = refusal.code, message = %refusal.message, "relay refused");
            (refusal.status, axum::Json(refusal.body())).into_response()
        }
    }
}
