//! The devnet's genesis file: chain id, params, transaction rules, accounts, services, stakes and
//! delegations, in JSON. [CHAIN-GENESIS-1]

use pokt_crypto::VerifyingKey;
use pokt_devnet::{Devnet, DevnetConfig, ProofPolicy, ServiceDef};
use pokt_primitives::{
    Address, BlockHeight, BlockInterval, ComputeUnits, Fraction, ProofParams, ServiceId,
    SessionNumber, SharedParams, Shares, TokenomicsParams, Upokt,
};
use pokt_relay::llm::TokenPricing;
use pokt_tokenomics::RevShare;
use serde::{Deserialize, Serialize};

/// Why a genesis was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenesisError {
    /// Not JSON of the genesis shape.
    #[error("genesis is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    /// A field out of range or inconsistent.
    #[error("genesis field {field}: {reason}")]
    Field {
        /// The field.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// The devnet refused a stake, delegation or fund.
    #[error("genesis state: {0}")]
    Devnet(#[from] pokt_devnet::DevnetError),
}

fn bad(field: &'static str, reason: &'static str) -> GenesisError {
    GenesisError::Field { field, reason }
}

/// The genesis of a devnet. [CHAIN-GENESIS-1]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The chain id signed into every transaction.
    pub chain_id: String,
    /// Unix time (seconds) of block 1.
    pub genesis_time: u64,
    /// 32-byte hex seed of the block hashes.
    pub seed: String,
    /// Module params.
    pub params: GenesisParams,
    /// Transaction rules.
    #[serde(default)]
    pub tx: TxRules,
    /// Accounts with their liquid balances (stakes are minted on top).
    pub accounts: Vec<GenesisAccount>,
    /// Services.
    pub services: Vec<GenesisService>,
    /// Gateways.
    #[serde(default)]
    pub gateways: Vec<GenesisGateway>,
    /// Applications.
    #[serde(default)]
    pub applications: Vec<GenesisApplication>,
    /// Suppliers.
    #[serde(default)]
    pub suppliers: Vec<GenesisSupplier>,
}

/// Module params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisParams {
    /// `pocket.shared.Params`.
    pub shared: SharedParamsJson,
    /// `pocket.session.Params.num_suppliers_per_session`.
    pub num_suppliers_per_session: u64,
    /// `pocket.proof.Params`.
    pub proof: ProofParamsJson,
    /// `pocket.tokenomics.Params`.
    pub tokenomics: TokenomicsParamsJson,
    /// Application module minimum stake.
    pub application_min_stake_upokt: u64,
    /// Supplier module minimum stake.
    pub supplier_min_stake_upokt: u64,
    /// Strict closest-proof verification (this project's default) or Go's.
    #[serde(default = "yes")]
    pub strict_proofs: bool,
}

fn yes() -> bool {
    true
}

/// `pocket.shared.Params` as JSON (poktroll's field names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // Field names are the proto's.
pub struct SharedParamsJson {
    pub num_blocks_per_session: u64,
    pub grace_period_end_offset_blocks: u64,
    pub claim_window_open_offset_blocks: u64,
    pub claim_window_close_offset_blocks: u64,
    pub proof_window_open_offset_blocks: u64,
    pub proof_window_close_offset_blocks: u64,
    pub supplier_unbonding_period_sessions: u64,
    pub application_unbonding_period_sessions: u64,
    pub gateway_unbonding_period_sessions: u64,
    pub compute_units_to_tokens_multiplier: u64,
    pub compute_unit_cost_granularity: u64,
    pub session_grid_anchor_height: i64,
    pub session_number_at_anchor: i64,
}

impl From<SharedParams> for SharedParamsJson {
    fn from(p: SharedParams) -> Self {
        Self {
            num_blocks_per_session: p.num_blocks_per_session.get(),
            grace_period_end_offset_blocks: p.grace_period_end_offset_blocks.get(),
            claim_window_open_offset_blocks: p.claim_window_open_offset_blocks.get(),
            claim_window_close_offset_blocks: p.claim_window_close_offset_blocks.get(),
            proof_window_open_offset_blocks: p.proof_window_open_offset_blocks.get(),
            proof_window_close_offset_blocks: p.proof_window_close_offset_blocks.get(),
            supplier_unbonding_period_sessions: p.supplier_unbonding_period_sessions,
            application_unbonding_period_sessions: p.application_unbonding_period_sessions,
            gateway_unbonding_period_sessions: p.gateway_unbonding_period_sessions,
            compute_units_to_tokens_multiplier: p.compute_units_to_tokens_multiplier,
            compute_unit_cost_granularity: p.compute_unit_cost_granularity,
            session_grid_anchor_height: p.session_grid_anchor_height.get(),
            session_number_at_anchor: p.session_number_at_anchor.get(),
        }
    }
}

