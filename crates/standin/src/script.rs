//! The scripted behaviours' draws: one seeded generator per server, three draws per completion
//! request in arrival order (error, and two for the log-normal latency), so a seed and an order
//! of requests give the same script every run.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::config::StandIn;

/// The z-score of the 99th percentile of the standard normal distribution.
const Z99: f64 = 2.326_347_874_040_841;

/// What the script decided for one request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Decision {
    /// The request's number (1 for the first completion request).
    pub(crate) n: u64,
    /// Added delay before the answer (latency, plus the slow request's extra).
    pub(crate) delay: Duration,
    /// Whether to answer `500`.
    pub(crate) fail: bool,
}

/// The per-server script state.
#[derive(Debug)]
pub(crate) struct Script {
    count: AtomicU64,
    rng: Mutex<ChaCha8Rng>,
}

/// A uniform draw in `[0, 1)` with 53 bits.
fn unit(rng: &mut ChaCha8Rng) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let x = (rng.next_u64() >> 11) as f64;
    x * (1.0 / 9_007_199_254_740_992.0)
}

fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // std's RandomState is keyed from the OS's randomness once per process, then varied.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(u64::from(std::process::id()));
    h.finish()
}

impl Script {
    pub(crate) fn new(seed: Option<u64>) -> Self {
        Self {
            count: AtomicU64::new(0),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed.unwrap_or_else(fresh_seed))),
        }
    }

    /// Counts a completion request and draws its behaviour.
    pub(crate) fn next(&self, cfg: &StandIn) -> Decision {
        let (n, u_err, u1, u2) = {
            let mut rng = self
                .rng
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Numbered under the lock so the n-th request gets the n-th draws.
            let n = self.count.fetch_add(1, Ordering::Relaxed) + 1;
            (n, unit(&mut rng), unit(&mut rng), unit(&mut rng))
        };
        let mut delay = latency(cfg, u1, u2);
        if cfg.slow_every > 0 && n % cfg.slow_every == 0 {
            delay = delay.saturating_add(cfg.slow);
        }
        Decision {
            n,
            delay,
            fail: u_err < cfg.error_rate,
        }
    }
}

/// The added latency for uniforms `u1`, `u2`: fixed, or log-normal (Box–Muller) with median
/// `latency` and 99th percentile `latency_p99`, capped at ten times the p99.
fn latency(cfg: &StandIn, u1: f64, u2: f64) -> Duration {
    let Some(p99) = cfg.latency_p99 else {
        return cfg.latency;
    };
    let median = cfg.latency.as_secs_f64();
    if median <= 0.0 {
        return Duration::ZERO;
    }
    let sigma = (p99.as_secs_f64() / median).ln() / Z99;
    // u1 in (0, 1] so that its logarithm is finite.
    let z = (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let secs = (median * (sigma * z).exp()).min(10.0 * p99.as_secs_f64());
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::ZERO)
}

/// `completion_tokens` as reported with the inflation factor.
pub(crate) fn inflate(tokens: u64, factor: f64) -> u64 {
    if (factor - 1.0).abs() < f64::EPSILON {
        return tokens;
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let v = (tokens as f64 * factor).round() as u64;
    v
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn fixed_latency_and_slow_every_k() {
        let cfg = StandIn {
            latency: ms(7),
            slow_every: 3,
            slow: ms(100),
            ..StandIn::default()
        };
        let s = Script::new(Some(1));
        let d: Vec<Duration> = (0..7).map(|_| s.next(&cfg).delay).collect();
        assert_eq!(
            d,
            [ms(7), ms(7), ms(107), ms(7), ms(7), ms(107), ms(7)],
            "every third request is slow"
        );
    }

    #[test]
    fn log_normal_latency_has_the_median_and_p99() {
        let cfg = StandIn {
            latency: ms(20),
            latency_p99: Some(ms(200)),
            seed: Some(7),
            ..StandIn::default()
        };
        let s = Script::new(cfg.seed);
        let mut d: Vec<f64> = (0..20_000)
            .map(|_| s.next(&cfg).delay.as_secs_f64() * 1e3)
            .collect();
        d.sort_by(f64::total_cmp);
        let (p50, p99) = (d[10_000], d[19_800]);
        assert!((18.0..22.0).contains(&p50), "p50 {p50} ms");
        assert!((170.0..235.0).contains(&p99), "p99 {p99} ms");
        assert!(d[19_999] <= 2_000.0, "capped at 10 × p99");
    }

    #[test]
    fn the_error_rate_is_a_share_and_the_seed_repeats_it() {
        let cfg = StandIn {
            error_rate: 0.25,
            ..StandIn::default()
        };
        let run = |seed| {
            let s = Script::new(Some(seed));
            (0..4_000).map(|_| s.next(&cfg).fail).collect::<Vec<_>>()
        };
        let a = run(42);
        let failed = a.iter().filter(|f| **f).count();
        assert!((850..1_150).contains(&failed), "{failed} of 4000");
        assert_eq!(a, run(42), "same seed, same script");
        assert_ne!(a, run(43), "another seed, another script");
        let never = StandIn::default();
        let s = Script::new(None);
        assert!((0..1_000).all(|_| !s.next(&never).fail));
    }

    #[test]
    fn inflation_rounds() {
        assert_eq!(inflate(12, 1.0), 12);
        assert_eq!(inflate(12, 3.0), 36);
        assert_eq!(inflate(5, 1.5), 8);
        assert_eq!(inflate(5, 0.0), 0);
    }
}
