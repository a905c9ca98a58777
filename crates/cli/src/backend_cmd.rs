//! `pokt backend`: the stand-in model backend (pokt-standin) as a process, for tests and demos of
//! relay miners and gateways without a model.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use pokt_standin::{STAND_IN_MODEL, StandIn};

/// `pokt backend` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct BackendArgs {
    /// Where to listen (port 0: any free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// The model name `GET /v1/models` lists.
    #[arg(long, default_value = STAND_IN_MODEL)]
    model: String,
    /// Delay between streamed chunks, in milliseconds.
    #[arg(long, default_value_t = 2)]
    chunk_delay_ms: u64,
}

/// Serves the stand-in until SIGINT or SIGTERM.
pub(crate) fn run(a: BackendArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let cfg = StandIn {
            chunk_delay: Duration::from_millis(a.chunk_delay_ms),
            model: a.model.clone(),
        };
        let at = pokt_standin::serve(a.listen, cfg)
            .await
            .with_context(|| format!("listening on {}", a.listen))?;
        // One line scripts read: the model and the address.
        println!(
            "pokt backend: stand-in model \"{}\" on http://{at}",
            a.model
        );
        wait_for_signal().await;
        Ok(())
    })
}

/// Waits for SIGINT or (on Unix) SIGTERM.
pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
