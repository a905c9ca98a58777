//! Topics of pokt-session: `session`, `session-grid`, `windows`, `suppliers`.

use pokt_primitives::{Address, BlockHash, BlockHeight, BlockInterval, ServiceId, SessionNumber};
use pokt_session::{SessionGrid, WindowOffsets};
use serde_json::{Map, Value, json};

use super::util::{field, hex_field, i64_field, str_field, u64_field};

/// `session`: block hash, service, application, start height → `session_id`, `preimage`.
pub(crate) fn session(case: &Map<String, Value>) -> Result<Value, String> {
    let hash = hex_field(case, "block_hash")?;
    let hash = if hash.is_empty() {
        None
    } else {
        Some(BlockHash::from_slice(&hash).map_err(|e| e.to_string())?)
    };
    let service = ServiceId::new(str_field(case, "service_id")?).map_err(|e| e.to_string())?;
    let app: Address = str_field(case, "application_address")?
        .parse()
        .map_err(|e: pokt_primitives::AddressError| e.to_string())?;
    let start = BlockHeight::new(i64_field(case, "session_start_height")?);
    let preimage = pokt_session::session_id_preimage(hash.as_ref(), &service, &app, start);
    let id = pokt_session::session_id(&preimage);
    Ok(json!({ "session_id": id.to_hex(), "preimage": hex::encode(&preimage) }))
}

/// `session-grid`: N, anchor, number at anchor, height → `start`, `end`, `number`.
pub(crate) fn session_grid(case: &Map<String, Value>) -> Result<Value, String> {
    let grid = SessionGrid::new(
        BlockInterval::new(u64_field(case, "num_blocks_per_session")?),
        BlockHeight::new(i64_field(case, "anchor_height")?),
        SessionNumber::new(i64_field(case, "number_at_anchor")?),
    )
    .ok_or("num_blocks_per_session must be in 1..=i64::MAX")?;
    let h = BlockHeight::new(i64_field(case, "height")?);
    Ok(json!({
        "start": grid.start(h).get(),
        "end": grid.end(h).get(),
        "number": grid.number(h).get(),
    }))
}

/// `windows`: session end height and the five offsets → every window bound.
pub(crate) fn windows(case: &Map<String, Value>) -> Result<Value, String> {
    let off = WindowOffsets {
        grace_period_end_offset_blocks: BlockInterval::new(u64_field(
            case,
            "grace_period_end_offset_blocks",
        )?),
        claim_window_open_offset_blocks: BlockInterval::new(u64_field(
            case,
            "claim_window_open_offset_blocks",
        )?),
        claim_window_close_offset_blocks: BlockInterval::new(u64_field(
            case,
            "claim_window_close_offset_blocks",
        )?),
        proof_window_open_offset_blocks: BlockInterval::new(u64_field(
            case,
            "proof_window_open_offset_blocks",
        )?),
        proof_window_close_offset_blocks: BlockInterval::new(u64_field(
            case,
            "proof_window_close_offset_blocks",
        )?),
    };
    let w = off
        .windows(BlockHeight::new(i64_field(case, "session_end_height")?))
        .ok_or("a window height overflows")?;
    Ok(json!({
        "grace_period_end": w.grace_period_end.get(),
        "claim_window_open": w.claim_window_open.get(),
        "claim_window_close": w.claim_window_close.get(),
        "proof_window_open": w.proof_window_open.get(),
        "proof_window_close": w.proof_window_close.get(),
        "settlement_height": w.settlement_height.get(),
    }))
}

/// `suppliers`: preimage, session size, candidates in store order → `selected`.
pub(crate) fn suppliers(case: &Map<String, Value>) -> Result<Value, String> {
    let preimage = hex_field(case, "preimage")?;
    let k = usize::try_from(u64_field(case, "num_suppliers_per_session")?)
        .map_err(|e| e.to_string())?;
    let Value::Array(list) = field(case, "candidates")? else {
        return Err("candidates must be an array".into());
    };
    let mut candidates = Vec::with_capacity(list.len());
    for c in list {
        let Value::Object(c) = c else {
            return Err("each candidate must be an object".into());
        };
        let a: Address = str_field(c, "operator_address")?
            .parse()
            .map_err(|e: pokt_primitives::AddressError| e.to_string())?;
        candidates.push(a);
    }
    let selected: Vec<&str> = pokt_session::select_suppliers(&preimage, &candidates, k)
        .into_iter()
        .map(Address::as_str)
        .collect();
    Ok(json!({ "selected": selected }))
}
