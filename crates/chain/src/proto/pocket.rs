//! poktroll v0.1.35's query messages and the state types they carry (`proto/pocket/**`), with their
//! field numbers. The messages a transaction carries (`MsgCreateClaim`, `MsgSubmitProof`) and the
//! stored `Claim` are pokt-primitives' canonical encodings; [`SessionHeader`] here is the wire twin
//! of `pokt_primitives::SessionHeader` for embedding in query answers (a test checks both encode
//! the same bytes). [CHAIN-GRPC-1]

use super::cosmos::{Coin, PageRequest, PageResponse};

/// `pocket.session.SessionHeader`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SessionHeader {
    /// Application address.
    #[prost(string, tag = "1")]
    pub application_address: String,
    /// Service id.
    #[prost(string, tag = "2")]
    pub service_id: String,
    /// Session id (64 hex characters).
    #[prost(string, tag = "3")]
    pub session_id: String,
    /// First block.
    #[prost(int64, tag = "4")]
    pub session_start_block_height: i64,
    /// Last block.
    #[prost(int64, tag = "5")]
    pub session_end_block_height: i64,
}

impl From<&pokt_primitives::SessionHeader> for SessionHeader {
    fn from(h: &pokt_primitives::SessionHeader) -> Self {
        Self {
            application_address: h.application_address.clone(),
            service_id: h.service_id.clone(),
            session_id: h.session_id.clone(),
            session_start_block_height: h.session_start_block_height,
            session_end_block_height: h.session_end_block_height,
        }
    }
}

impl From<SessionHeader> for pokt_primitives::SessionHeader {
    fn from(h: SessionHeader) -> Self {
        Self {
            application_address: h.application_address,
            service_id: h.service_id,
            session_id: h.session_id,
            session_start_block_height: h.session_start_block_height,
            session_end_block_height: h.session_end_block_height,
        }
    }
}

/// Empty request of every module's `Params` query.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryParamsRequest {}

// ----- session -----

/// `pocket.session.Params`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SessionParams {
    /// Suppliers per session.
    #[prost(uint64, tag = "3")]
    pub num_suppliers_per_session: u64,
}

/// `pocket.session.QueryParamsResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SessionParamsResponse {
    /// The params.
    #[prost(message, optional, tag = "1")]
    pub params: Option<SessionParams>,
}

/// `pocket.session.QueryGetSessionRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryGetSessionRequest {
    /// Application address.
    #[prost(string, tag = "1")]
    pub application_address: String,
    /// Service id.
    #[prost(string, tag = "2")]
    pub service_id: String,
    /// Height (0: the latest).
    #[prost(int64, tag = "3")]
    pub block_height: i64,
}

/// `pocket.session.QueryGetSessionResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryGetSessionResponse {
    /// The session.
    #[prost(message, optional, tag = "1")]
    pub session: Option<Session>,
}

/// `pocket.session.Session`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Session {
    /// Header.
    #[prost(message, optional, tag = "1")]
    pub header: Option<SessionHeader>,
    /// Session id.
    #[prost(string, tag = "2")]
    pub session_id: String,
    /// Session number.
    #[prost(int64, tag = "3")]
    pub session_number: i64,
    /// Blocks per session when it started.
    #[prost(uint64, tag = "4")]
    pub num_blocks_per_session: u64,
    /// The application.
    #[prost(message, optional, tag = "5")]
    pub application: Option<Application>,
    /// The selected suppliers, in session order.
    #[prost(message, repeated, tag = "6")]
    pub suppliers: Vec<Supplier>,
}

// ----- shared -----

/// `pocket.shared.Params`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SharedParams {
    /// Blocks per session.
    #[prost(uint64, tag = "1")]
    pub num_blocks_per_session: u64,
    /// Grace period offset.
    #[prost(uint64, tag = "2")]
    pub grace_period_end_offset_blocks: u64,
    /// Claim window open offset.
    #[prost(uint64, tag = "3")]
    pub claim_window_open_offset_blocks: u64,
    /// Claim window length.
    #[prost(uint64, tag = "4")]
    pub claim_window_close_offset_blocks: u64,
    /// Proof window open offset.
    #[prost(uint64, tag = "5")]
    pub proof_window_open_offset_blocks: u64,
    /// Proof window length.
    #[prost(uint64, tag = "6")]
    pub proof_window_close_offset_blocks: u64,
    /// Supplier unbonding sessions.
    #[prost(uint64, tag = "7")]
    pub supplier_unbonding_period_sessions: u64,
    /// Application unbonding sessions.
    #[prost(uint64, tag = "8")]
    pub application_unbonding_period_sessions: u64,
    /// pPOKT per compute unit (scaled by the granularity).
    #[prost(uint64, tag = "9")]
    pub compute_units_to_tokens_multiplier: u64,
    /// Gateway unbonding sessions.
    #[prost(uint64, tag = "10")]
    pub gateway_unbonding_period_sessions: u64,
    /// Divisor of the multiplier.
    #[prost(uint64, tag = "11")]
    pub compute_unit_cost_granularity: u64,
    /// Session grid anchor height.
    #[prost(uint64, tag = "12")]
    pub session_grid_anchor_height: u64,
    /// Session number at the anchor.
    #[prost(uint64, tag = "13")]
    pub session_number_at_anchor: u64,
}

