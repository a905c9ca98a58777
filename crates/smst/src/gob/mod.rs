//! Go `encoding/gob` for the four proof structs, as pokt-network/smt's `Marshal`/`Unmarshal` use it.
//!
//! A gob stream is a sequence of messages `uint(len) ‖ int(type id) ‖ payload`. A negative type id
//! carries a type definition; a positive one a value of that type. Type ids are assigned per Go
//! process, so the decoder reads the definitions and matches struct fields **by name**. Every
//! length is checked against the bytes left before anything is allocated, nesting and the type
//! table are bounded, and malformed input is an error. The encoder writes the definitions with the
//! ids the Go library assigns in a process that registers nothing before it (as in the vectors), so
//! its output is byte-identical to Go's. [SMST-GOB-1]
//!
//! Converting between full and compact proofs is not a matter of encoding: see
//! [`compact_closest_proof`](crate::compact_closest_proof) and
//! [`decompact_closest_proof`](crate::decompact_closest_proof).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod error;
mod read;
mod types;
mod write;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

pub use error::{GobError, GobStruct};
use read::{Val, decode_stream};
use types::{
    DEF_BYTES_LIST, DEF_CLOSEST, DEF_COMPACT, DEF_COMPACT_CLOSEST, DEF_INT_LIST, DEF_PROOF,
    ID_CLOSEST, ID_COMPACT, ID_COMPACT_CLOSEST, ID_PROOF,
};
use write::{F, message, write_def, write_struct};

use crate::compact::{CompactClosestProof, CompactProof};
use crate::proof::{ClosestProof, SideNode, SparseMerkleProof};

fn proof_fields(p: &SparseMerkleProof) -> Vec<F<'_>> {
    alloc::vec![
        F::Nodes(&p.side_nodes),
        F::Bytes(&p.non_membership_leaf_data),
        F::Bytes(&p.sibling_data)
    ]
}

fn compact_fields(p: &CompactProof) -> Vec<F<'_>> {
    alloc::vec![
        F::Nodes(&p.side_nodes),
        F::Bytes(&p.non_membership_leaf_data),
        F::Bytes(&p.bit_mask),
        F::Int(p.num_side_nodes),
        F::Bytes(&p.sibling_data),
    ]
}

/// gob bytes of a sum proof, as Go's `SparseMerkleProof.Marshal`.
pub fn encode_proof(p: &SparseMerkleProof) -> Vec<u8> {
    let mut out = Vec::new();
    write_def(&mut out, &DEF_PROOF);
    write_def(&mut out, &DEF_BYTES_LIST);
    message(&mut out, ID_PROOF, |w| write_struct(w, &proof_fields(p)));
    out
}

/// gob bytes of a compact sum proof.
pub fn encode_compact_proof(p: &CompactProof) -> Vec<u8> {
    let mut out = Vec::new();
    write_def(&mut out, &DEF_COMPACT);
    write_def(&mut out, &DEF_BYTES_LIST);
    message(&mut out, ID_COMPACT, |w| {
        write_struct(w, &compact_fields(p))
    });
    out
}

/// gob bytes of a closest proof.
pub fn encode_closest_proof(p: &ClosestProof) -> Vec<u8> {
    let mut out = Vec::new();
    write_def(&mut out, &DEF_CLOSEST);
    write_def(&mut out, &DEF_INT_LIST);
    write_def(&mut out, &DEF_PROOF);
    write_def(&mut out, &DEF_BYTES_LIST);
    let fields = alloc::vec![
        F::Bytes(&p.path),
        F::IntList(&p.flipped_bits),
        F::Int(p.depth),
        F::Bytes(&p.closest_path),
        F::Bytes(&p.closest_value_hash),
        F::Struct(proof_fields(&p.closest_proof)),
    ];
    message(&mut out, ID_CLOSEST, |w| write_struct(w, &fields));
    out
}

/// gob bytes of a compact closest proof (what `MsgSubmitProof.proof` carries).
pub fn encode_compact_closest_proof(p: &CompactClosestProof) -> Vec<u8> {
    let mut out = Vec::new();
    write_def(&mut out, &DEF_COMPACT_CLOSEST);
    write_def(&mut out, &DEF_BYTES_LIST);
    write_def(&mut out, &DEF_COMPACT);
    let fields = alloc::vec![
        F::Bytes(&p.path),
        F::BytesList(&p.flipped_bits),
        F::Bytes(&p.depth),
        F::Bytes(&p.closest_path),
        F::Bytes(&p.closest_value_hash),
        F::Struct(compact_fields(&p.closest_proof)),
    ];
    message(&mut out, ID_COMPACT_CLOSEST, |w| write_struct(w, &fields));
    out
}

fn fields_of(v: Val, what: GobStruct) -> Result<BTreeMap<String, Val>, GobError> {
    match v {
        Val::Struct(m) => Ok(m),
        _ => Err(GobError::Shape(what)),
    }
}

