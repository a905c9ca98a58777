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

/// Blocks: chain id, latest and past blocks, the subscription in order without gaps.
pub async fn blocks_and_subscription<N: Net>(net: &N) {
    let c = net.chain();
    assert_eq!(c.chain_id().await.unwrap(), CHAIN_ID);
    let first = c.block(BlockHeight::new(1)).await.unwrap();
    assert_eq!(first.time_ms, genesis().genesis_time * 1000);
    let latest = c.latest_block().await.unwrap();
    let mut stream = c.subscribe_blocks().await.unwrap();
    let mut made = Vec::new();
    for _ in 0..3 {
        made.push(net.mine().await);
    }
    for m in &made {
        let got = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("a block within 10 s")
            .unwrap()
            .unwrap();
        assert_eq!(got, *m);
    }
    assert_eq!(made[0].height.get(), latest.height.get() + 1);
    assert_eq!(c.block(made[1].height).await.unwrap(), made[1]);
    assert!(matches!(
        c.block(BlockHeight::new(made[2].height.get() + 100)).await,
        Err(ChainError::NotFound { .. })
    ));
}

/// Params as the genesis set them.
pub async fn params<N: Net>(net: &N) {
    let c = net.chain();
    let cfg = genesis().config().unwrap();
    assert_eq!(
        c.shared_params(BlockHeight::new(1)).await.unwrap(),
        cfg.shared
    );
    assert_eq!(
        c.session_params().await.unwrap().num_suppliers_per_session,
        u64::try_from(cfg.num_suppliers_per_session).unwrap()
    );
    assert_eq!(c.proof_params().await.unwrap(), cfg.proof);
    assert_eq!(c.tokenomics_params().await.unwrap(), cfg.tokenomics);
    let svc = c.service(&service()).await.unwrap();
    assert_eq!(
        (svc.compute_units_per_relay, svc.owner, svc.name.as_str()),
        (COMPUTE_UNITS, service_owner().address(), "LLM")
    );
    // A fresh service mines every relay.
    let d = c.difficulty(&service(), BlockHeight::new(1)).await.unwrap();
    assert_eq!(d.target_hash.as_bytes(), &[0xff; 32]);
    assert!(matches!(
        c.service(&ServiceId::new("nope").unwrap()).await,
        Err(ChainError::NotFound { .. })
    ));
}

/// Sessions, the application, suppliers, accounts and rings.
pub async fn sessions_and_rings<N: Net>(net: &N) {
    let c = net.chain();
    let b = mine_to(net, 5).await;
    let s = c
        .session(&app().address(), &service(), b.height)
        .await
        .unwrap();
    assert_eq!(s.header.application_address, app().address().as_str());
    assert_eq!(s.header.session_start_block_height, 5);
    assert_eq!(s.header.session_end_block_height, 8);
    assert_eq!(s.num_blocks_per_session, 4);
    // Independent derivation of the id: SHA-256 over (block hash at start ‖ service ‖ app ‖ start).
    let start_hash = c.block(BlockHeight::new(5)).await.unwrap().hash;
    let pre = pokt_session::session_id_preimage(
        Some(&start_hash),
        &service(),
        &app().address(),
        BlockHeight::new(5),
    );
    assert_eq!(s.header.session_id, pokt_session::session_id(&pre).to_hex());
    let mut got: Vec<Address> = s.suppliers.iter().map(|x| x.operator).collect();
    got.sort();
    let mut want: Vec<Address> = suppliers().iter().map(SigningKey::address).collect();
    want.sort();
    assert_eq!(got, want, "3 staked suppliers, 3 per session");
    assert_eq!(
        s.suppliers[0]
            .endpoint(&service())
            .map(|u| u.starts_with("http://127.0.0.1:")),
        Some(true)
    );
    assert_eq!(s.application.delegatee_gateways, vec![gateway().address()]);
    let sup = c.supplier(&suppliers()[1].address()).await.unwrap();
    assert_eq!(
        (sup.owner, sup.stake_upokt),
        (owner(1).address(), 100_000_000)
    );
    assert_eq!(sup.services[0].activation_height, 5);
    let g = c.gateway(&gateway().address()).await.unwrap();
    assert_eq!(g.stake_upokt, 1_000_000);
    let a = c.account(&app().address()).await.unwrap();
    assert_eq!(a.public_key, Some(app().verifying_key()));
    // Staked at genesis with their keys; an owner's key is unknown until it signs.
    assert_eq!(
        c.account(&suppliers()[0].address())
            .await
            .unwrap()
            .public_key,
        Some(suppliers()[0].verifying_key())
    );
    assert_eq!(
        c.account(&owner(1).address()).await.unwrap().public_key,
        None
    );
    let ring = host::ring(c, &app().address(), BlockHeight::new(8))
        .await
        .unwrap();
    let mut want = vec![app().verifying_key(), gateway().verifying_key()];
    want.sort_by_key(|k| k.address().to_string());
    assert_eq!(ring, want);
    assert!(matches!(
        c.application(&key(99).address()).await,
        Err(ChainError::NotFound { .. })
    ));
    assert!(matches!(
        c.session(&key(99).address(), &service(), b.height).await,
        Err(ChainError::NotFound { .. } | ChainError::Refused { .. })
    ));
}

