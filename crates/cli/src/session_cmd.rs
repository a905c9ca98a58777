//! `pokt session`: derive a session from a JSON description of the chain state.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use pokt_primitives::{Address, BlockHash, BlockHeight, BlockInterval, ServiceId, SessionNumber};
use pokt_session::{ServiceConfig, Session, SessionGrid, SessionQuery, WindowOffsets};
use serde::Deserialize;
use serde_json::json;

/// The chain state `pokt session` reads (JSON).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChainState {
    height: i64,
    application_address: String,
    service_id: String,
    num_blocks_per_session: u64,
    #[serde(default = "one")]
    anchor_height: i64,
    #[serde(default = "one")]
    number_at_anchor: i64,
    num_suppliers_per_session: usize,
    /// Block hashes by height (decimal string keys), hex values.
    block_hashes: BTreeMap<String, String>,
    service_configs: Vec<Config>,
    /// Optional window offsets (the five shared params) to print the session's windows.
    #[serde(default)]
    windows: Option<[u64; 5]>,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    operator_address: String,
    service_id: String,
    activation_height: i64,
    #[serde(default)]
    deactivation_height: i64,
}

/// Reads the JSON chain state from `input` and prints the session as JSON.
pub(crate) fn run(input: &str) -> anyhow::Result<()> {
    let st: ChainState = serde_json::from_str(input).context("chain state JSON")?;
    let app: Address = st
        .application_address
        .parse()
        .context("application_address")?;
    let service = ServiceId::new(&st.service_id).context("service_id")?;
    let Some(grid) = SessionGrid::new(
        BlockInterval::new(st.num_blocks_per_session),
        BlockHeight::new(st.anchor_height),
        SessionNumber::new(st.number_at_anchor),
    ) else {
        bail!("num_blocks_per_session must be in 1..=i64::MAX");
    };
    let mut hashes = BTreeMap::new();
    for (h, v) in &st.block_hashes {
        let h: i64 = h.parse().with_context(|| format!("block height {h:?}"))?;
        hashes.insert(
            h,
            BlockHash::from_hex(v).with_context(|| format!("block hash at {h}"))?,
        );
    }
    let configs = st
        .service_configs
        .iter()
        .map(|c| {
            Ok(ServiceConfig {
                operator: c.operator_address.parse().context("operator_address")?,
                service: ServiceId::new(&c.service_id).context("service_id")?,
                activation_height: BlockHeight::new(c.activation_height),
                // The chain writes "never deactivated" as 0.
                deactivation_height: (c.deactivation_height != 0)
                    .then_some(BlockHeight::new(c.deactivation_height)),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let query = SessionQuery {
        application: &app,
        service_id: &service,
        height: BlockHeight::new(st.height),
        grid,
        num_suppliers_per_session: st.num_suppliers_per_session,
    };
    let start = grid.start(BlockHeight::new(st.height)).get();
    if !hashes.contains_key(&start) {
        bail!("block_hashes has no hash for the session start height {start}");
    }
    let s = Session::derive(query, |h| hashes.get(&h.get()).copied(), &configs)?;
    let mut out = json!({
        "session_id": s.header.session_id.to_hex(),
        "preimage": hex::encode(&s.preimage),
        "application_address": s.header.application.as_str(),
        "service_id": s.header.service_id.as_str(),
        "session_start_block_height": s.header.start.get(),
        "session_end_block_height": s.header.end.get(),
        "session_number": s.number.get(),
        "num_blocks_per_session": s.num_blocks_per_session.get(),
        "suppliers": s.suppliers.iter().map(Address::as_str).collect::<Vec<_>>(),
    });
    if let Some([g, co, cc, po, pc]) = st.windows {
        let off = WindowOffsets {
            grace_period_end_offset_blocks: BlockInterval::new(g),
            claim_window_open_offset_blocks: BlockInterval::new(co),
            claim_window_close_offset_blocks: BlockInterval::new(cc),
            proof_window_open_offset_blocks: BlockInterval::new(po),
            proof_window_close_offset_blocks: BlockInterval::new(pc),
        };
        let w = off
            .windows(s.header.end)
            .context("window heights overflow")?;
        out["windows"] = json!({
            "grace_period_end": w.grace_period_end.get(),
            "claim_window_open": w.claim_window_open.get(),
            "claim_window_close": w.claim_window_close.get(),
            "proof_window_open": w.proof_window_open.get(),
            "proof_window_close": w.proof_window_close.get(),
            "settlement_height": w.settlement_height.get(),
        });
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
