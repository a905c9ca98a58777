//! `pokt load qos-parity`: the qos-parity question on the real hosts. N suppliers whose stand-ins
//! inject faults, reached through `pokt gateway` (pokt-qos routing, hedges, retries, sanctions),
//! against one stand-in with the behaviour of one such supplier called directly; pokt-sim's
//! qos-parity prediction for the same settings beside the measurement. [SIM-INF-HOST-1]

use std::time::Duration;

use anyhow::Context;
use pokt_sim::inference::{Figure, FigureKind, QosParityConfig, qos_parity, write_figures};

use super::drive::{self, Load, Run, quantile};
use super::net::{API_KEY, Faults, Net, NetSpec};
use super::throughput::counter_sum;
use super::{Common, cell, parse_duration, write_csv};

/// `pokt load qos-parity` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct ParityArgs {
    #[command(flatten)]
    common: Common,
    /// Suppliers in the session (one relay miner and one fault-injecting stand-in each).
    #[arg(long, default_value_t = 3)]
    suppliers: usize,
    /// Mean failure rate(s), comma-separated; one network per value. Supplier i of N answers
    /// `500` with probability 2·f·(i + ½)/N (evenly spread over [0, 2f], mean f, as the
    /// simulator's uniform draw); the stand-in called directly with f.
    #[arg(long, value_delimiter = ',', default_value = "0.1")]
    error_rate: Vec<f64>,
    /// Added latency per request (median), ms (`pokt backend --latency-ms`).
    #[arg(long, default_value_t = 40)]
    latency_ms: u64,
    /// p99 of the added latency, ms: log-normal when given (`pokt backend --latency-p99-ms`).
    #[arg(long)]
    latency_p99_ms: Option<u64>,
    /// Every K-th request of a stand-in is slower by --slow-ms (`pokt backend --slow-every`).
    #[arg(long)]
    slow_every: Option<u64>,
    /// See --slow-every.
    #[arg(long, default_value_t = 1000)]
    slow_ms: u64,
    /// Delay between streamed chunks (the stand-in's decoding time per token), ms.
    #[arg(long, default_value_t = 5)]
    chunk_delay_ms: u64,
    /// Streamed requests per route (through the gateway; directly).
    #[arg(long, default_value_t = 400)]
    requests: u64,
    /// Requests in flight per route.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Longest run per route and failure rate.
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    duration: Duration,
    /// `max_tokens` of every request (the stand-in answers that many words, at most 64).
    #[arg(long, default_value_t = 32)]
    max_tokens: u64,
    /// The gateway's relay timeout (`[relay] timeout`; the simulator's first-token timeout).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    relay_timeout: Duration,
    /// Seed of the stand-ins' random draws and of the simulation.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Requests the simulator routes per router for its prediction.
    #[arg(long, default_value_t = 4_000)]
    sim_requests: usize,
}

/// One route's figures.
#[derive(Clone, Debug, Default)]
struct Row {
    source: &'static str,
    route: String,
    error_rate: f64,
    requests: f64,
    success_rate: f64,
    latency_p50: f64,
    latency_p99: f64,
    ttft_p50: f64,
    ttft_p99: f64,
    tokens_per_s: f64,
    relays_per_request: f64,
}

impl Row {
    fn measured(route: &str, rate: f64, r: &Run, relays_per_request: f64) -> Self {
        let (lat, ttft, tps) = (r.latencies_ms(), r.ttfts_ms(), r.tokens_per_s());
        Self {
            source: "measured",
            route: route.into(),
            error_rate: rate,
            requests: r.requests() as f64,
            success_rate: r.success_rate(),
            latency_p50: quantile(&lat, 0.5),
            latency_p99: quantile(&lat, 0.99),
            ttft_p50: quantile(&ttft, 0.5),
            ttft_p99: quantile(&ttft, 0.99),
            tokens_per_s: quantile(&tps, 0.5),
            relays_per_request,
        }
    }

    fn csv(&self, suppliers: usize) -> String {
        format!(
            "{},{},{suppliers},{},{},{},{},{},{},{},{},{}",
            self.source,
            self.route,
            cell(self.error_rate),
            cell(self.requests),
            cell(self.success_rate),
            cell(self.latency_p50),
            cell(self.latency_p99),
            cell(self.ttft_p50),
            cell(self.ttft_p99),
            cell(self.tokens_per_s),
            cell(self.relays_per_request),
        )
    }
}