/// Claims and proofs as signed transactions, then settlement (the whole relay-mining cycle).
pub async fn claims_and_proofs_settle<N: Net>(net: &N) {
    let c = net.chain();
    let b = mine_to(net, 5).await;
    let s = c
        .session(&app().address(), &service(), b.height)
        .await
        .unwrap();
    let w = host::windows(c, BlockHeight::new(s.header.session_end_block_height))
        .await
        .unwrap();
    let sup = suppliers()[0].clone();
    let tree = serve(c, &s.header, &sup, 12).await;
    assert_eq!(tree.root().count(), 12);
    let sub = submitter(c, &sup);
    // Delivered in the first block of the claim window.
    mine_to(net, w.claim_window_open.get() - 1).await;
    let fee_before = c.balance(&sup.address()).await.unwrap();
    let pending = sub
        .broadcast(&[TxMsg::CreateClaim(tree.claim())])
        .await
        .unwrap();
    assert_eq!(pending.sequence, 0);
    let blk = net.mine().await;
    let r = c.tx(&pending.hash).await.unwrap().expect("included");
    assert_eq!((r.code, r.height), (0, blk.height), "{}", r.log);
    assert!(r.gas_used > 0 && r.gas_used <= r.gas_wanted);
    assert!(
        r.events
            .iter()
            .any(|e| e.kind == "pocket.proof.EventClaimCreated")
    );
    let paid = fee_before - c.balance(&sup.address()).await.unwrap();
    assert!(paid > 0, "the fee is paid");
    let acc = c.account(&sup.address()).await.unwrap();
    assert_eq!(
        (acc.sequence, acc.public_key),
        (1, Some(sup.verifying_key()))
    );
    let claims = c.claims(&sup.address()).await.unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].root_hash, tree.root().as_bytes().to_vec());
    let stored = c
        .claim(&s.header.session_id, &sup.address())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, claims[0]);
    // The proof: built on the seed block, delivered in the first block of the proof window.
    mine_to(net, w.proof_window_open.get() - 1).await;
    let draw = host::claim_proof_requirement(c, &stored).await.unwrap();
    assert_eq!(
        draw.requirement,
        ProofRequirement::Threshold,
        "threshold 0: always"
    );
    let seed = c
        .block(BlockHeight::new(w.proof_window_open.get() - 1))
        .await
        .unwrap()
        .hash;
    let pending = sub
        .broadcast(&[TxMsg::SubmitProof(tree.proof(&seed))])
        .await
        .unwrap();
    assert_eq!(pending.sequence, 1);
    net.mine().await;
    let r = c.tx(&pending.hash).await.unwrap().expect("included");
    assert_eq!(r.code, 0, "{}", r.log);
    let ev = r
        .events
        .iter()
        .find(|e| e.kind == "pocket.proof.EventProofSubmitted")
        .unwrap();
    assert_eq!(
        ev.attribute("proof_validation_status").as_deref(),
        Some("VALIDATED")
    );
    // Settlement.
    let owner_before = c.balance(&owner(0).address()).await.unwrap();
    mine_to(net, w.settlement_height.get()).await;
    let events = c.block_events(w.settlement_height).await.unwrap();
    let settled = events
        .iter()
        .find(|e| e.kind == "pocket.tokenomics.EventClaimSettled")
        .expect("settled at the settlement height");
    assert_eq!(
        settled.attribute("session_id").unwrap(),
        s.header.session_id
    );
    assert_eq!(
        settled.attribute("proof_requirement").as_deref(),
        Some("THRESHOLD")
    );
    // 12 relays × 100 compute units × 42 uPOKT per unit (small params, every relay mined).
    assert_eq!(
        settled.attribute("settled_upokt").unwrap(),
        format!("{}upokt", 12 * COMPUTE_UNITS * 42)
    );
    assert!(c.claims(&sup.address()).await.unwrap().is_empty());
    assert!(c.balance(&owner(0).address()).await.unwrap() > owner_before);
    // The settled relays update the service's difficulty from the next session start: the
    // difficulty query agrees with the event, and the target before it is unchanged.
    let upd = events
        .iter()
        .find(|e| e.kind == "pocket.service.EventRelayMiningDifficultyUpdated")
        .expect("difficulty updated at settlement");
    let from: i64 = upd.attribute("effective_height").unwrap().parse().unwrap();
    assert!(from > w.settlement_height.get());
    mine_to(net, from).await;
    let after = c
        .difficulty(&service(), BlockHeight::new(from))
        .await
        .unwrap();
    assert_eq!(
        after.target_hash.to_hex(),
        upd.attribute("new_target_hash").unwrap()
    );
    let before = c
        .difficulty(&service(), BlockHeight::new(from - 1))
        .await
        .unwrap();
    assert_eq!(before.target_hash.as_bytes(), &[0xff; 32]);
}

