//! Example hosts of the pokt-rs libraries; run one with `cargo run -p pokt-examples --example NAME`.
//! The [`llm`] module holds the HTTP hosts (gateway, relay miner, stand-in backend) the `llm_*`
//! examples and the end-to-end test run.

pub mod llm;