impl From<SharedParamsJson> for SharedParams {
    fn from(p: SharedParamsJson) -> Self {
        Self {
            num_blocks_per_session: BlockInterval::new(p.num_blocks_per_session),
            grace_period_end_offset_blocks: BlockInterval::new(p.grace_period_end_offset_blocks),
            claim_window_open_offset_blocks: BlockInterval::new(p.claim_window_open_offset_blocks),
            claim_window_close_offset_blocks: BlockInterval::new(
                p.claim_window_close_offset_blocks,
            ),
            proof_window_open_offset_blocks: BlockInterval::new(p.proof_window_open_offset_blocks),
            proof_window_close_offset_blocks: BlockInterval::new(
                p.proof_window_close_offset_blocks,
            ),
            supplier_unbonding_period_sessions: p.supplier_unbonding_period_sessions,
            application_unbonding_period_sessions: p.application_unbonding_period_sessions,
            gateway_unbonding_period_sessions: p.gateway_unbonding_period_sessions,
            compute_units_to_tokens_multiplier: p.compute_units_to_tokens_multiplier,
            compute_unit_cost_granularity: p.compute_unit_cost_granularity,
            session_grid_anchor_height: BlockHeight::new(p.session_grid_anchor_height),
            session_number_at_anchor: SessionNumber::new(p.session_number_at_anchor),
        }
    }
}

/// `pocket.proof.Params` as JSON; the probability is a decimal string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // Field names are the proto's.
pub struct ProofParamsJson {
    pub proof_request_probability: String,
    pub proof_requirement_threshold_upokt: u64,
    pub proof_missing_penalty_upokt: u64,
    pub proof_submission_fee_upokt: u64,
}

/// The five shares of a mint split, decimal strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // Field names are the proto's.
pub struct SharesJson {
    pub dao: String,
    pub proposer: String,
    pub supplier: String,
    pub source_owner: String,
    pub application: String,
}

/// `pocket.tokenomics.Params` as JSON; fractions are decimal strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // Field names are the proto's.
pub struct TokenomicsParamsJson {
    pub mint_ratio: String,
    pub global_inflation_per_claim: String,
    pub mint_allocation_percentages: SharesJson,
    pub mint_equals_burn_claim_distribution: SharesJson,
    pub dao_reward_address: Address,
    pub overservicing_bonus_multiplier: u64,
}

/// The devnet's transaction rules (a node's `app.toml` and consensus params). [CHAIN-DEVNET-2]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TxRules {
    /// Largest transaction accepted, in bytes.
    pub max_tx_bytes: usize,
    /// Transactions the mempool holds before refusing with "mempool is full".
    pub max_mempool_txs: usize,
    /// Transactions included per block (the rest wait).
    pub max_block_txs: usize,
    /// Minimum gas price in uPOKT per gas unit, a decimal string (`"0"`: no fee needed).
    pub min_gas_price_upokt: String,
    /// Largest memo, in bytes.
    pub max_memo_bytes: usize,
}

impl Default for TxRules {
    fn default() -> Self {
        Self {
            max_tx_bytes: 1 << 20,
            max_mempool_txs: 5_000,
            max_block_txs: 10_000,
            min_gas_price_upokt: "0.001".into(),
            max_memo_bytes: 256,
        }
    }
}

/// A funded account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisAccount {
    /// Address.
    pub address: Address,
    /// 33-byte compressed public key (hex), when known at genesis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// Liquid balance.
    pub balance_upokt: u64,
}

