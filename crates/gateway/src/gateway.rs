//! The gateway's state: applications and their signers, services with their QoS and sessions,
//! the chain it reads them from, and the block loop that rolls sessions over. [GW-ROLL-1]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use pokt_chain::Chain;
use pokt_crypto::VerifyingKey;
use pokt_primitives::{Address, BlockHeight, BlockInterval, ServiceId, SessionHeader};
use pokt_qos::{Qos, QosSnapshot, Routing, SessionWindow};
use pokt_relay::{PreparedRing, PreparedSigner};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::access::Access;
use crate::config::{GatewayConfig, Signer};
use crate::metrics::Metrics;
use crate::openai::ApiError;
use crate::usage::UsageCheck;
use crate::watcher::WatcherState;

/// Why a gateway cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// The QoS settings are refused.
    #[error("qos: {0}")]
    Qos(#[from] pokt_qos::ConfigError),
    /// A tokenizer file is refused.
    #[error(transparent)]
    Tokenizer(#[from] crate::usage::TokenizerError),
    /// The system's random source failed.
    #[error("random source: {0}")]
    Random(String),
    /// The HTTP client could not be built.
    #[error("http client: {0}")]
    Http(String),
}

/// A session requests go to: its header (as relays carry it), the application's ring, and its
/// suppliers' relay-miner URLs and keys.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) header: SessionHeader,
    pub(crate) ring: Arc<PreparedRing>,
    pub(crate) suppliers: HashMap<Address, (String, VerifyingKey)>,
}

/// A service's QoS: one `Qos` (scores are the supplier's, whatever the application), one
/// `Routing` per application, the generator plans draw from.
pub(crate) struct QosState {
    pub(crate) qos: Qos<Address>,
    pub(crate) routes: HashMap<Address, Routing<Address, Arc<Target>>>,
    pub(crate) rng: ChaCha20Rng,
}

/// A service the gateway offers.
pub(crate) struct ServiceState {
    pub(crate) id: ServiceId,
    pub(crate) models: Vec<String>,
    pub(crate) usage: UsageCheck,
    pub(crate) qos: Mutex<QosState>,
    /// One session fetch at a time per service (requests that find no session wait for it).
    pub(crate) fetching: tokio::sync::Mutex<()>,
}

