//! `pokt gateway --config FILE`: the OpenAI-compatible gateway as a process (crates/gateway;
//! spec/gateway.md); `pokt gateway record-references`: the watcher's reference answers.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use pokt_chain::{Chain, RemoteChain, RemoteConfig};
use pokt_gateway::{Gateway, GatewayConfig};

/// `pokt gateway` arguments.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct GatewayArgs {
    #[command(subcommand)]
    command: Option<GatewayCommand>,
    /// The gateway's TOML configuration (see crates/gateway/GUIDE.md).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Listen here instead of `server.listen` (port 0: any free port).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Check the configuration, print it (keys redacted) and exit.
    #[arg(long)]
    check: bool,
}

#[derive(Debug, clap::Subcommand)]
enum GatewayCommand {
    /// Record the watcher's reference answers from a trusted OpenAI-compatible server: each
    /// prompt sent at temperature 0, the answers written as the JSON list `[watcher] references`
    /// reads.
    RecordReferences(RecordArgs),
}

pub(crate) fn gateway(a: GatewayArgs) -> anyhow::Result<()> {
    if let Some(GatewayCommand::RecordReferences(r)) = a.command {
        return record(r);
    }
    let Some(config) = a.config else {
        bail!("--config FILE is required (or a subcommand: record-references)");
    };
    let cfg = GatewayConfig::load(&config)
        .with_context(|| format!("configuration {}", config.display()))?;
    if a.check {
        println!("{cfg:#?}");
        return Ok(());
    }
    init_logs();
    let Some(chain_cfg) = cfg.chain.clone() else {
        bail!(
            "{}: [chain] is required (chain_id, rpc_url, grpc_url)",
            config.display()
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
        let shutdown = crate::signals::Shutdown::register();
        // One line scripts read.
        println!("pokt gateway: chain {id}; listening on http://{bound}");
        tracing::info!(%bound, chain = %id, "gateway started");
        gw.serve(listener, shutdown.wait()).await?;
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

/// `pokt gateway record-references` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct RecordArgs {
    /// Base URL of the trusted OpenAI-compatible server (your own run of the model), e.g.
    /// `http://127.0.0.1:8081`.
    #[arg(long, value_name = "URL")]
    from: String,
    /// The prompts: a JSON list of `{"prompt", "model"?, "max_tokens"?}`, or a text file with one
    /// prompt per line (empty lines and lines starting with `#` skipped).
    #[arg(long, value_name = "FILE")]
    prompts: PathBuf,
    /// Where to write the references (the JSON list `[watcher] references` reads); `-` for
    /// stdout. Written whole or not at all.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The model of prompts that name none.
    #[arg(long)]
    model: Option<String>,
    /// `max_tokens` of prompts that give none.
    #[arg(long, default_value_t = 16)]
    max_tokens: u64,
    /// Give up after this many seconds in all.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
}

/// One prompt of a JSON prompts file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PromptEntry {
    prompt: String,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    max_tokens: Option<u64>,
}

/// The prompts of `path` as `(model, prompt, max_tokens)`.
fn read_prompts(a: &RecordArgs) -> anyhow::Result<Vec<(String, String, u64)>> {
    let path = &a.prompts;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("--prompts {}", path.display()))?;
    let entries: Vec<PromptEntry> = if text.trim_start().starts_with('[') {
        serde_json::from_str(&text).with_context(|| {
            format!(
                "--prompts {}: not a JSON list of {{\"prompt\", \"model\"?, \"max_tokens\"?}}",
                path.display()
            )
        })?
    } else {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| PromptEntry {
                prompt: l.to_string(),
                model: None,
                max_tokens: None,
            })
            .collect()
    };
    if entries.is_empty() {
        bail!("--prompts {}: no prompts", path.display());
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let Some(model) = e.model.or_else(|| a.model.clone()) else {
                bail!(
                    "--prompts {} entry {i}: no model (give `model` in the entry or --model)",
                    path.display()
                );
            };
            let max_tokens = e.max_tokens.unwrap_or(a.max_tokens);
            if max_tokens == 0 {
                bail!(
                    "--prompts {} entry {i}: max_tokens must be positive",
                    path.display()
                );
            }
            Ok((model, e.prompt, max_tokens))
        })
        .collect()
}

/// `pokt gateway record-references`: each prompt sent at temperature 0 to the trusted server,
/// the answers written where `[watcher] references` reads them. [GW-WATCH-1]
fn record(a: RecordArgs) -> anyhow::Result<()> {
    let prompts = read_prompts(&a)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let refs = rt
        .block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_secs(a.timeout_secs),
                pokt_gateway::record_references(&a.from, &prompts),
            )
            .await
        })
        .map_err(|_| anyhow::anyhow!("--from {}: no answers within {} s", a.from, a.timeout_secs))?
        .map_err(|e| anyhow::anyhow!("--from {}: {e}", a.from))?;
    if let Some(r) = refs.iter().find(|r| r.answer.trim().is_empty()) {
        bail!(
            "--from {}: empty answer to {:?} (model {}); a reference must have text",
            a.from,
            r.prompt,
            r.model
        );
    }
    let json = serde_json::to_string_pretty(&refs)? + "\n";
    if a.out.as_os_str() == "-" {
        print!("{json}");
        return Ok(());
    }
    // Whole or not at all: a temporary file beside it, then a rename.
    let tmp = a.out.with_extension("json.partial");
    std::fs::write(&tmp, json).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &a.out).with_context(|| format!("writing {}", a.out.display()))?;
    eprintln!(
        "pokt gateway record-references: {} reference(s) from {} written to {}",
        refs.len(),
        a.from,
        a.out.display()
    );
    Ok(())
}
