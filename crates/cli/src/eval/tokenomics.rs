//! Topics of pokt-tokenomics: `claimed-upokt`.

use pokt_primitives::{ComputeUnits, TargetHash};
use pokt_tokenomics::ClaimPricing;
use serde_json::{Map, Value, json};

use super::util::{hex_field, u64_field};

/// `claimed-upokt`: compute units, target hash, CUTTM, granularity → `upokt` (decimal string, up
/// to 2²⁵⁶ − 1).
pub(crate) fn claimed_upokt(case: &Map<String, Value>) -> Result<Value, String> {
    let target =
        TargetHash::from_slice(&hex_field(case, "target_hash")?).map_err(|e| e.to_string())?;
    let pricing = ClaimPricing {
        target_hash: target,
        compute_units_to_tokens_multiplier: u64_field(case, "compute_units_to_tokens_multiplier")?,
        compute_unit_cost_granularity: u64_field(case, "compute_unit_cost_granularity")?,
    };
    let v = pokt_tokenomics::claimed_upokt(
        ComputeUnits::new(u64_field(case, "num_compute_units")?),
        &pricing,
    )
    .map_err(|e| e.to_string())?;
    // 256 bits, as poktroll computes it: a value above u64 is printed whole.
    Ok(json!({ "upokt": v.digits().to_string() }))
}
