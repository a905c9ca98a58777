//! Transactions against an independent encoder (cosmos-sdk-proto, prost 0.13) on random inputs,
//! the decoder's round trip, and what it refuses.

use super::*;
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as XCoin;
use cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey as XPubKey;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    AuthInfo as XAuthInfo, Fee as XFee, ModeInfo as XModeInfo, SignDoc as XSignDoc,
    SignerInfo as XSignerInfo, TxBody as XTxBody, TxRaw as XTxRaw, mode_info,
};
use cosmos_sdk_proto::prost::Message as XMessage;
use pokt_primitives::SessionHeader;
use proptest::prelude::*;

/// `pocket.proof.MsgCreateClaim` / `MsgSubmitProof` through prost's derive (a second encoder for
/// the `Any` values, which the transaction code takes from pokt-primitives).
#[derive(Clone, PartialEq, prost::Message)]
struct XMsg {
    #[prost(string, tag = "1")]
    supplier_operator_address: String,
    #[prost(message, optional, tag = "2")]
    session_header: Option<crate::proto::pocket::SessionHeader>,
    #[prost(bytes = "vec", tag = "3")]
    payload: Vec<u8>,
}

#[allow(deprecated)] // `AuthInfo::tip` must be spelled out.
fn independent(key: &SigningKey, msgs: &[TxMsg], f: &TxFields) -> (Vec<u8>, Vec<u8>) {
    let messages = msgs
        .iter()
        .map(|m| {
            let (addr, header, payload) = match m {
                TxMsg::CreateClaim(c) => (
                    &c.supplier_operator_address,
                    &c.session_header,
                    &c.root_hash,
                ),
                TxMsg::SubmitProof(p) => {
                    (&p.supplier_operator_address, &p.session_header, &p.proof)
                }
            };
            cosmos_sdk_proto::Any {
                type_url: m.type_url().into(),
                value: prost::Message::encode_to_vec(&XMsg {
                    supplier_operator_address: addr.clone(),
                    session_header: header.as_ref().map(Into::into),
                    payload: payload.clone(),
                }),
            }
        })
        .collect();
    let body = XTxBody {
        messages,
        memo: f.memo.clone(),
        timeout_height: f.timeout_height,
        extension_options: vec![],
        non_critical_extension_options: vec![],
    }
    .encode_to_vec();
    let amount = if f.fee_upokt == 0 {
        vec![]
    } else {
        vec![XCoin {
            denom: "upokt".into(),
            amount: f.fee_upokt.to_string(),
        }]
    };
    let auth = XAuthInfo {
        signer_infos: vec![XSignerInfo {
            public_key: Some(cosmos_sdk_proto::Any {
                type_url: "/cosmos.crypto.secp256k1.PubKey".into(),
                value: XPubKey {
                    key: key.verifying_key().to_bytes().to_vec(),
                }
                .encode_to_vec(),
            }),
            mode_info: Some(XModeInfo {
                sum: Some(mode_info::Sum::Single(mode_info::Single { mode: 1 })),
            }),
            sequence: f.sequence,
        }],
        fee: Some(XFee {
            amount,
            gas_limit: f.gas_limit,
            payer: String::new(),
            granter: String::new(),
        }),
        tip: None,
    }
    .encode_to_vec();
    let sign_doc = XSignDoc {
        body_bytes: body.clone(),
        auth_info_bytes: auth.clone(),
        chain_id: f.chain_id.clone(),
        account_number: f.account_number,
    }
    .encode_to_vec();
    let sig = key.sign(&sign_doc);
    let raw = XTxRaw {
        body_bytes: body,
        auth_info_bytes: auth,
        signatures: vec![sig.to_bytes().to_vec()],
    }
    .encode_to_vec();
    (sign_doc, raw)
}

fn header() -> impl Strategy<Value = Option<SessionHeader>> {
    proptest::option::weighted(
        0.9,
        (
            ".{0,50}",
            "[a-z0-9-]{0,20}",
            "[0-9a-f]{0,64}",
            any::<i64>(),
            any::<i64>(),
        )
            .prop_map(|(a, s, id, start, end)| SessionHeader {
                application_address: a,
                service_id: s,
                session_id: id,
                session_start_block_height: start,
                session_end_block_height: end,
            }),
    )
}

