//! `pokt-relayminer` under load, in release mode, over the in-process devnet chain:
//!
//! 1. **hot path with persistence on**: decode → accept (ring signature) → meter → sign → mine,
//!    each mined relay written to the store (its relay log) before its answer is returned, 256
//!    relays in flight on a 2-worker runtime (issue target ≥ 9,000 relays/s on 2 cores), in
//!    rounds alternating with the same steps without the store;
//! 2. **HTTP**: relays per second through the relay miner's HTTP server to the stand-in backend
//!    (`pokt-standin`) and back, 64 clients on loopback;
//! 3. **soak** (`POKT_SOAK_RELAYS`, default 10⁶; 0 skips): that many relays over many sessions
//!    of 8 applications while blocks advance, claims and proofs are submitted and settled
//!    sessions pruned; peak RSS, open files and the store's size are printed per session.
//!
//! `RUST_LOG=pokt_relayminer=warn` adds the relay miner's logs (failed claims and proofs) on stderr.
//!
//! `cargo bench -p pokt-benches --bench relayminer` (prints figures; not a criterion bench
//! because every relay must be new: a repeated relay is a duplicate the tree does not take).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use pokt_chain::genesis::{
    Genesis, GenesisAccount, GenesisApplication, GenesisParams, GenesisService, GenesisSupplier,
    TxRules,
};
use pokt_chain::{Chain, InProcessChain, host};
use pokt_crypto::SigningKey;
use pokt_primitives::{
    BlockHeight, HttpHeader, HttpHeaders, Message, PoktHttpRequest, ServiceId, SessionHeader,
};
use pokt_relayminer::{Config, OperatorKeys, RelayMiner};
use rand_chacha::rand_core::SeedableRng;
use rayon::prelude::*;

const ANSWER: &[u8] = br#"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"relay mining."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}}"#;

