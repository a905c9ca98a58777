#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod budget;
mod config;
mod execute;
mod outcome;
mod plan;
mod qos;
mod routing;
mod sketch;
mod snapshot;
mod supplier;

pub use budget::HedgeBudget;
pub use config::{ConfigError, HedgeConfig, QosConfig, RolloverConfig, SanctionConfig};
pub use execute::{Execution, Simulated};
pub use outcome::{Failure, Outcome, RequestClass, Role, Success};
pub use plan::{Attempt, Pick, Plan, PlanError};
pub use qos::Qos;
pub use routing::{RoutedSession, Routing, RoutingError, SessionWindow};
pub use sketch::LatencySketch;
pub use snapshot::{LatencyEstimate, QosSnapshot, SanctionInfo, SupplierSnapshot, Totals};
pub use supplier::{Counts, Tier};

#[cfg(test)]
mod tests;