const HEADER: &str = "source,route,suppliers,error_rate,requests,success_rate,latency_p50_ms,latency_p99_ms,ttft_p50_ms,ttft_p99_ms,tokens_per_s_p50,relays_per_request";

/// Supplier `i` of `n`'s failure rate: evenly spread over [0, 2f].
fn supplier_rate(f: f64, i: usize, n: usize) -> f64 {
    (2.0 * f * (i as f64 + 0.5) / n.max(1) as f64).clamp(0.0, 0.95)
}

/// The simulator's configuration for the same settings: the stand-in's added latency is the time
/// to first token (log-normal with the given p99, else fixed), its chunk delay the time per
/// token, `max_tokens` words the completion, every failure a fast `500` after the added latency,
/// no spread between suppliers' medians, the gateway's default QoS configuration.
fn sim_config(a: &ParityArgs, rate: f64) -> QosParityConfig {
    let median = a.latency_ms as f64;
    let sigma = match a.latency_p99_ms {
        Some(p) if median > 0.0 && (p as f64) > median => (p as f64 / median).ln() / 2.326,
        _ => 0.0,
    };
    QosParityConfig {
        supplier_counts: vec![a.suppliers],
        failure_rates: vec![rate],
        requests: a.sim_requests.max(1),
        ttft_median_ms: median,
        ttft_sigma: sigma,
        supplier_spread: 0.0,
        ms_per_token: a.chunk_delay_ms as f64,
        completion_median: a.max_tokens.clamp(1, 64) as f64,
        completion_sigma: 0.0,
        hang_share: 0.0,
        timeout_ms: u64::try_from(a.relay_timeout.as_millis()).unwrap_or(u64::MAX),
        error_after_ms: a.latency_ms,
        ..QosParityConfig::default()
    }
}

/// pokt-sim's rows for one failure rate, read from its CSV by column name.
fn simulate(a: &ParityArgs, rate: f64) -> anyhow::Result<Vec<Row>> {
    let rep = qos_parity(&sim_config(a, rate), a.seed)
        .map_err(|e| anyhow::anyhow!("pokt-sim qos-parity: {e}"))?;
    let cols: Vec<&str> = rep.csv_header.split(',').collect();
    let mut out = Vec::new();
    for line in &rep.csv_rows {
        let vals: Vec<&str> = line.split(',').collect();
        let get = |name: &str| -> f64 {
            cols.iter()
                .position(|c| *c == name)
                .and_then(|i| vals.get(i))
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN)
        };
        let route = cols
            .iter()
            .position(|c| *c == "router")
            .and_then(|i| vals.get(i))
            .context("the simulator's CSV has a router column")?;
        out.push(Row {
            source: "simulated",
            route: (*route).to_string(),
            error_rate: rate,
            requests: get("requests"),
            success_rate: get("success_rate"),
            latency_p50: get("latency_p50_ms"),
            latency_p99: get("latency_p99_ms"),
            ttft_p50: get("ttft_p50_ms"),
            ttft_p99: get("ttft_p99_ms"),
            // The simulated decoding time per token is the chunk delay (no spread here).
            tokens_per_s: 1000.0 / a.chunk_delay_ms.max(1) as f64,
            relays_per_request: get("relays_per_request"),
        });
    }
    Ok(out)
}