/// `pocket.shared.QueryParamsResponse` and `QueryParamsAtHeightResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SharedParamsResponse {
    /// The params.
    #[prost(message, optional, tag = "1")]
    pub params: Option<SharedParams>,
}

/// `pocket.shared.QueryParamsAtHeightRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryParamsAtHeightRequest {
    /// Height.
    #[prost(int64, tag = "1")]
    pub height: i64,
}

/// `pocket.shared.Service`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Service {
    /// Id.
    #[prost(string, tag = "1")]
    pub id: String,
    /// Name.
    #[prost(string, tag = "2")]
    pub name: String,
    /// Compute units per relay.
    #[prost(uint64, tag = "3")]
    pub compute_units_per_relay: u64,
    /// Owner (the source, paid the source-owner share).
    #[prost(string, tag = "4")]
    pub owner_address: String,
}

/// `pocket.shared.ApplicationServiceConfig`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ApplicationServiceConfig {
    /// Service id.
    #[prost(string, tag = "1")]
    pub service_id: String,
}

/// `pocket.shared.SupplierServiceConfig`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SupplierServiceConfig {
    /// Service id.
    #[prost(string, tag = "1")]
    pub service_id: String,
    /// Endpoints.
    #[prost(message, repeated, tag = "2")]
    pub endpoints: Vec<SupplierEndpoint>,
    /// Revenue shares.
    #[prost(message, repeated, tag = "3")]
    pub rev_share: Vec<ServiceRevenueShare>,
}

/// `pocket.shared.SupplierEndpoint`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SupplierEndpoint {
    /// URL.
    #[prost(string, tag = "1")]
    pub url: String,
    /// `pocket.shared.RPCType` (3 = JSON_RPC, 4 = REST).
    #[prost(int32, tag = "2")]
    pub rpc_type: i32,
}

/// `pocket.shared.ServiceRevenueShare`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ServiceRevenueShare {
    /// Recipient.
    #[prost(string, tag = "1")]
    pub address: String,
    /// Percentage.
    #[prost(uint64, tag = "3")]
    pub rev_share_percentage: u64,
}

/// `pocket.shared.Supplier`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Supplier {
    /// Owner.
    #[prost(string, tag = "1")]
    pub owner_address: String,
    /// Operator.
    #[prost(string, tag = "2")]
    pub operator_address: String,
    /// Stake.
    #[prost(message, optional, tag = "3")]
    pub stake: Option<Coin>,
    /// Current service configurations.
    #[prost(message, repeated, tag = "4")]
    pub services: Vec<SupplierServiceConfig>,
    /// Unstake session end height (0: staked).
    #[prost(uint64, tag = "5")]
    pub unstake_session_end_height: u64,
    /// Configuration history (activation heights).
    #[prost(message, repeated, tag = "6")]
    pub service_config_history: Vec<ServiceConfigUpdate>,
}

/// `pocket.shared.ServiceConfigUpdate`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ServiceConfigUpdate {
    /// Operator.
    #[prost(string, tag = "1")]
    pub operator_address: String,
    /// The configuration.
    #[prost(message, optional, tag = "2")]
    pub service: Option<SupplierServiceConfig>,
    /// Active from.
    #[prost(int64, tag = "3")]
    pub activation_height: i64,
    /// Active until (0: open).
    #[prost(int64, tag = "4")]
    pub deactivation_height: i64,
}

// ----- application -----

/// `pocket.application.Application`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Application {
    /// Address.
    #[prost(string, tag = "1")]
    pub address: String,
    /// Stake.
    #[prost(message, optional, tag = "2")]
    pub stake: Option<Coin>,
    /// Services.
    #[prost(message, repeated, tag = "3")]
    pub service_configs: Vec<ApplicationServiceConfig>,
    /// Gateways delegated to.
    #[prost(string, repeated, tag = "4")]
    pub delegatee_gateway_addresses: Vec<String>,
    /// Pending undelegations by the session end height they were requested at.
    #[prost(btree_map = "uint64, message", tag = "5")]
    pub pending_undelegations: std::collections::BTreeMap<u64, UndelegatingGatewayList>,
    /// Unstake session end height (0: staked).
    #[prost(uint64, tag = "6")]
    pub unstake_session_end_height: u64,
}

