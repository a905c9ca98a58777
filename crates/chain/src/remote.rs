//! [`RemoteChain`]: a POKT node (or `pokt devnet`) over its own APIs — CometBFT JSON-RPC over HTTP
//! and its websocket subscription for blocks, gRPC for the modules' queries and the transaction
//! service. Every call has a timeout and a bound on what it reads. [CHAIN-REMOTE-1]

mod transport;

use transport::{block_of, parse_new_block, unreachable};

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pokt_primitives::{
    Address, BlockHeight, Claim, ProofParams, ServiceId, SessionParams, SharedParams,
    TokenomicsParams,
};
use tokio::sync::OnceCell;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::chain::{BlockStream, Chain, send_in_order};
use crate::proto::cosmos as pc;
use crate::proto::paths;
use crate::proto::pocket as pp;
use crate::tx::TxHash;
use crate::types::{
    self, AccountInfo, Application, BlockRef, BroadcastResult, ChainError, ChainEvent,
    ChainSession, Difficulty, GasInfo, Gateway, Service, Supplier, TxResult, malformed,
};

/// Where and how to reach a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteConfig {
    /// CometBFT RPC base URL, e.g. `http://127.0.0.1:26657` (the websocket is `…/websocket`).
    pub rpc_url: String,
    /// gRPC URL, e.g. `http://127.0.0.1:9090`.
    pub grpc_url: String,
    /// Bound on each call.
    pub timeout: Duration,
    /// Bound on connecting.
    pub connect_timeout: Duration,
    /// Bound on one answer's size (JSON-RPC body, gRPC message, websocket message).
    pub max_response_bytes: usize,
    /// Polling interval of the block stream while the websocket is down.
    pub poll_interval: Duration,
}

impl RemoteConfig {
    /// A node at these URLs with 10 s calls, 5 s connects, 16 MiB answers, 1 s polling.
    pub fn new(rpc_url: impl Into<String>, grpc_url: impl Into<String>) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            grpc_url: grpc_url.into(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_response_bytes: 16 << 20,
            poll_interval: Duration::from_secs(1),
        }
    }
}

/// A POKT node reached over the network. Clones share the connections. [CHAIN-REMOTE-1]
#[derive(Clone, Debug)]
pub struct RemoteChain {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cfg: RemoteConfig,
    http: reqwest::Client,
    channel: tonic::transport::Channel,
    chain_id: OnceCell<String>,
}

