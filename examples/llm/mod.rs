//! LLM inference over POKT on one machine: an OpenAI-compatible [gateway], a [relayer] (relay
//! miner) in front of any OpenAI-compatible model backend, the [stand-in backend](backend) for
//! tests and demos, and a [`pokt_devnet::Devnet`] they share as their chain; the gateway routes
//! with `pokt-qos`. The protocol work is the pokt-rs crates'; these modules are the HTTP glue.

pub mod backend;
pub mod gateway;
pub mod network;
pub mod openai;
pub mod relayer;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// The chain the hosts share in one process (held only briefly, never across an await).
pub type SharedChain = Arc<Mutex<pokt_devnet::Devnet>>;

/// Binds `addr` (port 0 picks one) and serves `router` on a background task; returns the bound
/// address.
pub async fn serve_router(router: axum::Router, addr: SocketAddr) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(bound)
}

/// Reads an HTTP body, refusing one longer than `cap` bytes (a peer's length is never trusted).
pub async fn read_capped(resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, String> {
    use futures_util::StreamExt;
    let mut out = Vec::new();
    let mut s = resp.bytes_stream();
    while let Some(chunk) = s.next().await {
        let c = chunk.map_err(|e| format!("body: {e}"))?;
        if out.len() + c.len() > cap {
            return Err(format!("body larger than {cap} bytes"));
        }
        out.extend_from_slice(&c);
    }
    Ok(out)
}
