//! [`InProcessChain`]: the devnet node in this process behind the [`Chain`] trait. Its answers are
//! the same wire messages the servers of `pokt devnet` encode, converted by the same code the
//! remote client runs. [CHAIN-API-1]

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use pokt_primitives::{
    Address, BlockHeight, Claim, ProofParams, ServiceId, SessionParams, SharedParams,
    TokenomicsParams,
};
use tokio::sync::broadcast;

use crate::chain::{BlockStream, Chain, send_in_order};
use crate::genesis::{Genesis, GenesisError};
use crate::node::{BlockRecord, Node, NodeError, QueryError};
use crate::proto::cosmos as pc;
use crate::proto::pocket as pp;
use crate::tx::TxHash;
use crate::types::{
    self, AccountInfo, Application, BlockRef, BroadcastResult, ChainError, ChainEvent,
    ChainSession, Difficulty, GasInfo, Gateway, Service, Supplier, TxResult, malformed,
};

/// The devnet node shared by the callers of this process. Clones share the node.
#[derive(Clone, Debug)]
pub struct InProcessChain {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    node: Mutex<Node>,
    blocks: broadcast::Sender<BlockRef>,
}

pub(crate) fn block_ref(b: &BlockRecord) -> BlockRef {
    BlockRef {
        height: BlockHeight::new(b.height),
        hash: b.hash,
        time_ms: b.time_ms,
    }
}

