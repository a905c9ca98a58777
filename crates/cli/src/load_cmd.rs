//! `pokt load`: load runs through the real hosts. It starts `pokt devnet`, one `pokt backend`
//! (the stand-in) and one `pokt relayminer` per supplier, and `pokt gateway`, all as child
//! processes of this binary on 127.0.0.1, drives OpenAI requests through the gateway and at a
//! stand-in called directly, and stops every child at the end, on an error and on Ctrl-C.
//! Every run is bounded in count and time. [GW-LOAD-1] [SIM-INF-HOST-1]

#[path = "load/drive.rs"]
mod drive;
#[path = "load/net.rs"]
mod net;
#[path = "load/parity.rs"]
mod parity;
#[path = "load/throughput.rs"]
mod throughput;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

/// `pokt load` arguments.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Every process runs on 127.0.0.1 (ephemeral ports) and every child is stopped when the run ends, \
fails or is interrupted (Ctrl-C). The load generator shares the machine with the processes it \
measures. Examples:\n\n  \
pokt load throughput                      # 1 supplier, 32 in flight, ≤ 20000 requests or 30 s\n  \
pokt load throughput --suppliers 2 --concurrency 64 --duration 60s\n  \
pokt load qos-parity --suppliers 3 --error-rate 0.1 --latency-ms 40 --latency-p99-ms 200\n\n\
Figures and CSV go to --out (default ./out): load-throughput.csv; load-qos-parity.csv, \
load-qos-parity-success.png, load-qos-parity-ttft.png. The fault flags are `pokt backend`'s \
(see `pokt backend --help`).")]
pub(crate) struct LoadArgs {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Debug, clap::Subcommand)]
enum Mode {
    /// Non-streamed requests/s through gateway → relay miner → stand-in at a fixed number in
    /// flight, each host's CPU seconds per request (from `/proc/<pid>/stat`) with an estimate of
    /// the share spent signing and verifying, and the time to first token the path adds to a
    /// stream (against the stand-in called directly).
    Throughput(throughput::ThroughputArgs),
    /// Suppliers whose stand-ins inject faults, reached through the gateway (pokt-qos routing),
    /// against one stand-in with the behaviour of one such supplier called directly: success
    /// rate, latency and time-to-first-token percentiles, tokens/s, with pokt-sim's qos-parity
    /// prediction for the same settings beside them.
    QosParity(parity::ParityArgs),
}

/// Options every mode has.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct Common {
    /// Directory for the CSV and PNG files.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Work directory for the localnet, the stores and each process's log (default: a fresh
    /// directory under the system's temporary directory, removed at the end of a successful run;
    /// kept, and named, after a failure).
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Keep the work directory after a successful run.
    #[arg(long)]
    keep: bool,
    /// The devnet's block time (`pokt devnet --block-time`); sessions are 4 blocks.
    #[arg(long, default_value = "1s")]
    block_time: String,
    /// Log level of the gateway and relay miners (their logs are in the work directory).
    #[arg(long, default_value = "warn")]
    log_level: String,
    /// Longest wait for the gateway's first answer (the suppliers' first session).
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    ready_timeout: Duration,
}

impl Common {
    fn work_dir(&self, mode: &str) -> PathBuf {
        self.work_dir.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("pokt-load-{mode}-{}", std::process::id()))
        })
    }
}

/// `30s`, `250ms`, `2m`, or a number of seconds.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((s, "s"), |i| s.split_at(i));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration"))?;
    let secs = match unit {
        "ms" => n / 1e3,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("{s:?}: use ms, s or m")),
    };
    if !secs.is_finite() || !(0.0..=86_400.0).contains(&secs) {
        return Err(format!("{s:?}: out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Runs `pokt load`.
pub(crate) fn run(a: LoadArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("runtime")?;
    rt.block_on(async move {
        let shutdown = crate::signals::Shutdown::register();
        let work = async move {
            match a.mode {
                Mode::Throughput(t) => throughput::run(t).await,
                Mode::QosParity(p) => parity::run(p).await,
            }
        };
        // Ctrl-C or SIGTERM drops the run: the network's guard stops every child.
        tokio::select! {
            r = work => r,
            () = shutdown.wait() => {
                anyhow::bail!("interrupted; every process stopped")
            }
        }
    })
}

/// Writes `header` and `rows` as `<out>/<name>`; returns the path.
fn write_csv(
    out: &std::path::Path,
    name: &str,
    header: &str,
    rows: &[String],
) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let p = out.join(name);
    let mut text = String::with_capacity(64 * (rows.len() + 1));
    text.push_str(header);
    text.push('\n');
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
    Ok(p)
}

/// A number for a CSV cell: fixed precision, NaN as empty.
fn cell(x: f64) -> String {
    if x.is_finite() {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("1h").is_err());
        assert!(parse_duration("x").is_err());
    }

    #[test]
    fn cells() {
        assert_eq!(cell(1.5), "1.5");
        assert_eq!(cell(2.0), "2");
        assert_eq!(cell(0.12345), "0.1235");
        assert_eq!(cell(f64::NAN), "");
    }
}
