//! `marketplace`: K models (services), each with a Source owner, whose popularity shifts over
//! time; suppliers with hardware costs enter, leave or re-stake the service that pays best each
//! epoch. Every epoch's claims are settled by `pokt_tokenomics::settle_block` with mainnet
//! tokenomics params, their values computed by `claimed_upokt` from compute units that are either
//! fixed per relay (POKT) or token-metered through `pokt_relay::llm::TokenPricing`
//! (LLM-METER-1). [SIM-INF-MKT-1] [SIM-INF-MKT-2]

use pokt_primitives::{Address, ComputeUnits, SharedParams, TargetHash, TokenomicsParams, Upokt};
use pokt_relay::llm::{TokenPricing, Usage};
use pokt_tokenomics::{ClaimPricing, claimed_upokt};
use sha2::{Digest, Sha256};

use self::report::{figures, summary};
use self::run::{Row, run_market};
use super::f;
use crate::SimError;
use crate::experiments::ExperimentReport;

/// One model offered as a service (a `[[services]]` table in the TOML; `completion_growth`,
/// `trend` and `launch_epoch` may be left out: 0).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceModel {
    /// Service id (also the model's name).
    pub name: String,
    /// Hardware per supplier relative to the smallest model (fixed cost per epoch and price per
    /// token scale with it).
    pub size: f64,
    /// Median prompt length (tokens), log-normal.
    pub prompt_median: f64,
    /// Median completion length (tokens) at launch, log-normal.
    pub completion_median: f64,
    /// Growth of the median completion per epoch (reasoning models think longer over time).
    #[serde(default)]
    pub completion_growth: f64,
    /// Popularity weight at launch.
    pub popularity: f64,
    /// Change of log-popularity per epoch after launch.
    #[serde(default)]
    pub trend: f64,
    /// Epoch the model appears.
    #[serde(default)]
    pub launch_epoch: usize,
}

/// How relays are priced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pricing {
    /// POKT: a fixed number of compute units per relay, set per service when it launches to the
    /// price of its mean request at that time.
    FixedPerRelay,
    /// Token-metered (LLM-METER-1): `size × (prompt + 4 × completion)` compute units per relay.
    TokenMetered,
}

impl Pricing {
    fn name(self) -> &'static str {
        match self {
            Self::FixedPerRelay => "fixed",
            Self::TokenMetered => "metered",
        }
    }
}

/// The assumptions of `marketplace`. As TOML (every key optional; `services` replaces the whole
/// list): [`ExperimentConfig`](super::ExperimentConfig). [SIM-INF-CFG-1]
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketConfig {
    /// The models.
    pub services: Vec<ServiceModel>,
    /// Epochs simulated (one settlement each).
    pub epochs: usize,
    /// Relays demanded in the first epoch, over all services.
    pub relays_per_epoch: f64,
    /// Growth of total demand per epoch.
    pub demand_growth: f64,
    /// Log-space spread of prompt and completion lengths.
    pub length_sigma: f64,
    /// Longest completion (tokens).
    pub max_completion: f64,
    /// Suppliers at the start, spread over the services by demand.
    pub initial_suppliers: usize,
    /// New suppliers that may enter per epoch (when some service is profitable).
    pub entrants_per_epoch: usize,
    /// Share of suppliers that reconsider their service each epoch (re-staking friction).
    pub reconsider_share: f64,
    /// Whether suppliers enter, leave and re-stake at all (off: the initial allocation stays).
    /// [`marketplace`] sets it per run (its third run is the immobile one), so it is no TOML key.
    #[serde(skip)]
    pub mobility: bool,
    /// Work (completion tokens + prompt tokens / 4) one supplier serves per epoch.
    pub capacity: f64,
    /// Hardware cost per epoch of a supplier of size 1, uPOKT.
    pub fixed_cost: f64,
    /// Spread of supplier efficiency: costs are multiplied by a uniform draw in [1 − x, 1 + x].
    pub efficiency_spread: f64,
    /// Epochs in a row at a loss after which a supplier leaves.
    pub patience: u32,
}

impl Default for MarketConfig {
    fn default() -> Self {
        let m = |name: &str, size, prompt, completion, growth, popularity, trend, launch| {
            ServiceModel {
                name: name.into(),
                size,
                prompt_median: prompt,
                completion_median: completion,
                completion_growth: growth,
                popularity,
                trend,
                launch_epoch: launch,
            }
        };
        Self {
            services: vec![
                m("chat-8b", 1.0, 400.0, 200.0, 0.0, 1.0, -0.02, 0),
                m("chat-70b", 6.0, 600.0, 300.0, 0.0, 0.5, 0.0, 0),
                m("code-32b", 3.0, 1500.0, 400.0, 0.0, 0.3, 0.01, 0),
                m("vision-12b", 2.0, 800.0, 150.0, 0.0, 0.25, -0.01, 0),
                m("reason-70b", 6.0, 500.0, 1200.0, 0.01, 0.05, 0.06, 12),
            ],
            epochs: 60,
            relays_per_epoch: 120_000.0,
            demand_growth: 1.01,
            length_sigma: 0.9,
            max_completion: 32_768.0,
            initial_suppliers: 40,
            entrants_per_epoch: 4,
            reconsider_share: 0.25,
            mobility: true,
            capacity: 2_500_000.0,
            fixed_cost: 800_000.0,
            efficiency_spread: 0.2,
            patience: 2,
        }
    }
}

