//! End-to-end properties of the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

use pokt_sim::{
    ControllerKind, MiningMode, Scenario, SimError, Simulation, Traffic, run, write_csv,
};

fn small() -> Scenario {
    let mut sc = Scenario::default_scenario().unwrap();
    sc.sessions = 30;
    sc.applications.count = 20;
    sc.suppliers.count = 20;
    sc
}

#[test]
fn default_scenario_parses() {
    let sc = Scenario::default_scenario().unwrap();
    assert_eq!(sc.services.len(), 2);
    assert!(Scenario::from_toml("name = 1").is_err());
}

#[test]
fn same_seed_same_csv_different_seed_different_csv() {
    let dir = std::env::temp_dir().join(format!("pokt-sim-test-{}", std::process::id()));
    let read = |sc: &Scenario, sub: &str| {
        let d = dir.join(sub);
        write_csv(&run(sc, &|_, _| {}).unwrap(), &d).unwrap();
        std::fs::read_to_string(d.join("timeseries.csv")).unwrap()
    };
    let sc = small();
    let a = read(&sc, "a");
    let b = read(&sc, "b");
    assert_eq!(a, b);
    let mut other = sc.clone();
    other.seed += 1;
    assert_ne!(a, read(&other, "c"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Exact mining (every relay hashed against the target) and the binomial draw agree in
/// distribution: the mined fraction over a run matches.
#[test]
fn sampled_agrees_with_exact() {
    let mut sc = small();
    sc.services.truncate(1);
    sc.services[0].traffic = Traffic::Steady { rate: 2_000.0 };
    sc.services[0].target_num_relays = 2_000; // p settles well below 1
    sc.suppliers.fake_claimers = 0;
    sc.mining = MiningMode::Exact;
    let exact = run(&sc, &|_, _| {}).unwrap();
    sc.mining = MiningMode::Sampled;
    let sampled = run(&sc, &|_, _| {}).unwrap();
    let tail = |r: &pokt_sim::Report| -> (f64, f64) {
        let rows = &r.rows[10..];
        let mined: f64 = rows.iter().map(|x| x.relays_mined as f64).sum();
        let served: f64 = rows.iter().map(|x| x.relays_served as f64).sum();
        (mined, served)
    };
    let (me, se) = tail(&exact);
    let (ms, ss) = tail(&sampled);
    assert!(exact.relays_exact > 0 && exact.relays_sampled == 0);
    assert!(sampled.relays_sampled > 0 && sampled.relays_exact == 0);
    // Exact mode claims from real session trees (every claim passed the chain's claim checks).
    assert!(exact.claims_with_tree_roots > 0);
    assert_eq!(
        exact.claims_with_tree_roots,
        exact.claims_settled + exact.claims_expired + exact.claims_discarded
    );
    assert_eq!(sampled.claims_with_tree_roots, 0);
    let (pe, ps) = (me / se, ms / ss);
    assert!(pe < 0.9, "the difficulty bit: p = {pe}");
    assert!(
        (pe - ps).abs() < 0.05 * pe,
        "exact p {pe} vs sampled p {ps}"
    );
}

/// The paper's controller settles the mined relays at the target; poktroll's settles at
/// √(target · relays), above it (spec/mining.md).
#[test]
fn controllers_settle_where_the_arithmetic_says() {
    let mut sc = small();
    sc.sessions = 120;
    sc.services.truncate(1);
    sc.services[0].traffic = Traffic::Steady { rate: 100_000.0 }; // 1e6 relays per session
    sc.services[0].target_num_relays = 10_000;
    sc.suppliers.fake_claimers = 0;
    sc.mining = MiningMode::Sampled;
    let mean_tail = |r: &pokt_sim::Report| {
        let rows = &r.rows[80..];
        rows.iter().map(|x| x.relays_mined as f64).sum::<f64>() / rows.len() as f64
    };
    sc.controller = ControllerKind::Paper;
    let paper = mean_tail(&run(&sc, &|_, _| {}).unwrap());
    sc.controller = ControllerKind::Poktroll;
    let poktroll = mean_tail(&run(&sc, &|_, _| {}).unwrap());
    assert!(
        (paper / 10_000.0 - 1.0).abs() < 0.1,
        "paper settles at the target: {paper}"
    );
    let sqrt = (10_000.0f64 * 1e6).sqrt();
    assert!(
        (poktroll / sqrt - 1.0).abs() < 0.1,
        "poktroll settles at sqrt(T*R) = {sqrt}: {poktroll}"
    );
}

#[test]
fn stepping_a_simulation_is_the_run() {
    let sc = small();
    let whole = run(&sc, &|_, _| {}).unwrap();
    let mut sim = Simulation::new(&sc).unwrap();
    let mut steps = Vec::new();
    while let Some(done) = sim.step().unwrap() {
        steps.push(done);
        // Each step adds one row per service; settlement lags the sessions it settles.
        assert_eq!(
            sim.report().rows.len() as u64,
            done * sc.services.len() as u64
        );
        assert!(sim.report().flow_rows.len() as u64 <= done);
    }
    assert_eq!(steps, (1..=sc.sessions).collect::<Vec<_>>());
    assert_eq!(sim.step().unwrap(), None);
    let stepped = sim.finish().unwrap();
    assert!(!stepped.flow_rows.is_empty());
    assert_eq!(stepped, whole);
    // Finishing early runs the remaining sessions.
    let mut early = Simulation::new(&sc).unwrap();
    early.step().unwrap();
    assert_eq!(early.finish().unwrap(), whole);
}

#[test]
fn refusals_are_structured() {
    let mut sc = small();
    sc.sessions = 0;
    assert!(matches!(
        Simulation::new(&sc),
        Err(SimError::Scenario {
            field: "sessions, num_blocks_per_session",
            ..
        })
    ));
    let mut sc = small();
    sc.services[1].id = "not a service id!".into();
    assert!(matches!(
        run(&sc, &|_, _| {}),
        Err(SimError::ServiceId { index: 1, .. })
    ));
    assert!(matches!(
        Scenario::from_toml("name = 1"),
        Err(SimError::Toml(_))
    ));
    assert!(matches!(
        Traffic::from_csv("relays\n3\nx\n"),
        Err(SimError::Trace { line: 3 })
    ));
    assert!(matches!(
        pokt_sim::run_experiment("nope", 1),
        Err(SimError::UnknownExperiment { .. })
    ));
}
