//! `pokt session` and `pokt relay verify` through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn pokt(args: &[&str], stdin: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pokt"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn data(rel: &str) -> Value {
    let p = format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn session_command_matches_the_vectors() {
    let d = data("session/tests/data/sessions.json");
    for c in d["sessions"].as_array().unwrap().iter().take(20) {
        let configs: Vec<Value> = c["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| json!({"operator_address": x["operator_address"], "service_id": c["service_id"], "activation_height": x["activation_height"]}))
            .collect();
        let state = json!({
            "height": c["query_height"], "application_address": c["application_address"], "service_id": c["service_id"],
            "num_blocks_per_session": c["num_blocks_per_session"], "anchor_height": c["anchor_height"],
            "number_at_anchor": c["number_at_anchor"], "num_suppliers_per_session": c["num_suppliers_per_session"],
            "block_hashes": { c["session_start_height"].to_string(): c["block_hash"] },
            "service_configs": configs, "windows": [1, 1, 4, 0, 4]
        });
        let (code, out) = pokt(&["session"], &state.to_string());
        assert_eq!(code, 0);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["session_id"], c["session_id"]);
        assert_eq!(v["suppliers"], c["selected"]);
        assert_eq!(v["session_number"], c["session_number"]);
        assert!(v["windows"]["settlement_height"].is_i64());
    }
}

#[test]
fn relay_verify_command() {
    let d = data("relay/tests/data/signed_relays.json");
    let c = &d["cases"][0];
    let ring: Vec<String> = serde_json::from_str(
        &c["ring"]
            .as_str()
            .map_or_else(|| c["ring"].to_string(), |s| s.replace('\'', "\"")),
    )
    .unwrap();
    let ring = ring.join(",");
    let relay = c["relay"].as_str().unwrap();
    let key = c["supplier_public_key"].as_str().unwrap();
    let (code, out) = pokt(
        &[
            "relay",
            "verify",
            "--relay",
            relay,
            "--supplier-key",
            key,
            "--ring",
            &ring,
        ],
        "",
    );
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["request_signature"], "valid");
    assert_eq!(v["relay_hash"], c["relay_hash"]);
    // A wrong supplier key fails with exit code 1.
    let other = "021066f293709356a33e9c13017867586baf52513e845bc4335233a15ed1e00baf";
    let (code, out) = pokt(
        &[
            "relay",
            "verify",
            "--relay",
            relay,
            "--supplier-key",
            other,
            "--ring",
            &ring,
        ],
        "",
    );
    assert_eq!(code, 1);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["request_signature"],
        "valid"
    );
}
