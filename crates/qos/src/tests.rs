//! Behaviour of the whole policy: preference, exploration, sanctions and probation, hedging,
//! retries, rollover, memory bounds. Statistical tests use fixed seeds and bounds several
//! standard deviations wide.

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use pokt_primitives::{Address, BlockHeight};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use crate::*;

fn h(x: i64) -> BlockHeight {
    BlockHeight::new(x)
}

fn ms(x: u64) -> Duration {
    Duration::from_millis(x)
}

fn secs(x: u64) -> Duration {
    Duration::from_secs(x)
}

fn window(start: i64, end: i64, grace: i64) -> SessionWindow {
    SessionWindow::new(h(start), h(end), h(grace)).unwrap()
}

/// A QoS with one session (blocks 1..=100, grace through 102) of suppliers `0..n`.
fn setup(cfg: QosConfig, n: u32) -> (Qos<u32>, Routing<u32>, ChaCha8Rng) {
    let mut q = Qos::new(cfg).unwrap();
    let mut r = Routing::new();
    r.install(&mut q, window(1, 100, 102), (), 0..n, Duration::ZERO)
        .unwrap();
    (q, r, ChaCha8Rng::seed_from_u64(42))
}

fn unary(latency: Duration) -> Simulated {
    Simulated::Answers(Success::unary(latency))
}

/// Runs `plans` requests one second apart from `t0`; `behave(supplier, rng)` decides each
/// attempt. Returns primary picks per supplier.
fn run(
    q: &mut Qos<u32>,
    r: &Routing<u32>,
    rng: &mut ChaCha8Rng,
    t0: Duration,
    plans: u64,
    mut behave: impl FnMut(u32, &mut ChaCha8Rng) -> Simulated,
) -> Vec<u64> {
    let mut picks = Vec::new();
    let mut sim_rng = ChaCha8Rng::seed_from_u64(rng.next_u64());
    for i in 0..plans {
        let now = t0 + secs(i);
        let plan = q
            .plan(r, h(50), RequestClass::Unary, now, rng)
            .expect("plan");
        let p = plan.primary().supplier as usize;
        if picks.len() <= p {
            picks.resize(p + 1, 0);
        }
        picks[p] += 1;
        q.execute(&plan, now, |a| behave(a.supplier, &mut sim_rng));
    }
    picks
}

#[test]
fn a_fast_honest_supplier_is_preferred() {
    let (mut q, r, mut rng) = setup(QosConfig::default(), 5);
    // 0: fast and honest; 1: as fast but fails 30 % of the time; 2..: four times slower.
    let behave = |s: u32, rng: &mut ChaCha8Rng| match s {
        0 => unary(ms(200)),
        1 if rng.next_u32() % 10 < 3 => Simulated::Fails {
            failure: Failure::ServerError,
            after: ms(50),
        },
        1 => unary(ms(200)),
        _ => unary(ms(800)),
    };
    run(&mut q, &r, &mut rng, Duration::ZERO, 300, behave);
    let picks = run(&mut q, &r, &mut rng, secs(300), 2000, behave);
    let share = |s: usize| picks.get(s).copied().unwrap_or(0) as f64 / 2000.0;
    assert!(share(0) > 0.5, "fast honest supplier: {picks:?}");
    assert!(share(0) > 3.0 * share(2), "{picks:?}");
    // 30 % failures cost more than being four times slower (a failure costs a retry).
    assert!(share(1) < share(2), "{picks:?}");
    let snap = q.snapshot(secs(3000));
    let score = |s: u32| {
        snap.suppliers
            .iter()
            .find(|x| x.supplier == s)
            .unwrap()
            .score
    };
    assert!(score(0) > score(2) && score(0) > score(1));
}

