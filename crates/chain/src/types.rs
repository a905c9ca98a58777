//! What the [`Chain`](crate::Chain) trait returns: typed views of the node's answers, converted
//! from the wire messages with every field checked (addresses parse, amounts are `upokt` integers,
//! keys are curve points). [CHAIN-API-1]

use std::time::Duration;

use pokt_crypto::VerifyingKey;
use pokt_primitives::{
    Address, BlockHash, BlockHeight, BlockInterval, Claim, ClaimProofStatus, Fraction, ProofParams,
    ServiceId, SessionHeader, SessionNumber, SharedParams, Shares, TargetHash, TokenomicsParams,
    Upokt,
};
use prost::Message as _;

use crate::proto::cosmos as pc;
use crate::proto::pocket as pp;
use crate::tx::{DENOM, TxHash};

/// Why a chain call failed. [CHAIN-API-2]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The object does not exist (gRPC `NOT_FOUND`).
    #[error("{what} not found")]
    NotFound {
        /// What was looked up.
        what: &'static str,
    },
    /// The node could not be reached or the connection broke.
    #[error("{endpoint} unreachable: {reason}")]
    Unreachable {
        /// `rpc`, `grpc` or `websocket`.
        endpoint: &'static str,
        /// The transport's words.
        reason: String,
    },
    /// No answer within the bound.
    #[error("{endpoint} did not answer within {after:?}")]
    Timeout {
        /// `rpc`, `grpc` or `websocket`.
        endpoint: &'static str,
        /// The bound.
        after: Duration,
    },
    /// The answer exceeded the size bound.
    #[error("{endpoint} answer exceeds {limit} bytes")]
    TooLarge {
        /// `rpc`, `grpc` or `websocket`.
        endpoint: &'static str,
        /// The bound.
        limit: usize,
    },
    /// The answer did not have the expected shape.
    #[error("malformed {what} from the node")]
    Malformed {
        /// Which part.
        what: &'static str,
    },
    /// The node refused the request (a gRPC status or a JSON-RPC error).
    #[error("node refused the request (code {code}): {message}")]
    Refused {
        /// gRPC status code or JSON-RPC error code.
        code: i64,
        /// The node's message.
        message: String,
    },
    /// The block subscription ended.
    #[error("block subscription closed")]
    Closed,
}

pub(crate) fn malformed(what: &'static str) -> ChainError {
    ChainError::Malformed { what }
}

fn addr(s: &str, what: &'static str) -> Result<Address, ChainError> {
    s.parse().map_err(|_| malformed(what))
}

fn service_id(s: &str) -> Result<ServiceId, ChainError> {
    ServiceId::new(s).map_err(|_| malformed("service id"))
}

/// The amount of an `upokt` coin (absent: 0).
pub(crate) fn upokt(c: Option<&pc::Coin>) -> Result<u64, ChainError> {
    match c {
        None => Ok(0),
        Some(c) if c.denom == DENOM || (c.denom.is_empty() && c.amount.is_empty()) => {
            if c.amount.is_empty() {
                return Ok(0);
            }
            c.amount.parse().map_err(|_| malformed("coin amount"))
        }
        Some(_) => Err(malformed("coin denomination")),
    }
}

/// A block's height, hash and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRef {
    /// Height.
    pub height: BlockHeight,
    /// The block hash (sessions and proof paths are derived from it).
    pub hash: BlockHash,
    /// Unix time in milliseconds.
    pub time_ms: u64,
}

/// A session as `pocket.session.Query/GetSession` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSession {
    /// The header relays and claims carry.
    pub header: SessionHeader,
    /// The session number.
    pub number: i64,
    /// Blocks per session when it started.
    pub num_blocks_per_session: u64,
    /// The application.
    pub application: Application,
    /// The selected suppliers, in session order.
    pub suppliers: Vec<Supplier>,
}

impl TryFrom<pp::Session> for ChainSession {
    type Error = ChainError;
    fn try_from(s: pp::Session) -> Result<Self, ChainError> {
        let header: SessionHeader = s.header.ok_or_else(|| malformed("session header"))?.into();
        addr(&header.application_address, "session application")?;
        Ok(Self {
            header,
            number: s.session_number,
            num_blocks_per_session: s.num_blocks_per_session,
            application: s
                .application
                .ok_or_else(|| malformed("session application"))?
                .try_into()?,
            suppliers: s
                .suppliers
                .into_iter()
                .map(Supplier::try_from)
                .collect::<Result<_, _>>()?,
        })
    }
}

