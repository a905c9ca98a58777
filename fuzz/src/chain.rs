//! Fuzz bodies for pokt-chain's transaction decoder (what `pokt devnet` runs on every broadcast).

use pokt_chain::tx::{TxMsg, body_bytes, decode_tx};
use pokt_crypto::SigningKey;
use prost::Message as _;

/// `chain_tx_decode`: any bytes decode or are refused without panic; an accepted transaction is
/// canonical (its TxRaw re-encodes to the input), its messages re-wrap to the body it carries,
/// and its signature check never panics and fails for a key that did not sign.
pub fn tx_decode(data: &[u8]) {
    let Ok(tx) = decode_tx(data, 1 << 20) else {
        return;
    };
    assert_eq!(tx.raw.encode_to_vec(), data);
    assert!(!tx.msgs.is_empty());
    assert!(tx.msgs.iter().all(|m| m.signer() == tx.signer));
    let rewrapped: Vec<_> = tx.msgs.iter().map(TxMsg::to_any).collect();
    assert_eq!(rewrapped, tx.body.messages);
    assert_eq!(
        body_bytes(&tx.msgs, &tx.body.memo, tx.body.timeout_height),
        tx.raw.body_bytes
    );
    let stranger = SigningKey::from_bytes(&[0x42; 32]).expect("valid key");
    if let Some(k) = tx.public_key {
        let _ = tx.verify(&k, "pokt-devnet", 0);
    }
    if tx.public_key != Some(stranger.verifying_key()) {
        assert!(
            tx.verify(&stranger.verifying_key(), "pokt-devnet", 0)
                .is_err()
        );
    }
}
