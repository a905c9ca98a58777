//! Cosmos SIGN_MODE_DIRECT transactions carrying `MsgCreateClaim` / `MsgSubmitProof`: building,
//! signing with pokt-crypto's secp256k1 key, the transaction hash, and the strict decoder the devnet
//! runs on untrusted bytes. [CHAIN-TX-1] [CHAIN-TX-2] [CHAIN-TX-3]

use core::fmt;

use pokt_crypto::{CryptoError, SigningKey, VerifyingKey};
use pokt_primitives::{DecodeError, Message as _, MsgCreateClaim, MsgSubmitProof};
use prost::Message as _;
use sha2::{Digest, Sha256};

use crate::proto::cosmos::{
    Any, AuthInfo, Coin, Fee, ModeInfo, ModeInfoSingle, SECP256K1_PUBKEY_URL, SIGN_MODE_DIRECT,
    Secp256k1PubKey, SignDoc, SignerInfo, TxBody, TxRaw,
};

/// Type URL of `MsgCreateClaim`.
pub const MSG_CREATE_CLAIM_URL: &str = "/pocket.proof.MsgCreateClaim";
/// Type URL of `MsgSubmitProof`.
pub const MSG_SUBMIT_PROOF_URL: &str = "/pocket.proof.MsgSubmitProof";
/// POKT's fee and stake denomination.
pub const DENOM: &str = "upokt";

/// A message a transaction carries. [CHAIN-TX-1]
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxMsg {
    /// `/pocket.proof.MsgCreateClaim`.
    CreateClaim(MsgCreateClaim),
    /// `/pocket.proof.MsgSubmitProof`.
    SubmitProof(MsgSubmitProof),
}

impl TxMsg {
    /// The message's type URL.
    pub fn type_url(&self) -> &'static str {
        match self {
            Self::CreateClaim(_) => MSG_CREATE_CLAIM_URL,
            Self::SubmitProof(_) => MSG_SUBMIT_PROOF_URL,
        }
    }

    /// The address that must sign it (`cosmos.msg.v1.signer`: the supplier operator).
    pub fn signer(&self) -> &str {
        match self {
            Self::CreateClaim(m) => &m.supplier_operator_address,
            Self::SubmitProof(m) => &m.supplier_operator_address,
        }
    }

    /// The message's session header, if any.
    pub fn session_header(&self) -> Option<&pokt_primitives::SessionHeader> {
        match self {
            Self::CreateClaim(m) => m.session_header.as_ref(),
            Self::SubmitProof(m) => m.session_header.as_ref(),
        }
    }

    /// `Any`-wrapped, with pokt-primitives' canonical encoding as the value.
    pub fn to_any(&self) -> Any {
        Any {
            type_url: self.type_url().into(),
            value: match self {
                Self::CreateClaim(m) => m.encode(),
                Self::SubmitProof(m) => m.encode(),
            },
        }
    }

    /// Unwraps an `Any` of a known type URL.
    pub fn from_any(any: &Any) -> Result<Self, TxDecodeError> {
        match any.type_url.as_str() {
            MSG_CREATE_CLAIM_URL => MsgCreateClaim::decode(&any.value)
                .map(Self::CreateClaim)
                .map_err(TxDecodeError::Message),
            MSG_SUBMIT_PROOF_URL => MsgSubmitProof::decode(&any.value)
                .map(Self::SubmitProof)
                .map_err(TxDecodeError::Message),
            _ => Err(TxDecodeError::UnknownMessage),
        }
    }
}

/// What a signer fills in besides the messages. [CHAIN-TX-2]
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TxFields {
    /// The chain id (signed; a transaction for another chain does not verify).
    pub chain_id: String,
    /// The signer's account number.
    pub account_number: u64,
    /// The signer's sequence (the number of its transactions already included).
    pub sequence: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Fee in uPOKT (0: no fee coin).
    pub fee_upokt: u64,
    /// Memo.
    pub memo: String,
    /// Last height the transaction may be included at (0: none).
    pub timeout_height: u64,
}

/// A transaction hash: SHA-256 of the `TxRaw` bytes, printed as upper-case hex as Cosmos does.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxHash([u8; 32]);

impl TxHash {
    /// The hash of `TxRaw` bytes.
    pub fn of(tx_raw: &[u8]) -> Self {
        Self(Sha256::digest(tx_raw).into())
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// From 32 bytes.
    pub fn from_bytes(b: [u8; 32]) -> Self {
        Self(b)
    }

    /// Parses 64 hex characters (either case).
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Self(out))
    }
}

impl fmt::Display for TxHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode_upper(self.0))
    }
}

impl fmt::Debug for TxHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TxHash({self})")
    }
}

/// A signed transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTx {
    /// The `SignDoc` bytes that were signed.
    pub sign_doc: Vec<u8>,
    /// The `TxRaw` bytes to broadcast.
    pub tx_raw: Vec<u8>,
    /// SHA-256 of `tx_raw`.
    pub hash: TxHash,
}

