#![doc = include_str!("../README.md")]

use std::collections::BTreeMap;

use pokt_crypto::VerifyingKey;
use pokt_mining::{
    DifficultyHistory, MeteringError, MinedRelayEma, ProofContext, ProofError, ProofRequirement,
    check_token_metered_weight, proof_requirement_for_claim, validate_claim,
    validate_claim_token_metered, validate_proof, validate_proof_go_compatible,
};
use pokt_primitives::{
    Address, BlockHash, BlockHeight, BlockInterval, Claim, ClaimProofStatus, ComputeUnits,
    MsgCreateClaim, MsgSubmitProof, ProofParams, ServiceId, SessionId, SessionNumber, SharedParams,
    TargetHash, TokenomicsParams, Upokt,
};
use pokt_relay::llm::TokenPricing;
use pokt_relay::{RingMembers, ring_at};
use pokt_session::{
    ParamsHistory, ServiceConfig, Session, SessionGrid, SessionQuery, WindowOffsets, Windows,
};
use pokt_tokenomics::{
    Account, AppAccount, BlockInput, ClaimInput, ClaimPricing, Expiry, LedgerOp, Metering, Outcome,
    ProofFailure, RevShare, settle_block,
};
use sha2::{Digest, Sha256};

/// The chain's parameters. [DEVNET-1]
#[derive(Clone, Debug)]
pub struct DevnetConfig {
    /// Shared params at genesis (session length, windows, compute-unit price); later updates
    /// through [`Devnet::set_shared_params`].
    pub shared: SharedParams,
    /// Proof params (requirement threshold and probability, penalty).
    pub proof: ProofParams,
    /// Tokenomics params.
    pub tokenomics: TokenomicsParams,
    /// Suppliers per session.
    pub num_suppliers_per_session: usize,
    /// Application module `min_stake` in uPOKT.
    pub application_min_stake: u64,
    /// Supplier module `min_stake` in uPOKT.
    pub supplier_min_stake: u64,
    /// Closest proofs verified strictly (this project's default) or as Go does.
    pub strict_proofs: bool,
    /// Seed of the block hashes (two devnets with one seed make the same chain).
    pub seed: [u8; 32],
}

impl DevnetConfig {
    /// A small fast chain for tests and demos: sessions of 4 blocks, 1-block grace period, claim
    /// window blocks E+2..E+5, proof window blocks E+5..E+9 (settled at E+9), 3 suppliers per
    /// session, every claim proven (threshold 0), poktroll's code-default tokenomics.
    pub fn small() -> Result<Self, pokt_primitives::FractionError> {
        Ok(Self {
            shared: SharedParams {
                num_blocks_per_session: BlockInterval::new(4),
                grace_period_end_offset_blocks: BlockInterval::new(1),
                claim_window_open_offset_blocks: BlockInterval::new(1),
                claim_window_close_offset_blocks: BlockInterval::new(3),
                proof_window_open_offset_blocks: BlockInterval::new(0),
                proof_window_close_offset_blocks: BlockInterval::new(4),
                session_grid_anchor_height: BlockHeight::new(1),
                session_number_at_anchor: SessionNumber::new(1),
                ..SharedParams::defaults()
            },
            proof: ProofParams {
                proof_requirement_threshold: Upokt::ZERO,
                ..ProofParams::defaults()
            },
            tokenomics: TokenomicsParams::defaults()?,
            num_suppliers_per_session: 3,
            application_min_stake: 1,
            supplier_min_stake: 1,
            strict_proofs: true,
            seed: [0x5e; 32],
        })
    }
}

fn offsets(s: &SharedParams) -> WindowOffsets {
    WindowOffsets::from(s)
}

fn grid_of(s: &SharedParams) -> Option<SessionGrid> {
    SessionGrid::from_shared(s)
}

/// A service on the devnet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceDef {
    /// The service id.
    pub id: ServiceId,
    /// Compute units per relay (POKT's fixed price; the base when token-metered).
    pub compute_units_per_relay: u64,
    /// The service's owner: the model's source, paid the source-owner share.
    pub owner: Address,
    /// The relays per session the difficulty aims at.
    pub target_num_relays: u64,
    /// Token pricing (extension): relays weigh their signed usage. `None`: fixed units.
    pub token_pricing: Option<TokenPricing>,
}

/// An application as the chain stores it ([`Devnet::application`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationInfo {
    /// Its public key.
    pub key: VerifyingKey,
    /// Its stake in uPOKT.
    pub stake: u64,
    /// The services it is staked for.
    pub services: Vec<ServiceId>,
    /// The gateways it delegates to.
    pub gateways: Vec<Address>,
}

/// A supplier as the chain stores it ([`Devnet::supplier`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierInfo {
    /// The operator's public key.
    pub key: VerifyingKey,
    /// The owner.
    pub owner: Address,
    /// The stake in uPOKT.
    pub stake: u64,
    /// The services it serves.
    pub services: Vec<ServiceId>,
    /// Revenue shares (config order).
    pub rev_shares: Vec<RevShare>,
    /// The height its services are active from.
    pub activation_height: i64,
    /// The relay miner's URL, if set.
    pub endpoint: Option<String>,
}

