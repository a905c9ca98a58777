//! The loopback network of a load run: `pokt devnet`, one `pokt backend` and one
//! `pokt relayminer` per supplier, and `pokt gateway`, each a child process of this binary
//! (`std::env::current_exe()`) on 127.0.0.1. Children are stopped in reverse order of start
//! (SIGTERM, then SIGKILL after a bound) when the [`Net`] is stopped or dropped — on success, on
//! error and on Ctrl-C alike.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

/// How long a child may take to print its address line.
const START_LIMIT: Duration = Duration::from_secs(60);
/// How long a child may take to exit after SIGTERM before it is killed.
const STOP_LIMIT: Duration = Duration::from_secs(10);
/// The API key `pokt localnet init` writes into the gateway's config.
pub(crate) const API_KEY: &str = "sk-localnet-demo-key";

/// A child `pokt` process.
pub(crate) struct Child {
    /// What it is (`devnet`, `backend-0`, `relayminer-1`, `gateway`, …); its log is
    /// `logs/<name>.log` in the work directory.
    pub(crate) name: String,
    child: std::process::Child,
    /// Its first stdout line (the address line every host prints).
    pub(crate) line: String,
}

impl Child {
    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The first `http://…` word after `tag` in the address line.
    pub(crate) fn url(&self, tag: &str) -> String {
        let rest = self.line.split(tag).nth(1).unwrap_or_default();
        rest.split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_default()
            .trim_end_matches([',', ';', ')'])
            .to_string()
    }

    /// One stderr line: name, pid, address line.
    fn describe(&self) {
        eprintln!(
            "  {:<14} pid {:>7}  {}",
            self.name,
            self.pid(),
            self.line.trim()
        );
    }

    /// SIGTERM, a bounded wait, then SIGKILL; always reaps.
    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let t0 = Instant::now();
        while t0.elapsed() < STOP_LIMIT {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `pokt args…` (this binary) with stderr into `log` and waits (≤ 60 s) for its first
/// stdout line; the rest of stdout is drained so that the child never blocks on a full pipe.
fn spawn(name: &str, args: &[String], env: &[(&str, &str)], log: &Path) -> anyhow::Result<Child> {
    let exe = std::env::current_exe().context("the path of this binary")?;
    let err = std::fs::File::create(log).with_context(|| format!("{}", log.display()))?;
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(err));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting pokt {name}"))?;
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        bail!("pokt {name}: no stdout");
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut line = String::new();
        let _ = r.read_line(&mut line);
        let _ = tx.send(line);
        let mut sink = String::new();
        while r.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    let mut c = Child {
        name: name.to_string(),
        child,
        line: String::new(),
    };
    c.line = rx.recv_timeout(START_LIMIT).unwrap_or_default();
    if c.line.is_empty() {
        c.stop();
        bail!(
            "pokt {name} printed no address line within {} s (its log: {})",
            START_LIMIT.as_secs(),
            log.display()
        );
    }
    Ok(c)
}

/// A stand-in backend's scripted behaviour: the `pokt backend` fault flags (each off by default).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Faults {
    /// `--error-rate`: share of requests answered 500.
    pub(crate) error_rate: f64,
    /// `--latency-ms`: added latency (median).
    pub(crate) latency_ms: u64,
    /// `--latency-p99-ms`: log-normal added latency with this p99.
    pub(crate) latency_p99_ms: Option<u64>,
    /// `--slow-every K --slow-ms N`.
    pub(crate) slow_every: Option<(u64, u64)>,
    /// `--chunk-delay-ms`: time between streamed chunks.
    pub(crate) chunk_delay_ms: u64,
    /// `--seed`.
    pub(crate) seed: Option<u64>,
}

impl Faults {
    /// The `pokt backend` arguments for this behaviour (a flag only when it is not its default,
    /// so the plain backend runs a fault-free configuration).
    pub(crate) fn args(&self) -> Vec<String> {
        let mut a = vec![
            "--chunk-delay-ms".to_string(),
            self.chunk_delay_ms.to_string(),
        ];
        if self.error_rate > 0.0 {
            a.extend(["--error-rate".into(), self.error_rate.to_string()]);
        }
        if self.latency_ms > 0 {
            a.extend(["--latency-ms".into(), self.latency_ms.to_string()]);
        }
        if let Some(p) = self.latency_p99_ms {
            a.extend(["--latency-p99-ms".into(), p.to_string()]);
        }
        if let Some((k, ms)) = self.slow_every {
            a.extend([
                "--slow-every".into(),
                k.to_string(),
                "--slow-ms".into(),
                ms.to_string(),
            ]);
        }
        if self.has_faults()
            && let Some(s) = self.seed
        {
            a.extend(["--seed".into(), s.to_string()]);
        }
        a
    }

