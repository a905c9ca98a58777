//! Topics of pokt-tokenomics: `claimed-upokt`.

use pokt_primitives::TargetHash;
use serde_json::{Map, Value, json};

use super::util::{hex_field, u64_field};

/// `claimed-upokt`: compute units, target hash, CUTTM, granularity → `upokt` (decimal string).
pub(crate) fn claimed_upokt(case: &Map<String, Value>) -> Result<Value, String> {
    let target =
        TargetHash::from_slice(&hex_field(case, "target_hash")?).map_err(|e| e.to_string())?;
    let v = pokt_tokenomics::claimed_upokt(
        u64_field(case, "num_compute_units")?,
        &target,
        u64_field(case, "compute_units_to_tokens_multiplier")?,
        u64_field(case, "compute_unit_cost_granularity")?,
    )
    .map_err(|e| e.to_string())?;
    Ok(json!({ "upokt": v.to_string() }))
}
