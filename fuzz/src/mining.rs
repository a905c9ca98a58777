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
/// validation against a fixed session: never panics, and nothing validates (the fuzzer cannot sign
/// for the fixed keys, and the claim root commits to no relay).
pub fn validate_proof(data: &[u8]) {
    use pokt_crypto::SigningKey;
    use pokt_primitives::{BlockHash, Message, MsgSubmitProof, SessionHeader, TargetHash};
    let Ok(msg) = MsgSubmitProof::decode(data) else {
        return;
    };
    let keys: Vec<_> = [1u8, 2, 3]
        .iter()
        .filter_map(|b| SigningKey::from_bytes(&[*b; 32]).ok())
        .collect();
    let [app, gw, sup] = keys.as_slice() else {
        return;
    };
    let header = SessionHeader {
        application_address: app.address().to_string(),
        service_id: "llm".into(),
        session_id: "5b".repeat(32),
        session_start_block_height: 11,
        session_end_block_height: 20,
    };
    let ring = [app.verifying_key(), gw.verifying_key()];
    let suppliers = [sup.address()];
    let key = sup.verifying_key();
    let seed = BlockHash::from_bytes([9; 32]);
    let root = [7u8; 48];
    let ctx = pokt_mining::ProofContext {
        session_header: &header,
        session_suppliers: &suppliers,
        in_proof_window: true,
        target: &TargetHash::BASE,
        claim_root: &root,
        ring: &ring,
        supplier_key: &key,
        seed_block_hash: &seed,
        strict: true,
    };
    assert!(pokt_mining::validate_proof(&msg, &ctx).is_err());
}