#[test]
fn unknown_suppliers_are_explored_and_only_with_the_share() {
    for share in [0.2, 0.0] {
        let cfg = QosConfig {
            exploration_share: share,
            ..QosConfig::default()
        };
        let (mut q, mut r, mut rng) = setup(cfg, 3);
        run(&mut q, &r, &mut rng, Duration::ZERO, 100, |_, _| {
            unary(ms(100))
        });
        // A new supplier joins (same session re-installed with one more supplier).
        r.install(&mut q, window(1, 100, 102), (), 0..4, secs(100))
            .unwrap();
        assert_eq!(q.tier(&3, secs(100)), Some(Tier::Unexplored));
        let mut explored_at = None;
        for i in 0..50u64 {
            let now = secs(100 + i);
            let plan = q
                .plan(&r, h(50), RequestClass::Unary, now, &mut rng)
                .unwrap();
            if plan.primary().supplier == 3 {
                assert_eq!(plan.pick(), Pick::Exploration);
                explored_at = Some(i);
                break;
            }
            // Known suppliers answer; the unknown one is not reached as a fallback.
            q.execute(&plan, now, |_| unary(ms(100)));
        }
        if share > 0.0 {
            // P(not explored in 50 plans) = 0.8^50 ≈ 1.4e-5.
            assert!(explored_at.is_some(), "never explored");
        } else {
            assert_eq!(explored_at, None, "explored with a zero share");
        }
    }
    // With nothing known, every plan explores.
    let (mut q, r, mut rng) = setup(QosConfig::default(), 4);
    let plan = q
        .plan(&r, h(50), RequestClass::Unary, Duration::ZERO, &mut rng)
        .unwrap();
    assert_eq!(plan.pick(), Pick::Exploration);
    assert_eq!(plan.attempts().len(), 3);
}

#[test]
fn a_sanctioned_supplier_gets_at_most_its_probation_share() {
    let share = 0.05;
    let cfg = QosConfig {
        sanctions: SanctionConfig {
            probation_share: share,
            // Keep it on probation for the whole test however well it does.
            probation_successes: u32::MAX,
            ..SanctionConfig::default()
        },
        ..QosConfig::default()
    };
    let (mut q, r, mut rng) = setup(cfg, 5);
    run(&mut q, &r, &mut rng, Duration::ZERO, 200, |s, _| {
        unary(if s == 0 { ms(50) } else { ms(500) })
    });
    // Supplier 0, the fastest, signs one answer wrongly: sanctioned for an hour.
    q.report(&0, Outcome::Failed(Failure::BadSignature), secs(200));
    let picks = run(&mut q, &r, &mut rng, secs(201), 3000, |s, _| {
        unary(if s == 0 { ms(50) } else { ms(500) })
    });
    assert_eq!(
        picks.first().copied().unwrap_or(0),
        0,
        "traffic during a severe sanction"
    );
    // After the sanction: probation, a bounded share although it is by far the fastest.
    let n = 20_000u64;
    let t0 = secs(200 + 3600);
    assert_eq!(q.tier(&0, t0), Some(Tier::Probation));
    let picks = run(&mut q, &r, &mut rng, t0, n, |s, _| {
        unary(if s == 0 { ms(50) } else { ms(500) })
    });
    let got = picks[0] as f64;
    let mean = share * n as f64;
    let sd = (n as f64 * share * (1.0 - share)).sqrt();
    assert!(got <= mean + 4.0 * sd, "{got} > {mean} + 4·{sd}");
    assert!(got >= mean - 4.0 * sd, "probation traffic missing: {got}");
    assert_eq!(q.totals().probation_picks, picks[0]);
}