    /// Whether any fault flag is set.
    pub(crate) fn has_faults(&self) -> bool {
        self.error_rate > 0.0
            || self.latency_ms > 0
            || self.latency_p99_ms.is_some()
            || self.slow_every.is_some()
    }
}

/// What to start.
#[derive(Clone, Debug)]
pub(crate) struct NetSpec {
    /// Suppliers, each with its own relay miner and backend.
    pub(crate) suppliers: usize,
    /// Each supplier's backend behaviour (index = supplier).
    pub(crate) faults: Vec<Faults>,
    /// The devnet's block time (`pokt devnet --block-time`).
    pub(crate) block_time: String,
    /// The gateway's relay timeout (`[relay] timeout`).
    pub(crate) relay_timeout: String,
    /// Log filter of the gateway (`RUST_LOG`) and level of the relay miners.
    pub(crate) log_level: String,
}

/// The running network.
pub(crate) struct Net {
    /// Work directory (localnet files, stores, logs).
    pub(crate) dir: PathBuf,
    keep: bool,
    children: Vec<Child>,
    /// The gateway's base URL.
    pub(crate) gateway: String,
    /// Each supplier's backend base URL.
    pub(crate) backends: Vec<String>,
}

/// A free loopback port for a relay miner, held by the returned listener until that relay miner
/// starts: its port goes into the genesis before the devnet and the backends start. It is taken
/// below Linux's ephemeral range (32768–60999), from which `bind(…:0)` and every outgoing
/// connection draw: a port from that range released early can be taken by any of them (most
/// likely what once left a relay miner of a test's load run without its address line).
fn free_port() -> anyhow::Result<(u16, std::net::TcpListener)> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // 20000..32000, each process starting at its own offset.
    let base = (std::process::id() % 600) * 20;
    for _ in 0..2_000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = u16::try_from(20_000 + (base + n) % 12_000).unwrap_or(20_000);
        if let Ok(l) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            return Ok((port, l));
        }
    }
    bail!("no free loopback port in 20000..32000")
}

