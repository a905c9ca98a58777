//! The loopback network the host tests start through the `pokt` binary: a localnet written by
//! `pokt localnet init` (its genesis edited where a test needs it), `pokt devnet`, `pokt backend`s,
//! `pokt relayminer`s and `pokt gateway`s configured from the files the localnet writes with
//! their addresses rewritten. Every process is a [`Proc`] (killed on drop); every wait is bounded.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use pokt_chain::{Chain, RemoteChain, RemoteConfig};
use pokt_crypto::SigningKey;
use serde_json::Value;

use super::{Proc, TempDir};

/// `pokt` itself, for one-shot commands.
pub fn pokt() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pokt"))
}

static NEXT_PORT: AtomicU32 = AtomicU32::new(0);

/// A loopback port for a host whose address must be known before it starts (a supplier's
/// endpoint is staked in the genesis). Picked below Linux's ephemeral range (32768–60999), from
/// which `bind(…:0)` and outgoing connections draw, so that only another explicit bind can take
/// it before the host binds it; free when returned.
pub fn reserved_port() -> u16 {
    // 20000..32000, each test process starting at its own offset.
    let base = (std::process::id() % 600) * 20;
    for _ in 0..2_000 {
        let n = NEXT_PORT.fetch_add(1, Ordering::Relaxed);
        let port = u16::try_from(20_000 + (base + n) % 12_000).unwrap_or(20_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port below the ephemeral range");
}

/// A localnet directory (`pokt localnet init`), removed on drop.
pub struct Localnet {
    dir: TempDir,
    manifest: Value,
}

impl Localnet {
    /// `pokt localnet init DIR --suppliers N`.
    pub fn init(tag: &str, suppliers: usize) -> Self {
        let dir = TempDir::new(tag);
        let home = dir.path().join("net");
        let out = pokt()
            .args(["localnet", "init"])
            .arg(&home)
            .args(["--suppliers", &suppliers.to_string()])
            .output()
            .expect("pokt localnet init runs");
        assert!(
            out.status.success(),
            "pokt localnet init: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let manifest = serde_json::from_str(
            &std::fs::read_to_string(home.join("localnet.json")).expect("localnet.json"),
        )
        .expect("localnet.json is JSON");
        Self { dir, manifest }
    }

    /// The directory the localnet was written to (the devnet's home, the configs' directory).
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("net")
    }

    /// Rewrites `genesis.json` with `edit` (before the devnet first starts).
    pub fn edit_genesis(&self, edit: impl FnOnce(&mut Value)) {
        let p = self.home().join("genesis.json");
        let mut g: Value =
            serde_json::from_str(&std::fs::read_to_string(&p).expect("genesis.json")).unwrap();
        edit(&mut g);
        std::fs::write(&p, g.to_string()).expect("genesis.json written");
    }

    /// The `index`-th account of `role` in the manifest (`application`, `gateway`, `supplier`,
    /// `supplier-owner`, `source`).
    pub fn account(&self, role: &str, index: usize) -> &Value {
        self.manifest["accounts"]
            .as_array()
            .and_then(|a| a.iter().filter(|a| a["role"] == role).nth(index))
            .unwrap_or_else(|| panic!("no {role} #{index} in localnet.json"))
    }

    /// Its secret key.
    pub fn key(&self, role: &str, index: usize) -> SigningKey {
        let mut b = [0u8; 32];
        hex::decode_to_slice(
            self.account(role, index)["secret_key"]
                .as_str()
                .expect("secret_key"),
            &mut b,
        )
        .expect("hex key");
        SigningKey::from_bytes(&b).expect("a valid key")
    }

    /// Its address.
    pub fn address(&self, role: &str, index: usize) -> String {
        self.account(role, index)["address"]
            .as_str()
            .expect("address")
            .to_string()
    }

    /// Its key file, relative to [`Localnet::home`].
    pub fn key_file(&self, role: &str, index: usize) -> String {
        self.account(role, index)["key_file"]
            .as_str()
            .expect("key_file")
            .to_string()
    }
}

/// A running `pokt devnet` (blocks on demand unless a block time is given).
pub struct Devnet {
    /// The process.
    pub proc: Proc,
    /// CometBFT JSON-RPC URL.
    pub rpc: String,
    /// gRPC URL.
    pub grpc: String,
    /// A client of it.
    pub chain: RemoteChain,
    http: reqwest::Client,
}

impl Devnet {
    /// Starts `pokt devnet --home HOME` on free ports with `--block-time BLOCK_TIME` (`"0"`:
    /// blocks only when [`Devnet::mine`] asks).
    pub fn start(home: &Path, block_time: &str) -> Self {
        Self::start_on(home, "127.0.0.1:0", "127.0.0.1:0", block_time)
    }

    /// As [`Devnet::start`], on given addresses (a restart on the same ports).
    pub fn start_on(home: &Path, rpc: &str, grpc: &str, block_time: &str) -> Self {
        let proc = Proc::start(&[
            "devnet",
            "--home",
            home.to_str().expect("utf-8 path"),
            "--rpc-addr",
            rpc,
            "--grpc-addr",
            grpc,
            "--block-time",
            block_time,
        ]);
        let (rpc, grpc) = (proc.url(" rpc "), proc.url(" grpc "));
        assert!(rpc.starts_with("http://127.0.0.1:"), "{}", proc.line);
        let chain = RemoteChain::new(RemoteConfig {
            timeout: Duration::from_secs(10),
            ..RemoteConfig::new(&rpc, &grpc)
        })
        .expect("chain client");
        Self {
            proc,
            rpc,
            grpc,
            chain,
            http: client(Duration::from_secs(20)),
        }
    }

    /// Stops it (SIGKILL) and starts it again on the same ports, from its store.
    pub fn restart(&mut self, home: &Path) {
        self.proc.kill();
        let (rpc, grpc) = (
            self.rpc.trim_start_matches("http://").to_string(),
            self.grpc.trim_start_matches("http://").to_string(),
        );
        *self = Self::start_on(home, &rpc, &grpc, "0");
    }

    /// Makes one block (`devnet_mine`); returns its height.
    pub async fn mine(&self) -> i64 {
        let v: Value = self
            .http
            .post(&self.rpc)
            .body(r#"{"jsonrpc":"2.0","id":1,"method":"devnet_mine","params":{}}"#)
            .send()
            .await
            .expect("devnet_mine")
            .json()
            .await
            .expect("devnet_mine answer");
        v["result"]["height"]
            .as_str()
            .and_then(|h| h.parse().ok())
            .expect("a height")
    }

    /// The latest height.
    pub async fn height(&self) -> i64 {
        self.chain
            .latest_block()
            .await
            .expect("latest block")
            .height
            .get()
    }

    /// Mines until the height is at least `h`.
    pub async fn mine_to(&self, h: i64) {
        while self.height().await < h {
            self.mine().await;
        }
    }
}

/// An HTTP client with a bound on every request.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("HTTP client")
}

/// `pokt backend --listen 127.0.0.1:0 ARGS…`; the process and its URL.
pub fn backend(args: &[&str]) -> (Proc, String) {
    let mut all = vec!["backend", "--listen", "127.0.0.1:0"];
    all.extend_from_slice(args);
    let p = Proc::start(&all);
    let url = p.url(" on ");
    assert!(url.starts_with("http://127.0.0.1:"), "{}", p.line);
    (p, url)
}

/// What one relay miner serves.
pub struct MinerSpec<'a> {
    /// Its listen address (`127.0.0.1:0` when no genesis endpoint names it).
    pub listen: String,
    /// The backend it forwards to.
    pub backend_url: &'a str,
    /// Supplier key files, relative to the localnet's home.
    pub key_files: Vec<String>,
    /// Its store file, relative to the localnet's home.
    pub store: String,
    /// More TOML appended as is.
    pub extra: &'a str,
}

