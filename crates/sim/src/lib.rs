#![doc = include_str!("../README.md")]

mod claims;
mod engine;
mod error;
mod experiments;
pub mod inference;
mod mining;
mod output;
mod report;
mod rng;
mod scenario;
mod settle;
mod traffic;

pub use engine::{Progress, Simulation, run};
pub use error::SimError;
pub use experiments::{EXPERIMENTS, ExperimentReport, run_experiment};
pub use output::{summary_table, write_csv, write_plots};
pub use report::{AdversaryReport, FlowRow, Flows, Report, Row};
pub use rng::SimRng;
pub use scenario::{
    Applications, ControllerKind, DEFAULT_SCENARIO, MiningMode, Pricing, ProofSpec, Scenario,
    ServiceSpec, Suppliers,
};
pub use traffic::{Phase, Traffic};