fn replace_line(text: &str, key: &str, value: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with(key) {
                format!("{key} = \"{value}\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

impl Net {
    /// Writes a localnet into `dir` (created; must not hold one) and starts every process.
    pub(crate) fn start(spec: &NetSpec, dir: PathBuf, keep: bool) -> anyhow::Result<Self> {
        if spec.suppliers == 0 || spec.suppliers > 16 {
            bail!("--suppliers must be in 1..=16");
        }
        std::fs::create_dir_all(dir.join("logs"))
            .with_context(|| format!("creating {}", dir.display()))?;
        let mut net = Self {
            dir,
            keep,
            children: Vec::new(),
            gateway: String::new(),
            backends: Vec::new(),
        };
        let home = net.dir.join("net");
        let exe = std::env::current_exe().context("the path of this binary")?;
        let out = Command::new(&exe)
            .args(["localnet", "init"])
            .arg(&home)
            .args(["--suppliers", &spec.suppliers.to_string()])
            .stdin(Stdio::null())
            .output()
            .context("pokt localnet init")?;
        if !out.status.success() {
            bail!(
                "pokt localnet init failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }

        // The genesis: every supplier in every session, each at its own relay miner's address,
        // an application stake no load run exhausts, and claim/proof windows wide enough for a
        // loaded machine.
        let (ports, mut holds): (Vec<u16>, Vec<_>) = (0..spec.suppliers)
            .map(|_| free_port())
            .collect::<anyhow::Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        holds.reverse(); // popped in supplier order below
        let gpath = home.join("genesis.json");
        let mut g: Value = serde_json::from_str(&std::fs::read_to_string(&gpath)?)?;
        g["params"]["num_suppliers_per_session"] = spec.suppliers.into();
        g["params"]["shared"]["claim_window_close_offset_blocks"] = 8.into();
        g["params"]["shared"]["proof_window_close_offset_blocks"] = 8.into();
        g["applications"][0]["stake_upokt"] = 1_000_000_000_000_000u64.into();
        for (i, p) in ports.iter().enumerate() {
            g["suppliers"][i]["endpoint"] = format!("http://127.0.0.1:{p}").into();
        }
        std::fs::write(&gpath, g.to_string())?;

        let home_s = home.to_string_lossy().to_string();
        let devnet = net.spawn(
            "devnet",
            &[
                "devnet",
                "--home",
                &home_s,
                "--rpc-addr",
                "127.0.0.1:0",
                "--grpc-addr",
                "127.0.0.1:0",
                "--block-time",
                &spec.block_time,
            ],
            &[],
        )?;
        let (rpc, grpc) = (devnet.url(" rpc "), devnet.url(" grpc "));
        net.children.push(devnet);

        for i in 0..spec.suppliers {
            let mut args = vec![
                "backend".to_string(),
                "--listen".into(),
                "127.0.0.1:0".into(),
            ];
            args.extend(spec.faults.get(i).cloned().unwrap_or_default().args());
            let b = net.spawn_owned(&format!("backend-{i}"), &args, &[])?;
            net.backends.push(b.url(" on "));
            net.children.push(b);
        }
        for (i, port) in ports.iter().enumerate() {
            // Released the moment before its relay miner binds it.
            drop(holds.pop());
            let cfg = home.join(format!("relayminer-{i}.toml"));
            std::fs::write(
                &cfg,
                format!(
                    "[chain]\nchain_id = \"pokt-localnet\"\nrpc_url = \"{rpc}\"\ngrpc_url = \"{grpc}\"\n\n\
                     [server]\nlisten = \"127.0.0.1:{port}\"\n\n\
                     [[services]]\nid = \"llm\"\nbackend_url = \"{}\"\n\n\
                     [suppliers]\nkey_files = [\"keys/supplier-{i}.hex\"]\n\n\
                     [store]\npath = \"relayminer-{i}.redb\"\n",
                    net.backends.get(i).map_or("", String::as_str)
                ),
            )?;
            let m = net.spawn_owned(
                &format!("relayminer-{i}"),
                &[
                    "relayminer".into(),
                    "--config".into(),
                    cfg.to_string_lossy().to_string(),
                    "--log-level".into(),
                    spec.log_level.clone(),
                ],
                &[],
            )?;
            net.children.push(m);
        }

        let gcfg = home.join("gateway.toml");
        let mut text = std::fs::read_to_string(&gcfg)?;
        text = replace_line(&text, "rpc_url", &rpc);
        text = replace_line(&text, "grpc_url", &grpc);
        text.push_str(&format!(
            "\n[relay]\ntimeout = \"{}\"\n",
            spec.relay_timeout
        ));
        std::fs::write(&gcfg, text)?;
        let gw = net.spawn_owned(
            "gateway",
            &[
                "gateway".into(),
                "--config".into(),
                gcfg.to_string_lossy().to_string(),
                "--listen".into(),
                "127.0.0.1:0".into(),
            ],
            &[("RUST_LOG", spec.log_level.as_str())],
        )?;
        net.gateway = gw.url("listening on ");
        net.children.push(gw);
        for c in &net.children {
            c.describe();
        }
        Ok(net)
    }

    fn spawn(&self, name: &str, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<Child> {
        let owned: Vec<String> = args.iter().map(|s| (*s).to_string()).collect();
        self.spawn_owned(name, &owned, env)
    }

    fn spawn_owned(
        &self,
        name: &str,
        args: &[String],
        env: &[(&str, &str)],
    ) -> anyhow::Result<Child> {
        spawn(
            name,
            args,
            env,
            &self.dir.join("logs").join(format!("{name}.log")),
        )
    }

    /// Starts one more stand-in backend (e.g. the one called directly), stopped with the rest.
    pub(crate) fn add_backend(&mut self, name: &str, faults: &Faults) -> anyhow::Result<String> {
        let mut args = vec![
            "backend".to_string(),
            "--listen".into(),
            "127.0.0.1:0".into(),
        ];
        args.extend(faults.args());
        let b = self.spawn_owned(name, &args, &[])?;
        let url = b.url(" on ");
        b.describe();
        self.children.push(b);
        Ok(url)
    }

    /// The children, for CPU accounting.
    pub(crate) fn children(&self) -> impl Iterator<Item = &Child> {
        self.children.iter()
    }

    /// Stops every child (reverse order of start) and removes the work directory unless kept.
    pub(crate) fn stop(mut self) {
        self.stop_all();
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        self.keep = true;
    }

    fn stop_all(&mut self) {
        while let Some(mut c) = self.children.pop() {
            c.stop();
        }
    }
}

impl Drop for Net {
    /// Not stopped by [`Net::stop`]: an error or an interruption. The children are stopped; the
    /// work directory (with every child's log) is kept and named.
    fn drop(&mut self) {
        let had = !self.children.is_empty();
        self.stop_all();
        if had {
            eprintln!(
                "pokt load: stopped every process; logs kept in {}",
                self.dir.join("logs").display()
            );
        }
    }
}