/// A service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisService {
    /// Id.
    pub id: ServiceId,
    /// Human-readable name.
    #[serde(default)]
    pub name: String,
    /// Compute units per relay.
    pub compute_units_per_relay: u64,
    /// The owner (the model's source).
    pub owner: Address,
    /// Relays per settlement the difficulty aims at.
    pub target_num_relays: u64,
    /// Token pricing (extension, spec/llm.md), absent for fixed compute units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_pricing: Option<TokenPricingJson>,
}

/// Token pricing of a metered service (LLM-METER-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // Field names are TokenPricing's.
pub struct TokenPricingJson {
    pub base_compute_units: u64,
    pub per_prompt_token: u64,
    pub per_completion_token: u64,
}

/// A gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisGateway {
    /// Public key (hex).
    pub public_key: String,
    /// Stake.
    pub stake_upokt: u64,
}

/// An application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisApplication {
    /// Public key (hex).
    pub public_key: String,
    /// Stake.
    pub stake_upokt: u64,
    /// Services.
    pub services: Vec<ServiceId>,
    /// Gateways it delegates to.
    #[serde(default)]
    pub delegatees: Vec<Address>,
}

/// A supplier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisSupplier {
    /// Operator public key (hex).
    pub public_key: String,
    /// Owner.
    pub owner: Address,
    /// Stake.
    pub stake_upokt: u64,
    /// Services.
    pub services: Vec<ServiceId>,
    /// Revenue shares (empty: all to the owner).
    #[serde(default)]
    pub rev_shares: Vec<RevShareJson>,
    /// The relay miner's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// A revenue share.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevShareJson {
    /// Recipient.
    pub address: Address,
    /// Percentage.
    pub percentage: u64,
}

/// An auth account of the devnet: number, sequence and public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthAccount {
    /// Account number (genesis order).
    pub number: u64,
    /// Next sequence.
    pub sequence: u64,
    /// Public key, once known (genesis or first transaction).
    pub public_key: Option<VerifyingKey>,
}

fn key_of(hex_key: &str, field: &'static str) -> Result<VerifyingKey, GenesisError> {
    let b = hex::decode(hex_key).map_err(|_| bad(field, "not hex"))?;
    VerifyingKey::from_sec1(&b).map_err(|_| bad(field, "not a compressed secp256k1 key"))
}

fn frac(s: &str, field: &'static str) -> Result<Fraction, GenesisError> {
    Fraction::from_decimal(s).map_err(|_| bad(field, "not a decimal fraction"))
}

fn shares(s: &SharesJson, field: &'static str) -> Result<Shares, GenesisError> {
    Ok(Shares {
        dao: frac(&s.dao, field)?,
        proposer: frac(&s.proposer, field)?,
        supplier: frac(&s.supplier, field)?,
        source_owner: frac(&s.source_owner, field)?,
        application: frac(&s.application, field)?,
    })
}

fn shares_json(s: &Shares) -> SharesJson {
    SharesJson {
        dao: s.dao.to_decimal_string(),
        proposer: s.proposer.to_decimal_string(),
        supplier: s.supplier.to_decimal_string(),
        source_owner: s.source_owner.to_decimal_string(),
        application: s.application.to_decimal_string(),
    }
}

/// Decimal text of exact fractions whose denominators divide a power of ten (every param the
/// chain holds as a float64 is one).
trait DecimalText {
    fn to_decimal_string(&self) -> String;
}

impl DecimalText for Fraction {
    fn to_decimal_string(&self) -> String {
        let (num, den) = (self.num(), self.den().max(1));
        let whole = num / den;
        let mut rem = num % den;
        if rem == 0 {
            return whole.to_string();
        }
        let mut out = format!("{whole}.");
        // At most 38 digits: enough for any power-of-ten denominator a u128 holds.
        for _ in 0..38 {
            if rem == 0 {
                break;
            }
            rem = rem.saturating_mul(10);
            out.push(char::from(
                b'0'.saturating_add(u8::try_from(rem / den).unwrap_or(0)),
            ));
            rem %= den;
        }
        out
    }
}

impl ProofParamsJson {
    /// From the params.
    pub fn from_params(p: &ProofParams) -> Self {
        Self {
            proof_request_probability: p.proof_request_probability.to_decimal_string(),
            proof_requirement_threshold_upokt: p.proof_requirement_threshold.get(),
            proof_missing_penalty_upokt: p.proof_missing_penalty.get(),
            proof_submission_fee_upokt: p.proof_submission_fee.get(),
        }
    }
}

