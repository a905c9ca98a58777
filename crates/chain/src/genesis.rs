//! The devnet's genesis file: chain id, params, transaction rules, accounts, services, stakes and
//! delegations, in JSON. [CHAIN-GENESIS-1]

mod params;

pub use params::{
    GenesisParams, ProofParamsJson, SharedParamsJson, SharesJson, TokenomicsParamsJson, TxRules,
};

use params::{frac, shares};

use pokt_crypto::VerifyingKey;
use pokt_devnet::{Devnet, DevnetConfig, ProofPolicy, ServiceDef};
use pokt_primitives::{
    Address, ComputeUnits, Fraction, ProofParams, ServiceId, TokenomicsParams, Upokt,
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
