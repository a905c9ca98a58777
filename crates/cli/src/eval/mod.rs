//! `pokt eval <topic>`: one JSON array of cases in, one JSON array of results out (spec/eval.md).
//!
//! Each topic is a function from one case object to one result object; an `Err` becomes
//! `{"error": "<reason>"}` in that case's place and the other cases still run.

use anyhow::{Context, bail};
use serde_json::{Map, Value};

mod chain;
mod crypto;
mod mining;
mod primitives;
mod session;
mod smst;
mod tokenomics;
mod util;

/// A topic: its name and the function that evaluates one case.
pub(crate) type Topic = (
    &'static str,
    fn(&Map<String, Value>) -> Result<Value, String>,
);

/// Every topic, in the order `pokt eval --list` prints them.
pub(crate) const TOPICS: &[Topic] = &[
    ("address", primitives::address),
    ("relay-hashes", primitives::relay_hashes),
    ("claim-hash", primitives::claim_hash),
    ("session", session::session),
    ("session-grid", session::session_grid),
    ("windows", session::windows),
    ("suppliers", session::suppliers),
    ("go-rand", mining::go_rand),
    ("seeded-float", mining::seeded_float),
    ("ema", mining::ema),
    ("target", mining::target),
    ("proof-path", mining::proof_path),
    ("proof-requirement", mining::proof_requirement),
    ("smst", smst::smst),
    ("smst-verify-closest", smst::smst_verify_closest),
    ("claimed-upokt", tokenomics::claimed_upokt),
    ("settle", crate::settle_cmd::eval),
    ("secp256k1-sign", crypto::secp256k1_sign),
    ("secp256k1-verify", crypto::secp256k1_verify),
    ("ring-sign", crypto::ring_sign),
    ("ring-verify", crypto::ring_verify),
    ("hash-to-scalar", crypto::hash_to_scalar),
    ("hash-to-curve", crypto::hash_to_curve),
    ("tx", chain::tx),
    // Topics of the other crates are registered here.
];

/// Runs `topic` over the JSON array `input`.
///
/// Errors (exit 2) only when the topic is unknown or the input is not an array of objects.
pub(crate) fn run(topic: &str, input: &str) -> anyhow::Result<String> {
    let Some((_, f)) = TOPICS.iter().find(|(name, _)| *name == topic) else {
        bail!("unknown topic {topic:?}; `pokt eval --list` lists them");
    };
    let cases: Value = serde_json::from_str(input).context("input is not JSON")?;
    let Value::Array(cases) = cases else {
        bail!("input is not a JSON array of objects");
    };
    let mut out = Vec::with_capacity(cases.len());
    for case in &cases {
        let Value::Object(obj) = case else {
            bail!("input is not a JSON array of objects");
        };
        out.push(match f(obj) {
            Ok(v) => v,
            Err(reason) => serde_json::json!({ "error": reason }),
        });
    }
    Ok(serde_json::to_string(&Value::Array(out))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_shapes() {
        assert!(run("address", "{}").is_err());
        assert!(run("address", "[1]").is_err());
        assert!(run("no-such-topic", "[]").is_err());
        assert_eq!(run("address", "[]").unwrap(), "[]");
    }

    #[test]
    fn topic_names_are_unique() {
        let mut names: Vec<_> = TOPICS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }
}