#[derive(Clone, Debug)]
struct App {
    key: VerifyingKey,
    stake: u64,
    services: Vec<ServiceId>,
    gateways: Vec<Address>,
}

#[derive(Clone, Debug)]
struct Supplier {
    key: VerifyingKey,
    owner: Address,
    stake: u64,
    services: Vec<ServiceId>,
    rev_shares: Vec<RevShare>,
    activation_height: i64,
    endpoint: Option<String>,
}

/// A claim the chain holds until its settlement block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimRecord {
    /// The claim as stored (its bytes are the claim hash's preimage).
    pub claim: Claim,
    /// The session's windows.
    pub windows: Windows,
    /// The height it was accepted at.
    pub height: i64,
    /// The proof's status: `None` until one is submitted.
    pub proof: Option<Result<u64, String>>,
}

/// What the chain did, in order. [DEVNET-1]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DevnetEvent {
    /// A claim was accepted.
    ClaimCreated {
        /// The supplier.
        supplier: Address,
        /// The session.
        session_id: String,
        /// Relays and compute units in it.
        num_relays: u64,
        /// Compute units (the root's sum).
        num_compute_units: u64,
    },
    /// A proof was validated (the revealed leaf's weight).
    ProofValidated {
        /// The supplier.
        supplier: Address,
        /// The session.
        session_id: String,
        /// The revealed leaf's weight.
        weight: u64,
    },
    /// A proof was refused (and the claim will expire if one is required).
    ProofRejected {
        /// The supplier.
        supplier: Address,
        /// The session.
        session_id: String,
        /// Why.
        reason: String,
    },
    /// A claim settled, was discarded or expired at its settlement block.
    Settled {
        /// The supplier.
        supplier: Address,
        /// The session.
        session_id: String,
        /// Whether a proof was required and why.
        requirement: ProofRequirement,
        /// The outcome.
        outcome: Outcome,
    },
    /// A service's difficulty changed at a settlement block.
    DifficultyUpdated {
        /// The service.
        service: ServiceId,
        /// The new target.
        target: TargetHash,
        /// Effective from this height.
        from_height: i64,
    },
}

/// Why the devnet refused a message or an operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DevnetError {
    /// An account, application, gateway, supplier or service is unknown.
    #[error("unknown {0}")]
    Unknown(&'static str),
    /// Not enough liquid balance or stake.
    #[error("insufficient funds")]
    Funds,
    /// The session cannot be derived.
    #[error("session: {0}")]
    Session(String),
    /// The claim is refused.
    #[error("claim refused: {0}")]
    Claim(String),
    /// The proof is refused.
    #[error("proof refused: {0}")]
    Proof(String),
    /// Settlement failed (a bug or an impossible ledger state).
    #[error("settlement: {0}")]
    Settle(String),
}

/// An in-memory POKT chain driven by the pokt-rs crates: blocks with block hashes, stakes,
/// delegations, services, sessions, claims and proofs in their windows, proof validation (strict
/// by default), the proof requirement, settlement and difficulty updates. Pure: heights advance
/// only when the host calls [`advance`](Self::advance). [DEVNET-1]
#[derive(Clone, Debug)]
pub struct Devnet {
    cfg: DevnetConfig,
    /// Shared params by effective height (session grid, windows, compute-unit price).
    shared: ParamsHistory<SharedParams>,
    height: i64,
    hashes: Vec<BlockHash>,
    balances: BTreeMap<Account, u64>,
    services: BTreeMap<ServiceId, ServiceDef>,
    apps: BTreeMap<Address, App>,
    gateways: BTreeMap<Address, (VerifyingKey, u64)>,
    suppliers: BTreeMap<Address, Supplier>,
    difficulty: BTreeMap<ServiceId, DifficultyHistory>,
    claims: BTreeMap<(String, Address), ClaimRecord>,
    events: Vec<DevnetEvent>,
    minted: u64,
    burned: u64,
    gateway_module: u64,
}

fn sum_add(a: u64, b: u64) -> Result<u64, DevnetError> {
    a.checked_add(b).ok_or(DevnetError::Funds)
}

impl Devnet {
    /// A chain at height 1 (the genesis block's hash is made).
    pub fn new(cfg: DevnetConfig) -> Result<Self, DevnetError> {
        grid_of(&cfg.shared)
            .ok_or_else(|| DevnetError::Session("num_blocks_per_session".into()))?;
        let mut d = Self {
            shared: ParamsHistory::new(cfg.shared),
            cfg,
            height: 0,
            hashes: Vec::new(),
            balances: BTreeMap::new(),
            services: BTreeMap::new(),
            apps: BTreeMap::new(),
            gateways: BTreeMap::new(),
            suppliers: BTreeMap::new(),
            difficulty: BTreeMap::new(),
            claims: BTreeMap::new(),
            events: Vec::new(),
            minted: 0,
            burned: 0,
            gateway_module: 0,
        };
        d.make_block();
        Ok(d)
    }

