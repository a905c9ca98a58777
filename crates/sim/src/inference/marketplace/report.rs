//! What `marketplace` prints and plots: the summary table (second half of the run, per service;
//! per-relay margins by completion length) and the four figures. [SIM-INF-MKT-2]

use core::fmt::Write as _;

use super::run::Row;
use super::{MarketConfig, Pricing, relay_margin};
use crate::inference::{Figure, FigureKind};

/// Per run and service over the second half: served share of demand, supplier share against
/// demand share, Source uPOKT per million tokens, supplier margin.
pub(super) fn summary(cfg: &MarketConfig, names: &[&str], results: &[Vec<Row>], t: &mut String) {
    let _ = writeln!(
        t,
        "second half of the run, per service:\n{:<17} {:<11} {:>8} {:>9} {:>9} {:>10} {:>14} {:>8}",
        "run", "service", "served", "demand %", "supply %", "suppliers", "Source/Mtok", "margin"
    );
    let half = cfg.epochs / 2;
    for (name, rows) in names.iter().zip(results) {
        let tail: Vec<&Row> = rows.iter().filter(|r| r.epoch >= half).collect();
        let all_work: f64 = tail.iter().map(|r| r.demand_work).sum();
        let all_sup: usize = tail.iter().map(|r| r.suppliers).sum();
        for (svc, m) in cfg.services.iter().enumerate() {
            let rs: Vec<&&Row> = tail.iter().filter(|r| r.service == svc).collect();
            let dem: u64 = rs.iter().map(|r| r.demand_relays).sum();
            let srv: u64 = rs.iter().map(|r| r.served_relays).sum();
            let work: f64 = rs.iter().map(|r| r.demand_work).sum();
            let sup: usize = rs.iter().map(|r| r.suppliers).sum();
            let tok: u64 = rs.iter().map(|r| r.served_tokens).sum();
            let src: u64 = rs.iter().map(|r| r.source_upokt).sum();
            let rev: f64 = rs.iter().map(|r| r.supplier_revenue_upokt as f64).sum();
            let cost: f64 = rs.iter().map(|r| r.supplier_cost_upokt).sum();
            let _ = writeln!(
                t,
                "{name:<17} {:<11} {:>7.1}% {:>8.1}% {:>8.1}% {:>10.1} {:>14.1} {:>7.1}%",
                m.name,
                srv as f64 / dem.max(1) as f64 * 100.0,
                work / all_work.max(1.0) * 100.0,
                sup as f64 / all_sup.max(1) as f64 * 100.0,
                sup as f64 / rs.len().max(1) as f64,
                src as f64 / (tok as f64 / 1e6).max(1e-9),
                if cost > 0.0 {
                    (rev - cost) / cost * 100.0
                } else {
                    f64::NAN
                },
            );
        }
    }
    let _ = writeln!(
        t,
        "\nsupplier margin per relay at full utilization (median prompt), fixed per relay / token-metered:"
    );
    for m in cfg
        .services
        .iter()
        .filter(|m| m.size >= 6.0 || m.size <= 1.0)
    {
        let _ = write!(t, "{:<11}", m.name);
        for c in [16u64, 256, 1024, 8192] {
            let _ = write!(
                t,
                "  {c:>5} tokens: {:>+7.0}% / {:>+4.0}%",
                relay_margin(cfg, m, c, Pricing::FixedPerRelay) * 100.0,
                relay_margin(cfg, m, c, Pricing::TokenMetered) * 100.0
            );
        }
        let _ = writeln!(t);
    }
    let _ = writeln!(
        t,
        "\ndemand % is the service's share of demanded work (the capacity it needs); \
         supply % its share of suppliers. Source/Mtok: uPOKT the Source earned per million tokens \
         served. Margins are (revenue − hardware cost) / cost of the service's suppliers."
    );
}

