//! The gateway's TOML configuration: every table refuses unknown keys, every optional key has a
//! documented default, and a semantic error names the key at fault. [GW-CFG-1]
//!
//! ```toml
//! [chain]                      # a POKT node (or `pokt devnet`)
//! chain_id = "pokt-localnet"
//! rpc_url = "http://127.0.0.1:26657"
//! grpc_url = "http://127.0.0.1:9090"
//!
//! [server]
//! listen = "127.0.0.1:3069"
//!
//! [gateway]
//! key_file = "keys/gateway.hex"  # signs for the applications that delegated to it
//!
//! [[applications]]
//! address = "pokt1…"             # delegated: signed with the gateway key
//! [[applications]]
//! key_file = "keys/app.hex"      # held: the gateway holds the application's key
//!
//! [[services]]
//! id = "llm"
//! models = ["stand-in-1"]
//!
//! [[api_keys]]
//! name = "alice"
//! key = "sk-alice-…"             # or key_env = "ALICE_KEY"
//! application = "pokt1…"
//! requests_per_minute = 600
//! tokens_per_minute = 200000
//!
//! [qos]                          # pokt-qos's QosConfig; every key optional
//! hedge.budget_ratio = 0.1
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pokt_crypto::SigningKey;
use pokt_primitives::{Address, ServiceId};
use pokt_qos::QosConfig;
use serde::Deserialize;
use zeroize::Zeroizing;

mod load;

/// Why a configuration is refused. The message names the key (`api_keys[1].application`) or the
/// file at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The TOML does not parse or does not fit the schema (unknown key, wrong type); toml's
    /// message names the key and the line.
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    /// A value is refused.
    #[error("{key}: {message}")]
    Invalid {
        /// The key, as a TOML path.
        key: String,
        /// What is wrong.
        message: String,
    },
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// The whole file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The node to read sessions from. Required by `pokt gateway`; a library host that brings
    /// its own [`pokt_chain::Chain`] may leave it out.
    #[serde(default)]
    pub chain: Option<ChainConfig>,
    /// The HTTP server.
    #[serde(default)]
    pub server: ServerConfig,
    /// The gateway's own key.
    #[serde(default)]
    pub gateway: GatewayKeyConfig,
    /// Relays to suppliers.
    #[serde(default)]
    pub relay: RelayConfig,
    /// The applications the gateway relays for (at least one).
    #[serde(default)]
    pub applications: Vec<ApplicationConfig>,
    /// The services it offers (at least one).
    #[serde(default)]
    pub services: Vec<ServiceConfig>,
    /// The API keys its users present (at least one).
    #[serde(default)]
    pub api_keys: Vec<ApiKeyConfig>,
    /// The model-identity watcher.
    #[serde(default)]
    pub watcher: WatcherConfig,
    /// Quality of service (pokt-qos; every key optional, one instance per service).
    #[serde(default)]
    pub qos: QosConfig,
}

/// `[chain]`: a node's endpoints.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// The chain id; the gateway refuses to start against a node of another chain.
    pub chain_id: String,
    /// CometBFT JSON-RPC (`http://host:26657`).
    pub rpc_url: String,
    /// Cosmos gRPC (`http://host:9090`).
    pub grpc_url: String,
    /// Timeout of one query. Default `"10s"`.
    #[serde(default = "d_10s", with = "duration")]
    pub timeout: Duration,
}

/// `[server]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Where the OpenAI-compatible API, `/v1/qos`, `/v1/watcher` and `/metrics` listen.
    /// Default `127.0.0.1:3069`.
    #[serde(default = "d_listen")]
    pub listen: SocketAddr,
    /// Largest request body accepted. Default 1 MiB.
    #[serde(default = "d_body")]
    pub max_body_bytes: usize,
    /// Requests served at once; more wait. Default 1024.
    #[serde(default = "d_in_flight")]
    pub max_in_flight: usize,
    /// How long a shutdown waits for requests in flight. Default `"10s"`.
    #[serde(default = "d_10s", with = "duration")]
    pub shutdown_grace: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: d_listen(),
            max_body_bytes: d_body(),
            max_in_flight: d_in_flight(),
            shutdown_grace: d_10s(),
        }
    }
}

/// `[gateway]`: the gateway's key, which signs for applications that delegated to it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayKeyConfig {
    /// A file holding the hex secret key (relative paths are relative to the config file).
    /// Required when an application is delegated.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
}

