//! Topic of pokt-chain: `tx` (a signed Cosmos SIGN_MODE_DIRECT transaction).

use pokt_chain::tx::{TxFields, TxMsg, sign_tx};
use pokt_crypto::SigningKey;
use pokt_primitives::{MsgCreateClaim, MsgSubmitProof, SessionHeader};
use serde_json::{Map, Value, json};

use super::util::{field, hex_array, hex_field, str_field};

/// A u64 given as a JSON number or a decimal string.
fn u64_of(case: &Map<String, Value>, name: &str) -> Result<u64, String> {
    match field(case, name)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("field {name} is not an unsigned 64-bit integer"))
}

/// An i64 given as a JSON number or a decimal string.
fn i64_of(case: &Map<String, Value>, name: &str) -> Result<i64, String> {
    match field(case, name)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("field {name} is not a signed 64-bit integer"))
}

/// `session_header` as the other topics print it (`pokt decode`), or `null` for none.
fn header(v: &Value) -> Result<Option<SessionHeader>, String> {
    let h = match v {
        Value::Null => return Ok(None),
        Value::Object(h) => h,
        _ => return Err("session_header must be an object or null".into()),
    };
    Ok(Some(SessionHeader {
        application_address: str_field(h, "application_address")?.into(),
        service_id: str_field(h, "service_id")?.into(),
        session_id: str_field(h, "session_id")?.into(),
        session_start_block_height: i64_of(h, "session_start_block_height")?,
        session_end_block_height: i64_of(h, "session_end_block_height")?,
    }))
}

fn message(m: &Value) -> Result<TxMsg, String> {
    let Value::Object(m) = m else {
        return Err("each message must be an object".into());
    };
    let supplier = str_field(m, "supplier_operator_address")?.to_string();
    let session_header = header(m.get("session_header").unwrap_or(&Value::Null))?;
    match str_field(m, "type")? {
        "create_claim" => Ok(TxMsg::CreateClaim(MsgCreateClaim {
            supplier_operator_address: supplier,
            session_header,
            root_hash: hex_field(m, "root_hash")?,
        })),
        "submit_proof" => Ok(TxMsg::SubmitProof(MsgSubmitProof {
            supplier_operator_address: supplier,
            session_header,
            proof: hex_field(m, "proof")?,
        })),
        other => Err(format!("unknown message type {other:?}")),
    }
}

/// `tx`: key, chain id, account number, sequence, gas, fee, memo, timeout height and messages →
/// `sign_doc`, `tx_raw` (hex) and `tx_hash` (upper-case hex). [CHAIN-TX-2]
pub(crate) fn tx(case: &Map<String, Value>) -> Result<Value, String> {
    let secret = zeroize::Zeroizing::new(hex_array::<32>(case, "secret_key")?);
    let key = SigningKey::from_bytes(&secret).map_err(|_| "invalid secret key".to_string())?;
    let Value::Array(list) = field(case, "messages")? else {
        return Err("messages must be an array".into());
    };
    let msgs = list.iter().map(message).collect::<Result<Vec<_>, _>>()?;
    let fields = TxFields {
        chain_id: str_field(case, "chain_id")?.into(),
        account_number: u64_of(case, "account_number")?,
        sequence: u64_of(case, "sequence")?,
        gas_limit: u64_of(case, "gas_limit")?,
        fee_upokt: u64_of(case, "fee_upokt")?,
        memo: str_field(case, "memo")?.into(),
        timeout_height: u64_of(case, "timeout_height")?,
    };
    let tx = sign_tx(&key, &msgs, &fields);
    Ok(json!({
        "sign_doc": hex::encode(&tx.sign_doc),
        "tx_raw": hex::encode(&tx.tx_raw),
        "tx_hash": tx.hash.to_string(),
    }))
}
