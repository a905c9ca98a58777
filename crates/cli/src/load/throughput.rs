//! `pokt load throughput`: requests/s through gateway → relay miner → stand-in, CPU per request
//! of each host, the share of it that is signing and verification (an estimate), and the time to
//! first token the path adds to a stream. [GW-LOAD-1]

use std::time::{Duration, Instant};

use anyhow::Context;
use pokt_crypto::ring::{PreparedRing, PreparedSigner, RingSignature, sign_prepared};
use pokt_crypto::{RelaySigner, RelayVerifier, SigningKey};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};

use super::drive::{self, Load, Run, cpu_seconds, quantile};
use super::net::{API_KEY, Faults, Net, NetSpec};
use super::{Common, cell, parse_duration, write_csv};

/// `pokt load throughput` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct ThroughputArgs {
    #[command(flatten)]
    common: Common,
    /// Suppliers: one `pokt relayminer` and one `pokt backend` each.
    #[arg(long, default_value_t = 1)]
    suppliers: usize,
    /// Non-streamed requests in flight.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Most non-streamed requests measured.
    #[arg(long, default_value_t = 20_000)]
    requests: u64,
    /// Longest non-streamed measurement (the stand-in called directly gets at most a third of it).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    duration: Duration,
    /// Non-streamed requests sent before measuring (connections, caches, QoS statistics).
    #[arg(long, default_value_t = 500)]
    warmup: u64,
    /// Streamed requests for the time to first token, through the gateway and again directly.
    #[arg(long, default_value_t = 300)]
    stream_requests: u64,
    /// Streamed requests in flight.
    #[arg(long, default_value_t = 4)]
    stream_concurrency: usize,
    /// `max_tokens` of every request (the stand-in answers that many words, at most 64).
    #[arg(long, default_value_t = 16)]
    max_tokens: u64,
    /// The stand-in's delay between streamed chunks, in ms.
    #[arg(long, default_value_t = 2)]
    chunk_delay_ms: u64,
    /// Repetitions of each signature operation timed in-process for the signing estimate.
    #[arg(long, default_value_t = 300)]
    sign_ops: u32,
}

/// CPU seconds of each process, by name (`load` = this process, the load generator).
fn cpu_snapshot(net: &Net) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = net
        .children()
        .map(|c| (c.name.clone(), cpu_seconds(c.pid()).unwrap_or(f64::NAN)))
        .collect();
    v.push((
        "load".into(),
        cpu_seconds(std::process::id()).unwrap_or(f64::NAN),
    ));
    v
}

/// CPU seconds used between two snapshots by the processes whose name starts with `prefix`.
fn cpu_used(before: &[(String, f64)], after: &[(String, f64)], prefix: &str) -> f64 {
    after
        .iter()
        .filter(|(n, _)| n.starts_with(prefix))
        .map(|(n, a)| {
            let b = before
                .iter()
                .find(|(m, _)| m == n)
                .map_or(f64::NAN, |x| x.1);
            a - b
        })
        .sum()
}

/// The sum of every sample of the counter `name` in a Prometheus text exposition.
pub(crate) fn counter_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|r| r.starts_with('{') || r.starts_with(' '))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn gateway_relays(client: &reqwest::Client, gateway: &str) -> f64 {
    match client.get(format!("{gateway}/metrics")).send().await {
        Ok(r) => counter_sum(
            &r.text().await.unwrap_or_default(),
            "pokt_gateway_relays_total",
        ),
        Err(_) => f64::NAN,
    }
}

/// Per-operation CPU cost, in seconds, of the four signature operations of a relay, timed in this
/// process with pokt-crypto (the functions pokt-relay's sign and verify steps call), over an
/// application ring of two keys (the application and the gateway it delegated to, as in the
/// localnet) and a 32-byte message.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SignCosts {
    /// Gateway: ring-sign a request (prepared ring and signer).
    pub(crate) ring_sign: f64,
    /// Gateway: verify a supplier's secp256k1 signature on the response.
    pub(crate) secp_verify: f64,
    /// Relay miner: decode and verify a request's ring signature (prepared ring).
    pub(crate) ring_verify: f64,
    /// Relay miner: secp256k1-sign the response.
    pub(crate) secp_sign: f64,
}

/// CPU time this thread has run, in seconds (`/proc/thread-self/schedstat`, nanoseconds): on a
/// loaded machine wall time would count the time other processes held the cores.
fn thread_cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// Seconds per call of `f`: this thread's CPU time over `n` calls (wall time where the kernel
/// does not report it).
fn time_op(n: u32, mut f: impl FnMut(u32) -> anyhow::Result<()>) -> anyhow::Result<f64> {
    // One untimed call (tables, caches), then n timed.
    f(u32::MAX)?;
    let (c0, t0) = (thread_cpu(), Instant::now());
    for i in 0..n {
        f(i)?;
    }
    let wall = t0.elapsed().as_secs_f64();
    let used = match (c0, thread_cpu()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => wall,
    };
    Ok(used / f64::from(n.max(1)))
}

