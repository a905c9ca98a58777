//! Scenarios: what to simulate, read from TOML.

use serde::Deserialize;

use crate::error::SimError;
use crate::traffic::Traffic;

/// The scenario embedded in the binary, run by `pokt simulate` without arguments.
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/default.toml");

/// Which difficulty controller the chain runs.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ControllerKind {
    /// poktroll's: the EMA is fed mined relays (the compatible default).
    #[default]
    Poktroll,
    /// The Relay Mining paper's: the EMA is fed estimated relays (mined ÷ probability).
    Paper,
}

/// How relays are mined.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MiningMode {
    /// Exact when a supplier's session has at most `exact_max_relays` relays, sampled otherwise.
    #[default]
    Auto,
    /// Every relay is hashed and compared with the target.
    Exact,
    /// The mined count is drawn from Binomial(relays, probability) — statistically exact.
    Sampled,
}

/// A whole scenario.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A name for reports.
    pub name: String,
    /// Seed of every random draw.
    pub seed: u64,
    /// Sessions to simulate.
    pub sessions: u64,
    /// Blocks per session (N).
    pub num_blocks_per_session: u64,
    /// Suppliers per session.
    pub num_suppliers_per_session: usize,
    /// Difficulty controller.
    #[serde(default)]
    pub controller: ControllerKind,
    /// Mining mode.
    #[serde(default)]
    pub mining: MiningMode,
    /// In `auto` mode, the largest per-supplier session served exactly.
    #[serde(default = "default_exact_max")]
    pub exact_max_relays: u64,
    /// Pricing (shared params).
    pub pricing: Pricing,
    /// Proof params.
    pub proof: ProofSpec,
    /// Tokenomics preset: `"mainnet"` or `"defaults"`.
    #[serde(default = "default_preset")]
    pub tokenomics: String,
    /// Applications.
    pub applications: Applications,
    /// Suppliers.
    pub suppliers: Suppliers,
    /// Services.
    pub services: Vec<ServiceSpec>,
}

fn default_exact_max() -> u64 {
    2_000
}

fn default_preset() -> String {
    "mainnet".into()
}

/// Shared pricing params.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    /// `compute_units_to_tokens_multiplier`.
    pub compute_units_to_tokens_multiplier: u64,
    /// `compute_unit_cost_granularity`.
    pub compute_unit_cost_granularity: u64,
}

/// Proof params.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProofSpec {
    /// `proof_request_probability`.
    pub request_probability: f64,
    /// `proof_requirement_threshold` in uPOKT.
    pub requirement_threshold_upokt: u64,
    /// `proof_missing_penalty` in uPOKT.
    pub missing_penalty_upokt: u64,
}

/// Applications.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Applications {
    /// How many.
    pub count: usize,
    /// Each one's stake in uPOKT.
    pub stake_upokt: u64,
}

/// Suppliers.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Suppliers {
    /// How many.
    pub count: usize,
    /// Each one's stake in uPOKT.
    pub stake_upokt: u64,
    /// Minimum supplier stake; a penalty below it forces unbonding.
    pub min_stake_upokt: u64,
    /// Adversaries: how many suppliers add fake relays to every claim.
    #[serde(default)]
    pub fake_claimers: usize,
    /// Relays a fake claimer claims per session without serving them.
    #[serde(default)]
    pub fake_claim_relays: u64,
}

/// A service with its owner (the model's source) and its traffic.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Service id (1–42 chars of `[a-zA-Z0-9_-]`).
    pub id: String,
    /// Compute units per relay.
    pub compute_units_per_relay: u64,
    /// `target_num_relays` (service param).
    pub target_num_relays: u64,
    /// Relays per block across all its applications.
    pub traffic: Traffic,
}

impl Scenario {
    /// Parses a TOML scenario and checks it.
    pub fn from_toml(text: &str) -> Result<Self, SimError> {
        let s: Self = toml::from_str(text).map_err(SimError::Toml)?;
        s.validate()?;
        Ok(s)
    }

    /// The embedded default scenario (a test checks that it parses).
    pub fn default_scenario() -> Result<Self, SimError> {
        Self::from_toml(DEFAULT_SCENARIO)
    }

    /// Checks ranges the engine relies on.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.sessions == 0 || self.num_blocks_per_session < 2 {
            return Err(bad(
                "sessions, num_blocks_per_session",
                "must be ≥ 1 and ≥ 2",
            ));
        }
        if self.services.is_empty() || self.applications.count == 0 || self.suppliers.count == 0 {
            return Err(bad(
                "services, applications.count, suppliers.count",
                "must be positive",
            ));
        }
        if self.num_suppliers_per_session == 0 {
            return Err(bad("num_suppliers_per_session", "must be positive"));
        }
        if self.suppliers.fake_claimers > self.suppliers.count {
            return Err(bad(
                "suppliers.fake_claimers",
                "must be at most suppliers.count",
            ));
        }
        if !(0.0..=1.0).contains(&self.proof.request_probability) {
            return Err(bad("proof.request_probability", "must be in [0, 1]"));
        }
        if self.pricing.compute_unit_cost_granularity == 0 {
            return Err(bad(
                "pricing.compute_unit_cost_granularity",
                "must be positive",
            ));
        }
        for (index, s) in self.services.iter().enumerate() {
            pokt_primitives::ServiceId::new(&s.id)
                .map_err(|error| SimError::ServiceId { index, error })?;
            if s.target_num_relays == 0 || s.compute_units_per_relay == 0 {
                return Err(bad(
                    "services.target_num_relays, services.compute_units_per_relay",
                    "must be positive",
                ));
            }
        }
        if self.tokenomics != "mainnet" && self.tokenomics != "defaults" {
            return Err(bad("tokenomics", "must be \"mainnet\" or \"defaults\""));
        }
        Ok(())
    }
}

fn bad(field: &'static str, requirement: &'static str) -> SimError {
    SimError::Scenario { field, requirement }
}