/// `[relay]`: how relays reach suppliers.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayConfig {
    /// How long a supplier may take to answer (a stream: to its first batch). Default `"30s"`.
    #[serde(default = "d_30s", with = "duration")]
    pub timeout: Duration,
    /// Longest silence inside a stream. Default `"30s"`.
    #[serde(default = "d_30s", with = "duration")]
    pub stream_idle_timeout: Duration,
    /// Largest answer (or stream batch) read from a relay miner. Default 16 MiB.
    #[serde(default = "d_answer")]
    pub max_answer_bytes: usize,
    /// Blocks before a session's start at which the gateway asks the chain for it (a node that
    /// can already tell lets the next session be prepared ahead). Default 1.
    #[serde(default = "d_one")]
    pub session_lead_blocks: u64,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            timeout: d_30s(),
            stream_idle_timeout: d_30s(),
            max_answer_bytes: d_answer(),
            session_lead_blocks: 1,
        }
    }
}

/// `[[applications]]`: an application the gateway relays for, in one of two modes.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationConfig {
    /// Delegated mode: the application's address; it delegated to the gateway, whose key signs.
    #[serde(default)]
    pub address: Option<Address>,
    /// Held mode: a file with the application's own hex secret key, which signs.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// Services this application may be used for (default: every service).
    #[serde(default)]
    pub services: Vec<ServiceId>,
}

/// `[[services]]`: a service the gateway offers and the model names that reach it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// The on-chain service id.
    pub id: ServiceId,
    /// Model names a request's `model` may carry (listed at `/v1/models`). Default: the id.
    #[serde(default)]
    pub models: Vec<String>,
    /// The model's `tokenizer.json` (Hugging Face format) for the usage recount; without it the
    /// plausibility bounds apply. [GW-USAGE-1]
    #[serde(default)]
    pub tokenizer: Option<PathBuf>,
    /// Share by which signed completion tokens may exceed the recount. Default 0.05.
    #[serde(default = "d_tolerance")]
    pub usage_tolerance: f64,
    /// Tokens by which signed completion tokens may exceed the recount in any case (special
    /// tokens, a final stop token). Default 4.
    #[serde(default = "d_slack")]
    pub usage_slack_tokens: u64,
}

/// `[[api_keys]]`: a key a user presents as `Authorization: Bearer KEY`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    /// A label for logs and metrics (the key itself never appears in either).
    pub name: String,
    /// The key.
    #[serde(default)]
    pub key: Option<String>,
    /// An environment variable holding the key (instead of `key`).
    #[serde(default)]
    pub key_env: Option<String>,
    /// The application its requests are relayed for (an address of `[[applications]]`).
    pub application: Address,
    /// Models it may use (default: every model of the application's services).
    #[serde(default)]
    pub models: Vec<String>,
    /// Requests per minute (default: no limit).
    #[serde(default)]
    pub requests_per_minute: Option<u32>,
    /// Prompt + completion tokens per minute (default: no limit).
    #[serde(default)]
    pub tokens_per_minute: Option<u64>,
}

impl std::fmt::Debug for ApiKeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyConfig")
            .field("name", &self.name)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("key_env", &self.key_env)
            .field("application", &self.application)
            .field("models", &self.models)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("tokens_per_minute", &self.tokens_per_minute)
            .finish()
    }
}

/// `[watcher]`: the model-identity watcher. [GW-WATCH-1]
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatcherConfig {
    /// Whether probes run. Default true when `references` is set.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Time between two rounds of probes. Default `"60s"`.
    #[serde(default = "d_60s", with = "duration")]
    pub interval: Duration,
    /// A JSON file of reference answers the operator recorded from a trusted run
    /// ([`crate::Reference`] list).
    #[serde(default)]
    pub references: Option<PathBuf>,
}

impl Default for WatcherConfig {
    fn default() -> Self {
        Self {
            enabled: None,
            interval: d_60s(),
            references: None,
        }
    }
}

fn d_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 3069))
}
fn d_body() -> usize {
    1 << 20
}
fn d_in_flight() -> usize {
    1024
}
fn d_answer() -> usize {
    16 << 20
}
fn d_one() -> u64 {
    1
}
fn d_10s() -> Duration {
    Duration::from_secs(10)
}
fn d_30s() -> Duration {
    Duration::from_secs(30)
}
fn d_60s() -> Duration {
    Duration::from_secs(60)
}
fn d_tolerance() -> f64 {
    0.05
}
fn d_slack() -> u64 {
    4
}