/// `pocket.application.UndelegatingGatewayList`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct UndelegatingGatewayList {
    /// Gateways.
    #[prost(string, repeated, tag = "2")]
    pub gateway_addresses: Vec<String>,
}

/// `pocket.application.QueryGetApplicationRequest` (and the gateway module's, with
/// `dehydrated` at 2; the supplier module's names field 1 `operator_address`).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryByAddressRequest {
    /// Address.
    #[prost(string, tag = "1")]
    pub address: String,
    /// Dehydrated (gateway and supplier queries).
    #[prost(bool, tag = "2")]
    pub dehydrated: bool,
}

/// `pocket.application.QueryGetApplicationResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryGetApplicationResponse {
    /// The application.
    #[prost(message, optional, tag = "1")]
    pub application: Option<Application>,
}

/// `pocket.application.Params`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ApplicationParams {
    /// Maximum delegated gateways.
    #[prost(uint64, tag = "1")]
    pub max_delegated_gateways: u64,
    /// Minimum stake.
    #[prost(message, optional, tag = "2")]
    pub min_stake: Option<Coin>,
}

/// `pocket.application.QueryParamsResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ApplicationParamsResponse {
    /// The params.
    #[prost(message, optional, tag = "1")]
    pub params: Option<ApplicationParams>,
}

// ----- gateway -----

/// `pocket.gateway.Gateway`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Gateway {
    /// Address.
    #[prost(string, tag = "1")]
    pub address: String,
    /// Stake.
    #[prost(message, optional, tag = "2")]
    pub stake: Option<Coin>,
    /// Unstake session end height.
    #[prost(uint64, tag = "3")]
    pub unstake_session_end_height: u64,
}

/// `pocket.gateway.QueryGetGatewayResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryGetGatewayResponse {
    /// The gateway.
    #[prost(message, optional, tag = "1")]
    pub gateway: Option<Gateway>,
}

// ----- supplier -----

/// `pocket.supplier.QueryGetSupplierResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryGetSupplierResponse {
    /// The supplier.
    #[prost(message, optional, tag = "1")]
    pub supplier: Option<Supplier>,
}

/// `pocket.supplier.Params`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SupplierParams {
    /// Minimum stake.
    #[prost(message, optional, tag = "1")]
    pub min_stake: Option<Coin>,
    /// Staking fee.
    #[prost(message, optional, tag = "2")]
    pub staking_fee: Option<Coin>,
}

/// `pocket.supplier.QueryParamsResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SupplierParamsResponse {
    /// The params.
    #[prost(message, optional, tag = "1")]
    pub params: Option<SupplierParams>,
}

// ----- service -----

/// `pocket.service.QueryGetServiceRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryGetServiceRequest {
    /// Service id.
    #[prost(string, tag = "1")]
    pub id: String,
    /// Dehydrated.
    #[prost(bool, tag = "2")]
    pub dehydrated: bool,
}

/// `pocket.service.QueryGetServiceResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryGetServiceResponse {
    /// The service.
    #[prost(message, optional, tag = "1")]
    pub service: Option<Service>,
}

/// `pocket.service.RelayMiningDifficulty`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct RelayMiningDifficulty {
    /// Service id.
    #[prost(string, tag = "1")]
    pub service_id: String,
    /// Height it was computed at.
    #[prost(int64, tag = "2")]
    pub block_height: i64,
    /// EMA of mined relays.
    #[prost(uint64, tag = "3")]
    pub num_relays_ema: u64,
    /// 32-byte target hash.
    #[prost(bytes = "vec", tag = "4")]
    pub target_hash: Vec<u8>,
}

/// `pocket.service.QueryGetRelayMiningDifficultyAtHeightRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryDifficultyAtHeightRequest {
    /// Service id (`serviceId`).
    #[prost(string, tag = "1")]
    pub service_id: String,
    /// Height (`blockHeight`).
    #[prost(int64, tag = "2")]
    pub block_height: i64,
}

/// `pocket.service.QueryGetRelayMiningDifficultyResponse` (and `…AtHeightResponse`).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryDifficultyResponse {
    /// The difficulty.
    #[prost(message, optional, tag = "1")]
    pub relay_mining_difficulty: Option<RelayMiningDifficulty>,
}

/// `pocket.service.Params`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ServiceParams {
    /// Fee to add a service.
    #[prost(message, optional, tag = "1")]
    pub add_service_fee: Option<Coin>,
    /// Target relays per settlement.
    #[prost(uint64, tag = "2")]
    pub target_num_relays: u64,
}