impl TokenomicsParamsJson {
    /// From the params.
    pub fn from_params(p: &TokenomicsParams) -> Self {
        Self {
            mint_ratio: p.mint_ratio.to_decimal_string(),
            global_inflation_per_claim: p.global_inflation_per_claim.to_decimal_string(),
            mint_allocation_percentages: shares_json(&p.mint_allocation),
            mint_equals_burn_claim_distribution: shares_json(&p.mint_equals_burn_distribution),
            dao_reward_address: p.dao_reward_address,
            overservicing_bonus_multiplier: p.overservicing_bonus_multiplier,
        }
    }
}

impl GenesisParams {
    /// The params of a devnet config.
    pub fn from_config(c: &DevnetConfig) -> Self {
        Self {
            shared: c.shared.into(),
            num_suppliers_per_session: u64::try_from(c.num_suppliers_per_session).unwrap_or(0),
            proof: ProofParamsJson::from_params(&c.proof),
            tokenomics: TokenomicsParamsJson::from_params(&c.tokenomics),
            application_min_stake_upokt: c.application_min_stake.get(),
            supplier_min_stake_upokt: c.supplier_min_stake.get(),
            strict_proofs: c.proof_policy == ProofPolicy::Strict,
        }
    }
}

/// The state a genesis builds: the devnet and its auth accounts in number order.
#[derive(Clone, Debug)]
pub struct GenesisState {
    /// The devnet at height 1.
    pub devnet: Devnet,
    /// Auth accounts by address.
    pub accounts: std::collections::BTreeMap<Address, AuthAccount>,
}

impl Genesis {
    /// Parses a genesis file.
    pub fn from_json(text: &str) -> Result<Self, GenesisError> {
        Ok(serde_json::from_str(text)?)
    }

    /// The genesis as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The devnet configuration.
    pub fn config(&self) -> Result<DevnetConfig, GenesisError> {
        let p = &self.params;
        let mut seed = [0u8; 32];
        hex::decode_to_slice(&self.seed, &mut seed).map_err(|_| bad("seed", "not 32 hex bytes"))?;
        let t = &p.tokenomics;
        Ok(DevnetConfig {
            shared: p.shared.into(),
            proof: ProofParams {
                proof_request_probability: frac(
                    &p.proof.proof_request_probability,
                    "params.proof.proof_request_probability",
                )?,
                proof_requirement_threshold: Upokt::new(p.proof.proof_requirement_threshold_upokt),
                proof_missing_penalty: Upokt::new(p.proof.proof_missing_penalty_upokt),
                proof_submission_fee: Upokt::new(p.proof.proof_submission_fee_upokt),
            },
            tokenomics: TokenomicsParams {
                mint_ratio: frac(&t.mint_ratio, "params.tokenomics.mint_ratio")?,
                global_inflation_per_claim: frac(
                    &t.global_inflation_per_claim,
                    "params.tokenomics.global_inflation_per_claim",
                )?,
                mint_allocation: shares(
                    &t.mint_allocation_percentages,
                    "params.tokenomics.mint_allocation_percentages",
                )?,
                mint_equals_burn_distribution: shares(
                    &t.mint_equals_burn_claim_distribution,
                    "params.tokenomics.mint_equals_burn_claim_distribution",
                )?,
                dao_reward_address: t.dao_reward_address,
                overservicing_bonus_multiplier: t.overservicing_bonus_multiplier,
            },
            num_suppliers_per_session: usize::try_from(p.num_suppliers_per_session)
                .map_err(|_| bad("params.num_suppliers_per_session", "too large"))?,
            application_min_stake: Upokt::new(p.application_min_stake_upokt),
            supplier_min_stake: Upokt::new(p.supplier_min_stake_upokt),
            proof_policy: if p.strict_proofs {
                ProofPolicy::Strict
            } else {
                ProofPolicy::GoCompatible
            },
            seed,
        })
    }

    /// The minimum gas price as an exact fraction.
    pub fn min_gas_price(&self) -> Result<Fraction, GenesisError> {
        frac(&self.tx.min_gas_price_upokt, "tx.min_gas_price_upokt")
    }

