//! The protocol messages a relay, claim and proof carry, with their canonical encoding and the
//! hashes the chain computes over them. [ENC-MSG-1]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::string::String;
use alloc::vec::Vec;

use sha2::{Digest, Sha256};

use crate::proto::{
    DecodeError, Reader, as_bytes, as_i64, as_string, as_u64, put_bytes, put_i64, put_message,
    put_u64,
};

/// Encoding and decoding in the chain's canonical gogoproto form.
pub trait Message: Sized {
    /// Appends the canonical encoding.
    fn encode_to(&self, out: &mut Vec<u8>);
    /// Decodes, refusing malformed input; unknown fields are skipped.
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError>;
    /// The canonical encoding.
    fn encode(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode_to(&mut v);
        v
    }
}

fn sub<M: Message>(out: &mut Vec<u8>, field: u32, m: &M) {
    put_message(out, field, &m.encode());
}

/// `pocket.session.SessionHeader`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SessionHeader {
    /// Application address (field 1).
    pub application_address: String,
    /// Service id (2).
    pub service_id: String,
    /// Session id, 64 hex characters (3).
    pub session_id: String,
    /// First block (4).
    pub session_start_block_height: i64,
    /// Last block (5).
    pub session_end_block_height: i64,
}

impl Message for SessionHeader {
    fn encode_to(&self, out: &mut Vec<u8>) {
        put_bytes(out, 1, self.application_address.as_bytes());
        put_bytes(out, 2, self.service_id.as_bytes());
        put_bytes(out, 3, self.session_id.as_bytes());
        put_i64(out, 4, self.session_start_block_height);
        put_i64(out, 5, self.session_end_block_height);
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.application_address = as_string(f, v)?,
                2 => m.service_id = as_string(f, v)?,
                3 => m.session_id = as_string(f, v)?,
                4 => m.session_start_block_height = as_i64(f, v)?,
                5 => m.session_end_block_height = as_i64(f, v)?,
                _ => {}
            }
        }
        Ok(m)
    }
}

/// `pocket.service.RelayRequestMetadata`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelayRequestMetadata {
    /// Session header (1; nullable).
    pub session_header: Option<SessionHeader>,
    /// Serialized ring signature (2).
    pub signature: Vec<u8>,
    /// Supplier operator address (3).
    pub supplier_operator_address: String,
}

impl Message for RelayRequestMetadata {
    fn encode_to(&self, out: &mut Vec<u8>) {
        if let Some(h) = &self.session_header {
            sub(out, 1, h);
        }
        put_bytes(out, 2, &self.signature);
        put_bytes(out, 3, self.supplier_operator_address.as_bytes());
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.session_header = Some(SessionHeader::decode(as_bytes(f, v)?)?),
                2 => m.signature = as_bytes(f, v)?.to_vec(),
                3 => m.supplier_operator_address = as_string(f, v)?,
                _ => {}
            }
        }
        Ok(m)
    }
}

/// `pocket.service.RelayRequest`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelayRequest {
    /// Metadata (1; non-nullable: always written).
    pub meta: RelayRequestMetadata,
    /// The payload (2), e.g. a serialized `POKTHTTPRequest`.
    pub payload: Vec<u8>,
}

impl Message for RelayRequest {
    fn encode_to(&self, out: &mut Vec<u8>) {
        sub(out, 1, &self.meta);
        put_bytes(out, 2, &self.payload);
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.meta = RelayRequestMetadata::decode(as_bytes(f, v)?)?,
                2 => m.payload = as_bytes(f, v)?.to_vec(),
                _ => {}
            }
        }
        Ok(m)
    }
}

impl RelayRequest {
    /// The bytes the application's ring signs: the request with `meta.signature` cleared.
    /// [ENC-HASH-1]
    pub fn signable_bytes(&self) -> Vec<u8> {
        let mut c = self.clone();
        c.meta.signature.clear();
        c.encode()
    }

    /// SHA-256 of [`signable_bytes`](Self::signable_bytes): the ring-signed message.
    pub fn signable_hash(&self) -> [u8; 32] {
        Sha256::digest(self.signable_bytes()).into()
    }
}

/// `pocket.service.RelayMinerError`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)] // Field names are the proto's.
pub struct RelayMinerError {
    pub codespace: String,
    pub code: u32,
    pub description: String,
    pub message: String,
}

