//! `substitution`: a share of suppliers serve a cheaper model than the one they advertise. A
//! watcher sends fingerprint probes (fixed prompts at temperature 0) to every supplier and
//! compares the answers with reference answers; a supplier whose recent probes mismatch often
//! enough is reported to pokt-qos as `Failure::ModelMismatch`, which sanctions it
//! (QOS-SANCTION-1, escalating by QOS-SANCTION-2). Honest suppliers with nondeterministic
//! backends (batching changes floating-point sums even at temperature 0) sometimes mismatch too:
//! those are the false positives. User traffic is routed by pokt-qos throughout.
//! [SIM-INF-SUB-1] [SIM-INF-SUB-2]

use crate::SimError;
use core::fmt::Write as _;
use core::time::Duration;

use pokt_primitives::BlockHeight;
use pokt_qos::{
    Failure, Outcome, Qos, QosConfig, RequestClass, Routing, SessionWindow, Simulated, Success,
    Tier,
};
use rayon::prelude::*;

use super::{Figure, QosRng, f, lognormal, quantile};
use crate::experiments::ExperimentReport;
use crate::rng::SimRng;

/// The assumptions of `substitution`. As TOML (every key optional):
/// [`ExperimentConfig`](super::ExperimentConfig). [SIM-INF-CFG-1]
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubstitutionConfig {
    /// Suppliers in the session.
    pub suppliers: usize,
    /// Share of them serving a cheaper model.
    pub substitute_share: f64,
    /// Share of honest suppliers whose backend is nondeterministic at temperature 0.
    pub nondeterministic_share: f64,
    /// Probability that a nondeterministic honest supplier's probe answer differs from the
    /// reference.
    pub honest_mismatch: f64,
    /// Probability that a substitute's probe answer differs from the reference (a cheaper model
    /// agrees on easy prompts).
    pub substitute_mismatch: f64,
    /// A substitute's time to first token relative to an honest supplier's (a smaller model is
    /// faster, so QoS alone prefers it).
    pub substitute_speedup: f64,
    /// Probes per supplier per hour (the sweep's first axis; 0 = no watcher).
    pub probe_rates: Vec<f64>,
    /// Mismatches among a supplier's last `window` probes that flag it (the sweep's second axis).
    pub thresholds: Vec<u32>,
    /// Probes remembered per supplier.
    pub window: u32,
    /// Simulated time (hours).
    pub hours: f64,
    /// User requests per second.
    pub requests_per_second: f64,
    /// Tokens of one probe (prompt and answer).
    pub probe_tokens: f64,
    /// Mean tokens of one user request (prompt and answer).
    pub request_tokens: f64,
    /// Median time to first token of an honest supplier (ms).
    pub ttft_median_ms: f64,
    /// Per-request failure probability of every supplier.
    pub failure_rate: f64,
    /// The gateway's QoS configuration.
    pub qos: QosConfig,
}

impl Default for SubstitutionConfig {
    fn default() -> Self {
        Self {
            suppliers: 20,
            substitute_share: 0.2,
            nondeterministic_share: 0.3,
            honest_mismatch: 0.05,
            substitute_mismatch: 0.6,
            substitute_speedup: 0.6,
            probe_rates: vec![0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0],
            thresholds: vec![1, 2, 3],
            window: 5,
            hours: 24.0,
            requests_per_second: 0.5,
            probe_tokens: 300.0,
            request_tokens: 1_000.0,
            ttft_median_ms: 400.0,
            failure_rate: 0.02,
            qos: QosConfig::default(),
        }
    }
}

