//! A whole network on loopback in one process: a devnet, a model backend (the stand-in unless a
//! URL is given), two relay miners serving two suppliers each, and a gateway for one application.
//! The `llm_demo` example and the end-to-end test start it. Keys are fixed demo keys — never use
//! them on a real network.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use pokt_crypto::SigningKey;
use pokt_devnet::{Devnet, DevnetConfig, DevnetEvent, ServiceDef};
use pokt_primitives::{Address, ComputeUnits, ServiceId, Upokt};
use pokt_relay::llm::TokenPricing;

use super::SharedChain;
use super::backend::{self, STAND_IN_MODEL, StandIn};
use super::gateway::{Gateway, GatewayConfig};
use super::relayer::{RelayMiner, RelayMinerConfig};

/// How to build the network.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// The model backend's base URL; `None` starts the stand-in backend.
    pub backend: Option<String>,
    /// The model name the gateway lists.
    pub model: String,
    /// The service id.
    pub service: String,
    /// Compute units per relay (POKT's fixed price).
    pub compute_units_per_relay: u64,
    /// Token pricing (extension); `None` for POKT's fixed compute units.
    pub token_pricing: Option<TokenPricing>,
    /// How long a backend may take.
    pub backend_timeout: Duration,
    /// How long a relay miner may take.
    pub relay_timeout: Duration,
    /// Where the gateway listens (port 0 picks one).
    pub gateway_addr: SocketAddr,
    /// Test hook: the second relay miner signs with a wrong key (a misbehaving supplier).
    pub impostor: bool,
    /// The chain's parameters.
    pub chain: DevnetConfig,
}

impl NetworkConfig {
    /// The stand-in backend, fixed compute units (100 per relay), the small devnet, any port.
    pub fn standard() -> anyhow::Result<Self> {
        Ok(Self {
            backend: None,
            model: STAND_IN_MODEL.into(),
            service: "llm".into(),
            compute_units_per_relay: 100,
            token_pricing: None,
            backend_timeout: Duration::from_secs(30),
            relay_timeout: Duration::from_secs(60),
            gateway_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            impostor: false,
            chain: DevnetConfig::small().context("devnet params")?,
        })
    }
}

/// A running network.
pub struct Network {
    /// The shared chain.
    pub chain: SharedChain,
    /// The gateway.
    pub gateway: Arc<Gateway>,
    /// The gateway's base URL (`http://127.0.0.1:PORT`).
    pub gateway_url: String,
    /// The relay miners and their base URLs.
    pub miners: Vec<(Arc<RelayMiner>, String)>,
    /// The backend's base URL.
    pub backend_url: String,
    /// The application's key.
    pub app: SigningKey,
    /// The gateway's key.
    pub gateway_key: SigningKey,
    /// The suppliers' operator keys (each supplier owns itself).
    pub suppliers: Vec<SigningKey>,
    /// The service's owner (the model's source).
    pub source_owner: Address,
    /// The service.
    pub service: ServiceId,
}

/// The demo's actors: an application delegated to a gateway, and four suppliers (each its own
/// owner), all staked for one service.
pub struct DemoActors {
    /// The application (key byte 1).
    pub app: SigningKey,
    /// The gateway (key byte 2).
    pub gateway: SigningKey,
    /// The suppliers' operator keys (key bytes 10–13).
    pub suppliers: Vec<SigningKey>,
}

/// Funds and stakes the demo's actors for `service` (which the chain must know).
pub fn stake_demo_actors(chain: &mut Devnet, service: &ServiceId) -> anyhow::Result<DemoActors> {
    let (app, gateway) = (demo_key(1)?, demo_key(2)?);
    let suppliers = (10..14).map(demo_key).collect::<anyhow::Result<Vec<_>>>()?;
    for k in [&app, &gateway].into_iter().chain(&suppliers) {
        chain.fund(k.address(), Upokt::new(10_000_000_000))?;
    }
    chain.stake_application(
        app.verifying_key(),
        Upokt::new(5_000_000_000),
        vec![service.clone()],
    )?;
    chain.stake_gateway(gateway.verifying_key(), Upokt::new(1_000_000))?;
    chain.delegate(&app.address(), &gateway.address())?;
    for s in &suppliers {
        chain.stake_supplier(
            s.verifying_key(),
            s.address(),
            Upokt::new(1_000_000_000),
            vec![service.clone()],
            vec![],
        )?;
    }
    Ok(DemoActors {
        app,
        gateway,
        suppliers,
    })
}