#[test]
fn scores_recover_after_a_sanction_expires() {
    let (mut q, r, mut rng) = setup(QosConfig::default(), 4);
    let fast = |s: u32, _: &mut ChaCha8Rng| unary(if s == 0 { ms(50) } else { ms(400) });
    run(&mut q, &r, &mut rng, Duration::ZERO, 200, fast);
    q.report(&0, Outcome::Failed(Failure::UsageInflated), secs(200));
    let snap = q.supplier(&0, secs(200)).unwrap();
    assert_eq!(snap.tier, Tier::Sanctioned);
    let s = snap.sanction.unwrap();
    assert!(s.severe && s.reason == Failure::UsageInflated);
    assert_eq!(s.remaining_ms, 3_600_000.0);
    // Never even a fallback during the sanction.
    for i in 0..100 {
        let plan = q
            .plan(&r, h(50), RequestClass::Unary, secs(201 + i), &mut rng)
            .unwrap();
        assert!(plan.attempts().iter().all(|a| a.supplier != 0));
    }
    // After it: probation; three answers in a row make it active; then it leads again.
    let t = secs(200 + 3600);
    assert_eq!(q.tier(&0, t), Some(Tier::Probation));
    let picks = run(&mut q, &r, &mut rng, t, 3000, fast);
    assert_eq!(q.tier(&0, t + secs(3000)), Some(Tier::Active));
    assert!(picks[1..].iter().all(|&p| picks[0] > 2 * p), "{picks:?}");
    // A second offence within the forgiveness window doubles the sanction.
    let t2 = t + secs(3000);
    q.report(&0, Outcome::Failed(Failure::UsageInflated), t2);
    let s = q.supplier(&0, t2).unwrap().sanction.unwrap();
    assert_eq!(s.remaining_ms, 7_200_000.0);
}

#[test]
fn mild_failures_sanction_after_a_run_and_probation_failure_resanctions() {
    let (mut q, r, mut rng) = setup(QosConfig::default(), 3);
    let t = Duration::ZERO;
    let plan = q.plan(&r, h(50), RequestClass::Unary, t, &mut rng).unwrap();
    let a = plan.primary().clone();
    for i in 0..2 {
        q.observe(
            &a,
            Role::Primary,
            Outcome::Failed(Failure::Timeout),
            t + secs(i),
        );
        assert_eq!(q.tier(&a.supplier, t + secs(i)), Some(Tier::Active));
    }
    q.observe(
        &a,
        Role::Primary,
        Outcome::Failed(Failure::Timeout),
        t + secs(2),
    );
    let s = q.supplier(&a.supplier, t + secs(2)).unwrap();
    assert_eq!(s.tier, Tier::Sanctioned);
    assert_eq!(s.sanction.unwrap().remaining_ms, 30_000.0);
    // Probation at the end; one failure sanctions again, doubled.
    let t1 = t + secs(32);
    assert_eq!(q.tier(&a.supplier, t1), Some(Tier::Probation));
    q.observe(&a, Role::Primary, Outcome::Failed(Failure::Refused), t1);
    assert_eq!(
        q.supplier(&a.supplier, t1)
            .unwrap()
            .sanction
            .unwrap()
            .remaining_ms,
        60_000.0
    );
    // A success in between resets the run.
    let b = plan.attempts()[1].clone();
    for (i, o) in [
        Outcome::Failed(Failure::ServerError),
        Outcome::Failed(Failure::Unreachable),
        Outcome::Success(Success::unary(ms(10))),
        Outcome::Failed(Failure::ServerError),
        Outcome::Failed(Failure::ServerError),
    ]
    .into_iter()
    .enumerate()
    {
        q.observe(&b, Role::Retry, o, t + secs(i as u64));
    }
    assert_eq!(q.tier(&b.supplier, t + secs(5)), Some(Tier::Active));
    assert_eq!(q.supplier(&b.supplier, t).unwrap().counts.retries, 5);
    // With everyone else sanctioned severely, a mildly sanctioned supplier is the last resort.
    let (mut q, r, mut rng) = setup(QosConfig::default(), 2);
    q.report(&0, Outcome::Failed(Failure::ModelMismatch), t);
    for _ in 0..3 {
        q.report(&1, Outcome::Failed(Failure::Timeout), t);
    }
    let plan = q.plan(&r, h(50), RequestClass::Unary, t, &mut rng).unwrap();
    assert_eq!(
        (plan.primary().supplier, plan.pick()),
        (1, Pick::LastResort)
    );
    assert_eq!(plan.attempts().len(), 1);
    q.report(&1, Outcome::Failed(Failure::BadSignature), t);
    assert_eq!(
        q.plan(&r, h(50), RequestClass::Unary, t, &mut rng),
        Err(PlanError::AllSanctioned)
    );
}