pub(crate) fn query_error(e: QueryError) -> ChainError {
    match e {
        QueryError::NotFound(what) => ChainError::NotFound { what },
        other => ChainError::Refused {
            code: 3,
            message: other.to_string(),
        },
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl InProcessChain {
    /// Wraps a node.
    pub fn new(node: Node) -> Self {
        let (blocks, _) = broadcast::channel(256);
        Self {
            inner: Arc::new(Inner {
                node: Mutex::new(node),
                blocks,
            }),
        }
    }

    /// A node from a genesis.
    pub fn from_genesis(genesis: Genesis) -> Result<Self, GenesisError> {
        Ok(Self::new(Node::new(genesis)?))
    }

    fn lock(&self) -> MutexGuard<'_, Node> {
        // The node never panics while locked; a poisoned lock still holds a consistent node.
        self.inner
            .node
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the node (read-only).
    pub fn with_node<R>(&self, f: impl FnOnce(&Node) -> R) -> R {
        f(&self.lock())
    }

    /// Runs `f` on the node and publishes the blocks it made (for the server's persistence and
    /// replay); `f` returns the heights it made.
    pub(crate) fn with_node_mut<R>(&self, f: impl FnOnce(&mut Node) -> R) -> R {
        let mut node = self.lock();
        let before = node.height();
        let r = f(&mut node);
        let made: Vec<BlockRef> = ((before + 1)..=node.height())
            .filter_map(|h| node.block(h).map(block_ref))
            .collect();
        drop(node);
        for b in made {
            let _ = self.inner.blocks.send(b);
        }
        r
    }

    /// Makes the next block at the current time with the mempool's transactions.
    pub fn make_block(&self) -> Result<BlockRef, NodeError> {
        self.make_block_at(now_ms())
    }

    /// Makes the next block at `time_ms` (never before the previous block's time).
    pub fn make_block_at(&self, time_ms: u64) -> Result<BlockRef, NodeError> {
        self.with_node_mut(|n| {
            let t = time_ms.max(n.latest().time_ms);
            n.make_block(t).map(block_ref)
        })
    }
}

impl Chain for InProcessChain {
    async fn chain_id(&self) -> Result<String, ChainError> {
        Ok(self.lock().chain_id().to_string())
    }

    async fn latest_block(&self) -> Result<BlockRef, ChainError> {
        Ok(block_ref(self.lock().latest()))
    }

    async fn block(&self, height: BlockHeight) -> Result<BlockRef, ChainError> {
        self.lock()
            .block(height.get())
            .map(block_ref)
            .ok_or(ChainError::NotFound { what: "block" })
    }

    async fn subscribe_blocks(&self) -> Result<BlockStream, ChainError> {
        let mut rx = self.inner.blocks.subscribe();
        let mut last = self.lock().height();
        let chain = self.clone();
        Ok(BlockStream::spawn(move |tx| async move {
            loop {
                match rx.recv().await {
                    Ok(b) => {
                        if !send_in_order(&chain, &tx, &mut last, b).await {
                            return;
                        }
                    }
                    // Lagged: the next block fills the gap.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => {
                        let _ = tx.send(Err(ChainError::Closed)).await;
                        return;
                    }
                }
            }
        }))
    }

    async fn block_events(&self, height: BlockHeight) -> Result<Vec<ChainEvent>, ChainError> {
        let node = self.lock();
        let b = node
            .block(height.get())
            .ok_or(ChainError::NotFound { what: "block" })?;
        Ok(b.events.iter().map(|e| e.to_proto().into()).collect())
    }

    async fn session(
        &self,
        application: &Address,
        service: &ServiceId,
        height: BlockHeight,
    ) -> Result<ChainSession, ChainError> {
        let r = self
            .lock()
            .get_session(&pp::QueryGetSessionRequest {
                application_address: application.to_string(),
                service_id: service.to_string(),
                block_height: height.get(),
            })
            .map_err(query_error)?;
        r.session.ok_or_else(|| malformed("session"))?.try_into()
    }

    async fn application(&self, address: &Address) -> Result<Application, ChainError> {
        let r = self
            .lock()
            .application(address.as_str())
            .map_err(query_error)?;
        r.application
            .ok_or_else(|| malformed("application"))?
            .try_into()
    }

    async fn gateway(&self, address: &Address) -> Result<Gateway, ChainError> {
        let r = self.lock().gateway(address.as_str()).map_err(query_error)?;
        r.gateway.ok_or_else(|| malformed("gateway"))?.try_into()
    }

    async fn account(&self, address: &Address) -> Result<AccountInfo, ChainError> {
        self.lock()
            .account(address.as_str())
            .map_err(query_error)?
            .try_into()
    }

    async fn balance(&self, address: &Address) -> Result<u64, ChainError> {
        let r = self
            .lock()
            .balance(&pc::QueryBalanceRequest {
                address: address.to_string(),
                denom: crate::tx::DENOM.into(),
            })
            .map_err(query_error)?;
        types::upokt(r.balance.as_ref())
    }

    async fn supplier(&self, operator: &Address) -> Result<Supplier, ChainError> {
        let r = self
            .lock()
            .supplier(operator.as_str())
            .map_err(query_error)?;
        r.supplier.ok_or_else(|| malformed("supplier"))?.try_into()
    }

    async fn service(&self, id: &ServiceId) -> Result<Service, ChainError> {
        let r = self.lock().service(id.as_str()).map_err(query_error)?;
        r.service.ok_or_else(|| malformed("service"))?.try_into()
    }

    async fn difficulty(
        &self,
        service: &ServiceId,
        height: BlockHeight,
    ) -> Result<Difficulty, ChainError> {
        let r = self
            .lock()
            .difficulty_at(&pp::QueryDifficultyAtHeightRequest {
                service_id: service.to_string(),
                block_height: height.get(),
            })
            .map_err(query_error)?;
        r.relay_mining_difficulty
            .ok_or_else(|| malformed("difficulty"))?
            .try_into()
    }

    async fn shared_params(&self, height: BlockHeight) -> Result<SharedParams, ChainError> {
        let r = self.lock().shared_params(height.get());
        types::shared_params(r.params.ok_or_else(|| malformed("shared params"))?)
    }

    async fn session_params(&self) -> Result<SessionParams, ChainError> {
        let r = self.lock().session_params();
        Ok(SessionParams {
            num_suppliers_per_session: r.params.unwrap_or_default().num_suppliers_per_session,
        })
    }

    async fn proof_params(&self) -> Result<ProofParams, ChainError> {
        let r = self.lock().proof_params();
        types::proof_params(r.params.ok_or_else(|| malformed("proof params"))?)
    }

    async fn tokenomics_params(&self) -> Result<TokenomicsParams, ChainError> {
        let r = self.lock().tokenomics_params();
        types::tokenomics_params(r.params.ok_or_else(|| malformed("tokenomics params"))?)
    }

    async fn claim(
        &self,
        session_id: &str,
        supplier: &Address,
    ) -> Result<Option<Claim>, ChainError> {
        let r = self.lock().claim(&pp::QueryGetClaimRequest {
            session_id: session_id.into(),
            supplier_operator_address: supplier.to_string(),
        });
        match r {
            Ok(r) => r.claim.map(types::claim).transpose(),
            Err(QueryError::NotFound(_)) => Ok(None),
            Err(e) => Err(query_error(e)),
        }
    }

    async fn claims(&self, supplier: &Address) -> Result<Vec<Claim>, ChainError> {
        let r = self.lock().all_claims(&pp::QueryAllClaimsRequest {
            supplier_operator_address: Some(supplier.to_string()),
            ..pp::QueryAllClaimsRequest::default()
        });
        r.claims.into_iter().map(types::claim).collect()
    }

    async fn simulate(&self, tx: &[u8]) -> Result<GasInfo, ChainError> {
        // As the gRPC server answers: INVALID_ARGUMENT with the node's log.
        let gas = self.lock().simulate(tx).map_err(|r| ChainError::Refused {
            code: 3,
            message: r.log,
        })?;
        Ok(GasInfo {
            gas_wanted: 0,
            gas_used: gas,
        })
    }

    async fn broadcast(&self, tx: &[u8]) -> Result<BroadcastResult, ChainError> {
        let r = self.lock().check_tx(tx);
        let (code, codespace, log) = match r.refusal {
            Some(x) => (x.code, x.codespace.to_string(), x.log),
            None => (0, String::new(), String::new()),
        };
        Ok(BroadcastResult {
            hash: r.hash,
            code,
            codespace,
            log,
        })
    }

    async fn tx(&self, hash: &TxHash) -> Result<Option<TxResult>, ChainError> {
        match self.lock().get_tx(&hash.to_string()) {
            Ok(r) => r
                .tx_response
                .ok_or_else(|| malformed("tx response"))?
                .try_into()
                .map(Some),
            Err(QueryError::NotFound(_)) => Ok(None),
            Err(e) => Err(query_error(e)),
        }
    }
}