    /// The configuration.
    pub fn config(&self) -> &DevnetConfig {
        &self.cfg
    }

    /// The current height (the last block made).
    pub fn height(&self) -> i64 {
        self.height
    }

    /// The hash of block `h` (`None` before genesis or after the current height).
    pub fn block_hash(&self, h: i64) -> Option<BlockHash> {
        let i = usize::try_from(h.checked_sub(1)?).ok()?;
        self.hashes.get(i).copied()
    }

    fn make_block(&mut self) {
        self.height += 1;
        let prev = self.hashes.last().map_or([0u8; 32], |h| *h.as_bytes());
        let mut s = Sha256::new();
        s.update(b"pokt-devnet block");
        s.update(self.cfg.seed);
        s.update(prev);
        s.update(self.height.to_be_bytes());
        self.hashes.push(BlockHash::from_bytes(s.finalize().into()));
    }

    /// Makes the next block and runs its end-blocker: the claims whose settlement height it is
    /// are settled (proof requirement, expiry, settlement, difficulty update). Returns the events
    /// of the block.
    pub fn advance(&mut self) -> Result<Vec<DevnetEvent>, DevnetError> {
        self.begin_block();
        self.end_block()
    }

    /// Makes the next block without its end-blocker, so that a node can execute the block's
    /// transactions at its height first; call [`end_block`](Self::end_block) once after it.
    /// [`advance`](Self::advance) is the two together.
    pub fn begin_block(&mut self) {
        self.make_block();
    }

    /// Runs the end-blocker of the current block (settlement of the claims ripe at this height,
    /// difficulty updates). Returns its events.
    pub fn end_block(&mut self) -> Result<Vec<DevnetEvent>, DevnetError> {
        let first = self.events.len();
        self.settle_ripe()?;
        Ok(self.events.get(first..).unwrap_or(&[]).to_vec())
    }

    /// Makes blocks until `height`.
    pub fn advance_to(&mut self, height: i64) -> Result<Vec<DevnetEvent>, DevnetError> {
        let mut out = Vec::new();
        while self.height < height {
            out.extend(self.advance()?);
        }
        Ok(out)
    }

    /// Every event so far.
    pub fn events(&self) -> &[DevnetEvent] {
        &self.events
    }

    // ----- accounts and stakes -----

    /// Mints `amount` uPOKT to `addr` (genesis funding).
    pub fn fund(&mut self, addr: Address, amount: u64) -> Result<(), DevnetError> {
        let b = self.balances.entry(Account::Address(addr)).or_default();
        *b = sum_add(*b, amount)?;
        self.minted = sum_add(self.minted, amount)?;
        Ok(())
    }

    /// The liquid balance of `addr`.
    pub fn balance(&self, addr: &Address) -> u64 {
        self.balance_of(&Account::Address(*addr))
    }

    /// The balance of any ledger account (module accounts included).
    pub fn balance_of(&self, account: &Account) -> u64 {
        self.balances.get(account).copied().unwrap_or(0)
    }

    /// Total minted since genesis (funding included) and total burned.
    pub fn supply_changes(&self) -> (u64, u64) {
        (self.minted, self.burned)
    }

    /// Moves `amount` from one account's liquid balance to another's (a bank send; transaction
    /// fees).
    pub fn transfer(
        &mut self,
        from: &Address,
        to: &Address,
        amount: u64,
    ) -> Result<(), DevnetError> {
        self.move_funds(Account::Address(*from), Account::Address(*to), amount)
    }

    fn move_funds(&mut self, from: Account, to: Account, amount: u64) -> Result<(), DevnetError> {
        let f = self.balances.entry(from).or_default();
        *f = f.checked_sub(amount).ok_or(DevnetError::Funds)?;
        let t = self.balances.entry(to).or_default();
        *t = sum_add(*t, amount)?;
        Ok(())
    }

    /// Adds a service.
    pub fn add_service(&mut self, def: ServiceDef) {
        self.difficulty.entry(def.id.clone()).or_default();
        self.services.insert(def.id.clone(), def);
    }

    /// A service.
    pub fn service(&self, id: &ServiceId) -> Option<&ServiceDef> {
        self.services.get(id)
    }

    /// Stakes an application for `services`, moving `stake` from its balance.
    pub fn stake_application(
        &mut self,
        key: VerifyingKey,
        stake: u64,
        services: Vec<ServiceId>,
    ) -> Result<Address, DevnetError> {
        let addr = key.address();
        if services.iter().any(|s| !self.services.contains_key(s)) {
            return Err(DevnetError::Unknown("service"));
        }
        self.move_funds(Account::Address(addr), Account::ApplicationModule, stake)?;
        let app = self.apps.entry(addr).or_insert(App {
            key,
            stake: 0,
            services: Vec::new(),
            gateways: Vec::new(),
        });
        app.stake = sum_add(app.stake, stake)?;
        app.services = services;
        Ok(addr)
    }

