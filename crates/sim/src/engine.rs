//! The simulation engine: sessions, traffic, mining, claims, proofs, settlement and difficulty,
// Counts become floats for rates and errors, and draws come back as counts: the casts are the
// point of a statistics engine, and every value involved is far below 2^53.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
//! session by session, each rule taken from the protocol crates.

use std::collections::BTreeMap;

use pokt_mining::{
    Controller, DifficultyHistory, EstimatedRelayEma, MinedRelayEma, ProofRequirement,
    is_volume_applicable, proof_requirement_for_claim, target_fraction_f64,
};
use pokt_primitives::{
    Address, BlockHash, BlockHeight, BlockInterval, ClaimHash, Fraction, ProofParams, RelayHash,
    ServiceId, SharedParams, TargetHash,
};
use pokt_session::{ServiceConfig, Session, SessionGrid, SessionQuery, WindowOffsets};
use pokt_tokenomics::{
    Actor, AppAccount, BlockInput, ClaimInput, ClaimPricing, ComputeUnits, LedgerOp, Metering,
    Outcome, Reason, RevShare, TokenomicsParams, Upokt, proof_penalty, settle_block,
};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use pokt_smst::{PoktSmst, Root, ValueMode};

use crate::rng::SimRng;
use crate::scenario::{ControllerKind, MiningMode, Scenario};

/// One row of the time series: a service in a session.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// Session index (0-based).
    pub session: u64,
    /// The session's first block.
    pub start_height: i64,
    /// Service id.
    pub service: String,
    /// Relays served by honest suppliers.
    pub relays_served: u64,
    /// Relays mined (volume-applicable) by honest suppliers.
    pub relays_mined: u64,
    /// Relays in claims (honest and fake).
    pub relays_claimed: u64,
    /// Estimated relays: mined ÷ probability.
    pub relays_estimated: f64,
    /// Probability that a relay is mined in this session.
    pub probability: f64,
    /// The EMA of the difficulty in force.
    pub ema: u64,
    /// target_num_relays.
    pub target_num_relays: u64,
    /// (mined − target) / target for this session (one settlement block per session).
    pub target_error: f64,
    /// (estimated − served) / served.
    pub estimation_error: f64,
}

/// Tokens per actor kind over the run, in uPOKT.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flows {
    /// Burned from application stakes (settlements).
    pub application_burned: u64,
    /// Paid by applications to the DAO (reimbursement requests).
    pub application_reimbursed: u64,
    /// Minted in total.
    pub minted: u64,
    /// To suppliers (their revenue shareholders).
    pub supplier: u64,
    /// To source owners (service owners).
    pub source_owner: u64,
    /// To the block proposer.
    pub proposer: u64,
    /// To the DAO (shares and remainders).
    pub dao: u64,
    /// To applications (their share, if any).
    pub application_share: u64,
    /// Burned from supplier stakes as proof penalties.
    pub penalties: u64,
}

/// One settlement block's flows (for the token-flow time series).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowRow {
    /// Session index whose claims settled.
    pub session: u64,
    /// Settlement height.
    pub height: i64,
    /// The flows of that block.
    pub flows: Flows,
}

/// What the fake-claiming suppliers did and earned.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AdversaryReport {
    /// Fake claims made.
    pub fake_claims: u64,
    /// Of which a proof was required (and failed).
    pub caught: u64,
    /// uPOKT earned from fake claims that settled.
    pub earned_upokt: u64,
    /// uPOKT of penalties paid.
    pub penalties_upokt: u64,
    /// The penalty above which faking is unprofitable: S = R(1−p)/p, R the mean reward of a fake
    /// claim, p the probability a fake claim is caught (the proof request probability below the
    /// threshold).
    pub break_even_penalty_upokt: f64,
    /// The configured penalty.
    pub configured_penalty_upokt: u64,
}

/// The result of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Scenario name.
    pub name: String,
    /// Controller used.
    pub controller: String,
    /// Per session and service.
    pub rows: Vec<Row>,
    /// Per settlement block.
    pub flow_rows: Vec<FlowRow>,
    /// Totals.
    pub flows: Flows,
    /// Claims settled, expired (missing proof) and discarded.
    pub claims_settled: u64,
    /// Claims whose required proof was missing.
    pub claims_expired: u64,
    /// Claims discarded by settlement.
    pub claims_discarded: u64,
    /// Proofs required (threshold or probabilistic).
    pub proofs_required: u64,
    /// Fake-claim economics.
    pub adversary: AdversaryReport,
    /// Relays hashed one by one (exact mode) vs drawn (sampled mode).
    pub relays_exact: u64,
    /// Relays whose mined count was drawn.
    pub relays_sampled: u64,
    /// Claims whose root came from a real session tree (exact mode) and whose proof requirement
    /// was drawn from the real claim's hash.
    pub claims_with_tree_roots: u64,
}

