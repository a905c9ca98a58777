//! Why a scenario or a run was refused.

use pokt_mining::ClaimError;
use pokt_primitives::{FractionError, ServiceIdError};
use pokt_session::SessionError;
use pokt_tokenomics::{ClaimedError, SettleError};

/// Why a scenario was refused, or a run stopped. Nested errors are printed in the message (not
/// also returned as the source).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The scenario file is not TOML of the scenario's shape.
    #[error("scenario: {0}")]
    Toml(toml::de::Error),
    /// A scenario value is out of the range the engine relies on.
    #[error("scenario: {field} {requirement}")]
    Scenario {
        /// The field (or fields).
        field: &'static str,
        /// What it must be.
        requirement: &'static str,
    },
    /// A service's id is not a service id.
    #[error("scenario: services[{index}].id: {error}")]
    ServiceId {
        /// The service's index in the scenario.
        index: usize,
        /// Why.
        error: ServiceIdError,
    },
    /// `proof.request_probability` has no exact decimal fraction.
    #[error("scenario: proof.request_probability: {0}")]
    ProofProbability(FractionError),
    /// A traffic trace line is not a relay count.
    #[error("traffic trace line {line}: not a relay count")]
    Trace {
        /// The line (1-based).
        line: usize,
    },
    /// The tokenomics params could not be built.
    #[error("tokenomics params: {0}")]
    Tokenomics(FractionError),
    /// The run passes the largest block height.
    #[error("the run passes the largest block height")]
    HeightOverflow,
    /// An amount total passes `Upokt::MAX`.
    #[error("an amount total passes the largest amount")]
    AmountOverflow,
    /// A session could not be derived.
    #[error("session: {0}")]
    Session(SessionError),
    /// A session named a supplier the scenario does not have (a bug).
    #[error("a session named an unknown supplier")]
    UnknownSupplier,
    /// A real session tree made a claim the chain would refuse (a bug).
    #[error("a real session tree made a bad claim: {0}")]
    Claim(ClaimError),
    /// A claim's value cannot be computed.
    #[error("claim value: {0}")]
    ClaimValue(ClaimedError),
    /// Settlement refused a block.
    #[error("settlement: {0}")]
    Settle(SettleError),
    /// A difficulty update brought the EMA to 0.
    #[error("difficulty EMA reached 0")]
    EmaZero,
    /// An inference experiment's QoS settings were refused by pokt-qos.
    #[error("qos settings: {0}")]
    QosConfig(pokt_qos::ConfigError),
    /// An inference experiment's session could not be installed in pokt-qos's routing.
    #[error("qos routing: {0}")]
    QosRouting(pokt_qos::RoutingError),
    /// An inference experiment's assumptions were refused: not TOML of the configuration's
    /// shape, an unknown key, a value of the wrong type or out of range.
    #[error("experiment {experiment}: {message}")]
    ExperimentConfig {
        /// The experiment.
        experiment: String,
        /// Why (names the key).
        message: String,
    },
    /// No experiment has this name.
    #[error("unknown experiment {name:?}; one of: {}", experiment_names())]
    UnknownExperiment {
        /// The name asked for.
        name: String,
    },
}

fn experiment_names() -> String {
    crate::EXPERIMENTS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}
