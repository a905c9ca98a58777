//! Choosing suppliers: the fast honest one preferred, unknown ones explored within their share,
//! sanctions, probation and recovery.

use super::*;

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