impl MarketConfig {
    /// The ranges the experiment relies on; the message names the field.
    pub(crate) fn validate(&self) -> Result<(), String> {
        use super::check;
        check(
            (1..=64).contains(&self.services.len()),
            "services",
            "1 to 64 models",
        )?;
        for (i, s) in self.services.iter().enumerate() {
            pokt_primitives::ServiceId::new(&s.name)
                .map_err(|e| format!("services.{i}.name: {e}"))?;
            for (v, name) in [
                (s.size, "size"),
                (s.prompt_median, "prompt_median"),
                (s.completion_median, "completion_median"),
                (s.popularity, "popularity"),
            ] {
                check(
                    v.is_finite() && v > 0.0,
                    &format!("services.{i}.{name}"),
                    "positive",
                )?;
            }
            for (v, name) in [
                (s.completion_growth, "completion_growth"),
                (s.trend, "trend"),
            ] {
                check(
                    (-1.0..=1.0).contains(&v),
                    &format!("services.{i}.{name}"),
                    "in [-1, 1] per epoch",
                )?;
            }
        }
        check(
            self.services.iter().any(|s| s.launch_epoch == 0),
            "services",
            "at least one model launched at epoch 0",
        )?;
        check(
            (1..=10_000).contains(&self.epochs),
            "epochs",
            "in [1, 10000]",
        )?;
        check(
            self.relays_per_epoch.is_finite()
                && self.relays_per_epoch >= 0.0
                && self.relays_per_epoch
                    * self.demand_growth.powf(self.epochs as f64)
                    * self.epochs as f64
                    <= 1e9,
            "relays_per_epoch",
            "non-negative, at most 1e9 relays over the run (with demand_growth)",
        )?;
        check(
            self.demand_growth.is_finite() && self.demand_growth > 0.0,
            "demand_growth",
            "positive",
        )?;
        check(
            (0.0..=5.0).contains(&self.length_sigma),
            "length_sigma",
            "in [0, 5]",
        )?;
        check(
            self.max_completion.is_finite() && self.max_completion >= 1.0,
            "max_completion",
            "at least 1",
        )?;
        check(
            self.initial_suppliers <= 100_000 && self.entrants_per_epoch <= 100_000,
            "initial_suppliers, entrants_per_epoch",
            "at most 100000",
        )?;
        check(
            (0.0..=1.0).contains(&self.reconsider_share),
            "reconsider_share",
            "in [0, 1]",
        )?;
        for (v, name) in [(self.capacity, "capacity"), (self.fixed_cost, "fixed_cost")] {
            check(v.is_finite() && v > 0.0, name, "positive")?;
        }
        check(
            (0.0..1.0).contains(&self.efficiency_spread),
            "efficiency_spread",
            "in [0, 1)",
        )?;
        Ok(())
    }
}

/// Weight of a relay in the capacity it uses: prefill is cheaper than decoding.
fn work(prompt: u64, completion: u64) -> f64 {
    completion as f64 + prompt as f64 / 4.0
}

fn token_pricing(size: f64) -> TokenPricing {
    let s = size.round().max(1.0) as u64;
    TokenPricing {
        base_compute_units: ComputeUnits::new(0),
        per_prompt_token: ComputeUnits::new(s),
        per_completion_token: ComputeUnits::new(4 * s),
    }
}

fn address_of(kind: &str, i: usize) -> Address {
    let d = Sha256::new()
        .chain_update(kind.as_bytes())
        .chain_update((i as u64).to_le_bytes())
        .finalize();
    let mut b = [0u8; 20];
    b.copy_from_slice(d.get(..20).unwrap_or(&[0; 20]));
    Address::from_bytes(b)
}

/// Demand shares per service at `epoch`.
fn shares(cfg: &MarketConfig, epoch: usize) -> Vec<f64> {
    let w: Vec<f64> = cfg
        .services
        .iter()
        .map(|s| {
            if epoch < s.launch_epoch {
                0.0
            } else {
                s.popularity * (s.trend * (epoch - s.launch_epoch) as f64).exp()
            }
        })
        .collect();
    let total: f64 = w.iter().sum();
    w.iter().map(|x| x / total.max(f64::MIN_POSITIVE)).collect()
}