pub(super) fn figures(cfg: &MarketConfig, results: &[Vec<Row>]) -> Vec<Figure> {
    let last = cfg.services.len().saturating_sub(1);
    let name = |svc: usize| {
        cfg.services
            .get(svc)
            .map_or("?", |s| s.name.as_str())
            .to_string()
    };
    // Supply against demand, for the rising model and the fading one.
    let mut supply = Vec::new();
    for &svc in &[last, 0] {
        let demand: Vec<(f64, f64)> = (0..cfg.epochs)
            .map(|e| {
                let rows: Vec<&Row> = results
                    .first()
                    .map_or(Vec::new(), |r| r.iter().filter(|r| r.epoch == e).collect());
                let total: f64 = rows.iter().map(|r| r.demand_work).sum();
                let mine: f64 = rows
                    .iter()
                    .filter(|r| r.service == svc)
                    .map(|r| r.demand_work)
                    .sum();
                (e as f64, mine / total.max(1.0) * 100.0)
            })
            .collect();
        supply.push((format!("{}: share of demanded work", name(svc)), demand));
        for (label, rows) in [
            "fixed per relay",
            "token-metered",
            "token-metered, immobile",
        ]
        .iter()
        .zip(results)
        {
            let pts = (0..cfg.epochs)
                .map(|e| {
                    let all: usize = rows
                        .iter()
                        .filter(|r| r.epoch == e)
                        .map(|r| r.suppliers)
                        .sum();
                    let mine: usize = rows
                        .iter()
                        .filter(|r| r.epoch == e && r.service == svc)
                        .map(|r| r.suppliers)
                        .sum();
                    (e as f64, mine as f64 / all.max(1) as f64 * 100.0)
                })
                .collect();
            supply.push((format!("{}: suppliers, {label}", name(svc)), pts));
        }
    }
    let scatter = ["fixed per relay", "token-metered"]
        .iter()
        .zip(results)
        .map(|(label, rows)| {
            (
                (*label).to_string(),
                rows.iter()
                    .filter(|r| r.served_tokens > 0)
                    .map(|r| (r.served_tokens as f64 / 1e6, r.source_upokt as f64))
                    .collect(),
            )
        })
        .collect();
    let mut margins = Vec::new();
    for &svc in &[0, last] {
        let Some(m) = cfg.services.get(svc) else {
            continue;
        };
        for p in [Pricing::FixedPerRelay, Pricing::TokenMetered] {
            let pts = (0..=15)
                .map(|i| {
                    let c = 2f64.powf(f64::from(i)).round() as u64 * 4;
                    (c as f64, relay_margin(cfg, m, c, p) * 100.0)
                })
                .collect();
            margins.push((
                format!(
                    "{}, {}",
                    m.name,
                    if p == Pricing::FixedPerRelay {
                        "fixed per relay"
                    } else {
                        "token-metered"
                    }
                ),
                pts,
            ));
        }
    }
    let mut margin_t = Vec::new();
    for (label, rows) in ["fixed per relay", "token-metered"].iter().zip(results) {
        for &svc in &[0, last] {
            margin_t.push((
                format!("{}, {label}", name(svc)),
                rows.iter()
                    .filter(|r| r.service == svc && r.suppliers > 0)
                    .map(|r| (r.epoch as f64, r.margin() * 100.0))
                    .collect(),
            ));
        }
    }
    vec![
        Figure {
            name: "marketplace-supply".into(),
            title: "Supply follows demand: share of suppliers vs share of demanded work".into(),
            x_label: "epoch".into(),
            y_label: "% of all".into(),
            series: supply,
            ..Figure::default()
        },
        Figure {
            name: "marketplace-source-revenue".into(),
            title: "Source revenue against tokens served (one point per service and epoch)".into(),
            x_label: "tokens served (millions)".into(),
            y_label: "Source revenue (uPOKT)".into(),
            log_x: true,
            log_y: true,
            kind: FigureKind::Points,
            series: scatter,
        },
        Figure {
            name: "marketplace-mispricing".into(),
            title:
                "Supplier margin per relay by completion length (median prompt, full utilization)"
                    .into(),
            x_label: "completion tokens".into(),
            y_label: "margin (%)".into(),
            log_x: true,
            series: margins,
            ..Figure::default()
        },
        Figure {
            name: "marketplace-margins".into(),
            title: "Supplier margin per epoch".into(),
            x_label: "epoch".into(),
            y_label: "margin (%)".into(),
            series: margin_t,
            ..Figure::default()
        },
    ]
}