    /// An application as the chain stores it.
    pub fn application(&self, addr: &Address) -> Option<ApplicationInfo> {
        self.apps.get(addr).map(|a| ApplicationInfo {
            key: a.key,
            stake: a.stake,
            services: a.services.clone(),
            gateways: a.gateways.clone(),
        })
    }

    /// A gateway's key and stake.
    pub fn gateway(&self, addr: &Address) -> Option<(VerifyingKey, u64)> {
        self.gateways.get(addr).copied()
    }

    /// A supplier as the chain stores it.
    pub fn supplier(&self, addr: &Address) -> Option<SupplierInfo> {
        self.suppliers.get(addr).map(|s| SupplierInfo {
            key: s.key,
            owner: s.owner,
            stake: s.stake,
            services: s.services.clone(),
            rev_shares: s.rev_shares.clone(),
            activation_height: s.activation_height,
            endpoint: s.endpoint.clone(),
        })
    }

    /// An application's stake.
    pub fn application_stake(&self, addr: &Address) -> Option<u64> {
        self.apps.get(addr).map(|a| a.stake)
    }

    /// Stakes a gateway: its stake leaves its balance for the gateway module (which settlement
    /// never touches; see [`gateway_module`](Self::gateway_module)).
    pub fn stake_gateway(&mut self, key: VerifyingKey, stake: u64) -> Result<Address, DevnetError> {
        let addr = key.address();
        let b = self.balances.entry(Account::Address(addr)).or_default();
        *b = b.checked_sub(stake).ok_or(DevnetError::Funds)?;
        self.gateway_module = sum_add(self.gateway_module, stake)?;
        self.gateways.insert(addr, (key, stake));
        Ok(addr)
    }

    /// uPOKT staked by gateways.
    pub fn gateway_module(&self) -> u64 {
        self.gateway_module
    }

    /// Everything held: every ledger account plus the gateway module. Always equals minted −
    /// burned ([`supply_changes`](Self::supply_changes)).
    pub fn total_held(&self) -> u128 {
        self.balances.values().map(|v| u128::from(*v)).sum::<u128>()
            + u128::from(self.gateway_module)
    }

    /// Delegates `app` to `gateway`.
    pub fn delegate(&mut self, app: &Address, gateway: &Address) -> Result<(), DevnetError> {
        if !self.gateways.contains_key(gateway) {
            return Err(DevnetError::Unknown("gateway"));
        }
        let a = self
            .apps
            .get_mut(app)
            .ok_or(DevnetError::Unknown("application"))?;
        if !a.gateways.contains(gateway) {
            a.gateways.push(*gateway);
        }
        Ok(())
    }

    /// Stakes a supplier (operator key) for `services`, owned by `owner` with `rev_shares`
    /// (percentages summing to 100; empty: all to the owner), active from the next session.
    pub fn stake_supplier(
        &mut self,
        key: VerifyingKey,
        owner: Address,
        stake: u64,
        services: Vec<ServiceId>,
        rev_shares: Vec<RevShare>,
    ) -> Result<Address, DevnetError> {
        let addr = key.address();
        if services.iter().any(|s| !self.services.contains_key(s)) {
            return Err(DevnetError::Unknown("service"));
        }
        self.move_funds(Account::Address(owner), Account::SupplierModule, stake)?;
        let rev_shares = if rev_shares.is_empty() {
            vec![RevShare {
                address: owner,
                percentage: 100,
            }]
        } else {
            rev_shares
        };
        let activation_height = self.session_end(self.height)?.saturating_add(1);
        self.suppliers.insert(
            addr,
            Supplier {
                key,
                owner,
                stake,
                services,
                rev_shares,
                activation_height,
                endpoint: None,
            },
        );
        Ok(addr)
    }

    /// Sets the URL where a supplier's relay miner serves relays (its service configuration's
    /// endpoint on chain).
    pub fn set_supplier_endpoint(
        &mut self,
        addr: &Address,
        url: String,
    ) -> Result<(), DevnetError> {
        let s = self
            .suppliers
            .get_mut(addr)
            .ok_or(DevnetError::Unknown("supplier"))?;
        s.endpoint = Some(url);
        Ok(())
    }

    /// The URL of a supplier's relay miner, if set.
    pub fn supplier_endpoint(&self, addr: &Address) -> Option<&str> {
        self.suppliers.get(addr).and_then(|s| s.endpoint.as_deref())
    }

    /// A supplier's stake.
    pub fn supplier_stake(&self, addr: &Address) -> Option<u64> {
        self.suppliers.get(addr).map(|s| s.stake)
    }

    /// A supplier operator's public key.
    pub fn supplier_key(&self, addr: &Address) -> Option<VerifyingKey> {
        self.suppliers.get(addr).map(|s| s.key)
    }

    // ----- sessions -----

    /// The shared params in force at `height`.
    pub fn shared_params(&self, height: i64) -> &SharedParams {
        self.shared.at(BlockHeight::new(height))
    }

