//! `marketplace`: K models (services), each with a Source owner, whose popularity shifts over
//! time; suppliers with hardware costs enter, leave or re-stake the service that pays best each
//! epoch. Every epoch's claims are settled by `pokt_tokenomics::settle_block` with mainnet
//! tokenomics params, their values computed by `claimed_upokt` from compute units that are either
//! fixed per relay (POKT) or token-metered through `pokt_relay::llm::TokenPricing`
//! (LLM-METER-1). [SIM-INF-MKT-1] [SIM-INF-MKT-2]

use crate::SimError;
use core::fmt::Write as _;
use std::collections::BTreeMap;

use pokt_primitives::{
    Address, ComputeUnits, ServiceId, SessionId, SharedParams, TargetHash, TokenomicsParams, Upokt,
};
use pokt_relay::llm::{TokenPricing, Usage};
use pokt_tokenomics::{
    Account, AppAccount, BlockInput, ClaimInput, ClaimPricing, Metering, RevShare, claimed_upokt,
    settle_block,
};
use sha2::{Digest, Sha256};

use super::{Figure, FigureKind, f, lognormal};
use crate::experiments::ExperimentReport;
use crate::rng::SimRng;

/// One model offered as a service.
#[derive(Clone, Debug, PartialEq)]
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
    pub completion_growth: f64,
    /// Popularity weight at launch.
    pub popularity: f64,
    /// Change of log-popularity per epoch after launch.
    pub trend: f64,
    /// Epoch the model appears.
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

/// The assumptions of `marketplace`.
#[derive(Clone, Debug, PartialEq)]
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

#[derive(Clone, Debug)]
struct Supplier {
    address: Address,
    service: Option<usize>,
    efficiency: f64,
    losses: u32,
    profit: f64,
}

/// One service in one epoch.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Row {
    pub(crate) epoch: usize,
    pub(crate) service: usize,
    pub(crate) demand_relays: u64,
    pub(crate) served_relays: u64,
    pub(crate) demand_work: f64,
    pub(crate) served_tokens: u64,
    pub(crate) served_completion_tokens: u64,
    pub(crate) suppliers: usize,
    pub(crate) source_upokt: u64,
    pub(crate) supplier_revenue_upokt: u64,
    pub(crate) supplier_cost_upokt: f64,
    pub(crate) compute_units: u64,
}

