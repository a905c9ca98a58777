//! `pokt devnet`'s servers: the devnet node behind CometBFT's JSON-RPC (HTTP and websocket) and
//! the gRPC services a POKT node serves, with the same paths and encodings, plus its store.
//! [CHAIN-DEVNET-4] [CHAIN-DEVNET-5]

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine as _;
use prost::Message as _;
use redb::{ReadableDatabase as _, ReadableTable as _};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::genesis::Genesis;
use crate::inprocess::{InProcessChain, block_ref, now_ms};
use crate::node::{BlockRecord, Node, NodeError, QueryError, Refusal, rfc3339};
use crate::proto::cosmos as pc;
use crate::proto::paths;
use crate::proto::pocket as pp;
use crate::types::BlockRef;

/// Largest JSON-RPC request body and gRPC request message accepted.
pub const MAX_REQUEST_BYTES: usize = 2 << 20;
/// Largest websocket message accepted from a client.
pub const MAX_WS_MESSAGE_BYTES: usize = 64 << 10;
/// Heights `devnet_mine` makes at most per call.
pub const MAX_MINE_PER_CALL: u64 = 10_000;

/// Why the devnet could not start or keep its state.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Binding or serving failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The store failed.
    #[error("store: {0}")]
    Store(String),
    /// The genesis was refused.
    #[error(transparent)]
    Genesis(#[from] crate::genesis::GenesisError),
    /// The stored genesis differs from the one given.
    #[error("the store at this home was made from another genesis")]
    GenesisMismatch,
    /// The node failed while replaying or making a block.
    #[error(transparent)]
    Node(#[from] NodeError),
}

fn store_err(e: impl std::fmt::Display) -> ServerError {
    ServerError::Store(e.to_string())
}

const META: redb::TableDefinition<'_, &str, &[u8]> = redb::TableDefinition::new("meta");
const BLOCKS: redb::TableDefinition<'_, u64, &[u8]> = redb::TableDefinition::new("blocks");

/// A stored block: its time and transactions (the state is rebuilt by replaying them).
#[derive(Clone, PartialEq, prost::Message)]
struct StoredBlock {
    #[prost(uint64, tag = "1")]
    time_ms: u64,
    #[prost(bytes = "vec", repeated, tag = "2")]
    txs: Vec<Vec<u8>>,
}

/// The devnet's store (redb): the genesis and every block's time and transactions. The state is
/// not stored: on open it is rebuilt by replaying the blocks through the deterministic node.
/// [CHAIN-DEVNET-5]
#[derive(Debug)]
pub struct Store {
    db: redb::Database,
}

impl Store {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        Ok(Self {
            db: redb::Database::create(path).map_err(store_err)?,
        })
    }

    /// The stored genesis, if any.
    pub fn genesis(&self) -> Result<Option<Genesis>, ServerError> {
        let r = self.db.begin_read().map_err(store_err)?;
        let t = match r.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(store_err(e)),
        };
        let Some(v) = t.get("genesis").map_err(store_err)? else {
            return Ok(None);
        };
        let text = std::str::from_utf8(v.value()).map_err(store_err)?;
        Ok(Some(Genesis::from_json(text)?))
    }

    fn put_genesis(&self, g: &Genesis) -> Result<(), ServerError> {
        let w = self.db.begin_write().map_err(store_err)?;
        {
            let mut t = w.open_table(META).map_err(store_err)?;
            t.insert("genesis", g.to_json().as_bytes())
                .map_err(store_err)?;
            w.open_table(BLOCKS).map_err(store_err)?;
        }
        w.commit().map_err(store_err)
    }

    /// Appends a block.
    pub fn put_block(
        &self,
        height: i64,
        time_ms: u64,
        txs: Vec<Vec<u8>>,
    ) -> Result<(), ServerError> {
        let h = u64::try_from(height).map_err(store_err)?;
        let bytes = StoredBlock { time_ms, txs }.encode_to_vec();
        let w = self.db.begin_write().map_err(store_err)?;
        {
            let mut t = w.open_table(BLOCKS).map_err(store_err)?;
            t.insert(h, bytes.as_slice()).map_err(store_err)?;
        }
        w.commit().map_err(store_err)
    }

    /// Opens the node: the stored genesis (refusing a different `genesis`) and every stored block
    /// replayed; or a new node from `genesis`, stored.
    pub fn load(&self, genesis: Option<Genesis>) -> Result<Node, ServerError> {
        let stored = self.genesis()?;
        let g = match (stored, genesis) {
            (Some(s), Some(g)) if s != g => return Err(ServerError::GenesisMismatch),
            (Some(s), _) => s,
            (None, Some(g)) => {
                self.put_genesis(&g)?;
                g
            }
            (None, None) => {
                return Err(ServerError::Store(
                    "no genesis stored and none given".into(),
                ));
            }
        };
        let mut node = Node::new(g)?;
        let r = self.db.begin_read().map_err(store_err)?;
        let t = r.open_table(BLOCKS).map_err(store_err)?;
        for row in t.iter().map_err(store_err)? {
            let (h, v) = row.map_err(store_err)?;
            let b = StoredBlock::decode(v.value()).map_err(store_err)?;
            let made = node.replay_block(b.time_ms, &b.txs)?;
            if u64::try_from(made.height).ok() != Some(h.value()) {
                return Err(ServerError::Store(format!(
                    "stored block {} replayed as {}",
                    h.value(),
                    made.height
                )));
            }
        }
        Ok(node)
    }
}