    /// Updates the shared params from the next session start (returned): the session grid is
    /// re-anchored there so session numbers continue; sessions already begun keep their length
    /// and windows.
    pub fn set_shared_params(&mut self, mut params: SharedParams) -> Result<i64, DevnetError> {
        let end = self.session_end(self.height)?;
        let effective = end.saturating_add(1);
        params.session_grid_anchor_height = BlockHeight::new(effective);
        params.session_number_at_anchor = self
            .grid_at(end)?
            .number(BlockHeight::new(end))
            .checked_next()
            .unwrap_or(SessionNumber::MAX);
        grid_of(&params).ok_or_else(|| DevnetError::Session("num_blocks_per_session".into()))?;
        self.shared.record(BlockHeight::new(effective), params);
        Ok(effective)
    }

    /// Replaces the proof params (in force from the next settlement).
    pub fn set_proof_params(&mut self, params: ProofParams) {
        self.cfg.proof = params;
    }

    /// Replaces the tokenomics params (in force from the next settlement).
    pub fn set_tokenomics_params(&mut self, params: TokenomicsParams) {
        self.cfg.tokenomics = params;
    }

    fn grid_at(&self, height: i64) -> Result<SessionGrid, DevnetError> {
        grid_of(self.shared_params(height)).ok_or_else(|| DevnetError::Session("grid".into()))
    }

    /// The session of `app` for `service` at `height` (≤ the current height).
    pub fn session(
        &self,
        app: &Address,
        service: &ServiceId,
        height: i64,
    ) -> Result<Session, DevnetError> {
        let a = self
            .apps
            .get(app)
            .ok_or(DevnetError::Unknown("application"))?;
        if !a.services.contains(service) {
            return Err(DevnetError::Session(
                "application not staked for the service".into(),
            ));
        }
        let configs: Vec<ServiceConfig> = self
            .suppliers
            .iter()
            .flat_map(|(addr, s)| {
                s.services.iter().map(move |svc| ServiceConfig {
                    operator: *addr,
                    service: svc.clone(),
                    activation_height: BlockHeight::new(s.activation_height),
                    deactivation_height: None,
                })
            })
            .collect();
        Session::derive(
            SessionQuery {
                application: app,
                service_id: service,
                height: BlockHeight::new(height),
                grid: self.grid_at(height)?,
                num_suppliers_per_session: self.cfg.num_suppliers_per_session,
            },
            |h| self.block_hash(h.get()),
            &configs,
        )
        .map_err(|e| DevnetError::Session(e.to_string()))
    }

    /// The last block of the session containing `height`.
    pub fn session_end(&self, height: i64) -> Result<i64, DevnetError> {
        Ok(self.grid_at(height)?.end(BlockHeight::new(height)).get())
    }

    /// The session's claim, proof and settlement windows.
    pub fn windows(&self, session_end: i64) -> Result<Windows, DevnetError> {
        offsets(self.shared_params(session_end))
            .windows(BlockHeight::new(session_end))
            .ok_or_else(|| DevnetError::Session("windows".into()))
    }

    /// The grace period after the session ending at `session_end` (relays still accepted), in
    /// blocks.
    pub fn grace_period_blocks(&self, session_end: i64) -> u64 {
        self.shared_params(session_end)
            .grace_period_end_offset_blocks
            .get()
    }

    /// The ring an application's relays must be signed with at a session end height: the
    /// application and its gateways (the placeholder key when none).
    pub fn ring(&self, app: &Address, session_end: i64) -> Result<Vec<VerifyingKey>, DevnetError> {
        let a = self
            .apps
            .get(app)
            .ok_or(DevnetError::Unknown("application"))?;
        let delegated = a
            .gateways
            .iter()
            .filter_map(|g| self.gateways.get(g).map(|(k, _)| *k))
            .collect();
        ring_at(
            &RingMembers {
                application: Some(a.key),
                delegated,
                pending_undelegations: vec![],
            },
            BlockHeight::new(session_end),
        )
        .map_err(|_| DevnetError::Session("ring".into()))
    }

    /// The difficulty target of `service` in force at `height`.
    pub fn target(&self, service: &ServiceId, height: i64) -> Result<TargetHash, DevnetError> {
        let def = self
            .services
            .get(service)
            .ok_or(DevnetError::Unknown("service"))?;
        Ok(self
            .difficulty
            .get(service)
            .map(|h| {
                h.at(BlockHeight::new(height), def.target_num_relays)
                    .target_hash
            })
            .unwrap_or(TargetHash::from_bytes([0xff; 32])))
    }

    /// The relay-mining difficulty of `service` in force at `height` (EMA and target).
    pub fn difficulty(
        &self,
        service: &ServiceId,
        height: i64,
    ) -> Result<pokt_mining::RelayMiningDifficulty, DevnetError> {
        let def = self
            .services
            .get(service)
            .ok_or(DevnetError::Unknown("service"))?;
        Ok(self
            .difficulty
            .get(service)
            .map(|h| h.at(BlockHeight::new(height), def.target_num_relays))
            .unwrap_or_else(|| {
                pokt_mining::RelayMiningDifficulty::default_for(def.target_num_relays)
            }))
    }