impl SubstitutionConfig {
    /// The ranges the experiment relies on; the message names the field.
    pub(crate) fn validate(&self) -> Result<(), String> {
        use super::check;
        check(
            (1..=10_000).contains(&self.suppliers),
            "suppliers",
            "in [1, 10000]",
        )?;
        for (v, name) in [
            (self.substitute_share, "substitute_share"),
            (self.nondeterministic_share, "nondeterministic_share"),
            (self.honest_mismatch, "honest_mismatch"),
            (self.substitute_mismatch, "substitute_mismatch"),
            (self.failure_rate, "failure_rate"),
        ] {
            check((0.0..=1.0).contains(&v), name, "in [0, 1]")?;
        }
        check(!self.probe_rates.is_empty(), "probe_rates", "not empty")?;
        check(
            self.probe_rates.iter().all(|r| (0.0..=3600.0).contains(r)),
            "probe_rates",
            "each in [0, 3600] per hour",
        )?;
        check(!self.thresholds.is_empty(), "thresholds", "not empty")?;
        check((1..=1000).contains(&self.window), "window", "in [1, 1000]")?;
        check(
            self.thresholds.iter().all(|&t| t >= 1 && t <= self.window),
            "thresholds",
            "each in [1, window]",
        )?;
        check(
            self.hours.is_finite() && self.hours > 0.0 && self.hours <= 24.0 * 365.0,
            "hours",
            "in (0, 8760]",
        )?;
        check(
            self.requests_per_second.is_finite()
                && self.requests_per_second > 0.0
                && self.requests_per_second * self.hours * 3600.0 <= 1e8,
            "requests_per_second",
            "positive, at most 1e8 requests in the run",
        )?;
        for (v, name) in [
            (self.substitute_speedup, "substitute_speedup"),
            (self.probe_tokens, "probe_tokens"),
            (self.request_tokens, "request_tokens"),
            (self.ttft_median_ms, "ttft_median_ms"),
        ] {
            check(v.is_finite() && v > 0.0, name, "positive")?;
        }
        pokt_qos::Qos::<u32>::new(self.qos.clone()).map_err(|e| format!("qos: {e}"))?;
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Honest,
    Nondeterministic,
    Substitute,
}

/// One cell of the sweep.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CellResult {
    pub(crate) probe_rate: f64,
    pub(crate) threshold: u32,
    pub(crate) substitutes: usize,
    pub(crate) detected: usize,
    /// Median hours to the first sanction of a substitute (undetected ones count as the horizon).
    pub(crate) median_delay_h: f64,
    /// Mean hours to the first sanction, over detected substitutes.
    pub(crate) mean_delay_detected_h: f64,
    /// Honest suppliers sanctioned at least once.
    pub(crate) honest_sanctioned: usize,
    /// Model-mismatch reports against honest suppliers per honest supplier per day.
    pub(crate) false_reports_per_day: f64,
    /// Share of answered user requests answered by substitutes.
    pub(crate) substituted_share: f64,
    /// Same, over the last quarter of the run.
    pub(crate) substituted_share_end: f64,
    pub(crate) probes: u64,
    /// Probe tokens per user token.
    pub(crate) probe_cost: f64,
    /// Substitutes under a sanction at the end.
    pub(crate) sanctioned_at_end: usize,
}