/// `TxBody` bytes of `msgs`.
pub fn body_bytes(msgs: &[TxMsg], memo: &str, timeout_height: u64) -> Vec<u8> {
    TxBody {
        messages: msgs.iter().map(TxMsg::to_any).collect(),
        memo: memo.into(),
        timeout_height,
        ..TxBody::default()
    }
    .encode_to_vec()
}

/// `AuthInfo` bytes for one secp256k1 signer in SIGN_MODE_DIRECT paying `fee_upokt`.
pub fn auth_info_bytes(
    key: &VerifyingKey,
    sequence: u64,
    gas_limit: u64,
    fee_upokt: u64,
) -> Vec<u8> {
    let amount = if fee_upokt == 0 {
        Vec::new()
    } else {
        vec![Coin {
            denom: DENOM.into(),
            amount: fee_upokt.to_string(),
        }]
    };
    AuthInfo {
        signer_infos: vec![SignerInfo {
            public_key: Some(Any {
                type_url: SECP256K1_PUBKEY_URL.into(),
                value: Secp256k1PubKey {
                    key: key.to_bytes().to_vec(),
                }
                .encode_to_vec(),
            }),
            mode_info: Some(ModeInfo {
                single: Some(ModeInfoSingle {
                    mode: SIGN_MODE_DIRECT,
                }),
            }),
            sequence,
        }],
        fee: Some(Fee {
            amount,
            gas_limit,
            ..Fee::default()
        }),
    }
    .encode_to_vec()
}

/// `SignDoc` bytes.
pub fn sign_doc_bytes(
    body: &[u8],
    auth_info: &[u8],
    chain_id: &str,
    account_number: u64,
) -> Vec<u8> {
    SignDoc {
        body_bytes: body.to_vec(),
        auth_info_bytes: auth_info.to_vec(),
        chain_id: chain_id.into(),
        account_number,
    }
    .encode_to_vec()
}

/// Builds and signs a transaction: the signature is pokt-crypto's Cosmos signature (SHA-256 then
/// RFC 6979, low S, 64 bytes `R ‖ S`) over the `SignDoc` bytes. [CHAIN-TX-2]
pub fn sign_tx(key: &SigningKey, msgs: &[TxMsg], f: &TxFields) -> SignedTx {
    let body = body_bytes(msgs, &f.memo, f.timeout_height);
    let auth = auth_info_bytes(&key.verifying_key(), f.sequence, f.gas_limit, f.fee_upokt);
    let sign_doc = sign_doc_bytes(&body, &auth, &f.chain_id, f.account_number);
    let sig = key.sign(&sign_doc);
    let tx_raw = TxRaw {
        body_bytes: body,
        auth_info_bytes: auth,
        signatures: vec![sig.to_bytes().to_vec()],
    }
    .encode_to_vec();
    SignedTx {
        sign_doc,
        hash: TxHash::of(&tx_raw),
        tx_raw,
    }
}

