//! The simulation engine: sessions, traffic, mining, claims, proofs, settlement and difficulty,
//! session by session, each rule taken from the protocol crates.
// Counts become floats for rates and errors, and draws come back as counts: the casts are the
// point of a statistics engine, and every value involved is far below 2^53.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::collections::BTreeMap;

use pokt_mining::{DifficultyHistory, RelayMiningDifficulty, target_fraction_f64};
use pokt_primitives::{
    Address, BlockHash, BlockHeight, BlockInterval, Fraction, ProofParams, ServiceId, SharedParams,
};
use pokt_session::{ServiceConfig, Session, SessionGrid, SessionQuery, WindowOffsets, Windows};
use pokt_smst::Root;
use pokt_tokenomics::{AppAccount, ClaimInput, TokenomicsParams, Upokt};
use rayon::prelude::*;

use crate::error::SimError;
use crate::mining::{address_of, block_hash, mine_exactly};
use crate::report::{Report, Row};
use crate::rng::SimRng;
use crate::scenario::{ControllerKind, MiningMode, Scenario};

/// One supplier's part of an application's session: its service and supplier index, relays
/// served and mined, and in exact mode the root of the real session tree of the mined relays.
pub(crate) struct Served {
    pub(crate) service: usize,
    pub(crate) supplier: usize,
    pub(crate) served: u64,
    pub(crate) mined: u64,
    pub(crate) root: Option<Root>,
}

/// A claim waiting for its windows and settlement.
#[derive(Clone, Debug)]
pub(crate) struct PendingClaim {
    /// The session index the claim belongs to.
    pub(crate) session: u64,
    pub(crate) input: ClaimInput,
    pub(crate) service: usize,
    pub(crate) supplier: usize,
    pub(crate) fake_relays: u64,
    pub(crate) required: bool,
}

/// The actors and params of a scenario, fixed for the run.
#[derive(Clone, Debug)]
pub(crate) struct World {
    pub(crate) grid: SessionGrid,
    pub(crate) offsets: WindowOffsets,
    pub(crate) num_pending: u64,
    pub(crate) params: TokenomicsParams,
    pub(crate) proof_params: ProofParams,
    pub(crate) services: Vec<ServiceId>,
    pub(crate) source_owners: Vec<Address>,
    pub(crate) apps: Vec<Address>,
    pub(crate) suppliers: Vec<Address>,
    supplier_index: BTreeMap<Address, usize>,
    /// Every supplier's configuration, per service.
    configs: Vec<Vec<ServiceConfig>>,
    /// Application i uses service i mod S; traffic of a service is shared by its applications.
    apps_per_service: Vec<u64>,
}

impl World {
    fn new(sc: &Scenario) -> Result<Self, SimError> {
        let n = BlockInterval::new(sc.num_blocks_per_session);
        // Code-default window offsets (mainnet's need N > 10).
        let offsets = WindowOffsets::from(&SharedParams::defaults());
        let num_pending = offsets.num_pending_sessions(n).ok_or(SimError::Scenario {
            field: "num_blocks_per_session",
            requirement: "must give the window offsets a pending session",
        })?;
        let params = if sc.tokenomics == "mainnet" {
            TokenomicsParams::mainnet()
        } else {
            TokenomicsParams::defaults().map(|mut p| {
                p.dao_reward_address = address_of("dao", 0);
                p
            })
        }
        .map_err(SimError::Tokenomics)?;
        // The scenario's proof params as the chain holds them (the probability's shortest
        // decimal).
        let proof_params = ProofParams {
            proof_request_probability: Fraction::from_f64_shortest(sc.proof.request_probability)
                .map_err(SimError::ProofProbability)?,
            proof_requirement_threshold: Upokt::new(sc.proof.requirement_threshold_upokt),
            proof_missing_penalty: Upokt::new(sc.proof.missing_penalty_upokt),
            ..ProofParams::defaults()
        };
        let services: Vec<ServiceId> = sc
            .services
            .iter()
            .enumerate()
            .map(|(index, s)| {
                ServiceId::new(&s.id).map_err(|error| SimError::ServiceId { index, error })
            })
            .collect::<Result<_, _>>()?;
        let source_owners = (0..services.len())
            .map(|i| address_of("source-owner", i))
            .collect();
        let apps: Vec<Address> = (0..sc.applications.count)
            .map(|i| address_of("application", i))
            .collect();
        let suppliers: Vec<Address> = (0..sc.suppliers.count)
            .map(|i| address_of("supplier", i))
            .collect();
        let supplier_index = suppliers.iter().enumerate().map(|(i, a)| (*a, i)).collect();
        let configs = services
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
        let apps_per_service = (0..services.len())
            .map(|s| (0..apps.len()).filter(|a| a % services.len() == s).count() as u64)
            .collect();
        Ok(Self {
            grid: SessionGrid::genesis(n),
            offsets,
            num_pending,
            params,
            proof_params,
            services,
            source_owners,
            apps,
            suppliers,
            supplier_index,
            configs,
            apps_per_service,
        })
    }
}

