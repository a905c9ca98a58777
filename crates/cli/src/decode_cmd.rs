//! `pokt decode KIND HEX`: decode protocol bytes and print them as JSON, with the hashes the chain
//! computes over them.

use anyhow::Context;
use pokt_primitives::{
    Claim, Message, MsgCreateClaim, MsgSubmitProof, PoktHttpRequest, PoktHttpResponse, Relay,
    RelayRequest, RelayResponse, SessionHeader,
};
use serde_json::{Value, json};

/// What the bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Kind {
    /// `pocket.service.Relay`.
    Relay,
    /// `pocket.service.RelayRequest`.
    RelayRequest,
    /// `pocket.service.RelayResponse`.
    RelayResponse,
    /// `pocket.proof.Claim` (as stored on chain).
    Claim,
    /// `pocket.proof.MsgCreateClaim`.
    MsgCreateClaim,
    /// `pocket.proof.MsgSubmitProof` (with its closest proof decoded).
    MsgSubmitProof,
    /// A gob-encoded compact closest proof (`MsgSubmitProof.proof`); with `--root`, both
    /// verdicts.
    Proof,
    /// `pocket.session.SessionHeader`.
    SessionHeader,
    /// `sdk.types.POKTHTTPRequest` (a relay request's payload for HTTP services).
    HttpRequest,
    /// `sdk.types.POKTHTTPResponse`.
    HttpResponse,
}

/// Bytes as text when they are UTF-8, else as hex.
fn payload(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => json!({ "utf8": s }),
        Err(_) => json!({ "hex": hex::encode(b) }),
    }
}

fn header(h: &SessionHeader) -> Value {
    json!({
        "application_address": h.application_address,
        "service_id": h.service_id,
        "session_id": h.session_id,
        "session_start_block_height": h.session_start_block_height,
        "session_end_block_height": h.session_end_block_height,
    })
}

fn opt_header(h: Option<&SessionHeader>) -> Value {
    h.map_or(Value::Null, header)
}

fn request(r: &RelayRequest) -> Value {
    json!({
        "meta": {
            "session_header": opt_header(r.meta.session_header.as_ref()),
            "signature": hex::encode(&r.meta.signature),
            "supplier_operator_address": r.meta.supplier_operator_address,
        },
        "payload": payload(&r.payload),
        "signable_hash": hex::encode(r.signable_hash()),
    })
}

fn response(r: &RelayResponse) -> Value {
    json!({
        "meta": {
            "session_header": opt_header(r.meta.session_header.as_ref()),
            "supplier_operator_signature": hex::encode(&r.meta.supplier_operator_signature),
        },
        "payload": payload(&r.payload),
        "relay_miner_error": r.relay_miner_error.as_ref().map(|e| json!({
            "codespace": e.codespace, "code": e.code, "description": e.description, "message": e.message,
        })),
        "payload_hash": hex::encode(&r.payload_hash),
        "payload_hash_matches": r.payload_hash.is_empty().then_some(Value::Null).unwrap_or(json!(r.payload_hash_matches())),
        "signable_hash": hex::encode(r.signable_hash()),
    })
}

fn root_json(bytes: &[u8]) -> Value {
    match <[u8; 48]>::try_from(bytes) {
        Ok(r) => {
            let r = pokt_smst::Root::from_bytes(r);
            json!({ "hex": hex::encode(bytes), "digest": hex::encode(r.digest()), "sum": r.sum(), "count": r.count() })
        }
        Err(_) => json!({ "hex": hex::encode(bytes), "error": "not 48 bytes" }),
    }
}

fn proof(bytes: &[u8]) -> Value {
    let decoded = pokt_smst::gob::decode_compact_closest_proof(bytes)
        .map_err(|e| e.to_string())
        .and_then(|c| pokt_smst::decompact_closest_proof(&c).map_err(|e| e.to_string()));
    match decoded {
        Ok(p) => {
            let relay = Relay::decode(p.value()).ok().map(|r| relay(&r));
            json!({
                "path": hex::encode(&p.path),
                "flipped_bits": p.flipped_bits,
                "depth": p.depth,
                "closest_path": hex::encode(&p.closest_path),
                "closest_weight": p.weight(),
                "side_nodes": p.closest_proof.side_nodes.iter().map(hex::encode).collect::<Vec<_>>(),
                "revealed_relay": relay,
            })
        }
        Err(e) => json!({ "error": e, "hex": hex::encode(bytes) }),
    }
}

