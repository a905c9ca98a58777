//! `pokt relayminer` as a process on loopback with `pokt devnet` and `pokt backend` (real
//! sockets, ephemeral ports, blocks made on demand): relays served, claimed, proven and settled
//! with the balances checked; SIGKILL mid-session and inside the claim window, then a restart that
//! still claims every answered relay; a backend down; a chain unreachable for a while; a full
//! application budget; a malformed config. Every child is killed when its guard drops and every
//! wait is bounded.
#![cfg(feature = "hosts")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod process;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use pokt_chain::{Chain, ChainSession};
use pokt_crypto::SigningKey;
use pokt_primitives::{
    Address, BlockHeight, HttpHeader, HttpHeaders, Message, PoktHttpRequest, PoktHttpResponse,
    RelayResponse, ServiceId,
};
use process::TempDir;
use process::net::{self, Devnet, Localnet, MinerSpec};
use rand_chacha::rand_core::SeedableRng;

/// A loopback network: devnet, backend, keys, and the relay miner's config.
struct Net {
    ln: Localnet,
    devnet: Devnet,
    _backend: process::Proc,
    backend_url: String,
    http: reqwest::Client,
    app: SigningKey,
    supplier: SigningKey,
    owner: Address,
    rng: std::sync::Mutex<rand_chacha::ChaCha20Rng>,
}

impl Net {
    /// `pokt localnet init` (1 supplier; wide claim and proof windows so that a loaded machine
    /// cannot miss them; the application's stake if given), then the devnet and the backend.
    fn start(app_stake: Option<u64>) -> Self {
        let ln = Localnet::init("relayminer", 1);
        ln.edit_genesis(|g| {
            g["params"]["shared"]["claim_window_close_offset_blocks"] = 8.into();
            g["params"]["shared"]["proof_window_close_offset_blocks"] = 8.into();
            if let Some(s) = app_stake {
                g["applications"][0]["stake_upokt"] = s.into();
            }
        });
        let devnet = Devnet::start(&ln.home(), "0");
        let (backend, backend_url) = net::backend(&[]);
        Self {
            app: ln.key("application", 0),
            supplier: ln.key("supplier", 0),
            owner: ln.key("supplier-owner", 0).address(),
            ln,
            devnet,
            _backend: backend,
            backend_url,
            http: net::client(Duration::from_secs(20)),
            rng: std::sync::Mutex::new(rand_chacha::ChaCha20Rng::seed_from_u64(7)),
        }
    }

    fn home(&self) -> PathBuf {
        self.ln.home()
    }

    /// Writes the relay miner's config (listening on a free port) and returns its path.
    fn config(&self, backend_url: &str) -> PathBuf {
        let spec = MinerSpec {
            listen: "127.0.0.1:0".into(),
            backend_url,
            key_files: vec![self.ln.key_file("supplier", 0)],
            store: "relayminer.redb".into(),
            extra: "",
        };
        net::relayminer_config(
            &self.home(),
            "rm.toml",
            &self.devnet.rpc,
            &self.devnet.grpc,
            &spec,
        )
    }

    fn relayminer(&self, config: &std::path::Path) -> (process::Proc, String) {
        net::relayminer(config, "info")
    }

    async fn mine(&self) -> i64 {
        self.devnet.mine().await
    }

    async fn height(&self) -> i64 {
        self.devnet.height().await
    }

    async fn mine_to(&self, h: i64) {
        self.devnet.mine_to(h).await;
    }

    /// The application's session at the current height (supplier in it).
    async fn session(&self) -> ChainSession {
        let h = self.devnet.chain.latest_block().await.unwrap().height;
        self.devnet
            .chain
            .session(&self.app.address(), &ServiceId::new("llm").unwrap(), h)
            .await
            .unwrap()
    }

