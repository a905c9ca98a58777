//! `qos-parity`: N suppliers routed by pokt-qos against one centralized endpoint.
//!
//! Each supplier has its own time to first token (a log-normal around a per-supplier median),
//! decoding speed and failure probability; failures are independent per request. The gateway side
//! is [`pokt_qos::Qos`] itself — plans, exploration, ranked draws, hedges within the budget,
//! retries, mild sanctions and probation — run in simulated time with [`Qos::execute`]. Baselines:
//! the centralized endpoint (the median supplier's behaviour, one call per request), the same with
//! one client retry, and the N suppliers with QoS off (a uniform supplier, one call).
//! [SIM-INF-QOS-1] [SIM-INF-QOS-2]

use crate::SimError;
use core::fmt::Write as _;
use core::time::Duration;

use pokt_primitives::BlockHeight;
use pokt_qos::{Failure, Qos, QosConfig, RequestClass, Routing, SessionWindow, Simulated, Success};
use rayon::prelude::*;

use super::{Figure, FigureKind, QosRng, f, lognormal, quantile};
use crate::experiments::ExperimentReport;
use crate::rng::SimRng;

/// The assumptions of `qos-parity`. Latencies in milliseconds. As TOML (every key optional):
/// [`ExperimentConfig`](super::ExperimentConfig). [SIM-INF-CFG-1]
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QosParityConfig {
    /// Suppliers in the session (the sweep's first axis).
    pub supplier_counts: Vec<usize>,
    /// Mean per-request failure probability of a supplier (the sweep's second axis); each
    /// supplier's own probability is drawn uniformly in [0, 2·rate] (capped at 0.95).
    pub failure_rates: Vec<f64>,
    /// Requests per cell and router.
    pub requests: usize,
    /// Simulated time between requests.
    pub interval_ms: u64,
    /// Median time to first token of the median supplier (and of the centralized endpoint).
    pub ttft_median_ms: f64,
    /// Log-space spread of one supplier's time to first token from request to request.
    pub ttft_sigma: f64,
    /// Log-space spread of the suppliers' median time to first token around `ttft_median_ms`.
    pub supplier_spread: f64,
    /// Decoding time per completion token of the median supplier.
    pub ms_per_token: f64,
    /// Median completion length (tokens); log-normal, capped at 4096.
    pub completion_median: f64,
    /// Log-space spread of completion lengths.
    pub completion_sigma: f64,
    /// Share of failures that hang until the gateway's first-token timeout (the others are fast
    /// server errors).
    pub hang_share: f64,
    /// The gateway's first-token timeout.
    pub timeout_ms: u64,
    /// Time to a fast failure (a 5xx).
    pub error_after_ms: u64,
    /// The gateway's QoS configuration.
    pub qos: QosConfig,
}

impl Default for QosParityConfig {
    fn default() -> Self {
        Self {
            supplier_counts: vec![1, 2, 3, 5, 10, 20],
            failure_rates: vec![0.01, 0.02, 0.05, 0.1, 0.2, 0.3],
            requests: 4_000,
            interval_ms: 500,
            ttft_median_ms: 400.0,
            ttft_sigma: 0.5,
            supplier_spread: 0.35,
            ms_per_token: 25.0,
            completion_median: 250.0,
            completion_sigma: 0.8,
            hang_share: 0.25,
            timeout_ms: 10_000,
            error_after_ms: 150,
            qos: QosConfig::default(),
        }
    }
}