/// Measures one failure rate on a fresh network; returns (rows, TTFT quantile curves of the
/// gateway and direct routes).
async fn measure(a: &ParityArgs, rate: f64) -> anyhow::Result<(Vec<Row>, [Vec<f64>; 2])> {
    let base = Faults {
        latency_ms: a.latency_ms,
        latency_p99_ms: a.latency_p99_ms,
        slow_every: a.slow_every.map(|k| (k, a.slow_ms)),
        chunk_delay_ms: a.chunk_delay_ms,
        ..Faults::default()
    };
    let faults: Vec<Faults> = (0..a.suppliers)
        .map(|i| Faults {
            error_rate: supplier_rate(rate, i, a.suppliers),
            seed: Some(a.seed.wrapping_add(i as u64)),
            ..base.clone()
        })
        .collect();
    let spec = NetSpec {
        suppliers: a.suppliers,
        faults,
        block_time: a.common.block_time.clone(),
        relay_timeout: format!("{}ms", a.relay_timeout.as_millis()),
        log_level: a.common.log_level.clone(),
    };
    let work = a
        .common
        .work_dir(&format!("qos-parity-{}", (rate * 1e4).round()));
    let keep = a.common.keep;
    let direct_faults = Faults {
        error_rate: rate.clamp(0.0, 0.95),
        seed: Some(a.seed.wrapping_add(1000)),
        ..base
    };
    let (net, direct_url) =
        tokio::task::spawn_blocking(move || -> anyhow::Result<(Net, String)> {
            let mut net = Net::start(&spec, work, keep)?;
            let direct = net.add_backend("direct", &direct_faults)?;
            Ok((net, direct))
        })
        .await??;
    let client = drive::client(a.concurrency, a.relay_timeout * 3)?;
    drive::wait_ready(&client, &net.gateway, a.common.ready_timeout).await?;
    let load = |url: &str, key: Option<String>| Load {
        url: url.to_string(),
        key,
        stream: true,
        concurrency: a.concurrency,
        requests: a.requests,
        duration: a.duration,
        max_tokens: a.max_tokens,
        parse_usage: true,
    };
    let relays0 = relays(&client, &net.gateway).await;
    let path = drive::drive(&client, &load(&net.gateway, Some(API_KEY.into()))).await;
    let relays1 = relays(&client, &net.gateway).await;
    let direct = drive::drive(&client, &load(&direct_url, None)).await;
    tokio::task::spawn_blocking(move || net.stop()).await?;
    eprintln!(
        "  f = {rate}: through the gateway {}/{} answered, directly {}/{}",
        path.ok(),
        path.requests(),
        direct.ok(),
        direct.requests()
    );
    let rows = vec![
        Row::measured(
            "gateway",
            rate,
            &path,
            (relays1 - relays0) / path.requests().max(1) as f64,
        ),
        Row::measured("direct", rate, &direct, 1.0),
    ];
    let curve = |r: &Run| {
        let t = r.ttfts_ms();
        (1..=99)
            .map(|q| quantile(&t, f64::from(q) / 100.0))
            .collect()
    };
    Ok((rows, [curve(&path), curve(&direct)]))
}

async fn relays(client: &reqwest::Client, gateway: &str) -> f64 {
    match client.get(format!("{gateway}/metrics")).send().await {
        Ok(r) => counter_sum(
            &r.text().await.unwrap_or_default(),
            "pokt_gateway_relays_total",
        ),
        Err(_) => f64::NAN,
    }
}

/// Runs `pokt load qos-parity`.
pub(crate) async fn run(a: ParityArgs) -> anyhow::Result<()> {
    if a.error_rate.is_empty() || a.error_rate.iter().any(|f| !(0.0..=0.5).contains(f)) {
        anyhow::bail!("--error-rate: each value in 0..=0.5 (suppliers' rates reach 2f)");
    }
    let mut rows = Vec::new();
    let mut curves = Vec::new();
    for &rate in &a.error_rate {
        eprintln!(
            "pokt load qos-parity: f = {rate}: devnet, {n} fault-injecting stand-in(s) + relay miner(s), the gateway, and one stand-in called directly",
            n = a.suppliers
        );
        let (measured, curve) = measure(&a, rate).await?;
        rows.extend(measured);
        rows.extend(simulate(&a, rate)?);
        curves.push((rate, curve));
    }
    print_table(&a, &rows);
    let csv = write_csv(
        &a.common.out,
        "load-qos-parity.csv",
        HEADER,
        &rows.iter().map(|r| r.csv(a.suppliers)).collect::<Vec<_>>(),
    )?;
    let figs = figures(&a, &rows, &curves);
    let pngs = write_figures(&figs, &a.common.out).map_err(|e| anyhow::anyhow!("plots: {e}"))?;
    println!("wrote {}", csv.display());
    for p in pngs {
        println!("wrote {}", p.display());
    }
    Ok(())
}

