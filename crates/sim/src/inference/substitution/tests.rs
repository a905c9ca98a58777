//! Tests of `substitution`.
#![allow(clippy::unwrap_used)]

use super::*;

fn small() -> SubstitutionConfig {
    SubstitutionConfig {
        probe_rates: vec![0.0, 4.0],
        thresholds: vec![2],
        hours: 6.0,
        requests_per_second: 0.2,
        ..SubstitutionConfig::default()
    }
}

/// Probes on: every substitute is sanctioned through pokt-qos and their traffic share falls
/// below their share of suppliers. Probes off: nothing is detected and QoS prefers the faster
/// substitutes. Removing the watcher (or its report to pokt-qos) makes this fail.
#[test]
fn probes_find_substitutes_and_qos_sanctions_them() {
    let cfg = small();
    let off = run_cell(&cfg, 8, 0, 2).unwrap();
    let on = run_cell(&cfg, 8, 1, 2).unwrap();
    assert_eq!(
        (off.detected, off.probes, off.sanctioned_at_end),
        (0, 0, 0),
        "{off:?}"
    );
    assert!(off.substituted_share > cfg.substitute_share, "{off:?}");
    assert_eq!(on.detected, on.substitutes, "{on:?}");
    assert!(on.median_delay_h < 2.0, "{on:?}");
    assert!(on.sanctioned_at_end >= on.substitutes / 2, "{on:?}");
    assert!(
        on.substituted_share < off.substituted_share / 2.0,
        "{on:?} {off:?}"
    );
    assert!(on.probe_cost > 0.0);
}

/// A hair trigger (one mismatch flags) hits nondeterministic honest suppliers; requiring
/// several in the window spares them.
#[test]
fn threshold_trades_false_positives() {
    let cfg = SubstitutionConfig {
        probe_rates: vec![8.0],
        ..small()
    };
    let hair = run_cell(&cfg, 2, 0, 1).unwrap();
    let strict = run_cell(&cfg, 2, 0, 3).unwrap();
    assert!(
        hair.false_reports_per_day > strict.false_reports_per_day,
        "{hair:?} {strict:?}"
    );
    assert!(hair.honest_sanctioned > 0, "{hair:?}");
}

#[test]
fn deterministic() {
    let cfg = SubstitutionConfig {
        hours: 1.0,
        ..small()
    };
    let a = substitution(&cfg, 1).unwrap();
    assert_eq!(a.csv_rows, substitution(&cfg, 1).unwrap().csv_rows);
    assert_ne!(a.csv_rows, substitution(&cfg, 2).unwrap().csv_rows);
}
