//! Tests of `qos_parity`.
#![allow(clippy::unwrap_used)]

use super::*;

fn small() -> QosParityConfig {
    QosParityConfig {
        supplier_counts: vec![1, 10],
        failure_rates: vec![0.1],
        requests: 1_500,
        ..QosParityConfig::default()
    }
}

fn cell(cfg: &QosParityConfig, n: usize, r: Router) -> CellResult {
    run_cell(cfg, 5, n, 0, r).unwrap()
}

/// pokt-qos over ten suppliers answers nearly every request where the centralized endpoint
/// fails one in ten; with QoS off (a uniform supplier, one call) the ten suppliers do no
/// better than the endpoint. Removing the QoS mechanism makes the first assertion fail.
#[test]
fn qos_beats_the_single_endpoint_and_random_does_not() {
    let cfg = small();
    let q = cell(&cfg, 10, Router::Qos);
    let c = cell(&cfg, 10, Router::Central);
    let r = cell(&cfg, 10, Router::Random);
    assert!((c.success_rate - 0.9).abs() < 0.03, "{c:?}");
    assert!(q.success_rate > 0.985, "{q:?}");
    assert!(q.success_rate > c.success_rate + 0.07, "{q:?} {c:?}");
    assert!(
        (r.success_rate - c.success_rate).abs() < 0.04,
        "{r:?} {c:?}"
    );
    // The price: extra relays, within the retry and hedge bounds.
    assert!(
        q.relays_per_request > 1.0 && q.relays_per_request < 1.5,
        "{q:?}"
    );
    assert!(q.hedged_share > 0.0, "{q:?}");
}

/// With one supplier there is nothing to route around: pokt-qos is the endpoint.
#[test]
fn one_supplier_is_one_endpoint() {
    let cfg = small();
    let q = cell(&cfg, 1, Router::Qos);
    let r = cell(&cfg, 1, Router::Random);
    assert!(
        (q.success_rate - r.success_rate).abs() < 0.03,
        "{q:?} {r:?}"
    );
    assert!((q.relays_per_request - 1.0).abs() < 1e-9, "{q:?}");
}

/// Same seed, same CSV; another seed, another CSV.
#[test]
fn deterministic() {
    let cfg = QosParityConfig {
        requests: 300,
        ..small()
    };
    let a = qos_parity(&cfg, 9).unwrap();
    let b = qos_parity(&cfg, 9).unwrap();
    assert_eq!(a.csv_rows, b.csv_rows);
    assert_eq!(a.figures, b.figures);
    assert_ne!(a.csv_rows, qos_parity(&cfg, 10).unwrap().csv_rows);
}