impl QosParityConfig {
    /// The ranges the experiment relies on; the message names the field.
    pub(crate) fn validate(&self) -> Result<(), String> {
        use super::check;
        check(
            !self.supplier_counts.is_empty(),
            "supplier_counts",
            "not empty",
        )?;
        check(
            self.supplier_counts
                .iter()
                .all(|&n| (1..=10_000).contains(&n)),
            "supplier_counts",
            "each in [1, 10000]",
        )?;
        check(!self.failure_rates.is_empty(), "failure_rates", "not empty")?;
        check(
            self.failure_rates.iter().all(|r| (0.0..=1.0).contains(r)),
            "failure_rates",
            "each in [0, 1]",
        )?;
        check(self.requests >= 1, "requests", "at least 1")?;
        // Zero latency is a valid assumption (`pokt load qos-parity` predicts stand-ins without
        // added latency).
        for (v, name) in [
            (self.ttft_median_ms, "ttft_median_ms"),
            (self.ms_per_token, "ms_per_token"),
        ] {
            check(v.is_finite() && v >= 0.0, name, "non-negative")?;
        }
        check(
            self.completion_median.is_finite() && self.completion_median > 0.0,
            "completion_median",
            "positive",
        )?;
        for (v, name) in [
            (self.ttft_sigma, "ttft_sigma"),
            (self.supplier_spread, "supplier_spread"),
            (self.completion_sigma, "completion_sigma"),
        ] {
            check((0.0..=5.0).contains(&v), name, "in [0, 5]")?;
        }
        check(
            (0.0..=1.0).contains(&self.hang_share),
            "hang_share",
            "in [0, 1]",
        )?;
        check(self.timeout_ms >= 2, "timeout_ms", "at least 2")?;
        pokt_qos::Qos::<u32>::new(self.qos.clone()).map_err(|e| format!("qos: {e}"))?;
        Ok(())
    }
}

/// How requests are routed in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Router {
    /// pokt-qos over the N suppliers.
    Qos,
    /// A uniform supplier, one call (QoS off).
    Random,
    /// The centralized endpoint, one call.
    Central,
    /// The centralized endpoint, one client retry after a failure.
    CentralRetry,
}

impl Router {
    const ALL: [Self; 4] = [Self::Qos, Self::Random, Self::Central, Self::CentralRetry];

    fn name(self) -> &'static str {
        match self {
            Self::Qos => "qos",
            Self::Random => "random",
            Self::Central => "central",
            Self::CentralRetry => "central_retry",
        }
    }
}

/// One endpoint's behaviour.
#[derive(Clone, Copy, Debug)]
struct Endpoint {
    ttft_ms: f64,
    ms_per_token: f64,
    failure: f64,
}

impl Endpoint {
    fn serve(&self, cfg: &QosParityConfig, rng: &mut SimRng) -> Simulated {
        if rng.next_f64() < self.failure {
            return if rng.next_f64() < cfg.hang_share {
                Simulated::Fails {
                    failure: Failure::Timeout,
                    after: Duration::from_millis(cfg.timeout_ms),
                }
            } else {
                Simulated::Fails {
                    failure: Failure::ServerError,
                    after: Duration::from_millis(cfg.error_after_ms),
                }
            };
        }
        let ttft = lognormal(rng, self.ttft_ms, cfg.ttft_sigma).min(cfg.timeout_ms as f64 - 1.0);
        if ttft >= cfg.timeout_ms as f64 - 1.0 {
            return Simulated::Fails {
                failure: Failure::Timeout,
                after: Duration::from_millis(cfg.timeout_ms),
            };
        }
        let tokens = lognormal(rng, cfg.completion_median, cfg.completion_sigma)
            .round()
            .clamp(1.0, 4096.0);
        let decode = tokens * lognormal(rng, self.ms_per_token, 0.2);
        let us = |ms: f64| Duration::from_micros((ms * 1e3).max(1.0) as u64);
        Simulated::Answers(Success::stream(us(ttft), us(ttft + decode), tokens as u32))
    }
}

/// The result of one router in one cell.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CellResult {
    pub(crate) suppliers: usize,
    pub(crate) failure_rate: f64,
    pub(crate) router: Router,
    pub(crate) success_rate: f64,
    pub(crate) ttft_p50: f64,
    pub(crate) ttft_p99: f64,
    pub(crate) latency_p50: f64,
    pub(crate) latency_p99: f64,
    pub(crate) relays_per_request: f64,
    pub(crate) hedged_share: f64,
    pub(crate) retried_share: f64,
    pub(crate) sanctions: u64,
}

/// The N suppliers of a cell: medians spread log-normally around the configured ones, failure
/// probabilities uniform in [0, 2·rate].
fn suppliers(cfg: &QosParityConfig, n: usize, rate: f64, rng: &mut SimRng) -> Vec<Endpoint> {
    (0..n)
        .map(|_| Endpoint {
            ttft_ms: lognormal(rng, cfg.ttft_median_ms, cfg.supplier_spread),
            ms_per_token: lognormal(rng, cfg.ms_per_token, cfg.supplier_spread),
            failure: (2.0 * rate * rng.next_f64()).min(0.95),
        })
        .collect()
}

