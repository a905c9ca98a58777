//! `pokt`: the command-line face of pokt-rs.
//!
//! It holds no protocol logic: every command parses its input, calls the library crates and
//! prints the result.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[cfg(feature = "hosts")]
mod backend_cmd;
mod decode_cmd;
#[cfg(feature = "hosts")]
mod devnet_cmd;
mod eval;
#[cfg(feature = "hosts")]
mod gateway_cmd;
mod keys_cmd;
#[cfg(feature = "hosts")]
mod load_cmd;
mod mining_cmd;
mod relay_cmd;
#[cfg(feature = "hosts")]
mod relayminer_cmd;
mod session_cmd;
mod settle_cmd;
#[cfg(feature = "hosts")]
mod signals;
mod simulate;

/// POKT Shannon protocol tools: simulate, inspect, decode and evaluate.
#[derive(Debug, Parser)]
#[command(name = "pokt", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Derive a session from a JSON description of the chain state (read from stdin or a file).
    Session {
        /// The chain-state JSON file; stdin when absent.
        file: Option<std::path::PathBuf>,
    },
    /// Relay tools.
    #[command(subcommand)]
    Relay(RelayCommand),
    /// Run the Relay Mining simulator (embedded default scenario unless --scenario is given).
    Simulate(simulate::SimulateArgs),
    /// Walk a service's difficulty (EMA and target) over a list of per-settlement relay counts.
    Difficulty {
        /// Relay counts, one per settlement, comma-separated (mined relays, or served relays
        /// with --served).
        #[arg(long, value_delimiter = ',', required = true)]
        relays: Vec<u64>,
        /// The service's target number of relays per settlement.
        #[arg(long, default_value_t = 100_000)]
        target_relays: u64,
        /// Which controller feeds the EMA.
        #[arg(long, value_enum, default_value = "poktroll")]
        controller: mining_cmd::ControllerKind,
        /// Read the counts as served relays; the mined count is ⌊served · p⌋.
        #[arg(long)]
        served: bool,
    },
    /// Settle one block from a JSON scenario (the `settle` eval input, spec/eval.md) and print
    /// the ledger operations, outcomes and events.
    Settle {
        /// The scenario JSON file; stdin when absent.
        file: Option<std::path::PathBuf>,
        /// Print JSON (the `settle` eval output) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Decode protocol bytes (hex, or `-` for hex on stdin) and print them as JSON with the
    /// hashes the chain computes over them.
    Decode {
        /// What the bytes are.
        #[arg(value_enum)]
        kind: decode_cmd::Kind,
        /// The bytes as hex, or `-` to read the hex from stdin.
        hex: String,
        /// For `proof`: the claim's 48-byte root (hex); prints the strict and Go verdicts.
        #[arg(long)]
        root: Option<String>,
    },
    /// Print the public key and address of a key whose secret is read from stdin (never
    /// printed), of a key derived from a secret string, or of the placeholder ring key.
    Keys {
        /// How the key is given.
        #[arg(long, value_enum, default_value = "secp256k1")]
        from: keys_cmd::Source,
    },
    /// Proof tools.
    #[command(subcommand)]
    Proof(ProofCommand),
    /// Print the bech32 `pokt1…` address of a 33-byte compressed secp256k1 public key (hex).
    Address {
        /// The public key, 66 hex characters.
        public_key: String,
    },
    /// Run the devnet as a node: CometBFT JSON-RPC and the gRPC services a POKT node serves, on
    /// loopback, with its blocks kept in HOME (see spec/chain.md).
    #[cfg(feature = "hosts")]
    Devnet(devnet_cmd::DevnetArgs),
    /// Local network tools.
    #[cfg(feature = "hosts")]
    #[command(subcommand)]
    Localnet(LocalnetCommand),
    /// Run the stand-in model backend: a deterministic OpenAI-compatible server with real token
    /// counts (not a model), for trying a relay miner or gateway without one.
    #[cfg(feature = "hosts")]
    Backend(backend_cmd::BackendArgs),
    /// Run the relay miner (`--config FILE`), or check its configuration, chain, stakes and
    /// backends (`check --config FILE`).
    #[cfg(feature = "hosts")]
    Relayminer(relayminer_cmd::RelayminerArgs),
    /// Run the OpenAI-compatible gateway (see crates/gateway/GUIDE.md).
    #[cfg(feature = "hosts")]
    Gateway(gateway_cmd::GatewayArgs),
    /// Load runs through the real hosts (devnet, stand-ins, relay miners, gateway as processes on
    /// loopback): `throughput` (requests/s, CPU per request, TTFT added by the path) and
    /// `qos-parity` (faulty suppliers via the gateway vs one stand-in, beside pokt-sim's
    /// prediction). Bounded in count and time; every child is stopped at the end.
    #[cfg(feature = "hosts")]
    Load(load_cmd::LoadArgs),
    /// A subcommand this build does not have (the host subcommands need the `hosts` feature).
    #[cfg(not(feature = "hosts"))]
    #[command(external_subcommand)]
    Other(Vec<String>),
    /// Evaluate a protocol rule on a JSON array of cases read from stdin (see spec/eval.md).
    Eval {
        /// The topic, e.g. `address`, `relay-hashes`, `claim-hash`; `pokt eval --list` lists all.
        #[arg(required_unless_present = "list")]
        topic: Option<String>,
        /// List the topics and exit.
        #[arg(long)]
        list: bool,
    },
}

