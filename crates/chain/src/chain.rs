//! The [`Chain`] trait: what hosts read from and write to a POKT chain. [CHAIN-API-1]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pokt_primitives::{
    Address, BlockHeight, Claim, ProofParams, ServiceId, SessionParams, SharedParams,
    TokenomicsParams,
};
use tokio::sync::mpsc;

use crate::tx::TxHash;
use crate::types::{
    AccountInfo, Application, BlockRef, BroadcastResult, ChainError, ChainEvent, ChainSession,
    Difficulty, GasInfo, Gateway, Service, Supplier, TxResult,
};

/// A POKT chain as hosts see it: blocks, the modules' state, and transactions. Two
/// implementations: [`RemoteChain`](crate::RemoteChain) (a node's CometBFT JSON-RPC and gRPC, or
/// `pokt devnet`) and [`InProcessChain`](crate::InProcessChain) (the devnet node in this
/// process). Both are cheap to clone and share one connection or node.
///
/// Every call is bounded in time; a missing object is [`ChainError::NotFound`].
///
/// # Spec
/// [CHAIN-API-1]
pub trait Chain: Clone + Send + Sync + 'static {
    /// The chain id (signed into transactions).
    fn chain_id(&self) -> impl Future<Output = Result<String, ChainError>> + Send;

    /// The latest block.
    fn latest_block(&self) -> impl Future<Output = Result<BlockRef, ChainError>> + Send;

    /// The block at `height`.
    fn block(
        &self,
        height: BlockHeight,
    ) -> impl Future<Output = Result<BlockRef, ChainError>> + Send;

    /// New blocks from the next one on, each height once and in order (gaps the transport
    /// drops are filled by querying). [CHAIN-API-3]
    fn subscribe_blocks(&self) -> impl Future<Output = Result<BlockStream, ChainError>> + Send;

    /// The end-blocker events of a block (settlements, expirations, difficulty updates).
    fn block_events(
        &self,
        height: BlockHeight,
    ) -> impl Future<Output = Result<Vec<ChainEvent>, ChainError>> + Send;

    /// `pocket.session.Query/GetSession`.
    fn session(
        &self,
        application: &Address,
        service: &ServiceId,
        height: BlockHeight,
    ) -> impl Future<Output = Result<ChainSession, ChainError>> + Send;

    /// `pocket.application.Query/Application`.
    fn application(
        &self,
        address: &Address,
    ) -> impl Future<Output = Result<Application, ChainError>> + Send;

    /// `pocket.gateway.Query/Gateway`.
    fn gateway(
        &self,
        address: &Address,
    ) -> impl Future<Output = Result<Gateway, ChainError>> + Send;

    /// `cosmos.auth.v1beta1.Query/Account`: number, sequence and public key.
    fn account(
        &self,
        address: &Address,
    ) -> impl Future<Output = Result<AccountInfo, ChainError>> + Send;

    /// `cosmos.bank.v1beta1.Query/Balance` in uPOKT.
    fn balance(&self, address: &Address) -> impl Future<Output = Result<u64, ChainError>> + Send;

    /// `pocket.supplier.Query/Supplier`.
    fn supplier(
        &self,
        operator: &Address,
    ) -> impl Future<Output = Result<Supplier, ChainError>> + Send;

    /// `pocket.service.Query/Service`.
    fn service(&self, id: &ServiceId) -> impl Future<Output = Result<Service, ChainError>> + Send;

    /// `pocket.service.Query/RelayMiningDifficultyAtHeight`.
    fn difficulty(
        &self,
        service: &ServiceId,
        height: BlockHeight,
    ) -> impl Future<Output = Result<Difficulty, ChainError>> + Send;

    /// `pocket.shared.Query/ParamsAtHeight`.
    fn shared_params(
        &self,
        height: BlockHeight,
    ) -> impl Future<Output = Result<SharedParams, ChainError>> + Send;

    /// `pocket.session.Query/Params`.
    fn session_params(&self) -> impl Future<Output = Result<SessionParams, ChainError>> + Send;

    /// `pocket.proof.Query/Params`.
    fn proof_params(&self) -> impl Future<Output = Result<ProofParams, ChainError>> + Send;

    /// `pocket.tokenomics.Query/Params`.
    fn tokenomics_params(
        &self,
    ) -> impl Future<Output = Result<TokenomicsParams, ChainError>> + Send;

    /// `pocket.proof.Query/Claim`: `None` when there is none (never made, or settled).
    fn claim(
        &self,
        session_id: &str,
        supplier: &Address,
    ) -> impl Future<Output = Result<Option<Claim>, ChainError>> + Send;

    /// `pocket.proof.Query/AllClaims` filtered by supplier.
    fn claims(
        &self,
        supplier: &Address,
    ) -> impl Future<Output = Result<Vec<Claim>, ChainError>> + Send;

    /// `cosmos.tx.v1beta1.Service/Simulate`.
    fn simulate(&self, tx: &[u8]) -> impl Future<Output = Result<GasInfo, ChainError>> + Send;

    /// `cosmos.tx.v1beta1.Service/BroadcastTx` in SYNC mode (the CheckTx answer).
    fn broadcast(
        &self,
        tx: &[u8],
    ) -> impl Future<Output = Result<BroadcastResult, ChainError>> + Send;

    /// `cosmos.tx.v1beta1.Service/GetTx`: `None` while not included.
    fn tx(
        &self,
        hash: &TxHash,
    ) -> impl Future<Output = Result<Option<TxResult>, ChainError>> + Send;
}

/// A stream of new blocks ([`Chain::subscribe_blocks`]). Dropping it stops the work behind it.
#[derive(Debug)]
pub struct BlockStream {
    rx: mpsc::Receiver<Result<BlockRef, ChainError>>,
    task: tokio::task::JoinHandle<()>,
}

impl BlockStream {
    /// A stream fed by a task that gets the sending half.
    pub(crate) fn spawn<F, Fut>(f: F) -> Self
    where
        F: FnOnce(mpsc::Sender<Result<BlockRef, ChainError>>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(64);
        Self {
            rx,
            task: tokio::spawn(f(tx)),
        }
    }

    /// The next block; `None` once the stream ended (after an error was given).
    pub async fn next(&mut self) -> Option<Result<BlockRef, ChainError>> {
        self.rx.recv().await
    }
}

impl Drop for BlockStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl futures_util::Stream for BlockStream {
    type Item = Result<BlockRef, ChainError>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

/// Sends `block` after filling the heights between `last` and it with [`Chain::block`]; returns
/// false when the receiver is gone. Blocks at or below `last` are skipped. [CHAIN-API-3]
pub(crate) async fn send_in_order<C: Chain>(
    chain: &C,
    tx: &mpsc::Sender<Result<BlockRef, ChainError>>,
    last: &mut i64,
    block: BlockRef,
) -> bool {
    let h = block.height.get();
    if h <= *last {
        return true;
    }
    let mut next = last.saturating_add(1);
    while next < h {
        match chain.block(BlockHeight::new(next)).await {
            Ok(b) => {
                if tx.send(Ok(b)).await.is_err() {
                    return false;
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return false;
            }
        }
        next = next.saturating_add(1);
    }
    *last = h;
    tx.send(Ok(block)).await.is_ok()
}