/// A submitter whose cached sequence went stale (another submitter for the same key sent
/// first) resynchronises on the node's "incorrect account sequence" and succeeds.
pub async fn sequence_mismatch_recovered<N: Net>(net: &N) {
    let c = net.chain();
    let sup = suppliers()[1].clone();
    let (a, b) = (submitter(c, &sup), submitter(c, &sup));
    let msg = |root: u8| {
        TxMsg::CreateClaim(MsgCreateClaim {
            supplier_operator_address: sup.address().to_string(),
            session_header: None,
            root_hash: vec![root; 48],
        })
    };
    // `a` spends sequences 0 and 1; `b`, syncing from the committed state (1), is told by the
    // node that the mempool already holds 1 and moves to 2.
    let p1 = a.broadcast(&[msg(1)]).await.unwrap();
    assert_eq!(p1.sequence, 0);
    net.mine().await;
    let r1 = c.tx(&p1.hash).await.unwrap().unwrap();
    assert_ne!(
        r1.code, 0,
        "a claim without a session fails, but the sequence is spent"
    );
    let p2 = a.broadcast(&[msg(2)]).await.unwrap();
    assert_eq!(p2.sequence, 1);
    let p3 = b.broadcast(&[msg(3)]).await.unwrap();
    assert_eq!(
        p3.sequence, 2,
        "resynchronised past the mempool's pending sequence"
    );
    net.mine().await;
    for p in [p2, p3] {
        let r = c.tx(&p.hash).await.unwrap().expect("included");
        assert_eq!(r.codespace, "proof", "ante passed: {}", r.log);
    }
    assert_eq!(c.account(&sup.address()).await.unwrap().sequence, 3);
}

/// A broadcast the node refuses for a passing reason (mempool full) is retried with backoff
/// while blocks are made, and succeeds.
pub async fn rejected_broadcast_retried<N: Net>(net: &N) {
    let c = net.chain();
    let b = mine_to(net, 5).await;
    let s = c
        .session(&app().address(), &service(), b.height)
        .await
        .unwrap();
    let w = host::windows(c, BlockHeight::new(s.header.session_end_block_height))
        .await
        .unwrap();
    let sup = suppliers()[2].clone();
    let tree = serve(c, &s.header, &sup, 3).await;
    mine_to(net, w.claim_window_open.get() - 1).await;
    // Fill the mempool.
    for (i, f) in fillers().iter().enumerate().take(MEMPOOL) {
        let r = submitter(c, f)
            .broadcast(&[TxMsg::CreateClaim(MsgCreateClaim {
                supplier_operator_address: f.address().to_string(),
                session_header: None,
                root_hash: vec![u8::try_from(i).unwrap(); 48],
            })])
            .await;
        assert!(r.is_ok(), "{r:?}");
    }
    let sub = std::sync::Arc::new(submitter(c, &sup));
    let claim = [TxMsg::CreateClaim(tree.claim())];
    match sub.broadcast(&claim).await {
        Err(SubmitError::Rejected {
            code: 20,
            codespace,
            ..
        }) => assert_eq!(codespace, "sdk"),
        other => panic!("expected mempool is full, got {other:?}"),
    }
    let deadline = w.claim_window_close;
    let task = {
        let sub = sub.clone();
        tokio::spawn(async move { sub.submit(&claim, deadline).await })
    };
    let start = std::time::Instant::now();
    while !task.is_finished() {
        assert!(start.elapsed() < Duration::from_secs(30), "bounded");
        tokio::time::sleep(Duration::from_millis(100)).await;
        net.mine().await;
    }
    let r = task.await.unwrap().unwrap();
    assert_eq!(r.code, 0, "{}", r.log);
    assert!(r.height <= w.claim_window_close);
    assert_eq!(c.claims(&sup.address()).await.unwrap().len(), 1);
}

fn sign_with(k: &SigningKey, msgs: &[TxMsg], f: TxFields) -> Vec<u8> {
    sign_tx(k, msgs, &f).tx_raw
}

