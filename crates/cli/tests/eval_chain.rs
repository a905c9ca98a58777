//! `pokt eval tx` through the binary, its output taken apart by an independent decoder
//! (cosmos-sdk-proto): every field is the input's, the sign doc is the SignDoc of the TxRaw's own
//! bytes, the signature is pokt-crypto's over it, the hash is SHA-256 of the TxRaw.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::eval;

use cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{AuthInfo, SignDoc, TxBody, TxRaw, mode_info};
use cosmos_sdk_proto::prost::Message;
use pokt_crypto::SigningKey;
use pokt_primitives::{Message as _, MsgCreateClaim, MsgSubmitProof};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn header(n: i64) -> Value {
    json!({
        "application_address": "pokt1mrqt5f7qh8uxs27cjm9t7v9e74a9vvdnq5jva4",
        "service_id": "llm",
        "session_id": "ab".repeat(32),
        "session_start_block_height": n,
        "session_end_block_height": n + 9,
    })
}

#[test]
fn tx_topic_is_exact() {
    let secret = "11".repeat(32);
    let key = SigningKey::from_bytes(&[0x11; 32]).unwrap();
    let addr = key.address().to_string();
    let cases = json!([
        {
            "secret_key": secret, "chain_id": "pocket", "account_number": 7, "sequence": 3,
            "gas_limit": 250000, "fee_upokt": 25, "memo": "relay miner", "timeout_height": 0,
            "messages": [{"type": "create_claim", "supplier_operator_address": addr,
                          "session_header": header(101), "root_hash": "cd".repeat(48)}]
        },
        {
            "secret_key": secret, "chain_id": "pocket-beta", "account_number": "18446744073709551615",
            "sequence": 0, "gas_limit": 1, "fee_upokt": 0, "memo": "", "timeout_height": 999,
            "messages": [
                {"type": "submit_proof", "supplier_operator_address": addr,
                 "session_header": header(-5), "proof": "00ff"},
                {"type": "create_claim", "supplier_operator_address": addr,
                 "session_header": null, "root_hash": ""}
            ]
        },
        { "secret_key": "00".repeat(32), "chain_id": "x", "account_number": 0, "sequence": 0,
          "gas_limit": 0, "fee_upokt": 0, "memo": "", "timeout_height": 0, "messages": [] },
        { "secret_key": secret, "chain_id": "x", "account_number": 0, "sequence": 0,
          "gas_limit": 0, "fee_upokt": 0, "memo": "", "timeout_height": 0,
          "messages": [{"type": "send", "supplier_operator_address": addr}] }
    ]);
    let out = eval("tx", &cases);
    assert_eq!(out.len(), 4);
    assert!(out[2]["error"].is_string(), "zero key refused");
    assert!(out[3]["error"].is_string(), "unknown message type refused");
    for (c, o) in cases.as_array().unwrap().iter().zip(&out).take(2) {
        let raw_bytes = hex::decode(o["tx_raw"].as_str().unwrap()).unwrap();
        let sign_doc = hex::decode(o["sign_doc"].as_str().unwrap()).unwrap();
        assert_eq!(
            o["tx_hash"].as_str().unwrap(),
            hex::encode_upper(Sha256::digest(&raw_bytes))
        );
        let raw = TxRaw::decode(raw_bytes.as_slice()).unwrap();
        assert_eq!(raw.encode_to_vec(), raw_bytes);
        let num = |v: &Value| {
            v.as_u64()
                .unwrap_or_else(|| v.as_str().unwrap().parse().unwrap())
        };
        let doc = SignDoc {
            body_bytes: raw.body_bytes.clone(),
            auth_info_bytes: raw.auth_info_bytes.clone(),
            chain_id: c["chain_id"].as_str().unwrap().into(),
            account_number: num(&c["account_number"]),
        };
        assert_eq!(doc.encode_to_vec(), sign_doc);
        assert_eq!(
            raw.signatures,
            vec![key.sign(&sign_doc).to_bytes().to_vec()]
        );
        let body = TxBody::decode(raw.body_bytes.as_slice()).unwrap();
        assert_eq!(body.encode_to_vec(), raw.body_bytes);
        assert_eq!(body.memo, c["memo"].as_str().unwrap());
        assert_eq!(body.timeout_height, num(&c["timeout_height"]));
        let msgs = c["messages"].as_array().unwrap();
        assert_eq!(body.messages.len(), msgs.len());
        for (any, m) in body.messages.iter().zip(msgs) {
            if m["type"] == "create_claim" {
                assert_eq!(any.type_url, "/pocket.proof.MsgCreateClaim");
                let d = MsgCreateClaim::decode(&any.value).unwrap();
                assert_eq!(d.encode(), any.value);
                assert_eq!(hex::encode(&d.root_hash), m["root_hash"].as_str().unwrap());
                assert_eq!(d.session_header.is_some(), !m["session_header"].is_null());
            } else {
                assert_eq!(any.type_url, "/pocket.proof.MsgSubmitProof");
                let d = MsgSubmitProof::decode(&any.value).unwrap();
                assert_eq!(d.encode(), any.value);
                assert_eq!(hex::encode(&d.proof), m["proof"].as_str().unwrap());
                let h = d.session_header.unwrap();
                assert_eq!(
                    h.session_start_block_height,
                    m["session_header"]["session_start_block_height"]
                        .as_i64()
                        .unwrap()
                );
                assert_eq!(
                    h.session_id,
                    m["session_header"]["session_id"].as_str().unwrap()
                );
            }
        }
        let auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).unwrap();
        assert_eq!(auth.encode_to_vec(), raw.auth_info_bytes);
        let signer = &auth.signer_infos[0];
        assert_eq!(auth.signer_infos.len(), 1);
        assert_eq!(signer.sequence, num(&c["sequence"]));
        let pk = signer.public_key.as_ref().unwrap();
        assert_eq!(pk.type_url, "/cosmos.crypto.secp256k1.PubKey");
        assert_eq!(
            PubKey::decode(pk.value.as_slice()).unwrap().key,
            key.verifying_key().to_bytes().to_vec()
        );
        let mode = signer.mode_info.as_ref().unwrap().sum.as_ref().unwrap();
        assert!(matches!(mode, mode_info::Sum::Single(s) if s.mode == 1));
        let fee = auth.fee.unwrap();
        assert_eq!(fee.gas_limit, num(&c["gas_limit"]));
        match num(&c["fee_upokt"]) {
            0 => assert!(fee.amount.is_empty()),
            f => {
                assert_eq!(fee.amount.len(), 1);
                assert_eq!(
                    (fee.amount[0].denom.as_str(), fee.amount[0].amount.clone()),
                    ("upokt", f.to_string())
                );
            }
        }
    }
}
