//! Fuzz bodies for pokt-mining.

// LEB128 encoding keeps the low 7 bits of each group on purpose.
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

/// `mining_varint`: Go's `binary.Varint` decoder on any bytes: never panics, never reads past the
/// input, and re-encoding a decoded value with zig-zag LEB128 gives back the bytes read.
pub fn varint(data: &[u8]) {
    let (v, n) = pokt_mining::go_varint(data);
    if n > 0 {
        let n = usize::try_from(n).expect("positive");
        assert!(n <= data.len() && n <= 10);
        let mut ux = (v as u64) << 1;
        if v < 0 {
            ux = !ux;
        }
        let mut enc = Vec::new();
        while ux >= 0x80 {
            enc.push((ux as u8) | 0x80);
            ux >>= 7;
        }
        enc.push(ux as u8);
        // Go accepts non-minimal encodings; the value must agree, not the bytes.
        assert_eq!(
            pokt_mining::go_varint(&enc),
            (v, isize::try_from(enc.len()).expect("short"))
        );
    } else {
        assert_eq!(v, 0);
    }
}

/// `mining_validate_proof`: any bytes as a `MsgSubmitProof` through the chain's full proof
/// validation (strict and Go-compatible) against a fixed session: never panics, and nothing
/// validates (the fuzzer cannot sign for the fixed keys, and the claim root commits to no relay).
pub fn validate_proof(data: &[u8]) {
    use pokt_primitives::{BlockHash, BlockHeight, Message, MsgSubmitProof, TargetHash};
    let Ok(msg) = MsgSubmitProof::decode(data) else {
        return;
    };
    let w = super::world();
    let (header, ring) = (&w.header, &w.ring);
    let suppliers = [w.supplier_address()];
    let key = w.supplier.verifying_key();
    let seed = BlockHash::from_bytes([9; 32]);
    let root = [7u8; 48];
    let Some(windows) = pokt_session::WindowOffsets::MAINNET.windows(BlockHeight::new(20)) else {
        return;
    };
    let ctx = pokt_mining::ProofContext {
        session_header: header,
        session_suppliers: &suppliers,
        height: windows.proof_window_open,
        windows: &windows,
        target: &TargetHash::BASE,
        claim_root: &root,
        ring,
        supplier_key: &key,
        seed_block_hash: &seed,
    };
    assert!(pokt_mining::validate_proof(&msg, &ctx).is_err());
    assert!(pokt_mining::validate_proof_go_compatible(&msg, &ctx).is_err());
}

/// `mining_ema_target`: the EMA and the next target against independent big-integer models, on
/// any (prev, current, target relays). The EMA is within one unit (the truncation) plus 64-bit
/// rounding of the exact `(current + 9·prev) / 10`; the target is exactly
/// `min(2²⁵⁶ − 1, ⌊(2²⁵⁶ − 1) · T / ema⌋)` computed with 512-bit integers.
pub fn ema_target(data: &[u8]) {
    use crypto_bigint::{NonZero, U512};
    let word = |i: usize| {
        let mut b = [0u8; 8];
        for (d, s) in b.iter_mut().zip(data.iter().skip(i * 8)) {
            *d = *s;
        }
        u64::from_le_bytes(b)
    };
    let (prev, current, target_relays) = (word(0), word(1), word(2));

    let e = pokt_mining::ema(prev, current);
    let exact = (u128::from(current) + 9 * u128::from(prev)) / 10;
    let diff = exact.abs_diff(u128::from(e));
    // α is the float64 0.1, which exceeds 1/10 by ≈ 5.55·10⁻¹⁸ < 2⁻⁵⁷ (and 1 − α carries the
    // same absolute error into the prev term); three roundings to 64-bit mantissas (≤ 2⁻⁶³
    // relative each) and the final truncation add little: the bound below has a factor 2 margin.
    let bound = 2 + (u128::from(current) >> 56) + (u128::from(prev) >> 56) + (exact >> 61);
    assert!(diff <= bound, "ema({prev}, {current}) = {e}, exact {exact}");

    let Some(t) = pokt_mining::next_target(target_relays, e) else {
        assert_eq!(e, 0);
        return;
    };
    assert_ne!(e, 0);
    let base = U512::ONE.shl_vartime(256).wrapping_sub(&U512::ONE);
    let num = base.wrapping_mul(&U512::from_u64(target_relays));
    let q = num
        .div_rem_vartime(&NonZero::new(U512::from_u64(e)).expect("ema is not 0"))
        .0;
    let model = if q > base { base } else { q };
    let bytes = model.to_be_bytes();
    assert_eq!(
        t.as_bytes()[..],
        bytes.as_ref()[32..],
        "T {target_relays}, ema {e}"
    );
}