impl ServiceState {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, QosState> {
        // Nothing panics while the lock is held; a poisoned lock still holds consistent state.
        self.qos.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An application and the signer of its relays.
pub(crate) struct AppState {
    pub(crate) signer: Arc<PreparedSigner>,
    pub(crate) services: Vec<ServiceId>,
}

/// An OpenAI-compatible POKT gateway over a chain `C`.
pub struct Gateway<C: Chain> {
    pub(crate) chain: C,
    pub(crate) cfg: GatewayConfig,
    pub(crate) apps: HashMap<Address, AppState>,
    pub(crate) services: Vec<ServiceState>,
    pub(crate) access: Access,
    pub(crate) height: AtomicI64,
    pub(crate) epoch: Instant,
    pub(crate) rng: Mutex<ChaCha20Rng>,
    pub(crate) supplier_keys: Mutex<HashMap<Address, VerifyingKey>>,
    pub(crate) rings: Mutex<HashMap<(Address, i64), Arc<PreparedRing>>>,
    pub(crate) http: reqwest::Client,
    pub(crate) metrics: Metrics,
    pub(crate) watcher: Mutex<WatcherState>,
    pub(crate) in_flight: tokio::sync::Semaphore,
}

/// Most supplier keys and rings cached (beyond it the cache is cleared and refilled).
const CACHE_CAP: usize = 4096;

fn seed() -> Result<[u8; 32], GatewayError> {
    let mut s = [0u8; 32];
    getrandom::fill(&mut s).map_err(|e| GatewayError::Random(e.to_string()))?;
    Ok(s)
}

impl<C: Chain> Gateway<C> {
    /// A gateway over `chain` with `cfg` (already validated by [`GatewayConfig::load`]).
    pub fn new(chain: C, cfg: GatewayConfig) -> Result<Arc<Self>, GatewayError> {
        let gateway_signer = cfg.key.as_ref().map(|k| Arc::new(PreparedSigner::new(k)));
        let mut apps = HashMap::new();
        for a in &cfg.applications {
            let signer = match (&a.signer, &gateway_signer) {
                (Signer::Held(k), _) => Arc::new(PreparedSigner::new(k)),
                (Signer::Delegated, Some(g)) => g.clone(),
                // GatewayConfig's validation refuses a delegated application without a key.
                (Signer::Delegated, None) => continue,
            };
            apps.insert(
                a.address,
                AppState {
                    signer,
                    services: a.services.clone(),
                },
            );
        }
        let mut services = Vec::new();
        for s in &cfg.services {
            let usage = match &s.tokenizer {
                Some(p) => UsageCheck::with_tokenizer(p, s.usage_tolerance, s.usage_slack_tokens)?,
                None => UsageCheck::bounds(s.usage_tolerance, s.usage_slack_tokens),
            };
            services.push(ServiceState {
                id: s.id.clone(),
                models: s.models.clone(),
                usage,
                qos: Mutex::new(QosState {
                    qos: Qos::new(cfg.qos.clone())?,
                    routes: HashMap::new(),
                    rng: ChaCha20Rng::from_seed(seed()?),
                }),
                fetching: tokio::sync::Mutex::new(()),
            });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            .pool_max_idle_per_host(256)
            .build()
            .map_err(|e| GatewayError::Http(e.to_string()))?;
        Ok(Arc::new(Self {
            access: Access::new(&cfg.api_keys),
            chain,
            apps,
            services,
            height: AtomicI64::new(0),
            epoch: Instant::now(),
            rng: Mutex::new(ChaCha20Rng::from_seed(seed()?)),
            supplier_keys: Mutex::new(HashMap::new()),
            rings: Mutex::new(HashMap::new()),
            http,
            metrics: Metrics::new(),
            watcher: Mutex::new(WatcherState::default()),
            in_flight: tokio::sync::Semaphore::new(cfg.server.max_in_flight),
            cfg,
        }))
    }

    /// The configuration.
    pub fn config(&self) -> &GatewayConfig {
        &self.cfg
    }

    /// The chain.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    /// The QoS clock: time since the gateway started.
    pub(crate) fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// The service serving `model`.
    pub(crate) fn service_of(&self, model: &str) -> Option<usize> {
        self.services
            .iter()
            .position(|s| s.models.iter().any(|m| m == model))
    }

    /// Every service's QoS state by service id.
    pub fn qos_snapshot(&self) -> BTreeMap<String, QosSnapshot<Address>> {
        let now = self.now();
        self.services
            .iter()
            .map(|s| (s.id.as_str().to_string(), s.lock().qos.snapshot(now)))
            .collect()
    }

    /// The chain height the gateway routes at (the newest block it saw; asks the chain when it
    /// has seen none).
    pub(crate) async fn current_height(&self) -> Result<BlockHeight, ApiError> {
        let h = self.height.load(Ordering::Acquire);
        if h > 0 {
            return Ok(BlockHeight::new(h));
        }
        let b = self.chain.latest_block().await.map_err(|e| {
            ApiError::new(503, "chain_unavailable", format!("chain unreachable: {e}"))
        })?;
        self.height.fetch_max(b.height.get(), Ordering::AcqRel);
        Ok(b.height)
    }

    /// A supplier's public key (from the auth module; cached).
    async fn supplier_key(&self, a: &Address) -> Option<VerifyingKey> {
        if let Some(k) = self
            .supplier_keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(a)
        {
            return Some(*k);
        }
        let k = self.chain.account(a).await.ok()?.public_key?;
        let mut m = self
            .supplier_keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if m.len() >= CACHE_CAP {
            m.clear();
        }
        m.insert(*a, k);
        Some(k)
    }

    /// The application's ring for the session ending at `end` (cached).
    async fn ring(&self, app: &Address, end: BlockHeight) -> Result<Arc<PreparedRing>, ApiError> {
        let key = (*app, end.get());
        if let Some(r) = self
            .rings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Ok(r.clone());
        }
        let keys = pokt_chain::host::ring(&self.chain, app, end)
            .await
            .map_err(|e| ApiError::new(503, "session_error", format!("application ring: {e}")))?;
        let ring = Arc::new(
            PreparedRing::new(&keys)
                .map_err(|e| ApiError::new(500, "server_error", format!("ring: {e}")))?,
        );
        let mut m = self.rings.lock().unwrap_or_else(PoisonError::into_inner);
        if m.len() >= CACHE_CAP {
            m.clear();
        }
        m.insert(key, ring.clone());
        Ok(ring)
    }