/// Replayed, wrongly signed, wrong-chain and malformed transactions are refused with Cosmos
/// codes, and change nothing.
pub async fn bad_transactions_refused<N: Net>(net: &N) {
    let c = net.chain();
    let sup = suppliers()[0].clone();
    let addr = sup.address();
    let msg = [TxMsg::CreateClaim(MsgCreateClaim {
        supplier_operator_address: addr.to_string(),
        session_header: None,
        root_hash: vec![9; 48],
    })];
    let acc = c.account(&addr).await.unwrap();
    let good = TxFields {
        chain_id: CHAIN_ID.into(),
        account_number: acc.account_number,
        sequence: 0,
        gas_limit: 200_000,
        fee_upokt: 200,
        ..TxFields::default()
    };
    let code = |r: pokt_chain::BroadcastResult| (r.codespace, r.code);
    // Wrong chain id: the signature does not verify here.
    let wrong_chain = sign_with(
        &sup,
        &msg,
        TxFields {
            chain_id: "pocket".into(),
            ..good.clone()
        },
    );
    assert_eq!(
        code(c.broadcast(&wrong_chain).await.unwrap()),
        ("sdk".into(), 4)
    );
    // Wrong account number.
    let wrong_number = sign_with(
        &sup,
        &msg,
        TxFields {
            account_number: acc.account_number + 1,
            ..good.clone()
        },
    );
    assert_eq!(
        code(c.broadcast(&wrong_number).await.unwrap()),
        ("sdk".into(), 4)
    );
    // Signed by another key: its public key does not match the signer.
    let other = sign_with(&key(77), &msg, good.clone());
    assert_eq!(code(c.broadcast(&other).await.unwrap()), ("sdk".into(), 8));
    // The supplier's public key with another key's signature.
    let real = sign_tx(&sup, &msg, &good);
    let mut forged: pokt_chain::proto::cosmos::TxRaw =
        prost::Message::decode(real.tx_raw.as_slice()).unwrap();
    forged.signatures = vec![key(77).sign(&real.sign_doc).to_bytes().to_vec()];
    let forged = prost::Message::encode_to_vec(&forged);
    assert_eq!(code(c.broadcast(&forged).await.unwrap()), ("sdk".into(), 4));
    // Fee below the minimum gas price; gas below the need.
    let cheap = sign_with(
        &sup,
        &msg,
        TxFields {
            fee_upokt: 1,
            ..good.clone()
        },
    );
    assert_eq!(code(c.broadcast(&cheap).await.unwrap()), ("sdk".into(), 13));
    let low_gas = sign_with(
        &sup,
        &msg,
        TxFields {
            gas_limit: 1_000,
            fee_upokt: 1,
            ..good.clone()
        },
    );
    assert_eq!(
        code(c.broadcast(&low_gas).await.unwrap()),
        ("sdk".into(), 11)
    );
    // Malformed and oversized bytes.
    assert_eq!(
        code(c.broadcast(&[0xff, 0x01, 0x02]).await.unwrap()),
        ("sdk".into(), 2)
    );
    let huge = vec![0u8; (1 << 20) + 1];
    assert_eq!(code(c.broadcast(&huge).await.unwrap()), ("sdk".into(), 21));
    // Nothing changed.
    let after = c.account(&addr).await.unwrap();
    assert_eq!(after, acc);
    // A good one is admitted; the same bytes again are refused; a replay with the spent sequence
    // (new bytes) is refused once included.
    let ok = sign_with(&sup, &msg, good.clone());
    assert_eq!(code(c.broadcast(&ok).await.unwrap()), (String::new(), 0));
    assert_eq!(code(c.broadcast(&ok).await.unwrap()), ("sdk".into(), 19));
    net.mine().await;
    assert_eq!(code(c.broadcast(&ok).await.unwrap()), ("sdk".into(), 19));
    let replay = sign_with(
        &sup,
        &msg,
        TxFields {
            memo: "again".into(),
            ..good.clone()
        },
    );
    let r = c.broadcast(&replay).await.unwrap();
    assert_eq!((r.codespace.as_str(), r.code), ("sdk", 32));
    assert!(r.log.contains("expected 1, got 0"), "{}", r.log);
    assert_eq!(c.account(&addr).await.unwrap().sequence, 1);
    // Simulation reports the devnet's gas; lookups of what does not exist.
    let sim = c
        .simulate(&sign_with(
            &sup,
            &msg,
            TxFields {
                sequence: 1,
                ..good
            },
        ))
        .await
        .unwrap();
    assert!(sim.gas_used > 40_000);
    assert_eq!(
        c.tx(&pokt_chain::tx::TxHash::of(b"nothing")).await.unwrap(),
        None
    );
    assert_eq!(c.claim(&"ab".repeat(32), &addr).await.unwrap(), None);
}
