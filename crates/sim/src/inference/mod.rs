//! The seed paper's claims about permissionless LLM inference, measured: decentralized routing
//! against one centralized endpoint (`qos-parity`), the marketplace that pays Sources and draws
//! Suppliers (`marketplace`), and watchers that detect model substitution (`substitution`).
//!
//! Each experiment is a function of its configuration and a seed and drives the real libraries:
//! routing is [`pokt_qos::Qos`] itself (plans, hedges, retries, sanctions), prices are
//! `pokt_relay::llm::TokenPricing`, `pokt_tokenomics::claimed_upokt` and `settle_block`. They
//! return an [`ExperimentReport`] whose CSV rows and [`Figure`]s `pokt simulate --experiment NAME`
//! writes into `./out/`. [SIM-INF-1]
// Counts become floats for statistics and back: every value is far below 2^53.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

mod config;
mod figure;
mod marketplace;
mod qos_parity;
mod substitution;

pub use config::{CONFIGURABLE_EXPERIMENTS, ExperimentConfig};
pub use figure::{Figure, FigureKind, write_figures};
pub use marketplace::{MarketConfig, Pricing as MarketPricing, ServiceModel, marketplace};
pub use qos_parity::{QosParityConfig, qos_parity};
pub use substitution::{SubstitutionConfig, substitution};

#[cfg(doc)]
use crate::ExperimentReport;
use crate::rng::SimRng;

/// The simulator's generator as the `rand_core` generator pokt-qos takes (same stream).
pub(crate) struct QosRng(pub(crate) SimRng);

impl rand_core::TryRng for QosRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.0.next_u64() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let b = self.0.next_u64().to_le_bytes();
            chunk.copy_from_slice(b.get(..chunk.len()).unwrap_or(&[]));
        }
        Ok(())
    }
}

/// `Err("{field}: must be {requirement}")` unless `ok` (configuration checks).
pub(crate) fn check(ok: bool, field: &str, requirement: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("{field}: must be {requirement}"))
    }
}

/// A standard normal draw (Box–Muller, one of the pair).
pub(crate) fn normal(rng: &mut SimRng) -> f64 {
    let u = 1.0 - rng.next_f64();
    let v = rng.next_f64();
    (-2.0 * u.ln()).sqrt() * (core::f64::consts::TAU * v).cos()
}

/// A log-normal draw with the given median and log-space standard deviation.
pub(crate) fn lognormal(rng: &mut SimRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// The `q` quantile of `xs` (sorted in place), by linear interpolation; NaN when empty.
pub(crate) fn quantile(xs: &mut [f64], q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_unstable_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (xs.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (
        xs.get(lo).copied().unwrap_or(f64::NAN),
        xs.get(hi).copied().unwrap_or(f64::NAN),
    );
    a + (b - a) * (pos - lo as f64)
}

/// A CSV field for a float: 6 significant decimals, `NaN` kept as is.
pub(crate) fn f(x: f64) -> String {
    if x.is_finite() {
        let s = format!("{x:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s.is_empty() || s == "-" {
            "0".into()
        } else {
            s.into()
        }
    } else {
        "NaN".into()
    }
}