/// Writes a relay miner config (the localnet's `relayminer.toml` schema) at `home/name` against
/// `devnet` (its RPC URL given apart, so a test can point it elsewhere).
pub fn relayminer_config(
    home: &Path,
    name: &str,
    rpc: &str,
    grpc: &str,
    spec: &MinerSpec<'_>,
) -> PathBuf {
    let keys = spec
        .key_files
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let p = home.join(name);
    std::fs::write(
        &p,
        format!(
            "[chain]\nchain_id = \"pokt-localnet\"\nrpc_url = \"{rpc}\"\ngrpc_url = \"{grpc}\"\ntimeout_ms = 3000\n\n\
             [server]\nlisten = \"{}\"\n\n\
             [[services]]\nid = \"llm\"\nbackend_url = \"{}\"\nbackend_timeout_ms = 10000\n\n\
             [suppliers]\nkey_files = [{keys}]\n\n\
             [store]\npath = \"{}\"\nsync_interval_ms = 50\n{}",
            spec.listen, spec.backend_url, spec.store, spec.extra
        ),
    )
    .expect("relay miner config written");
    p
}

/// `pokt relayminer --config CONFIG --log-level LEVEL`; the process and its URL.
pub fn relayminer(config: &Path, log_level: &str) -> (Proc, String) {
    let p = Proc::start(&[
        "relayminer",
        "--config",
        config.to_str().expect("utf-8"),
        "--log-level",
        log_level,
    ]);
    let url = p.url(" on ");
    assert!(url.starts_with("http://127.0.0.1:"), "{}", p.line);
    (p, url)
}