/// Runs one router over one cell.
pub(crate) fn run_cell(
    cfg: &QosParityConfig,
    seed: u64,
    n: usize,
    rate_index: usize,
    router: Router,
) -> Result<CellResult, SimError> {
    let rate = cfg.failure_rates.get(rate_index).copied().unwrap_or(0.0);
    let keys = [n as u64, rate_index as u64];
    let sups = suppliers(
        cfg,
        n,
        rate,
        &mut SimRng::derive(seed, &[keys[0], keys[1], 0]),
    );
    let central = Endpoint {
        ttft_ms: cfg.ttft_median_ms,
        ms_per_token: cfg.ms_per_token,
        failure: rate,
    };
    // The same request stream for every router: behaviour draws from one generator, routing
    // decisions from another.
    let mut rng = SimRng::derive(seed, &[keys[0], keys[1], 1]);
    let mut decisions = QosRng(SimRng::derive(seed, &[keys[0], keys[1], 2]));
    let mut qos: Qos<u32> = Qos::new(cfg.qos.clone()).map_err(SimError::QosConfig)?;
    let mut routing: Routing<u32, ()> = Routing::new();
    let height = BlockHeight::new(10);
    let window = SessionWindow::new(
        BlockHeight::new(1),
        BlockHeight::new(i64::from(u32::MAX)),
        BlockHeight::new(i64::from(u32::MAX)),
    )
    .map_err(SimError::QosRouting)?;
    routing
        .install(
            &mut qos,
            window,
            (),
            (0..n as u32).collect::<Vec<_>>(),
            Duration::ZERO,
        )
        .map_err(SimError::QosRouting)?;
    let (mut ttft, mut latency) = (Vec::new(), Vec::new());
    let (mut ok, mut relays, mut hedged, mut retried) = (0u64, 0u64, 0u64, 0u64);
    for j in 0..cfg.requests {
        let now = Duration::from_millis(cfg.interval_ms.saturating_mul(j as u64));
        // (answered: first token, completed) in ms, relays, hedged, retried.
        let (answer, sent, h, r) = match router {
            Router::Qos => {
                match qos.plan(&routing, height, RequestClass::Stream, now, &mut decisions) {
                    Ok(plan) => {
                        let ex = qos.execute(&plan, now, |a| {
                            sups.get(a.supplier as usize).map_or(
                                Simulated::Fails {
                                    failure: Failure::Unreachable,
                                    after: Duration::ZERO,
                                },
                                |s| s.serve(cfg, &mut rng),
                            )
                        });
                        let ans = ex
                            .winner
                            .as_ref()
                            .and(ex.completed)
                            .map(|c| (ex.latency.as_secs_f64() * 1e3, c.as_secs_f64() * 1e3));
                        (ans, u64::from(ex.relays), ex.hedged, ex.retries > 0)
                    }
                    Err(_) => (None, 0, false, false),
                }
            }
            Router::Random => {
                let pick = ((u128::from(decisions.0.next_u64()) * n as u128) >> 64) as usize;
                let ans = sups
                    .get(pick)
                    .and_then(|s| answered(s.serve(cfg, &mut rng)));
                (ans, 1, false, false)
            }
            Router::Central => (answered(central.serve(cfg, &mut rng)), 1, false, false),
            Router::CentralRetry => match central.serve(cfg, &mut rng) {
                Simulated::Answers(s) => (answered(Simulated::Answers(s)), 1, false, false),
                Simulated::Fails { after, .. } => {
                    let first = after.as_secs_f64() * 1e3;
                    let ans =
                        answered(central.serve(cfg, &mut rng)).map(|(t, c)| (t + first, c + first));
                    (ans, 2, false, true)
                }
            },
        };
        relays += sent;
        hedged += u64::from(h);
        retried += u64::from(r);
        if let Some((t, c)) = answer {
            ok += 1;
            ttft.push(t);
            latency.push(c);
        }
    }
    let m = cfg.requests.max(1) as f64;
    Ok(CellResult {
        suppliers: n,
        failure_rate: rate,
        router,
        success_rate: ok as f64 / m,
        ttft_p50: quantile(&mut ttft, 0.5),
        ttft_p99: quantile(&mut ttft, 0.99),
        latency_p50: quantile(&mut latency, 0.5),
        latency_p99: quantile(&mut latency, 0.99),
        relays_per_request: relays as f64 / m,
        hedged_share: hedged as f64 / m,
        retried_share: retried as f64 / m,
        sanctions: qos.totals().sanctions,
    })
}

