//! Claimed uPOKT: what a claim is worth before any cap.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crypto_bigint::{NonZero, U512};
use pokt_primitives::TargetHash;

/// Why a claim's value could not be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClaimedError {
    /// A zero target hash or zero granularity (Go divides by zero and panics).
    #[error("zero target hash or zero compute unit cost granularity")]
    DivisionByZero,
    /// The value does not fit 64 bits.
    #[error("claimed amount above u64::MAX upokt")]
    Overflow,
}

/// ⌊compute units × (2²⁵⁶ − 1) / target × compute_units_to_tokens_multiplier / granularity⌋ in
/// exact integers with a single floor at the end, as poktroll's `GetClaimeduPOKT` does with
/// `big.Rat`. The target, multiplier and granularity are those in force at the session's
/// **start** height. [TOK-CLAIMED-1]
///
/// ```
/// use pokt_primitives::TargetHash;
/// use pokt_tokenomics::claimed_upokt;
/// // Base difficulty: 1,000 CU at 145,990 pPOKT/CU are 145 uPOKT (145.99 floored).
/// assert_eq!(claimed_upokt(1_000, &TargetHash::BASE, 145_990, 1_000_000), Ok(145));
/// ```
pub fn claimed_upokt(
    num_compute_units: u64,
    target: &TargetHash,
    compute_units_to_tokens_multiplier: u64,
    compute_unit_cost_granularity: u64,
) -> Result<u64, ClaimedError> {
    let base = U512::ONE.shl_vartime(256).wrapping_sub(&U512::ONE);
    let t = U512::from_be_slice(&{
        let mut b = [0u8; 64];
        if let Some(dst) = b.get_mut(32..) {
            dst.copy_from_slice(target.as_bytes());
        }
        b
    });
    // num ≤ 2^64 · 2^64 · 2^256 < 2^512 and den ≤ 2^256 · 2^64: no wrapping.
    let num = U512::from_u64(num_compute_units)
        .wrapping_mul(&U512::from_u64(compute_units_to_tokens_multiplier))
        .wrapping_mul(&base);
    let den = t.wrapping_mul(&U512::from_u64(compute_unit_cost_granularity));
    let den =
        Option::<NonZero<U512>>::from(NonZero::new(den)).ok_or(ClaimedError::DivisionByZero)?;
    let (q, _) = num.div_rem_vartime(&den);
    if q.bit_width_vartime() > 64 {
        return Err(ClaimedError::Overflow);
    }
    let bytes = q.to_be_bytes();
    let mut low = [0u8; 8];
    if let Some(src) = bytes.as_ref().get(56..64) {
        low.copy_from_slice(src);
    }
    Ok(u64::from_be_bytes(low))
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn derivations() {
        // Mainnet pricing, base difficulty: 685 CU × 0.14599 = 100.00315 → 100 (just reaches the
        // 100 uPOKT proof threshold); 684 CU → 99.857… → 99.
        assert_eq!(
            claimed_upokt(685, &TargetHash::BASE, 145_990, 1_000_000),
            Ok(100)
        );
        assert_eq!(
            claimed_upokt(684, &TargetHash::BASE, 145_990, 1_000_000),
            Ok(99)
        );
        // Half the hash space (target 0x7fff…ff): multiplier (2^256−1)/(2^255−1) is just above 2,
        // so 10 CU at 1 uPOKT/CU claim ⌊20.000…⌋ = 20.
        let mut half = [0xffu8; 32];
        half[0] = 0x7f;
        assert_eq!(
            claimed_upokt(10, &TargetHash::from_bytes(half), 1_000_000, 1_000_000),
            Ok(20)
        );
        // A quarter (0x3fff…ff): ⌊4.000…⌋ per CU.
        let mut quarter = [0xffu8; 32];
        quarter[0] = 0x3f;
        assert_eq!(
            claimed_upokt(3, &TargetHash::from_bytes(quarter), 1, 1),
            Ok(12)
        );
        assert_eq!(
            claimed_upokt(3, &TargetHash::from_bytes([0; 32]), 1, 1),
            Err(ClaimedError::DivisionByZero)
        );
        assert_eq!(
            claimed_upokt(3, &TargetHash::BASE, 1, 0),
            Err(ClaimedError::DivisionByZero)
        );
        assert_eq!(
            claimed_upokt(
                u64::MAX,
                &TargetHash::from_bytes(
                    [0; 31]
                        .iter()
                        .copied()
                        .chain([1])
                        .collect::<Vec<u8>>()
                        .try_into()
                        .unwrap()
                ),
                1,
                1
            ),
            Err(ClaimedError::Overflow)
        );
    }
}
