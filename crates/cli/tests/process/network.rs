//! A network of suppliers each behind its own relay miner, for the gateway's process tests:
//! `pokt localnet init --suppliers N` with each supplier staked at its own relay miner's address,
//! `pokt devnet`, one `pokt backend` (scripted by flags) and one `pokt relayminer` per supplier,
//! and `pokt gateway`s from the localnet's `gateway.toml`; a load driver and its statistics.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Proc;
use super::net::{self, Devnet, Localnet, MinerSpec, eventually, get_text, metric};

/// The localnet's demo API key.
pub const KEY: &str = "sk-localnet-demo-key";
/// The stand-in's model.
pub const MODEL: &str = "stand-in-1";

/// A supplier's backend: a `pokt backend` with these flags, or none (its relay miner answers
/// `502 backend_unreachable`).
pub enum Backend<'a> {
    /// `pokt backend` with these flags.
    Standin(&'a [&'a str]),
    /// No backend.
    Down,
}

/// The network: a localnet whose suppliers are each staked at their own relay miner's address.
pub struct Net {
    /// The localnet.
    pub ln: Localnet,
    /// The devnet.
    pub devnet: Devnet,
    _backends: Vec<Proc>,
    /// Each supplier's backend URL.
    pub backend_urls: Vec<String>,
    /// Each supplier's relay miner and its URL.
    pub miners: Vec<(Proc, String)>,
    /// Each supplier's address.
    pub suppliers: Vec<String>,
    /// A client (60 s bound per request).
    pub http: reqwest::Client,
}

impl Net {
    /// `pokt localnet init --suppliers N` (all N in every session, each staked at its own relay
    /// miner's endpoint), `pokt devnet` (blocks on demand), the backends, one relay miner per
    /// supplier, and the chain mined to height 5, the first session the genesis suppliers serve.
    pub async fn start(tag: &str, backends: &[Backend<'_>]) -> Self {
        let n = backends.len();
        let ln = Localnet::init(tag, n);
        let ports: Vec<u16> = (0..n).map(|_| net::reserved_port()).collect();
        ln.edit_genesis(|g| {
            g["params"]["num_suppliers_per_session"] = n.into();
            for (i, p) in ports.iter().enumerate() {
                g["suppliers"][i]["endpoint"] = format!("http://127.0.0.1:{p}").into();
            }
        });
        let devnet = Devnet::start(&ln.home(), "0");
        let (mut procs, mut backend_urls) = (Vec::new(), Vec::new());
        for b in backends {
            backend_urls.push(match b {
                Backend::Standin(args) => {
                    let (p, url) = net::backend(args);
                    procs.push(p);
                    url
                }
                Backend::Down => {
                    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                    format!("http://{}", l.local_addr().unwrap())
                }
            });
        }
        let mut miners = Vec::new();
        for (i, port) in ports.iter().enumerate() {
            let spec = MinerSpec {
                listen: format!("127.0.0.1:{port}"),
                backend_url: &backend_urls[i],
                key_files: vec![ln.key_file("supplier", i)],
                store: format!("relayminer-{i}.redb"),
                extra: "",
            };
            let cfg = net::relayminer_config(
                &ln.home(),
                &format!("relayminer-{i}.toml"),
                &devnet.rpc,
                &devnet.grpc,
                &spec,
            );
            let (p, url) = net::relayminer(&cfg, "warn");
            assert_eq!(url, format!("http://127.0.0.1:{port}"), "{}", p.line);
            miners.push((p, url));
        }
        let suppliers = (0..n).map(|i| ln.address("supplier", i)).collect();
        devnet.mine_to(5).await;
        let net = Self {
            ln,
            devnet,
            _backends: procs,
            backend_urls,
            miners,
            suppliers,
            http: net::client(Duration::from_secs(60)),
        };
        for (_, url) in &net.miners {
            let seen = eventually(Duration::from_secs(30), || async {
                metric(
                    &get_text(&net.http, &format!("{url}/metrics")).await,
                    "relayminer_block_height",
                    &[],
                ) >= 5.0
            })
            .await;
            assert!(seen, "relay miner {url} did not reach height 5");
        }
        net
    }

    /// A `pokt gateway` from the localnet's `gateway.toml` (edited, `extra` appended), once it
    /// answers a chat completion: the process and its URL.
    pub async fn gateway(&self, name: &str, edits: &[(&str, &str)], extra: &str) -> (Proc, String) {
        let cfg = net::gateway_config(&self.ln, &self.devnet, name, edits, extra);
        let (p, url) = net::gateway(&cfg, "warn");
        let ready = eventually(Duration::from_secs(60), || async {
            chat(&self.http, &url, Some(KEY), "ready?", 8).await.0 == 200
        })
        .await;
        assert!(ready, "gateway {name} never answered");
        (p, url)
    }

    /// Relays each relay miner has accepted so far.
    pub async fn relays(&self) -> Vec<u64> {
        let mut out = Vec::new();
        for (_, url) in &self.miners {
            let m = get_text(&self.http, &format!("{url}/metrics")).await;
            out.push(metric(&m, "relayminer_relays_accepted_total", &[]) as u64);
        }
        out
    }

    /// `GET /v1/qos` of a gateway: the `llm` service.
    pub async fn qos(&self, gateway: &str) -> Value {
        let v: Value =
            serde_json::from_str(&get_text(&self.http, &format!("{gateway}/v1/qos")).await)
                .unwrap();
        v["services"]["llm"].clone()
    }
}

/// One chat completion: status, headers, body.
pub async fn chat(
    http: &reqwest::Client,
    url: &str,
    key: Option<&str>,
    prompt: &str,
    max_tokens: u64,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let body = json!({"model": MODEL, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens});
    let mut r = http.post(format!("{url}/v1/chat/completions")).json(&body);
    if let Some(k) = key {
        r = r.bearer_auth(k);
    }
    match r.send().await {
        Ok(r) => {
            let (s, h) = (r.status().as_u16(), r.headers().clone());
            (s, h, r.json().await.unwrap_or(Value::Null))
        }
        Err(e) => (0, Default::default(), json!({"transport": e.to_string()})),
    }
}

/// `n` chat completions, `in_flight` at a time: latencies (sorted) and status counts.
pub async fn load(
    http: &reqwest::Client,
    url: &str,
    tag: &str,
    n: usize,
    in_flight: usize,
) -> (Vec<Duration>, BTreeMap<u16, usize>) {
    let sem = Arc::new(tokio::sync::Semaphore::new(in_flight));
    let mut tasks = Vec::new();
    for i in 0..n {
        let (http, url, sem) = (http.clone(), url.to_string(), sem.clone());
        let prompt = format!("{tag} {i}");
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await.unwrap();
            let t0 = Instant::now();
            let (s, _, _) = chat(&http, &url, Some(KEY), &prompt, 8).await;
            (t0.elapsed(), s)
        }));
    }
    let (mut lat, mut codes) = (Vec::new(), BTreeMap::new());
    for t in tasks {
        let (d, s) = t.await.unwrap();
        lat.push(d);
        *codes.entry(s).or_insert(0) += 1;
    }
    lat.sort();
    (lat, codes)
}

/// The 99th percentile of sorted latencies.
pub fn p99(l: &[Duration]) -> Duration {
    l[(l.len() * 99 / 100).min(l.len() - 1)]
}

/// The median of sorted latencies.
pub fn p50(l: &[Duration]) -> Duration {
    l[l.len() / 2]
}

/// Element-wise `after - before`.
pub fn delta(after: &[u64], before: &[u64]) -> Vec<u64> {
    after.iter().zip(before).map(|(a, b)| a - b).collect()
}