    /// Sends one relay (a chat completion) to the miner; the verified answer, or the refusal
    /// (status, body).
    async fn relay(
        &self,
        miner: &str,
        s: &ChainSession,
        prompt: &str,
    ) -> Result<PoktHttpResponse, (u16, serde_json::Value)> {
        let ring = self.ring(s).await;
        self.relay_with(miner, s, &ring, prompt).await
    }

    async fn ring(&self, s: &ChainSession) -> Vec<pokt_crypto::VerifyingKey> {
        let end = BlockHeight::new(s.header.session_end_block_height);
        pokt_chain::host::ring(&self.devnet.chain, &self.app.address(), end)
            .await
            .unwrap()
    }

    async fn relay_with(
        &self,
        miner: &str,
        s: &ChainSession,
        ring: &[pokt_crypto::VerifyingKey],
        prompt: &str,
    ) -> Result<PoktHttpResponse, (u16, serde_json::Value)> {
        let mut hdrs = HttpHeaders::new();
        hdrs.insert(
            "Content-Type".into(),
            HttpHeader {
                key: "Content-Type".into(),
                values: vec!["application/json".into()],
            },
        );
        let body = serde_json::json!({"model": "stand-in-1", "messages": [{"role": "user", "content": prompt}], "max_tokens": 4});
        let http = PoktHttpRequest {
            method: "POST".into(),
            header: hdrs,
            url: "/v1/chat/completions".into(),
            body: body.to_string().into_bytes(),
        };
        let mut req =
            pokt_relay::new_request(&s.header.clone(), &self.supplier.address(), http.encode());
        {
            let mut rng = self.rng.lock().unwrap();
            pokt_relay::sign_request(&mut req, ring, &self.app, &mut *rng).unwrap();
        }
        let r = self
            .http
            .post(format!("{miner}/v1/relay"))
            .body(req.encode())
            .send()
            .await
            .map_err(|e| (0, serde_json::json!({"transport": e.to_string()})))?;
        let status = r.status().as_u16();
        let bytes = r.bytes().await.unwrap();
        if status != 200 {
            return Err((status, serde_json::from_slice(&bytes).unwrap_or_default()));
        }
        let res = RelayResponse::decode(&bytes).unwrap();
        pokt_relay::verify_response(&res, &self.supplier.verifying_key()).unwrap();
        Ok(PoktHttpResponse::decode(&res.payload).unwrap())
    }

    /// Mines a block every 300 ms until `done` holds (at most `limit` blocks).
    async fn mine_until<F, Fut>(&self, limit: usize, mut done: F) -> bool
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..limit {
            if done().await {
                return true;
            }
            self.mine().await;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        done().await
    }

    async fn claim_count(&self, session_id: &str) -> Option<u64> {
        let c = self
            .devnet
            .chain
            .claim(session_id, &self.supplier.address())
            .await
            .ok()??;
        let root: [u8; 48] = c.root_hash.as_slice().try_into().ok()?;
        Some(pokt_smst::Root::from_bytes(root).count())
    }

    /// The `EventClaimSettled` of the session, searching blocks `from..=to`.
    async fn settled(
        &self,
        session_id: &str,
        from: i64,
        to: i64,
    ) -> Option<pokt_chain::ChainEvent> {
        for h in from..=to {
            for e in self
                .devnet
                .chain
                .block_events(BlockHeight::new(h))
                .await
                .unwrap_or_default()
            {
                if e.kind == "pocket.tokenomics.EventClaimSettled"
                    && e.attribute("session_id").as_deref() == Some(session_id)
                {
                    return Some(e);
                }
            }
        }
        None
    }