/// The localnet's `gateway.toml` pointed at `devnet`, with each `(from, to)` of `edits` replaced
/// and `extra` appended, written as `home/name`.
pub fn gateway_config(
    ln: &Localnet,
    devnet: &Devnet,
    name: &str,
    edits: &[(&str, &str)],
    extra: &str,
) -> PathBuf {
    let mut text = std::fs::read_to_string(ln.home().join("gateway.toml")).expect("gateway.toml");
    let line_of = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("gateway.toml has no {key}"))
            .to_string()
    };
    let (rpc_line, grpc_line) = (line_of("rpc_url"), line_of("grpc_url"));
    text = text
        .replace(&rpc_line, &format!("rpc_url = \"{}\"", devnet.rpc))
        .replace(&grpc_line, &format!("grpc_url = \"{}\"", devnet.grpc));
    for (from, to) in edits {
        assert!(text.contains(from), "gateway.toml has no `{from}`");
        text = text.replace(from, to);
    }
    text.push('\n');
    text.push_str(extra);
    let p = ln.home().join(name);
    std::fs::write(&p, text).expect("gateway config written");
    p
}

/// `pokt gateway --config CONFIG --listen 127.0.0.1:0` logging at `log_level` (`RUST_LOG`);
/// the process and its URL.
pub fn gateway(config: &Path, log_level: &str) -> (Proc, String) {
    let p = Proc::start_with(
        &[
            "gateway",
            "--config",
            config.to_str().expect("utf-8"),
            "--listen",
            "127.0.0.1:0",
        ],
        &[("RUST_LOG", log_level)],
    );
    let url = p.url("listening on ");
    assert!(url.starts_with("http://127.0.0.1:"), "{}", p.line);
    (p, url)
}

/// The sum of the samples of metric `name` (Prometheus text) whose labels include every
/// `key="value"` of `labels`.
pub fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (n, rest) = series.split_once('{').unwrap_or((series, ""));
            (n == name
                && labels
                    .iter()
                    .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\""))))
            .then(|| value.parse::<f64>().ok())
            .flatten()
        })
        .sum()
}

/// `GET url` as text (bounded).
pub async fn get_text(http: &reqwest::Client, url: &str) -> String {
    http.get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// Polls `check` every 100 ms until it holds or `limit` passes; whether it held.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let t0 = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if t0.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
