#![doc = include_str!("../README.md")]

pub mod access;
pub mod config;
mod gateway;
pub mod metrics;
pub mod openai;
mod relay;
mod server;
pub mod usage;
mod watcher;

pub use config::{ConfigError, GatewayConfig};
pub use gateway::{Gateway, GatewayError};
pub use relay::{RELAY_PATH, STREAM_CONTENT_TYPE};
pub use watcher::{Probe, Reference, SupplierWatch, record_references};