pub(crate) fn sign_costs(n: u32) -> anyhow::Result<SignCosts> {
    let key = |s: &str| -> anyhow::Result<SigningKey> {
        pokt_crypto::key_from_secret(s.as_bytes()).context("a test key")
    };
    let (app, gateway, supplier) = (key("app")?, key("gateway")?, key("supplier")?);
    let ring = PreparedRing::new(&[app.verifying_key(), gateway.verifying_key()])
        .context("preparing the ring")?;
    let signer = PreparedSigner::new(&gateway);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let msg = |i: u32| -> [u8; 32] { Sha256::digest(i.to_be_bytes()).into() };
    let ring_sign = time_op(n, |i| {
        sign_prepared(&msg(i), &ring, &signer, &mut rng)
            .map(drop)
            .map_err(|_| anyhow::anyhow!("ring signing failed"))
    })?;
    let sigs: Vec<Vec<u8>> = (0..n.min(64))
        .map(|i| {
            sign_prepared(&msg(i), &ring, &signer, &mut rng)
                .map(|s| s.encode())
                .map_err(|_| anyhow::anyhow!("ring signing failed"))
        })
        .collect::<anyhow::Result<_>>()?;
    let ring_verify = time_op(n, |i| {
        let j = if i == u32::MAX { 0 } else { i % n.min(64) };
        let bytes = sigs.get(j as usize).context("a signature")?;
        RingSignature::decode_prepared(bytes, &ring)
            .and_then(|s| s.verify_prepared(&msg(j), &ring))
            .map_err(|_| anyhow::anyhow!("ring verification failed"))
    })?;
    let secp_sign = time_op(n, |i| {
        std::hint::black_box(supplier.sign_bytes(&msg(i)));
        Ok(())
    })?;
    let sig = supplier.sign_bytes(&msg(0));
    let vk = supplier.verifying_key();
    let secp_verify = time_op(n, |_| {
        vk.verify_bytes(&msg(0), &sig)
            .map_err(|_| anyhow::anyhow!("verification failed"))
    })?;
    Ok(SignCosts {
        ring_sign,
        secp_verify,
        ring_verify,
        secp_sign,
    })
}

/// Runs `pokt load throughput`.
pub(crate) async fn run(a: ThroughputArgs) -> anyhow::Result<()> {
    let faults = Faults {
        chunk_delay_ms: a.chunk_delay_ms,
        ..Faults::default()
    };
    let spec = NetSpec {
        suppliers: a.suppliers,
        faults: vec![faults; a.suppliers],
        block_time: a.common.block_time.clone(),
        relay_timeout: "30s".into(),
        log_level: a.common.log_level.clone(),
    };
    let work = a.common.work_dir("throughput");
    let keep = a.common.keep;
    eprintln!(
        "pokt load throughput: starting devnet, {n} stand-in(s), {n} relay miner(s) and the gateway (work dir {})",
        work.display(),
        n = a.suppliers
    );
    let net = tokio::task::spawn_blocking(move || Net::start(&spec, work, keep)).await??;
    let client = drive::client(
        a.concurrency.max(a.stream_concurrency),
        Duration::from_secs(30),
    )?;
    let ready = drive::wait_ready(&client, &net.gateway, a.common.ready_timeout).await?;
    eprintln!(
        "  gateway answering after {:.1} s; warm-up: {} requests",
        ready.as_secs_f64(),
        a.warmup
    );
    let through = |stream: bool, requests: u64, concurrency: usize, duration: Duration| Load {
        url: net.gateway.clone(),
        key: Some(API_KEY.to_string()),
        stream,
        concurrency,
        requests,
        duration,
        max_tokens: a.max_tokens,
        parse_usage: false,
    };
    let warm = drive::drive(
        &client,
        &through(false, a.warmup, a.concurrency, a.duration),
    )
    .await;
    if a.warmup > 0 && warm.ok() == 0 {
        anyhow::bail!("no warm-up request succeeded: {:?}", warm.errors());
    }

    // The measured non-streamed run.
    let relays0 = gateway_relays(&client, &net.gateway).await;
    let cpu0 = cpu_snapshot(&net);
    let main = drive::drive(
        &client,
        &through(false, a.requests, a.concurrency, a.duration),
    )
    .await;
    let cpu1 = cpu_snapshot(&net);
    let relays1 = gateway_relays(&client, &net.gateway).await;
    eprintln!(
        "  through the gateway: {} of {} answered in {:.2} s",
        main.ok(),
        main.requests(),
        main.wall.as_secs_f64()
    );

    // The stand-in alone, same concurrency (the ceiling the path works under).
    let backend = net.backends.first().cloned().unwrap_or_default();
    let direct_load = |stream: bool, requests: u64, concurrency: usize, duration: Duration| Load {
        url: backend.clone(),
        key: None,
        stream,
        concurrency,
        requests,
        duration,
        max_tokens: a.max_tokens,
        parse_usage: false,
    };
    let direct = drive::drive(
        &client,
        &direct_load(false, a.requests, a.concurrency, a.duration / 3),
    )
    .await;

    // Streams: time to first token through the path and directly.
    let sd = a.duration.max(Duration::from_secs(10));
    let s_path = drive::drive(
        &client,
        &through(true, a.stream_requests, a.stream_concurrency, sd),
    )
    .await;
    let s_direct = drive::drive(
        &client,
        &direct_load(true, a.stream_requests, a.stream_concurrency, sd),
    )
    .await;
    let n_ops = a.sign_ops;
    let net_stop = tokio::task::spawn_blocking(move || net.stop());

    // In-process cost of the signature operations, once the hosts are stopped.
    net_stop.await?;
    let costs = tokio::task::spawn_blocking(move || sign_costs(n_ops)).await??;

    let report = Report {
        a: &a,
        main: &main,
        direct: &direct,
        s_path: &s_path,
        s_direct: &s_direct,
        cpu0: &cpu0,
        cpu1: &cpu1,
        relays: relays1 - relays0,
        costs,
    };
    let rows = report.rows();
    report.print();
    let p = write_csv(
        &a.common.out,
        "load-throughput.csv",
        "metric,value,unit",
        &rows
            .iter()
            .map(|(m, v, u)| format!("{m},{},{u}", cell(*v)))
            .collect::<Vec<_>>(),
    )?;
    println!("wrote {}", p.display());
    if main.ok() == 0 {
        anyhow::bail!(
            "no request through the gateway succeeded: {:?}",
            main.errors()
        );
    }
    Ok(())
}

