//! Reports: the summary table, CSV time series and PNG plots.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::report::Report;

/// The summary table printed by `pokt simulate`.
pub fn summary_table(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario: {}   controller: {}", r.name, r.controller);
    let _ = writeln!(
        out,
        "{:<12} {:>16} {:>14} {:>14} {:>16} {:>12} {:>12}",
        "service", "relays served", "mined", "claimed", "estimated", "target err", "estim. err"
    );
    let mut services: Vec<&str> = r.rows.iter().map(|x| x.service.as_str()).collect();
    services.dedup();
    services.sort_unstable();
    services.dedup();
    for svc in services {
        let rows: Vec<_> = r.rows.iter().filter(|x| x.service == svc).collect();
        let served: u64 = rows.iter().map(|x| x.relays_served).sum();
        let mined: u64 = rows.iter().map(|x| x.relays_mined).sum();
        let claimed: u64 = rows.iter().map(|x| x.relays_claimed).sum();
        let est: f64 = rows.iter().map(|x| x.relays_estimated).sum();
        // Mean absolute errors over the second half (after the controller has settled).
        let tail = &rows[rows.len() / 2..];
        let te = tail.iter().map(|x| x.target_error.abs()).sum::<f64>() / tail.len().max(1) as f64;
        let ee =
            tail.iter().map(|x| x.estimation_error.abs()).sum::<f64>() / tail.len().max(1) as f64;
        let _ = writeln!(
            out,
            "{svc:<12} {served:>16} {mined:>14} {claimed:>14} {est:>16.0} {:>11.1}% {:>11.2}%",
            te * 100.0,
            ee * 100.0
        );
    }
    let f = &r.flows;
    let _ = writeln!(out, "\ntokens (uPOKT)         burned / paid     received");
    let _ = writeln!(
        out,
        "  applications     {:>16} {:>12}",
        f.application_burned.get() + f.application_reimbursed.get(),
        f.application_share.get()
    );
    let _ = writeln!(
        out,
        "  suppliers        {:>16} {:>12}",
        f.penalties.get(),
        f.supplier.get()
    );
    let _ = writeln!(
        out,
        "  source owners    {:>16} {:>12}",
        0,
        f.source_owner.get()
    );
    let _ = writeln!(out, "  block proposer   {:>16} {:>12}", 0, f.proposer.get());
    let _ = writeln!(
        out,
        "  DAO              {:>16} {:>12}",
        0,
        f.dao.get() + f.application_reimbursed.get()
    );
    let _ = writeln!(out, "  minted in total  {:>16}", f.minted.get());
    let _ = writeln!(
        out,
        "\nclaims: {} settled, {} expired (missing proof), {} discarded; proofs required: {}",
        r.claims_settled, r.claims_expired, r.claims_discarded, r.proofs_required
    );
    let a = &r.adversary;
    let _ = writeln!(
        out,
        "fake claims: {} made, {} caught; earned {} uPOKT, paid {} uPOKT in penalties; break-even penalty S = R(1-p)/p = {:.1} uPOKT (configured {})",
        a.fake_claims,
        a.caught,
        a.earned_upokt.get(),
        a.penalties_upokt.get(),
        a.break_even_penalty_upokt,
        a.configured_penalty_upokt.get()
    );
    let _ = writeln!(
        out,
        "relays mined exactly: {}, by binomial draw: {}; claims with real session-tree roots: {}",
        r.relays_exact, r.relays_sampled, r.claims_with_tree_roots
    );
    out
}

/// Writes `timeseries.csv` and `token_flows.csv` into `dir`; returns the paths.
pub fn write_csv(r: &Report, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut ts = String::from(
        "session,start_height,service,relays_served,relays_mined,relays_claimed,relays_estimated,probability,ema,target_num_relays,target_error,estimation_error\n",
    );
    for x in &r.rows {
        let _ = writeln!(
            ts,
            "{},{},{},{},{},{},{:.3},{:e},{},{},{:.6},{:.6}",
            x.session,
            x.start_height,
            x.service,
            x.relays_served,
            x.relays_mined,
            x.relays_claimed,
            x.relays_estimated,
            x.probability,
            x.ema,
            x.target_num_relays,
            x.target_error,
            x.estimation_error
        );
    }
    let mut fl = String::from(
        "session,settlement_height,application_burned,application_reimbursed,minted,supplier,source_owner,proposer,dao,application_share,penalties\n",
    );
    for x in &r.flow_rows {
        let f = &x.flows;
        let _ = writeln!(
            fl,
            "{},{},{},{},{},{},{},{},{},{},{}",
            x.session,
            x.height,
            f.application_burned.get(),
            f.application_reimbursed.get(),
            f.minted.get(),
            f.supplier.get(),
            f.source_owner.get(),
            f.proposer.get(),
            f.dao.get(),
            f.application_share.get(),
            f.penalties.get()
        );
    }
    let a = dir.join("timeseries.csv");
    let b = dir.join("token_flows.csv");
    std::fs::write(&a, ts)?;
    std::fs::write(&b, fl)?;
    Ok(vec![a, b])
}