fn relay(r: &Relay) -> Value {
    json!({
        "req": r.req.as_ref().map(request),
        "res": r.res.as_ref().map(response),
        "relay_hash": r.relay_hash().to_hex(),
    })
}

/// Both closest-proof verdicts against a claim root.
fn verdicts(bytes: &[u8], root: &[u8]) -> anyhow::Result<Value> {
    let root: [u8; 48] = root
        .try_into()
        .map_err(|_| anyhow::anyhow!("--root must be 48 bytes"))?;
    let root = pokt_smst::Root::from_bytes(root);
    let p = pokt_smst::gob::decode_compact_closest_proof(bytes)
        .map_err(|e| e.to_string())
        .and_then(|c| pokt_smst::decompact_closest_proof(&c).map_err(|e| e.to_string()));
    Ok(match p {
        Ok(p) => json!({
            "strict": pokt_smst::verify_closest_proof::<pokt_smst::Sha256Hasher>(&p, &root),
            "go": pokt_smst::verify_closest_proof_go_compatible::<pokt_smst::Sha256Hasher>(&p, &root, pokt_smst::ValueMode::Raw),
        }),
        Err(_) => json!({ "strict": false, "go": false }),
    })
}

/// Decodes `bytes` as `kind` into JSON; for a proof with `root`, adds both verdicts.
pub(crate) fn decode(kind: Kind, bytes: &[u8], root: Option<&[u8]>) -> anyhow::Result<Value> {
    let what = format!("{kind:?} bytes");
    Ok(match kind {
        Kind::Proof => {
            let mut v = proof(bytes);
            if let (Some(r), Value::Object(m)) = (root, &mut v) {
                m.insert("verdicts".into(), verdicts(bytes, r)?);
            }
            v
        }
        Kind::Relay => relay(&Relay::decode(bytes).context(what)?),
        Kind::RelayRequest => request(&RelayRequest::decode(bytes).context(what)?),
        Kind::RelayResponse => response(&RelayResponse::decode(bytes).context(what)?),
        Kind::Claim => {
            let c = Claim::decode(bytes).context(what)?;
            json!({
                "supplier_operator_address": c.supplier_operator_address,
                "session_header": opt_header(c.session_header.as_ref()),
                "root_hash": root_json(&c.root_hash),
                "proof_validation_status": format!("{:?}", c.proof_validation_status),
                "claim_hash": hex::encode(c.hash()),
            })
        }
        Kind::MsgCreateClaim => {
            let c = MsgCreateClaim::decode(bytes).context(what)?;
            json!({
                "supplier_operator_address": c.supplier_operator_address,
                "session_header": opt_header(c.session_header.as_ref()),
                "root_hash": root_json(&c.root_hash),
            })
        }
        Kind::MsgSubmitProof => {
            let p = MsgSubmitProof::decode(bytes).context(what)?;
            json!({
                "supplier_operator_address": p.supplier_operator_address,
                "session_header": opt_header(p.session_header.as_ref()),
                "proof": proof(&p.proof),
            })
        }
        Kind::SessionHeader => header(&SessionHeader::decode(bytes).context(what)?),
        Kind::HttpRequest => {
            let r = PoktHttpRequest::decode(bytes).context(what)?;
            json!({
                "method": r.method,
                "header": r.header.values().map(|h| (h.key.clone(), json!(h.values))).collect::<serde_json::Map<_, _>>(),
                "url": r.url,
                "body": payload(&r.body),
            })
        }
        Kind::HttpResponse => {
            let r = PoktHttpResponse::decode(bytes).context(what)?;
            json!({
                "status_code": r.status_code,
                "header": r.header.values().map(|h| (h.key.clone(), json!(h.values))).collect::<serde_json::Map<_, _>>(),
                "body": payload(&r.body),
            })
        }
    })
}