/// One supplier's part of an application's session: (service, supplier, served, mined, and in
/// exact mode the root of the real session tree of the mined relays).
type Served = (usize, usize, u64, u64, Option<Root>);

/// A claim waiting for its windows and settlement.
#[derive(Clone, Debug)]
struct PendingClaim {
    input: ClaimInput,
    service: usize,
    supplier: usize,
    fake_relays: u64,
    required: bool,
}

fn address_of(kind: &str, i: usize) -> Address {
    let d = Sha256::new()
        .chain_update(kind.as_bytes())
        .chain_update((i as u64).to_le_bytes())
        .finalize();
    let mut b = [0u8; 20];
    b.copy_from_slice(&d[..20]);
    Address::from_bytes(b)
}

/// The simulated chain's block hash at `h`: SHA-256("block-" ‖ seed ‖ h).
fn block_hash(seed: u64, h: i64) -> BlockHash {
    BlockHash::from_bytes(
        Sha256::new()
            .chain_update(b"block-")
            .chain_update(seed.to_le_bytes())
            .chain_update(h.to_le_bytes())
            .finalize()
            .into(),
    )
}

/// Progress callback: (sessions done, sessions total).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Runs a scenario. Deterministic: the same scenario gives the same report, whatever the thread
/// count.
pub fn run(sc: &Scenario, progress: Progress<'_>) -> Result<Report, String> {
    sc.validate()?;
    let n = sc.num_blocks_per_session;
    let grid = SessionGrid::genesis(BlockInterval::new(n));
    // Code-default window offsets (mainnet's need N > 10).
    let offsets = WindowOffsets::from(&SharedParams::defaults());
    let num_pending = offsets
        .num_pending_sessions(BlockInterval::new(n))
        .ok_or("bad window offsets")?;
    let params = if sc.tokenomics == "mainnet" {
        TokenomicsParams::mainnet()
    } else {
        TokenomicsParams::defaults().map(|mut p| {
            p.dao_reward_address = address_of("dao", 0);
            p
        })
    }
    .map_err(|e| e.to_string())?;

    let services: Vec<ServiceId> = sc
        .services
        .iter()
        .map(|s| ServiceId::new(&s.id).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let source_owners: Vec<Address> = (0..services.len())
        .map(|i| address_of("source-owner", i))
        .collect();
    let apps: Vec<Address> = (0..sc.applications.count)
        .map(|i| address_of("application", i))
        .collect();
    let suppliers: Vec<Address> = (0..sc.suppliers.count)
        .map(|i| address_of("supplier", i))
        .collect();
    let supplier_index: BTreeMap<Address, usize> =
        suppliers.iter().enumerate().map(|(i, a)| (*a, i)).collect();
    let is_fake = |i: usize| i < sc.suppliers.fake_claimers;
    let configs: Vec<Vec<ServiceConfig>> = services
        .iter()
        .map(|svc| {
            suppliers
                .iter()
                .map(|op| ServiceConfig {
                    operator: *op,
                    service: svc.clone(),
                    activation_height: BlockHeight::new(1),
                    deactivation_height: None,
                })
                .collect()
        })
        .collect();
    // Application i uses service i mod S; traffic of a service is shared by its applications.
    let apps_per_service: Vec<u64> = (0..services.len())
        .map(|s| (0..apps.len()).filter(|a| a % services.len() == s).count() as u64)
        .collect();

    let mut app_stakes: BTreeMap<Address, AppAccount> = apps
        .iter()
        .map(|a| {
            (
                *a,
                AppAccount {
                    stake: Upokt::new(sc.applications.stake_upokt),
                    per_session_spend_limit: None,
                },
            )
        })
        .collect();
    let mut supplier_stakes: Vec<u64> = vec![sc.suppliers.stake_upokt; suppliers.len()];
    let mut histories: Vec<DifficultyHistory> = vec![DifficultyHistory::new(); services.len()];
    let mut pending: BTreeMap<i64, Vec<(u64, PendingClaim)>> = BTreeMap::new();
    let mut report = Report {
        name: sc.name.clone(),
        controller: match sc.controller {
            ControllerKind::Poktroll => "poktroll".into(),
            ControllerKind::Paper => "paper".into(),
        },
        ..Report::default()
    };
    report.adversary.configured_penalty_upokt = sc.proof.missing_penalty_upokt;
    // The scenario's proof params as the chain holds them (the probability's shortest decimal).
    let proof_params = ProofParams {
        proof_request_probability: Fraction::from_f64_shortest(sc.proof.request_probability)
            .map_err(|e| format!("proof.request_probability: {e}"))?,
        proof_requirement_threshold: Upokt::new(sc.proof.requirement_threshold_upokt),
        proof_missing_penalty: Upokt::new(sc.proof.missing_penalty_upokt),
        ..ProofParams::defaults()
    };
    let mut fake_rewards: Vec<u64> = Vec::new();

    for s in 0..sc.sessions {
        let start = 1 + i64::try_from(s * n).map_err(|_| "too many blocks")?;
        // Settle every block before this session starts (difficulty updates land at session starts).
        let ripe: Vec<i64> = pending.range(..start).map(|(h, _)| *h).collect();
        for h in ripe {
            let claims = pending.remove(&h).unwrap_or_default();
            settle(
                sc,
                &mut report,
                h,
                &grid,
                claims,
                &params,
                num_pending,
                &mut app_stakes,
                &mut supplier_stakes,
                &mut histories,
                &mut fake_rewards,
            )?;
        }

        let end = grid.end(BlockHeight::new(start)).get();
        let windows = offsets
            .windows(BlockHeight::new(end))
            .ok_or("window overflow")?;
        let seed_hash = block_hash(sc.seed, windows.proof_window_open.get() - 1);
        let difficulties: Vec<_> = sc
            .services
            .iter()
            .zip(&histories)
            .map(|(spec, h)| h.at(BlockHeight::new(start), spec.target_num_relays))
            .collect();
        let probabilities: Vec<f64> = difficulties
            .iter()
            .map(|d| target_fraction_f64(&d.target_hash))
            .collect();
        // Relays each service receives in this session.
        let session_relays: Vec<f64> = sc
            .services
            .iter()
            .map(|spec| (0..n).map(|b| spec.traffic.rate(s * n + b)).sum())
            .collect();

        // Each application's session, in parallel; every output is keyed, so order is fixed.
        let per_app: Vec<Result<Vec<Served>, String>> = (0..apps.len())
            .into_par_iter()
            .map(|ai| {
                let svc = ai % services.len();
                let spec = &sc.services[svc];
                let mut rng = SimRng::derive(sc.seed, &[s, ai as u64]);
                let share = session_relays[svc] / apps_per_service[svc].max(1) as f64;
                // Stochastic rounding keeps the expected total exact.
                let mut relays = share.floor() as u64;
                if rng.next_f64() < share - share.floor() {
                    relays += 1;
                }
                let query = SessionQuery {
                    application: &apps[ai],
                    service_id: &services[svc],
                    height: BlockHeight::new(start),
                    grid,
                    num_suppliers_per_session: sc.num_suppliers_per_session,
                };
                let session =
                    Session::derive(query, |h| Some(block_hash(sc.seed, h.get())), &configs[svc])
                        .map_err(|e| e.to_string())?;
                let k = session.suppliers.len() as u64;
                let target = difficulties[svc].target_hash;
                let mut out = Vec::with_capacity(session.suppliers.len());
                for (j, op) in session.suppliers.iter().enumerate() {
                    let si = supplier_index.get(op).copied().ok_or("unknown supplier")?;
                    let served = relays / k + u64::from((j as u64) < relays % k);
                    let exact = match sc.mining {
                        MiningMode::Exact => true,
                        MiningMode::Sampled => false,
                        MiningMode::Auto => served <= sc.exact_max_relays,
                    };
                    let (mined, root) = if exact {
                        let cu = sc.services[svc].compute_units_per_relay;
                        let (m, r) = mine_exactly(
                            session.header.session_id.as_bytes(),
                            op,
                            served,
                            &target,
                            cu,
                        );
                        (m, Some(r))
                    } else {
                        (rng.binomial(served, probabilities[svc]), None)
                    };
                    let _ = spec;
                    out.push((svc, si, served, mined, root));
                }
                Ok(out)
            })
            .collect();

        // Claims: one per (application session, supplier) with relays; fake claimers pad theirs.
        let mut rows: Vec<Row> = sc
            .services
            .iter()
            .enumerate()
            .map(|(i, spec)| Row {
                session: s,
                start_height: start,
                service: spec.id.clone(),
                probability: probabilities[i],
                ema: difficulties[i].num_relays_ema,
                target_num_relays: spec.target_num_relays,
                ..Row::default()
            })
            .collect();
        for (ai, res) in per_app.into_iter().enumerate() {
            for (svc, si, served, mined, root) in res? {
                let row = &mut rows[svc];
                if root.is_some() {
                    report.relays_exact += served;
                } else {
                    report.relays_sampled += served;
                }
                let fake = if is_fake(si) {
                    sc.suppliers.fake_claim_relays
                } else {
                    0
                };
                if !is_fake(si) {
                    row.relays_served += served;
                    row.relays_mined += mined;
                }
                let claimed = mined + fake;
                if claimed == 0 {
                    continue;
                }
                row.relays_claimed += claimed;
                let spec = &sc.services[svc];
                let session_id = session_id_for(sc.seed, &apps[ai], &services[svc], start);
                let input = ClaimInput {
                    supplier_operator: suppliers[si],
                    supplier_owner: suppliers[si],
                    rev_shares: vec![RevShare {
                        address: suppliers[si],
                        percentage: 100,
                    }],
                    application: apps[ai],
                    service_id: services[svc].clone(),
                    source_owner: source_owners[svc],
                    session_id,
                    num_relays: claimed,
                    num_compute_units: ComputeUnits::new(claimed * spec.compute_units_per_relay),
                    compute_units_per_relay: ComputeUnits::new(spec.compute_units_per_relay),
                    metering: Metering::FixedPerRelay,
                    pricing: ClaimPricing {
                        target_hash: difficulties[svc].target_hash,
                        compute_units_to_tokens_multiplier: sc
                            .pricing
                            .compute_units_to_tokens_multiplier,
                        compute_unit_cost_granularity: sc.pricing.compute_unit_cost_granularity,
                    },
                };
                // A real claim when the relays were mined one by one into a session tree: the
                // chain's claim checks, and the claim hash over its canonical bytes; otherwise a
                // synthetic hash of the claim's identifying fields.
                let claim_hash = match root.filter(|_| fake == 0) {
                    Some(root) => {
                        pokt_mining::validate_claim_root(
                            root.as_bytes(),
                            ComputeUnits::new(spec.compute_units_per_relay),
                        )
                        .map_err(|e| format!("a real session tree made a bad claim: {e}"))?;
                        report.claims_with_tree_roots += 1;
                        let claim = pokt_primitives::Claim {
                            supplier_operator_address: suppliers[si].to_string(),
                            session_header: Some(pokt_primitives::SessionHeader {
                                application_address: apps[ai].to_string(),
                                service_id: services[svc].as_str().into(),
                                session_id: session_id.to_hex(),
                                session_start_block_height: start,
                                session_end_block_height: start + sc.num_blocks_per_session as i64
                                    - 1,
                            }),
                            root_hash: root.as_bytes().to_vec(),
                            proof_validation_status: pokt_primitives::ClaimProofStatus::default(),
                        };
                        claim.hash()
                    }
                    None => synthetic_claim_hash(&input),
                };
                // Proof requirement at the proof window (pokt-mining's rule on the claim's value).
                let draw = proof_requirement_for_claim(
                    &claim_hash,
                    input.num_compute_units,
                    &input.pricing,
                    &seed_hash,
                    &proof_params,
                )
                .map_err(|e| format!("claim value: {e}"))?;
                let required = draw.requirement != ProofRequirement::NotRequired;
                if fake > 0 {
                    report.adversary.fake_claims += 1;
                }
                pending
                    .entry(windows.settlement_height.get())
                    .or_default()
                    .push((
                        s,
                        PendingClaim {
                            input,
                            service: svc,
                            supplier: si,
                            fake_relays: fake,
                            required,
                        },
                    ));
            }
        }
        for row in &mut rows {
            let p = row.probability.max(f64::MIN_POSITIVE);
            row.relays_estimated = row.relays_mined as f64 / p;
            row.target_error = (row.relays_mined as f64 - row.target_num_relays as f64)
                / row.target_num_relays as f64;
            row.estimation_error = if row.relays_served > 0 {
                (row.relays_estimated - row.relays_served as f64) / row.relays_served as f64
            } else {
                0.0
            };
        }
        report.rows.extend(rows);
        progress(s + 1, sc.sessions);
    }
    // Settle what is left.
    let left: Vec<i64> = pending.keys().copied().collect();
    for h in left {
        let claims = pending.remove(&h).unwrap_or_default();
        settle(
            sc,
            &mut report,
            h,
            &grid,
            claims,
            &params,
            num_pending,
            &mut app_stakes,
            &mut supplier_stakes,
            &mut histories,
            &mut fake_rewards,
        )?;
    }
    let a = &mut report.adversary;
    if !fake_rewards.is_empty() {
        let mean = fake_rewards.iter().sum::<u64>() as f64 / fake_rewards.len() as f64;
        let p = sc.proof.request_probability;
        a.break_even_penalty_upokt = if p > 0.0 {
            mean * (1.0 - p) / p
        } else {
            f64::INFINITY
        };
    }
    Ok(report)
}

/// Hashes `served` relays of a supplier's session one by one and counts those below the target
/// (pokt-mining's applicability rule on a synthetic relay hash).
/// Hashes each synthetic relay, compares it with the target, and inserts the mined ones into a
/// real session tree (pokt-smst, SHA-256, raw values; key = relay hash, weight = compute units per
/// relay). Returns the mined count and the tree's root (the claim's root).
fn mine_exactly(
    session_id: &[u8; 32],
    supplier: &Address,
    served: u64,
    target: &TargetHash,
    compute_units_per_relay: u64,
) -> (u64, Root) {
    let prefix = Sha256::new()
        .chain_update(session_id)
        .chain_update(supplier.as_bytes());
    let mut tree = PoktSmst::new(ValueMode::Raw);
    let mut mined = 0u64;
    for i in 0..served {
        let h: [u8; 32] = prefix
            .clone()
            .chain_update(i.to_le_bytes())
            .finalize()
            .into();
        if is_volume_applicable(&RelayHash::from_bytes(h), target) {
            tree.update(&h, &i.to_le_bytes(), compute_units_per_relay);
            mined += 1;
        }
    }
    (mined, tree.root())
}

fn session_id_for(
    seed: u64,
    app: &Address,
    svc: &ServiceId,
    start: i64,
) -> pokt_primitives::SessionId {
    let pre = pokt_session::session_id_preimage(
        Some(&block_hash(seed, start)),
        svc,
        app,
        BlockHeight::new(start),
    );
    pokt_session::session_id(&pre)
}

/// A claim without a session tree has no protobuf claim to hash: the draw is seeded by a hash of
/// the claim's identifying fields instead (a stand-in, not the chain's claim hash).
fn synthetic_claim_hash(c: &ClaimInput) -> ClaimHash {
    ClaimHash::from_bytes(
        Sha256::new()
            .chain_update(c.supplier_operator.as_bytes())
            .chain_update(c.session_id.as_bytes())
            .chain_update(c.num_relays.to_le_bytes())
            .chain_update(c.num_compute_units.get().to_le_bytes())
            .finalize()
            .into(),
    )
}

#[allow(clippy::too_many_arguments)]
fn settle(
    sc: &Scenario,
    report: &mut Report,
    height: i64,
    grid: &SessionGrid,
    claims: Vec<(u64, PendingClaim)>,
    params: &TokenomicsParams,
    num_pending: u64,
    app_stakes: &mut BTreeMap<Address, AppAccount>,
    supplier_stakes: &mut [u64],
    histories: &mut [DifficultyHistory],
    fake_rewards: &mut Vec<u64>,
) -> Result<(), String> {
    let session = claims.first().map_or(0, |(s, _)| *s);
    let mut flows = Flows::default();
    // Claims needing a proof: honest suppliers prove; a fake claim cannot.
    let mut ripe: Vec<&PendingClaim> = Vec::new();
    for (_, c) in &claims {
        if c.required {
            report.proofs_required += 1;
        }
        if c.required && c.fake_relays > 0 {
            report.claims_expired += 1;
            report.adversary.caught += 1;
            let left = proof_penalty(
                Upokt::new(supplier_stakes[c.supplier]),
                Upokt::new(sc.proof.missing_penalty_upokt),
                Upokt::new(sc.suppliers.min_stake_upokt),
            )
            .remaining_stake
            .get();
            let paid = supplier_stakes[c.supplier] - left;
            supplier_stakes[c.supplier] = left;
            flows.penalties += paid;
            report.adversary.penalties_upokt += paid;
        } else {
            ripe.push(c);
        }
    }
    let inputs: Vec<ClaimInput> = ripe.iter().map(|c| c.input.clone()).collect();
    let input = BlockInput {
        claims: &inputs,
        apps: app_stakes.clone(),
        num_pending_sessions: num_pending,
        params,
        proposer: address_of("proposer", 0),
        application_min_stake: Upokt::ZERO,
        expiry: Default::default(),
    };
    let out = settle_block(&input).map_err(|e| e.to_string())?;
    for (app, stake) in out.app_stakes() {
        if let Some(acc) = app_stakes.get_mut(app) {
            acc.stake = *stake;
        }
    }
    for op in out.ops() {
        // The simulator's flows are raw totals: convert at the boundary.
        let amount = op.amount().get();
        match *op {
            LedgerOp::Burn {
                reason: Reason::RelayBurn,
                ..
            } => flows.application_burned += amount,
            LedgerOp::Mint { .. } => flows.minted += amount,
            LedgerOp::Transfer {
                reason: Reason::ReimbursementRequest,
                ..
            } => {
                flows.application_reimbursed += amount;
            }
            LedgerOp::Transfer {
                reason: Reason::RelayMintShare(actor) | Reason::GlobalMintShare(actor),
                ..
            } => match actor {
                Actor::Supplier => flows.supplier += amount,
                Actor::SourceOwner => flows.source_owner += amount,
                Actor::Proposer => flows.proposer += amount,
                Actor::Dao => flows.dao += amount,
                Actor::Application => flows.application_share += amount,
            },
            _ => {}
        }
    }
    // Per-claim outcomes; relays of settled claims drive the difficulty per service.
    let mut settled_relays: BTreeMap<usize, u64> = BTreeMap::new();
    for (c, o) in ripe.iter().zip(out.outcomes()) {
        match o {
            Outcome::Settled {
                settled: settled_upokt,
                ..
            } => {
                report.claims_settled += 1;
                *settled_relays.entry(c.service).or_insert(0) += c.input.num_relays;
                if c.fake_relays > 0 {
                    // The fake share of the supplier's payment.
                    let share = (settled_upokt.get() as u128 * c.fake_relays as u128
                        / c.input.num_relays.max(1) as u128) as u64;
                    let supplier_part = params
                        .mint_equals_burn_distribution
                        .supplier
                        .mul_floor(params.mint_ratio.mul_floor(share).unwrap_or(0))
                        .unwrap_or(0);
                    report.adversary.earned_upokt += supplier_part;
                    fake_rewards.push(supplier_part);
                }
            }
            Outcome::Discarded(_) => report.claims_discarded += 1,
            // Expired claims are handled above and never passed in (`expiry` is empty).
            Outcome::Expired { .. } => {}
        }
    }
    for (svc, mined) in settled_relays {
        let spec = &sc.services[svc];
        let next_start = grid.end(BlockHeight::new(height)).get() + 1;
        let h = &mut histories[svc];
        let r = match sc.controller {
            ControllerKind::Poktroll => update(
                h,
                &MinedRelayEma,
                height,
                next_start,
                mined,
                spec.target_num_relays,
            ),
            ControllerKind::Paper => update(
                h,
                &EstimatedRelayEma,
                height,
                next_start,
                mined,
                spec.target_num_relays,
            ),
        };
        r.ok_or("difficulty EMA reached 0")?;
    }
    let f = &mut report.flows;
    f.application_burned += flows.application_burned;
    f.application_reimbursed += flows.application_reimbursed;
    f.minted += flows.minted;
    f.supplier += flows.supplier;
    f.source_owner += flows.source_owner;
    f.proposer += flows.proposer;
    f.dao += flows.dao;
    f.application_share += flows.application_share;
    f.penalties += flows.penalties;
    report.flow_rows.push(FlowRow {
        session,
        height,
        flows,
    });
    Ok(())
}

fn update(
    h: &mut DifficultyHistory,
    c: &impl Controller,
    height: i64,
    next_start: i64,
    mined: u64,
    target: u64,
) -> Option<pokt_mining::RelayMiningDifficulty> {
    h.update(
        c,
        BlockHeight::new(height),
        BlockHeight::new(next_start),
        mined,
        target,
    )
}