/// How `pokt devnet` serves.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// CometBFT JSON-RPC listen address (loopback by default).
    pub rpc_addr: SocketAddr,
    /// gRPC listen address.
    pub grpc_addr: SocketAddr,
    /// Make a block at this interval (`None`: only on `devnet_mine`).
    pub block_time: Option<Duration>,
}

/// The running devnet: its chain, store and servers.
#[derive(Debug)]
pub struct Devnet {
    chain: InProcessChain,
    store: Option<Arc<Store>>,
}

/// A running server: its bound addresses; dropping it does not stop it, [`Running::stop`]
/// does.
#[derive(Debug)]
pub struct Running {
    /// Bound JSON-RPC address.
    pub rpc_addr: SocketAddr,
    /// Bound gRPC address.
    pub grpc_addr: SocketAddr,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops the servers and the block timer and waits for them.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

#[derive(Clone, Debug)]
struct Shared {
    chain: InProcessChain,
    store: Option<Arc<Store>>,
    rpc_addr: SocketAddr,
}

impl Shared {
    fn mine(&self, n: u64) -> Result<BlockRef, ServerError> {
        mine(&self.chain, self.store.as_deref(), n)
    }
}

/// Makes `n` blocks now, storing each before it is announced.
fn mine(chain: &InProcessChain, store: Option<&Store>, n: u64) -> Result<BlockRef, ServerError> {
    let mut last = None;
    for _ in 0..n {
        let r: Result<BlockRef, ServerError> = chain.with_node_mut(|node| {
            let t = now_ms().max(node.latest().time_ms);
            let b = node.make_block(t)?.clone();
            if let Some(s) = store {
                s.put_block(b.height, b.time_ms, node.block_txs(b.height))?;
            }
            Ok(block_ref(&b))
        });
        last = Some(r?);
    }
    match last {
        Some(b) => Ok(b),
        None => Ok(chain.with_node(|n| block_ref(n.latest()))),
    }
}

impl Devnet {
    /// A devnet over `chain`, storing its blocks in `store` when given.
    pub fn new(chain: InProcessChain, store: Option<Store>) -> Self {
        Self {
            chain,
            store: store.map(Arc::new),
        }
    }

    /// Opens the devnet of a home directory: `home/devnet.redb` replayed, or created from
    /// `genesis`.
    pub fn open(store_path: &Path, genesis: Option<Genesis>) -> Result<Self, ServerError> {
        let store = Store::open(store_path)?;
        let node = store.load(genesis)?;
        Ok(Self::new(InProcessChain::new(node), Some(store)))
    }

    /// The chain (in process).
    pub fn chain(&self) -> &InProcessChain {
        &self.chain
    }

    /// Makes `n` blocks now (each stored before it is announced); returns the last.
    pub fn mine(&self, n: u64) -> Result<BlockRef, ServerError> {
        mine(&self.chain, self.store.as_deref(), n)
    }

