//! Fuzz bodies for pokt-tokenomics.

use pokt_tokenomics::Fraction;

/// `tokenomics_fraction`: the decimal parser behind every fractional param: never panics, and a
/// parsed fraction's floor/ceil products stay ordered.
pub fn fraction(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(f) = Fraction::from_decimal(s) {
        for amount in [0u64, 1, 999, u64::MAX] {
            if let (Ok(lo), Ok(hi)) = (f.mul_floor(amount), f.mul_ceil(amount)) {
                assert!(lo <= hi && hi - lo <= 1);
            }
        }
    }
}