/// What one session looks like when it starts: its heights, windows, proof seed and each
/// service's difficulty.
pub(crate) struct SessionStart {
    pub(crate) index: u64,
    pub(crate) start: BlockHeight,
    pub(crate) windows: Windows,
    pub(crate) seed_hash: BlockHash,
    pub(crate) difficulties: Vec<RelayMiningDifficulty>,
    pub(crate) probabilities: Vec<f64>,
}

/// A run in progress: the chain state the engine keeps between heights (stakes, difficulty
/// histories, claims waiting for their settlement height) and the report so far.
///
/// [`step`](Self::step) runs one session: it first settles every settlement height before the
/// session's start (difficulty updates land at session starts), then serves, mines and claims
/// the session's relays. [`finish`](Self::finish) settles what is left. [`run`] is the loop.
/// Deterministic: the same scenario gives the same report, whatever the thread count.
#[derive(Clone, Debug)]
pub struct Simulation {
    pub(crate) sc: Scenario,
    pub(crate) world: World,
    pub(crate) app_stakes: BTreeMap<Address, AppAccount>,
    pub(crate) supplier_stakes: Vec<Upokt>,
    pub(crate) histories: Vec<DifficultyHistory>,
    /// Claims by settlement height.
    pub(crate) pending: BTreeMap<BlockHeight, Vec<PendingClaim>>,
    pub(crate) report: Report,
    /// The supplier's reward of each settled fake claim.
    pub(crate) fake_rewards: Vec<Upokt>,
    next_session: u64,
}

/// Progress callback: (sessions done, sessions total).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Runs a scenario: [`Simulation::step`] for each session, then [`Simulation::finish`].
/// Deterministic: the same scenario gives the same report, whatever the thread count.
pub fn run(sc: &Scenario, progress: Progress<'_>) -> Result<Report, SimError> {
    let mut sim = Simulation::new(sc)?;
    while let Some(done) = sim.step()? {
        progress(done, sc.sessions);
    }
    sim.finish()
}

impl Simulation {
    /// A run of `sc` before its first session (the scenario is checked).
    pub fn new(sc: &Scenario) -> Result<Self, SimError> {
        sc.validate()?;
        let world = World::new(sc)?;
        let app_stakes = world
            .apps
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
        let mut report = Report {
            name: sc.name.clone(),
            controller: match sc.controller {
                ControllerKind::Poktroll => "poktroll".into(),
                ControllerKind::Paper => "paper".into(),
            },
            ..Report::default()
        };
        report.adversary.configured_penalty_upokt = Upokt::new(sc.proof.missing_penalty_upokt);
        Ok(Self {
            supplier_stakes: vec![Upokt::new(sc.suppliers.stake_upokt); world.suppliers.len()],
            histories: vec![DifficultyHistory::new(); world.services.len()],
            world,
            app_stakes,
            pending: BTreeMap::new(),
            report,
            fake_rewards: Vec::new(),
            next_session: 0,
            sc: sc.clone(),
        })
    }

    /// The scenario being run.
    pub fn scenario(&self) -> &Scenario {
        &self.sc
    }

    /// Sessions run so far.
    pub fn sessions_done(&self) -> u64 {
        self.next_session
    }

    /// The report so far (claims not yet settled are not in it).
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Runs the next session (after settling every height before its start); returns the number
    /// of sessions done, or `None` once the scenario's sessions are all run.
    pub fn step(&mut self) -> Result<Option<u64>, SimError> {
        let s = self.next_session;
        if s >= self.sc.sessions {
            return Ok(None);
        }
        let start = s
            .checked_mul(self.sc.num_blocks_per_session)
            .and_then(|b| i64::try_from(b).ok())
            .and_then(|b| b.checked_add(1))
            .map(BlockHeight::new)
            .ok_or(SimError::HeightOverflow)?;
        // Settle every height before this session starts.
        let ripe: Vec<BlockHeight> = self.pending.range(..start).map(|(h, _)| *h).collect();
        for h in ripe {
            self.settle_at(h)?;
        }
        let at = self.session_start(s, start)?;
        let served = self.serve(&at)?;
        let rows = self.claim(&at, served)?;
        self.report.rows.extend(rows);
        self.next_session = s + 1;
        Ok(Some(self.next_session))
    }

