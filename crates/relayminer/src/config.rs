//! The relay miner's TOML configuration: every key, its default, and errors that name the key at
//! fault. [RM-CONFIG-1]
//!
//! ```toml
//! [chain]
//! chain_id = "pokt-localnet"              # required; checked against the node
//! rpc_url = "http://127.0.0.1:26657"      # CometBFT JSON-RPC (required)
//! grpc_url = "http://127.0.0.1:9090"      # Cosmos gRPC (required)
//! timeout_ms = 10000                      # every chain call
//! gas_price_upokt = "0.001"               # fee = gas × this
//! gas_adjustment = "1.5"                  # gas = simulated × this
//!
//! [server]
//! listen = "127.0.0.1:8545"               # POST /v1/relay, GET /metrics, GET /health
//! max_request_bytes = 4194304
//! max_concurrent_relays = 1024            # more wait; bounded memory and sockets
//! shutdown_grace_ms = 30000               # SIGTERM: in-flight relays get this long
//!
//! [[services]]
//! id = "llm"
//! backend_url = "http://127.0.0.1:8081"   # any OpenAI-compatible or HTTP/JSON-RPC server
//! backend_timeout_ms = 30000
//! max_answer_bytes = 8388608
//! # token_pricing = { base_compute_units = 1, per_prompt_token = 1, per_completion_token = 2 }
//!
//! [suppliers]
//! key_files = ["keys/supplier-0.hex"]     # hex secret keys, relative to this file
//! key_env = ["POKT_SUPPLIER_KEY"]         # environment variables holding hex secret keys
//!
//! [store]
//! path = "relayminer.redb"                # relative to this file
//! sync_interval_ms = 100                  # fsync period (0: every commit); power-loss window
//! commit_delay_us = 0                     # under load, wait this much more to share a write
//!
//! [meter]
//! enabled = true
//! overservicing_allowance_percent = 0     # serve this much beyond the chain's budget
//!
//! [claims]
//! claim_gas_estimate = 100000             # for the fee-versus-value check
//! skip_unprofitable = true
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pokt_primitives::Fraction;
use pokt_relay::llm::TokenPricing;
use serde::Deserialize;

/// Why a configuration was refused: the key at fault and what is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The TOML does not parse or does not fit the schema (unknown, missing or mistyped key).
    #[error("{key}: {message}")]
    Syntax {
        /// The key (dotted path) at fault, or the position when no key applies.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("{key}: {message}")]
    Invalid {
        /// The key (dotted path) at fault.
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    /// The key the error names (empty for a read error).
    pub fn key(&self) -> &str {
        match self {
            Self::Read { .. } => "",
            Self::Syntax { key, .. } | Self::Invalid { key, .. } => key,
        }
    }

    fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// The whole configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How to reach the chain.
    pub chain: ChainConfig,
    /// The HTTP server.
    pub server: ServerConfig,
    /// Services and their backends.
    pub services: Vec<ServiceConfig>,
    /// Where the supplier operator keys come from.
    pub suppliers: SuppliersConfig,
    /// The embedded store.
    pub store: StoreConfig,
    /// The over-servicing meter.
    #[serde(default)]
    pub meter: MeterConfig,
    /// Claims and proofs.
    #[serde(default)]
    pub claims: ClaimsConfig,
    /// The directory relative paths are resolved against (the config file's).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// `[chain]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// The chain id the node must report.
    pub chain_id: String,
    /// CometBFT JSON-RPC URL.
    pub rpc_url: String,
    /// Cosmos gRPC URL.
    pub grpc_url: String,
    /// Timeout of every chain call, ms (default 10 000).
    #[serde(default = "d_chain_timeout")]
    pub timeout_ms: u64,
    /// Fee per gas unit in uPOKT, decimal (default "0.001").
    #[serde(default = "d_gas_price")]
    pub gas_price_upokt: String,
    /// Gas limit = simulated gas × this, decimal (default "1.5").
    #[serde(default = "d_gas_adjustment")]
    pub gas_adjustment: String,
}

/// `[server]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Listen address of `POST /v1/relay`, `GET /metrics` and `GET /health`.
    pub listen: SocketAddr,
    /// Largest relay request read, bytes (default 4 MiB).
    #[serde(default = "d_max_request")]
    pub max_request_bytes: usize,
    /// Relays served at once; more wait for a slot (default 1024). [RM-OPS-3]
    #[serde(default = "d_max_concurrent")]
    pub max_concurrent_relays: usize,
    /// On SIGTERM, how long in-flight relays may take to finish, ms (default 30 000).
    #[serde(default = "d_shutdown_grace")]
    pub shutdown_grace_ms: u64,
}

