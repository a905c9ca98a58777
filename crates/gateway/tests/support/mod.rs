//! A network on loopback for the gateway's tests: the in-process devnet node (pokt-chain's
//! `InProcessChain`), relay miners with scripted model backends (one listener per supplier, each
//! verifying the ring signature and signing its answers with the supplier's key), and the
//! gateway served over real sockets.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pokt_chain::InProcessChain;
use pokt_chain::genesis::{
    Genesis, GenesisAccount, GenesisApplication, GenesisGateway, GenesisParams, GenesisService,
    GenesisSupplier, TxRules,
};
use pokt_crypto::{SigningKey, VerifyingKey};
use pokt_gateway::{Gateway, GatewayConfig, Reference};
use pokt_primitives::{Message, PoktHttpRequest, PoktHttpResponse, RelayRequest, ServiceId};
use pokt_relay::llm::{sign_http_response, sign_stream_batch};
use pokt_relay::verify_request_signature;
use serde_json::{Value, json};

pub fn key(b: u8) -> SigningKey {
    SigningKey::from_bytes(&[b; 32]).unwrap()
}
pub fn app() -> SigningKey {
    key(1)
}
pub fn gateway_key() -> SigningKey {
    key(2)
}
/// An application whose key the gateway holds.
pub fn held_app() -> SigningKey {
    key(3)
}
pub fn supplier(i: usize) -> SigningKey {
    key(10 + u8::try_from(i).unwrap())
}
pub const MODEL: &str = "stand-in-1";

/// What a scripted supplier does.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    /// Latency of an answer (a stream: before its first chunk).
    pub delay: Duration,
    /// Every `slow_every`-th request (counted per supplier) waits `slow` instead.
    pub slow_every: u64,
    pub slow: Duration,
    /// Every `fail_every`-th request answers 500.
    pub fail_every: u64,
    /// Completion tokens signed = true count × this (0 or 1: honest).
    pub inflate: u64,
    /// Answers as another model would.
    pub other_model: bool,
    /// Signs with a key that is not the supplier's.
    pub wrong_key: bool,
}

pub struct Miner {
    pub address: pokt_primitives::Address,
    pub url: String,
    pub behaviour: Arc<Mutex<Behaviour>>,
    pub relays: Arc<AtomicU64>,
}

/// The model's deterministic answer to `prompt`: `n` words from a fixed list.
pub fn answer(prompt: &str, n: u64, other: bool) -> Vec<String> {
    const WORDS: [&str; 8] = [
        "relay", "mining", "session", "supplier", "gateway", "token", "proof", "claim",
    ];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in prompt.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    if other {
        h = h.rotate_left(17) ^ 0x5555;
    }
    (0..n)
        .map(|i| {
            let w = WORDS[usize::try_from((h >> ((i % 8) * 3)) % 8).unwrap()];
            if i + 1 == n {
                format!("{w}.")
            } else {
                format!("{w} ")
            }
        })
        .collect()
}

/// Tokens of a text the way the test tokenizer counts (BERT-style split).
pub fn count(text: &str) -> u64 {
    let mut n = 0;
    let mut word = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if !word {
                n += 1;
            }
            word = true;
        } else {
            word = false;
            if !c.is_whitespace() {
                n += 1;
            }
        }
    }
    n
}