    /// Binds both servers and starts them (and the block timer).
    pub async fn serve(&self, cfg: &ServeConfig) -> Result<Running, ServerError> {
        let rpc_listener = TcpListener::bind(cfg.rpc_addr).await?;
        let grpc_listener = TcpListener::bind(cfg.grpc_addr).await?;
        let rpc_addr = rpc_listener.local_addr()?;
        let grpc_addr = grpc_listener.local_addr()?;
        let shared = Shared {
            chain: self.chain.clone(),
            store: self.store.clone(),
            rpc_addr,
        };
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        let rpc = rpc_router(shared.clone());
        let mut s1 = stopped.clone();
        tasks.push(tokio::spawn(async move {
            use axum::serve::ListenerExt as _;
            // No Nagle delay on small JSON-RPC answers.
            let listener = rpc_listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, rpc)
                .with_graceful_shutdown(async move {
                    let _ = s1.wait_for(|v| *v).await;
                })
                .await;
        }));
        let routes = tonic::service::Routes::from(grpc_router(&shared));
        let mut s2 = stopped.clone();
        tasks.push(tokio::spawn(async move {
            let _ = tonic::transport::Server::builder()
                .timeout(Duration::from_secs(30))
                .concurrency_limit_per_connection(256)
                .add_routes(routes)
                .serve_with_incoming_shutdown(
                    tonic::transport::server::TcpIncoming::from(grpc_listener)
                        .with_nodelay(Some(true)),
                    async move {
                        let _ = s2.wait_for(|v| *v).await;
                    },
                )
                .await;
        }));
        if let Some(every) = cfg.block_time {
            let mut s3 = stopped.clone();
            let shared = shared.clone();
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                tick.tick().await;
                loop {
                    tokio::select! {
                        _ = tick.tick() => {
                            if let Err(e) = shared.mine(1) {
                                eprintln!("pokt devnet: block not made: {e}");
                            }
                        }
                        _ = s3.wait_for(|v| *v) => return,
                    }
                }
            }));
        }
        Ok(Running {
            rpc_addr,
            grpc_addr,
            stop,
            tasks,
        })
    }
}

// ----- gRPC -----

fn status(e: QueryError) -> tonic::Status {
    match e {
        QueryError::NotFound(what) => tonic::Status::not_found(format!("{what} not found")),
        other => tonic::Status::invalid_argument(other.to_string()),
    }
}

type Handler<Req, Resp> = dyn Fn(&Shared, Req) -> Result<Resp, tonic::Status> + Send + Sync;

/// One unary gRPC method: decodes `Req` (bounded), runs the handler, encodes `Resp`.
struct Unary<Req, Resp> {
    shared: Shared,
    f: Arc<Handler<Req, Resp>>,
    _p: PhantomData<fn(Req) -> Resp>,
}

impl<Req, Resp> Clone for Unary<Req, Resp> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            f: self.f.clone(),
            _p: PhantomData,
        }
    }
}

struct Call<Req, Resp>(Unary<Req, Resp>);

impl<Req, Resp> tonic::server::UnaryService<Req> for Call<Req, Resp>
where
    Req: Send + 'static,
    Resp: Send + 'static,
{
    type Response = Resp;
    type Future = std::future::Ready<Result<tonic::Response<Resp>, tonic::Status>>;
    fn call(&mut self, request: tonic::Request<Req>) -> Self::Future {
        std::future::ready(
            (self.0.f)(&self.0.shared, request.into_inner()).map(tonic::Response::new),
        )
    }
}

impl<Req, Resp> tower_service::Service<axum::extract::Request> for Unary<Req, Resp>
where
    Req: prost::Message + Default + Send + Sync + 'static,
    Resp: prost::Message + Send + Sync + 'static,
{
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::extract::Request) -> Self::Future {
        let me = self.clone();
        Box::pin(async move {
            let mut grpc =
                tonic::server::Grpc::new(tonic_prost::ProstCodec::<Resp, Req>::default())
                    .max_decoding_message_size(MAX_REQUEST_BYTES);
            Ok(grpc.unary(Call(me), req).await.into_response())
        })
    }
}