/// (time to first token, completion) in ms of an answer.
fn answered(s: Simulated) -> Option<(f64, f64)> {
    match s {
        Simulated::Answers(s) => Some((
            s.answered_after().as_secs_f64() * 1e3,
            s.latency.as_secs_f64() * 1e3,
        )),
        Simulated::Fails { .. } => None,
    }
}

/// Every cell of the sweep, in (suppliers, failure rate, router) order.
pub(crate) fn run_all(cfg: &QosParityConfig, seed: u64) -> Result<Vec<CellResult>, SimError> {
    let mut jobs = Vec::new();
    for &n in &cfg.supplier_counts {
        for ri in 0..cfg.failure_rates.len() {
            for router in Router::ALL {
                jobs.push((n, ri, router));
            }
        }
    }
    jobs.par_iter()
        .map(|&(n, ri, router)| run_cell(cfg, seed, n, ri, router))
        .collect()
}

/// Runs `qos-parity` with `cfg` and `seed`. [SIM-INF-QOS-1]
pub fn qos_parity(cfg: &QosParityConfig, seed: u64) -> Result<ExperimentReport, SimError> {
    cfg.validate()
        .map_err(|message| SimError::ExperimentConfig {
            experiment: "qos-parity".into(),
            message,
        })?;
    let cells = run_all(cfg, seed)?;
    let mut out = ExperimentReport {
        name: "qos-parity".into(),
        csv_header: "suppliers,failure_rate,router,requests,success_rate,ttft_p50_ms,ttft_p99_ms,latency_p50_ms,latency_p99_ms,relays_per_request,extra_relays_per_request,hedged_share,retried_share,sanctions".into(),
        ..ExperimentReport::default()
    };
    let _ = writeln!(
        out.table,
        "{:>4} {:>6} {:<14} {:>8} {:>9} {:>9} {:>10} {:>10} {:>7}",
        "N", "fail", "router", "success", "ttft p50", "ttft p99", "e2e p50", "e2e p99", "relays"
    );
    for c in &cells {
        out.csv_rows.push(format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            c.suppliers,
            f(c.failure_rate),
            c.router.name(),
            cfg.requests,
            f(c.success_rate),
            f(c.ttft_p50),
            f(c.ttft_p99),
            f(c.latency_p50),
            f(c.latency_p99),
            f(c.relays_per_request),
            f(c.relays_per_request - 1.0),
            f(c.hedged_share),
            f(c.retried_share),
            c.sanctions
        ));
        // The table shows the QoS rows and each failure rate's baselines once (at the largest N).
        let last_n = cfg.supplier_counts.last().copied().unwrap_or(0);
        if c.router == Router::Qos || c.suppliers == last_n {
            let _ = writeln!(
                out.table,
                "{:>4} {:>6.2} {:<14} {:>7.2}% {:>9.0} {:>9.0} {:>10.0} {:>10.0} {:>7.3}",
                if matches!(c.router, Router::Central | Router::CentralRetry) {
                    "-".to_string()
                } else {
                    c.suppliers.to_string()
                },
                c.failure_rate,
                c.router.name(),
                c.success_rate * 100.0,
                c.ttft_p50,
                c.ttft_p99,
                c.latency_p50,
                c.latency_p99,
                c.relays_per_request
            );
        }
    }
    let get = |n: usize, r: Router, rate: f64| {
        cells
            .iter()
            .find(|c| c.suppliers == n && c.router == r && (c.failure_rate - rate).abs() < 1e-12)
    };
    let big = cfg
        .supplier_counts
        .iter()
        .copied()
        .filter(|&n| n <= 10)
        .max()
        .unwrap_or(1);
    let mid = cfg
        .failure_rates
        .get(cfg.failure_rates.len() / 2)
        .copied()
        .unwrap_or(0.0);
    if let (Some(q), Some(c), Some(cr), Some(r)) = (
        get(big, Router::Qos, mid),
        get(big, Router::Central, mid),
        get(big, Router::CentralRetry, mid),
        get(big, Router::Random, mid),
    ) {
        let _ = writeln!(
            out.table,
            "\nAt N = {big} and a {:.0} % mean failure rate: pokt-qos {:.2} % success (p99 TTFT {:.0} ms, {:.3} relays/request) against the centralized endpoint's {:.2} % (p99 TTFT {:.0} ms), {:.2} % with one client retry; QoS off (a uniform supplier): {:.2} %.",
            mid * 100.0,
            q.success_rate * 100.0,
            q.ttft_p99,
            q.relays_per_request,
            c.success_rate * 100.0,
            c.ttft_p99,
            cr.success_rate * 100.0,
            r.success_rate * 100.0,
        );
    }
    out.figures = figures(cfg, &cells, big);
    Ok(out)
}