    /// The seed block hash of a session's proof (the block before the proof window opens).
    pub fn proof_seed(&self, session_end: i64) -> Result<BlockHash, DevnetError> {
        let w = self.windows(session_end)?;
        self.block_hash(w.proof_window_open.get() - 1)
            .ok_or_else(|| DevnetError::Proof("seed block not yet made".into()))
    }

    // ----- claims and proofs -----

    fn onchain_session(
        &self,
        header: Option<&pokt_primitives::SessionHeader>,
    ) -> Result<(Session, ServiceDef), DevnetError> {
        let h = header.ok_or_else(|| DevnetError::Claim("no session header".into()))?;
        let app: Address = h
            .application_address
            .parse()
            .map_err(|_| DevnetError::Claim("application address".into()))?;
        let service =
            ServiceId::new(&h.service_id).map_err(|_| DevnetError::Claim("service id".into()))?;
        let def = self
            .services
            .get(&service)
            .cloned()
            .ok_or(DevnetError::Unknown("service"))?;
        let s = self.session(&app, &service, h.session_start_block_height)?;
        if s.header.to_wire() != *h {
            return Err(DevnetError::Claim(
                "session header differs from the chain's".into(),
            ));
        }
        Ok((s, def))
    }

    /// Accepts a `MsgCreateClaim` at the current height: the chain's session, the supplier in it,
    /// the claim window, the root checks (the metered ones for a token-priced service), one claim
    /// per (session, supplier).
    pub fn submit_claim(&mut self, msg: &MsgCreateClaim) -> Result<(), DevnetError> {
        let supplier: Address = msg
            .supplier_operator_address
            .parse()
            .map_err(|_| DevnetError::Claim("supplier address".into()))?;
        let (session, def) = self.onchain_session(msg.session_header.as_ref())?;
        if !session.suppliers.contains(&supplier) {
            return Err(DevnetError::Claim("supplier not in the session".into()));
        }
        let windows = self.windows(session.header.end.get())?;
        let now = BlockHeight::new(self.height);
        let root = match def.token_pricing {
            Some(_) => validate_claim_token_metered(&msg.root_hash, now, &windows),
            None => validate_claim(
                &msg.root_hash,
                ComputeUnits::new(def.compute_units_per_relay),
                now,
                &windows,
            ),
        }
        .map_err(|e| DevnetError::Claim(e.to_string()))?;
        let key = (session.header.session_id.to_hex(), supplier);
        if self.claims.contains_key(&key) {
            return Err(DevnetError::Claim("already claimed".into()));
        }
        self.events.push(DevnetEvent::ClaimCreated {
            supplier,
            session_id: key.0.clone(),
            num_relays: root.count(),
            num_compute_units: root.sum(),
        });
        self.claims.insert(
            key,
            ClaimRecord {
                claim: Claim {
                    supplier_operator_address: msg.supplier_operator_address.clone(),
                    session_header: msg.session_header.clone(),
                    root_hash: msg.root_hash.clone(),
                    proof_validation_status: ClaimProofStatus::default(),
                },
                windows,
                height: self.height,
                proof: None,
            },
        );
        Ok(())
    }

    /// Accepts a `MsgSubmitProof` at the current height and validates it in the chain's order
    /// (plus the metering check for a token-priced service). A refused proof is recorded (the
    /// claim will expire if a proof is required) and returned as an error.
    pub fn submit_proof(&mut self, msg: &MsgSubmitProof) -> Result<u64, DevnetError> {
        let supplier: Address = msg
            .supplier_operator_address
            .parse()
            .map_err(|_| DevnetError::Proof("supplier address".into()))?;
        let (session, def) = self
            .onchain_session(msg.session_header.as_ref())
            .map_err(|e| DevnetError::Proof(e.to_string()))?;
        let key = (session.header.session_id.to_hex(), supplier);
        let record = self
            .claims
            .get(&key)
            .ok_or_else(|| DevnetError::Proof("no claim".into()))?;
        if record.proof.is_some() {
            return Err(DevnetError::Proof("already proven".into()));
        }
        let end = session.header.end.get();
        let header = session.header.to_wire();
        let target = self.target(&def.id, session.header.start.get())?;
        let ring = self.ring(&session.header.application, end)?;
        let supplier_key = self
            .supplier_key(&supplier)
            .ok_or(DevnetError::Unknown("supplier"))?;
        let seed = self.proof_seed(end)?;
        let ctx = ProofContext {
            session_header: &header,
            session_suppliers: &session.suppliers,
            height: BlockHeight::new(self.height),
            windows: &record.windows,
            target: &target,
            claim_root: &record.claim.root_hash,
            ring: &ring,
            supplier_key: &supplier_key,
            seed_block_hash: &seed,
        };
        let validated = if self.cfg.strict_proofs {
            validate_proof(msg, &ctx)
        } else {
            validate_proof_go_compatible(msg, &ctx)
        };
        let verdict: Result<u64, String> = match validated {
            Err(e @ ProofError::OutsideProofWindow { .. }) => {
                return Err(DevnetError::Proof(e.to_string()));
            }
            Err(e) => Err(format!("{} ({})", e, e.step())),
            Ok(v) => match def.token_pricing {
                Some(p) => check_token_metered_weight(&v, &p)
                    .map(ComputeUnits::get)
                    .map_err(|e: MeteringError| format!("{e} (metering)")),
                None => Ok(v.weight().get()),
            },
        };
        self.events.push(match &verdict {
            Ok(w) => DevnetEvent::ProofValidated {
                supplier,
                session_id: key.0.clone(),
                weight: *w,
            },
            Err(r) => DevnetEvent::ProofRejected {
                supplier,
                session_id: key.0.clone(),
                reason: r.clone(),
            },
        });
        if let Some(r) = self.claims.get_mut(&key) {
            r.proof = Some(verdict.clone());
        }
        verdict.map_err(DevnetError::Proof)
    }

