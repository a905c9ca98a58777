//! Determinism, address keys, snapshot serialization, and property tests.

use super::*;

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
