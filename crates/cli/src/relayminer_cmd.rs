//! `pokt relayminer --config FILE` (serve) and `pokt relayminer check --config FILE`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Context;
use pokt_chain::{RemoteChain, RemoteConfig};
use pokt_relayminer::{Config, OperatorKeys, RelayMiner};

/// `pokt relayminer` arguments.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct RelayminerArgs {
    #[command(subcommand)]
    command: Option<RelayminerCommand>,
    /// The TOML configuration (see pokt-relayminer's `config` docs).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Log level: error, warn, info, debug, trace.
    #[arg(long, default_value = "info")]
    log_level: String,
}

#[derive(Debug, clap::Subcommand)]
enum RelayminerCommand {
    /// Check the configuration, the keys, the chain, each supplier's stake and each backend;
    /// exits 1 when a check fails.
    Check {
        /// The TOML configuration.
        #[arg(long)]
        config: PathBuf,
    },
}

fn load(path: &std::path::Path) -> anyhow::Result<(Config, OperatorKeys, RemoteChain)> {
    let cfg = Config::load(path).with_context(|| format!("config {}", path.display()))?;
    let keys = OperatorKeys::load(&cfg)?;
    let chain = RemoteChain::new(RemoteConfig {
        timeout: cfg.chain_timeout(),
        ..RemoteConfig::new(&cfg.chain.rpc_url, &cfg.chain.grpc_url)
    })
    .context("chain client")?;
    Ok((cfg, keys, chain))
}

fn init_logs(level: &str) {
    let level = level
        .parse::<tracing::Level>()
        .unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// Runs `pokt relayminer`; returns the process exit code.
pub(crate) fn run(a: RelayminerArgs) -> anyhow::Result<u8> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match a.command {
        Some(RelayminerCommand::Check { config }) => rt.block_on(async move {
            let (cfg, keys, chain) = load(&config)?;
            let lines = pokt_relayminer::check(&chain, &cfg, &keys).await;
            let mut failed = false;
            for l in &lines {
                match &l.result {
                    Ok(d) => println!("ok    {}: {d}", l.what),
                    Err(e) => {
                        failed = true;
                        println!("FAIL  {}: {e}", l.what);
                    }
                }
            }
            Ok(u8::from(failed))
        }),
        None => {
            let config = a
                .config
                .context("--config FILE is required (or `pokt relayminer check --config FILE`)")?;
            init_logs(&a.log_level);
            rt.block_on(async move {
                let (cfg, keys, chain) = load(&config)?;
                let listen = cfg.server.listen;
                let miner = RelayMiner::new(chain, cfg, keys)?;
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("server.listen {listen}"))?;
                let bound = listener.local_addr()?;
                let stop = Arc::new(AtomicBool::new(false));
                let blocks = tokio::spawn(miner.clone().run_blocks(stop.clone()));
                let shutdown = crate::signals::Shutdown::register();
                // One line scripts read.
                println!(
                    "pokt relayminer: {} supplier(s) on http://{bound} (relays POST /v1/relay, metrics GET /metrics)",
                    miner.suppliers().len()
                );
                tracing::info!(%bound, suppliers = miner.suppliers().len(), "serving");
                miner
                    .serve(listener, shutdown.wait())
                    .await?;
                stop.store(true, std::sync::atomic::Ordering::Release);
                let _ = tokio::time::timeout(Duration::from_secs(2), blocks).await;
                tracing::info!("stopped; store synced");
                Ok(0)
            })
        }
    }
}
