//! Go `encoding/gob` for the four proof structs, as pokt-network/smt's `Marshal`/`Unmarshal` use it.
//!
//! A gob stream is a sequence of messages `uint(len) ‖ int(type id) ‖ payload`. A negative type id
//! carries a type definition; a positive one a value of that type. Type ids are assigned per Go
//! process, so the decoder reads the definitions and matches struct fields **by name**. Every
//! length is checked against the bytes left before anything is allocated, nesting and the type
//! table are bounded, and malformed input is an error. The encoder writes the definitions with the
//! ids the Go library assigns in a process that registers nothing before it (as in the vectors), so
//! its output is byte-identical to Go's. [SMST-GOB-1]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::proof::{ClosestProof, SideNode, SparseMerkleProof};

/// Why gob bytes did not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GobError {
    /// The input ended early, or a length points past it.
    #[error("truncated gob stream")]
    Truncated,
    /// A number does not fit or is malformed.
    #[error("malformed gob number")]
    Number,
    /// A type definition gob supports but these proofs never use (maps, arrays, interfaces…).
    #[error("unsupported gob type definition")]
    UnsupportedType,
    /// A value refers to a type id that was not defined, or fields out of range.
    #[error("unknown gob type or field")]
    UnknownType,
    /// Too many types, too deep, or trailing bytes.
    #[error("gob stream exceeds limits")]
    Limits,
    /// The value's shape does not match the expected proof struct.
    #[error("gob value has the wrong shape for {0}")]
    Shape(&'static str),
}

const MAX_TYPES: usize = 64;
const MAX_DEPTH: usize = 8;

// Builtin gob type ids.
const T_INT: i64 = 2;
const T_UINT: i64 = 3;
const T_BYTES: i64 = 5;
const T_STRING: i64 = 6;

// ---------------------------------------------------------------------------------------------
// Reading

struct Rd<'a> {
    b: &'a [u8],
}

impl<'a> Rd<'a> {
    fn byte(&mut self) -> Result<u8, GobError> {
        let (&x, rest) = self.b.split_first().ok_or(GobError::Truncated)?;
        self.b = rest;
        Ok(x)
    }

    fn uint(&mut self) -> Result<u64, GobError> {
        let x = self.byte()?;
        if x < 0x80 {
            return Ok(u64::from(x));
        }
        let n = usize::from(x.wrapping_neg());
        if n > 8 {
            return Err(GobError::Number);
        }
        let bytes = self.take(n)?;
        Ok(bytes.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b)))
    }

    fn int(&mut self) -> Result<i64, GobError> {
        let u = self.uint()?;
        let half = i64::from_ne_bytes((u >> 1).to_ne_bytes());
        Ok(if u & 1 == 1 { !half } else { half })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], GobError> {
        if n > self.b.len() {
            return Err(GobError::Truncated);
        }
        let (a, b) = self.b.split_at(n);
        self.b = b;
        Ok(a)
    }

    fn len(&mut self) -> Result<usize, GobError> {
        let n = usize::try_from(self.uint()?).map_err(|_| GobError::Truncated)?;
        // Every element takes at least one byte: a count above what is left is a lie.
        if n > self.b.len() {
            return Err(GobError::Truncated);
        }
        Ok(n)
    }
}

#[derive(Clone, Debug)]
enum Ty {
    Slice(i64),
    Struct(Vec<(String, i64)>),
}

/// A decoded gob value.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Val {
    Int(i64),
    Uint(u64),
    Bytes(Vec<u8>),
    List(Vec<Val>),
    Struct(BTreeMap<String, Val>),
}

/// Reads a struct body of (field delta, value) pairs ending with 0, with per-field readers.
fn struct_fields<'a>(
    r: &mut Rd<'a>,
    mut each: impl FnMut(&mut Rd<'a>, usize) -> Result<(), GobError>,
) -> Result<(), GobError> {
    let mut field: usize = usize::MAX; // "−1"
    loop {
        let d = usize::try_from(r.uint()?).map_err(|_| GobError::UnknownType)?;
        if d == 0 {
            return Ok(());
        }
        field = field.wrapping_add(d);
        if field > 64 {
            return Err(GobError::UnknownType);
        }
        each(r, field)?;
    }
}

fn read_common(r: &mut Rd<'_>) -> Result<(String, i64), GobError> {
    let mut name = String::new();
    let mut id = 0;
    struct_fields(r, |r, f| {
        match f {
            0 => {
                let n = r.len()?;
                name = String::from_utf8(r.take(n)?.to_vec())
                    .map_err(|_| GobError::UnsupportedType)?;
            }
            1 => id = r.int()?,
            _ => return Err(GobError::UnsupportedType),
        }
        Ok(())
    })?;
    Ok((name, id))
}