/// Why transaction bytes were refused before any state was read. [CHAIN-TX-3]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TxDecodeError {
    /// Larger than the node accepts.
    #[error("transaction of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Bytes received.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not protobuf of the expected shape.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// Valid protobuf but not in canonical form (unknown or reordered fields, default values
    /// written, non-minimal varints): the bytes another signer would hash differently.
    #[error("{0} is not canonically encoded")]
    NotCanonical(&'static str),
    /// No message.
    #[error("transaction has no message")]
    NoMessages,
    /// A message of a type this chain does not route.
    #[error("unknown message type")]
    UnknownMessage,
    /// A message whose value does not decode.
    #[error("message: {0}")]
    Message(DecodeError),
    /// Messages of more than one signer, or a signer count other than one.
    #[error("exactly one signer (the supplier operator) is supported")]
    Signers,
    /// Not one signature per signer.
    #[error("expected 1 signature, got {0}")]
    SignatureCount(usize),
    /// A mode other than SIGN_MODE_DIRECT.
    #[error("only SIGN_MODE_DIRECT is supported")]
    SignMode,
    /// A public key that is not a compressed secp256k1 point.
    #[error("invalid public key")]
    PublicKey,
    /// A fee other than nothing or one `upokt` coin with a decimal amount.
    #[error("invalid fee")]
    Fee,
    /// A field this node refuses (extension options, unordered transactions, fee payer or
    /// granter).
    #[error("unsupported field {0}")]
    Unsupported(&'static str),
}

/// A transaction decoded from untrusted bytes, before any check against state.
#[derive(Clone, Debug)]
pub struct DecodedTx {
    /// The bytes received.
    pub raw: TxRaw,
    /// The decoded body.
    pub body: TxBody,
    /// The messages.
    pub msgs: Vec<TxMsg>,
    /// The signer's address (the messages' signer).
    pub signer: String,
    /// The public key in the signer info, if given.
    pub public_key: Option<VerifyingKey>,
    /// The sequence the signature commits to.
    pub sequence: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Fee in uPOKT.
    pub fee_upokt: u64,
    /// SHA-256 of the bytes.
    pub hash: TxHash,
    /// Size in bytes.
    pub size: usize,
}

fn canonical<M: prost::Message + Default>(
    bytes: &[u8],
    what: &'static str,
) -> Result<M, TxDecodeError> {
    let m = M::decode(bytes).map_err(|_| TxDecodeError::Malformed(what))?;
    if m.encode_to_vec() != bytes {
        return Err(TxDecodeError::NotCanonical(what));
    }
    Ok(m)
}

/// Decodes `TxRaw` bytes strictly: size bound, canonical encodings, one signer in
/// SIGN_MODE_DIRECT with a secp256k1 key, known messages all signed by that signer, a fee of
/// nothing or `upokt`. [CHAIN-TX-3]
pub fn decode_tx(bytes: &[u8], max_bytes: usize) -> Result<DecodedTx, TxDecodeError> {
    if bytes.len() > max_bytes {
        return Err(TxDecodeError::TooLarge {
            size: bytes.len(),
            limit: max_bytes,
        });
    }
    let raw: TxRaw = canonical(bytes, "TxRaw")?;
    let body: TxBody = canonical(&raw.body_bytes, "TxBody")?;
    let auth: AuthInfo = canonical(&raw.auth_info_bytes, "AuthInfo")?;
    if !body.extension_options.is_empty() {
        return Err(TxDecodeError::Unsupported("extension_options"));
    }
    if body.unordered {
        return Err(TxDecodeError::Unsupported("unordered"));
    }
    if body.messages.is_empty() {
        return Err(TxDecodeError::NoMessages);
    }
    let msgs = body
        .messages
        .iter()
        .map(|any| {
            let m = TxMsg::from_any(any)?;
            // The message must be in pokt-primitives' canonical form too (no default values
            // written, no unknown fields): the bytes every other decoder would re-encode.
            if m.to_any().value == any.value {
                Ok(m)
            } else {
                Err(TxDecodeError::NotCanonical("message"))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let signer = msgs
        .first()
        .map(|m| m.signer().to_string())
        .ok_or(TxDecodeError::NoMessages)?;
    if msgs.iter().any(|m| m.signer() != signer) {
        return Err(TxDecodeError::Signers);
    }
    let [info] = auth.signer_infos.as_slice() else {
        return Err(TxDecodeError::Signers);
    };
    if raw.signatures.len() != 1 {
        return Err(TxDecodeError::SignatureCount(raw.signatures.len()));
    }
    let direct = info
        .mode_info
        .as_ref()
        .and_then(|m| m.single.as_ref())
        .is_some_and(|s| s.mode == SIGN_MODE_DIRECT);
    if !direct {
        return Err(TxDecodeError::SignMode);
    }
    let public_key = match &info.public_key {
        None => None,
        Some(any) if any.type_url == SECP256K1_PUBKEY_URL => {
            let pk = Secp256k1PubKey::decode(any.value.as_slice())
                .map_err(|_| TxDecodeError::PublicKey)?;
            Some(VerifyingKey::from_sec1(&pk.key).map_err(|_| TxDecodeError::PublicKey)?)
        }
        Some(_) => return Err(TxDecodeError::PublicKey),
    };
    let fee = auth.fee.clone().unwrap_or_default();
    if !fee.payer.is_empty() || !fee.granter.is_empty() {
        return Err(TxDecodeError::Unsupported("fee payer or granter"));
    }
    let fee_upokt = match fee.amount.as_slice() {
        [] => 0,
        [c] if c.denom == DENOM => parse_amount(&c.amount).ok_or(TxDecodeError::Fee)?,
        _ => return Err(TxDecodeError::Fee),
    };
    Ok(DecodedTx {
        hash: TxHash::of(bytes),
        size: bytes.len(),
        sequence: info.sequence,
        gas_limit: fee.gas_limit,
        fee_upokt,
        public_key,
        signer,
        msgs,
        body,
        raw,
    })
}

/// A decimal amount without sign, leading `+` or leading zeros (except "0").
fn parse_amount(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

impl DecodedTx {
    /// The `SignDoc` bytes a signer on `chain_id` with `account_number` signed.
    pub fn sign_doc(&self, chain_id: &str, account_number: u64) -> Vec<u8> {
        sign_doc_bytes(
            &self.raw.body_bytes,
            &self.raw.auth_info_bytes,
            chain_id,
            account_number,
        )
    }

    /// Verifies the signature with `key` against this chain's id and the account number
    /// (high-S refused, as Cosmos does). [CHAIN-TX-3]
    pub fn verify(
        &self,
        key: &VerifyingKey,
        chain_id: &str,
        account_number: u64,
    ) -> Result<(), CryptoError> {
        let sig = self.raw.signatures.first().ok_or(CryptoError::new())?;
        key.verify(&self.sign_doc(chain_id, account_number), sig)
    }
}

#[cfg(test)]
mod tests;