const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

pub(crate) fn ensure_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

fn fmt_tick(y: f64) -> String {
    let a = y.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-2..1e6).contains(&a) {
        format!("{y:.2e}")
    } else if a < 1.0 {
        format!("{y:.3}")
    } else {
        format!("{y:.0}")
    }
}

type Series = (String, Vec<(f64, f64)>);

fn line_chart(
    path: &Path,
    title: &str,
    y_label: &str,
    series: &[Series],
    log_y: bool,
) -> Result<(), String> {
    ensure_font();
    let root = BitMapBackend::new(path, (1200, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let pts = series.iter().flat_map(|(_, v)| v.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        if log_y && y <= 0.0 {
            continue;
        }
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if (y1 - y0).abs() < f64::EPSILON {
        y1 = y0 + 1.0;
    }
    let colors = [BLUE, RED, GREEN, MAGENTA, CYAN, BLACK];
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(90);
    macro_rules! draw {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc("block height")
                .y_desc(y_label)
                .y_label_formatter(&|y| fmt_tick(*y))
                .label_style(("sans-serif", 14))
                .draw()
                .map_err(|e| e.to_string())?;
            for (i, (name, v)) in series.iter().enumerate() {
                let c = colors[i % colors.len()];
                let data: Vec<(f64, f64)> = v
                    .iter()
                    .copied()
                    .filter(|(_, y)| !log_y || *y > 0.0)
                    .collect();
                chart
                    .draw_series(LineSeries::new(data, c.stroke_width(2)))
                    .map_err(|e| e.to_string())?
                    .label(name.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                    });
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .label_font(("sans-serif", 14))
                .draw()
                .map_err(|e| e.to_string())?;
        }};
    }
    if log_y {
        let c = builder
            .build_cartesian_2d(x0..x1, (y0.max(1e-12)..y1 * 1.1).log_scale())
            .map_err(|e| e.to_string())?;
        draw!(c);
    } else {
        let pad = (y1 - y0) * 0.05;
        let c = builder
            .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
            .map_err(|e| e.to_string())?;
        draw!(c);
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}

/// Writes the PNG plots into `dir`; returns their paths.
pub fn write_plots(r: &Report, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut services: Vec<String> = r.rows.iter().map(|x| x.service.clone()).collect();
    services.sort_unstable();
    services.dedup();
    let by = |f: &dyn Fn(&crate::report::Row) -> f64, suffix: &str| -> Vec<Series> {
        services
            .iter()
            .map(|s| {
                (
                    format!("{s}{suffix}"),
                    r.rows
                        .iter()
                        .filter(|x| &x.service == s)
                        .map(|x| (x.start_height.get() as f64, f(x)))
                        .collect(),
                )
            })
            .collect()
    };
    let mut paths = Vec::new();
    let p = dir.join("difficulty.png");
    line_chart(
        &p,
        "Relay mining probability per session (log scale)",
        "probability",
        &by(&|x| x.probability, ""),
        true,
    )?;
    paths.push(p);
    let mut relays = by(&|x| x.relays_served as f64, " served");
    relays.extend(by(&|x| x.relays_mined as f64, " mined"));
    relays.extend(by(&|x| x.target_num_relays as f64, " target"));
    let p = dir.join("relays.png");
    line_chart(
        &p,
        "Relays per session: served, mined and target (log scale)",
        "relays",
        &relays,
        true,
    )?;
    paths.push(p);
    let p = dir.join("target_error.png");
    line_chart(
        &p,
        "Target error: (mined - target) / target",
        "relative error",
        &by(&|x| x.target_error, ""),
        false,
    )?;
    paths.push(p);
    let p = dir.join("estimation_error.png");
    line_chart(
        &p,
        "Volume estimation error: (mined / p - served) / served",
        "relative error",
        &by(&|x| x.estimation_error, ""),
        false,
    )?;
    paths.push(p);
    // Cumulative token flows per actor.
    let mut acc = [0f64; 6];
    let names = [
        "applications burned",
        "suppliers",
        "source owners",
        "proposer",
        "DAO",
        "penalties",
    ];
    let mut flows: Vec<Series> = names
        .iter()
        .map(|n| ((*n).to_string(), Vec::new()))
        .collect();
    for x in &r.flow_rows {
        let f = &x.flows;
        let v = [
            (f.application_burned.get() + f.application_reimbursed.get()) as f64,
            f.supplier.get() as f64,
            f.source_owner.get() as f64,
            f.proposer.get() as f64,
            (f.dao.get() + f.application_reimbursed.get()) as f64,
            f.penalties.get() as f64,
        ];
        for (i, val) in v.iter().enumerate() {
            acc[i] += val / 1e6;
            flows[i].1.push((x.height.get() as f64, acc[i]));
        }
    }
    let p = dir.join("token_flows.png");
    line_chart(
        &p,
        "Cumulative token flows per actor (POKT)",
        "POKT",
        &flows,
        false,
    )?;
    paths.push(p);
    Ok(paths)
}