fn take_bytes(
    m: &mut BTreeMap<String, Val>,
    k: &str,
    what: GobStruct,
) -> Result<Vec<u8>, GobError> {
    match m.remove(k) {
        None => Ok(Vec::new()),
        Some(Val::Bytes(b)) => Ok(b),
        Some(_) => Err(GobError::Shape(what)),
    }
}

fn take_int(m: &mut BTreeMap<String, Val>, k: &str, what: GobStruct) -> Result<i64, GobError> {
    match m.remove(k) {
        None => Ok(0),
        Some(Val::Int(i)) => Ok(i),
        Some(_) => Err(GobError::Shape(what)),
    }
}

fn take_list(
    m: &mut BTreeMap<String, Val>,
    k: &str,
    what: GobStruct,
) -> Result<Vec<Val>, GobError> {
    match m.remove(k) {
        None => Ok(Vec::new()),
        Some(Val::List(l)) => Ok(l),
        Some(_) => Err(GobError::Shape(what)),
    }
}

fn bytes_list(l: Vec<Val>, what: GobStruct) -> Result<Vec<Vec<u8>>, GobError> {
    l.into_iter()
        .map(|v| match v {
            Val::Bytes(b) => Ok(b),
            _ => Err(GobError::Shape(what)),
        })
        .collect()
}

fn proof_from(v: Val) -> Result<SparseMerkleProof, GobError> {
    const W: GobStruct = GobStruct::SparseMerkleProof;
    let mut m = fields_of(v, W)?;
    Ok(SparseMerkleProof {
        side_nodes: bytes_list(take_list(&mut m, "SideNodes", W)?, W)?
            .into_iter()
            .map(SideNode::from)
            .collect(),
        non_membership_leaf_data: take_bytes(&mut m, "NonMembershipLeafData", W)?,
        sibling_data: take_bytes(&mut m, "SiblingData", W)?,
    })
}

fn compact_from(v: Val) -> Result<CompactProof, GobError> {
    const W: GobStruct = GobStruct::SparseCompactMerkleProof;
    let mut m = fields_of(v, W)?;
    Ok(CompactProof {
        side_nodes: bytes_list(take_list(&mut m, "SideNodes", W)?, W)?
            .into_iter()
            .map(SideNode::from)
            .collect(),
        non_membership_leaf_data: take_bytes(&mut m, "NonMembershipLeafData", W)?,
        bit_mask: take_bytes(&mut m, "BitMask", W)?,
        num_side_nodes: take_int(&mut m, "NumSideNodes", W)?,
        sibling_data: take_bytes(&mut m, "SiblingData", W)?,
    })
}

/// Decodes a sum proof from gob bytes.
pub fn decode_proof(b: &[u8]) -> Result<SparseMerkleProof, GobError> {
    proof_from(decode_stream(b)?)
}

/// Decodes a compact sum proof from gob bytes.
pub fn decode_compact_proof(b: &[u8]) -> Result<CompactProof, GobError> {
    compact_from(decode_stream(b)?)
}

/// Decodes a closest proof from gob bytes.
pub fn decode_closest_proof(b: &[u8]) -> Result<ClosestProof, GobError> {
    const W: GobStruct = GobStruct::SparseMerkleClosestProof;
    let mut m = fields_of(decode_stream(b)?, W)?;
    let flipped = take_list(&mut m, "FlippedBits", W)?
        .into_iter()
        .map(|v| match v {
            Val::Int(i) => Ok(i),
            _ => Err(GobError::Shape(W)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ClosestProof {
        path: take_bytes(&mut m, "Path", W)?,
        flipped_bits: flipped,
        depth: take_int(&mut m, "Depth", W)?,
        closest_path: take_bytes(&mut m, "ClosestPath", W)?,
        closest_value_hash: take_bytes(&mut m, "ClosestValueHash", W)?,
        closest_proof: m
            .remove("ClosestProof")
            .map_or(Ok(SparseMerkleProof::default()), proof_from)?,
    })
}

/// Decodes a compact closest proof from gob bytes (e.g. `MsgSubmitProof.proof`).
pub fn decode_compact_closest_proof(b: &[u8]) -> Result<CompactClosestProof, GobError> {
    const W: GobStruct = GobStruct::SparseCompactMerkleClosestProof;
    let mut m = fields_of(decode_stream(b)?, W)?;
    Ok(CompactClosestProof {
        path: take_bytes(&mut m, "Path", W)?,
        flipped_bits: bytes_list(take_list(&mut m, "FlippedBits", W)?, W)?,
        depth: take_bytes(&mut m, "Depth", W)?,
        closest_path: take_bytes(&mut m, "ClosestPath", W)?,
        closest_value_hash: take_bytes(&mut m, "ClosestValueHash", W)?,
        closest_proof: m
            .remove("ClosestProof")
            .map_or(Ok(CompactProof::default()), compact_from)?,
    })
}