    async fn metrics(&self, miner: &str) -> String {
        self.http
            .get(format!("{miner}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

/// Waits (≤ 20 s) until the miner has seen height `h` (its metric).
async fn miner_at(net: &Net, miner: &str, h: i64) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let m = net.metrics(miner).await;
        let seen = m
            .lines()
            .find(|l| l.starts_with("relayminer_block_height "))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        if seen >= h {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the relay miner did not reach height {h}");
}

/// The supplier is in the application's sessions from height 5 (staked at genesis, active from
/// the next session).
async fn open_session(net: &Net, miner: &str) -> ChainSession {
    net.mine_to(5).await;
    let s = net.session().await;
    assert!(
        s.suppliers
            .iter()
            .any(|x| x.operator == net.supplier.address())
    );
    miner_at(net, miner, net.height().await).await;
    s
}

/// Serve → claim → prove → settle, with the supplier's and application's balances checked,
/// metrics, and a refused forged relay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_are_served_claimed_proven_and_settled() {
    let net = Net::start(None);
    let cfg = net.config(&net.backend_url);
    // check passes before serving.
    let out = net::pokt()
        .args(["relayminer", "check", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("staked") && text.contains("backend llm"),
        "{text}"
    );
    let (mut miner, url) = net.relayminer(&cfg);
    let s = open_session(&net, &url).await;
    let app_before = net
        .devnet
        .chain
        .application(&net.app.address())
        .await
        .unwrap()
        .stake_upokt;
    let owner_before = net.devnet.chain.balance(&net.owner).await.unwrap();
    let supplier_stake = net
        .devnet
        .chain
        .supplier(&net.supplier.address())
        .await
        .unwrap()
        .stake_upokt;
    let n = 6u64;
    for i in 0..n {
        let a = net.relay(&url, &s, &format!("question {i}")).await.unwrap();
        assert_eq!(a.status_code, 200);
        let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert!(v["choices"][0]["message"]["content"].is_string());
    }
    // A relay for another supplier's key (forged: signed by a stranger) is refused.
    let stranger = SigningKey::from_bytes(&[9; 32]).unwrap();
    let mut bad = pokt_relay::new_request(&s.header.clone(), &net.supplier.address(), vec![1]);
    let ring = vec![stranger.verifying_key(), stranger.verifying_key()];
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    pokt_relay::sign_request(&mut bad, &ring, &stranger, &mut rng).unwrap();
    let r = net
        .http
        .post(format!("{url}/v1/relay"))
        .body(bad.encode())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let sid = s.header.session_id.clone();
    let end = s.header.session_end_block_height;
    // Claimed in the claim window with every relay.
    assert!(
        net.mine_until(16, || async { net.claim_count(&sid).await.is_some() })
            .await,
        "no claim"
    );
    assert_eq!(net.claim_count(&sid).await, Some(n));
    // Proven (the localnet's threshold 0 requires every proof), then settled.
    let w = pokt_chain::host::windows(&net.devnet.chain, BlockHeight::new(end))
        .await
        .unwrap();
    let settle = w.settlement_height.get();
    net.mine_until(40, || async { net.height().await > settle })
        .await;
    let ev = net.settled(&sid, end, settle + 1).await.expect("settled");
    assert_eq!(
        ev.attribute("proof_requirement").as_deref(),
        Some("THRESHOLD")
    );
    // 6 relays × 100 compute units × 42 uPOKT per unit.
    let paid = n * 100 * 42;
    assert_eq!(
        ev.attribute("settled_upokt").unwrap(),
        format!("{paid}upokt")
    );
    let app_after = net
        .devnet
        .chain
        .application(&net.app.address())
        .await
        .unwrap()
        .stake_upokt;
    assert!(app_after < app_before, "the application paid");
    assert!(
        net.devnet.chain.balance(&net.owner).await.unwrap() > owner_before,
        "the supplier's owner was paid"
    );
    assert_eq!(
        net.devnet
            .chain
            .supplier(&net.supplier.address())
            .await
            .unwrap()
            .stake_upokt,
        supplier_stake,
        "no penalty"
    );
    let m = net.metrics(&url).await;
    assert!(
        m.contains("relayminer_relays_mined_total{service=\"llm\"} 6"),
        "{m}"
    );
    assert!(m.contains("relayminer_claims_submitted_total 1"), "{m}");
    assert!(m.contains("relayminer_proofs_submitted_total 1"), "{m}");
    assert!(m.contains("reason=\"bad_signature\""), "{m}");
    // SIGTERM: a graceful stop, exit code 0.
    assert_eq!(miner.terminate(Duration::from_secs(20)), Some(0));
}

/// SIGKILL mid-session and again inside the claim window: after each restart every relay whose
/// answer was received is claimed, proven and paid, with no penalty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_survive_sigkill_mid_session_and_in_the_claim_window() {
    let net = Net::start(None);
    let cfg = net.config(&net.backend_url);
    let (mut miner, url) = net.relayminer(&cfg);
    let s = open_session(&net, &url).await;
    let supplier_stake = net
        .devnet
        .chain
        .supplier(&net.supplier.address())
        .await
        .unwrap()
        .stake_upokt;
    let mut answered = 0u64;
    for i in 0..5 {
        net.relay(&url, &s, &format!("before kill {i}"))
            .await
            .unwrap();
        answered += 1;
    }
    miner.kill(); // SIGKILL mid-session
    let (mut miner, url) = net.relayminer(&cfg);
    miner_at(&net, &url, net.height().await).await;
    for i in 0..4 {
        net.relay(&url, &s, &format!("after restart {i}"))
            .await
            .unwrap();
        answered += 1;
    }
    let sid = s.header.session_id.clone();
    let end = s.header.session_end_block_height;
    let w = pokt_chain::host::windows(&net.devnet.chain, BlockHeight::new(end))
        .await
        .unwrap();
    // Into the claim window; kill as soon as the miner has seen its opening (before or after
    // its claim is broadcast).
    net.mine_to(w.claim_window_open.get()).await;
    miner_at(&net, &url, w.claim_window_open.get()).await;
    miner.kill();
    let (_miner, url) = net.relayminer(&cfg);
    assert!(
        net.mine_until(16, || async { net.claim_count(&sid).await.is_some() })
            .await,
        "no claim after the restart"
    );
    assert_eq!(
        net.claim_count(&sid).await,
        Some(answered),
        "every answered relay claimed"
    );
    let settle = w.settlement_height.get();
    net.mine_until(40, || async { net.height().await > settle })
        .await;
    let ev = net.settled(&sid, end, settle + 1).await.expect("settled");
    assert_eq!(
        ev.attribute("settled_upokt").unwrap(),
        format!("{}upokt", answered * 100 * 42)
    );
    assert_eq!(
        net.devnet
            .chain
            .supplier(&net.supplier.address())
            .await
            .unwrap()
            .stake_upokt,
        supplier_stake,
        "no penalty"
    );
    // The settled session is pruned (memory and store).
    assert!(
        net.mine_until(10, || async {
            net.metrics(&url)
                .await
                .contains("relayminer_sessions_open 0")
        })
        .await,
        "pruned"
    );
}

/// A backend down: typed 502, nothing mined; a full application budget: 429 refusals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_down_and_full_budget_are_refused() {
    // A stake that covers 3 relays of 100 CU at 42 uPOKT per unit for the one supplier of each
    // pending session: budget = stake / pending sessions / 1 supplier / 42 CU.
    let offsets = pokt_session::WindowOffsets {
        grace_period_end_offset_blocks: pokt_primitives::BlockInterval::new(1),
        claim_window_open_offset_blocks: pokt_primitives::BlockInterval::new(1),
        claim_window_close_offset_blocks: pokt_primitives::BlockInterval::new(8),
        proof_window_open_offset_blocks: pokt_primitives::BlockInterval::new(0),
        proof_window_close_offset_blocks: pokt_primitives::BlockInterval::new(8),
    };
    let pending = offsets
        .num_pending_sessions(pokt_primitives::BlockInterval::new(4))
        .unwrap();
    let stake = 350 * 42 * pending; // 350 CU: 3 relays, not 4
    let net = Net::start(Some(stake));
    // Backend down: a port nobody listens on.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let cfg = net.config(&dead);
    let (mut miner, url) = net.relayminer(&cfg);
    let s = open_session(&net, &url).await;
    let (status, body) = net.relay(&url, &s, "anyone there?").await.unwrap_err();
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], "backend_unreachable");
    assert_eq!(body["error"]["type"], "backend_error");
    miner.kill();
    // The backend is back: 3 relays fit the budget, the 4th is refused.
    let cfg = net.config(&net.backend_url);
    let (_miner, url) = net.relayminer(&cfg);
    miner_at(&net, &url, net.height().await).await;
    for i in 0..3 {
        net.relay(&url, &s, &format!("paid {i}")).await.unwrap();
    }
    let (status, body) = net.relay(&url, &s, "one too many").await.unwrap_err();
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "application_over_budget");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("compute units")
    );
    // The failed relay was not mined: the claim holds the 3 served relays only.
    let sid = s.header.session_id.clone();
    assert!(
        net.mine_until(16, || async { net.claim_count(&sid).await.is_some() })
            .await
    );
    assert_eq!(net.claim_count(&sid).await, Some(3));
}

