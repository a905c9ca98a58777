//! How [`RemoteChain`](super::RemoteChain) talks to a node: JSON-RPC calls over HTTP, unary gRPC
//! calls, the websocket subscription to new blocks, each with its timeout and read bound, and
//! the mapping of transport failures to [`ChainError`]. [CHAIN-REMOTE-1]

use std::time::Duration;

use futures_util::SinkExt;
use pokt_primitives::{BlockHash, BlockHeight};
use tendermint_rpc::Response as _;
use tendermint_rpc::dialect::v0_38::Dialect as V038;
use tendermint_rpc::request::RequestMessage as _;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::types::{BlockRef, ChainError, malformed};

use super::RemoteChain;

pub(super) fn unreachable(endpoint: &'static str, e: impl std::fmt::Display) -> ChainError {
    ChainError::Unreachable {
        endpoint,
        reason: e.to_string(),
    }
}

pub(super) fn status_error(s: tonic::Status, what: &'static str, limit: usize) -> ChainError {
    use tonic::Code;
    match s.code() {
        Code::NotFound => ChainError::NotFound { what },
        Code::DeadlineExceeded => ChainError::Timeout {
            endpoint: "grpc",
            after: Duration::ZERO,
        },
        Code::Unavailable => unreachable("grpc", s.message()),
        Code::ResourceExhausted | Code::OutOfRange if s.message().contains("message length") => {
            ChainError::TooLarge {
                endpoint: "grpc",
                limit,
            }
        }
        code => ChainError::Refused {
            code: i64::from(i32::from(code)),
            message: s.message().into(),
        },
    }
}

pub(super) fn block_of(
    id: &tendermint::block::Id,
    header: &tendermint::block::Header,
) -> Result<BlockRef, ChainError> {
    let hash = BlockHash::from_slice(id.hash.as_bytes()).map_err(|_| malformed("block hash"))?;
    let height = i64::try_from(header.height.value()).map_err(|_| malformed("height"))?;
    let ms = header.time.unix_timestamp_nanos() / 1_000_000;
    Ok(BlockRef {
        height: BlockHeight::new(height),
        hash,
        time_ms: u64::try_from(ms).unwrap_or(0),
    })
}

/// Reads a body up to `limit` bytes.
pub(super) async fn read_bounded(
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ChainError> {
    if resp
        .content_length()
        .is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX))
    {
        return Err(ChainError::TooLarge {
            endpoint: "rpc",
            limit,
        });
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| unreachable("rpc", e))? {
        if out.len().saturating_add(chunk.len()) > limit {
            return Err(ChainError::TooLarge {
                endpoint: "rpc",
                limit,
            });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

impl RemoteChain {
    /// One JSON-RPC call over HTTP (CometBFT v0.38 dialect).
    pub(super) async fn rpc<R>(&self, req: R) -> Result<R::Output, ChainError>
    where
        R: tendermint_rpc::SimpleRequest<V038>,
    {
        let cfg = &self.inner.cfg;
        let send = self
            .inner
            .http
            .post(&cfg.rpc_url)
            .header("content-type", "application/json")
            .body(req.into_json())
            .send();
        let resp = match tokio::time::timeout(cfg.timeout, send).await {
            Err(_) => {
                return Err(ChainError::Timeout {
                    endpoint: "rpc",
                    after: cfg.timeout,
                });
            }
            Ok(Err(e)) if e.is_timeout() => {
                return Err(ChainError::Timeout {
                    endpoint: "rpc",
                    after: cfg.timeout,
                });
            }
            Ok(Err(e)) => return Err(unreachable("rpc", e)),
            Ok(Ok(r)) => r,
        };
        let body = tokio::time::timeout(cfg.timeout, read_bounded(resp, cfg.max_response_bytes))
            .await
            .map_err(|_| ChainError::Timeout {
                endpoint: "rpc",
                after: cfg.timeout,
            })??;
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body)
            && let Some(err) = v.get("error").filter(|e| !e.is_null())
        {
            return Err(ChainError::Refused {
                code: err
                    .get("code")
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or(0),
                message: [err.get("message"), err.get("data")]
                    .iter()
                    .filter_map(|x| x.and_then(serde_json::Value::as_str))
                    .collect::<Vec<_>>()
                    .join(": "),
            });
        }
        let r = <R as tendermint_rpc::Request<V038>>::Response::from_string(&body)
            .map_err(|_| malformed("json-rpc answer"))?;
        Ok(r.into())
    }

    /// One gRPC unary call.
    pub(super) async fn unary<Req, Resp>(
        &self,
        path: &'static str,
        what: &'static str,
        req: Req,
    ) -> Result<Resp, ChainError>
    where
        Req: prost::Message + Send + Sync + 'static,
        Resp: prost::Message + Default + Send + Sync + 'static,
    {
        let cfg = &self.inner.cfg;
        let mut g = tonic::client::Grpc::new(self.inner.channel.clone())
            .max_decoding_message_size(cfg.max_response_bytes);
        let call = async {
            g.ready().await.map_err(|e| unreachable("grpc", e))?;
            g.unary(
                tonic::Request::new(req),
                http::uri::PathAndQuery::from_static(path),
                tonic_prost::ProstCodec::<Req, Resp>::default(),
            )
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| status_error(s, what, cfg.max_response_bytes))
        };
        match tokio::time::timeout(cfg.timeout, call).await {
            Ok(r) => r.map_err(|e| match e {
                ChainError::Timeout { endpoint, .. } => ChainError::Timeout {
                    endpoint,
                    after: cfg.timeout,
                },
                e => e,
            }),
            Err(_) => Err(ChainError::Timeout {
                endpoint: "grpc",
                after: cfg.timeout,
            }),
        }
    }

    fn ws_url(&self) -> String {
        let base = self.inner.cfg.rpc_url.trim_end_matches('/');
        let base = base
            .strip_prefix("http://")
            .map(|r| format!("ws://{r}"))
            .or_else(|| base.strip_prefix("https://").map(|r| format!("wss://{r}")))
            .unwrap_or_else(|| base.to_string());
        format!("{base}/websocket")
    }

    /// Connects the websocket and subscribes to new blocks.
    pub(super) async fn ws_subscribe(
        &self,
    ) -> Result<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
        ChainError,
    > {
        let cfg = &self.inner.cfg;
        let ws_cfg = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(cfg.max_response_bytes))
            .max_frame_size(Some(cfg.max_response_bytes));
        let (mut ws, _) = tokio::time::timeout(
            cfg.connect_timeout,
            tokio_tungstenite::connect_async_with_config(self.ws_url(), Some(ws_cfg), false),
        )
        .await
        .map_err(|_| ChainError::Timeout {
            endpoint: "websocket",
            after: cfg.connect_timeout,
        })?
        .map_err(|e| unreachable("websocket", e))?;
        let sub = tendermint_rpc::endpoint::subscribe::Request::new("tm.event='NewBlock'".into());
        ws.send(WsMessage::text(sub.into_json()))
            .await
            .map_err(|e| unreachable("websocket", e))?;
        Ok(ws)
    }
}

/// A new-block event's block (height, hash, time).
pub(super) fn parse_new_block(text: &str) -> Option<BlockRef> {
    let ev = tendermint_rpc::event::v0_38::DeEvent::from_string(text).ok()?;
    let ev: tendermint_rpc::event::Event = ev.into();
    match ev.data {
        tendermint_rpc::event::EventData::NewBlock {
            block: Some(block),
            block_id,
            ..
        } => block_of(&block_id, &block.header).ok(),
        _ => None,
    }
}