/// A fixed demo key.
pub fn demo_key(b: u8) -> anyhow::Result<SigningKey> {
    SigningKey::from_bytes(&[b; 32]).context("demo key")
}

impl Network {
    /// Starts everything and advances the chain to the first session the suppliers serve.
    pub async fn start(cfg: NetworkConfig) -> anyhow::Result<Self> {
        let backend_url = match &cfg.backend {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => {
                let a = backend::serve(SocketAddr::from(([127, 0, 0, 1], 0)), StandIn::default())
                    .await?;
                format!("http://{a}")
            }
        };
        let mut chain = Devnet::new(cfg.chain.clone())?;
        let service = ServiceId::new(&cfg.service)?;
        let source_owner = demo_key(90)?.address();
        chain.add_service(ServiceDef {
            id: service.clone(),
            compute_units_per_relay: ComputeUnits::new(cfg.compute_units_per_relay),
            owner: source_owner,
            target_num_relays: 10_000,
            token_pricing: cfg.token_pricing,
        });
        let DemoActors {
            app,
            gateway: gateway_key,
            suppliers,
        } = stake_demo_actors(&mut chain, &service)?;
        let chain: SharedChain = Arc::new(Mutex::new(chain));
        let mut miners = Vec::new();
        for (i, group) in suppliers.chunks(2).enumerate() {
            let mut mc = RelayMinerConfig::new(group.to_vec(), backend_url.clone());
            mc.backend_timeout = cfg.backend_timeout;
            if cfg.impostor && i == 1 {
                mc.impostor_key = Some(demo_key(66)?);
            }
            let m = RelayMiner::new(chain.clone(), mc);
            let url = format!(
                "http://{}",
                m.serve(SocketAddr::from(([127, 0, 0, 1], 0))).await?
            );
            for s in group {
                lock(&chain)?.set_supplier_endpoint(&s.address(), url.clone())?;
            }
            miners.push((m, url));
        }
        {
            // Suppliers serve from the session after the one they staked in.
            let mut c = lock(&chain)?;
            let next = c.next_session_start(c.height())?;
            c.advance_to(next)?;
        }
        let mut gc = GatewayConfig::new(gateway_key.clone(), app.address(), service.clone());
        gc.models = vec![cfg.model.clone()];
        gc.relay_timeout = cfg.relay_timeout;
        let gateway = Gateway::new(chain.clone(), gc).map_err(|e| anyhow::anyhow!("{e}"))?;
        let gateway_url = format!("http://{}", gateway.serve(cfg.gateway_addr).await?);
        Ok(Self {
            chain,
            gateway,
            gateway_url,
            miners,
            backend_url,
            app,
            gateway_key,
            suppliers,
            source_owner,
            service,
        })
    }

    /// Makes one block and lets the relay miners claim and prove; returns the block's events.
    pub fn advance(&self) -> anyhow::Result<Vec<DevnetEvent>> {
        let before = lock(&self.chain)?.events().len();
        lock(&self.chain)?.advance()?;
        for (m, _) in &self.miners {
            m.on_block();
        }
        let c = lock(&self.chain)?;
        Ok(c.events().get(before..).unwrap_or(&[]).to_vec())
    }
}

/// Locks the chain.
pub fn lock(chain: &SharedChain) -> anyhow::Result<std::sync::MutexGuard<'_, Devnet>> {
    chain
        .lock()
        .map_err(|_| anyhow::anyhow!("chain lock poisoned"))
}