/// Heavy-tailed suppliers: 100 ms usually, 3 s one time in twenty.
fn tail(rng: &mut ChaCha8Rng) -> Simulated {
    if rng.next_u32() % 20 == 0 {
        unary(ms(3000))
    } else {
        unary(ms(100 + u64::from(rng.next_u32() % 20)))
    }
}

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
fn rollover_keeps_the_previous_sessions_suppliers_until_grace_end() {
    let cfg = QosConfig {
        rollover: RolloverConfig {
            margin_blocks: pokt_primitives::BlockInterval::new(0),
        },
        ..QosConfig::default()
    };
    let mut q = Qos::new(cfg).unwrap();
    let mut r: Routing<u32, &str> = Routing::new();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let t = Duration::ZERO;
    // Session A: blocks 1..=4, grace through 6; suppliers 1, 2, 3.
    r.install(&mut q, window(1, 4, 6), "A", [1, 2, 3], t)
        .unwrap();
    // Its suppliers are known good.
    for i in 0..60u64 {
        let plan = q
            .plan(&r, h(3), RequestClass::Unary, secs(i), &mut rng)
            .unwrap();
        q.execute(&plan, secs(i), |_| unary(ms(100)));
    }
    // At block 5 the gateway does not know session B yet: A still serves, no error.
    let plan = q
        .plan(&r, h(5), RequestClass::Unary, secs(60), &mut rng)
        .unwrap();
    assert!(plan.attempts().iter().all(|a| a.session == h(1)));
    // B (5..=8, grace 10) has suppliers 3, 4, 5: 3 is in both.
    r.install(&mut q, window(5, 8, 10), "B", [3, 4, 5], t)
        .unwrap();
    let mut by_session = [0u32; 2];
    for i in 0..400u64 {
        let plan = q
            .plan(&r, h(6), RequestClass::Unary, secs(61 + i), &mut rng)
            .unwrap();
        for a in plan.attempts() {
            // A supplier of both sessions is routed to the newer one.
            if a.supplier == 3 {
                assert_eq!(a.session, h(5));
            }
            let expected = if a.supplier <= 2 { h(1) } else { h(5) };
            assert_eq!(a.session, expected);
            assert_eq!(
                *r.session(a.session).unwrap().tag(),
                if a.session == h(1) { "A" } else { "B" }
            );
            by_session[usize::from(a.session == h(5))] += 1;
        }
        q.execute(&plan, secs(61 + i), |_| unary(ms(100)));
    }
    assert!(by_session[0] > 0 && by_session[1] > 0, "{by_session:?}");
    // Past A's grace end only B remains.
    for i in 0..200u64 {
        let plan = q
            .plan(&r, h(7), RequestClass::Unary, secs(500 + i), &mut rng)
            .unwrap();
        assert!(plan.attempts().iter().all(|a| a.session == h(5)));
    }
    // Past B's grace end with nothing newer: an error, not a stale relay.
    assert_eq!(
        q.plan(&r, h(11), RequestClass::Unary, secs(800), &mut rng),
        Err(PlanError::NoSession { height: h(11) })
    );
    // With the default margin of one block, A stops a block early.
    let mut q2 = Qos::new(QosConfig::default()).unwrap();
    let mut r2: Routing<u32> = Routing::new();
    r2.install(&mut q2, window(1, 4, 6), (), [1], t).unwrap();
    r2.install(&mut q2, window(5, 8, 10), (), [2], t).unwrap();
    assert!(q2.plan(&r2, h(5), RequestClass::Unary, t, &mut rng).is_ok());
    for _ in 0..50 {
        let plan = q2
            .plan(&r2, h(6), RequestClass::Unary, t, &mut rng)
            .unwrap();
        assert_eq!(plan.attempts().len(), 1);
        assert_eq!(plan.primary().supplier, 2);
    }
}