#[cfg(feature = "hosts")]
#[derive(Debug, Subcommand)]
enum LocalnetCommand {
    /// Write a genesis, demo keys, the relay miner's and gateway's configs and `localnet.json`
    /// (chain id, endpoints, every account) into DIR.
    Init(devnet_cmd::LocalnetInitArgs),
}

#[derive(Debug, Subcommand)]
enum ProofCommand {
    /// Judge a proof as the chain does; prints a JSON verdict naming the failed step; exits 1 when
    /// the proof is invalid.
    Verify {
        /// `MsgCreateClaim` protobuf bytes, as a hex file.
        #[arg(long)]
        claim: std::path::PathBuf,
        /// `MsgSubmitProof` protobuf bytes, as a hex file.
        #[arg(long)]
        proof: std::path::PathBuf,
        /// The chain's context as JSON (suppliers, ring, supplier key, target, seed block hash,
        /// window, strict); see `pokt proof verify --help` and spec/proofs.md.
        #[arg(long)]
        context: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum RelayCommand {
    /// Check a relay's ring signature and supplier signature; exits 1 if either fails.
    Verify {
        /// Relay protobuf bytes, hex.
        #[arg(long)]
        relay: String,
        /// The supplier's 33-byte public key, hex.
        #[arg(long)]
        supplier_key: String,
        /// The application's ring keys, hex, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        ring: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Session { file } => {
            let input = match file {
                Some(p) => std::fs::read_to_string(p)?,
                None => {
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s)?;
                    s
                }
            };
            session_cmd::run(&input)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Relay(RelayCommand::Verify {
            relay,
            supplier_key,
            ring,
        }) => {
            let ok = relay_cmd::verify(&relay, &supplier_key, &ring)?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Difficulty {
            relays,
            target_relays,
            controller,
            served,
        } => {
            mining_cmd::difficulty(&relays, target_relays, controller, served)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Proof(ProofCommand::Verify {
            claim,
            proof,
            context,
        }) => Ok(if mining_cmd::proof_verify(&claim, &proof, &context)? {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }),
        Command::Settle { file, json } => {
            let input = match file {
                Some(p) => std::fs::read_to_string(p)?,
                None => {
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s)?;
                    s
                }
            };
            settle_cmd::run(&input, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Decode {
            kind,
            hex: text,
            root,
        } => {
            let text = if text == "-" {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                s
            } else {
                text
            };
            let bytes = hex::decode(text.trim())?;
            let root = root.map(|r| hex::decode(r.trim())).transpose()?;
            let v = decode_cmd::decode(kind, &bytes, root.as_deref())?;
            println!("{}", serde_json::to_string_pretty(&v)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys { from } => {
            let mut input = zeroize::Zeroizing::new(String::new());
            if from != keys_cmd::Source::Placeholder {
                std::io::stdin().read_to_string(&mut input)?;
            }
            keys_cmd::run(from, &input)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Simulate(args) => {
            simulate::run(args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Address { public_key } => {
            let key = hex::decode(public_key.trim())?;
            let addr = pokt_primitives::Address::from_public_key_slice(&key)?;
            println!("{addr}");
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "hosts")]
        Command::Devnet(args) => {
            devnet_cmd::devnet(args)?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "hosts")]
        Command::Gateway(args) => gateway_cmd::gateway(args).map(|()| ExitCode::SUCCESS),
        #[cfg(feature = "hosts")]
        Command::Localnet(LocalnetCommand::Init(args)) => {
            devnet_cmd::localnet_init(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "hosts")]
        Command::Backend(args) => backend_cmd::run(args).map(|()| ExitCode::SUCCESS),
        #[cfg(feature = "hosts")]
        Command::Relayminer(args) => relayminer_cmd::run(args).map(ExitCode::from),
        #[cfg(feature = "hosts")]
        Command::Load(args) => load_cmd::run(args).map(|()| ExitCode::SUCCESS),
        #[cfg(not(feature = "hosts"))]
        Command::Other(words) => Err(not_built(words.first().map_or("", String::as_str))),
        Command::Eval { topic, list } => {
            if list {
                for (name, _) in eval::TOPICS {
                    println!("{name}");
                }
                return Ok(ExitCode::SUCCESS);
            }
            let topic = topic.unwrap_or_default();
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input)?;
            let out = eval::run(&topic, &input)?;
            println!("{out}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The error for a subcommand this build lacks: the host subcommands' names get the way to build
/// them, anything else is unknown.
#[cfg(not(feature = "hosts"))]
fn not_built(name: &str) -> anyhow::Error {
    const HOSTS: [&str; 6] = [
        "devnet",
        "localnet",
        "backend",
        "relayminer",
        "gateway",
        "load",
    ];
    if HOSTS.contains(&name) {
        anyhow::anyhow!(
            "`pokt {name}` is a host subcommand, built with the `hosts` feature: \
             `cargo install --path crates/cli --features hosts`, or from the repository root \
             `cargo run --release --features hosts -- {name} …`"
        )
    } else {
        anyhow::anyhow!("unknown subcommand `{name}`; `pokt --help` lists the subcommands")
    }
}