impl RemoteChain {
    /// A client for the node at `cfg`'s URLs. Connections are made on first use.
    pub fn new(cfg: RemoteConfig) -> Result<Self, ChainError> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .build()
            .map_err(|e| unreachable("rpc", e))?;
        let channel = tonic::transport::Endpoint::from_shared(cfg.grpc_url.clone())
            .map_err(|_| malformed("grpc url"))?
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .connect_lazy();
        Ok(Self {
            inner: Arc::new(Inner {
                cfg,
                http,
                channel,
                chain_id: OnceCell::new(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RemoteConfig {
        &self.inner.cfg
    }
}

impl Chain for RemoteChain {
    async fn chain_id(&self) -> Result<String, ChainError> {
        self.inner
            .chain_id
            .get_or_try_init(|| async {
                let s = self.rpc(tendermint_rpc::endpoint::status::Request).await?;
                Ok(s.node_info.network.to_string())
            })
            .await
            .cloned()
    }

    async fn latest_block(&self) -> Result<BlockRef, ChainError> {
        let r = self
            .rpc(tendermint_rpc::endpoint::block::Request::default())
            .await?;
        block_of(&r.block_id, &r.block.header)
    }

    async fn block(&self, height: BlockHeight) -> Result<BlockRef, ChainError> {
        let h = u64::try_from(height.get())
            .ok()
            .and_then(|h| tendermint::block::Height::try_from(h).ok())
            .ok_or(ChainError::NotFound { what: "block" })?;
        match self
            .rpc(tendermint_rpc::endpoint::block::Request::new(h))
            .await
        {
            Ok(r) => block_of(&r.block_id, &r.block.header),
            // CometBFT answers a height above the latest with an "invalid request" error.
            Err(ChainError::Refused { message, .. })
                if message.contains("must be less than or equal") || message.contains("height") =>
            {
                Err(ChainError::NotFound { what: "block" })
            }
            Err(e) => Err(e),
        }
    }

    async fn subscribe_blocks(&self) -> Result<BlockStream, ChainError> {
        let mut last = self.latest_block().await?.height.get();
        let ws = self.ws_subscribe().await?;
        let chain = self.clone();
        Ok(BlockStream::spawn(move |tx| async move {
            let mut ws = Some(ws);
            let mut backoff = chain.inner.cfg.poll_interval;
            loop {
                if let Some(mut s) = ws.take() {
                    while let Some(msg) = s.next().await {
                        let Ok(msg) = msg else { break };
                        let text = match msg {
                            WsMessage::Text(t) => t.to_string(),
                            WsMessage::Ping(p) => {
                                let _ = s.send(WsMessage::Pong(p)).await;
                                continue;
                            }
                            WsMessage::Close(_) => break,
                            _ => continue,
                        };
                        if let Some(b) = parse_new_block(&text)
                            && !send_in_order(&chain, &tx, &mut last, b).await
                        {
                            return;
                        }
                    }
                }
                // The websocket is down: poll (filling gaps) and reconnect with backoff.
                tokio::time::sleep(backoff).await;
                if tx.is_closed() {
                    return;
                }
                if let Ok(b) = chain.latest_block().await
                    && !send_in_order(&chain, &tx, &mut last, b).await
                {
                    return;
                }
                match chain.ws_subscribe().await {
                    Ok(s) => {
                        ws = Some(s);
                        backoff = chain.inner.cfg.poll_interval;
                    }
                    Err(_) => backoff = backoff.saturating_mul(2).min(Duration::from_secs(10)),
                }
            }
        }))
    }

    async fn block_events(&self, height: BlockHeight) -> Result<Vec<ChainEvent>, ChainError> {
        let h = u64::try_from(height.get())
            .ok()
            .and_then(|h| tendermint::block::Height::try_from(h).ok())
            .ok_or(ChainError::NotFound { what: "block" })?;
        let r = self
            .rpc(tendermint_rpc::endpoint::block_results::Request::new(h))
            .await?;
        Ok(r.finalize_block_events
            .iter()
            .map(|e| ChainEvent {
                kind: e.kind.clone(),
                attributes: e
                    .attributes
                    .iter()
                    .map(|a| {
                        (
                            a.key_str().unwrap_or_default().to_string(),
                            a.value_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect(),
            })
            .collect())
    }

    async fn session(
        &self,
        application: &Address,
        service: &ServiceId,
        height: BlockHeight,
    ) -> Result<ChainSession, ChainError> {
        let r: pp::QueryGetSessionResponse = self
            .unary(
                paths::SESSION_GET_SESSION,
                "session",
                pp::QueryGetSessionRequest {
                    application_address: application.to_string(),
                    service_id: service.to_string(),
                    block_height: height.get(),
                },
            )
            .await?;
        r.session.ok_or_else(|| malformed("session"))?.try_into()
    }

    async fn application(&self, address: &Address) -> Result<Application, ChainError> {
        let r: pp::QueryGetApplicationResponse = self
            .unary(
                paths::APPLICATION,
                "application",
                pp::QueryByAddressRequest {
                    address: address.to_string(),
                    dehydrated: false,
                },
            )
            .await?;
        r.application
            .ok_or_else(|| malformed("application"))?
            .try_into()
    }

    async fn gateway(&self, address: &Address) -> Result<Gateway, ChainError> {
        let r: pp::QueryGetGatewayResponse = self
            .unary(
                paths::GATEWAY,
                "gateway",
                pp::QueryByAddressRequest {
                    address: address.to_string(),
                    dehydrated: false,
                },
            )
            .await?;
        r.gateway.ok_or_else(|| malformed("gateway"))?.try_into()
    }

    async fn account(&self, address: &Address) -> Result<AccountInfo, ChainError> {
        let r: pc::QueryAccountResponse = self
            .unary(
                paths::AUTH_ACCOUNT,
                "account",
                pc::QueryAccountRequest {
                    address: address.to_string(),
                },
            )
            .await?;
        r.try_into()
    }

    async fn balance(&self, address: &Address) -> Result<u64, ChainError> {
        let r: pc::QueryBalanceResponse = self
            .unary(
                paths::BANK_BALANCE,
                "balance",
                pc::QueryBalanceRequest {
                    address: address.to_string(),
                    denom: crate::tx::DENOM.into(),
                },
            )
            .await?;
        types::upokt(r.balance.as_ref())
    }

    async fn supplier(&self, operator: &Address) -> Result<Supplier, ChainError> {
        let r: pp::QueryGetSupplierResponse = self
            .unary(
                paths::SUPPLIER,
                "supplier",
                pp::QueryByAddressRequest {
                    address: operator.to_string(),
                    dehydrated: false,
                },
            )
            .await?;
        r.supplier.ok_or_else(|| malformed("supplier"))?.try_into()
    }

    async fn service(&self, id: &ServiceId) -> Result<Service, ChainError> {
        let r: pp::QueryGetServiceResponse = self
            .unary(
                paths::SERVICE,
                "service",
                pp::QueryGetServiceRequest {
                    id: id.to_string(),
                    dehydrated: false,
                },
            )
            .await?;
        r.service.ok_or_else(|| malformed("service"))?.try_into()
    }

    async fn difficulty(
        &self,
        service: &ServiceId,
        height: BlockHeight,
    ) -> Result<Difficulty, ChainError> {
        let r: pp::QueryDifficultyResponse = self
            .unary(
                paths::DIFFICULTY_AT_HEIGHT,
                "difficulty",
                pp::QueryDifficultyAtHeightRequest {
                    service_id: service.to_string(),
                    block_height: height.get(),
                },
            )
            .await?;
        r.relay_mining_difficulty
            .ok_or_else(|| malformed("difficulty"))?
            .try_into()
    }

    async fn shared_params(&self, height: BlockHeight) -> Result<SharedParams, ChainError> {
        let r: pp::SharedParamsResponse = self
            .unary(
                paths::SHARED_PARAMS_AT_HEIGHT,
                "shared params",
                pp::QueryParamsAtHeightRequest {
                    height: height.get(),
                },
            )
            .await?;
        types::shared_params(r.params.ok_or_else(|| malformed("shared params"))?)
    }

    async fn session_params(&self) -> Result<SessionParams, ChainError> {
        let r: pp::SessionParamsResponse = self
            .unary(
                paths::SESSION_PARAMS,
                "session params",
                pp::QueryParamsRequest {},
            )
            .await?;
        Ok(SessionParams {
            num_suppliers_per_session: r.params.unwrap_or_default().num_suppliers_per_session,
        })
    }

    async fn proof_params(&self) -> Result<ProofParams, ChainError> {
        let r: pp::ProofParamsResponse = self
            .unary(
                paths::PROOF_PARAMS,
                "proof params",
                pp::QueryParamsRequest {},
            )
            .await?;
        types::proof_params(r.params.ok_or_else(|| malformed("proof params"))?)
    }

    async fn tokenomics_params(&self) -> Result<TokenomicsParams, ChainError> {
        let r: pp::TokenomicsParamsResponse = self
            .unary(
                paths::TOKENOMICS_PARAMS,
                "tokenomics params",
                pp::QueryParamsRequest {},
            )
            .await?;
        types::tokenomics_params(r.params.ok_or_else(|| malformed("tokenomics params"))?)
    }

    async fn claim(
        &self,
        session_id: &str,
        supplier: &Address,
    ) -> Result<Option<Claim>, ChainError> {
        let r: Result<pp::QueryGetClaimResponse, _> = self
            .unary(
                paths::CLAIM,
                "claim",
                pp::QueryGetClaimRequest {
                    session_id: session_id.into(),
                    supplier_operator_address: supplier.to_string(),
                },
            )
            .await;
        match r {
            Ok(r) => r.claim.map(types::claim).transpose(),
            Err(ChainError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn claims(&self, supplier: &Address) -> Result<Vec<Claim>, ChainError> {
        let mut out = Vec::new();
        let mut key = Vec::new();
        // Bounded paging: 100 pages of 1000.
        for _ in 0..100 {
            let r: pp::QueryAllClaimsResponse = self
                .unary(
                    paths::ALL_CLAIMS,
                    "claims",
                    pp::QueryAllClaimsRequest {
                        pagination: Some(pc::PageRequest {
                            key: key.clone(),
                            limit: 1000,
                            ..pc::PageRequest::default()
                        }),
                        supplier_operator_address: Some(supplier.to_string()),
                        ..pp::QueryAllClaimsRequest::default()
                    },
                )
                .await?;
            for c in r.claims {
                out.push(types::claim(c)?);
            }
            match r.pagination {
                Some(p) if !p.next_key.is_empty() => key = p.next_key,
                _ => return Ok(out),
            }
        }
        Err(malformed("claims pagination"))
    }

    async fn simulate(&self, tx: &[u8]) -> Result<GasInfo, ChainError> {
        let r: pc::SimulateResponse = self
            .unary(
                paths::TX_SIMULATE,
                "simulation",
                pc::SimulateRequest {
                    tx_bytes: tx.to_vec(),
                },
            )
            .await?;
        let g = r.gas_info.ok_or_else(|| malformed("gas info"))?;
        Ok(GasInfo {
            gas_wanted: g.gas_wanted,
            gas_used: g.gas_used,
        })
    }

    async fn broadcast(&self, tx: &[u8]) -> Result<BroadcastResult, ChainError> {
        let r: pc::BroadcastTxResponse = self
            .unary(
                paths::TX_BROADCAST,
                "broadcast",
                pc::BroadcastTxRequest {
                    tx_bytes: tx.to_vec(),
                    mode: pc::BROADCAST_MODE_SYNC,
                },
            )
            .await?;
        let r = r.tx_response.ok_or_else(|| malformed("tx response"))?;
        Ok(BroadcastResult {
            hash: TxHash::from_hex(&r.txhash).ok_or_else(|| malformed("tx hash"))?,
            code: r.code,
            codespace: r.codespace,
            log: r.raw_log,
        })
    }

    async fn tx(&self, hash: &TxHash) -> Result<Option<TxResult>, ChainError> {
        let r: Result<pc::GetTxResponse, _> = self
            .unary(
                paths::TX_GET,
                "tx",
                pc::GetTxRequest {
                    hash: hash.to_string(),
                },
            )
            .await;
        match r {
            Ok(r) => r
                .tx_response
                .ok_or_else(|| malformed("tx response"))?
                .try_into()
                .map(Some),
            Err(ChainError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
