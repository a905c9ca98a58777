//! `pokt devnet` as a separate process on loopback (real sockets), driven by the remote client
//! through the same suite as the in-process chain (crates/chain/tests/suite); its store across a
//! SIGKILL; `pokt localnet init`. Every child is killed when its guard drops, every wait is
//! bounded.
#![cfg(feature = "hosts")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../chain/tests/suite/mod.rs"]
mod suite;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use pokt_chain::{BlockRef, Chain, RemoteChain, RemoteConfig};
use pokt_primitives::BlockHeight;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A temporary home, removed on drop.
struct Home(PathBuf);

impl Home {
    fn new() -> Self {
        let p = std::env::temp_dir().join(format!(
            "pokt-devnet-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("genesis.json"), suite::genesis().to_json()).unwrap();
        Self(p)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `pokt devnet`, killed on drop.
struct Process {
    child: Child,
    rpc: String,
    grpc: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// Starts the devnet on free ports (blocks only on demand) and waits (≤ 60 s) for its
    /// address line.
    fn start(home: &Home) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pokt"))
            .args(["devnet", "--home"])
            .arg(&home.0)
            .args([
                "--rpc-addr",
                "127.0.0.1:0",
                "--grpc-addr",
                "127.0.0.1:0",
                "--block-time",
                "0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut p = Self {
            child,
            rpc: String::new(),
            grpc: String::new(),
        };
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("pokt devnet prints its addresses within 60 s");
        let url = |tag: &str| {
            line.split(tag)
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .unwrap_or_default()
                .to_string()
        };
        p.rpc = url(" rpc ");
        p.grpc = url(" grpc ");
        assert!(p.rpc.starts_with("http://127.0.0.1:"), "{line}");
        p
    }

    fn client(&self) -> RemoteChain {
        RemoteChain::new(RemoteConfig {
            timeout: Duration::from_secs(10),
            ..RemoteConfig::new(&self.rpc, &self.grpc)
        })
        .unwrap()
    }
}

struct Remote {
    _home: Home,
    process: Process,
    chain: RemoteChain,
    http: reqwest::Client,
}

impl suite::Net for Remote {
    type C = RemoteChain;
    fn chain(&self) -> &RemoteChain {
        &self.chain
    }
    async fn mine(&self) -> BlockRef {
        mine(&self.http, &self.process.rpc).await;
        self.chain.latest_block().await.unwrap()
    }
}

/// The devnet extension `devnet_mine` (one block).
async fn mine(http: &reqwest::Client, rpc: &str) {
    let r = http
        .post(rpc)
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"devnet_mine","params":{}}"#)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["result"]["height"].is_string(), "{v}");
}

fn net() -> Remote {
    let home = Home::new();
    let process = Process::start(&home);
    Remote {
        chain: process.client(),
        process,
        _home: home,
        http: reqwest::Client::new(),
    }
}

#[tokio::test]
async fn blocks_and_subscription() {
    suite::blocks_and_subscription(&net()).await;
}

#[tokio::test]
async fn params() {
    suite::params(&net()).await;
}

#[tokio::test]
async fn sessions_and_rings() {
    suite::sessions_and_rings(&net()).await;
}

#[tokio::test]
async fn claims_and_proofs_settle() {
    suite::claims_and_proofs_settle(&net()).await;
}

#[tokio::test]
async fn a_late_first_copy_is_the_result() {
    suite::a_late_first_copy_is_the_result(&net()).await;
}

#[tokio::test]
async fn sequence_mismatch_recovered() {
    suite::sequence_mismatch_recovered(&net()).await;
}

#[tokio::test]
async fn rejected_broadcast_retried() {
    suite::rejected_broadcast_retried(&net()).await;
}

#[tokio::test]
async fn bad_transactions_refused() {
    suite::bad_transactions_refused(&net()).await;
}

/// The chain survives SIGKILL: blocks, a transaction's result and the account sequence are there
/// after a restart on the same home; another genesis is refused.
#[tokio::test]
async fn state_survives_a_kill() {
    let home = Home::new();
    let http = reqwest::Client::new();
    let (height, hash, tx) = {
        let p = Process::start(&home);
        let c = p.client();
        let sup = suite::suppliers()[0].clone();
        let pending = suite::submitter(&c, &sup)
            .broadcast(&[pokt_chain::tx::TxMsg::CreateClaim(
                pokt_primitives::MsgCreateClaim {
                    supplier_operator_address: sup.address().to_string(),
                    session_header: None,
                    root_hash: vec![1; 48],
                },
            )])
            .await
            .unwrap();
        for _ in 0..7 {
            mine(&http, &p.rpc).await;
        }
        let b = c.latest_block().await.unwrap();
        (b.height, b.hash, pending.hash)
        // Dropped: SIGKILL.
    };
    let p = Process::start(&home);
    let c = p.client();
    let b = c.latest_block().await.unwrap();
    assert_eq!((b.height, b.hash), (height, hash));
    let r = c
        .tx(&tx)
        .await
        .unwrap()
        .expect("the transaction's result is kept");
    assert_eq!(r.height.get(), 2);
    let acc = c.account(&suite::suppliers()[0].address()).await.unwrap();
    assert_eq!(acc.sequence, 1);
    // The chain goes on from there.
    mine(&http, &p.rpc).await;
    assert_eq!(
        c.latest_block().await.unwrap().height,
        BlockHeight::new(height.get() + 1)
    );
    drop(p);
    let mut other = suite::genesis();
    other.chain_id = "another".into();
    std::fs::write(home.0.join("genesis.json"), other.to_json()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(["devnet", "--home"])
        .arg(&home.0)
        .args(["--rpc-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("another genesis"));
}

/// Garbage to both servers: typed errors, no panic, the node keeps serving.
#[tokio::test]
async fn garbage_is_refused() {
    let n = net();
    let http = reqwest::Client::new();
    let r = http
        .post(&n.process.rpc)
        .body("{not json")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], -32700);
    // An oversized body is refused: 413, or the connection closed before it is all sent.
    let once = reqwest::Client::new();
    match once
        .post(&n.process.rpc)
        .body(vec![b' '; 3 << 20])
        .send()
        .await
    {
        Ok(r) => assert_eq!(r.status(), 413),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    let r = http
        .post(&n.process.rpc)
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"block","params":{"height":"999999"}}"#)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["error"]["data"]
            .as_str()
            .unwrap()
            .contains("must be less than or equal")
    );
    // The client maps that to not found, and an unreachable node to a typed error in bounded time.
    assert!(matches!(
        n.chain.block(BlockHeight::new(999_999)).await,
        Err(pokt_chain::ChainError::NotFound { .. })
    ));
    let dead = RemoteChain::new(RemoteConfig {
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(1),
        ..RemoteConfig::new("http://127.0.0.1:9", "http://127.0.0.1:9")
    })
    .unwrap();
    let t = Instant::now();
    assert!(matches!(
        dead.latest_block().await,
        Err(pokt_chain::ChainError::Unreachable { .. } | pokt_chain::ChainError::Timeout { .. })
    ));
    assert!(matches!(
        dead.account(&suite::app().address()).await,
        Err(pokt_chain::ChainError::Unreachable { .. } | pokt_chain::ChainError::Timeout { .. })
    ));
    assert!(t.elapsed() < Duration::from_secs(10));
    // Still serving.
    assert_eq!(n.chain.chain_id().await.unwrap(), suite::CHAIN_ID);
}

/// `pokt localnet init` writes a genesis that builds, demo keys that match the manifest, and the
/// host configs; a second init into the same directory refuses to overwrite.
#[test]
fn localnet_init_writes_a_network() {
    let home = Home::new();
    let dir = home.0.join("net");
    let out = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(["localnet", "init"])
        .arg(&dir)
        .args(["--suppliers", "2", "--seed", "7"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("DEMO KEYS"));
    let g = pokt_chain::genesis::Genesis::from_json(
        &std::fs::read_to_string(dir.join("genesis.json")).unwrap(),
    )
    .unwrap();
    let state = g.build().unwrap();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("localnet.json")).unwrap()).unwrap();
    assert_eq!(m["chain_id"], g.chain_id);
    assert_eq!(m["endpoints"]["grpc"], "http://127.0.0.1:9090");
    let accounts = m["accounts"].as_array().unwrap();
    let suppliers: Vec<_> = accounts
        .iter()
        .filter(|a| a["role"] == "supplier")
        .collect();
    assert_eq!(suppliers.len(), 2);
    for a in accounts {
        let secret = hex::decode(a["secret_key"].as_str().unwrap()).unwrap();
        let k = pokt_crypto::SigningKey::from_bytes(&secret.try_into().unwrap()).unwrap();
        assert_eq!(a["address"], k.address().to_string());
        let file = std::fs::read_to_string(dir.join(a["key_file"].as_str().unwrap())).unwrap();
        assert_eq!(file.trim(), a["secret_key"]);
        assert!(state.accounts.contains_key(&k.address()));
    }
    for s in suppliers {
        let addr: pokt_primitives::Address = s["address"].as_str().unwrap().parse().unwrap();
        assert!(state.devnet.supplier(&addr).is_some());
    }
    let rm = std::fs::read_to_string(dir.join("relayminer.toml")).unwrap();
    assert!(rm.contains("grpc_url = \"http://127.0.0.1:9090\""));
    assert!(dir.join("gateway.toml").exists());
    let again = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(["localnet", "init"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!again.status.success());
}