    /// Fetches the session of `app` for service `svc` at `height` and installs it (the previous
    /// one stays usable through its grace period). [GW-ROLL-1]
    pub(crate) async fn install_session(
        &self,
        svc: usize,
        app: &Address,
        height: BlockHeight,
    ) -> Result<(), ApiError> {
        let Some(service) = self.services.get(svc) else {
            return Err(ApiError::new(500, "server_error", "no such service"));
        };
        let session = self
            .chain
            .session(app, &service.id, height)
            .await
            .map_err(|e| ApiError::new(503, "session_error", format!("session: {e}")))?;
        let end = BlockHeight::new(session.header.session_end_block_height);
        let start = BlockHeight::new(session.header.session_start_block_height);
        let grace = self
            .chain
            .shared_params(end)
            .await
            .map_err(|e| ApiError::new(503, "session_error", format!("shared params: {e}")))?
            .grace_period_end_offset_blocks;
        let grace_end = end.checked_add(grace).unwrap_or(end);
        let window = SessionWindow::new(start, end, grace_end)
            .map_err(|e| ApiError::new(503, "session_error", e.to_string()))?;
        let ring = self.ring(app, end).await?;
        let mut suppliers = HashMap::new();
        for s in &session.suppliers {
            let Some(url) = s.endpoint(&service.id) else {
                continue;
            };
            let Some(key) = self.supplier_key(&s.operator).await else {
                tracing::warn!(supplier = %s.operator, "supplier has no public key on chain; skipped");
                continue;
            };
            suppliers.insert(s.operator, (url.to_string(), key));
        }
        let members: Vec<Address> = suppliers.keys().copied().collect();
        let target = Arc::new(Target {
            header: session.header.clone(),
            ring,
            suppliers,
        });
        let now = self.now();
        let mut q = service.lock();
        let QosState { qos, routes, .. } = &mut *q;
        let routing = routes.entry(*app).or_default();
        routing.prune(height);
        routing
            .install(qos, window, target, members, now)
            .map_err(|e| ApiError::new(503, "session_error", e.to_string()))?;
        tracing::debug!(service = %service.id, application = %app, start = start.get(), "session installed");
        Ok(())
    }

    /// Makes sure a session of `app` is usable at `height`, fetching it if not.
    pub(crate) async fn ensure_session(
        &self,
        svc: usize,
        app: &Address,
        height: BlockHeight,
    ) -> Result<(), ApiError> {
        let Some(service) = self.services.get(svc) else {
            return Err(ApiError::new(500, "server_error", "no such service"));
        };
        let margin = self.cfg.qos.rollover.margin_blocks;
        let usable = |g: &Self| {
            service
                .lock()
                .routes
                .get(app)
                .is_some_and(|r| r.usable(height, margin).next().is_some())
                && g.services.len() > svc
        };
        if usable(self) {
            return Ok(());
        }
        let _one = service.fetching.lock().await;
        if usable(self) {
            return Ok(());
        }
        self.install_session(svc, app, height).await
    }

    /// What a new block at `height` asks for: prune sessions past their grace period, fetch the
    /// sessions the routing wants (the current one if missing, the next one ahead).
    /// [GW-ROLL-1] [QOS-ROLL-3]
    pub async fn on_block(&self, height: BlockHeight) {
        self.height.fetch_max(height.get(), Ordering::AcqRel);
        let lead = BlockInterval::new(self.cfg.relay.session_lead_blocks);
        for (svc, service) in self.services.iter().enumerate() {
            let apps: Vec<Address> = self
                .apps
                .iter()
                .filter(|(_, a)| a.services.contains(&service.id))
                .map(|(k, _)| *k)
                .collect();
            for app in apps {
                let wanted = {
                    let mut q = service.lock();
                    let r = q.routes.entry(app).or_default();
                    r.prune(height);
                    r.wanted(height, lead)
                };
                if let Some(at) = wanted {
                    let _one = service.fetching.lock().await;
                    if let Err(e) = self.install_session(svc, &app, at).await {
                        // The next session is often not derivable before its first block.
                        tracing::debug!(service = %service.id, application = %app, at = at.get(), error = %e.message, "session not installed yet");
                    }
                }
            }
        }
    }

    /// Follows the chain's blocks until the task is dropped: each block rolls sessions over.
    /// Reconnects with backoff when the stream ends.
    pub async fn follow_blocks(self: Arc<Self>) {
        let mut backoff = Duration::from_millis(200);
        loop {
            match self.chain.subscribe_blocks().await {
                Ok(mut blocks) => {
                    while let Some(b) = blocks.next().await {
                        match b {
                            Ok(b) => {
                                backoff = Duration::from_millis(200);
                                self.on_block(b.height).await;
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "block stream failed");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot subscribe to blocks"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    }

    /// Forgets suppliers idle for an hour (bounded memory), every minute until dropped.
    /// [QOS-MEM-1]
    pub async fn housekeeping(self: Arc<Self>) {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let now = self.now();
            for s in &self.services {
                s.lock().qos.forget_idle(now, Duration::from_secs(3600));
            }
        }
    }
}