struct World {
    chain: InProcessChain,
    miner: Arc<RelayMiner<InProcessChain>>,
    apps: Vec<SigningKey>,
    supplier: SigningKey,
    dir: PathBuf,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn key(i: u32) -> SigningKey {
    let mut b = [7u8; 32];
    b[..4].copy_from_slice(&i.to_be_bytes());
    SigningKey::from_bytes(&b).unwrap()
}

fn world(tag: &str, apps: u32, backend: &str) -> World {
    let apps: Vec<SigningKey> = (0..apps).map(|i| key(100 + i)).collect();
    let (supplier, owner, source) = (key(1), key(2), key(3));
    let pk = |k: &SigningKey| hex::encode(k.verifying_key().to_bytes());
    let llm = ServiceId::new("llm").unwrap();
    let genesis = Genesis {
        chain_id: "pokt-bench".into(),
        genesis_time: 1_767_225_600,
        seed: "00".repeat(32),
        params: GenesisParams::from_config(&pokt_devnet::DevnetConfig::small().unwrap()),
        tx: TxRules::default(),
        accounts: vec![GenesisAccount {
            address: supplier.address(),
            public_key: None,
            balance_upokt: 1_000_000_000_000,
        }],
        services: vec![GenesisService {
            id: llm.clone(),
            name: "LLM".into(),
            compute_units_per_relay: 100,
            owner: source.address(),
            target_num_relays: 1_000,
            token_pricing: None,
        }],
        gateways: vec![],
        applications: apps
            .iter()
            .map(|a| GenesisApplication {
                public_key: pk(a),
                stake_upokt: 1_000_000_000_000,
                services: vec![llm.clone()],
                delegatees: vec![],
            })
            .collect(),
        suppliers: vec![GenesisSupplier {
            public_key: pk(&supplier),
            owner: owner.address(),
            stake_upokt: 1_000_000_000,
            services: vec![llm],
            rev_shares: vec![],
            endpoint: Some("http://127.0.0.1:8545".into()),
        }],
    };
    let chain = InProcessChain::from_genesis(genesis).unwrap();
    for _ in 0..4 {
        chain.make_block().unwrap();
    }
    // The store's group-commit delay (`POKT_BENCH_COMMIT_DELAY_US`, default the config's).
    let delay: u64 = std::env::var("POKT_BENCH_COMMIT_DELAY_US")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let dir = std::env::temp_dir().join(format!("pokt-bench-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = Config::from_toml(
        &format!(
            "[chain]\nchain_id = \"pokt-bench\"\nrpc_url = \"http://unused\"\ngrpc_url = \"http://unused\"\n\
             [server]\nlisten = \"127.0.0.1:0\"\nmax_concurrent_relays = 4096\n\
             [[services]]\nid = \"llm\"\nbackend_url = \"{backend}\"\n\
             [suppliers]\nkey_env = [\"UNUSED\"]\n\
             [store]\npath = \"store.redb\"\nsync_interval_ms = 100\ncommit_delay_us = {delay}\n\
             [meter]\nenabled = false\n"
        ),
        &dir,
    )
    .unwrap();
    let miner = RelayMiner::new(
        chain.clone(),
        cfg,
        OperatorKeys::from_keys([supplier.clone()]),
    )
    .unwrap();
    World {
        chain,
        miner,
        apps,
        supplier,
        dir,
    }
}

/// `count` relays per application for the current session, ring-signed (on every core).
async fn sign(w: &World, count: usize, seed: u64) -> Vec<Vec<u8>> {
    let h = w.chain.latest_block().await.unwrap().height;
    let llm = ServiceId::new("llm").unwrap();
    let mut per_app: Vec<(SessionHeader, Vec<pokt_crypto::VerifyingKey>, SigningKey)> = Vec::new();
    for a in &w.apps {
        let s = w.chain.session(&a.address(), &llm, h).await.unwrap();
        let end = BlockHeight::new(s.header.session_end_block_height);
        let ring = host::ring(&w.chain, &a.address(), end).await.unwrap();
        per_app.push((s.header, ring, a.clone()));
    }
    let supplier = w.supplier.address();
    (0..count * per_app.len())
        .into_par_iter()
        .map(|i| {
            let (header, ring, app) = &per_app[i % per_app.len()];
            let mut hdrs = HttpHeaders::new();
            hdrs.insert(
                "Content-Type".into(),
                HttpHeader {
                    key: "Content-Type".into(),
                    values: vec!["application/json".into()],
                },
            );
            let http = PoktHttpRequest {
                method: "POST".into(),
                header: hdrs,
                url: "/v1/chat/completions".into(),
                body: format!(
                    r#"{{"model":"stand-in-1","messages":[{{"role":"user","content":"q {seed} {i}"}}],"max_tokens":3}}"#
                )
                .into_bytes(),
            };
            let mut r = pokt_relay::new_request(header, &supplier, http.encode());
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed.wrapping_mul(1 << 32) + i as u64);
            pokt_relay::sign_request(&mut r, ring, app, &mut rng).unwrap();
            r.encode()
        })
        .collect()
}

/// Serves `reqs` through the hot path (canned backend answer) with `tasks` relays in flight;
/// returns the elapsed time and how many were answered.
async fn drive(
    miner: &Arc<RelayMiner<InProcessChain>>,
    reqs: Vec<Vec<u8>>,
    tasks: usize,
) -> (Duration, usize) {
    let per = reqs.len().div_ceil(tasks).max(1);
    let chunks: Vec<Vec<Vec<u8>>> = reqs.chunks(per).map(<[Vec<u8>]>::to_vec).collect();
    let start = Instant::now();
    let mut handles = Vec::new();
    for c in chunks {
        let m = miner.clone();
        handles.push(tokio::spawn(async move {
            let mut ok = 0usize;
            for body in c {
                if m.answer_relay(&body, 200, "application/json", ANSWER.to_vec())
                    .await
                    .is_ok()
                {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut ok = 0;
    for h in handles {
        ok += h.await.unwrap();
    }
    (start.elapsed(), ok)
}

/// decode → accept → sign → tree insert, on a 2-thread pool, no store.
async fn baseline(w: &World, reqs: Vec<Vec<u8>>) -> (usize, Duration) {
    use pokt_mining::{FixedComputeUnits, SessionTree};
    use pokt_relayminer::steps;
    let h = w.chain.latest_block().await.unwrap().height;
    let llm = ServiceId::new("llm").unwrap();
    let mut views = std::collections::HashMap::new();
    for a in &w.apps {
        let s = w.chain.session(&a.address(), &llm, h).await.unwrap();
        let end = BlockHeight::new(s.header.session_end_block_height);
        let ring = host::ring(&w.chain, &a.address(), end).await.unwrap();
        let ring = pokt_relay::PreparedRing::new(&ring).unwrap();
        let sups: Vec<_> = s.suppliers.iter().map(|x| x.operator).collect();
        let tree = std::sync::Mutex::new(SessionTree::new(
            s.header.clone(),
            w.supplier.address(),
            pokt_primitives::TargetHash::BASE,
            FixedComputeUnits::new(pokt_primitives::ComputeUnits::new(100)),
        ));
        views.insert(s.header.session_id.clone(), (s.header, sups, ring, tree));
    }
    let own = [w.supplier.address()];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let start = Instant::now();
    let n: usize = pool.install(|| {
        reqs.par_iter()
            .map(|body| {
                let req = steps::decode(body).unwrap();
                let sid = req.meta.session_header.as_ref().unwrap().session_id.clone();
                let (header, sups, ring, tree) = &views[&sid];
                let view = steps::SessionView {
                    header,
                    suppliers: sups,
                    ring,
                    grace: 1,
                };
                let acc = steps::accept(req, &view, h.get(), &own).unwrap();
                let res = steps::sign(
                    header,
                    200,
                    "application/json",
                    ANSWER.to_vec(),
                    &w.supplier,
                );
                let relay = pokt_primitives::Relay {
                    req: Some(acc.into_request()),
                    res: Some(res),
                };
                let _ = tree.lock().unwrap().offer(&relay);
                1
            })
            .sum()
    });
    (n, start.elapsed())
}

fn rss_kib() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU seconds (user + system) this process has used so far, from `/proc/self/stat` (clock ticks
/// of 1/100 s, Linux's fixed `USER_HZ`). Divided by the relays of a phase it gives the CPU cost
/// per relay, which — unlike relays per second — does not depend on what else the machine runs:
/// `cores / cost` is the throughput the phase would reach with those cores to itself.
fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at `state`; utime and stime
    // are fields 14 and 15 of the line, i.e. 12th and 13th after the closing parenthesis.
    let rest = s.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    f.iter().sum::<u64>() as f64 / 100.0
}

/// CPU seconds used so far by this process's threads whose name starts with `prefix` (the relay
/// miner's store fsync thread, `relayminer-sync`).
fn thread_cpu_seconds(prefix: &str) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let mut ticks = 0u64;
    for t in dir.flatten() {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        if !comm.starts_with(prefix) {
            continue;
        }
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        ticks += rest
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|v| v.parse::<u64>().ok())
            .sum::<u64>();
    }
    ticks as f64 / 100.0
}

/// "x µs CPU per relay (≈ y relays/s on 2 cores to itself)".
fn cpu_line(cpu: f64, n: usize) -> String {
    let per = cpu / n.max(1) as f64;
    format!(
        "{:.0} µs CPU per relay (≈ {:.0} relays/s on 2 idle cores)",
        per * 1e6,
        2.0 / per.max(1e-9)
    )
}

fn open_files() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// One phase's figures: relays per second (wall clock) and CPU µs per relay.
#[derive(Clone, Copy)]
struct Figure {
    rate: f64,
    cpu_us: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The hot path with persistence against the same steps without the store, in alternating
/// rounds (`POKT_BENCH_ROUNDS`, default 5) of fresh relays each, so that both see the same
/// machine: on a shared 2-core VM the figures of one run drift by ±15 % from one minute to the
/// next, and a median over interleaved rounds is what can be compared.
async fn hot_path() {
    let w = world("hot", 4, "http://127.0.0.1:1");
    w.miner
        .on_block(w.chain.latest_block().await.unwrap().height.get());
    let rounds: u64 = std::env::var("POKT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let per_app = 2_500;
    let warm = sign(&w, 500, 1).await;
    let (_, ok) = drive(&w.miner, warm, 256).await;
    assert_eq!(ok, 2_000);
    let (mut base, mut hot, mut store_cpu) = (Vec::new(), Vec::new(), Vec::new());
    let (mut relays, mut commits) = (0usize, 0u64);
    for round in 0..rounds {
        let t = Instant::now();
        let breqs = sign(&w, per_app, 100 + round).await;
        let hreqs = sign(&w, per_app, 200 + round).await;
        let signing = t.elapsed().as_secs_f64();
        // The same steps without the store, on the same 2 cores: decode → accept → sign → mine
        // into the tree (no write).
        let c0 = cpu_seconds();
        let (bn, bdt) = baseline(&w, breqs).await;
        let b = Figure {
            rate: bn as f64 / bdt.as_secs_f64(),
            cpu_us: (cpu_seconds() - c0) / bn as f64 * 1e6,
        };
        let commits0 = w.miner.store().commits();
        let n = hreqs.len();
        let c0 = cpu_seconds();
        let s0 = thread_cpu_seconds("relayminer-sync");
        let (dt, ok) = drive(&w.miner, hreqs, 256).await;
        assert_eq!(ok, n, "every relay answered");
        let store_us = (thread_cpu_seconds("relayminer-sync") - s0) / n as f64 * 1e6;
        store_cpu.push(store_us);
        let h = Figure {
            rate: n as f64 / dt.as_secs_f64(),
            cpu_us: (cpu_seconds() - c0) / n as f64 * 1e6,
        };
        let c = w.miner.store().commits() - commits0;
        println!(
            "round {round}: without the store {:.0} relays/s ({:.0} µs CPU each); with persistence {:.0} relays/s ({:.0} µs CPU each, of which the store's fsync thread {store_us:.1} µs; {:.1} relays per write group); ratio {:.2} (signing {n} + {bn} requests took {signing:.1} s, not measured)",
            b.rate,
            b.cpu_us,
            h.rate,
            h.cpu_us,
            n as f64 / c.max(1) as f64,
            h.rate / b.rate
        );
        base.push(b);
        hot.push(h);
        relays += n;
        commits += c;
    }
    let ratios: Vec<f64> = hot
        .iter()
        .zip(&base)
        .map(|(h, b)| h.rate / b.rate)
        .collect();
    let best = |v: &[Figure]| v.iter().map(|f| f.rate).fold(0.0, f64::max);
    println!(
        "same steps without persistence (2 threads), median of {rounds}: {:.0} relays/s (best {:.0}); {:.0} µs CPU per relay",
        median(base.iter().map(|f| f.rate).collect()),
        best(&base),
        median(base.iter().map(|f| f.cpu_us).collect()),
    );
    println!(
        "hot path with persistence (2 workers, 256 in flight), median of {rounds}: {:.0} relays/s (best {:.0}); {:.0} µs CPU per relay, of which the store's fsync thread {:.1} µs; {:.1} relays per write group; with/without ratio median {:.2}; store {} relays, {} KiB",
        median(hot.iter().map(|f| f.rate).collect()),
        best(&hot),
        median(hot.iter().map(|f| f.cpu_us).collect()),
        median(store_cpu),
        relays as f64 / commits.max(1) as f64,
        median(ratios),
        w.miner.store().relay_count().unwrap(),
        w.miner.store().size_bytes() / 1024
    );
}

async fn http() {
    let backend = pokt_standin::serve(
        "127.0.0.1:0".parse().unwrap(),
        pokt_standin::StandIn {
            chunk_delay: Duration::ZERO,
            ..pokt_standin::StandIn::default()
        },
    )
    .await
    .unwrap();
    let w = world("http", 4, &format!("http://{backend}"));
    w.miner
        .on_block(w.chain.latest_block().await.unwrap().height.get());
    let (addr, _stop) = w.miner.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let reqs = sign(&w, 1_000, 3).await;
    let n = reqs.len();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .build()
        .unwrap();
    let url = format!("http://{addr}/v1/relay");
    let per = n.div_ceil(64);
    let c0 = cpu_seconds();
    let start = Instant::now();
    let mut hs = Vec::new();
    for c in reqs.chunks(per).map(<[Vec<u8>]>::to_vec) {
        let (client, url) = (client.clone(), url.clone());
        hs.push(tokio::spawn(async move {
            let mut ok = 0usize;
            for b in c {
                let r = client.post(&url).body(b).send().await.unwrap();
                if r.status().is_success() && !r.bytes().await.unwrap().is_empty() {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut ok = 0;
    for h in hs {
        ok += h.await.unwrap();
    }
    let dt = start.elapsed();
    let cpu = cpu_seconds() - c0;
    assert_eq!(ok, n);
    println!(
        "HTTP through the relay miner to the stand-in backend (64 clients, loopback): {n} relays in {:.3} s = {:.0} relays/s; client, relay miner and backend in this one process: {}",
        dt.as_secs_f64(),
        n as f64 / dt.as_secs_f64(),
        cpu_line(cpu, n)
    );
}

async fn soak(total: usize) {
    let w = world("soak", 8, "http://127.0.0.1:1");
    let stop = Arc::new(AtomicBool::new(false));
    let blocks = tokio::spawn(w.miner.clone().run_blocks(stop.clone()));
    let per_session = 20_000usize.min(total);
    let per_app = per_session / w.apps.len();
    let mut served = 0usize;
    let mut session = 0u64;
    let start = Instant::now();
    let mut peak_files = 0usize;
    while served < total {
        let h = w.chain.latest_block().await.unwrap().height.get();
        let reqs = sign(&w, per_app, 1000 + session).await;
        let n = reqs.len();
        let (_, ok) = drive(&w.miner, reqs, 256).await;
        served += ok;
        // Advance to the next session (4 blocks), paced so that claims and proofs are included.
        while w.chain.latest_block().await.unwrap().height.get() < h + 4 {
            w.chain.make_block().unwrap();
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        peak_files = peak_files.max(open_files());
        let (rss, hwm) = rss_kib();
        println!(
            "session {session}: served {ok}/{n} (total {served}), rss {rss} KiB (peak {hwm}), open files {}, store {} relays / {} KiB, {:.0} s",
            open_files(),
            w.miner.store().relay_count().unwrap(),
            w.miner.store().size_bytes() / 1024,
            start.elapsed().as_secs_f64()
        );
        session += 1;
    }
    // Let the last sessions settle and be pruned.
    for _ in 0..16 {
        w.chain.make_block().unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let m = w.miner.metrics().encode();
    let line = |k: &str| {
        m.lines()
            .find(|l| l.starts_with(k))
            .unwrap_or_default()
            .to_string()
    };
    let (rss, hwm) = rss_kib();
    println!(
        "soak: {served} relays over {session} sessions × {} applications in {:.0} s; peak RSS {hwm} KiB (now {rss}), peak open files {peak_files}; store after pruning: {} relays, {} KiB; {}; {}; {}; {}; {}",
        w.apps.len(),
        start.elapsed().as_secs_f64(),
        w.miner.store().relay_count().unwrap(),
        w.miner.store().size_bytes() / 1024,
        line("relayminer_claims_submitted_total"),
        line("relayminer_proofs_submitted_total"),
        line("relayminer_proofs_failed_total"),
        line("relayminer_claims_failed_total"),
        line("relayminer_sessions_open"),
    );
    stop.store(true, std::sync::atomic::Ordering::Release);
    let _ = blocks.await;
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters nothing here.
    // The relay miner's own logs (claims, proofs, failures) when RUST_LOG asks for them.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        hot_path().await;
        http().await;
        let total: usize = std::env::var("POKT_SOAK_RELAYS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        if total > 0 {
            soak(total).await;
        }
    });
}
