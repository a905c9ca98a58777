//! The client test suite, written once and run against every [`Chain`]: the in-process devnet
//! (crates/chain/tests/inprocess.rs) and `pokt devnet` as a separate process over real sockets
//! (crates/cli/tests/devnet_process.rs).
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::missing_panics_doc
)]

mod claims;
mod queries;
mod txs;

pub use claims::{a_late_first_copy_is_the_result, claims_and_proofs_settle};
pub use queries::{blocks_and_subscription, params, sessions_and_rings};
pub use txs::{bad_transactions_refused, rejected_broadcast_retried, sequence_mismatch_recovered};

use std::future::Future;
use std::time::Duration;

use pokt_chain::genesis::{
    Genesis, GenesisAccount, GenesisApplication, GenesisGateway, GenesisParams, GenesisService,
    GenesisSupplier, TxRules,
};
use pokt_chain::host;
use pokt_chain::tx::{TxFields, TxMsg, sign_tx};
use pokt_chain::{BlockRef, Chain, ChainError, SubmitConfig, SubmitError, Submitter};
use pokt_crypto::SigningKey;
use pokt_mining::{FixedComputeUnits, ProofRequirement, SessionTree};
use pokt_primitives::{
    Address, BlockHeight, MsgCreateClaim, Relay, RelayResponse, ServiceId, SessionHeader,
};
use pokt_relay::{new_request, sign_request, sign_response};
use rand_chacha::rand_core::SeedableRng;

/// A network under test: a chain and a way to make a block now.
pub trait Net: Send + Sync {
    /// The chain implementation.
    type C: Chain;
    /// The client.
    fn chain(&self) -> &Self::C;
    /// Makes one block and returns it.
    fn mine(&self) -> impl Future<Output = BlockRef> + Send;
}

pub fn key(b: u8) -> SigningKey {
    SigningKey::from_bytes(&[b; 32]).unwrap()
}

pub const CHAIN_ID: &str = "pokt-devnet-test";
pub const COMPUTE_UNITS: u64 = 100;

pub fn service() -> ServiceId {
    ServiceId::new("llm").unwrap()
}
pub fn app() -> SigningKey {
    key(1)
}
pub fn gateway() -> SigningKey {
    key(2)
}
pub fn service_owner() -> SigningKey {
    key(9)
}
/// Supplier operators (owners are `owner(i)`).
pub fn suppliers() -> Vec<SigningKey> {
    (10..13).map(key).collect()
}
pub fn owner(i: usize) -> SigningKey {
    key(20 + u8::try_from(i).unwrap())
}
/// Accounts that only fill the mempool.
pub fn fillers() -> Vec<SigningKey> {
    (30..34).map(key).collect()
}

/// Mempool size of the test genesis (small, so a test can fill it).
pub const MEMPOOL: usize = 4;

/// The test genesis: DevnetConfig::small's params (4-block sessions, every claim proven), one
/// service, an application delegating to a gateway, three suppliers, funded fillers.
pub fn genesis() -> Genesis {
    let cfg = pokt_devnet::DevnetConfig::small().unwrap();
    let pk = |k: &SigningKey| hex::encode(k.verifying_key().to_bytes());
    let mut accounts: Vec<GenesisAccount> = suppliers()
        .iter()
        .chain(fillers().iter())
        .map(|k| GenesisAccount {
            address: k.address(),
            public_key: None,
            balance_upokt: 1_000_000_000,
        })
        .collect();
    accounts.push(GenesisAccount {
        address: owner(0).address(),
        public_key: Some(pk(&owner(0))),
        balance_upokt: 5,
    });
    Genesis {
        chain_id: CHAIN_ID.into(),
        genesis_time: 1_767_225_600,
        seed: "5e".repeat(32),
        params: GenesisParams::from_config(&cfg),
        tx: TxRules {
            max_mempool_txs: MEMPOOL,
            ..TxRules::default()
        },
        accounts,
        services: vec![GenesisService {
            id: service(),
            name: "LLM".into(),
            compute_units_per_relay: COMPUTE_UNITS,
            owner: service_owner().address(),
            target_num_relays: 1_000,
            token_pricing: None,
        }],
        gateways: vec![GenesisGateway {
            public_key: pk(&gateway()),
            stake_upokt: 1_000_000,
        }],
        applications: vec![GenesisApplication {
            public_key: pk(&app()),
            stake_upokt: 5_000_000_000,
            services: vec![service()],
            delegatees: vec![gateway().address()],
        }],
        suppliers: suppliers()
            .iter()
            .enumerate()
            .map(|(i, k)| GenesisSupplier {
                public_key: pk(k),
                owner: owner(i).address(),
                stake_upokt: 100_000_000,
                services: vec![service()],
                rev_shares: vec![],
                endpoint: Some(format!("http://127.0.0.1:{}", 8500 + i)),
            })
            .collect(),
    }
}

/// A submitter with short waits (the tests make the blocks).
pub fn submitter<C: Chain>(chain: &C, k: &SigningKey) -> Submitter<C> {
    Submitter::new(
        chain.clone(),
        k.clone(),
        SubmitConfig {
            inclusion_timeout: Duration::from_secs(3),
            poll_interval: Duration::from_millis(20),
            backoff_initial: Duration::from_millis(20),
            backoff_max: Duration::from_millis(200),
            ..SubmitConfig::new()
        },
    )
}

pub async fn mine_to<N: Net>(net: &N, height: i64) -> BlockRef {
    let mut b = net.chain().latest_block().await.unwrap();
    while b.height.get() < height {
        b = net.mine().await;
    }
    b
}

/// The application's session at height 5 (mined to) and its windows.
pub async fn first_session<N: Net>(net: &N) -> (pokt_chain::ChainSession, pokt_session::Windows) {
    let c = net.chain();
    let b = mine_to(net, 5).await;
    let s = c
        .session(&app().address(), &service(), b.height)
        .await
        .unwrap();
    let w = host::windows(c, BlockHeight::new(s.header.session_end_block_height))
        .await
        .unwrap();
    (s, w)
}

/// Serves `n` relays of `session` by `supplier` (ring-signed by the gateway) into a tree.
pub async fn serve<C: Chain>(
    chain: &C,
    header: &SessionHeader,
    supplier: &SigningKey,
    n: usize,
) -> SessionTree<FixedComputeUnits> {
    let end = BlockHeight::new(header.session_end_block_height);
    let ring = host::ring(chain, &app().address(), end).await.unwrap();
    let target = chain
        .difficulty(
            &service(),
            BlockHeight::new(header.session_start_block_height),
        )
        .await
        .unwrap()
        .target_hash;
    let addr = supplier.address();
    let mut tree = SessionTree::new(
        header.clone(),
        addr,
        target,
        FixedComputeUnits::new(pokt_primitives::ComputeUnits::new(COMPUTE_UNITS)),
    );
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
    for i in 0..n {
        let mut req = new_request(header, &addr, format!("prompt {i}").into_bytes());
        sign_request(&mut req, &ring, &gateway(), &mut rng).unwrap();
        let mut res = RelayResponse {
            payload: format!("answer {i}").into_bytes(),
            ..RelayResponse::default()
        };
        res.meta.session_header = Some(header.clone());
        sign_response(&mut res, supplier);
        tree.offer(&Relay {
            req: Some(req),
            res: Some(res),
        });
    }
    tree
}
