#![doc = include_str!("../README.md")]

pub mod check;
pub mod config;
pub mod keys;
pub mod metrics;
mod miner;
pub mod steps;
pub mod store;

pub use check::{CheckLine, check};
pub use config::{Config, ConfigError};
pub use keys::{KeyError, OperatorKeys};
pub use miner::{RelayMiner, STREAM_CONTENT_TYPE, StartError};
pub use steps::Refusal;