    /// The claims not yet settled.
    pub fn pending_claims(&self) -> impl Iterator<Item = &ClaimRecord> {
        self.claims.values()
    }

    /// What settlement reads of a claim, and its session's end.
    fn claim_input(
        &self,
        key: &(String, Address),
        record: &ClaimRecord,
    ) -> Result<(ClaimInput, i64), DevnetError> {
        let header = record
            .claim
            .session_header
            .clone()
            .ok_or_else(|| DevnetError::Settle("claim without header".into()))?;
        let service = ServiceId::new(&header.service_id)
            .map_err(|_| DevnetError::Settle("service id".into()))?;
        let def = self
            .services
            .get(&service)
            .ok_or(DevnetError::Unknown("service"))?;
        let sup = self
            .suppliers
            .get(&key.1)
            .ok_or(DevnetError::Unknown("supplier"))?;
        let root = pokt_smst::Root::from_bytes(
            record
                .claim
                .root_hash
                .as_slice()
                .try_into()
                .map_err(|_| DevnetError::Settle("root".into()))?,
        );
        let start = header.session_start_block_height;
        let input = ClaimInput {
            supplier_operator: key.1,
            supplier_owner: sup.owner,
            rev_shares: sup.rev_shares.clone(),
            application: header
                .application_address
                .parse()
                .map_err(|_| DevnetError::Settle("application".into()))?,
            service_id: service.clone(),
            source_owner: def.owner,
            session_id: SessionId::from_wire(&header.session_id)
                .map_err(|_| DevnetError::Settle("session id".into()))?,
            num_relays: root.count(),
            num_compute_units: ComputeUnits::new(root.sum()),
            compute_units_per_relay: ComputeUnits::new(def.compute_units_per_relay),
            metering: if def.token_pricing.is_some() {
                Metering::TokenMetered
            } else {
                Metering::FixedPerRelay
            },
            pricing: ClaimPricing::new(self.target(&service, start)?, self.shared_params(start)),
        };
        Ok((input, header.session_end_block_height))
    }

    /// The proof requirement of a claim: drawn from the stored claim's hash and the proof seed
    /// block, against its value. [MINING-REQ-1]
    fn requirement(
        &self,
        record: &ClaimRecord,
        input: &ClaimInput,
        session_end: i64,
    ) -> Result<pokt_mining::RequirementDraw, DevnetError> {
        let seed = self.proof_seed(session_end)?;
        proof_requirement_for_claim(
            &record.claim.hash(),
            input.num_compute_units,
            &input.pricing,
            &seed,
            &self.cfg.proof,
        )
        .map_err(|e| DevnetError::Settle(e.to_string()))
    }

    /// Whether the claim of `supplier` for the session `session_id` (hex) needs a proof, as the
    /// chain will decide at settlement (the seed block must exist: from the proof window's
    /// opening on). A relay miner proves only then.
    pub fn proof_requirement(
        &self,
        session_id: &str,
        supplier: &Address,
    ) -> Result<ProofRequirement, DevnetError> {
        let key = (session_id.to_string(), *supplier);
        let record = self
            .claims
            .get(&key)
            .ok_or_else(|| DevnetError::Proof("no claim".into()))?;
        let (input, end) = self.claim_input(&key, record)?;
        Ok(self.requirement(record, &input, end)?.requirement)
    }

