#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "net"), allow(rustdoc::broken_intra_doc_links))]

pub mod genesis;
pub mod node;
pub mod proto;
pub mod tx;

#[cfg(feature = "net")]
mod chain;
#[cfg(feature = "net")]
pub mod host;
#[cfg(feature = "net")]
mod inprocess;
#[cfg(feature = "net")]
mod remote;
#[cfg(feature = "net")]
pub mod server;
#[cfg(feature = "net")]
pub mod submit;
#[cfg(feature = "net")]
mod types;

#[cfg(feature = "net")]
pub use chain::{BlockStream, Chain};
#[cfg(feature = "net")]
pub use inprocess::{InProcessChain, now_ms};
#[cfg(feature = "net")]
pub use remote::{RemoteChain, RemoteConfig};
#[cfg(feature = "net")]
pub use submit::{SubmitConfig, SubmitError, Submitter};
#[cfg(feature = "net")]
pub use types::{
    AccountInfo, Application, BlockRef, BroadcastResult, ChainError, ChainEvent, ChainSession,
    Difficulty, GasInfo, Gateway, Service, Supplier, SupplierService, TxResult,
};
