//! Shared fixtures of the relay miner's tests: an in-process devnet with one application and one
//! supplier, a miner over it with its store in a temporary directory, signed relays.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pokt_chain::genesis::{
    Genesis, GenesisAccount, GenesisApplication, GenesisParams, GenesisService, GenesisSupplier,
    TxRules,
};
use pokt_chain::{Chain, InProcessChain, host};
use pokt_crypto::SigningKey;
use pokt_primitives::{BlockHeight, Message, PoktHttpRequest, RelayRequest, ServiceId};
use pokt_relayminer::{Config, OperatorKeys, RelayMiner};
use rand_chacha::rand_core::SeedableRng;

/// A key of 32 bytes `b`.
pub fn key(b: u8) -> SigningKey {
    SigningKey::from_bytes(&[b; 32]).unwrap()
}

/// The application, supplier and owner keys.
pub fn keys() -> (SigningKey, SigningKey, SigningKey) {
    (key(1), key(2), key(3))
}

/// A devnet whose application stakes `stake` uPOKT for service `llm` (100 CU a relay), four
/// blocks in (the supplier serves from the current session).
pub fn chain(stake: u64) -> InProcessChain {
    let (app, supplier, owner) = keys();
    let pk = |k: &SigningKey| hex::encode(k.verifying_key().to_bytes());
    let llm = ServiceId::new("llm").unwrap();
    let chain = InProcessChain::from_genesis(Genesis {
        chain_id: "pokt-devnet".into(),
        genesis_time: 1_767_225_600,
        seed: "00".repeat(32),
        params: GenesisParams::from_config(&pokt_devnet::DevnetConfig::small().unwrap()),
        tx: TxRules::default(),
        accounts: vec![GenesisAccount {
            address: supplier.address(),
            public_key: None,
            balance_upokt: 1_000_000,
        }],
        services: vec![GenesisService {
            id: llm.clone(),
            name: "LLM".into(),
            compute_units_per_relay: 100,
            owner: owner.address(),
            target_num_relays: 1_000,
            token_pricing: None,
        }],
        gateways: vec![],
        applications: vec![GenesisApplication {
            public_key: pk(&app),
            stake_upokt: stake,
            services: vec![llm.clone()],
            delegatees: vec![],
        }],
        suppliers: vec![GenesisSupplier {
            public_key: pk(&supplier),
            owner: owner.address(),
            stake_upokt: 1_000_000,
            services: vec![llm],
            rev_shares: vec![],
            endpoint: Some("http://127.0.0.1:8545".into()),
        }],
    })
    .unwrap();
    for _ in 0..4 {
        chain.make_block().unwrap();
    }
    chain
}

/// A fresh temporary directory named after `tag`.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pokt-rm-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A miner for the supplier over `chain`, backend `backend`, store in `dir`; `server` and
/// `meter` are extra lines of those tables.
pub fn miner(
    chain: &InProcessChain,
    dir: &Path,
    backend: &str,
    server: &str,
    meter: &str,
) -> Arc<RelayMiner<InProcessChain>> {
    let cfg = Config::from_toml(
        &format!(
            r#"
            [chain]
            chain_id = "pokt-devnet"
            rpc_url = "http://127.0.0.1:26657"
            grpc_url = "http://127.0.0.1:9090"
            [server]
            listen = "127.0.0.1:0"
            {server}
            [[services]]
            id = "llm"
            backend_url = "{backend}"
            [suppliers]
            key_env = ["POKT_SUPPLIER_KEY"]
            [store]
            path = "relayminer.redb"
            [meter]
            {meter}
            "#
        ),
        dir,
    )
    .unwrap();
    RelayMiner::new(chain.clone(), cfg, OperatorKeys::from_keys([keys().1])).unwrap()
}

/// A relay request to the supplier, signed by the application, carrying a chat completion of
/// `body` (JSON) in the session at the chain's latest height.
pub async fn signed_relay(chain: &InProcessChain, body: &str, seed: u64) -> RelayRequest {
    let (app, supplier, _) = keys();
    let llm = ServiceId::new("llm").unwrap();
    let latest = chain.latest_block().await.unwrap();
    let session = chain
        .session(&app.address(), &llm, latest.height)
        .await
        .unwrap();
    let end = session.header.session_end_block_height;
    let ring = host::ring(chain, &app.address(), BlockHeight::new(end))
        .await
        .unwrap();
    let http = PoktHttpRequest {
        method: "POST".into(),
        url: "/v1/chat/completions".into(),
        body: body.as_bytes().to_vec(),
        ..PoktHttpRequest::default()
    };
    let mut req = pokt_relay::new_request(&session.header, &supplier.address(), http.encode());
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    pokt_relay::sign_request(&mut req, &ring, &app, &mut rng).unwrap();
    req
}