impl Row {
    fn margin(&self) -> f64 {
        if self.supplier_cost_upokt > 0.0 {
            (self.supplier_revenue_upokt as f64 - self.supplier_cost_upokt)
                / self.supplier_cost_upokt
        } else {
            f64::NAN
        }
    }
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

/// Runs one market: `pricing`, with or without supplier mobility.
pub(crate) fn run_market(
    cfg: &MarketConfig,
    seed: u64,
    pricing: Pricing,
) -> Result<Vec<Row>, SimError> {
    let k = cfg.services.len();
    let params = TokenomicsParams::mainnet().map_err(SimError::Tokenomics)?;
    let claim_pricing = ClaimPricing::new(TargetHash::BASE, &SharedParams::mainnet());
    let service_ids: Vec<ServiceId> = cfg
        .services
        .iter()
        .enumerate()
        .map(|(index, s)| {
            ServiceId::new(&s.name).map_err(|error| SimError::ServiceId { index, error })
        })
        .collect::<Result<_, _>>()?;
    let sources: Vec<Address> = (0..k).map(|i| address_of("source", i)).collect();
    let apps: Vec<Address> = (0..k).map(|i| address_of("application", i)).collect();
    let fixed: Vec<u64> = cfg.services.iter().map(|s| fixed_cu(cfg, s)).collect();
    // Revenue per unit of work a newcomer can expect, by service: the list price until the
    // service has served something.
    let to_upokt = |cu: u64| -> f64 {
        claimed_upokt(ComputeUnits::new(cu), &claim_pricing)
            .ok()
            .and_then(|v| Upokt::try_from(v).ok())
            .map_or(0.0, |u| u.get() as f64)
    };
    let supplier_cut =
        params.mint_ratio.to_f64() * params.mint_equals_burn_distribution.supplier.to_f64();
    let mut rev_per_work: Vec<f64> = cfg
        .services
        .iter()
        .zip(&fixed)
        .map(|(s, &cu)| {
            let boost = (cfg.length_sigma * cfg.length_sigma / 2.0).exp();
            let w = work(
                (s.prompt_median * boost) as u64,
                (s.completion_median * boost) as u64,
            );
            let cu = match pricing {
                Pricing::FixedPerRelay => cu,
                Pricing::TokenMetered => fixed_cu(cfg, s),
            };
            to_upokt(cu.saturating_mul(1000)) / 1000.0 * supplier_cut / w.max(1.0)
        })
        .collect();
    let mut rng = SimRng::derive(seed, &[0x4d4b54, pricing as u64, u64::from(cfg.mobility)]);
    let mut suppliers: Vec<Supplier> = Vec::new();
    let spread = |rng: &mut SimRng| 1.0 + cfg.efficiency_spread * (2.0 * rng.next_f64() - 1.0);
    // Initial allocation: by each service's share of demanded work at epoch 0.
    {
        let sh = shares(cfg, 0);
        let wd: Vec<f64> = cfg
            .services
            .iter()
            .zip(&sh)
            .map(|(s, x)| x * (completion_median(s, 0) + s.prompt_median / 4.0))
            .collect();
        let total: f64 = wd.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        // Largest remainder: floors first, then one each by fractional part.
        let exact: Vec<f64> = wd
            .iter()
            .map(|w| w / total * cfg.initial_suppliers as f64)
            .collect();
        let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| {
            let fa = exact.get(a).map_or(0.0, |x| x - x.floor());
            let fb = exact.get(b).map_or(0.0, |x| x - x.floor());
            fb.total_cmp(&fa).then(a.cmp(&b))
        });
        let left = cfg.initial_suppliers.saturating_sub(counts.iter().sum());
        for &i in order.iter().take(left) {
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        }
        for (i, &n) in counts.iter().enumerate() {
            for _ in 0..n {
                let e = spread(&mut rng);
                suppliers.push(Supplier {
                    address: address_of("supplier", suppliers.len()),
                    service: Some(i),
                    efficiency: e,
                    losses: 0,
                    profit: 0.0,
                });
            }
        }
    }
    let mut rows = Vec::with_capacity(cfg.epochs * k);
    for epoch in 0..cfg.epochs {
        let sh = shares(cfg, epoch);
        let demand = cfg.relays_per_epoch * cfg.demand_growth.powf(epoch as f64);
        let mut claims: Vec<ClaimInput> = Vec::new();
        let mut epoch_rows: Vec<Row> = (0..k)
            .map(|service| Row {
                epoch,
                service,
                ..Row::default()
            })
            .collect();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
        for (i, s) in suppliers.iter().enumerate() {
            if let Some(svc) = s.service
                && let Some(m) = members.get_mut(svc)
            {
                m.push(i);
            }
        }
        // Per supplier: (relays, compute units, work).
        let mut served: BTreeMap<usize, (u64, u64, f64)> = BTreeMap::new();
        for (svc, model) in cfg.services.iter().enumerate() {
            let (Some(row), Some(m)) = (epoch_rows.get_mut(svc), members.get(svc)) else {
                continue;
            };
            row.suppliers = m.len();
            let relays = (demand * sh.get(svc).copied().unwrap_or(0.0)).round() as u64;
            row.demand_relays = relays;
            let cap = cfg.capacity * m.len() as f64;
            let tp = token_pricing(model.size);
            let cm = completion_median(model, epoch);
            let mut used = 0.0;
            for r in 0..relays {
                let prompt = lognormal(&mut rng, model.prompt_median, cfg.length_sigma)
                    .round()
                    .clamp(1.0, 131_072.0) as u64;
                let completion = lognormal(&mut rng, cm, cfg.length_sigma)
                    .round()
                    .clamp(1.0, cfg.max_completion) as u64;
                let w = work(prompt, completion);
                row.demand_work += w;
                if m.is_empty() || used + w > cap {
                    continue;
                }
                used += w;
                let cu = match pricing {
                    Pricing::FixedPerRelay => fixed.get(svc).copied().unwrap_or(1),
                    Pricing::TokenMetered => tp
                        .compute_units(Some(Usage {
                            prompt_tokens: prompt,
                            completion_tokens: completion,
                        }))
                        .map_or(0, ComputeUnits::get),
                };
                row.served_relays += 1;
                row.served_tokens += prompt + completion;
                row.served_completion_tokens += completion;
                row.compute_units += cu;
                // The gateway spreads a service's relays over its suppliers.
                let who = m.get(r as usize % m.len()).copied().unwrap_or(0);
                let e = served.entry(who).or_insert((0, 0, 0.0));
                e.0 += 1;
                e.1 += cu;
                e.2 += w;
            }
        }
        for (&i, &(relays, cu, _)) in &served {
            let (Some(s), true) = (suppliers.get(i), cu > 0) else {
                continue;
            };
            let svc = s.service.unwrap_or(0);
            let session = Sha256::new()
                .chain_update(seed.to_le_bytes())
                .chain_update((epoch as u64).to_le_bytes())
                .chain_update((svc as u64).to_le_bytes())
                .finalize();
            let mut sid = [0u8; 32];
            sid.copy_from_slice(&session);
            claims.push(ClaimInput {
                supplier_operator: s.address,
                supplier_owner: s.address,
                rev_shares: vec![RevShare {
                    address: s.address,
                    percentage: 100,
                }],
                application: apps.get(svc).copied().unwrap_or(s.address),
                service_id: service_ids.get(svc).cloned().ok_or(SimError::Scenario {
                    field: "services",
                    requirement: "covers every supplier's service",
                })?,
                source_owner: sources.get(svc).copied().unwrap_or(s.address),
                session_id: SessionId::from_bytes(sid),
                num_relays: relays,
                num_compute_units: ComputeUnits::new(cu),
                compute_units_per_relay: ComputeUnits::new(fixed.get(svc).copied().unwrap_or(1)),
                metering: match pricing {
                    Pricing::FixedPerRelay => Metering::FixedPerRelay,
                    Pricing::TokenMetered => Metering::TokenMetered,
                },
                pricing: claim_pricing,
            });
        }
        let paid = if claims.is_empty() {
            None
        } else {
            let input = BlockInput {
                claims: &claims,
                apps: apps
                    .iter()
                    .map(|a| {
                        (
                            *a,
                            AppAccount {
                                stake: Upokt::new(u64::MAX / 4),
                                per_session_spend_limit: None,
                            },
                        )
                    })
                    .collect(),
                num_pending_sessions: 1,
                params: &params,
                proposer: address_of("proposer", 0),
                application_min_stake: Upokt::ZERO,
                expiry: Default::default(),
            };
            Some(settle_block(&input).map_err(SimError::Settle)?)
        };
        // Revenue, cost and profit per supplier; per-service totals.
        for s in &mut suppliers {
            let Some(svc) = s.service else { continue };
            let Some(row) = epoch_rows.get_mut(svc) else {
                continue;
            };
            let rev = paid.as_ref().map_or(0, |p| {
                p.received_by(&Account::Address(s.address))
                    .capped_at(Upokt::MAX)
                    .get()
            });
            let size = cfg.services.get(svc).map_or(1.0, |m| m.size);
            let cost = cfg.fixed_cost * size * s.efficiency;
            row.supplier_revenue_upokt += rev;
            row.supplier_cost_upokt += cost;
            s.profit = rev as f64 - cost;
            s.losses = if s.profit < 0.0 { s.losses + 1 } else { 0 };
        }
        for (svc, row) in epoch_rows.iter_mut().enumerate() {
            row.source_upokt = paid.as_ref().map_or(0, |p| {
                sources.get(svc).map_or(0, |a| {
                    p.received_by(&Account::Address(*a))
                        .capped_at(Upokt::MAX)
                        .get()
                })
            });
            let work_served: f64 = members.get(svc).map_or(0.0, |m| {
                m.iter().filter_map(|i| served.get(i)).map(|x| x.2).sum()
            });
            if work_served > 0.0
                && let Some(r) = rev_per_work.get_mut(svc)
            {
                *r = row.supplier_revenue_upokt as f64 / work_served;
            }
        }
        rows.extend(epoch_rows.iter().cloned());
        if !cfg.mobility {
            continue;
        }
        // Next epoch's demand per service, as suppliers foresee it (this epoch's, grown).
        let demand_work: Vec<f64> = epoch_rows
            .iter()
            .map(|r| r.demand_work * cfg.demand_growth)
            .collect();
        let next_sh = shares(cfg, epoch + 1);
        let mut counts: Vec<usize> = members.iter().map(Vec::len).collect();
        let expected = |svc: usize, n: usize, eff: f64, counts_demand: f64| -> f64 {
            let m = cfg.services.get(svc);
            let per = (counts_demand / n.max(1) as f64).min(cfg.capacity);
            rev_per_work.get(svc).copied().unwrap_or(0.0) * per
                - cfg.fixed_cost * m.map_or(1.0, |m| m.size) * eff
        };
        // A service's foreseen work: this epoch's, or for one launching next epoch its share of
        // demand at launch.
        let foreseen = |svc: usize| -> f64 {
            let d = demand_work.get(svc).copied().unwrap_or(0.0);
            if d > 0.0 {
                return d;
            }
            let m = cfg.services.get(svc);
            next_sh.get(svc).copied().unwrap_or(0.0)
                * demand
                * m.map_or(0.0, |m| {
                    completion_median(m, epoch + 1) + m.prompt_median / 4.0
                })
        };
        for s in &mut suppliers {
            let Some(cur) = s.service else { continue };
            if rng.next_f64() >= cfg.reconsider_share && s.losses < cfg.patience {
                continue;
            }
            let here = expected(
                cur,
                counts.get(cur).copied().unwrap_or(1),
                s.efficiency,
                foreseen(cur),
            );
            let best = (0..k)
                .filter(|&j| j != cur)
                .map(|j| {
                    (
                        j,
                        expected(
                            j,
                            counts.get(j).copied().unwrap_or(0) + 1,
                            s.efficiency,
                            foreseen(j),
                        ),
                    )
                })
                .max_by(|a, b| a.1.total_cmp(&b.1));
            match best {
                Some((j, p)) if p > here.max(0.0) * 1.1 + 1.0 && p > 0.0 => {
                    if let Some(c) = counts.get_mut(cur) {
                        *c -= 1;
                    }
                    if let Some(c) = counts.get_mut(j) {
                        *c += 1;
                    }
                    s.service = Some(j);
                    s.losses = 0;
                }
                _ if s.losses >= cfg.patience => {
                    if let Some(c) = counts.get_mut(cur) {
                        *c -= 1;
                    }
                    s.service = None;
                }
                _ => {}
            }
        }
        for _ in 0..cfg.entrants_per_epoch {
            let e = spread(&mut rng);
            let best = (0..k)
                .map(|j| {
                    (
                        j,
                        expected(j, counts.get(j).copied().unwrap_or(0) + 1, e, foreseen(j)),
                    )
                })
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((j, p)) = best
                && p > 0.0
            {
                if let Some(c) = counts.get_mut(j) {
                    *c += 1;
                }
                suppliers.push(Supplier {
                    address: address_of("supplier", suppliers.len()),
                    service: Some(j),
                    efficiency: e,
                    losses: 0,
                    profit: 0.0,
                });
            }
        }
    }
    Ok(rows)
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

/// Per run and service over the second half: served share of demand, supplier share against
/// demand share, Source uPOKT per million tokens, supplier margin.
fn summary(cfg: &MarketConfig, names: &[&str], results: &[Vec<Row>], t: &mut String) {
    let _ = writeln!(
        t,
        "second half of the run, per service:\n{:<17} {:<11} {:>8} {:>9} {:>9} {:>10} {:>14} {:>8}",
        "run", "service", "served", "demand %", "supply %", "suppliers", "Source/Mtok", "margin"
    );
    let half = cfg.epochs / 2;
    for (name, rows) in names.iter().zip(results) {
        let tail: Vec<&Row> = rows.iter().filter(|r| r.epoch >= half).collect();
        let all_work: f64 = tail.iter().map(|r| r.demand_work).sum();
        let all_sup: usize = tail.iter().map(|r| r.suppliers).sum();
        for (svc, m) in cfg.services.iter().enumerate() {
            let rs: Vec<&&Row> = tail.iter().filter(|r| r.service == svc).collect();
            let dem: u64 = rs.iter().map(|r| r.demand_relays).sum();
            let srv: u64 = rs.iter().map(|r| r.served_relays).sum();
            let work: f64 = rs.iter().map(|r| r.demand_work).sum();
            let sup: usize = rs.iter().map(|r| r.suppliers).sum();
            let tok: u64 = rs.iter().map(|r| r.served_tokens).sum();
            let src: u64 = rs.iter().map(|r| r.source_upokt).sum();
            let rev: f64 = rs.iter().map(|r| r.supplier_revenue_upokt as f64).sum();
            let cost: f64 = rs.iter().map(|r| r.supplier_cost_upokt).sum();
            let _ = writeln!(
                t,
                "{name:<17} {:<11} {:>7.1}% {:>8.1}% {:>8.1}% {:>10.1} {:>14.1} {:>7.1}%",
                m.name,
                srv as f64 / dem.max(1) as f64 * 100.0,
                work / all_work.max(1.0) * 100.0,
                sup as f64 / all_sup.max(1) as f64 * 100.0,
                sup as f64 / rs.len().max(1) as f64,
                src as f64 / (tok as f64 / 1e6).max(1e-9),
                if cost > 0.0 {
                    (rev - cost) / cost * 100.0
                } else {
                    f64::NAN
                },
            );
        }
    }
    let _ = writeln!(
        t,
        "\nsupplier margin per relay at full utilization (median prompt), fixed per relay / token-metered:"
    );
    for m in cfg
        .services
        .iter()
        .filter(|m| m.size >= 6.0 || m.size <= 1.0)
    {
        let _ = write!(t, "{:<11}", m.name);
        for c in [16u64, 256, 1024, 8192] {
            let _ = write!(
                t,
                "  {c:>5} tokens: {:>+7.0}% / {:>+4.0}%",
                relay_margin(cfg, m, c, Pricing::FixedPerRelay) * 100.0,
                relay_margin(cfg, m, c, Pricing::TokenMetered) * 100.0
            );
        }
        let _ = writeln!(t);
    }
    let _ = writeln!(
        t,
        "\ndemand % is the service's share of demanded work (the capacity it needs); \
         supply % its share of suppliers. Source/Mtok: uPOKT the Source earned per million tokens \
         served. Margins are (revenue − hardware cost) / cost of the service's suppliers."
    );
}

fn figures(cfg: &MarketConfig, results: &[Vec<Row>]) -> Vec<Figure> {
    let last = cfg.services.len().saturating_sub(1);
    let name = |svc: usize| {
        cfg.services
            .get(svc)
            .map_or("?", |s| s.name.as_str())
            .to_string()
    };
    // Supply against demand, for the rising model and the fading one.
    let mut supply = Vec::new();
    for &svc in &[last, 0] {
        let demand: Vec<(f64, f64)> = (0..cfg.epochs)
            .map(|e| {
                let rows: Vec<&Row> = results
                    .first()
                    .map_or(Vec::new(), |r| r.iter().filter(|r| r.epoch == e).collect());
                let total: f64 = rows.iter().map(|r| r.demand_work).sum();
                let mine: f64 = rows
                    .iter()
                    .filter(|r| r.service == svc)
                    .map(|r| r.demand_work)
                    .sum();
                (e as f64, mine / total.max(1.0) * 100.0)
            })
            .collect();
        supply.push((format!("{}: share of demanded work", name(svc)), demand));
        for (label, rows) in [
            "fixed per relay",
            "token-metered",
            "token-metered, immobile",
        ]
        .iter()
        .zip(results)
        {
            let pts = (0..cfg.epochs)
                .map(|e| {
                    let all: usize = rows
                        .iter()
                        .filter(|r| r.epoch == e)
                        .map(|r| r.suppliers)
                        .sum();
                    let mine: usize = rows
                        .iter()
                        .filter(|r| r.epoch == e && r.service == svc)
                        .map(|r| r.suppliers)
                        .sum();
                    (e as f64, mine as f64 / all.max(1) as f64 * 100.0)
                })
                .collect();
            supply.push((format!("{}: suppliers, {label}", name(svc)), pts));
        }
    }
    let scatter = ["fixed per relay", "token-metered"]
        .iter()
        .zip(results)
        .map(|(label, rows)| {
            (
                (*label).to_string(),
                rows.iter()
                    .filter(|r| r.served_tokens > 0)
                    .map(|r| (r.served_tokens as f64 / 1e6, r.source_upokt as f64))
                    .collect(),
            )
        })
        .collect();
    let mut margins = Vec::new();
    for &svc in &[0, last] {
        let Some(m) = cfg.services.get(svc) else {
            continue;
        };
        for p in [Pricing::FixedPerRelay, Pricing::TokenMetered] {
            let pts = (0..=15)
                .map(|i| {
                    let c = 2f64.powf(f64::from(i)).round() as u64 * 4;
                    (c as f64, relay_margin(cfg, m, c, p) * 100.0)
                })
                .collect();
            margins.push((
                format!(
                    "{}, {}",
                    m.name,
                    if p == Pricing::FixedPerRelay {
                        "fixed per relay"
                    } else {
                        "token-metered"
                    }
                ),
                pts,
            ));
        }
    }
    let mut margin_t = Vec::new();
    for (label, rows) in ["fixed per relay", "token-metered"].iter().zip(results) {
        for &svc in &[0, last] {
            margin_t.push((
                format!("{}, {label}", name(svc)),
                rows.iter()
                    .filter(|r| r.service == svc && r.suppliers > 0)
                    .map(|r| (r.epoch as f64, r.margin() * 100.0))
                    .collect(),
            ));
        }
    }
    vec![
        Figure {
            name: "marketplace-supply".into(),
            title: "Supply follows demand: share of suppliers vs share of demanded work".into(),
            x_label: "epoch".into(),
            y_label: "% of all".into(),
            series: supply,
            ..Figure::default()
        },
        Figure {
            name: "marketplace-source-revenue".into(),
            title: "Source revenue against tokens served (one point per service and epoch)".into(),
            x_label: "tokens served (millions)".into(),
            y_label: "Source revenue (uPOKT)".into(),
            log_x: true,
            log_y: true,
            kind: FigureKind::Points,
            series: scatter,
        },
        Figure {
            name: "marketplace-mispricing".into(),
            title:
                "Supplier margin per relay by completion length (median prompt, full utilization)"
                    .into(),
            x_label: "completion tokens".into(),
            y_label: "margin (%)".into(),
            log_x: true,
            series: margins,
            ..Figure::default()
        },
        Figure {
            name: "marketplace-margins".into(),
            title: "Supplier margin per epoch".into(),
            x_label: "epoch".into(),
            y_label: "margin (%)".into(),
            series: margin_t,
            ..Figure::default()
        },
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn small() -> MarketConfig {
        MarketConfig {
            epochs: 40,
            relays_per_epoch: 8_000.0,
            capacity: 500_000.0,
            fixed_cost: 160_000.0,
            ..MarketConfig::default()
        }
    }

    fn suppliers_of(rows: &[Row], svc: usize, epoch: usize) -> usize {
        rows.iter()
            .find(|r| r.service == svc && r.epoch == epoch)
            .map_or(0, |r| r.suppliers)
    }

    fn served_share(rows: &[Row], svc: usize, from: usize) -> f64 {
        let rs: Vec<&Row> = rows
            .iter()
            .filter(|r| r.service == svc && r.epoch >= from)
            .collect();
        rs.iter().map(|r| r.served_relays).sum::<u64>() as f64
            / rs.iter().map(|r| r.demand_relays).sum::<u64>().max(1) as f64
    }

    /// Token-metered, mobile suppliers follow the rising model; immobile ones cannot, and its
    /// demand goes unserved. Removing mobility makes the first assertions fail.
    #[test]
    fn supply_follows_demand_only_when_suppliers_move() {
        let cfg = small();
        let last = cfg.services.len() - 1;
        let mobile = run_market(&cfg, 3, Pricing::TokenMetered).unwrap();
        let stuck = run_market(
            &MarketConfig {
                mobility: false,
                ..cfg.clone()
            },
            3,
            Pricing::TokenMetered,
        )
        .unwrap();
        assert_eq!(suppliers_of(&stuck, last, cfg.epochs - 1), 0);
        assert!(
            suppliers_of(&mobile, last, cfg.epochs - 1) >= 5,
            "{:?}",
            mobile.last()
        );
        assert!(
            served_share(&mobile, last, 30) > 0.8,
            "{}",
            served_share(&mobile, last, 30)
        );
        assert!(served_share(&stuck, last, 30) < 0.01);
    }

    /// Token-metered: the Source's revenue is proportional to the compute units its model
    /// served; fixed per relay, a model with long completions earns less per token than it costs.
    #[test]
    fn sources_paid_for_tokens_and_fixed_pricing_misprices_long_completions() {
        let cfg = small();
        let metered = run_market(&cfg, 4, Pricing::TokenMetered).unwrap();
        for r in metered.iter().filter(|r| r.compute_units > 0) {
            let per_cu = r.source_upokt as f64 / r.compute_units as f64;
            // 0.14599 uPOKT/CU × 0.975 mint × 0.025 source share (plus a little global mint).
            assert!(
                (per_cu / (0.14599 * 0.975 * 0.025) - 1.0).abs() < 0.05,
                "{r:?}"
            );
        }
        let m = &cfg.services[cfg.services.len() - 1];
        assert!(relay_margin(&cfg, m, 8_000, Pricing::FixedPerRelay) < -0.5);
        assert!(relay_margin(&cfg, m, 20, Pricing::FixedPerRelay) > 1.0);
        let a = relay_margin(&cfg, m, 8_000, Pricing::TokenMetered);
        let b = relay_margin(&cfg, m, 20, Pricing::TokenMetered);
        assert!(a > 0.0 && b > 0.0, "{a} {b}");
    }

    #[test]
    fn deterministic() {
        let cfg = MarketConfig {
            epochs: 15,
            relays_per_epoch: 2_000.0,
            ..small()
        };
        let a = marketplace(&cfg, 1).unwrap();
        assert_eq!(a.csv_rows, marketplace(&cfg, 1).unwrap().csv_rows);
        assert_ne!(a.csv_rows, marketplace(&cfg, 2).unwrap().csv_rows);
    }
}