    fn settle_ripe(&mut self) -> Result<(), DevnetError> {
        let ripe: Vec<(String, Address)> = self
            .claims
            .iter()
            .filter(|(_, r)| r.windows.settlement_height.get() == self.height)
            .map(|(k, _)| k.clone())
            .collect();
        if ripe.is_empty() {
            return Ok(());
        }
        let mut inputs = Vec::new();
        let mut requirements = Vec::new();
        let mut expiry = Expiry {
            proof_missing_penalty: self.cfg.proof.proof_missing_penalty,
            supplier_min_stake: Upokt::new(self.cfg.supplier_min_stake),
            ..Expiry::default()
        };
        let mut session_ends = Vec::new();
        for key in &ripe {
            let Some(record) = self.claims.get(key) else {
                continue;
            };
            let (input, end) = self.claim_input(key, record)?;
            let draw = self.requirement(record, &input, end)?;
            if draw.requirement.is_required() {
                match &record.proof {
                    None => {
                        expiry
                            .failed_proofs
                            .insert(inputs.len(), ProofFailure::Missing);
                    }
                    Some(Err(_)) => {
                        expiry
                            .failed_proofs
                            .insert(inputs.len(), ProofFailure::Invalid);
                    }
                    Some(Ok(_)) => {}
                }
            }
            let stake = self.suppliers.get(&key.1).map_or(0, |s| s.stake);
            expiry.supplier_stakes.insert(key.1, Upokt::new(stake));
            requirements.push(draw.requirement);
            session_ends.push((input.service_id.clone(), end));
            inputs.push(input);
        }
        let apps = self
            .apps
            .iter()
            .map(|(a, s)| {
                (
                    *a,
                    AppAccount {
                        stake: Upokt::new(s.stake),
                        per_session_spend_limit: None,
                    },
                )
            })
            .collect();
        // From the shared params at the claims' session end (one settlement height, one end).
        let end = session_ends.first().map_or(self.height, |(_, e)| *e);
        let at_end = self.shared_params(end);
        let num_pending_sessions = offsets(at_end)
            .num_pending_sessions(at_end.num_blocks_per_session)
            .unwrap_or(1);
        let out = settle_block(&BlockInput {
            claims: &inputs,
            apps,
            num_pending_sessions,
            params: &self.cfg.tokenomics,
            proposer: Self::proposer(),
            application_min_stake: Upokt::new(self.cfg.application_min_stake),
            expiry,
        })
        .map_err(|e| DevnetError::Settle(e.to_string()))?;
        for op in out.ops() {
            self.apply(op)?;
        }
        for (a, stake) in out.app_stakes() {
            if let Some(app) = self.apps.get_mut(a) {
                app.stake = stake.get();
            }
        }
        for (s, stake) in out.supplier_stakes() {
            if let Some(sup) = self.suppliers.get_mut(s) {
                sup.stake = stake.get();
            }
        }
        // Difficulty: the relays of the settled claims, per service.
        let mut mined: BTreeMap<ServiceId, (u64, i64)> = BTreeMap::new();
        for (i, (input, outcome)) in inputs.iter().zip(out.outcomes()).enumerate() {
            let key = ripe
                .get(i)
                .cloned()
                .ok_or_else(|| DevnetError::Settle("claims".into()))?;
            self.events.push(DevnetEvent::Settled {
                supplier: input.supplier_operator,
                session_id: key.0.clone(),
                requirement: requirements
                    .get(i)
                    .copied()
                    .unwrap_or(ProofRequirement::NotRequired),
                outcome: *outcome,
            });
            if let Outcome::Settled { .. } = outcome {
                let e = mined.entry(input.service_id.clone()).or_default();
                e.0 = e.0.saturating_add(input.num_relays);
                e.1 = session_ends.get(i).map_or(0, |(_, end)| *end);
            }
        }
        for key in &ripe {
            self.claims.remove(key);
        }
        let next_start = self.session_end(self.height)?.saturating_add(1);
        for (service, (relays, _)) in mined {
            let target_num = self
                .services
                .get(&service)
                .map_or(1, |d| d.target_num_relays);
            if let Some(new) = self.difficulty.get_mut(&service).and_then(|h| {
                h.update(
                    &MinedRelayEma,
                    BlockHeight::new(self.height),
                    BlockHeight::new(next_start),
                    relays,
                    target_num,
                )
            }) {
                self.events.push(DevnetEvent::DifficultyUpdated {
                    service,
                    target: new.target_hash,
                    from_height: next_start,
                });
            }
        }
        Ok(())
    }

    /// The devnet's block proposer (the only validator), paid the proposer shares.
    pub fn proposer() -> Address {
        let d = Sha256::digest(b"pokt-devnet proposer");
        let mut a = [0u8; 20];
        a.copy_from_slice(d.get(..20).unwrap_or(&[0; 20]));
        Address::from_bytes(a)
    }

    fn apply(&mut self, op: &LedgerOp) -> Result<(), DevnetError> {
        match *op {
            LedgerOp::Mint { to, amount, .. } => {
                let b = self.balances.entry(to).or_default();
                *b = sum_add(*b, amount.get())?;
                self.minted = sum_add(self.minted, amount.get())?;
            }
            LedgerOp::Burn { from, amount, .. } => {
                let b = self.balances.entry(from).or_default();
                *b = b
                    .checked_sub(amount.get())
                    .ok_or_else(|| DevnetError::Settle(format!("burn from {from:?}")))?;
                self.burned = sum_add(self.burned, amount.get())?;
            }
            LedgerOp::Transfer {
                from, to, amount, ..
            } => self
                .move_funds(from, to, amount.get())
                .map_err(|_| DevnetError::Settle(format!("transfer from {from:?}")))?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
