#![doc = include_str!("../README.md")]

mod engine;
mod experiments;
pub mod inference;
mod output;
mod rng;
mod scenario;
mod traffic;

pub use engine::{AdversaryReport, FlowRow, Flows, Progress, Report, Row, run};
pub use experiments::{EXPERIMENTS, ExperimentReport, run_experiment};
pub use output::{summary_table, write_csv, write_plots};
pub use rng::SimRng;
pub use scenario::{
    Applications, ControllerKind, DEFAULT_SCENARIO, MiningMode, Pricing, ProofSpec, Scenario,
    ServiceSpec, Suppliers,
};
pub use traffic::{Phase, Traffic};