#[test]
fn memory_stays_bounded_and_keeps_sanctions() {
    let cfg = QosConfig {
        max_suppliers: 8,
        ..QosConfig::default()
    };
    let mut q: Qos<u32> = Qos::new(cfg).unwrap();
    q.report(
        &1000,
        Outcome::Failed(Failure::ModelMismatch),
        Duration::ZERO,
    );
    for i in 0..100u32 {
        q.report(
            &i,
            Outcome::Success(Success::unary(ms(10))),
            secs(u64::from(i)),
        );
        assert!(q.len() <= 8);
    }
    assert_eq!(q.tier(&1000, secs(100)), Some(Tier::Sanctioned));
    assert_eq!(q.tier(&99, secs(100)), Some(Tier::Active));
    assert_eq!(q.tier(&0, secs(100)), None);
    assert!(q.totals().evictions >= 92);
    // Idle records go; the sanctioned one stays while sanctioned.
    assert_eq!(q.forget_idle(secs(10_000), secs(3600)), 7);
    assert_eq!(q.len(), 1);
    // A routing installed before an eviction still plans (its hints are checked).
    let mut r: Routing<u32> = Routing::new();
    r.install(&mut q, window(1, 10, 11), (), 0..8, Duration::ZERO)
        .unwrap();
    for i in 100..120 {
        q.report(&i, Outcome::Success(Success::unary(ms(10))), secs(20_000));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let plan = q
        .plan(&r, h(5), RequestClass::Unary, secs(20_001), &mut rng)
        .unwrap();
    assert!(plan.primary().supplier < 8);
    assert!(q.len() <= 8);
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

#[test]
fn plans_are_deterministic_for_a_seed() {
    let go = || {
        let (mut q, r, mut rng) = setup(QosConfig::default(), 12);
        let mut sim = ChaCha8Rng::seed_from_u64(5);
        let mut out = Vec::new();
        for i in 0..300u64 {
            let plan = q
                .plan(&r, h(50), RequestClass::Unary, secs(i), &mut rng)
                .unwrap();
            let e = q.execute(&plan, secs(i), |_| tail(&mut sim));
            out.push((plan, e.latency));
        }
        out
    };
    let (a, b) = (go(), go());
    assert!(a == b, "two runs with one seed differ");
}

#[test]
fn addresses_work_as_keys() {
    let mut q: Qos<Address> = Qos::new(QosConfig::default()).unwrap();
    let mut r: Routing<Address, u8> = Routing::new();
    let a: Vec<Address> = (1..=3u8).map(|b| Address::from_bytes([b; 20])).collect();
    r.install(&mut q, window(1, 4, 5), 7, a.clone(), Duration::ZERO)
        .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let plan = q
        .plan(&r, h(2), RequestClass::Unary, Duration::ZERO, &mut rng)
        .unwrap();
    assert!(a.contains(&plan.primary().supplier));
    q.observe(
        plan.primary(),
        Role::Primary,
        Outcome::Success(Success::unary(ms(5))),
        ms(5),
    );
    assert_eq!(
        q.supplier(&plan.primary().supplier, ms(5))
            .unwrap()
            .counts
            .successes,
        1
    );
}

#[cfg(feature = "serde")]
#[test]
fn snapshots_serialize_for_the_qos_endpoint() {
    let (mut q, r, mut rng) = setup(QosConfig::default(), 2);
    run(&mut q, &r, &mut rng, Duration::ZERO, 20, |_, _| {
        unary(ms(100))
    });
    q.report(&1, Outcome::Failed(Failure::BadSignature), secs(20));
    let v = serde_json::to_value(q.snapshot(secs(20))).unwrap();
    assert_eq!(v["totals"]["plans"], 20);
    let s1 = &v["suppliers"][1];
    assert_eq!(s1["supplier"], 1);
    assert_eq!(s1["tier"], "sanctioned");
    assert_eq!(s1["sanction"]["reason"], "bad_signature");
    assert_eq!(s1["counts"]["failures"][5], 1);
    assert!(v["suppliers"][0]["latency"]["p50_ms"].as_f64().unwrap() > 90.0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the suppliers do, hedges stay within burst + ratio × plans, every hedge is
    /// counted, and a plan never lists a supplier twice nor more than max_attempts.
    #[test]
    fn hedges_never_exceed_the_budget(
        seed in any::<u64>(),
        ratio in 0.0f64..0.5,
        burst in 0u32..5,
        n_suppliers in 1u32..12,
        plans in 1u64..400,
    ) {
        let mut cfg = QosConfig::default();
        cfg.hedge.budget_ratio = ratio;
        cfg.hedge.burst = burst;
        cfg.hedge.min_delay = ms(1);
        let (mut q, r, _) = setup(cfg, n_suppliers);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut sim = ChaCha8Rng::seed_from_u64(seed ^ 1);
        let mut hedged = 0u64;
        for i in 0..plans {
            let now = secs(i);
            let plan = q.plan(&r, h(50), RequestClass::Unary, now, &mut rng).unwrap();
            prop_assert!(plan.attempts().len() <= 3);
            let e = q.execute(&plan, now, |_| match sim.next_u32() % 4 {
                0 => Simulated::Fails { failure: Failure::Timeout, after: ms(u64::from(sim.next_u32() % 5000)) },
                _ => unary(ms(u64::from(sim.next_u32() % 5000))),
            });
            hedged += u64::from(e.hedged);
        }
        let t = q.totals();
        prop_assert_eq!(t.hedges, hedged);
        prop_assert!(t.hedges as f64 <= f64::from(burst) + ratio * plans as f64 + 1e-9);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the suppliers do, a plan never lists a supplier under a severe sanction, lists
    /// mildly sanctioned ones after every other candidate (primary only as a last resort), and a
    /// severe failure always sanctions at once for at least its base duration.
    #[test]
    fn sanctions_hold_under_any_behaviour(
        seed in any::<u64>(),
        n_suppliers in 1u32..8,
        steps in 1u64..300,
        bad_rate in 0u32..30,
    ) {
        let (mut q, r, _) = setup(QosConfig::default(), n_suppliers);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut sim = ChaCha8Rng::seed_from_u64(seed ^ 7);
        let base = SanctionConfig::default().bad_signature;
        let mut severe_since: Vec<Option<Duration>> = vec![None; n_suppliers as usize];
        let mut bad_seen: Vec<u64> = vec![0; n_suppliers as usize];
        for i in 0..steps {
            let now = secs(i * 7);
            let plan = match q.plan(&r, h(50), RequestClass::Unary, now, &mut rng) {
                Ok(p) => p,
                Err(PlanError::AllSanctioned) => continue,
                Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
            };
            let tiers: Vec<_> = plan.attempts().iter().map(|a| q.supplier(&a.supplier, now).unwrap()).collect();
            for s in &tiers {
                prop_assert!(s.sanction.as_ref().is_none_or(|x| !x.severe), "severely sanctioned supplier planned");
            }
            // Mildly sanctioned suppliers come last, and are primary only as a last resort.
            if let Some(first) = tiers.iter().position(|s| s.tier == Tier::Sanctioned) {
                prop_assert!(tiers[first..].iter().all(|s| s.tier == Tier::Sanctioned));
                if first == 0 {
                    prop_assert_eq!(plan.pick(), Pick::LastResort);
                }
            }
            q.execute(&plan, now, |_| {
                let x = sim.next_u32() % 100;
                if x < bad_rate {
                    Simulated::Fails { failure: Failure::BadSignature, after: ms(20) }
                } else if x < 2 * bad_rate {
                    Simulated::Fails { failure: Failure::Timeout, after: ms(500) }
                } else {
                    unary(ms(50 + u64::from(x)))
                }
            });
            // Bad signatures observed in this request (an attempt that lost a race is abandoned,
            // not failed, so they are read from the counters).
            for s in 0..n_suppliers {
                let bad = q.supplier(&s, now).unwrap().counts.failures_of(Failure::BadSignature);
                if bad > bad_seen[s as usize] {
                    bad_seen[s as usize] = bad;
                    let since = *severe_since[s as usize].get_or_insert(now);
                    // Sanctioned at once, and still so within the base duration of the first.
                    prop_assert_eq!(q.tier(&s, now + secs(5)), Some(Tier::Sanctioned));
                    prop_assert_eq!(q.tier(&s, since + base - ms(1)), Some(Tier::Sanctioned));
                }
            }
        }
    }
}