/// An application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    /// Address.
    pub address: Address,
    /// Stake in uPOKT.
    pub stake_upokt: u64,
    /// Services.
    pub services: Vec<ServiceId>,
    /// Gateways it delegates to.
    pub delegatee_gateways: Vec<Address>,
    /// Pending undelegations: (session end height requested at, gateway).
    pub pending_undelegations: Vec<(i64, Address)>,
    /// Session end height of its unstaking (0: staked).
    pub unstake_session_end_height: u64,
}

impl TryFrom<pp::Application> for Application {
    type Error = ChainError;
    fn try_from(a: pp::Application) -> Result<Self, ChainError> {
        let mut pending = Vec::new();
        for (h, list) in a.pending_undelegations {
            let h = i64::try_from(h).map_err(|_| malformed("undelegation height"))?;
            for g in list.gateway_addresses {
                pending.push((h, addr(&g, "undelegated gateway")?));
            }
        }
        Ok(Self {
            address: addr(&a.address, "application address")?,
            stake_upokt: upokt(a.stake.as_ref())?,
            services: a
                .service_configs
                .iter()
                .map(|c| service_id(&c.service_id))
                .collect::<Result<_, _>>()?,
            delegatee_gateways: a
                .delegatee_gateway_addresses
                .iter()
                .map(|g| addr(g, "delegatee gateway"))
                .collect::<Result<_, _>>()?,
            pending_undelegations: pending,
            unstake_session_end_height: a.unstake_session_end_height,
        })
    }
}

/// A gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gateway {
    /// Address.
    pub address: Address,
    /// Stake in uPOKT.
    pub stake_upokt: u64,
    /// Session end height of its unstaking (0: staked).
    pub unstake_session_end_height: u64,
}

impl TryFrom<pp::Gateway> for Gateway {
    type Error = ChainError;
    fn try_from(g: pp::Gateway) -> Result<Self, ChainError> {
        Ok(Self {
            address: addr(&g.address, "gateway address")?,
            stake_upokt: upokt(g.stake.as_ref())?,
            unstake_session_end_height: g.unstake_session_end_height,
        })
    }
}

/// One service a supplier serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierService {
    /// The service.
    pub service: ServiceId,
    /// Endpoint URLs (the relay miner's), with their RPC type (`pocket.shared.RPCType`).
    pub endpoints: Vec<(String, i32)>,
    /// Revenue shares: (recipient, percentage).
    pub rev_shares: Vec<(Address, u64)>,
    /// Active from this height (from the configuration history; 0 when absent).
    pub activation_height: i64,
}

/// A supplier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Supplier {
    /// Owner.
    pub owner: Address,
    /// Operator (signs relays, claims and proofs).
    pub operator: Address,
    /// Stake in uPOKT.
    pub stake_upokt: u64,
    /// Current services.
    pub services: Vec<SupplierService>,
    /// Session end height of its unstaking (0: staked).
    pub unstake_session_end_height: u64,
}

impl Supplier {
    /// The first endpoint URL for `service`.
    pub fn endpoint(&self, service: &ServiceId) -> Option<&str> {
        self.services
            .iter()
            .find(|s| &s.service == service)
            .and_then(|s| s.endpoints.first())
            .map(|(u, _)| u.as_str())
    }
}

impl TryFrom<pp::Supplier> for Supplier {
    type Error = ChainError;
    fn try_from(s: pp::Supplier) -> Result<Self, ChainError> {
        let operator = addr(&s.operator_address, "supplier operator")?;
        let activation = |id: &str| {
            s.service_config_history
                .iter()
                .filter(|u| u.service.as_ref().is_some_and(|c| c.service_id == id))
                .map(|u| u.activation_height)
                .max()
                .unwrap_or(0)
        };
        let mut services = Vec::with_capacity(s.services.len());
        for c in &s.services {
            services.push(SupplierService {
                service: service_id(&c.service_id)?,
                endpoints: c
                    .endpoints
                    .iter()
                    .map(|e| (e.url.clone(), e.rpc_type))
                    .collect(),
                rev_shares: c
                    .rev_share
                    .iter()
                    .map(|r| Ok((addr(&r.address, "revenue share")?, r.rev_share_percentage)))
                    .collect::<Result<_, ChainError>>()?,
                activation_height: activation(&c.service_id),
            });
        }
        Ok(Self {
            owner: addr(&s.owner_address, "supplier owner")?,
            operator,
            stake_upokt: upokt(s.stake.as_ref())?,
            services,
            unstake_session_end_height: s.unstake_session_end_height,
        })
    }
}