struct Report<'a> {
    a: &'a ThroughputArgs,
    main: &'a Run,
    direct: &'a Run,
    s_path: &'a Run,
    s_direct: &'a Run,
    cpu0: &'a [(String, f64)],
    cpu1: &'a [(String, f64)],
    relays: f64,
    costs: SignCosts,
}

impl Report<'_> {
    fn per_request(&self, prefix: &str) -> f64 {
        cpu_used(self.cpu0, self.cpu1, prefix) / (self.main.ok().max(1) as f64)
    }

    /// (metric, value, unit), in the order printed.
    fn rows(&self) -> Vec<(String, f64, &'static str)> {
        let m = self.main;
        let ok = m.ok().max(1) as f64;
        let relays_per_request = self.relays / ok;
        let c = self.costs;
        let gw_cpu = self.per_request("gateway");
        let rm_cpu = self.per_request("relayminer");
        let gw_sig = relays_per_request * (c.ring_sign + c.secp_verify);
        let rm_sig = relays_per_request * (c.ring_verify + c.secp_sign);
        let lat = m.latencies_ms();
        let (tp, td) = (self.s_path.ttfts_ms(), self.s_direct.ttfts_ms());
        let wall = m.wall.as_secs_f64();
        let mut r: Vec<(String, f64, &'static str)> = vec![
            ("suppliers".into(), self.a.suppliers as f64, "count"),
            ("concurrency".into(), self.a.concurrency as f64, "requests"),
            ("requests".into(), m.requests() as f64, "count"),
            ("answered".into(), m.ok() as f64, "count"),
            ("success_rate".into(), m.success_rate(), "share"),
            ("seconds".into(), wall, "s"),
            ("requests_per_second".into(), m.rate(), "1/s"),
            ("latency_p50".into(), quantile(&lat, 0.5), "ms"),
            ("latency_p99".into(), quantile(&lat, 0.99), "ms"),
            ("relays_per_request".into(), relays_per_request, "count"),
            (
                "direct_requests_per_second".into(),
                self.direct.rate(),
                "1/s",
            ),
            (
                "direct_success_rate".into(),
                self.direct.success_rate(),
                "share",
            ),
        ];
        for who in ["gateway", "relayminer", "backend", "devnet", "load"] {
            r.push((
                format!("cpu_ms_per_request_{who}"),
                self.per_request(who) * 1e3,
                "ms",
            ));
            r.push((
                format!("cpu_cores_{who}"),
                cpu_used(self.cpu0, self.cpu1, who) / wall.max(1e-9),
                "cores",
            ));
        }
        r.extend([
            ("ring_sign_us".into(), c.ring_sign * 1e6, "us"),
            ("secp256k1_verify_us".into(), c.secp_verify * 1e6, "us"),
            ("ring_verify_us".into(), c.ring_verify * 1e6, "us"),
            ("secp256k1_sign_us".into(), c.secp_sign * 1e6, "us"),
            (
                "gateway_signing_share_estimate".into(),
                gw_sig / gw_cpu,
                "share",
            ),
            (
                "relayminer_signing_share_estimate".into(),
                rm_sig / rm_cpu,
                "share",
            ),
            (
                "stream_requests_path".into(),
                self.s_path.requests() as f64,
                "count",
            ),
            (
                "stream_success_rate_path".into(),
                self.s_path.success_rate(),
                "share",
            ),
            (
                "stream_success_rate_direct".into(),
                self.s_direct.success_rate(),
                "share",
            ),
            ("ttft_p50_path".into(), quantile(&tp, 0.5), "ms"),
            ("ttft_p99_path".into(), quantile(&tp, 0.99), "ms"),
            ("ttft_p50_direct".into(), quantile(&td, 0.5), "ms"),
            ("ttft_p99_direct".into(), quantile(&td, 0.99), "ms"),
            (
                "ttft_p50_added".into(),
                quantile(&tp, 0.5) - quantile(&td, 0.5),
                "ms",
            ),
            (
                "ttft_p99_added".into(),
                quantile(&tp, 0.99) - quantile(&td, 0.99),
                "ms",
            ),
        ]);
        r
    }

    fn print(&self) {
        let m = self.main;
        let v = |name: &str| {
            self.rows()
                .into_iter()
                .find(|(n, _, _)| n == name)
                .map_or(f64::NAN, |x| x.1)
        };
        println!(
            "\nthroughput (non-streamed, {} in flight, {} supplier(s)): {:.0} requests/s ({} of {} answered in {:.1} s; {:.3} relays/request); latency p50 {:.1} ms, p99 {:.1} ms",
            self.a.concurrency,
            self.a.suppliers,
            m.rate(),
            m.ok(),
            m.requests(),
            m.wall.as_secs_f64(),
            v("relays_per_request"),
            v("latency_p50"),
            v("latency_p99"),
        );
        if !m.errors().is_empty() {
            println!("  errors by status (0 = no answer): {:?}", m.errors());
        }
        println!(
            "  the stand-in alone at the same concurrency: {:.0} requests/s",
            self.direct.rate()
        );
        println!("  CPU per answered request (utime+stime from /proc/<pid>/stat) and cores busy:");
        for who in ["gateway", "relayminer", "backend", "devnet", "load"] {
            println!(
                "    {:<11} {:>8.3} ms/request  {:>5.2} cores",
                if who == "load" { "load (this)" } else { who },
                v(&format!("cpu_ms_per_request_{who}")),
                v(&format!("cpu_cores_{who}")),
            );
        }
        println!(
            "  signature operations timed in this process (µs each): ring sign {:.1}, secp256k1 verify {:.1}, ring verify {:.1}, secp256k1 sign {:.1}",
            v("ring_sign_us"),
            v("secp256k1_verify_us"),
            v("ring_verify_us"),
            v("secp256k1_sign_us"),
        );
        println!(
            "  ESTIMATED share of CPU that is signing and verification (relays/request × per-op cost ÷ CPU/request): gateway {:.0} % (ring sign + verify), relay miner {:.0} % (ring verify + sign)",
            v("gateway_signing_share_estimate") * 100.0,
            v("relayminer_signing_share_estimate") * 100.0,
        );
        println!(
            "streams ({} in flight): time to first token through the path p50 {:.1} ms, p99 {:.1} ms; the stand-in directly p50 {:.1} ms, p99 {:.1} ms; added by the path: p50 {:.1} ms, p99 {:.1} ms",
            self.a.stream_concurrency,
            v("ttft_p50_path"),
            v("ttft_p99_path"),
            v("ttft_p50_direct"),
            v("ttft_p99_direct"),
            v("ttft_p50_added"),
            v("ttft_p99_added"),
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_summed_over_labels() {
        let text = "# HELP pokt_gateway_relays Relays\n# TYPE pokt_gateway_relays counter\n\
                    pokt_gateway_relays_total{service=\"llm\",outcome=\"ok\"} 10\n\
                    pokt_gateway_relays_total{service=\"llm\",outcome=\"error\"} 2\n\
                    pokt_gateway_relays_totally 99\n";
        assert_eq!(counter_sum(text, "pokt_gateway_relays_total"), 12.0);
    }

    #[test]
    fn signature_costs_are_measured() {
        let c = sign_costs(3).unwrap();
        for x in [c.ring_sign, c.secp_verify, c.ring_verify, c.secp_sign] {
            assert!(x > 0.0 && x < 1.0, "{c:?}");
        }
    }
}
