//! The proof requirement of a claim from what it claims: as poktroll's x/proof does, the claim is
//! priced first ([`pokt_tokenomics::claimed_upokt`]), then held against the threshold, then drawn.

use pokt_primitives::{BlockHash, ClaimHash, ComputeUnits, ProofParams, Upokt};
use pokt_tokenomics::{ClaimPricing, ClaimedError, claimed_upokt};

use crate::proof::{RequirementDraw, proof_requirement};

/// The proof requirement of a claim: its value is [`claimed_upokt`] of its compute units (the
/// session tree's root sum) at the `pricing` in force at its session start; `Threshold` when
/// that value reaches `params.proof_requirement_threshold`, otherwise the seeded draw of
/// [`proof_requirement`] from the claim hash and `seed_block_hash` (the block before the proof
/// window opens) against `params.proof_request_probability`. The one place the rule "claim value
/// → proof requirement" is written; hosts (devnet, simulator, relay miners) call it.
/// [MINING-REQ-1] [TOK-CLAIMED-1]
///
/// # Errors
///
/// [`ClaimedError`] when the claim's value cannot be computed (a zero target or granularity,
/// or a value beyond 256 bits): poktroll's `ProofRequirementForClaim` fails there too.
///
/// ```
/// use pokt_mining::{ProofRequirement, proof_requirement_for_claim};
/// use pokt_primitives::{BlockHash, ClaimHash, ComputeUnits, ProofParams, SharedParams, TargetHash};
/// use pokt_tokenomics::ClaimPricing;
///
/// let pricing = ClaimPricing::new(TargetHash::BASE, &SharedParams::mainnet());
/// let seed = BlockHash::from_bytes([7; 32]);
/// // 685 CU at mainnet pricing are worth 100 uPOKT: the mainnet threshold.
/// let draw = proof_requirement_for_claim(
///     &ClaimHash::from_bytes([1; 32]), ComputeUnits::new(685), &pricing, &seed, &ProofParams::mainnet())?;
/// assert_eq!(draw.requirement, ProofRequirement::Threshold);
/// # Ok::<(), pokt_tokenomics::ClaimedError>(())
/// ```
pub fn proof_requirement_for_claim(
    claim_hash: &ClaimHash,
    num_compute_units: ComputeUnits,
    pricing: &ClaimPricing,
    seed_block_hash: &BlockHash,
    params: &ProofParams,
) -> Result<RequirementDraw, ClaimedError> {
    let value = claimed_upokt(num_compute_units, pricing)?;
    // A value above u64::MAX is above every threshold, as u64::MAX itself is: capping there
    // keeps the comparison Go makes in 256 bits.
    Ok(proof_requirement(
        claim_hash,
        seed_block_hash,
        value.capped_at(Upokt::MAX),
        params.proof_requirement_threshold,
        params.proof_request_probability_f64(),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ProofRequirement;
    use pokt_primitives::TargetHash;

    fn pricing(target: [u8; 32]) -> ClaimPricing {
        ClaimPricing {
            target_hash: TargetHash::from_bytes(target),
            compute_units_to_tokens_multiplier: 145_990,
            compute_unit_cost_granularity: 1_000_000,
        }
    }

    /// The value decides the threshold; below it the draw is the claim hash's, as the plain
    /// rule gives for the same value; a value above u64 is above the threshold.
    #[test]
    fn prices_then_draws() {
        let seed = BlockHash::from_bytes([3; 32]);
        let params = ProofParams::mainnet();
        let base = pricing([0xff; 32]);
        let hash = ClaimHash::from_bytes([5; 32]);
        let at = |cu: u64, p: &ClaimPricing| {
            proof_requirement_for_claim(&hash, ComputeUnits::new(cu), p, &seed, &params)
        };
        assert_eq!(
            at(685, &base).unwrap().requirement,
            ProofRequirement::Threshold
        );
        // 684 CU are worth 99 uPOKT: the draw decides, exactly as proof_requirement does at 99.
        let below = at(684, &base).unwrap();
        assert_eq!(
            below,
            proof_requirement(
                &hash,
                &seed,
                Upokt::new(99),
                Upokt::new(100),
                params.proof_request_probability_f64()
            )
        );
        assert_ne!(below.requirement, ProofRequirement::Threshold);
        // Target 2^64 makes one compute unit worth ≈ 2^192 × 0.14599 uPOKT.
        let mut tiny = [0u8; 32];
        tiny[23] = 1;
        assert_eq!(
            at(1, &pricing(tiny)).unwrap().requirement,
            ProofRequirement::Threshold
        );
        assert_eq!(at(1, &pricing([0; 32])), Err(ClaimedError::DivisionByZero));
    }
}