/// A service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// Id.
    pub id: ServiceId,
    /// Name.
    pub name: String,
    /// Compute units per relay.
    pub compute_units_per_relay: u64,
    /// Owner (the source).
    pub owner: Address,
}

impl TryFrom<pp::Service> for Service {
    type Error = ChainError;
    fn try_from(s: pp::Service) -> Result<Self, ChainError> {
        Ok(Self {
            id: service_id(&s.id)?,
            name: s.name,
            compute_units_per_relay: s.compute_units_per_relay,
            owner: addr(&s.owner_address, "service owner")?,
        })
    }
}

/// A service's relay-mining difficulty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Difficulty {
    /// The height the answer is for.
    pub block_height: i64,
    /// EMA of mined relays.
    pub num_relays_ema: u64,
    /// The target a relay hash must be at or below to be mined.
    pub target_hash: TargetHash,
}

impl TryFrom<pp::RelayMiningDifficulty> for Difficulty {
    type Error = ChainError;
    fn try_from(d: pp::RelayMiningDifficulty) -> Result<Self, ChainError> {
        Ok(Self {
            block_height: d.block_height,
            num_relays_ema: d.num_relays_ema,
            target_hash: TargetHash::from_slice(&d.target_hash)
                .map_err(|_| malformed("target hash"))?,
        })
    }
}

/// An auth account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountInfo {
    /// Address.
    pub address: Address,
    /// Public key, once on chain.
    pub public_key: Option<VerifyingKey>,
    /// Account number (signed into transactions).
    pub account_number: u64,
    /// Next sequence.
    pub sequence: u64,
}

impl TryFrom<pc::QueryAccountResponse> for AccountInfo {
    type Error = ChainError;
    fn try_from(r: pc::QueryAccountResponse) -> Result<Self, ChainError> {
        let any = r.account.ok_or_else(|| malformed("account"))?;
        if any.type_url != pc::BASE_ACCOUNT_URL {
            return Err(malformed("account type"));
        }
        let b = pc::BaseAccount::decode(any.value.as_slice()).map_err(|_| malformed("account"))?;
        let public_key = match b.pub_key {
            None => None,
            Some(k) if k.type_url == pc::SECP256K1_PUBKEY_URL => {
                let pk = pc::Secp256k1PubKey::decode(k.value.as_slice())
                    .map_err(|_| malformed("public key"))?;
                Some(VerifyingKey::from_sec1(&pk.key).map_err(|_| malformed("public key"))?)
            }
            Some(_) => return Err(malformed("public key type")),
        };
        Ok(Self {
            address: addr(&b.address, "account address")?,
            public_key,
            account_number: b.account_number,
            sequence: b.sequence,
        })
    }
}

pub(crate) fn shared_params(p: pp::SharedParams) -> Result<SharedParams, ChainError> {
    let i = |v: u64| i64::try_from(v).map_err(|_| malformed("shared params"));
    Ok(SharedParams {
        num_blocks_per_session: BlockInterval::new(p.num_blocks_per_session),
        grace_period_end_offset_blocks: BlockInterval::new(p.grace_period_end_offset_blocks),
        claim_window_open_offset_blocks: BlockInterval::new(p.claim_window_open_offset_blocks),
        claim_window_close_offset_blocks: BlockInterval::new(p.claim_window_close_offset_blocks),
        proof_window_open_offset_blocks: BlockInterval::new(p.proof_window_open_offset_blocks),
        proof_window_close_offset_blocks: BlockInterval::new(p.proof_window_close_offset_blocks),
        supplier_unbonding_period_sessions: p.supplier_unbonding_period_sessions,
        application_unbonding_period_sessions: p.application_unbonding_period_sessions,
        gateway_unbonding_period_sessions: p.gateway_unbonding_period_sessions,
        compute_units_to_tokens_multiplier: p.compute_units_to_tokens_multiplier,
        compute_unit_cost_granularity: p.compute_unit_cost_granularity,
        session_grid_anchor_height: BlockHeight::new(i(p.session_grid_anchor_height)?),
        session_number_at_anchor: SessionNumber::new(i(p.session_number_at_anchor)?),
    })
}

fn fraction(f: f64) -> Result<Fraction, ChainError> {
    Fraction::from_f64_shortest(f).map_err(|_| malformed("fractional param"))
}