pub(crate) fn run_cell(
    cfg: &SubstitutionConfig,
    seed: u64,
    rate_index: usize,
    threshold: u32,
) -> Result<CellResult, SimError> {
    let rate = cfg.probe_rates.get(rate_index).copied().unwrap_or(0.0);
    let n = cfg.suppliers;
    let n_sub = (cfg.substitute_share * n as f64).round() as usize;
    let n_nd = ((n - n_sub) as f64 * cfg.nondeterministic_share).round() as usize;
    // The same suppliers in every cell: the first are substitutes, then nondeterministic ones.
    let kinds: Vec<Kind> = (0..n)
        .map(|i| {
            if i < n_sub {
                Kind::Substitute
            } else if i < n_sub + n_nd {
                Kind::Nondeterministic
            } else {
                Kind::Honest
            }
        })
        .collect();
    let mut world = SimRng::derive(seed, &[0x0053_5542, 0]);
    let ttft: Vec<f64> = kinds
        .iter()
        .map(|k| {
            let base = lognormal(&mut world, cfg.ttft_median_ms, 0.25);
            if *k == Kind::Substitute {
                base * cfg.substitute_speedup
            } else {
                base
            }
        })
        .collect();
    let mut rng = SimRng::derive(
        seed,
        &[0x0053_5542, 1, rate_index as u64, u64::from(threshold)],
    );
    let mut probe_rng = SimRng::derive(
        seed,
        &[0x0053_5542, 2, rate_index as u64, u64::from(threshold)],
    );
    let mut decisions = QosRng(SimRng::derive(
        seed,
        &[0x0053_5542, 3, rate_index as u64, u64::from(threshold)],
    ));
    let mut qos: Qos<u32> = Qos::new(cfg.qos.clone()).map_err(SimError::QosConfig)?;
    let mut routing: Routing<u32, ()> = Routing::new();
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
    let horizon = cfg.hours * 3600.0;
    let interval = 1.0 / cfg.requests_per_second.max(1e-9);
    let requests = (horizon / interval) as u64;
    // Probes: a Poisson process per supplier (exponential gaps).
    let gap = |r: &mut SimRng| {
        if rate > 0.0 {
            -(1.0 - r.next_f64()).ln() / (rate / 3600.0)
        } else {
            f64::INFINITY
        }
    };
    let mut next_probe: Vec<f64> = (0..n).map(|_| gap(&mut probe_rng)).collect();
    let mut recent: Vec<u32> = vec![0; n];
    let mut first_flag: Vec<Option<f64>> = vec![None; n];
    let mut false_reports = 0u64;
    let mut probes = 0u64;
    let (mut answered, mut by_sub, mut answered_end, mut by_sub_end) = (0u64, 0u64, 0u64, 0u64);
    let mask = if cfg.window >= 32 {
        u32::MAX
    } else {
        (1u32 << cfg.window) - 1
    };
    for j in 0..requests {
        let t = j as f64 * interval;
        let now = Duration::from_secs_f64(t);
        // Probes due by now, in time order.
        while let Some((i, pt)) = next_probe
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .filter(|&(_, pt)| pt <= t)
        {
            probes += 1;
            let kind = kinds.get(i).copied().unwrap_or(Kind::Honest);
            let p_mismatch = match kind {
                Kind::Honest => 0.0,
                Kind::Nondeterministic => cfg.honest_mismatch,
                Kind::Substitute => cfg.substitute_mismatch,
            };
            let mismatch = probe_rng.next_f64() < p_mismatch;
            if let Some(w) = recent.get_mut(i) {
                *w = ((*w << 1) | u32::from(mismatch)) & mask;
                if w.count_ones() >= threshold {
                    // Flagged: the watcher reports the supplier and starts a fresh record.
                    *w = 0;
                    qos.report(
                        &(i as u32),
                        Outcome::Failed(Failure::ModelMismatch),
                        Duration::from_secs_f64(pt),
                    );
                    if kind != Kind::Substitute {
                        false_reports += 1;
                    }
                    if let Some(ff) = first_flag.get_mut(i)
                        && ff.is_none()
                    {
                        *ff = Some(pt);
                    }
                }
            }
            if let Some(np) = next_probe.get_mut(i) {
                *np = pt + gap(&mut probe_rng);
            }
        }
        let Ok(plan) = qos.plan(
            &routing,
            BlockHeight::new(10),
            RequestClass::Stream,
            now,
            &mut decisions,
        ) else {
            continue;
        };
        let ex = qos.execute(&plan, now, |a| {
            let i = a.supplier as usize;
            if rng.next_f64() < cfg.failure_rate {
                return Simulated::Fails {
                    failure: Failure::ServerError,
                    after: Duration::from_millis(150),
                };
            }
            let ms = lognormal(&mut rng, ttft.get(i).copied().unwrap_or(400.0), 0.4);
            let first = Duration::from_micros((ms * 1e3) as u64 + 1);
            Simulated::Answers(Success::stream(
                first,
                first + Duration::from_millis(5_000),
                200,
            ))
        });
        if let Some(w) = ex.winner {
            let sub = kinds.get(w.supplier as usize) == Some(&Kind::Substitute);
            answered += 1;
            by_sub += u64::from(sub);
            if t >= horizon * 0.75 {
                answered_end += 1;
                by_sub_end += u64::from(sub);
            }
        }
    }
    let end = Duration::from_secs_f64(horizon);
    let subs: Vec<usize> = (0..n)
        .filter(|&i| kinds.get(i) == Some(&Kind::Substitute))
        .collect();
    let mut delays: Vec<f64> = subs
        .iter()
        .map(|&i| first_flag.get(i).copied().flatten().unwrap_or(horizon) / 3600.0)
        .collect();
    let detected: Vec<f64> = subs
        .iter()
        .filter_map(|&i| first_flag.get(i).copied().flatten())
        .map(|x| x / 3600.0)
        .collect();
    let honest = n - subs.len();
    Ok(CellResult {
        probe_rate: rate,
        threshold,
        substitutes: subs.len(),
        detected: detected.len(),
        median_delay_h: quantile(&mut delays, 0.5),
        mean_delay_detected_h: if detected.is_empty() {
            f64::NAN
        } else {
            detected.iter().sum::<f64>() / detected.len() as f64
        },
        honest_sanctioned: (0..n)
            .filter(|&i| kinds.get(i) != Some(&Kind::Substitute))
            .filter(|&i| first_flag.get(i).copied().flatten().is_some())
            .count(),
        false_reports_per_day: false_reports as f64 / honest.max(1) as f64 / (cfg.hours / 24.0),
        substituted_share: by_sub as f64 / answered.max(1) as f64,
        substituted_share_end: by_sub_end as f64 / answered_end.max(1) as f64,
        probes,
        probe_cost: probes as f64 * cfg.probe_tokens
            / (answered.max(1) as f64 * cfg.request_tokens),
        sanctioned_at_end: subs
            .iter()
            .filter(|&&i| qos.tier(&(i as u32), end) == Some(Tier::Sanctioned))
            .count(),
    })
}

