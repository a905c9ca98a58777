//! Tests of `marketplace`: each fails if the mechanism it names is removed.

use super::run::{Row, run_market};
use super::*;

fn small() -> MarketConfig {
    MarketConfig {
        epochs: 40,
        relays_per_epoch: 8_000.0,
        capacity: 500_000.0,
        fixed_cost: 160_000.0,
        ..MarketConfig::default()
    }
}

fn suppliers_of(rows: &[Row], svc: usize, epoch: usize) -> usize {
    rows.iter()
        .find(|r| r.service == svc && r.epoch == epoch)
        .map_or(0, |r| r.suppliers)
}

fn served_share(rows: &[Row], svc: usize, from: usize) -> f64 {
    let rs: Vec<&Row> = rows
        .iter()
        .filter(|r| r.service == svc && r.epoch >= from)
        .collect();
    rs.iter().map(|r| r.served_relays).sum::<u64>() as f64
        / rs.iter().map(|r| r.demand_relays).sum::<u64>().max(1) as f64
}

/// Token-metered, mobile suppliers follow the rising model; immobile ones cannot, and its
/// demand goes unserved. Removing mobility makes the first assertions fail.
#[test]
fn supply_follows_demand_only_when_suppliers_move() {
    let cfg = small();
    let last = cfg.services.len() - 1;
    let mobile = run_market(&cfg, 3, Pricing::TokenMetered).unwrap();
    let stuck = run_market(
        &MarketConfig {
            mobility: false,
            ..cfg.clone()
        },
        3,
        Pricing::TokenMetered,
    )
    .unwrap();
    assert_eq!(suppliers_of(&stuck, last, cfg.epochs - 1), 0);
    assert!(
        suppliers_of(&mobile, last, cfg.epochs - 1) >= 5,
        "{:?}",
        mobile.last()
    );
    assert!(
        served_share(&mobile, last, 30) > 0.8,
        "{}",
        served_share(&mobile, last, 30)
    );
    assert!(served_share(&stuck, last, 30) < 0.01);
}

/// Token-metered: the Source's revenue is proportional to the compute units its model
/// served; fixed per relay, a model with long completions earns less per token than it costs.
#[test]
fn sources_paid_for_tokens_and_fixed_pricing_misprices_long_completions() {
    let cfg = small();
    let metered = run_market(&cfg, 4, Pricing::TokenMetered).unwrap();
    for r in metered.iter().filter(|r| r.compute_units > 0) {
        let per_cu = r.source_upokt as f64 / r.compute_units as f64;
        // 0.14599 uPOKT/CU × 0.975 mint × 0.025 source share (plus a little global mint).
        assert!(
            (per_cu / (0.14599 * 0.975 * 0.025) - 1.0).abs() < 0.05,
            "{r:?}"
        );
    }
    let m = &cfg.services[cfg.services.len() - 1];
    assert!(relay_margin(&cfg, m, 8_000, Pricing::FixedPerRelay) < -0.5);
    assert!(relay_margin(&cfg, m, 20, Pricing::FixedPerRelay) > 1.0);
    let a = relay_margin(&cfg, m, 8_000, Pricing::TokenMetered);
    let b = relay_margin(&cfg, m, 20, Pricing::TokenMetered);
    assert!(a > 0.0 && b > 0.0, "{a} {b}");
}

#[test]
fn deterministic() {
    let cfg = MarketConfig {
        epochs: 15,
        relays_per_epoch: 2_000.0,
        ..small()
    };
    let a = marketplace(&cfg, 1).unwrap();
    assert_eq!(a.csv_rows, marketplace(&cfg, 1).unwrap().csv_rows);
    assert_ne!(a.csv_rows, marketplace(&cfg, 2).unwrap().csv_rows);
}