fn msg(signer: String) -> impl Strategy<Value = TxMsg> {
    (
        any::<bool>(),
        header(),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(move |(claim, session_header, bytes)| {
            if claim {
                TxMsg::CreateClaim(MsgCreateClaim {
                    supplier_operator_address: signer.clone(),
                    session_header,
                    root_hash: bytes,
                })
            } else {
                TxMsg::SubmitProof(MsgSubmitProof {
                    supplier_operator_address: signer.clone(),
                    session_header,
                    proof: bytes,
                })
            }
        })
}

fn case() -> impl Strategy<Value = (SigningKey, Vec<TxMsg>, TxFields)> {
    (
        any::<[u8; 32]>().prop_filter_map("valid secret", |b| SigningKey::from_bytes(&b).ok()),
        ".{0,30}",
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        prop_oneof![Just(0u64), any::<u64>()],
        ".{0,80}",
        prop_oneof![Just(0u64), any::<u64>()],
    )
        .prop_flat_map(|(key, chain_id, an, seq, gas, fee, memo, timeout)| {
            let signer = key.address().to_string();
            (
                Just(key),
                proptest::collection::vec(msg(signer), 1..4),
                Just(TxFields {
                    chain_id,
                    account_number: an,
                    sequence: seq,
                    gas_limit: gas,
                    fee_upokt: fee,
                    memo,
                    timeout_height: timeout,
                }),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// [CHAIN-TX-1] [CHAIN-TX-2]: sign doc and TxRaw byte for byte as cosmos-sdk-proto encodes
    /// them; the decoder gives the inputs back and the signature verifies only on the same chain
    /// and account.
    #[test]
    fn matches_the_independent_encoder((key, msgs, f) in case()) {
        let tx = sign_tx(&key, &msgs, &f);
        let (sign_doc, raw) = independent(&key, &msgs, &f);
        prop_assert_eq!(&tx.sign_doc, &sign_doc);
        prop_assert_eq!(&tx.tx_raw, &raw);
        prop_assert_eq!(tx.hash, TxHash::of(&raw));
        let d = decode_tx(&tx.tx_raw, usize::MAX).unwrap();
        prop_assert_eq!(&d.msgs, &msgs);
        prop_assert_eq!((d.sequence, d.gas_limit, d.fee_upokt), (f.sequence, f.gas_limit, f.fee_upokt));
        prop_assert_eq!(d.public_key, Some(key.verifying_key()));
        prop_assert!(d.verify(&key.verifying_key(), &f.chain_id, f.account_number).is_ok());
        let other_chain = format!("{}x", f.chain_id);
        prop_assert!(d.verify(&key.verifying_key(), &other_chain, f.account_number).is_err());
        prop_assert!(d.verify(&key.verifying_key(), &f.chain_id, f.account_number ^ 1).is_err());
    }

    /// [CHAIN-TX-3]: arbitrary bytes never panic the decoder.
    #[test]
    fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode_tx(&bytes, 512);
    }
}

fn key(b: u8) -> SigningKey {
    SigningKey::from_bytes(&[b; 32]).unwrap()
}

fn claim_tx(k: &SigningKey) -> SignedTx {
    let m = TxMsg::CreateClaim(MsgCreateClaim {
        supplier_operator_address: k.address().to_string(),
        session_header: None,
        root_hash: vec![1; 48],
    });
    sign_tx(
        k,
        &[m],
        &TxFields {
            chain_id: "pocket-devnet".into(),
            gas_limit: 100_000,
            fee_upokt: 10,
            ..TxFields::default()
        },
    )
}

/// [CHAIN-TX-3]: the decoder refuses what a Cosmos node would, and non-canonical twins.
#[test]
fn decoder_refusals() {
    let k = key(7);
    let tx = claim_tx(&k);
    assert!(decode_tx(&tx.tx_raw, 100).is_err_and(|e| matches!(e, TxDecodeError::TooLarge { .. })));
    // A trailing unknown field changes the hash but not the content: refused.
    let mut twin = tx.tx_raw.clone();
    twin.extend_from_slice(&[0x20, 0x01]);
    assert_eq!(
        decode_tx(&twin, 1 << 20).unwrap_err(),
        TxDecodeError::NotCanonical("TxRaw")
    );
    // Another signer's message.
    let mut raw = TxRaw::decode(tx.tx_raw.as_slice()).unwrap();
    let other = TxMsg::CreateClaim(MsgCreateClaim {
        supplier_operator_address: key(8).address().to_string(),
        ..MsgCreateClaim::default()
    });
    let mut body = TxBody::decode(raw.body_bytes.as_slice()).unwrap();
    body.messages.push(other.to_any());
    raw.body_bytes = body.encode_to_vec();
    assert_eq!(
        decode_tx(&raw.encode_to_vec(), 1 << 20).unwrap_err(),
        TxDecodeError::Signers
    );
    // Unknown message type.
    body.messages = vec![Any {
        type_url: "/cosmos.bank.v1beta1.MsgSend".into(),
        value: vec![],
    }];
    raw.body_bytes = body.encode_to_vec();
    assert_eq!(
        decode_tx(&raw.encode_to_vec(), 1 << 20).unwrap_err(),
        TxDecodeError::UnknownMessage
    );
    // A known message with a default value written out (found by the chain_tx_decode fuzz
    // target): valid protobuf, decodes to the same claim, but not the bytes we would sign.
    let mut claim = TxBody::decode(
        TxRaw::decode(tx.tx_raw.as_slice())
            .unwrap()
            .body_bytes
            .as_slice(),
    )
    .unwrap()
    .messages
    .remove(0);
    claim.value.extend_from_slice(&[0x20, 0x00]);
    body.messages = vec![claim];
    raw.body_bytes = body.encode_to_vec();
    assert_eq!(
        decode_tx(&raw.encode_to_vec(), 1 << 20).unwrap_err(),
        TxDecodeError::NotCanonical("message")
    );
    // Two signatures.
    let mut raw = TxRaw::decode(tx.tx_raw.as_slice()).unwrap();
    raw.signatures.push(vec![0; 64]);
    assert_eq!(
        decode_tx(&raw.encode_to_vec(), 1 << 20).unwrap_err(),
        TxDecodeError::SignatureCount(2)
    );
    // A fee in another denomination.
    let mut raw = TxRaw::decode(tx.tx_raw.as_slice()).unwrap();
    let mut auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).unwrap();
    auth.fee = Some(Fee {
        amount: vec![Coin {
            denom: "uatom".into(),
            amount: "1".into(),
        }],
        gas_limit: 1,
        ..Fee::default()
    });
    raw.auth_info_bytes = auth.encode_to_vec();
    assert_eq!(
        decode_tx(&raw.encode_to_vec(), 1 << 20).unwrap_err(),
        TxDecodeError::Fee
    );
    assert!(parse_amount("007").is_none() && parse_amount("+7").is_none());
    assert_eq!(parse_amount("0"), Some(0));
}

/// The hash prints as Cosmos prints it and parses back.
#[test]
fn tx_hash_text() {
    let h = TxHash::of(b"abc");
    let s = h.to_string();
    assert_eq!(s, s.to_uppercase());
    assert_eq!(s.len(), 64);
    assert_eq!(TxHash::from_hex(&s), Some(h));
    assert_eq!(TxHash::from_hex(&s.to_lowercase()), Some(h));
    assert_eq!(TxHash::from_hex("00"), None);
}

/// The wire twin of the session header encodes as pokt-primitives does.
#[test]
fn session_header_twin_matches_primitives() {
    let h = SessionHeader {
        application_address: "pokt1abc".into(),
        service_id: "llm".into(),
        session_id: "ab".repeat(32),
        session_start_block_height: 5,
        session_end_block_height: -8,
    };
    let twin: crate::proto::pocket::SessionHeader = (&h).into();
    assert_eq!(twin.encode_to_vec(), pokt_primitives::Message::encode(&h));
}
