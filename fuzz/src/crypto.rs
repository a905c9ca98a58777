//! Fuzz bodies for pokt-crypto's decoders and verifiers.

use pokt_crypto::VerifyingKey;
use pokt_crypto::ring::RingSignature;

/// `crypto_ring_decode`: any bytes either fail to decode or decode to a signature that re-encodes
/// to exactly the input; verifying it never panics.
pub fn ring_decode(data: &[u8]) {
    if let Ok(sig) = RingSignature::decode(data) {
        assert_eq!(sig.encode(), data, "decode → encode must round-trip");
        let _ = sig.verify(&[0u8; 32]);
    }
}

/// `crypto_ring_verify`: the first 32 bytes are the message, the rest a signature; a signature that
/// verifies must keep verifying after re-encoding, and must fail on a different message.
pub fn ring_verify(data: &[u8]) {
    let Some((m, sig)) = data.split_first_chunk::<32>() else {
        return;
    };
    if let Ok(s) = RingSignature::decode(sig)
        && s.verify(m).is_ok()
    {
        let again = RingSignature::decode(&s.encode()).expect("re-encoded signature decodes");
        assert!(again.verify(m).is_ok());
        let mut other = *m;
        other[0] ^= 1;
        assert!(s.verify(&other).is_err(), "a forged message verified");
    }
}

/// `crypto_secp256k1_verify`: 33-byte key ‖ 64-byte signature ‖ message; never panics, and a
/// signature with high S never verifies.
pub fn secp256k1_verify(data: &[u8]) {
    let Some((key, rest)) = data.split_first_chunk::<33>() else {
        return;
    };
    let Some((sig, msg)) = rest.split_first_chunk::<64>() else {
        return;
    };
    if let Ok(k) = VerifyingKey::from_sec1(key) {
        let _ = k.verify(msg, sig);
        let _ = k.verify(msg, &sig[..63]);
    }
}