/// `pocket.service.QueryParamsResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ServiceParamsResponse {
    /// The params.
    #[prost(message, optional, tag = "1")]
    pub params: Option<ServiceParams>,
}

// ----- proof -----

/// `pocket.proof.Claim` (wire twin of `pokt_primitives::Claim`).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Claim {
    /// Supplier operator.
    #[prost(string, tag = "1")]
    pub supplier_operator_address: String,
    /// Session header.
    #[prost(message, optional, tag = "2")]
    pub session_header: Option<SessionHeader>,
    /// Root (48 bytes).
    #[prost(bytes = "vec", tag = "3")]
    pub root_hash: Vec<u8>,
    /// `ClaimProofStatus`.
    #[prost(int32, tag = "4")]
    pub proof_validation_status: i32,
}

/// `pocket.proof.Params`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProofParams {
    /// Probability of a proof below the threshold.
    #[prost(double, tag = "2")]
    pub proof_request_probability: f64,
    /// Threshold.
    #[prost(message, optional, tag = "3")]
    pub proof_requirement_threshold: Option<Coin>,
    /// Penalty.
    #[prost(message, optional, tag = "4")]
    pub proof_missing_penalty: Option<Coin>,
    /// Submission fee.
    #[prost(message, optional, tag = "5")]
    pub proof_submission_fee: Option<Coin>,
}

/// `pocket.proof.QueryParamsResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProofParamsResponse {
    /// The params.
    #[prost(message, optional, tag = "1")]
    pub params: Option<ProofParams>,
}

/// `pocket.proof.QueryGetClaimRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryGetClaimRequest {
    /// Session id.
    #[prost(string, tag = "1")]
    pub session_id: String,
    /// Supplier operator.
    #[prost(string, tag = "2")]
    pub supplier_operator_address: String,
}

/// `pocket.proof.QueryGetClaimResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryGetClaimResponse {
    /// The claim.
    #[prost(message, optional, tag = "1")]
    pub claim: Option<Claim>,
}

/// `pocket.proof.QueryAllClaimsRequest` (filter by supplier: the arm hosts use).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryAllClaimsRequest {
    /// Pagination.
    #[prost(message, optional, tag = "1")]
    pub pagination: Option<PageRequest>,
    /// Filter: supplier operator (oneof `filter`).
    #[prost(string, optional, tag = "2")]
    pub supplier_operator_address: Option<String>,
    /// Filter: session id (oneof `filter`).
    #[prost(string, optional, tag = "3")]
    pub session_id: Option<String>,
    /// Filter: session end height (oneof `filter`).
    #[prost(uint64, optional, tag = "4")]
    pub session_end_height: Option<u64>,
}

/// `pocket.proof.QueryAllClaimsResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryAllClaimsResponse {
    /// Claims.
    #[prost(message, repeated, tag = "1")]
    pub claims: Vec<Claim>,
    /// Pagination.
    #[prost(message, optional, tag = "2")]
    pub pagination: Option<PageResponse>,
}

// ----- tokenomics -----

/// `pocket.tokenomics.MintAllocationPercentages` and `MintEqualsBurnClaimDistribution`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Shares {
    /// DAO.
    #[prost(double, tag = "1")]
    pub dao: f64,
    /// Proposer.
    #[prost(double, tag = "2")]
    pub proposer: f64,
    /// Supplier.
    #[prost(double, tag = "3")]
    pub supplier: f64,
    /// Source owner.
    #[prost(double, tag = "4")]
    pub source_owner: f64,
    /// Application.
    #[prost(double, tag = "5")]
    pub application: f64,
}

/// `pocket.tokenomics.Params`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TokenomicsParams {
    /// Global-mint allocation.
    #[prost(message, optional, tag = "1")]
    pub mint_allocation_percentages: Option<Shares>,
    /// DAO reward address.
    #[prost(string, tag = "6")]
    pub dao_reward_address: String,
    /// Global inflation per claim.
    #[prost(double, tag = "7")]
    pub global_inflation_per_claim: f64,
    /// Burn-equals-mint distribution.
    #[prost(message, optional, tag = "8")]
    pub mint_equals_burn_claim_distribution: Option<Shares>,
    /// Mint ratio.
    #[prost(double, tag = "9")]
    pub mint_ratio: f64,
    /// Overservicing bonus multiplier.
    #[prost(uint64, tag = "10")]
    pub overservicing_bonus_multiplier: u64,
}

/// `pocket.tokenomics.QueryParamsResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TokenomicsParamsResponse {
    /// The params.
    #[prost(message, optional, tag = "1")]
    pub params: Option<TokenomicsParams>,
}
