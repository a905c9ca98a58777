//! The stand-in backend on its own: a deterministic OpenAI-compatible server (`/v1/models`,
//! `/v1/chat/completions`, `/v1/completions`, streaming included) with real token counts from a
//! simple tokenizer. It is not a model; it lets a relay miner or any OpenAI client be tried
//! without one.
//!
//! `cargo run -p pokt-examples --example llm_backend -- --listen 127.0.0.1:8081`

use std::net::SocketAddr;

use clap::Parser;
use pokt_examples::llm::backend::{StandIn, serve};

#[derive(Parser, Debug)]
#[command(about = "The pokt-rs stand-in backend (deterministic text, real token counts)")]
struct Args {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let at = serve(args.listen, StandIn::default()).await?;
    println!(
        "stand-in backend on http://{at} (model \"{}\"); ctrl-c to stop",
        pokt_examples::llm::backend::STAND_IN_MODEL
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
