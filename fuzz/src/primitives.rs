//! Fuzz bodies for pokt-primitives' decoders.

use pokt_primitives::{Claim, Message, MsgSubmitProof, Relay};

/// Decoding any bytes never panics; a decoded message re-encodes to canonical bytes that decode
/// to the same message and re-encode identically (canonical form is a fixed point).
fn canonical<M: Message + PartialEq + core::fmt::Debug>(data: &[u8]) {
    if let Ok(m) = M::decode(data) {
        let once = m.encode();
        let again = M::decode(&once).expect("canonical bytes decode");
        assert_eq!(again, m);
        assert_eq!(again.encode(), once);
    }
}

/// `prim_relay_decode`.
pub fn relay_decode(data: &[u8]) {
    canonical::<Relay>(data);
    if let Ok(r) = Relay::decode(data) {
        let _ = r.relay_hash();
        if let Some(req) = &r.req {
            let _ = req.signable_hash();
        }
    }
}

/// `prim_claim_decode` (also covers `MsgSubmitProof`, which shares the layout's first fields).
pub fn claim_decode(data: &[u8]) {
    canonical::<Claim>(data);
    canonical::<MsgSubmitProof>(data);
}

/// `prim_http_decode`: the HTTP payload messages a relay carries (`POKTHTTPRequest` and
/// `POKTHTTPResponse`) from any bytes.
pub fn http_decode(data: &[u8]) {
    canonical::<pokt_primitives::PoktHttpRequest>(data);
    canonical::<pokt_primitives::PoktHttpResponse>(data);
}
