//! Session rollover and bounded memory.

use super::*;

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