/// Durations as `"250ms"`, `"30s"`, `"5m"`, `"2h"` or an integer of milliseconds.
pub(crate) mod duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Ms(u64),
        Text(String),
    }

    /// Parses `"250ms"`, `"30s"`, `"5m"`, `"2h"`.
    pub(crate) fn parse(s: &str) -> Option<Duration> {
        let s = s.trim();
        let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (n, unit) = s.split_at(digits);
        let n: u64 = n.parse().ok()?;
        Some(match unit.trim() {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.checked_mul(60)?),
            "h" => Duration::from_secs(n.checked_mul(3600)?),
            _ => return None,
        })
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Ms(ms) => Ok(Duration::from_millis(ms)),
            Raw::Text(t) => parse(&t).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{t}` is not a duration (write \"250ms\", \"30s\", \"5m\" or \"2h\")"
                ))
            }),
        }
    }
}

/// How the gateway signs for an application.
#[derive(Clone)]
pub enum Signer {
    /// The application delegated to the gateway: the gateway's key signs.
    Delegated,
    /// The gateway holds the application's key.
    Held(SigningKey),
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Delegated => f.write_str("Delegated"),
            Self::Held(_) => f.write_str("Held(<redacted>)"),
        }
    }
}

/// An application, resolved.
#[derive(Clone, Debug)]
pub struct Application {
    /// Its address.
    pub address: Address,
    /// Who signs its relays.
    pub signer: Signer,
    /// Services it may be used for.
    pub services: Vec<ServiceId>,
}

/// A service, resolved.
#[derive(Clone, Debug)]
pub struct Service {
    /// The service id.
    pub id: ServiceId,
    /// Model names routed to it.
    pub models: Vec<String>,
    /// The tokenizer file, if any.
    pub tokenizer: Option<PathBuf>,
    /// Share by which signed completion tokens may exceed the recount.
    pub usage_tolerance: f64,
    /// Tokens by which they may exceed it in any case.
    pub usage_slack_tokens: u64,
}

/// An API key, resolved: the key itself (kept in memory only as its SHA-256) and its grants.
#[derive(Clone)]
pub struct ApiKey {
    /// Its label.
    pub name: String,
    /// SHA-256 of the key.
    pub digest: [u8; 32],
    /// The application.
    pub application: Address,
    /// Models it may use (empty: every model of the application's services).
    pub models: Vec<String>,
    /// Requests per minute.
    pub requests_per_minute: Option<u32>,
    /// Tokens per minute.
    pub tokens_per_minute: Option<u64>,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("name", &self.name)
            .field("application", &self.application)
            .field("models", &self.models)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("tokens_per_minute", &self.tokens_per_minute)
            .finish_non_exhaustive()
    }
}

/// The validated configuration the gateway runs with.
#[derive(Clone)]
pub struct GatewayConfig {
    /// `[chain]`, if given.
    pub chain: Option<ChainConfig>,
    /// `[server]`.
    pub server: ServerConfig,
    /// The gateway's key (required when an application is delegated).
    pub key: Option<SigningKey>,
    /// `[relay]`.
    pub relay: RelayConfig,
    /// The applications.
    pub applications: Vec<Application>,
    /// The services.
    pub services: Vec<Service>,
    /// The API keys.
    pub api_keys: Vec<ApiKey>,
    /// `[watcher]` with its references loaded.
    pub watcher: WatcherConfig,
    /// The reference answers (empty: no watcher).
    pub references: Vec<crate::Reference>,
    /// `[qos]`.
    pub qos: QosConfig,
}

impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("chain", &self.chain)
            .field("server", &self.server)
            .field("key", &self.key.as_ref().map(|k| k.address()))
            .field("relay", &self.relay)
            .field("applications", &self.applications)
            .field("services", &self.services)
            .field("api_keys", &self.api_keys)
            .field("watcher", &self.watcher)
            .field("references", &self.references.len())
            .field("qos", &self.qos)
            .finish()
    }
}

/// SHA-256 of an API key (the form keys are kept in).
pub fn key_digest(key: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(key.as_bytes()).into()
}

/// Reads a hex secret key file (surrounding whitespace ignored).
pub fn read_key_file(path: &Path) -> Result<SigningKey, String> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| e.to_string())?);
    let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| "not hex".to_string())?);
    let arr: Zeroizing<[u8; 32]> = Zeroizing::new(
        bytes
            .as_slice()
            .try_into()
            .map_err(|_| "not a 32-byte key".to_string())?,
    );
    SigningKey::from_bytes(&arr).map_err(|e| format!("not a valid secp256k1 key: {e}"))
}

#[cfg(test)]
mod tests;