/// Parses one `wireType` definition.
fn read_wire_type(r: &mut Rd<'_>) -> Result<(i64, Ty), GobError> {
    let mut out: Option<(i64, Ty)> = None;
    struct_fields(r, |r, f| {
        match f {
            // SliceT: {CommonType, Elem}
            1 => {
                let mut id = 0;
                let mut elem = 0;
                struct_fields(r, |r, g| {
                    match g {
                        0 => id = read_common(r)?.1,
                        1 => elem = r.int()?,
                        _ => return Err(GobError::UnsupportedType),
                    }
                    Ok(())
                })?;
                out = Some((id, Ty::Slice(elem)));
            }
            // StructT: {CommonType, Field []fieldType{Name, Id}}
            2 => {
                let mut id = 0;
                let mut fields = Vec::new();
                struct_fields(r, |r, g| {
                    match g {
                        0 => id = read_common(r)?.1,
                        1 => {
                            let n = r.len()?;
                            for _ in 0..n {
                                fields.push(read_common(r)?);
                            }
                        }
                        _ => return Err(GobError::UnsupportedType),
                    }
                    Ok(())
                })?;
                out = Some((id, Ty::Struct(fields)));
            }
            _ => return Err(GobError::UnsupportedType),
        }
        Ok(())
    })?;
    out.ok_or(GobError::UnsupportedType)
}

fn read_value(
    r: &mut Rd<'_>,
    ty: i64,
    types: &BTreeMap<i64, Ty>,
    depth: usize,
) -> Result<Val, GobError> {
    if depth > MAX_DEPTH {
        return Err(GobError::Limits);
    }
    match ty {
        T_INT => Ok(Val::Int(r.int()?)),
        T_UINT => Ok(Val::Uint(r.uint()?)),
        T_BYTES | T_STRING => {
            let n = r.len()?;
            Ok(Val::Bytes(r.take(n)?.to_vec()))
        }
        _ => match types.get(&ty).ok_or(GobError::UnknownType)? {
            Ty::Slice(elem) => {
                let n = r.len()?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(read_value(r, *elem, types, depth.saturating_add(1))?);
                }
                Ok(Val::List(v))
            }
            Ty::Struct(fields) => {
                let mut m = BTreeMap::new();
                struct_fields(r, |r, f| {
                    let (name, fty) = fields.get(f).ok_or(GobError::UnknownType)?;
                    let v = read_value(r, *fty, types, depth.saturating_add(1))?;
                    m.insert(name.clone(), v);
                    Ok(())
                })?;
                Ok(Val::Struct(m))
            }
        },
    }
}

/// Decodes a whole stream: definitions, then exactly one value; trailing bytes are refused.
fn decode_stream(bytes: &[u8]) -> Result<Val, GobError> {
    let mut r = Rd { b: bytes };
    let mut types = BTreeMap::new();
    while !r.b.is_empty() {
        let n = r.len()?;
        let body = r.take(n)?;
        let mut m = Rd { b: body };
        let id = m.int()?;
        if id < 0 {
            if types.len() >= MAX_TYPES {
                return Err(GobError::Limits);
            }
            let (def_id, ty) = read_wire_type(&mut m)?;
            if def_id != id.checked_neg().ok_or(GobError::Number)? || def_id < 64 {
                return Err(GobError::UnknownType);
            }
            types.insert(def_id, ty);
        } else {
            let v = read_value(&mut m, id, &types, 0)?;
            if !m.b.is_empty() || !r.b.is_empty() {
                return Err(GobError::Limits);
            }
            return Ok(v);
        }
        if !m.b.is_empty() {
            return Err(GobError::Limits);
        }
    }
    Err(GobError::Truncated)
}

// ---------------------------------------------------------------------------------------------
// Writing

struct Wr(Vec<u8>);

impl Wr {
    fn uint(&mut self, v: u64) {
        if v < 0x80 {
            self.0.push(u8::try_from(v).unwrap_or(0));
            return;
        }
        let b = v.to_be_bytes();
        let skip = b.iter().take_while(|x| **x == 0).count();
        let n = 8usize.saturating_sub(skip);
        self.0.push(u8::try_from(n).unwrap_or(0).wrapping_neg());
        self.0.extend_from_slice(b.get(skip..).unwrap_or(&[]));
    }