impl Message for RelayMinerError {
    fn encode_to(&self, out: &mut Vec<u8>) {
        put_bytes(out, 1, self.codespace.as_bytes());
        put_u64(out, 2, u64::from(self.code));
        put_bytes(out, 3, self.description.as_bytes());
        put_bytes(out, 4, self.message.as_bytes());
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.codespace = as_string(f, v)?,
                // Go's uint32 decoding keeps the low 32 bits.
                2 => m.code = u32::try_from(as_u64(f, v)? & 0xffff_ffff).unwrap_or(0),
                3 => m.description = as_string(f, v)?,
                4 => m.message = as_string(f, v)?,
                _ => {}
            }
        }
        Ok(m)
    }
}

/// `pocket.service.RelayResponseMetadata`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelayResponseMetadata {
    /// Session header (1; nullable).
    pub session_header: Option<SessionHeader>,
    /// The supplier's 64-byte secp256k1 signature (2).
    pub supplier_operator_signature: Vec<u8>,
}

impl Message for RelayResponseMetadata {
    fn encode_to(&self, out: &mut Vec<u8>) {
        if let Some(h) = &self.session_header {
            sub(out, 1, h);
        }
        put_bytes(out, 2, &self.supplier_operator_signature);
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.session_header = Some(SessionHeader::decode(as_bytes(f, v)?)?),
                2 => m.supplier_operator_signature = as_bytes(f, v)?.to_vec(),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// `pocket.service.RelayResponse`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelayResponse {
    /// Metadata (1; non-nullable).
    pub meta: RelayResponseMetadata,
    /// The payload (2).
    pub payload: Vec<u8>,
    /// A relay-miner error (3; nullable).
    pub relay_miner_error: Option<RelayMinerError>,
    /// SHA-256 of the payload (4).
    pub payload_hash: Vec<u8>,
}

impl RelayResponse {
    /// The canonical encoding, with or without the payload (the relay hash covers the response
    /// without it).
    fn encode_fields(&self, out: &mut Vec<u8>, with_payload: bool) {
        sub(out, 1, &self.meta);
        if with_payload {
            put_bytes(out, 2, &self.payload);
        }
        if let Some(e) = &self.relay_miner_error {
            sub(out, 3, e);
        }
        put_bytes(out, 4, &self.payload_hash);
    }
}

impl Message for RelayResponse {
    fn encode_to(&self, out: &mut Vec<u8>) {
        self.encode_fields(out, true);
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.meta = RelayResponseMetadata::decode(as_bytes(f, v)?)?,
                2 => m.payload = as_bytes(f, v)?.to_vec(),
                3 => m.relay_miner_error = Some(RelayMinerError::decode(as_bytes(f, v)?)?),
                4 => m.payload_hash = as_bytes(f, v)?.to_vec(),
                _ => {}
            }
        }
        Ok(m)
    }
}

impl RelayResponse {
    /// The bytes the supplier signs: the response with its signature cleared, and its payload
    /// cleared when `payload_hash` is set. [ENC-HASH-2]
    pub fn signable_bytes(&self) -> Vec<u8> {
        let mut c = self.clone();
        c.meta.supplier_operator_signature.clear();
        if !c.payload_hash.is_empty() {
            c.payload.clear();
        }
        c.encode()
    }

    /// SHA-256 of [`signable_bytes`](Self::signable_bytes).
    pub fn signable_hash(&self) -> [u8; 32] {
        Sha256::digest(self.signable_bytes()).into()
    }

    /// Whether `payload_hash` is SHA-256 of the payload.
    pub fn payload_hash_matches(&self) -> bool {
        self.payload_hash.as_slice() == Sha256::digest(&self.payload).as_slice()
    }
}

/// `pocket.service.Relay`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Relay {
    /// The request (1; nullable).
    pub req: Option<RelayRequest>,
    /// The response (2; nullable).
    pub res: Option<RelayResponse>,
}

impl Message for Relay {
    fn encode_to(&self, out: &mut Vec<u8>) {
        if let Some(r) = &self.req {
            sub(out, 1, r);
        }
        if let Some(r) = &self.res {
            sub(out, 2, r);
        }
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.req = Some(RelayRequest::decode(as_bytes(f, v)?)?),
                2 => m.res = Some(RelayResponse::decode(as_bytes(f, v)?)?),
                _ => {}
            }
        }
        Ok(m)
    }
}

impl Relay {
    /// The bytes the relay hash covers: the relay with the response payload cleared (the miner
    /// clears it since v0.1.25). [ENC-HASH-3]
    pub fn hash_bytes(&self) -> Vec<u8> {
        // Same bytes as encoding a copy with the payload cleared, without copying the payload.
        let mut out = Vec::new();
        if let Some(r) = &self.req {
            sub(&mut out, 1, r);
        }
        if let Some(r) = &self.res {
            let mut body = Vec::new();
            r.encode_fields(&mut body, false);
            put_message(&mut out, 2, &body);
        }
        out
    }