/// Runs `substitution` with `cfg` and `seed`. [SIM-INF-SUB-1]
pub fn substitution(cfg: &SubstitutionConfig, seed: u64) -> Result<ExperimentReport, SimError> {
    cfg.validate()
        .map_err(|message| SimError::ExperimentConfig {
            experiment: "substitution".into(),
            message,
        })?;
    let mut jobs = Vec::new();
    for ri in 0..cfg.probe_rates.len() {
        for &t in &cfg.thresholds {
            jobs.push((ri, t));
        }
    }
    let cells: Vec<CellResult> = jobs
        .par_iter()
        .map(|&(ri, t)| run_cell(cfg, seed, ri, t))
        .collect::<Result<_, _>>()?;
    let mut out = ExperimentReport {
        name: "substitution".into(),
        csv_header: "probes_per_supplier_hour,threshold,window,substitutes,detected,median_delay_h,mean_delay_detected_h,honest_sanctioned,false_reports_per_honest_day,substituted_share,substituted_share_last_quarter,probes,probe_tokens_per_user_token,substitutes_sanctioned_at_end".into(),
        ..ExperimentReport::default()
    };
    let _ = writeln!(
        out.table,
        "{} suppliers, {} serving a cheaper model; {:.0} % of honest ones nondeterministic; flag at k mismatches in the last {} probes\n{:>9} {:>3} {:>9} {:>10} {:>10} {:>12} {:>12} {:>11}",
        cfg.suppliers,
        cells.first().map_or(0, |c| c.substitutes),
        cfg.nondeterministic_share * 100.0,
        cfg.window,
        "probes/h",
        "k",
        "detected",
        "median h",
        "honest hit",
        "false/day",
        "subst. share",
        "probe cost"
    );
    for c in &cells {
        out.csv_rows.push(format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            f(c.probe_rate),
            c.threshold,
            cfg.window,
            c.substitutes,
            c.detected,
            f(c.median_delay_h),
            f(c.mean_delay_detected_h),
            c.honest_sanctioned,
            f(c.false_reports_per_day),
            f(c.substituted_share),
            f(c.substituted_share_end),
            c.probes,
            f(c.probe_cost),
            c.sanctioned_at_end
        ));
        let _ = writeln!(
            out.table,
            "{:>9} {:>3} {:>5}/{:<3} {:>10.2} {:>10} {:>12.3} {:>11.1}% {:>10.2}%",
            c.probe_rate,
            c.threshold,
            c.detected,
            c.substitutes,
            c.median_delay_h,
            c.honest_sanctioned,
            c.false_reports_per_day,
            c.substituted_share * 100.0,
            c.probe_cost * 100.0
        );
    }
    let _ = writeln!(
        out.table,
        "\nsubst. share: user requests answered by substitutes ({:.0} % of suppliers); probe cost: \
         probe tokens per user token. Detection delays count undetected substitutes as the whole \
         run ({} h).",
        cfg.substitute_share * 100.0,
        cfg.hours
    );
    let pos = |x: f64| x.max(0.01);
    let by_t = |y: &dyn Fn(&CellResult) -> f64| -> Vec<(String, Vec<(f64, f64)>)> {
        cfg.thresholds
            .iter()
            .map(|&t| {
                (
                    format!("flag at {t} of last {} probes", cfg.window),
                    cells
                        .iter()
                        .filter(|c| c.threshold == t && c.probe_rate > 0.0)
                        .map(|c| (c.probe_rate, y(c)))
                        .collect(),
                )
            })
            .collect()
    };
    let mut share = by_t(&|c| c.substituted_share * 100.0);
    let off = cells
        .iter()
        .find(|c| c.probe_rate == 0.0)
        .map(|c| c.substituted_share * 100.0);
    if let Some(off) = off {
        share.push((
            "no watcher".into(),
            cfg.probe_rates
                .iter()
                .filter(|&&r| r > 0.0)
                .map(|&r| (r, off))
                .collect(),
        ));
        share.push((
            "substitutes' share of suppliers".into(),
            cfg.probe_rates
                .iter()
                .filter(|&&r| r > 0.0)
                .map(|&r| (r, cfg.substitute_share * 100.0))
                .collect(),
        ));
    }
    out.figures = vec![
        Figure {
            name: "substitution-detection".into(),
            title: "Time to sanction a substituting supplier (median; undetected = whole run)"
                .into(),
            x_label: "fingerprint probes per supplier per hour".into(),
            y_label: "hours".into(),
            log_x: true,
            log_y: true,
            series: by_t(&|c| pos(c.median_delay_h)),
            ..Figure::default()
        },
        Figure {
            name: "substitution-false-positives".into(),
            title: "False model-mismatch reports against honest (nondeterministic) suppliers"
                .into(),
            x_label: "fingerprint probes per supplier per hour".into(),
            y_label: "reports per honest supplier per day".into(),
            log_x: true,
            series: by_t(&|c| c.false_reports_per_day),
            ..Figure::default()
        },
        Figure {
            name: "substitution-traffic".into(),
            title: "User requests answered by substitutes (pokt-qos routing)".into(),
            x_label: "fingerprint probes per supplier per hour".into(),
            y_label: "% of answered requests".into(),
            log_x: true,
            series: share,
            ..Figure::default()
        },
    ];
    Ok(out)
}

#[cfg(test)]
mod tests;