fn figures(cfg: &QosParityConfig, cells: &[CellResult], big: usize) -> Vec<Figure> {
    let series = |label: String,
                  keep: &dyn Fn(&CellResult) -> bool,
                  x: &dyn Fn(&CellResult) -> f64,
                  y: &dyn Fn(&CellResult) -> f64| {
        (
            label,
            cells
                .iter()
                .filter(|c| keep(c))
                .map(|c| (x(c), y(c)))
                .collect::<Vec<_>>(),
        )
    };
    let last_n = cfg.supplier_counts.last().copied().unwrap_or(1);
    let rate_x = |c: &CellResult| c.failure_rate * 100.0;
    let mut success = vec![
        series(
            "centralized endpoint".into(),
            &|c| c.router == Router::Central && c.suppliers == last_n,
            &rate_x,
            &|c| c.success_rate * 100.0,
        ),
        series(
            "centralized, 1 client retry".into(),
            &|c| c.router == Router::CentralRetry && c.suppliers == last_n,
            &rate_x,
            &|c| c.success_rate * 100.0,
        ),
        series(
            format!("{big} suppliers, QoS off"),
            &|c| c.router == Router::Random && c.suppliers == big,
            &rate_x,
            &|c| c.success_rate * 100.0,
        ),
    ];
    for &n in cfg.supplier_counts.iter().filter(|&&n| n > 1) {
        success.push(series(
            format!("{n} suppliers, pokt-qos"),
            &|c| c.router == Router::Qos && c.suppliers == n,
            &rate_x,
            &|c| c.success_rate * 100.0,
        ));
    }
    let mut ttft = Vec::new();
    for (i, &rate) in cfg.failure_rates.iter().enumerate() {
        if i % 2 == 1 || i + 1 == cfg.failure_rates.len() {
            ttft.push(series(
                format!("pokt-qos, {:.0} % failures", rate * 100.0),
                &|c| c.router == Router::Qos && c.failure_rate == rate,
                &|c| c.suppliers as f64,
                &|c| c.ttft_p99,
            ));
            ttft.push(series(
                format!("centralized, {:.0} % failures", rate * 100.0),
                &|c| c.router == Router::Central && c.failure_rate == rate,
                &|c| c.suppliers as f64,
                &|c| c.ttft_p99,
            ));
        }
    }
    let mut cost = Vec::new();
    for &n in cfg.supplier_counts.iter().filter(|&&n| n > 1) {
        cost.push(series(
            format!("{n} suppliers, pokt-qos"),
            &|c| c.router == Router::Qos && c.suppliers == n,
            &rate_x,
            &|c| (c.relays_per_request - 1.0) * 100.0,
        ));
    }
    cost.push(series(
        "centralized, 1 client retry".into(),
        &|c| c.router == Router::CentralRetry && c.suppliers == last_n,
        &rate_x,
        &|c| (c.relays_per_request - 1.0) * 100.0,
    ));
    vec![
        Figure {
            name: "qos-parity-success".into(),
            title: "Success rate: suppliers routed by pokt-qos vs one centralized endpoint".into(),
            x_label: "mean supplier failure rate (%)".into(),
            y_label: "requests answered (%)".into(),
            series: success,
            ..Figure::default()
        },
        Figure {
            name: "qos-parity-ttft-p99".into(),
            title: "99th percentile time to first token (answered requests)".into(),
            x_label: "suppliers in the session".into(),
            y_label: "p99 TTFT (ms)".into(),
            log_y: true,
            series: ttft,
            ..Figure::default()
        },
        Figure {
            name: "qos-parity-cost".into(),
            title: "Extra relays per request (hedges and retries)".into(),
            x_label: "mean supplier failure rate (%)".into(),
            y_label: "extra relays per 100 requests".into(),
            kind: FigureKind::Lines,
            series: cost,
            ..Figure::default()
        },
    ]
}

#[cfg(test)]
mod tests;
