#![doc = include_str!("../README.md")]

mod config;
pub mod openai;
mod script;
mod server;

pub use config::{InvalidStandIn, STAND_IN_MODEL, StandIn};
pub use server::{DELAY_HEADER, REQUEST_HEADER, answer, answer_as, router, serve};

/// The stand-in's tokenizer as a Hugging Face `tokenizer.json` (the file
/// `crates/standin/tokenizer.json`; `pokt backend --print-tokenizer` writes it out): a word-level
/// model whose pre-tokenizer splits text exactly as [`openai::count_tokens`] counts it, so a
/// gateway recounting an honest stand-in's answers with this file gets the usage the stand-in
/// reports.
pub const TOKENIZER_JSON: &str = include_str!("../tokenizer.json");

/// Binds `addr` (port 0 picks one) and serves `router` on a background task; returns the bound
/// address.
pub async fn serve_router(
    router: axum::Router,
    addr: std::net::SocketAddr,
) -> std::io::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        use axum::serve::ListenerExt as _;
        // Small writes (a stream's chunks) leave at once instead of waiting for the peer's
        // delayed acknowledgement (Nagle).
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let _ = axum::serve(listener, router).await;
    });
    Ok(bound)
}