fn print_table(a: &ParityArgs, rows: &[Row]) {
    println!(
        "\nqos-parity on the real hosts: {} suppliers (stand-ins with {} ms added latency{}{}, {} ms per token, {} tokens), {} streamed requests per route, {} in flight",
        a.suppliers,
        a.latency_ms,
        a.latency_p99_ms
            .map(|p| format!(", p99 {p} ms"))
            .unwrap_or_default(),
        a.slow_every
            .map(|k| format!(", every {k}th +{} ms (not in the simulation)", a.slow_ms))
            .unwrap_or_default(),
        a.chunk_delay_ms,
        a.max_tokens,
        a.requests,
        a.concurrency
    );
    println!(
        "{:<10} {:<14} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8}",
        "source",
        "route",
        "fail",
        "success",
        "lat p50",
        "lat p99",
        "ttft p50",
        "ttft p99",
        "tok/s",
        "relays"
    );
    for r in rows {
        println!(
            "{:<10} {:<14} {:>6.3} {:>8.2}% {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.0} {:>8.3}",
            r.source,
            r.route,
            r.error_rate,
            r.success_rate * 100.0,
            r.latency_p50,
            r.latency_p99,
            r.ttft_p50,
            r.ttft_p99,
            r.tokens_per_s,
            r.relays_per_request
        );
    }
    println!(
        "(measured: gateway = through pokt gateway → relay miners → stand-ins; direct = one stand-in with the mean failure rate. simulated: pokt-sim qos-parity with the same settings — qos = pokt-qos over the suppliers, central = one endpoint, central_retry = it with one client retry, random = QoS off; the simulator has no network path, so its latencies are the stand-ins' alone)"
    );
}

fn figures(a: &ParityArgs, rows: &[Row], curves: &[(f64, [Vec<f64>; 2])]) -> Vec<Figure> {
    let series = |source: &str, route: &str, label: &str, y: &dyn Fn(&Row) -> f64| {
        (
            label.to_string(),
            rows.iter()
                .filter(|r| r.source == source && r.route == route)
                .map(|r| (r.error_rate * 100.0, y(r)))
                .collect::<Vec<_>>(),
        )
    };
    let success = |r: &Row| r.success_rate * 100.0;
    let n = a.suppliers;
    let mut ttft = Vec::new();
    if let Some((rate, [path, direct])) = curves.last() {
        let pct = |v: &[f64]| {
            v.iter()
                .enumerate()
                .filter(|(_, y)| y.is_finite())
                .map(|(i, y)| ((i + 1) as f64, *y))
                .collect::<Vec<_>>()
        };
        ttft.push((
            format!("measured: {n} suppliers through the gateway"),
            pct(path),
        ));
        ttft.push(("measured: one stand-in directly".to_string(), pct(direct)));
        for (route, label) in [
            ("qos", "pokt-sim: pokt-qos"),
            ("central", "pokt-sim: one endpoint"),
        ] {
            let pts: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| {
                    r.source == "simulated"
                        && r.route == route
                        && (r.error_rate - rate).abs() < 1e-12
                })
                .flat_map(|r| [(50.0, r.ttft_p50), (99.0, r.ttft_p99)])
                .filter(|(_, y)| y.is_finite())
                .collect();
            ttft.push((format!("{label} (p50, p99)"), pts));
        }
    }
    vec![
        Figure {
            name: "load-qos-parity-success".into(),
            title: format!(
                "Success rate on the real hosts: {n} suppliers via pokt gateway vs one stand-in"
            ),
            x_label: "mean stand-in failure rate (%)".into(),
            y_label: "requests answered (%)".into(),
            series: vec![
                series(
                    "measured",
                    "gateway",
                    &format!("measured: {n} suppliers via the gateway"),
                    &success,
                ),
                series(
                    "measured",
                    "direct",
                    "measured: one stand-in directly",
                    &success,
                ),
                series("simulated", "qos", "pokt-sim: pokt-qos", &success),
                series("simulated", "central", "pokt-sim: one endpoint", &success),
            ],
            ..Figure::default()
        },
        Figure {
            name: "load-qos-parity-ttft".into(),
            title: format!(
                "Time to first token by percentile (failure rate {:.0} %)",
                curves.last().map_or(0.0, |c| c.0 * 100.0)
            ),
            x_label: "percentile".into(),
            y_label: "TTFT (ms)".into(),
            kind: FigureKind::Lines,
            series: ttft,
            ..Figure::default()
        },
    ]
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn supplier_rates_spread_evenly_with_the_mean() {
        let r: Vec<f64> = (0..4).map(|i| supplier_rate(0.1, i, 4)).collect();
        let mean = r.iter().sum::<f64>() / 4.0;
        assert!((mean - 0.1).abs() < 1e-12, "{r:?}");
        assert!(r.windows(2).all(|w| w[0] < w[1]), "{r:?}");
        assert_eq!(supplier_rate(0.0, 2, 3), 0.0);
    }
}