/// The chain unreachable for a while: relays of a known session are still served; the claim is
/// submitted once the chain is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_unreachable_for_a_while() {
    let mut net = Net::start(None);
    let cfg = net.config(&net.backend_url);
    let (_miner, url) = net.relayminer(&cfg);
    let s = open_session(&net, &url).await;
    let ring = net.ring(&s).await;
    net.relay(&url, &s, "first").await.unwrap();
    // Stop the devnet (SIGKILL; its state is in its store) …
    net.devnet.proc.kill();
    // … relays of the known session are still served meanwhile.
    for i in 0..3 {
        net.relay_with(&url, &s, &ring, &format!("while the chain is down {i}"))
            .await
            .unwrap();
    }
    // Restart the devnet on the same ports.
    let home = net.home();
    net.devnet.restart(&home);
    let sid = s.header.session_id.clone();
    assert!(
        net.mine_until(20, || async { net.claim_count(&sid).await.is_some() })
            .await,
        "claim submitted once the chain is back"
    );
    assert_eq!(net.claim_count(&sid).await, Some(4));
}

/// A malformed config: a clear error naming the key, exit code 2, before anything starts.
#[test]
fn malformed_config_names_the_key() {
    let dir = TempDir::new("relayminer-cfg");
    let p = dir.path().join("rm.toml");
    std::fs::write(
        &p,
        "[chain]\nchain_id = \"x\"\nrpc_url = \"http://127.0.0.1:1\"\ngrpc_url = \"http://127.0.0.1:2\"\n\n\
         [server]\nlisten = \"127.0.0.1:0\"\nmax_concurent_relays = 5\n\n\
         [[services]]\nid = \"llm\"\nbackend_url = \"http://127.0.0.1:3\"\n\n\
         [suppliers]\nkey_files = [\"k.hex\"]\n\n[store]\npath = \"s.redb\"\n",
    )
    .unwrap();
    for args in [
        vec!["relayminer", "--config", p.to_str().unwrap()],
        vec!["relayminer", "check", "--config", p.to_str().unwrap()],
    ] {
        let out = net::pokt().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("server.max_concurent_relays"), "{err}");
    }
    // A key file that is not a key: named, its content never printed.
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("max_concurent_relays = 5\n", "");
    std::fs::write(&p, text).unwrap();
    std::fs::write(
        dir.path().join("k.hex"),
        "not-a-secret-key-but-still-private",
    )
    .unwrap();
    let out = net::pokt()
        .args(["relayminer", "--config", p.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("suppliers.key_files"), "{err}");
    assert!(!err.contains("still-private"), "{err}");
}
