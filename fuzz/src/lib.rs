//! Bodies of the pokt-rs fuzz targets.
//!
//! Each target in `fuzz_targets/` is a one-line wrapper around a function here, so the same body
//! also runs over the seed corpus (`fuzz/corpus/<target>/`) in a plain `cargo test --workspace`
//! (see `crates/cli/tests/fuzz_corpus.rs`, which includes this file).
//! Invariants checked: no panic, decode→encode round trips, mutated proofs never verify.

// A body reports a broken invariant by panicking: that is how libFuzzer sees it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod chain;
pub mod crypto;
pub mod mining;
pub mod primitives;
pub mod relay;
pub mod smst;
pub mod tokenomics;

/// The shared fixture (keys, session, ring) the verifier bodies check against, built once.
pub fn world() -> &'static pokt_testkit::World {
    static WORLD: std::sync::OnceLock<pokt_testkit::World> = std::sync::OnceLock::new();
    WORLD.get_or_init(pokt_testkit::World::new)
}

/// A fuzz target body: takes arbitrary bytes, must never panic.
pub type Body = fn(&[u8]);

/// Every target: its name (the `fuzz_targets/<name>.rs` file and `corpus/<name>/` folder) and body.
pub const TARGETS: &[(&str, Body)] = &[
    ("chain_tx_decode", chain::tx_decode as Body),
    ("crypto_ring_decode", crypto::ring_decode as Body),
    ("crypto_ring_verify", crypto::ring_verify as Body),
    ("crypto_secp256k1_verify", crypto::secp256k1_verify as Body),
    ("mining_ema_target", mining::ema_target as Body),
    ("mining_validate_proof", mining::validate_proof as Body),
    ("mining_varint", mining::varint as Body),
    ("prim_claim_decode", primitives::claim_decode as Body),
    ("prim_http_decode", primitives::http_decode as Body),
    ("prim_relay_decode", primitives::relay_decode as Body),
    ("relay_accept", relay::accept as Body),
    ("relay_stream", relay::stream as Body),
    ("relay_verify", relay::verify as Body),
    ("smst_gob_decode", smst::gob_decode as Body),
    ("smst_ops", smst::ops as Body),
    ("smst_snapshot_decode", smst::snapshot_decode as Body),
    ("smst_verify_closest", smst::verify_closest as Body),
    ("tokenomics_fraction", tokenomics::fraction as Body),
    ("tokenomics_settle", tokenomics::settle as Body),
];
