//! Behaviour of the whole policy: preference, exploration, sanctions and probation, hedging,
//! retries, rollover, memory bounds. Statistical tests use fixed seeds and bounds several
//! standard deviations wide.

mod hedging;
mod properties;
mod selection;
mod sessions;

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

/// Heavy-tailed suppliers: 100 ms usually, 3 s one time in twenty.
fn tail(rng: &mut ChaCha8Rng) -> Simulated {
    if rng.next_u32() % 20 == 0 {
        unary(ms(3000))
    } else {
        unary(ms(100 + u64::from(rng.next_u32() % 20)))
    }
}