/// `[[services]]`: one service and its backend.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// The service id on chain.
    pub id: String,
    /// The backend's base URL; a relay's request path is appended.
    pub backend_url: String,
    /// How long the backend may take to start answering (and between stream chunks), ms
    /// (default 30 000).
    #[serde(default = "d_backend_timeout")]
    pub backend_timeout_ms: u64,
    /// Largest backend answer read, bytes (default 8 MiB).
    #[serde(default = "d_max_answer")]
    pub max_answer_bytes: usize,
    /// Token-metered compute units (LLM extension); absent: the chain's fixed compute units per
    /// relay. Must equal the service's pricing on chain.
    #[serde(default)]
    pub token_pricing: Option<TokenPricing>,
}

/// `[suppliers]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppliersConfig {
    /// Files holding one hex secret key each (relative to the config file).
    #[serde(default)]
    pub key_files: Vec<PathBuf>,
    /// Environment variables holding one hex secret key each.
    #[serde(default)]
    pub key_env: Vec<String>,
}

/// `[store]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// The redb file (relative to the config file).
    pub path: PathBuf,
    /// How often the store is made durable (fsync), ms; 0 = at every commit (default 100).
    #[serde(default = "d_sync_interval")]
    pub sync_interval_ms: u64,
    /// Group writes: how much longer, µs, a write group waits for more relays when the last
    /// group held more than one (default 0: a group only waits for the tasks ready to run, which
    /// under load already shares each write among tens of relays). Adds at most this much to a
    /// relay's answer under load.
    #[serde(default = "d_commit_delay")]
    pub commit_delay_us: u64,
}

/// `[meter]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterConfig {
    /// Refuse relays beyond the application's per-session budget (default true).
    #[serde(default = "d_true")]
    pub enabled: bool,
    /// Serve this many percent beyond the chain's budget (default 0).
    #[serde(default)]
    pub overservicing_allowance_percent: u64,
}

impl Default for MeterConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            overservicing_allowance_percent: 0,
        }
    }
}

/// `[claims]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsConfig {
    /// Gas a claim transaction is expected to use, for the fee-versus-value check (default
    /// 100 000).
    #[serde(default = "d_claim_gas")]
    pub claim_gas_estimate: u64,
    /// Skip (and log) claims whose expected fee exceeds their value (default true).
    #[serde(default = "d_true")]
    pub skip_unprofitable: bool,
}

impl Default for ClaimsConfig {
    fn default() -> Self {
        Self {
            claim_gas_estimate: d_claim_gas(),
            skip_unprofitable: true,
        }
    }
}

fn d_chain_timeout() -> u64 {
    10_000
}
fn d_gas_price() -> String {
    "0.001".into()
}
fn d_gas_adjustment() -> String {
    "1.5".into()
}
fn d_max_request() -> usize {
    4 << 20
}
fn d_max_concurrent() -> usize {
    1024
}
fn d_shutdown_grace() -> u64 {
    30_000
}
fn d_backend_timeout() -> u64 {
    30_000
}
fn d_max_answer() -> usize {
    8 << 20
}
fn d_commit_delay() -> u64 {
    u64::try_from(crate::store::StoreOptions::DEFAULT_COMMIT_DELAY.as_micros()).unwrap_or(0)
}

fn d_sync_interval() -> u64 {
    100
}
fn d_true() -> bool {
    true
}
fn d_claim_gas() -> u64 {
    100_000
}

