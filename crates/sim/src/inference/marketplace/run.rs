//! One market run: the epoch loop. Each epoch draws demand per service, serves relays within
//! the suppliers' capacity, settles the claims with `settle_block`, then lets suppliers re-stake,
//! leave or enter. [SIM-INF-MKT-1]

use std::collections::BTreeMap;

use pokt_primitives::{
    Address, ComputeUnits, ServiceId, SessionId, SharedParams, TargetHash, TokenomicsParams, Upokt,
};
use pokt_relay::llm::Usage;
use pokt_tokenomics::{
    Account, AppAccount, BlockInput, ClaimInput, ClaimPricing, Metering, RevShare, claimed_upokt,
    settle_block,
};
use sha2::{Digest, Sha256};

use super::{
    MarketConfig, Pricing, address_of, completion_median, fixed_cu, shares, token_pricing, work,
};
use crate::SimError;
use crate::inference::lognormal;
use crate::rng::SimRng;

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
    pub(super) fn margin(&self) -> f64 {
        if self.supplier_cost_upokt > 0.0 {
            (self.supplier_revenue_upokt as f64 - self.supplier_cost_upokt)
                / self.supplier_cost_upokt
        } else {
            f64::NAN
        }
    }
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