fn completion_median(s: &ServiceModel, epoch: usize) -> f64 {
    s.completion_median
        * (1.0 + s.completion_growth).powf(epoch.saturating_sub(s.launch_epoch) as f64)
}

/// The fixed compute units per relay of a service: its mean request's metered price at launch
/// (log-normal mean = median · e^(σ²/2)).
fn fixed_cu(cfg: &MarketConfig, s: &ServiceModel) -> u64 {
    let boost = (cfg.length_sigma * cfg.length_sigma / 2.0).exp();
    let usage = Usage {
        prompt_tokens: (s.prompt_median * boost).round() as u64,
        completion_tokens: (s.completion_median * boost).round() as u64,
    };
    token_pricing(s.size)
        .compute_units(Some(usage))
        .map_or(1, |c| c.get().max(1))
}

/// Supplier margin per relay of a service at full utilization, by completion length, under a
/// pricing: (revenue − cost) / cost of one relay with the median prompt.
fn relay_margin(cfg: &MarketConfig, s: &ServiceModel, completion: u64, pricing: Pricing) -> f64 {
    let Ok(params) = TokenomicsParams::mainnet() else {
        return f64::NAN;
    };
    let claim_pricing = ClaimPricing::new(TargetHash::BASE, &SharedParams::mainnet());
    let prompt = s.prompt_median.round() as u64;
    let cu = match pricing {
        Pricing::FixedPerRelay => fixed_cu(cfg, s),
        Pricing::TokenMetered => token_pricing(s.size)
            .compute_units(Some(Usage {
                prompt_tokens: prompt,
                completion_tokens: completion,
            }))
            .map_or(0, ComputeUnits::get),
    };
    // 1000 such relays, so that the floors of the real functions do not dominate.
    let claimed = claimed_upokt(ComputeUnits::new(cu.saturating_mul(1000)), &claim_pricing)
        .ok()
        .and_then(|v| Upokt::try_from(v).ok())
        .map_or(0, Upokt::get);
    let minted = params.mint_ratio.mul_floor(claimed).unwrap_or(0);
    let to_supplier = params
        .mint_equals_burn_distribution
        .supplier
        .mul_floor(minted)
        .unwrap_or(0) as f64
        / 1000.0;
    let cost = cfg.fixed_cost * s.size / cfg.capacity * work(prompt, completion);
    (to_supplier - cost) / cost
}

/// Runs `marketplace` with `cfg` and `seed`: fixed per-relay and token-metered pricing with
/// mobile suppliers, and token-metered pricing with suppliers that cannot move. [SIM-INF-MKT-1]
pub fn marketplace(cfg: &MarketConfig, seed: u64) -> Result<ExperimentReport, SimError> {
    cfg.validate()
        .map_err(|message| SimError::ExperimentConfig {
            experiment: "marketplace".into(),
            message,
        })?;
    let runs = [
        ("fixed", Pricing::FixedPerRelay, true),
        ("metered", Pricing::TokenMetered, true),
        ("metered-immobile", Pricing::TokenMetered, false),
    ];
    let results: Vec<Vec<Row>> = {
        use rayon::prelude::*;
        runs.par_iter()
            .map(|&(_, p, mobility)| {
                let c = MarketConfig {
                    mobility,
                    ..cfg.clone()
                };
                run_market(&c, seed, p)
            })
            .collect::<Result<_, _>>()?
    };
    let mut out = ExperimentReport {
        name: "marketplace".into(),
        csv_header: "run,pricing,mobility,epoch,service,demand_share,demand_relays,served_relays,demand_work,served_tokens,served_completion_tokens,suppliers,compute_units,source_upokt,supplier_revenue_upokt,supplier_cost_upokt,supplier_margin".into(),
        ..ExperimentReport::default()
    };
    for ((run, p, mobility), rows) in runs.iter().zip(&results) {
        for r in rows {
            let share = shares(cfg, r.epoch).get(r.service).copied().unwrap_or(0.0);
            out.csv_rows.push(format!(
                "{run},{},{mobility},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                p.name(),
                r.epoch,
                cfg.services.get(r.service).map_or("?", |s| s.name.as_str()),
                f(share),
                r.demand_relays,
                r.served_relays,
                f(r.demand_work),
                r.served_tokens,
                r.served_completion_tokens,
                r.suppliers,
                r.compute_units,
                r.source_upokt,
                r.supplier_revenue_upokt,
                f(r.supplier_cost_upokt),
                f(r.margin())
            ));
        }
    }
    summary(cfg, &runs.map(|r| r.0), &results, &mut out.table);
    out.figures = figures(cfg, &results);
    Ok(out)
}

mod report;
mod run;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
