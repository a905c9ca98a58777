//! CometBFT's JSON-RPC over HTTP (POST and GET) and its websocket subscription to new blocks,
//! plus the devnet's `devnet_mine` extension. [CHAIN-DEVNET-4]

use std::net::SocketAddr;

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::node::{BlockRecord, Node, rfc3339};

use super::{MAX_MINE_PER_CALL, MAX_REQUEST_BYTES, MAX_WS_MESSAGE_BYTES, Shared};

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

pub(super) fn rpc_router(s: Shared) -> axum::Router {
    axum::Router::new()
        .route("/", post(rpc_post))
        .route("/websocket", get(ws_upgrade))
        .route("/{method}", get(rpc_get))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(s)
}
