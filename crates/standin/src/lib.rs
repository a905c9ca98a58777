#![doc = include_str!("../README.md")]

pub mod openai;
mod server;

pub use server::{STAND_IN_MODEL, StandIn, answer, router, serve};

/// Binds `addr` (port 0 picks one) and serves `router` on a background task; returns the bound
/// address.
pub async fn serve_router(
    router: axum::Router,
    addr: std::net::SocketAddr,
) -> std::io::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(bound)
}
