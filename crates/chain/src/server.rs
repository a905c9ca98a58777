//! `pokt devnet`'s servers: the devnet node behind CometBFT's JSON-RPC (HTTP and websocket) and
//! the gRPC services a POKT node serves, with the same paths and encodings, plus its store.
//! [CHAIN-DEVNET-4] [CHAIN-DEVNET-5]

mod grpc;
mod rpc;
mod store;

pub use store::Store;

use grpc::grpc_router;
use rpc::rpc_router;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::genesis::Genesis;
use crate::inprocess::{InProcessChain, block_ref, now_ms};
use crate::node::NodeError;
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