    /// The relay hash: SHA-256 of [`hash_bytes`](Self::hash_bytes); mined when below the target.
    pub fn relay_hash(&self) -> crate::RelayHash {
        crate::RelayHash::from_bytes(Sha256::digest(self.hash_bytes()).into())
    }
}

/// `pocket.proof.ClaimProofStatus`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ClaimProofStatus {
    /// 0.
    #[default]
    PendingValidation,
    /// 1.
    Validated,
    /// 2.
    Invalid,
    /// Any other value Go keeps as is.
    Other(i32),
}

impl ClaimProofStatus {
    fn to_i32(self) -> i32 {
        match self {
            Self::PendingValidation => 0,
            Self::Validated => 1,
            Self::Invalid => 2,
            Self::Other(v) => v,
        }
    }

    fn from_i32(v: i32) -> Self {
        match v {
            0 => Self::PendingValidation,
            1 => Self::Validated,
            2 => Self::Invalid,
            v => Self::Other(v),
        }
    }
}

/// `pocket.proof.Claim`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claim {
    /// Supplier operator address (1).
    pub supplier_operator_address: String,
    /// Session header (2; nullable).
    pub session_header: Option<SessionHeader>,
    /// The 48-byte SMST root (3).
    pub root_hash: Vec<u8>,
    /// Proof validation status (4).
    pub proof_validation_status: ClaimProofStatus,
}

impl Message for Claim {
    fn encode_to(&self, out: &mut Vec<u8>) {
        put_bytes(out, 1, self.supplier_operator_address.as_bytes());
        if let Some(h) = &self.session_header {
            sub(out, 2, h);
        }
        put_bytes(out, 3, &self.root_hash);
        put_i64(out, 4, i64::from(self.proof_validation_status.to_i32()));
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.supplier_operator_address = as_string(f, v)?,
                2 => m.session_header = Some(SessionHeader::decode(as_bytes(f, v)?)?),
                3 => m.root_hash = as_bytes(f, v)?.to_vec(),
                4 => {
                    // Go reads an enum as int32 (the low 32 bits).
                    let x = as_u64(f, v)?;
                    let x = i32::from_ne_bytes(
                        u32::try_from(x & 0xffff_ffff).unwrap_or(0).to_ne_bytes(),
                    );
                    m.proof_validation_status = ClaimProofStatus::from_i32(x);
                }
                _ => {}
            }
        }
        Ok(m)
    }
}

impl Claim {
    /// The claim hash: SHA-256 of the canonical bytes, proof validation status included when
    /// non-zero (seeds the proof requirement). This is the one place it is computed. [ENC-HASH-4]
    pub fn hash(&self) -> crate::ClaimHash {
        crate::ClaimHash::from_bytes(Sha256::digest(self.encode()).into())
    }
}

/// `pocket.proof.MsgCreateClaim`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MsgCreateClaim {
    /// Supplier operator address (1).
    pub supplier_operator_address: String,
    /// Session header (2; nullable).
    pub session_header: Option<SessionHeader>,
    /// The 48-byte root (3).
    pub root_hash: Vec<u8>,
}

impl Message for MsgCreateClaim {
    fn encode_to(&self, out: &mut Vec<u8>) {
        put_bytes(out, 1, self.supplier_operator_address.as_bytes());
        if let Some(h) = &self.session_header {
            sub(out, 2, h);
        }
        put_bytes(out, 3, &self.root_hash);
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.supplier_operator_address = as_string(f, v)?,
                2 => m.session_header = Some(SessionHeader::decode(as_bytes(f, v)?)?),
                3 => m.root_hash = as_bytes(f, v)?.to_vec(),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// `pocket.proof.MsgSubmitProof`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MsgSubmitProof {
    /// Supplier operator address (1).
    pub supplier_operator_address: String,
    /// Session header (2; nullable).
    pub session_header: Option<SessionHeader>,
    /// The gob-encoded compact closest proof (3).
    pub proof: Vec<u8>,
}

impl Message for MsgSubmitProof {
    fn encode_to(&self, out: &mut Vec<u8>) {
        put_bytes(out, 1, self.supplier_operator_address.as_bytes());
        if let Some(h) = &self.session_header {
            sub(out, 2, h);
        }
        put_bytes(out, 3, &self.proof);
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Self::default();
        let mut r = Reader::new(bytes);
        while let Some((f, _, v)) = r.next()? {
            match f {
                1 => m.supplier_operator_address = as_string(f, v)?,
                2 => m.session_header = Some(SessionHeader::decode(as_bytes(f, v)?)?),
                3 => m.proof = as_bytes(f, v)?.to_vec(),
                _ => {}
            }
        }
        Ok(m)
    }
}
