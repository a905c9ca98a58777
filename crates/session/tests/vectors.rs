//! The shared session vectors (tests/data/sessions.json, see tests/data/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pokt_primitives::{Address, BlockHash, BlockHeight, BlockInterval, ServiceId, SessionNumber};
use pokt_session::{
    ServiceConfig, Session, SessionGrid, SessionQuery, WindowOffsets, select_suppliers, session_id,
    session_id_preimage,
};
use serde_json::Value;

fn data() -> Value {
    serde_json::from_str(include_str!("data/sessions.json")).unwrap()
}

fn i(v: &Value, k: &str) -> i64 {
    v[k].as_i64().unwrap_or_else(|| panic!("{k}"))
}

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("{k}"))
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k}"))
}

#[test]
fn grid_id_and_suppliers() {
    let d = data();
    let sessions = d["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 60);
    for (n, c) in sessions.iter().enumerate() {
        let grid = SessionGrid::new(
            BlockInterval::new(u(c, "num_blocks_per_session")),
            BlockHeight::new(i(c, "anchor_height")),
            SessionNumber::new(i(c, "number_at_anchor")),
        )
        .unwrap();
        let h = BlockHeight::new(i(c, "query_height"));
        assert_eq!(
            grid.start(h).get(),
            i(c, "session_start_height"),
            "case {n} start"
        );
        assert_eq!(
            grid.end(h).get(),
            i(c, "session_end_height"),
            "case {n} end"
        );
        assert_eq!(
            grid.number(h).get(),
            i(c, "session_number"),
            "case {n} number"
        );

        let hash = BlockHash::from_hex(s(c, "block_hash")).unwrap();
        let service = ServiceId::new(s(c, "service_id")).unwrap();
        let app: Address = s(c, "application_address").parse().unwrap();
        let preimage = session_id_preimage(Some(&hash), &service, &app, grid.start(h));
        assert_eq!(
            hex::encode(&preimage),
            s(c, "preimage"),
            "case {n} preimage"
        );
        assert_eq!(
            session_id(&preimage).to_hex(),
            s(c, "session_id"),
            "case {n} id"
        );

        let candidates: Vec<Address> = c["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| s(x, "operator_address").parse().unwrap())
            .collect();
        let want: Vec<&str> = c["selected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        let k = usize::try_from(u(c, "num_suppliers_per_session")).unwrap();
        let got: Vec<&str> = select_suppliers(&preimage, &candidates, k)
            .into_iter()
            .map(Address::as_str)
            .collect();
        assert_eq!(got, want, "case {n} suppliers");

        // The same through the whole derivation, from service configs in scrambled order.
        let mut configs: Vec<ServiceConfig> = c["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| ServiceConfig {
                operator: s(x, "operator_address").parse().unwrap(),
                service: service.clone(),
                activation_height: BlockHeight::new(i(x, "activation_height")),
                deactivation_height: None,
            })
            .collect();
        configs.reverse();
        let query = SessionQuery {
            application: &app,
            service_id: &service,
            height: h,
            grid,
            num_suppliers_per_session: k,
        };
        let start = grid.start(h);
        let session = Session::derive(query, |x| (x == start).then_some(hash), &configs).unwrap();
        assert_eq!(session.header.session_id.to_hex(), s(c, "session_id"));
        let got: Vec<&str> = session.suppliers.iter().map(Address::as_str).collect();
        assert_eq!(got, want, "case {n} derived suppliers");
    }
}

#[test]
fn windows() {
    let d = data();
    let sets = d["windows"].as_array().unwrap();
    assert_eq!(sets.len(), 20);
    for (n, c) in sets.iter().enumerate() {
        let off = WindowOffsets {
            grace_period_end_offset_blocks: BlockInterval::new(u(
                c,
                "grace_period_end_offset_blocks",
            )),
            claim_window_open_offset_blocks: BlockInterval::new(u(
                c,
                "claim_window_open_offset_blocks",
            )),
            claim_window_close_offset_blocks: BlockInterval::new(u(
                c,
                "claim_window_close_offset_blocks",
            )),
            proof_window_open_offset_blocks: BlockInterval::new(u(
                c,
                "proof_window_open_offset_blocks",
            )),
            proof_window_close_offset_blocks: BlockInterval::new(u(
                c,
                "proof_window_close_offset_blocks",
            )),
        };
        let w = off
            .windows(BlockHeight::new(i(c, "session_end_height")))
            .unwrap();
        let got = [
            w.grace_period_end,
            w.claim_window_open,
            w.claim_window_close,
            w.proof_window_open,
            w.proof_window_close,
            w.settlement_height,
        ]
        .map(BlockHeight::get);
        let want = [
            "grace_period_end",
            "claim_window_open",
            "claim_window_close",
            "proof_window_open",
            "proof_window_close",
            "settlement_height",
        ]
        .map(|k| i(c, k));
        assert_eq!(got, want, "window set {n}");
    }
}
