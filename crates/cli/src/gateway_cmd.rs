//! `pokt gateway --config FILE`: the OpenAI-compatible gateway as a process (crates/gateway;
//! spec/gateway.md).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use pokt_chain::{Chain, RemoteChain, RemoteConfig};
use pokt_gateway::{Gateway, GatewayConfig};

/// `pokt gateway` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct GatewayArgs {
    /// The gateway's TOML configuration (see crates/gateway/GUIDE.md).
    #[arg(long)]
    config: PathBuf,
    /// Listen here instead of `server.listen` (port 0: any free port).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Check the configuration, print it (keys redacted) and exit.
    #[arg(long)]
    check: bool,
}

pub(crate) fn gateway(a: GatewayArgs) -> anyhow::Result<()> {
    let cfg = GatewayConfig::load(&a.config)
        .with_context(|| format!("configuration {}", a.config.display()))?;
    if a.check {
        println!("{cfg:#?}");
        return Ok(());
    }
    init_logs();
    let Some(chain_cfg) = cfg.chain.clone() else {
        bail!(
            "{}: [chain] is required (chain_id, rpc_url, grpc_url)",
            a.config.display()
        );
    };
    let listen = a.listen.unwrap_or(cfg.server.listen);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let mut rc = RemoteConfig::new(chain_cfg.rpc_url.clone(), chain_cfg.grpc_url.clone());
        rc.timeout = chain_cfg.timeout;
        let chain = RemoteChain::new(rc).context("chain client")?;
        let id = chain
            .chain_id()
            .await
            .with_context(|| format!("reaching the node at {}", chain_cfg.rpc_url))?;
        if id != chain_cfg.chain_id {
            bail!(
                "chain.chain_id: the node at {} serves chain `{id}`, not `{}`",
                chain_cfg.rpc_url,
                chain_cfg.chain_id
            );
        }
        let gw = Gateway::new(chain, cfg)?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding {listen}"))?;
        let bound = listener.local_addr()?;
        // One line scripts read.
        println!("pokt gateway: chain {id}; listening on http://{bound}");
        tracing::info!(%bound, chain = %id, "gateway started");
        gw.serve(listener, wait_for_signal()).await?;
        tracing::info!("gateway stopped");
        Ok(())
    })
}

fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn wait_for_signal() {
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