fn unary<Req, Resp>(
    router: axum::Router,
    shared: &Shared,
    path: &'static str,
    f: impl Fn(&Shared, Req) -> Result<Resp, tonic::Status> + Send + Sync + 'static,
) -> axum::Router
where
    Req: prost::Message + Default + Send + Sync + 'static,
    Resp: prost::Message + Send + Sync + 'static,
{
    router.route_service(
        path,
        Unary {
            shared: shared.clone(),
            f: Arc::new(f),
            _p: PhantomData,
        },
    )
}

fn tx_response(hash: String, r: Option<Refusal>, gas_wanted: u64, gas_used: u64) -> pc::TxResponse {
    let (codespace, code, log) = match r {
        Some(x) => (x.codespace.to_string(), x.code, x.log),
        None => (String::new(), 0, String::new()),
    };
    pc::TxResponse {
        txhash: hash,
        codespace,
        code,
        raw_log: log,
        gas_wanted: i64::try_from(gas_wanted).unwrap_or(i64::MAX),
        gas_used: i64::try_from(gas_used).unwrap_or(i64::MAX),
        ..pc::TxResponse::default()
    }
}

/// The gRPC services, one route per method path. [CHAIN-DEVNET-4]
fn grpc_router(shared: &Shared) -> axum::Router {
    let q = |s: &Shared| s.chain.clone();
    let r = axum::Router::new();
    let r = unary(
        r,
        shared,
        paths::SESSION_GET_SESSION,
        move |s, req: pp::QueryGetSessionRequest| {
            q(s).with_node(|n| n.get_session(&req)).map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::SESSION_PARAMS,
        |s, _: pp::QueryParamsRequest| Ok(s.chain.with_node(Node::session_params)),
    );
    let r = unary(
        r,
        shared,
        paths::SHARED_PARAMS,
        |s, _: pp::QueryParamsRequest| Ok(s.chain.with_node(|n| n.shared_params(n.height()))),
    );
    let r = unary(
        r,
        shared,
        paths::SHARED_PARAMS_AT_HEIGHT,
        |s, req: pp::QueryParamsAtHeightRequest| {
            Ok(s.chain.with_node(|n| n.shared_params(req.height)))
        },
    );
    let r = unary(
        r,
        shared,
        paths::APPLICATION,
        |s, req: pp::QueryByAddressRequest| {
            s.chain
                .with_node(|n| n.application(&req.address))
                .map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::GATEWAY,
        |s, req: pp::QueryByAddressRequest| {
            s.chain
                .with_node(|n| n.gateway(&req.address))
                .map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::SUPPLIER,
        |s, req: pp::QueryByAddressRequest| {
            s.chain
                .with_node(|n| n.supplier(&req.address))
                .map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::SERVICE,
        |s, req: pp::QueryGetServiceRequest| {
            s.chain.with_node(|n| n.service(&req.id)).map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::DIFFICULTY_AT_HEIGHT,
        |s, req: pp::QueryDifficultyAtHeightRequest| {
            s.chain.with_node(|n| n.difficulty_at(&req)).map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::PROOF_PARAMS,
        |s, _: pp::QueryParamsRequest| Ok(s.chain.with_node(Node::proof_params)),
    );
    let r = unary(
        r,
        shared,
        paths::TOKENOMICS_PARAMS,
        |s, _: pp::QueryParamsRequest| Ok(s.chain.with_node(Node::tokenomics_params)),
    );
    let r = unary(
        r,
        shared,
        paths::CLAIM,
        |s, req: pp::QueryGetClaimRequest| s.chain.with_node(|n| n.claim(&req)).map_err(status),
    );
    let r = unary(
        r,
        shared,
        paths::ALL_CLAIMS,
        |s, req: pp::QueryAllClaimsRequest| Ok(s.chain.with_node(|n| n.all_claims(&req))),
    );
    let r = unary(
        r,
        shared,
        paths::AUTH_ACCOUNT,
        |s, req: pc::QueryAccountRequest| {
            s.chain
                .with_node(|n| n.account(&req.address))
                .map_err(status)
        },
    );
    let r = unary(
        r,
        shared,
        paths::BANK_BALANCE,
        |s, req: pc::QueryBalanceRequest| s.chain.with_node(|n| n.balance(&req)).map_err(status),
    );
    let r = unary(r, shared, paths::TX_GET, |s, req: pc::GetTxRequest| {
        s.chain.with_node(|n| n.get_tx(&req.hash)).map_err(status)
    });
    let r = unary(
        r,
        shared,
        paths::TX_SIMULATE,
        |s, req: pc::SimulateRequest| {
            s.chain
                .with_node(|n| n.simulate(&req.tx_bytes))
                .map(|gas| pc::SimulateResponse {
                    gas_info: Some(pc::GasInfo {
                        gas_wanted: 0,
                        gas_used: gas,
                    }),
                    result: Some(pc::AbciResult::default()),
                })
                .map_err(|r| tonic::Status::invalid_argument(r.log))
        },
    );
    unary(
        r,
        shared,
        paths::TX_BROADCAST,
        |s, req: pc::BroadcastTxRequest| {
            let r = s.chain.with_node_mut(|n| n.check_tx(&req.tx_bytes));
            Ok(pc::BroadcastTxResponse {
                tx_response: Some(tx_response(
                    r.hash.to_string(),
                    r.refusal,
                    r.gas_wanted,
                    r.gas_used,
                )),
            })
        },
    )
}

// ----- CometBFT JSON-RPC -----

/// JSON-RPC error codes (as CometBFT uses them).
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const INTERNAL_ERROR: i64 = -32603;

struct RpcError {
    code: i64,
    message: &'static str,
    data: String,
}

fn rpc_err(code: i64, data: impl Into<String>) -> RpcError {
    RpcError {
        code,
        message: match code {
            PARSE_ERROR => "Parse error",
            INVALID_REQUEST => "Invalid Request",
            METHOD_NOT_FOUND => "Method not found",
            INVALID_PARAMS => "Invalid params",
            _ => "Internal error",
        },
        data: data.into(),
    }
}

fn hex_up(b: &[u8]) -> String {
    hex::encode_upper(b)
}

fn sha(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The devnet's one validator (CometBFT address and ed25519 key: the curve's base point).
fn validator_address() -> [u8; 20] {
    let d = sha(&[b"pokt-devnet validator"]);
    let mut a = [0u8; 20];
    a.copy_from_slice(d.get(..20).unwrap_or(&[0; 20]));
    a
}

const VALIDATOR_KEY: [u8; 32] = [
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
];

fn app_hash(b: &BlockRecord) -> [u8; 32] {
    sha(&[b"pokt-devnet app", b.hash.as_bytes()])
}

fn block_id(b: &BlockRecord) -> Value {
    json!({
        "hash": hex_up(b.hash.as_bytes()),
        "parts": { "total": 1, "hash": hex_up(&sha(&[b"parts", b.hash.as_bytes()])) }
    })
}

fn empty_block_id() -> Value {
    json!({ "hash": "", "parts": { "total": 0, "hash": "" } })
}

/// A block as CometBFT 0.38's `/block` writes it. The block id is the devnet's block hash (not a
/// Merkle root of this header). [CHAIN-DEVNET-4]
fn block_json(n: &Node, b: &BlockRecord) -> Value {
    let prev = n.block(b.height.saturating_sub(1));
    let txs: Vec<String> = n
        .block_txs(b.height)
        .iter()
        .map(|t| base64::engine::general_purpose::STANDARD.encode(t))
        .collect();
    let tx_hashes: Vec<u8> = b.txs.iter().flat_map(|h| h.as_bytes().to_vec()).collect();
    let validators = sha(&[b"pokt-devnet validators"]);
    let header = json!({
        "version": { "block": "11", "app": "0" },
        "chain_id": n.chain_id(),
        "height": b.height.to_string(),
        "time": rfc3339(b.time_ms),
        "last_block_id": prev.map_or_else(empty_block_id, block_id),
        "last_commit_hash": prev.map_or(String::new(), |p| hex_up(&sha(&[b"commit", p.hash.as_bytes()]))),
        "data_hash": hex_up(&sha(&[&tx_hashes])),
        "validators_hash": hex_up(&validators),
        "next_validators_hash": hex_up(&validators),
        "consensus_hash": hex_up(&sha(&[b"pokt-devnet consensus"])),
        "app_hash": prev.map_or(String::new(), |p| hex_up(&app_hash(p))),
        "last_results_hash": prev.map_or(String::new(), |p| hex_up(&sha(&[b"results", p.hash.as_bytes()]))),
        "evidence_hash": hex_up(&sha(&[])),
        "proposer_address": hex_up(&validator_address()),
    });
    let last_commit = match prev {
        Some(p) => json!({
            "height": p.height.to_string(), "round": 0, "block_id": block_id(p), "signatures": []
        }),
        None => {
            json!({ "height": "0", "round": 0, "block_id": empty_block_id(), "signatures": [] })
        }
    };
    json!({
        "block_id": block_id(b),
        "block": {
            "header": header,
            "data": { "txs": txs },
            "evidence": { "evidence": [] },
            "last_commit": last_commit,
        }
    })
}

fn events_json(events: &[crate::node::Event]) -> Value {
    Value::Array(
        events
            .iter()
            .map(|e| {
                json!({
                    "type": e.kind,
                    "attributes": e.attributes.iter().map(|(k, v)| json!({"key": k, "value": v, "index": true})).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

fn tx_results_json(n: &Node, b: &BlockRecord) -> Value {
    Value::Array(
        b.txs
            .iter()
            .filter_map(|h| n.tx(h))
            .map(|r| {
                let (codespace, code, log) = match &r.refusal {
                    Some(x) => (x.codespace, x.code, x.log.clone()),
                    None => ("", 0, String::new()),
                };
                json!({
                    "code": code, "data": null, "log": log, "info": "",
                    "gas_wanted": r.gas_wanted.to_string(), "gas_used": r.gas_used.to_string(),
                    "events": events_json(&r.events), "codespace": codespace,
                })
            })
            .collect(),
    )
}

fn height_param(n: &Node, params: &Value) -> Result<i64, RpcError> {
    let latest = n.height();
    let h = match params.get("height") {
        None | Some(Value::Null) => return Ok(latest),
        Some(Value::String(s)) if s.is_empty() => return Ok(latest),
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        Some(Value::Number(x)) => x.as_i64(),
        Some(_) => None,
    }
    .ok_or_else(|| rpc_err(INVALID_PARAMS, "height must be an integer"))?;
    if h == 0 {
        return Ok(latest);
    }
    if h < 1 || h > latest {
        return Err(rpc_err(
            INTERNAL_ERROR,
            format!(
                "height {h} must be less than or equal to the current blockchain height {latest}"
            ),
        ));
    }
    Ok(h)
}

fn status_json(n: &Node, rpc_addr: SocketAddr) -> Value {
    let first = n.block(1);
    let last = n.latest();
    json!({
        "node_info": {
            "protocol_version": { "p2p": "8", "block": "11", "app": "0" },
            "id": hex::encode(validator_address()),
            "listen_addr": "tcp://127.0.0.1:26656",
            "network": n.chain_id(),
            "version": "0.38.0-pokt-devnet",
            "channels": "40202122233038606100",
            "moniker": "pokt-devnet",
            "other": { "tx_index": "on", "rpc_address": format!("tcp://{rpc_addr}") },
        },
        "sync_info": {
            "latest_block_hash": hex_up(last.hash.as_bytes()),
            "latest_app_hash": hex_up(&app_hash(last)),
            "latest_block_height": last.height.to_string(),
            "latest_block_time": rfc3339(last.time_ms),
            "earliest_block_hash": first.map_or(String::new(), |b| hex_up(b.hash.as_bytes())),
            "earliest_app_hash": "",
            "earliest_block_height": "1",
            "earliest_block_time": first.map_or(String::new(), |b| rfc3339(b.time_ms)),
            "catching_up": false,
        },
        "validator_info": {
            "address": hex_up(&validator_address()),
            "pub_key": {
                "type": "tendermint/PubKeyEd25519",
                "value": base64::engine::general_purpose::STANDARD.encode(VALIDATOR_KEY),
            },
            "voting_power": "10",
        },
    })
}

/// One JSON-RPC method. [CHAIN-DEVNET-4]
fn call(s: &Shared, method: &str, params: &Value) -> Result<Value, RpcError> {
    match method {
        "health" => Ok(json!({})),
        "status" => Ok(s.chain.with_node(|n| status_json(n, s.rpc_addr))),
        "block" => s.chain.with_node(|n| {
            let h = height_param(n, params)?;
            n.block(h)
                .map(|b| block_json(n, b))
                .ok_or_else(|| rpc_err(INTERNAL_ERROR, "block not found"))
        }),
        "block_results" => s.chain.with_node(|n| {
            let h = height_param(n, params)?;
            let b = n
                .block(h)
                .ok_or_else(|| rpc_err(INTERNAL_ERROR, "block not found"))?;
            Ok(json!({
                "height": h.to_string(),
                "txs_results": tx_results_json(n, b),
                "finalize_block_events": events_json(&b.events),
                "validator_updates": [],
                "consensus_param_updates": null,
                "app_hash": hex_up(&app_hash(b)),
            }))
        }),
        "broadcast_tx_sync" => {
            let tx = params
                .get("tx")
                .and_then(Value::as_str)
                .and_then(|t| base64::engine::general_purpose::STANDARD.decode(t).ok())
                .ok_or_else(|| rpc_err(INVALID_PARAMS, "tx must be base64"))?;
            let r = s.chain.with_node_mut(|n| n.check_tx(&tx));
            let (codespace, code, log) = match r.refusal {
                Some(x) => (x.codespace, x.code, x.log),
                None => ("", 0, String::new()),
            };
            Ok(
                json!({ "code": code, "data": "", "log": log, "codespace": codespace, "hash": r.hash.to_string() }),
            )
        }
        // Devnet extension (like anvil's `evm_mine`): make `blocks` blocks now.
        "devnet_mine" => {
            let blocks = match params.get("blocks") {
                None | Some(Value::Null) => 1,
                Some(v) => v
                    .as_u64()
                    .or_else(|| v.as_str().and_then(|x| x.parse().ok()))
                    .ok_or_else(|| rpc_err(INVALID_PARAMS, "blocks must be a positive integer"))?,
            };
            if blocks == 0 || blocks > MAX_MINE_PER_CALL {
                return Err(rpc_err(
                    INVALID_PARAMS,
                    format!("blocks must be in 1..={MAX_MINE_PER_CALL}"),
                ));
            }
            let b = s
                .mine(blocks)
                .map_err(|e| rpc_err(INTERNAL_ERROR, e.to_string()))?;
            Ok(json!({ "height": b.height.get().to_string(), "hash": hex_up(b.hash.as_bytes()) }))
        }
        _ => Err(rpc_err(
            METHOD_NOT_FOUND,
            format!("method {method:?} is not served by pokt devnet"),
        )),
    }
}

fn envelope(id: Value, r: Result<Value, RpcError>) -> Value {
    match r {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(e) => json!({
            "jsonrpc": "2.0", "id": id,
            "error": { "code": e.code, "message": e.message, "data": e.data },
        }),
    }
}

fn handle(s: &Shared, req: &Value) -> Value {
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = req.get("method").and_then(Value::as_str) else {
        return envelope(id, Err(rpc_err(INVALID_REQUEST, "method missing")));
    };
    let params = req.get("params").cloned().unwrap_or(Value::Null);
    envelope(id, call(s, method, &params))
}

async fn rpc_post(State(s): State<Shared>, body: axum::body::Bytes) -> axum::Json<Value> {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return axum::Json(envelope(
                Value::Null,
                Err(rpc_err(PARSE_ERROR, e.to_string())),
            ));
        }
    };
    axum::Json(match &v {
        Value::Array(batch) if batch.len() <= 100 => {
            Value::Array(batch.iter().map(|r| handle(&s, r)).collect())
        }
        Value::Array(_) => envelope(
            Value::Null,
            Err(rpc_err(INVALID_REQUEST, "batch above 100")),
        ),
        other => handle(&s, other),
    })
}

/// URI-over-HTTP form (`GET /block?height=5`), as CometBFT serves it.
async fn rpc_get(
    State(s): State<Shared>,
    axum::extract::Path(method): axum::extract::Path<String>,
    Query(q): Query<std::collections::BTreeMap<String, String>>,
) -> axum::Json<Value> {
    let params = Value::Object(
        q.into_iter()
            .map(|(k, v)| (k, Value::String(v.trim_matches('"').to_string())))
            .collect(),
    );
    axum::Json(envelope(json!(-1), call(&s, &method, &params)))
}

async fn ws_upgrade(State(s): State<Shared>, ws: WebSocketUpgrade) -> impl IntoResponse {
    ws.max_message_size(MAX_WS_MESSAGE_BYTES)
        .max_frame_size(MAX_WS_MESSAGE_BYTES)
        .on_upgrade(move |socket| ws_session(s, socket))
}

const NEW_BLOCK_QUERY: &str = "tm.event='NewBlock'";

/// A websocket session: JSON-RPC calls, and `subscribe` to `tm.event='NewBlock'`, after which
/// every new block is sent as a CometBFT 0.38 NewBlock event. [CHAIN-DEVNET-4]
async fn ws_session(s: Shared, mut socket: WebSocket) {
    use crate::chain::Chain as _;
    let mut subscription: Option<(Value, crate::chain::BlockStream)> = None;
    loop {
        tokio::select! {
            msg = socket.recv() => {
                let Some(Ok(msg)) = msg else { return };
                let text = match msg {
                    WsMessage::Text(t) => t.to_string(),
                    WsMessage::Close(_) => return,
                    _ => continue,
                };
                let req: Value = match serde_json::from_str(&text) {
                    Ok(v) => v,
                    Err(e) => {
                        let out = envelope(Value::Null, Err(rpc_err(PARSE_ERROR, e.to_string())));
                        if socket.send(WsMessage::Text(out.to_string().into())).await.is_err() { return; }
                        continue;
                    }
                };
                let id = req.get("id").cloned().unwrap_or(Value::Null);
                let out = match req.get("method").and_then(Value::as_str) {
                    Some("subscribe") => {
                        let query = req.pointer("/params/query").and_then(Value::as_str).unwrap_or_default();
                        if query.replace(' ', "") != NEW_BLOCK_QUERY {
                            envelope(id, Err(rpc_err(INVALID_PARAMS, format!("pokt devnet serves only {NEW_BLOCK_QUERY}"))))
                        } else {
                            match s.chain.subscribe_blocks().await {
                                Ok(stream) => {
                                    subscription = Some((id.clone(), stream));
                                    envelope(id, Ok(json!({})))
                                }
                                Err(e) => envelope(id, Err(rpc_err(INTERNAL_ERROR, e.to_string()))),
                            }
                        }
                    }
                    Some("unsubscribe" | "unsubscribe_all") => {
                        subscription = None;
                        envelope(id, Ok(json!({})))
                    }
                    _ => handle(&s, &req),
                };
                if socket.send(WsMessage::Text(out.to_string().into())).await.is_err() {
                    return;
                }
            }
            b = async {
                match subscription.as_mut() {
                    Some((_, stream)) => stream.next().await,
                    None => std::future::pending().await,
                }
            } => {
                let Some(Ok(b)) = b else { return };
                let id = subscription.as_ref().map_or(Value::Null, |(id, _)| id.clone());
                let ev = s.chain.with_node(|n| {
                    n.block(b.height.get()).map(|rec| {
                        let bj = block_json(n, rec);
                        json!({
                            "query": NEW_BLOCK_QUERY,
                            "data": {
                                "type": "tendermint/event/NewBlock",
                                "value": {
                                    "block": bj["block"],
                                    "block_id": bj["block_id"],
                                    // Events are read with `block_results`.
                                    "result_finalize_block": null,
                                },
                            },
                            "events": { "tm.event": ["NewBlock"] },
                        })
                    })
                });
                let Some(ev) = ev else { continue };
                let out = json!({ "jsonrpc": "2.0", "id": id, "result": ev });
                if socket.send(WsMessage::Text(out.to_string().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn rpc_router(s: Shared) -> axum::Router {
    axum::Router::new()
        .route("/", post(rpc_post))
        .route("/websocket", get(ws_upgrade))
        .route("/{method}", get(rpc_get))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(s)
}