    /// Settles what is left and returns the report.
    pub fn finish(mut self) -> Result<Report, SimError> {
        while self.step()?.is_some() {}
        let left: Vec<BlockHeight> = self.pending.keys().copied().collect();
        for h in left {
            self.settle_at(h)?;
        }
        let a = &mut self.report.adversary;
        if !self.fake_rewards.is_empty() {
            let sum: u64 = self.fake_rewards.iter().map(|r| r.get()).sum();
            let mean = sum as f64 / self.fake_rewards.len() as f64;
            let p = self.sc.proof.request_probability;
            a.break_even_penalty_upokt = if p > 0.0 {
                mean * (1.0 - p) / p
            } else {
                f64::INFINITY
            };
        }
        Ok(self.report)
    }

    /// The session's heights, windows, proof seed and the difficulty in force at its start.
    fn session_start(&self, index: u64, start: BlockHeight) -> Result<SessionStart, SimError> {
        let end = self.world.grid.end(start);
        let windows = self
            .world
            .offsets
            .windows(end)
            .ok_or(SimError::HeightOverflow)?;
        let seed_height = windows
            .proof_window_open
            .checked_prev()
            .ok_or(SimError::HeightOverflow)?;
        let difficulties: Vec<RelayMiningDifficulty> = self
            .sc
            .services
            .iter()
            .zip(&self.histories)
            .map(|(spec, h)| h.at(start, spec.target_num_relays))
            .collect();
        let probabilities = difficulties
            .iter()
            .map(|d| target_fraction_f64(&d.target_hash))
            .collect();
        Ok(SessionStart {
            index,
            start,
            windows,
            seed_hash: block_hash(self.sc.seed, seed_height),
            difficulties,
            probabilities,
        })
    }

    /// Each application's session, in parallel (every output is keyed, so order is fixed): the
    /// relays it sends, split over its session's suppliers, mined exactly or by a binomial
    /// draw.
    fn serve(&self, at: &SessionStart) -> Result<Vec<Vec<Served>>, SimError> {
        let sc = &self.sc;
        let w = &self.world;
        let n = sc.num_blocks_per_session;
        let s = at.index;
        // Relays each service receives in this session.
        let session_relays: Vec<f64> = sc
            .services
            .iter()
            .map(|spec| (0..n).map(|b| spec.traffic.rate(s * n + b)).sum())
            .collect();
        (0..w.apps.len())
            .into_par_iter()
            .map(|ai| {
                let svc = ai % w.services.len();
                let mut rng = SimRng::derive(sc.seed, &[s, ai as u64]);
                let share = session_relays[svc] / w.apps_per_service[svc].max(1) as f64;
                // Stochastic rounding keeps the expected total exact.
                let mut relays = share.floor() as u64;
                if rng.next_f64() < share - share.floor() {
                    relays += 1;
                }
                let query = SessionQuery {
                    application: &w.apps[ai],
                    service_id: &w.services[svc],
                    height: at.start,
                    grid: w.grid,
                    num_suppliers_per_session: sc.num_suppliers_per_session,
                };
                let session =
                    Session::derive(query, |h| Some(block_hash(sc.seed, h)), &w.configs[svc])
                        .map_err(SimError::Session)?;
                let k = session.suppliers.len() as u64;
                let target = at.difficulties[svc].target_hash;
                let mut out = Vec::with_capacity(session.suppliers.len());
                for (j, op) in session.suppliers.iter().enumerate() {
                    let si = w
                        .supplier_index
                        .get(op)
                        .copied()
                        .ok_or(SimError::UnknownSupplier)?;
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
                        (rng.binomial(served, at.probabilities[svc]), None)
                    };
                    out.push(Served {
                        service: svc,
                        supplier: si,
                        served,
                        mined,
                        root,
                    });
                }
                Ok(out)
            })
            .collect()
    }

    /// The session's rows, before claims (filled by [`claim`](Self::claim)).
    pub(crate) fn rows(&self, at: &SessionStart) -> Vec<Row> {
        self.sc
            .services
            .iter()
            .enumerate()
            .map(|(i, spec)| Row {
                session: at.index,
                start_height: at.start,
                service: spec.id.clone(),
                probability: at.probabilities[i],
                ema: at.difficulties[i].num_relays_ema,
                target_num_relays: spec.target_num_relays,
                ..Row::default()
            })
            .collect()
    }
}