/// A non-negative decimal ("0.001", "1.5", "2") as an exact fraction.
pub fn parse_decimal(key: &str, s: &str) -> Result<Fraction, ConfigError> {
    let bad = || ConfigError::invalid(key, format!("{s:?} is not a non-negative decimal"));
    let (int, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 18
    {
        return Err(bad());
    }
    let digits = format!("{int}{frac}");
    let num: u128 = digits.parse().map_err(|_| bad())?;
    let den = 10u128.pow(u32::try_from(frac.len()).map_err(|_| bad())?);
    Fraction::new(num, den).map_err(|_| bad())
}

impl Config {
    /// Parses a configuration; relative paths resolve against `base_dir`.
    pub fn from_toml(text: &str, base_dir: &Path) -> Result<Self, ConfigError> {
        let de = toml::Deserializer::parse(text).map_err(|e| syntax(text, &e))?;
        let mut cfg: Self = serde_path(de, text)?;
        cfg.base_dir = base_dir.to_path_buf();
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads and parses the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Self::from_toml(&text, &base)
    }

    /// A path of the configuration resolved against its directory.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// The chain timeout.
    pub fn chain_timeout(&self) -> Duration {
        Duration::from_millis(self.chain.timeout_ms)
    }

    /// Checks every value; the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.chain.chain_id.trim().is_empty() {
            return Err(ConfigError::invalid("chain.chain_id", "must not be empty"));
        }
        for (key, url) in [
            ("chain.rpc_url", &self.chain.rpc_url),
            ("chain.grpc_url", &self.chain.grpc_url),
        ] {
            check_url(key, url)?;
        }
        if self.chain.timeout_ms == 0 {
            return Err(ConfigError::invalid("chain.timeout_ms", "must be positive"));
        }
        parse_decimal("chain.gas_price_upokt", &self.chain.gas_price_upokt)?;
        let adj = parse_decimal("chain.gas_adjustment", &self.chain.gas_adjustment)?;
        if adj.num() < adj.den() {
            return Err(ConfigError::invalid(
                "chain.gas_adjustment",
                "must be at least 1",
            ));
        }
        if self.server.max_request_bytes == 0 {
            return Err(ConfigError::invalid(
                "server.max_request_bytes",
                "must be positive",
            ));
        }
        if self.server.max_concurrent_relays == 0 {
            return Err(ConfigError::invalid(
                "server.max_concurrent_relays",
                "must be positive",
            ));
        }
        if self.services.is_empty() {
            return Err(ConfigError::invalid(
                "services",
                "at least one [[services]] entry is required",
            ));
        }
        for (i, s) in self.services.iter().enumerate() {
            pokt_primitives::ServiceId::new(&s.id)
                .map_err(|e| ConfigError::invalid(format!("services[{i}].id"), e.to_string()))?;
            if self.services[..i].iter().any(|o| o.id == s.id) {
                return Err(ConfigError::invalid(
                    format!("services[{i}].id"),
                    format!("service {:?} is listed twice", s.id),
                ));
            }
            check_url(&format!("services[{i}].backend_url"), &s.backend_url)?;
            if s.backend_timeout_ms == 0 {
                return Err(ConfigError::invalid(
                    format!("services[{i}].backend_timeout_ms"),
                    "must be positive",
                ));
            }
            if s.max_answer_bytes == 0 {
                return Err(ConfigError::invalid(
                    format!("services[{i}].max_answer_bytes"),
                    "must be positive",
                ));
            }
        }
        if self.suppliers.key_files.is_empty() && self.suppliers.key_env.is_empty() {
            return Err(ConfigError::invalid(
                "suppliers",
                "give at least one key in suppliers.key_files or suppliers.key_env",
            ));
        }
        if self.store.path.as_os_str().is_empty() {
            return Err(ConfigError::invalid("store.path", "must not be empty"));
        }
        if self.meter.overservicing_allowance_percent > 10_000 {
            return Err(ConfigError::invalid(
                "meter.overservicing_allowance_percent",
                "must be at most 10000",
            ));
        }
        Ok(())
    }
}

fn check_url(key: &str, url: &str) -> Result<(), ConfigError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') => Ok(()),
        _ => Err(ConfigError::invalid(
            key,
            format!("{url:?} is not an http:// or https:// URL"),
        )),
    }
}

/// Deserialises with the path of the key at fault in the error.
fn serde_path(de: toml::Deserializer<'_>, text: &str) -> Result<Config, ConfigError> {
    Config::deserialize(de).map_err(|e| syntax(text, &e))
}

/// A TOML error as the key it concerns: the dotted path of the span's line, found by walking the
/// document's tables up to the span.
fn syntax(text: &str, e: &toml::de::Error) -> ConfigError {
    let message = e.message().to_string();
    let key = e
        .span()
        .map(|span| key_at(text, span.start, &message))
        .unwrap_or_default();
    ConfigError::Syntax {
        key: if key.is_empty() {
            "(document)".into()
        } else {
            key
        },
        message,
    }
}

