//! LLM inference over POKT on one machine: an OpenAI-compatible [gateway], a [relayer] (relay
//! miner) in front of any OpenAI-compatible model backend, the [stand-in backend](backend) for
//! tests and demos, the gateway's [QoS](qos) scores, and a [`pokt_devnet::Devnet`] they share as
//! their chain. The protocol work is the pokt-rs crates'; these modules are the HTTP glue.

pub mod backend;
pub mod gateway;
pub mod network;
pub mod openai;
pub mod qos;
pub mod relayer;

use std::sync::{Arc, Mutex};

/// The chain the hosts share in one process (held only briefly, never across an await).
pub type SharedChain = Arc<Mutex<pokt_devnet::Devnet>>;