    /// Builds the state at height 1: accounts funded and numbered in file order (then every other
    /// address the genesis names, in order of appearance), services, gateways, applications with
    /// their delegations, suppliers with their endpoints. Stakes are minted to their owners and
    /// staked. [CHAIN-GENESIS-1]
    pub fn build(&self) -> Result<GenesisState, GenesisError> {
        if self.chain_id.is_empty() || self.chain_id.len() > 50 {
            return Err(bad("chain_id", "must be 1 to 50 characters"));
        }
        self.min_gas_price()?;
        let mut devnet = Devnet::new(self.config()?)?;
        let mut accounts = std::collections::BTreeMap::new();
        let mut number = 0u64;
        let mut open = |accounts: &mut std::collections::BTreeMap<Address, AuthAccount>,
                        addr: Address,
                        key: Option<VerifyingKey>| {
            let a = accounts.entry(addr).or_insert_with(|| {
                let a = AuthAccount {
                    number,
                    sequence: 0,
                    public_key: None,
                };
                number = number.saturating_add(1);
                a
            });
            if key.is_some() {
                a.public_key = key;
            }
        };
        for a in &self.accounts {
            let key = match &a.public_key {
                Some(k) => {
                    let k = key_of(k, "accounts.public_key")?;
                    if k.address() != a.address {
                        return Err(bad("accounts.public_key", "does not match the address"));
                    }
                    Some(k)
                }
                None => None,
            };
            if accounts.contains_key(&a.address) {
                return Err(bad("accounts.address", "listed twice"));
            }
            open(&mut accounts, a.address, key);
            devnet.fund(a.address, Upokt::new(a.balance_upokt))?;
        }
        for s in &self.services {
            if devnet.service(&s.id).is_some() {
                return Err(bad("services.id", "listed twice"));
            }
            open(&mut accounts, s.owner, None);
            devnet.add_service(ServiceDef {
                id: s.id.clone(),
                compute_units_per_relay: ComputeUnits::new(s.compute_units_per_relay),
                owner: s.owner,
                target_num_relays: s.target_num_relays,
                token_pricing: s.token_pricing.map(|t| TokenPricing {
                    base_compute_units: ComputeUnits::new(t.base_compute_units),
                    per_prompt_token: ComputeUnits::new(t.per_prompt_token),
                    per_completion_token: ComputeUnits::new(t.per_completion_token),
                }),
            });
        }
        for g in &self.gateways {
            let k = key_of(&g.public_key, "gateways.public_key")?;
            open(&mut accounts, k.address(), Some(k));
            devnet.fund(k.address(), Upokt::new(g.stake_upokt))?;
            devnet.stake_gateway(k, Upokt::new(g.stake_upokt))?;
        }
        for a in &self.applications {
            let k = key_of(&a.public_key, "applications.public_key")?;
            open(&mut accounts, k.address(), Some(k));
            devnet.fund(k.address(), Upokt::new(a.stake_upokt))?;
            devnet.stake_application(k, Upokt::new(a.stake_upokt), a.services.clone())?;
            for g in &a.delegatees {
                devnet.delegate(&k.address(), g)?;
            }
        }
        for s in &self.suppliers {
            let k = key_of(&s.public_key, "suppliers.public_key")?;
            open(&mut accounts, k.address(), Some(k));
            open(&mut accounts, s.owner, None);
            let shares: Vec<RevShare> = s
                .rev_shares
                .iter()
                .map(|r| RevShare {
                    address: r.address,
                    percentage: r.percentage,
                })
                .collect();
            for r in &shares {
                open(&mut accounts, r.address, None);
            }
            devnet.fund(s.owner, Upokt::new(s.stake_upokt))?;
            devnet.stake_supplier(
                k,
                s.owner,
                Upokt::new(s.stake_upokt),
                s.services.clone(),
                shares,
            )?;
            if let Some(url) = &s.endpoint {
                devnet.set_supplier_endpoint(&k.address(), url.clone())?;
            }
        }
        open(
            &mut accounts,
            self.params.tokenomics.dao_reward_address,
            None,
        );
        open(&mut accounts, Devnet::proposer(), None);
        Ok(GenesisState { devnet, accounts })
    }
}
