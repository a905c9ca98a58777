//! `pokt devnet` (the devnet as a node serving CometBFT JSON-RPC and gRPC) and
//! `pokt localnet init` (genesis, demo keys, host configs and a manifest for a loopback network).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use pokt_chain::genesis::{
    Genesis, GenesisAccount, GenesisApplication, GenesisGateway, GenesisParams, GenesisService,
    GenesisSupplier, TxRules,
};
use pokt_chain::server::{Devnet, ServeConfig};
use pokt_crypto::SigningKey;
use pokt_primitives::ServiceId;
use serde_json::json;
use sha2::{Digest, Sha256};

/// `pokt devnet` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct DevnetArgs {
    /// Home directory: `genesis.json` is read from it and `devnet.redb` (the chain's blocks) is
    /// kept in it, so the chain survives a restart.
    #[arg(long)]
    home: PathBuf,
    /// Genesis file (default: HOME/genesis.json). Must equal the stored one on a restart.
    #[arg(long)]
    genesis: Option<PathBuf>,
    /// CometBFT JSON-RPC listen address (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:26657")]
    rpc_addr: SocketAddr,
    /// gRPC listen address (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:9090")]
    grpc_addr: SocketAddr,
    /// Make a block at this interval, e.g. `1s`, `250ms`; `0` makes blocks only on the
    /// `devnet_mine` JSON-RPC method.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    block_time: Duration,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, "s"), |i| s.split_at(i));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
        _ => Err(format!("{s:?}: use ms, s or m")),
    }
}

/// Runs the devnet until SIGINT or SIGTERM.
pub(crate) fn devnet(a: DevnetArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        std::fs::create_dir_all(&a.home)
            .with_context(|| format!("creating {}", a.home.display()))?;
        let gpath = a.genesis.clone().unwrap_or_else(|| a.home.join("genesis.json"));
        let genesis = match std::fs::read_to_string(&gpath) {
            Ok(t) => Some(Genesis::from_json(&t).with_context(|| format!("{}", gpath.display()))?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("reading {}", gpath.display())),
        };
        let started = std::time::Instant::now();
        let devnet = Devnet::open(&a.home.join("devnet.redb"), genesis)
            .with_context(|| format!("opening the devnet at {}", a.home.display()))?;
        let (chain_id, height) =
            devnet.chain().with_node(|n| (n.chain_id().to_string(), n.height()));
        let running = devnet
            .serve(&ServeConfig {
                rpc_addr: a.rpc_addr,
                grpc_addr: a.grpc_addr,
                block_time: (!a.block_time.is_zero()).then_some(a.block_time),
            })
            .await?;
        let shutdown = crate::signals::Shutdown::register();
        // One line scripts read: the chain, its height and where it serves.
        println!(
            "pokt devnet: chain {chain_id} at height {height} (state rebuilt in {} ms); rpc http://{} grpc http://{}",
            started.elapsed().as_millis(),
            running.rpc_addr,
            running.grpc_addr
        );
        shutdown.wait().await;
        running.stop().await;
        Ok(())
    })
}

/// `pokt localnet init` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct LocalnetInitArgs {
    /// The directory to write (created; existing files are not overwritten).
    dir: PathBuf,
    /// Suppliers to stake.
    #[arg(long, default_value_t = 3)]
    suppliers: usize,
    /// Seed of the demo keys and of the chain's block hashes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Ports of the loopback network.
const RPC: &str = "127.0.0.1:26657";
const GRPC: &str = "127.0.0.1:9090";
const RELAYMINER: &str = "127.0.0.1:8545";
const GATEWAY: &str = "127.0.0.1:3069";
const BACKEND: &str = "127.0.0.1:8081";

/// A demo key: SHA-256("pokt-localnet demo key" ‖ seed ‖ role ‖ index), re-hashed until valid.
fn demo_key(seed: u64, role: &str, index: usize) -> anyhow::Result<SigningKey> {
    let mut h: [u8; 32] = Sha256::new()
        .chain_update(b"pokt-localnet demo key")
        .chain_update(seed.to_be_bytes())
        .chain_update(role.as_bytes())
        .chain_update(u64::try_from(index)?.to_be_bytes())
        .finalize()
        .into();
    for _ in 0..16 {
        if let Ok(k) = SigningKey::from_bytes(&h) {
            return Ok(k);
        }
        h = Sha256::digest(h).into();
    }
    bail!("no valid demo key")
}

fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("{} (remove it first to re-initialise)", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// Writes the localnet: genesis, demo keys, host configs, manifest.
pub(crate) fn localnet_init(a: &LocalnetInitArgs) -> anyhow::Result<()> {
    if a.suppliers == 0 || a.suppliers > 100 {
        bail!("--suppliers must be in 1..=100");
    }
    std::fs::create_dir_all(a.dir.join("keys"))?;
    let service = ServiceId::new("llm")?;
    let app = demo_key(a.seed, "application", 0)?;
    let gateway = demo_key(a.seed, "gateway", 0)?;
    let source = demo_key(a.seed, "source", 0)?;
    let suppliers = (0..a.suppliers)
        .map(|i| demo_key(a.seed, "supplier", i))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let owners = (0..a.suppliers)
        .map(|i| demo_key(a.seed, "supplier-owner", i))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let pk = |k: &SigningKey| hex::encode(k.verifying_key().to_bytes());
    let cfg = pokt_devnet::DevnetConfig::small()?;
    let seed: [u8; 32] = Sha256::new()
        .chain_update(b"pokt-localnet chain")
        .chain_update(a.seed.to_be_bytes())
        .finalize()
        .into();
    let relayminer_url = format!("http://{RELAYMINER}");
    let mut accounts: Vec<GenesisAccount> = suppliers
        .iter()
        .chain(owners.iter())
        .chain([&app, &gateway, &source])
        .map(|k| GenesisAccount {
            address: k.address(),
            public_key: Some(pk(k)),
            balance_upokt: 1_000_000_000,
        })
        .collect();
    accounts.dedup_by_key(|x| x.address);
    let genesis = Genesis {
        chain_id: "pokt-localnet".into(),
        genesis_time: pokt_chain::now_ms() / 1000,
        seed: hex::encode(seed),
        params: GenesisParams::from_config(&cfg),
        tx: TxRules::default(),
        accounts,
        services: vec![GenesisService {
            id: service.clone(),
            name: "LLM (stand-in backend)".into(),
            compute_units_per_relay: 100,
            owner: source.address(),
            target_num_relays: 1_000,
            token_pricing: None,
        }],
        gateways: vec![GenesisGateway {
            public_key: pk(&gateway),
            stake_upokt: 1_000_000,
        }],
        applications: vec![GenesisApplication {
            public_key: pk(&app),
            stake_upokt: 5_000_000_000,
            services: vec![service.clone()],
            delegatees: vec![gateway.address()],
        }],
        suppliers: suppliers
            .iter()
            .zip(&owners)
            .map(|(k, o)| GenesisSupplier {
                public_key: pk(k),
                owner: o.address(),
                stake_upokt: 100_000_000,
                services: vec![service.clone()],
                rev_shares: vec![],
                endpoint: Some(relayminer_url.clone()),
            })
            .collect(),
    };
    genesis
        .build()
        .context("the generated genesis does not build")?;
    write_new(&a.dir.join("genesis.json"), &genesis.to_json())?;

    let mut manifest_accounts = Vec::new();
    let mut key_file = |role: &str,
                        i: usize,
                        k: &SigningKey,
                        extra: serde_json::Value|
     -> anyhow::Result<String> {
        let name = if role == "supplier" || role == "supplier-owner" {
            format!("{role}-{i}.hex")
        } else {
            format!("{role}.hex")
        };
        let secret = hex::encode(*k.to_bytes());
        write_new(&a.dir.join("keys").join(&name), &format!("{secret}\n"))?;
        let mut entry = json!({
            "role": role,
            "address": k.address(),
            "public_key": pk(k),
            "secret_key": secret,
            "key_file": format!("keys/{name}"),
        });
        if let (Some(e), serde_json::Value::Object(x)) = (entry.as_object_mut(), extra) {
            e.extend(x);
        }
        manifest_accounts.push(entry);
        Ok(format!("keys/{name}"))
    };
    key_file(
        "application",
        0,
        &app,
        json!({"stake_upokt": 5_000_000_000u64, "services": ["llm"], "delegatees": [gateway.address()]}),
    )?;
    let gateway_key = key_file("gateway", 0, &gateway, json!({"stake_upokt": 1_000_000}))?;
    key_file("source", 0, &source, json!({"services_owned": ["llm"]}))?;
    let mut supplier_keys = Vec::new();
    for (i, (k, o)) in suppliers.iter().zip(&owners).enumerate() {
        supplier_keys.push(key_file(
            "supplier",
            i,
            k,
            json!({"stake_upokt": 100_000_000, "services": ["llm"], "owner": o.address(), "endpoint": relayminer_url}),
        )?);
        key_file("supplier-owner", i, o, json!({}))?;
    }
    let keys_list = supplier_keys
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ");
    write_new(
        &a.dir.join("relayminer.toml"),
        &format!(
            "# Relay miner of the localnet (`pokt relayminer --config relayminer.toml`).\n\
             # Demo keys: never use them off this devnet.\n\
             [chain]\nchain_id = \"pokt-localnet\"\nrpc_url = \"http://{RPC}\"\ngrpc_url = \"http://{GRPC}\"\n\n\
             [server]\nlisten = \"{RELAYMINER}\"\n\n\
             [[services]]\nid = \"llm\"\nbackend_url = \"http://{BACKEND}\"\n\n\
             [suppliers]\nkey_files = [{keys_list}]\n\n\
             [store]\npath = \"relayminer.redb\"\n"
        ),
    )?;
    write_new(
        &a.dir.join("gateway.toml"),
        &format!(
            "# Gateway of the localnet (`pokt gateway --config gateway.toml`).\n\
             # Demo keys: never use them off this devnet.\n\
             [chain]\nchain_id = \"pokt-localnet\"\nrpc_url = \"http://{RPC}\"\ngrpc_url = \"http://{GRPC}\"\n\n\
             [server]\nlisten = \"{GATEWAY}\"\n\n\
             [gateway]\nkey_file = \"{gateway_key}\"\n\n\
             [[applications]]\naddress = \"{app}\"\n\n\
             [[services]]\nid = \"llm\"\nmodels = [\"stand-in-1\"]\n\n\
             [[api_keys]]\nname = \"demo\"\nkey = \"sk-localnet-demo-key\"\napplication = \"{app}\"\n",
            app = app.address()
        ),
    )?;
    let manifest = json!({
        "chain_id": "pokt-localnet",
        "demo_keys_warning": "these secret keys are public demo keys: never use them off this devnet",
        "gateway_api_key": "sk-localnet-demo-key",
        "endpoints": {
            "cometbft_rpc": format!("http://{RPC}"),
            "cometbft_websocket": format!("ws://{RPC}/websocket"),
            "grpc": format!("http://{GRPC}"),
            "relayminer": format!("http://{RELAYMINER}"),
            "gateway": format!("http://{GATEWAY}"),
            "backend": format!("http://{BACKEND}"),
        },
        "files": {
            "genesis": "genesis.json",
            "relayminer_config": "relayminer.toml",
            "gateway_config": "gateway.toml",
        },
        "commands": [
            format!("pokt devnet --home {}", a.dir.display()),
            "pokt backend".to_string(),
            format!("pokt relayminer --config {}", a.dir.join("relayminer.toml").display()),
            format!("pokt gateway --config {}", a.dir.join("gateway.toml").display()),
        ],
        "services": [{"id": "llm", "compute_units_per_relay": 100, "owner": source.address()}],
        "accounts": manifest_accounts,
    });
    write_new(
        &a.dir.join("localnet.json"),
        &serde_json::to_string_pretty(&manifest)?,
    )?;
    eprintln!(
        "DEMO KEYS: the secret keys in {} are public; never use them off this devnet.",
        a.dir.join("localnet.json").display()
    );
    println!(
        "localnet written to {}; next: pokt devnet --home {}",
        a.dir.display(),
        a.dir.display()
    );
    Ok(())
}
