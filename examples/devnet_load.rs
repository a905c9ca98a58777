//! Measures `pokt devnet` over real loopback sockets: the claim-and-proof round trip of a relay
//! miner (build + sign + simulate + broadcast + block + inclusion, for each message), how many
//! signed transactions per second the devnet admits (gRPC BroadcastTx, concurrent clients) and
//! executes, and how long a restart takes to rebuild the state from its store.
//!
//! `cargo run --release -p pokt-examples --example devnet_load [-- --txs 5000 --blocks 3000]`
//! Bounded: a fixed count of everything, loopback only, stops by itself.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use pokt_chain::genesis::{
    Genesis, GenesisAccount, GenesisApplication, GenesisGateway, GenesisParams, GenesisService,
    GenesisSupplier, TxRules,
};
use pokt_chain::server::{Devnet, ServeConfig};
use pokt_chain::tx::{TxFields, TxMsg, sign_tx};
use pokt_chain::{Chain, RemoteChain, RemoteConfig, SubmitConfig, Submitter, host};
use pokt_crypto::SigningKey;
use pokt_mining::{FixedComputeUnits, SessionTree};
use pokt_primitives::{BlockHeight, MsgCreateClaim, Relay, RelayResponse, ServiceId};
use pokt_relay::{new_request, sign_request, sign_response};
use rand_chacha::rand_core::SeedableRng;

#[derive(Parser, Debug)]
struct Args {
    /// Signed transactions broadcast for the throughput figure.
    #[arg(long, default_value_t = 5_000)]
    txs: usize,
    /// Concurrent broadcasting clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Claim-and-proof round trips (one per supplier and session).
    #[arg(long, default_value_t = 4)]
    sessions: usize,
    /// Blocks in the store for the restart figure.
    #[arg(long, default_value_t = 3_000)]
    blocks: u64,
}

fn key(tag: &str, i: usize) -> anyhow::Result<SigningKey> {
    use sha2::Digest;
    let h: [u8; 32] = sha2::Sha256::new()
        .chain_update(tag.as_bytes())
        .chain_update(i.to_be_bytes())
        .finalize()
        .into();
    Ok(SigningKey::from_bytes(&h)?)
}

const SENDERS: usize = 100;

fn genesis(suppliers: &[SigningKey], app: &SigningKey, gw: &SigningKey) -> anyhow::Result<Genesis> {
    let cfg = pokt_devnet::DevnetConfig::small()?;
    let pk = |k: &SigningKey| hex::encode(k.verifying_key().to_bytes());
    let service = ServiceId::new("llm")?;
    let mut accounts = Vec::new();
    for i in 0..SENDERS {
        accounts.push(GenesisAccount {
            address: key("sender", i)?.address(),
            public_key: None,
            balance_upokt: 10_000_000_000,
        });
    }
    for s in suppliers {
        accounts.push(GenesisAccount {
            address: s.address(),
            public_key: None,
            balance_upokt: 10_000_000_000,
        });
    }
    Ok(Genesis {
        chain_id: "pokt-devnet-load".into(),
        genesis_time: pokt_chain::now_ms() / 1000,
        seed: "42".repeat(32),
        params: GenesisParams::from_config(&cfg),
        tx: TxRules {
            max_mempool_txs: 1_000_000,
            max_block_txs: 1_000_000,
            ..TxRules::default()
        },
        accounts,
        services: vec![GenesisService {
            id: service.clone(),
            name: String::new(),
            compute_units_per_relay: 100,
            owner: key("source", 0)?.address(),
            target_num_relays: 100_000,
            token_pricing: None,
        }],
        gateways: vec![GenesisGateway {
            public_key: pk(gw),
            stake_upokt: 1_000_000,
        }],
        applications: vec![GenesisApplication {
            public_key: pk(app),
            stake_upokt: 1_000_000_000_000,
            services: vec![service.clone()],
            delegatees: vec![gw.address()],
        }],
        suppliers: suppliers
            .iter()
            .map(|s| GenesisSupplier {
                public_key: pk(s),
                owner: s.address(),
                stake_upokt: 100_000_000,
                services: vec![service.clone()],
                rev_shares: vec![],
                endpoint: None,
            })
            .collect(),
    })
}

fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    let n = v.len().max(1);
    let total: Duration = v.iter().sum();
    format!(
        "n = {}, median {:.2} ms, mean {:.2} ms, max {:.2} ms",
        v.len(),
        v.get(n / 2).map_or(0.0, |d| d.as_secs_f64() * 1e3),
        total.as_secs_f64() * 1e3 / n as f64,
        v.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let home = std::env::temp_dir().join(format!("pokt-devnet-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home)?;
    let suppliers: Vec<SigningKey> = (0..3)
        .map(|i| key("supplier", i))
        .collect::<Result<_, _>>()?;
    let (app, gw) = (key("app", 0)?, key("gateway", 0)?);
    let g = genesis(&suppliers, &app, &gw)?;
    let store = home.join("devnet.redb");
    let devnet = Devnet::open(&store, Some(g.clone()))?;
    let running = devnet
        .serve(&ServeConfig {
            rpc_addr: "127.0.0.1:0".parse()?,
            grpc_addr: "127.0.0.1:0".parse()?,
            block_time: None,
        })
        .await?;
    let chain = RemoteChain::new(RemoteConfig::new(
        format!("http://{}", running.rpc_addr),
        format!("http://{}", running.grpc_addr),
    ))?;
    println!(
        "pokt devnet on rpc {} grpc {}",
        running.rpc_addr, running.grpc_addr
    );

    // ----- claim-and-proof round trips -----
    let service = ServiceId::new("llm")?;
    let submitters: Vec<Submitter<RemoteChain>> = suppliers
        .iter()
        .map(|k| {
            Submitter::new(
                chain.clone(),
                k.clone(),
                SubmitConfig {
                    poll_interval: Duration::from_millis(1),
                    ..SubmitConfig::new()
                },
            )
        })
        .collect();
    let (mut claims, mut proofs) = (Vec::new(), Vec::new());
    devnet.mine(4)?; // suppliers active from height 5
    for _ in 0..args.sessions {
        let h = chain.latest_block().await?.height;
        let s = chain.session(&app.address(), &service, h).await?;
        let end = BlockHeight::new(s.header.session_end_block_height);
        let w = host::windows(&chain, end).await?;
        let ring = host::ring(&chain, &app.address(), end).await?;
        let mut trees = Vec::new();
        for sup in &suppliers {
            let mut tree = SessionTree::new(
                s.header.clone(),
                sup.address(),
                pokt_primitives::TargetHash::from_bytes([0xff; 32]),
                FixedComputeUnits::new(pokt_primitives::ComputeUnits::new(100)),
            );
            let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
            for i in 0..20 {
                let mut req = new_request(&s.header, &sup.address(), format!("q{i}").into_bytes());
                sign_request(&mut req, &ring, &gw, &mut rng)?;
                let mut res = RelayResponse {
                    payload: format!("a{i}").into_bytes(),
                    ..RelayResponse::default()
                };
                res.meta.session_header = Some(s.header.clone());
                sign_response(&mut res, sup);
                tree.offer(&Relay {
                    req: Some(req),
                    res: Some(res),
                });
            }
            trees.push(tree);
        }
        let to = |target: i64| {
            let (chain, devnet) = (&chain, &devnet);
            async move {
                let now = chain.latest_block().await?.height.get();
                if target > now {
                    devnet.mine(u64::try_from(target - now)?)?;
                }
                anyhow::Ok(())
            }
        };
        to(w.claim_window_open.get() - 1).await?;
        for (sub, tree) in submitters.iter().zip(&trees) {
            let t = Instant::now();
            let p = sub.broadcast(&[TxMsg::CreateClaim(tree.claim())]).await?;
            devnet.mine(1)?;
            let r = sub
                .wait_for_inclusion(&p.hash, Duration::from_secs(10))
                .await?
                .context("claim not included")?;
            claims.push(t.elapsed());
            if r.code != 0 {
                bail!("claim failed: {}", r.log);
            }
        }
        to(w.proof_window_open.get() - 1).await?;
        let seed = chain
            .block(BlockHeight::new(w.proof_window_open.get() - 1))
            .await?
            .hash;
        for (sub, tree) in submitters.iter().zip(&trees) {
            let t = Instant::now();
            let p = sub
                .broadcast(&[TxMsg::SubmitProof(tree.proof(&seed))])
                .await?;
            devnet.mine(1)?;
            let r = sub
                .wait_for_inclusion(&p.hash, Duration::from_secs(10))
                .await?
                .context("proof not included")?;
            proofs.push(t.elapsed());
            if r.code != 0 {
                bail!("proof failed: {}", r.log);
            }
        }
        to(w.settlement_height.get() + 1).await?;
    }
    println!(
        "claim round trip (build, sign, simulate, broadcast, block, inclusion): {}",
        stats(claims)
    );
    println!(
        "proof round trip (same, proof validated at delivery):               {}",
        stats(proofs)
    );

    // ----- throughput -----
    let chain_id = chain.chain_id().await?;
    let per = args.txs.div_ceil(SENDERS);
    let mut signed = Vec::with_capacity(args.txs);
    for i in 0..SENDERS {
        let k = key("sender", i)?;
        let acc = chain.account(&k.address()).await?;
        for seq in 0..per {
            if signed.len() == args.txs {
                break;
            }
            let m = TxMsg::CreateClaim(MsgCreateClaim {
                supplier_operator_address: k.address().to_string(),
                session_header: None,
                root_hash: vec![7; 48],
            });
            signed.push(
                sign_tx(
                    &k,
                    &[m],
                    &TxFields {
                        chain_id: chain_id.clone(),
                        account_number: acc.account_number,
                        sequence: acc.sequence + u64::try_from(seq)?,
                        gas_limit: 200_000,
                        fee_upokt: 200,
                        ..TxFields::default()
                    },
                )
                .tx_raw,
            );
        }
    }
    // One queue per sender so that each sender's sequences arrive in order.
    let mut queues: Vec<Vec<Vec<u8>>> = vec![Vec::new(); args.clients.max(1)];
    let nq = queues.len();
    for (i, chunk) in signed.chunks(per).enumerate() {
        queues[i % nq].extend(chunk.iter().cloned());
    }
    let t = Instant::now();
    let mut tasks = Vec::new();
    for q in queues {
        let c = chain.clone();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0usize;
            for tx in q {
                if c.broadcast(&tx).await.map(|r| r.code == 0).unwrap_or(false) {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut admitted = 0;
    for task in tasks {
        admitted += task.await?;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "broadcast: {admitted}/{} admitted in {:.2} s = {:.0} tx/s over gRPC ({} clients)",
        signed.len(),
        secs,
        admitted as f64 / secs,
        args.clients
    );
    let t = Instant::now();
    let b = devnet.mine(1)?;
    let secs = t.elapsed().as_secs_f64();
    let included = devnet
        .chain()
        .with_node(|n| n.block(b.height.get()).map_or(0, |r| r.txs.len()));
    println!(
        "block {} executed {included} transactions in {:.2} s = {:.0} tx/s (delivery, incl. store)",
        b.height,
        secs,
        included as f64 / secs
    );

    // ----- restart -----
    let before = devnet.chain().with_node(|n| n.height());
    let target = args.blocks;
    let now = u64::try_from(before)?;
    if target > now {
        let t = Instant::now();
        devnet.mine(target - now)?;
        println!(
            "made {} empty blocks in {:.2} s (each stored before it is announced)",
            target - now,
            t.elapsed().as_secs_f64()
        );
    }
    running.stop().await;
    let height = devnet.chain().with_node(|n| n.height());
    drop(devnet);
    let t = Instant::now();
    let again = Devnet::open(&store, None)?;
    let secs = t.elapsed().as_secs_f64();
    let h2 = again.chain().with_node(|n| n.height());
    if h2 != height {
        bail!("restart rebuilt height {h2}, expected {height}");
    }
    println!("restart: {height} blocks ({admitted} transactions) replayed in {secs:.2} s");
    drop(again);
    let _ = std::fs::remove_dir_all(&home);
    Ok(())
}
