//! Hedges and retries: a lower p99 within the budget, ordered distinct retries, hanging
//! suppliers, streams scored on time to first token.

use super::*;

fn p99(mut xs: Vec<Duration>) -> Duration {
    xs.sort_unstable();
    xs[xs.len() * 99 / 100]
}

#[test]
fn hedging_lowers_the_p99_within_the_budget() {
    let mut results = Vec::new();
    for enabled in [true, false] {
        let mut cfg = QosConfig::default();
        cfg.hedge.enabled = enabled;
        let (mut q, r, mut rng) = setup(cfg.clone(), 10);
        let mut sim = ChaCha8Rng::seed_from_u64(9);
        let mut lat = Vec::new();
        let mut relays = 0u64;
        let n = 5000u64;
        for i in 0..n {
            let now = secs(i);
            let plan = q
                .plan(&r, h(50), RequestClass::Unary, now, &mut rng)
                .unwrap();
            let e = q.execute(&plan, now, |_| tail(&mut sim));
            assert!(e.winner.is_some());
            lat.push(e.latency);
            relays += u64::from(e.relays);
        }
        let extra = relays - n;
        let t = q.totals();
        assert_eq!(extra, t.hedges + t.retries);
        assert!(
            extra as f64 <= f64::from(cfg.hedge.burst) + cfg.hedge.budget_ratio * n as f64,
            "{extra} extra relays"
        );
        results.push((p99(lat), extra, t.hedges, t.hedge_wins));
    }
    let (with, without) = (results[0], results[1]);
    assert_eq!(without.1, 0);
    assert!(with.2 > 0 && with.3 > 0, "{with:?}");
    assert!(without.0 >= ms(3000), "{without:?}");
    assert!(
        with.0 < ms(1000),
        "hedged p99 {:?} vs {:?}",
        with.0,
        without.0
    );
}

#[test]
fn retries_are_ordered_bounded_and_distinct() {
    let (mut q, r, mut rng) = setup(QosConfig::default(), 6);
    let mut cfg_attempts = 0;
    for i in 0..50u64 {
        let now = secs(i);
        let plan = q
            .plan(&r, h(50), RequestClass::Stream, now, &mut rng)
            .unwrap();
        let mut seen: Vec<u32> = plan.attempts().iter().map(|a| a.supplier).collect();
        cfg_attempts = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen.len(),
            plan.attempts().len(),
            "attempts repeat a supplier"
        );
        let e = q.execute(&plan, now, |_| Simulated::Fails {
            failure: Failure::Unreachable,
            after: ms(5),
        });
        assert!(e.winner.is_none());
        assert!(e.relays as usize <= plan.attempts().len());
    }
    assert_eq!(cfg_attempts, 3);
    // Fallbacks are the best-scored active suppliers.
    let (mut q, r, mut rng) = setup(QosConfig::default(), 4);
    run(&mut q, &r, &mut rng, Duration::ZERO, 400, |s, _| {
        unary(ms(100 * (u64::from(s) + 1)))
    });
    for i in 0..100u64 {
        let plan = q
            .plan(&r, h(50), RequestClass::Unary, secs(400 + i), &mut rng)
            .unwrap();
        let fallbacks: Vec<u32> = plan.attempts()[1..].iter().map(|a| a.supplier).collect();
        let mut sorted = fallbacks.clone();
        sorted.sort_unstable();
        assert_eq!(fallbacks, sorted, "fallbacks not in score order");
    }
}

#[test]
fn a_hanging_supplier_beaten_by_hedges_loses_its_score() {
    let (mut q, r, mut rng) = setup(QosConfig::default(), 3);
    run(&mut q, &r, &mut rng, Duration::ZERO, 300, |_, _| {
        unary(ms(100))
    });
    let before = q.supplier(&0, secs(300)).unwrap().score;
    // Supplier 0 now takes 20 s, so whenever it is primary the hedge answers first.
    run(&mut q, &r, &mut rng, secs(300), 600, |s, _| {
        unary(if s == 0 { secs(20) } else { ms(100) })
    });
    let after = q.supplier(&0, secs(900)).unwrap();
    assert!(after.counts.abandoned > 0, "{after:?}");
    assert!(after.score < before / 2.0, "{before} → {}", after.score);
}

#[test]
fn streams_are_scored_and_hedged_on_time_to_first_token() {
    let mut cfg = QosConfig::default();
    cfg.hedge.min_samples = 4;
    let (mut q, r, mut rng) = setup(cfg, 2);
    // Supplier 0: quick first token, slow tokens; 1: slow first token, quick tokens.
    for i in 0..400u64 {
        let now = secs(i);
        let plan = q
            .plan(&r, h(50), RequestClass::Stream, now, &mut rng)
            .unwrap();
        q.execute(&plan, now, |a| {
            Simulated::Answers(if a.supplier == 0 {
                Success::stream(ms(100), ms(100 + 100 * 20), 100)
            } else {
                Success::stream(ms(900), ms(900 + 100 * 5), 100)
            })
        });
    }
    let s0 = q.supplier(&0, secs(400)).unwrap();
    let s1 = q.supplier(&1, secs(400)).unwrap();
    let p50 = s0.ttft.p50_ms.unwrap();
    assert!((94.0..=106.0).contains(&p50), "{p50}");
    assert!((s0.ms_per_token.unwrap() - 20.0).abs() < 1.0);
    assert!((s1.ms_per_token.unwrap() - 5.0).abs() < 1.0);
    assert_eq!(s0.latency.p50_ms, None);
    // Both count (ttft/500 + tpt/50): 0 → 0.2 + 0.4, 1 → 1.8 + 0.1.
    assert!(s0.stream_score > s1.stream_score);
    // A stream's hedge waits for the primary's first-token quantile, not its whole answer.
    for _ in 0..50 {
        let plan = q
            .plan(&r, h(50), RequestClass::Stream, secs(400), &mut rng)
            .unwrap();
        if plan.primary().supplier == 0 && plan.pick() == Pick::Ranked {
            let d = plan.hedge_after().unwrap();
            assert!(d >= ms(90) && d <= ms(110), "{d:?}");
            return;
        }
    }
    panic!("supplier 0 never ranked first");
}