async fn relay(
    key: SigningKey,
    ring: Vec<VerifyingKey>,
    b: Arc<Mutex<Behaviour>>,
    relays: Arc<AtomicU64>,
    body: Bytes,
) -> Response {
    let n = relays.fetch_add(1, Ordering::SeqCst) + 1;
    let Ok(req) = RelayRequest::decode(&body) else {
        return (StatusCode::BAD_REQUEST, "relay does not decode").into_response();
    };
    let end = pokt_primitives::BlockHeight::new(
        req.meta
            .session_header
            .as_ref()
            .map_or(0, |h| h.session_end_block_height),
    );
    let ring = pokt_relay::ring_at(
        &pokt_relay::RingMembers {
            application: ring.first().copied(),
            delegated: ring.iter().skip(1).copied().collect(),
            pending_undelegations: vec![],
        },
        end,
    )
    .unwrap();
    if verify_request_signature(&req, &ring).is_err() {
        return (StatusCode::BAD_REQUEST, "bad ring signature").into_response();
    }
    let header = req.meta.session_header.clone().unwrap();
    let http = PoktHttpRequest::decode(&req.payload).unwrap();
    let v: Value = serde_json::from_slice(&http.body).unwrap();
    let beh = b.lock().unwrap().clone();
    let signer = if beh.wrong_key { key_other() } else { key };
    let delay = if beh.slow_every > 0 && n.is_multiple_of(beh.slow_every) {
        beh.slow
    } else {
        beh.delay
    };
    tokio::time::sleep(delay).await;
    let fail = beh.fail_every > 0 && n.is_multiple_of(beh.fail_every);
    let prompt = v["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|x| x["content"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .or_else(|| v["prompt"].as_str().map(str::to_string))
        .unwrap_or_default();
    let max = v["max_tokens"].as_u64().unwrap_or(8);
    let words = answer(&prompt, max, beh.other_model);
    let text: String = words.concat();
    let completion = count(&text) * beh.inflate.max(1);
    let usage = json!({"prompt_tokens": count(&prompt), "completion_tokens": completion, "total_tokens": count(&prompt) + completion});
    let chat = http.url.contains("chat");
    if v["stream"].as_bool() == Some(true) && !fail {
        let mut out = Vec::new();
        for w in &words {
            let choice = if chat {
                json!({"index": 0, "delta": {"content": w}})
            } else {
                json!({"index": 0, "text": w})
            };
            let line = format!(
                "data: {}\n\n",
                json!({"object": "chunk", "model": MODEL, "choices": [choice]})
            );
            out.push(sign_stream_batch(&header, 200, line.into_bytes(), &signer));
        }
        let last = format!(
            "data: {}\n\ndata: [DONE]\n\n",
            json!({"object": "chunk", "model": MODEL, "choices": [], "usage": usage})
        );
        out.push(sign_stream_batch(&header, 200, last.into_bytes(), &signer));
        let s = futures_util::stream::iter(
            out.into_iter()
                .map(|b| Ok::<_, std::convert::Infallible>(Bytes::from(b))),
        );
        return Response::builder()
            .status(200)
            .header(header::CONTENT_TYPE, pokt_gateway::STREAM_CONTENT_TYPE)
            .body(Body::from_stream(s))
            .unwrap();
    }
    let (status, body) = if fail {
        (500u32, json!({"error": {"message": "backend failed"}}))
    } else if chat {
        (
            200,
            json!({"object": "chat.completion", "model": MODEL,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": usage}),
        )
    } else {
        (
            200,
            json!({"object": "text_completion", "model": MODEL,
            "choices": [{"index": 0, "text": text, "finish_reason": "stop"}], "usage": usage}),
        )
    };
    let res = sign_http_response(
        &header,
        &PoktHttpResponse {
            status_code: status,
            header: Default::default(),
            body: body.to_string().into_bytes(),
        },
        &signer,
    );
    res.encode().into_response()
}

fn key_other() -> SigningKey {
    key(99)
}

pub struct Net {
    pub chain: InProcessChain,
    pub miners: Vec<Miner>,
    pub dir: PathBuf,
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "pokt-gw-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

impl Net {
    /// `n` suppliers (all in every session), the applications, a few blocks made.
    pub async fn start(tag: &str, n: usize) -> Self {
        let ring = vec![app().verifying_key(), gateway_key().verifying_key()];
        let held_ring = vec![held_app().verifying_key()];
        let mut miners = Vec::new();
        for i in 0..n {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr: SocketAddr = listener.local_addr().unwrap();
            let behaviour = Arc::new(Mutex::new(Behaviour::default()));
            let relays = Arc::new(AtomicU64::new(0));
            let (k, b, r, ring, held_ring) = (
                supplier(i),
                behaviour.clone(),
                relays.clone(),
                ring.clone(),
                held_ring.clone(),
            );
            let router = axum::Router::new().route(
                pokt_gateway::RELAY_PATH,
                axum::routing::post(move |body: Bytes| {
                    let (k, b, r) = (k.clone(), b.clone(), r.clone());
                    // Relays of the held application carry its own ring.
                    let ring = if RelayRequest::decode(&body)
                        .ok()
                        .and_then(|q| q.meta.session_header)
                        .is_some_and(|h| h.application_address == held_app().address().to_string())
                    {
                        held_ring.clone()
                    } else {
                        ring.clone()
                    };
                    relay(k, ring, b, r, body)
                }),
            );
            tokio::spawn(async move {
                let _ = axum::serve(listener, router).await;
            });
            miners.push(Miner {
                address: supplier(i).address(),
                url: format!("http://{addr}"),
                behaviour,
                relays,
            });
        }
        let mut cfg = pokt_devnet::DevnetConfig::small().unwrap();
        cfg.num_suppliers_per_session = n;
        let pk = |k: &SigningKey| hex::encode(k.verifying_key().to_bytes());
        let service = ServiceId::new("llm").unwrap();
        let mut accounts: Vec<GenesisAccount> = (0..n)
            .map(|i| GenesisAccount {
                address: supplier(i).address(),
                public_key: Some(pk(&supplier(i))),
                balance_upokt: 1_000_000_000,
            })
            .collect();
        for k in [app(), gateway_key(), held_app(), key(9)] {
            accounts.push(GenesisAccount {
                address: k.address(),
                public_key: Some(pk(&k)),
                balance_upokt: 1_000_000_000,
            });
        }
        let genesis = Genesis {
            chain_id: "pokt-gw-test".into(),
            genesis_time: 1_767_225_600,
            seed: "5e".repeat(32),
            params: GenesisParams::from_config(&cfg),
            tx: TxRules::default(),
            accounts,
            services: vec![GenesisService {
                id: service.clone(),
                name: "LLM".into(),
                compute_units_per_relay: 100,
                owner: key(9).address(),
                target_num_relays: 1_000,
                token_pricing: None,
            }],
            gateways: vec![GenesisGateway {
                public_key: pk(&gateway_key()),
                stake_upokt: 1_000_000,
            }],
            applications: vec![
                GenesisApplication {
                    public_key: pk(&app()),
                    stake_upokt: 5_000_000_000,
                    services: vec![service.clone()],
                    delegatees: vec![gateway_key().address()],
                },
                GenesisApplication {
                    public_key: pk(&held_app()),
                    stake_upokt: 5_000_000_000,
                    services: vec![service.clone()],
                    delegatees: vec![],
                },
            ],
            suppliers: (0..n)
                .map(|i| GenesisSupplier {
                    public_key: pk(&supplier(i)),
                    owner: supplier(i).address(),
                    stake_upokt: 100_000_000,
                    services: vec![service.clone()],
                    rev_shares: vec![],
                    endpoint: Some(miners[i].url.clone()),
                })
                .collect(),
        };
        let chain = InProcessChain::from_genesis(genesis).unwrap();
        // Suppliers staked at genesis serve from the second session on.
        while chain.make_block().unwrap().height.get() < 6 {}
        let dir = tmpdir(tag);
        std::fs::write(
            dir.join("gateway.hex"),
            hex::encode(*gateway_key().to_bytes()),
        )
        .unwrap();
        std::fs::write(dir.join("held.hex"), hex::encode(*held_app().to_bytes())).unwrap();
        Self { chain, miners, dir }
    }

    /// The gateway's TOML: the delegated application (keys `sk-alice-…`, `sk-limited-…`), the
    /// held one (`sk-held-…`), `extra` appended (e.g. a `[qos]` table).
    pub fn config(&self, extra: &str) -> GatewayConfig {
        let text = format!(
            r#"
[gateway]
key_file = "gateway.hex"
[relay]
timeout = "5s"
[[applications]]
address = "{app}"
[[applications]]
key_file = "held.hex"
[[services]]
id = "llm"
models = ["{MODEL}"]
tokenizer = "tokenizer.json"
usage_tolerance = 0.05
usage_slack_tokens = 1
[[api_keys]]
name = "alice"
key = "sk-alice-0123456789"
application = "{app}"
[[api_keys]]
name = "limited"
key = "sk-limited-0123456789"
application = "{app}"
requests_per_minute = 3
[[api_keys]]
name = "held"
key = "sk-held-0123456789"
application = "{held}"
{extra}
"#,
            app = app().address(),
            held = held_app().address(),
        );
        std::fs::write(self.dir.join("tokenizer.json"), tokenizer_json()).unwrap();
        GatewayConfig::from_toml(&text, &self.dir).unwrap()
    }

    /// A gateway over this chain, served on an ephemeral port; returns its URL and the handle
    /// that stops it when dropped.
    pub async fn gateway(
        &self,
        cfg: GatewayConfig,
    ) -> (Arc<Gateway<InProcessChain>>, String, Stop) {
        let gw = Gateway::new(self.chain.clone(), cfg).unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr, handle) = gw
            .spawn("127.0.0.1:0".parse().unwrap(), async move {
                let _ = rx.await;
            })
            .await
            .unwrap();
        (gw, format!("http://{addr}"), Stop(Some(tx), handle))
    }

    /// Reference answers of the honest model for the watcher.
    pub fn references(&self, prompts: &[&str]) -> PathBuf {
        let refs: Vec<Reference> = prompts
            .iter()
            .map(|p| Reference {
                model: MODEL.into(),
                prompt: (*p).to_string(),
                max_tokens: 8,
                answer: answer(p, 8, false).concat(),
            })
            .collect();
        let p = self.dir.join("references.json");
        std::fs::write(&p, serde_json::to_string(&refs).unwrap()).unwrap();
        p
    }
}

/// Stops a gateway when dropped.
pub struct Stop(
    Option<tokio::sync::oneshot::Sender<()>>,
    tokio::task::JoinHandle<std::io::Result<()>>,
);

impl Drop for Stop {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            let _ = t.send(());
        }
        self.1.abort();
    }
}

/// A word-level `tokenizer.json` that splits like the test model counts (whitespace, each
/// punctuation mark alone).
pub fn tokenizer_json() -> String {
    json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": null, "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": null, "decoder": null,
        "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "relay": 1, ".": 2}, "unk_token": "[UNK]"}
    })
    .to_string()
}

/// A chat request body.
pub fn chat(prompt: &str, stream: bool) -> Value {
    json!({"model": MODEL, "messages": [{"role": "user", "content": prompt}], "max_tokens": 8, "stream": stream})
}

pub async fn post(
    http: &reqwest::Client,
    url: &str,
    key: Option<&str>,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut r = http.post(format!("{url}/v1/chat/completions")).json(body);
    if let Some(k) = key {
        r = r.bearer_auth(k);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.unwrap().to_vec();
    (status, headers, body)
}