/// The dotted key at byte `offset`: the enclosing `[table]` / `[[array]]` header (with the array
/// index) and, if the offset is inside a `key = value` line, the key; for "missing field `x`" the
/// field is appended to the table.
fn key_at(text: &str, offset: usize, message: &str) -> String {
    let mut table = String::new();
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut line_key = String::new();
    let mut pos = 0usize;
    for line in text.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        let t = line.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_string();
            let n = counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{n}]");
            *n += 1;
            line_key.clear();
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = name.trim().to_string();
            line_key.clear();
        } else if let Some((k, _)) = t.split_once('=')
            && !t.starts_with('#')
        {
            line_key = k.trim().trim_matches('"').to_string();
        }
        if offset < pos || pos >= text.len() {
            let _ = start;
            break;
        }
    }
    let field = message
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
        .map(str::to_string)
        .or_else(|| {
            message
                .strip_prefix("unknown field `")
                .and_then(|r| r.split('`').next())
                .map(str::to_string)
        });
    let leaf = field.unwrap_or(line_key);
    match (table.is_empty(), leaf.is_empty()) {
        (true, _) => leaf,
        (false, true) => table,
        (false, false) => format!("{table}.{leaf}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    pub(crate) const GOOD: &str = r#"
[chain]
chain_id = "pokt-localnet"
rpc_url = "http://127.0.0.1:26657"
grpc_url = "http://127.0.0.1:9090"

[server]
listen = "127.0.0.1:8545"

[[services]]
id = "llm"
backend_url = "http://127.0.0.1:8081"

[suppliers]
key_files = ["keys/supplier-0.hex"]

[store]
path = "relayminer.redb"
"#;

    fn err(text: &str) -> ConfigError {
        Config::from_toml(text, Path::new("/etc")).unwrap_err()
    }

    #[test]
    fn the_localnet_draft_parses_with_defaults() {
        let c = Config::from_toml(GOOD, Path::new("/etc/pokt")).unwrap();
        assert_eq!(c.store.sync_interval_ms, 100);
        assert_eq!(c.store.commit_delay_us, 0);
        assert_eq!(c.server.max_concurrent_relays, 1024);
        assert!(c.meter.enabled);
        assert_eq!(
            c.resolve(&c.store.path),
            PathBuf::from("/etc/pokt/relayminer.redb")
        );
        assert_eq!(c.services[0].backend_timeout_ms, 30_000);
    }

    #[test]
    fn errors_name_the_key() {
        let e = err(&GOOD.replace("listen = ", "listn = "));
        assert_eq!(e.key(), "server.listn", "{e}");
        let e = err(&GOOD.replace("listen = \"127.0.0.1:8545\"", "listen = \"nowhere\""));
        assert_eq!(e.key(), "server.listen", "{e}");
        let e = err(&GOOD.replace("backend_url = \"http://127.0.0.1:8081\"", ""));
        assert_eq!(e.key(), "services[0].backend_url", "{e}");
        let e = err(&GOOD.replace("http://127.0.0.1:8081", "ftp://x"));
        assert_eq!(e.key(), "services[0].backend_url", "{e}");
        let e = err(&format!("{GOOD}\n[meter]\nenabled = \"yes\"\n"));
        assert_eq!(e.key(), "meter.enabled", "{e}");
        let e = err(&GOOD.replace("chain_id = \"pokt-localnet\"", "chain_id = \"\""));
        assert_eq!(e.key(), "chain.chain_id", "{e}");
        let e = err(&format!("{GOOD}\n[claims]\nclaim_gas_estimate = -1\n"));
        assert_eq!(e.key(), "claims.claim_gas_estimate", "{e}");
        let e = err(&GOOD.replace("key_files = [\"keys/supplier-0.hex\"]", ""));
        assert_eq!(e.key(), "suppliers", "{e}");
        let e = err(&GOOD.replace("[chain]", "[chian]"));
        assert!(e.key().starts_with("chian") || e.key() == "chain", "{e}");
        let e = err(&format!(
            "{GOOD}\n[[services]]\nid = \"llm\"\nbackend_url = \"http://x\"\n"
        ));
        assert_eq!(e.key(), "services[1].id", "{e}");
    }

    #[test]
    fn decimals() {
        assert_eq!(
            parse_decimal("k", "0.001").unwrap(),
            Fraction::new(1, 1000).unwrap()
        );
        assert_eq!(
            parse_decimal("k", "1.5").unwrap(),
            Fraction::new(3, 2).unwrap()
        );
        assert_eq!(
            parse_decimal("k", "2").unwrap(),
            Fraction::new(2, 1).unwrap()
        );
        for bad in ["", ".", "-1", "1e3", "a"] {
            assert!(parse_decimal("k", bad).is_err(), "{bad}");
        }
    }
}
