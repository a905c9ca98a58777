//! Running the real `pokt` binary from the integration tests.
//!
//! Each test file includes this module and uses part of it.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `pokt args…` with `stdin`; returns the exit code and standard output.
pub(crate) fn pokt(args: &[&str], stdin: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the pokt binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin takes the input");
    let out = child.wait_with_output().expect("pokt finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
    )
}

/// Runs `pokt eval TOPIC` on `cases` (anything that serialises to the JSON array of cases) and
/// returns the output array; panics when the command fails or prints something else.
pub(crate) fn eval(topic: &str, cases: impl serde::Serialize) -> Vec<serde_json::Value> {
    let input = serde_json::to_string(&cases).expect("the cases serialise");
    let (code, out) = pokt(&["eval", topic], &input);
    assert_eq!(code, 0, "pokt eval {topic} failed");
    match serde_json::from_str(&out).expect("pokt eval prints JSON") {
        serde_json::Value::Array(a) => a,
        other => panic!("pokt eval {topic} printed {other}, not an array"),
    }
}