    fn int(&mut self, v: i64) {
        let u = if v < 0 {
            (u64::from_ne_bytes((!v).to_ne_bytes()) << 1) | 1
        } else {
            u64::from_ne_bytes(v.to_ne_bytes()) << 1
        };
        self.uint(u);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.uint(u64::try_from(b.len()).unwrap_or(u64::MAX));
        self.0.extend_from_slice(b);
    }
}

/// A struct field to write: its delta-coded position and value writer.
enum F<'a> {
    Bytes(&'a [u8]),
    BytesList(&'a [Vec<u8>]),
    Nodes(&'a [SideNode]),
    Int(i64),
    IntList(&'a [i64]),
    Struct(Vec<F<'a>>),
}

impl F<'_> {
    fn is_zero(&self) -> bool {
        match self {
            F::Bytes(b) => b.is_empty(),
            F::BytesList(l) => l.is_empty(),
            F::Nodes(l) => l.is_empty(),
            F::Int(i) => *i == 0,
            F::IntList(l) => l.is_empty(),
            F::Struct(_) => false,
        }
    }
}

fn write_struct(w: &mut Wr, fields: &[F<'_>]) {
    let mut last: usize = usize::MAX;
    for (i, f) in fields.iter().enumerate() {
        if f.is_zero() {
            continue;
        }
        w.uint(u64::try_from(i.wrapping_sub(last)).unwrap_or(0));
        last = i;
        match f {
            F::Bytes(b) => w.bytes(b),
            F::BytesList(l) => {
                w.uint(u64::try_from(l.len()).unwrap_or(0));
                for b in *l {
                    w.bytes(b);
                }
            }
            F::Nodes(l) => {
                w.uint(u64::try_from(l.len()).unwrap_or(0));
                for b in *l {
                    w.bytes(b);
                }
            }
            F::Int(i) => w.int(*i),
            F::IntList(l) => {
                w.uint(u64::try_from(l.len()).unwrap_or(0));
                for i in *l {
                    w.int(*i);
                }
            }
            F::Struct(s) => write_struct(w, s),
        }
    }
    w.uint(0);
}

/// A type definition: a struct (name, id, fields) or a slice (name, id, elem).
enum Def {
    Struct(&'static str, i64, &'static [(&'static str, i64)]),
    Slice(&'static str, i64, i64),
}

fn write_common(w: &mut Wr, name: &str, id: i64) {
    w.uint(1);
    w.bytes(name.as_bytes());
    w.uint(1);
    w.int(id);
    w.uint(0);
}

fn message(out: &mut Vec<u8>, id: i64, body: impl FnOnce(&mut Wr)) {
    let mut m = Wr(Vec::new());
    m.int(id);
    body(&mut m);
    let mut w = Wr(Vec::new());
    w.uint(u64::try_from(m.0.len()).unwrap_or(0));
    out.extend_from_slice(&w.0);
    out.extend_from_slice(&m.0);
}

fn write_def(out: &mut Vec<u8>, d: &Def) {
    match d {
        Def::Struct(name, id, fields) => message(out, id.wrapping_neg(), |w| {
            w.uint(3); // wireType field 2: StructT
            w.uint(1); // structType field 0: CommonType
            write_common(w, name, *id);
            w.uint(1); // field 1: Field
            w.uint(u64::try_from(fields.len()).unwrap_or(0));
            for (n, t) in *fields {
                w.uint(1);
                w.bytes(n.as_bytes());
                w.uint(1);
                w.int(*t);
                w.uint(0);
            }
            w.uint(0);
            w.uint(0);
        }),
        Def::Slice(name, id, elem) => message(out, id.wrapping_neg(), |w| {
            w.uint(2); // wireType field 1: SliceT
            w.uint(1);
            write_common(w, name, *id);
            w.uint(1);
            w.int(*elem);
            w.uint(0);
            w.uint(0);
        }),
    }
}

// The ids the Go library gets in a process that registers its four proof types first.
const ID_PROOF: i64 = 64;
const ID_BYTES_LIST: i64 = 65;
const ID_COMPACT: i64 = 66;
const ID_CLOSEST: i64 = 67;
const ID_INT_LIST: i64 = 68;
const ID_COMPACT_CLOSEST: i64 = 69;

const DEF_PROOF: Def = Def::Struct(
    "SparseMerkleProof",
    ID_PROOF,
    &[
        ("SideNodes", ID_BYTES_LIST),
        ("NonMembershipLeafData", T_BYTES),
        ("SiblingData", T_BYTES),
    ],
);
const DEF_BYTES_LIST: Def = Def::Slice("[][]uint8", ID_BYTES_LIST, T_BYTES);
const DEF_COMPACT: Def = Def::Struct(
    "SparseCompactMerkleProof",
    ID_COMPACT,
    &[
        ("SideNodes", ID_BYTES_LIST),
        ("NonMembershipLeafData", T_BYTES),
        ("BitMask", T_BYTES),
        ("NumSideNodes", T_INT),
        ("SiblingData", T_BYTES),
    ],
);
const DEF_CLOSEST: Def = Def::Struct(
    "SparseMerkleClosestProof",
    ID_CLOSEST,
    &[
        ("Path", T_BYTES),
        ("FlippedBits", ID_INT_LIST),
        ("Depth", T_INT),
        ("ClosestPath", T_BYTES),
        ("ClosestValueHash", T_BYTES),
        ("ClosestProof", ID_PROOF),
    ],
);
const DEF_INT_LIST: Def = Def::Slice("[]int", ID_INT_LIST, T_INT);
const DEF_COMPACT_CLOSEST: Def = Def::Struct(
    "SparseCompactMerkleClosestProof",
    ID_COMPACT_CLOSEST,
    &[
        ("Path", T_BYTES),
        ("FlippedBits", ID_BYTES_LIST),
        ("Depth", T_BYTES),
        ("ClosestPath", T_BYTES),
        ("ClosestValueHash", T_BYTES),
        ("ClosestProof", ID_COMPACT),
    ],
);

/// The compact form of a sum proof (Go `SparseCompactMerkleProof`): placeholder side nodes
/// removed and marked in a bit mask.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactProof {
    /// The non-placeholder side nodes, bottom-up.
    pub side_nodes: Vec<SideNode>,
    /// As in [`SparseMerkleProof`].
    pub non_membership_leaf_data: Vec<u8>,
    /// Bit i (most significant first) set ⇔ side node i of the full proof is the placeholder.
    pub bit_mask: Vec<u8>,
    /// The number of side nodes of the full proof.
    pub num_side_nodes: i64,
    /// As in [`SparseMerkleProof`].
    pub sibling_data: Vec<u8>,
}

/// The compact form of a closest proof (Go `SparseCompactMerkleClosestProof`): depth and flipped
/// bits as minimal big-endian byte strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactClosestProof {
    /// The query path.
    pub path: Vec<u8>,
    /// Each flipped bit as minimal big-endian bytes.
    pub flipped_bits: Vec<Vec<u8>>,
    /// The depth as minimal big-endian bytes.
    pub depth: Vec<u8>,
    /// As in [`ClosestProof`].
    pub closest_path: Vec<u8>,
    /// As in [`ClosestProof`].
    pub closest_value_hash: Vec<u8>,
    /// The compact membership proof.
    pub closest_proof: CompactProof,
}

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

// ---------------------------------------------------------------------------------------------
// Mapping decoded values onto the structs (by field name)

fn fields_of(v: Val, what: &'static str) -> Result<BTreeMap<String, Val>, GobError> {
    match v {
        Val::Struct(m) => Ok(m),
        _ => Err(GobError::Shape(what)),
    }
}

fn take_bytes(
    m: &mut BTreeMap<String, Val>,
    k: &str,
    what: &'static str,
) -> Result<Vec<u8>, GobError> {
    match m.remove(k) {
        None => Ok(Vec::new()),
        Some(Val::Bytes(b)) => Ok(b),
        Some(_) => Err(GobError::Shape(what)),
    }
}

fn take_int(m: &mut BTreeMap<String, Val>, k: &str, what: &'static str) -> Result<i64, GobError> {
    match m.remove(k) {
        None => Ok(0),
        Some(Val::Int(i)) => Ok(i),
        Some(_) => Err(GobError::Shape(what)),
    }
}

fn take_list(
    m: &mut BTreeMap<String, Val>,
    k: &str,
    what: &'static str,
) -> Result<Vec<Val>, GobError> {
    match m.remove(k) {
        None => Ok(Vec::new()),
        Some(Val::List(l)) => Ok(l),
        Some(_) => Err(GobError::Shape(what)),
    }
}

fn bytes_list(l: Vec<Val>, what: &'static str) -> Result<Vec<Vec<u8>>, GobError> {
    l.into_iter()
        .map(|v| match v {
            Val::Bytes(b) => Ok(b),
            _ => Err(GobError::Shape(what)),
        })
        .collect()
}

fn proof_from(v: Val) -> Result<SparseMerkleProof, GobError> {
    const W: &str = "SparseMerkleProof";
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
    const W: &str = "SparseCompactMerkleProof";
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
    const W: &str = "SparseMerkleClosestProof";
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
    const W: &str = "SparseCompactMerkleClosestProof";
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

// ---------------------------------------------------------------------------------------------
// Compaction

/// Go's `intToBytes`: minimal big-endian bytes, with 0 as a single zero byte.
fn int_to_bytes(v: i64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count().min(7);
    b.get(skip..).unwrap_or(&[0]).to_vec()
}

/// Go's `bytesToInt` as the compact closest proof allows it: at most 2 bytes, big-endian.
fn bytes_to_int(b: &[u8]) -> Result<i64, GobError> {
    if b.len() > 2 {
        return Err(GobError::Shape("compact depth or flipped bit"));
    }
    Ok(b.iter().fold(0i64, |a, x| (a << 8) | i64::from(*x)))
}

/// Removes placeholder side nodes into a bit mask (Go `CompactProof`). [SMST-COMPACT-1]
pub fn compact_proof(p: &SparseMerkleProof) -> CompactProof {
    let n = p.side_nodes.len();
    let mut mask = alloc::vec![0u8; n.div_ceil(8)];
    let mut side = Vec::new();
    for (i, s) in p.side_nodes.iter().enumerate() {
        if s.as_slice() == crate::node::PLACEHOLDER.as_slice() {
            if let Some(b) = mask.get_mut(i / 8) {
                *b |= 1 << 7usize.wrapping_sub(i % 8);
            }
        } else {
            side.push(s.clone());
        }
    }
    CompactProof {
        side_nodes: side,
        non_membership_leaf_data: p.non_membership_leaf_data.clone(),
        bit_mask: mask,
        num_side_nodes: i64::try_from(n).unwrap_or(i64::MAX),
        sibling_data: p.sibling_data.clone(),
    }
}

/// Restores the full proof, with Go's checks: 0 ≤ side nodes ≤ 256, mask length ⌈n/8⌉, and as many
/// stored side nodes as unset mask bits. [SMST-COMPACT-1]
pub fn decompact_proof(c: &CompactProof) -> Result<SparseMerkleProof, GobError> {
    let n = usize::try_from(c.num_side_nodes).map_err(|_| GobError::Shape("NumSideNodes"))?;
    if n > 256 || c.bit_mask.len() != n.div_ceil(8) {
        return Err(GobError::Shape("SparseCompactMerkleProof"));
    }
    let set = (0..n)
        .filter(|i| crate::node::bit(&c.bit_mask, *i) == 1)
        .count();
    if c.side_nodes.len() != n.saturating_sub(set) {
        return Err(GobError::Shape("SparseCompactMerkleProof"));
    }
    let mut it = c.side_nodes.iter();
    let mut side = Vec::with_capacity(n);
    for i in 0..n {
        if crate::node::bit(&c.bit_mask, i) == 1 {
            side.push(SideNode::from(crate::node::PLACEHOLDER));
        } else {
            side.push(
                it.next()
                    .cloned()
                    .ok_or(GobError::Shape("SparseCompactMerkleProof"))?,
            );
        }
    }
    Ok(SparseMerkleProof {
        side_nodes: side,
        non_membership_leaf_data: c.non_membership_leaf_data.clone(),
        sibling_data: c.sibling_data.clone(),
    })
}

/// The compact form of a closest proof.
pub fn compact_closest_proof(p: &ClosestProof) -> CompactClosestProof {
    CompactClosestProof {
        path: p.path.clone(),
        flipped_bits: p.flipped_bits.iter().map(|b| int_to_bytes(*b)).collect(),
        depth: int_to_bytes(p.depth),
        closest_path: p.closest_path.clone(),
        closest_value_hash: p.closest_value_hash.clone(),
        closest_proof: compact_proof(&p.closest_proof),
    }
}

/// Restores a closest proof from its compact form (at most 2-byte depth and flipped bits).
pub fn decompact_closest_proof(c: &CompactClosestProof) -> Result<ClosestProof, GobError> {
    Ok(ClosestProof {
        path: c.path.clone(),
        flipped_bits: c
            .flipped_bits
            .iter()
            .map(|b| bytes_to_int(b))
            .collect::<Result<_, _>>()?,
        depth: bytes_to_int(&c.depth)?,
        closest_path: c.closest_path.clone(),
        closest_value_hash: c.closest_value_hash.clone(),
        closest_proof: decompact_proof(&c.closest_proof)?,
    })
}