pub(crate) fn proof_params(p: pp::ProofParams) -> Result<ProofParams, ChainError> {
    Ok(ProofParams {
        proof_request_probability: fraction(p.proof_request_probability)?,
        proof_requirement_threshold: Upokt::new(upokt(p.proof_requirement_threshold.as_ref())?),
        proof_missing_penalty: Upokt::new(upokt(p.proof_missing_penalty.as_ref())?),
        proof_submission_fee: Upokt::new(upokt(p.proof_submission_fee.as_ref())?),
    })
}

pub(crate) fn tokenomics_params(p: pp::TokenomicsParams) -> Result<TokenomicsParams, ChainError> {
    let shares = |s: Option<pp::Shares>| -> Result<Shares, ChainError> {
        let s = s.unwrap_or_default();
        Shares::from_f64(s.dao, s.proposer, s.supplier, s.source_owner, s.application)
            .map_err(|_| malformed("shares"))
    };
    Ok(TokenomicsParams {
        mint_ratio: fraction(p.mint_ratio)?,
        global_inflation_per_claim: fraction(p.global_inflation_per_claim)?,
        mint_allocation: shares(p.mint_allocation_percentages)?,
        mint_equals_burn_distribution: shares(p.mint_equals_burn_claim_distribution)?,
        dao_reward_address: addr(&p.dao_reward_address, "dao reward address")?,
        overservicing_bonus_multiplier: p.overservicing_bonus_multiplier,
    })
}

pub(crate) fn claim(c: pp::Claim) -> Result<Claim, ChainError> {
    addr(&c.supplier_operator_address, "claim supplier")?;
    Ok(Claim {
        supplier_operator_address: c.supplier_operator_address,
        session_header: c.session_header.map(Into::into),
        root_hash: c.root_hash,
        proof_validation_status: match c.proof_validation_status {
            0 => ClaimProofStatus::PendingValidation,
            1 => ClaimProofStatus::Validated,
            2 => ClaimProofStatus::Invalid,
            v => ClaimProofStatus::Other(v),
        },
    })
}

/// Gas a simulation reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasInfo {
    /// The simulated transaction's gas limit.
    pub gas_wanted: u64,
    /// Gas it consumes.
    pub gas_used: u64,
}

/// The node's answer to a broadcast (CheckTx).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BroadcastResult {
    /// The transaction hash.
    pub hash: TxHash,
    /// 0: admitted to the mempool.
    pub code: u32,
    /// Error namespace (`sdk`, `proof`, …).
    pub codespace: String,
    /// The log (the error when `code` ≠ 0).
    pub log: String,
}

/// An event of a transaction or a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainEvent {
    /// Type, e.g. `pocket.tokenomics.EventClaimSettled`.
    pub kind: String,
    /// (key, value) attributes; values as the node wrote them (JSON text for typed events).
    pub attributes: Vec<(String, String)>,
}

impl ChainEvent {
    /// An attribute's value with JSON string quotes removed.
    pub fn attribute(&self, key: &str) -> Option<String> {
        let v = &self.attributes.iter().find(|(k, _)| k == key)?.1;
        Some(match serde_json::from_str::<serde_json::Value>(v) {
            Ok(serde_json::Value::String(s)) => s,
            _ => v.clone(),
        })
    }
}

impl From<pc::AbciEvent> for ChainEvent {
    fn from(e: pc::AbciEvent) -> Self {
        Self {
            kind: e.r#type,
            attributes: e.attributes.into_iter().map(|a| (a.key, a.value)).collect(),
        }
    }
}

/// An included transaction's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxResult {
    /// The hash.
    pub hash: TxHash,
    /// The block it is in.
    pub height: BlockHeight,
    /// 0 on success.
    pub code: u32,
    /// Error namespace.
    pub codespace: String,
    /// The log.
    pub log: String,
    /// Gas limit.
    pub gas_wanted: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Events.
    pub events: Vec<ChainEvent>,
}

impl TryFrom<pc::TxResponse> for TxResult {
    type Error = ChainError;
    fn try_from(r: pc::TxResponse) -> Result<Self, ChainError> {
        Ok(Self {
            hash: TxHash::from_hex(&r.txhash).ok_or_else(|| malformed("tx hash"))?,
            height: BlockHeight::new(r.height),
            code: r.code,
            codespace: r.codespace,
            log: r.raw_log,
            gas_wanted: u64::try_from(r.gas_wanted).unwrap_or(0),
            gas_used: u64::try_from(r.gas_used).unwrap_or(0),
            events: r.events.into_iter().map(Into::into).collect(),
        })
    }
}
