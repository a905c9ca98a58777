//! The gob type ids: gob's builtin ones, and those the Go library's proof types get in a process
//! that registers them first (as in the vectors), with their definitions.

// Builtin gob type ids.
pub(super) const T_INT: i64 = 2;
pub(super) const T_UINT: i64 = 3;
pub(super) const T_BYTES: i64 = 5;
pub(super) const T_STRING: i64 = 6;

/// A type definition: a struct (name, id, fields) or a slice (name, id, elem).
pub(super) enum Def {
    Struct(&'static str, i64, &'static [(&'static str, i64)]),
    Slice(&'static str, i64, i64),
}

// The ids the Go library gets in a process that registers its four proof types first.
pub(super) const ID_PROOF: i64 = 64;
pub(super) const ID_BYTES_LIST: i64 = 65;
pub(super) const ID_COMPACT: i64 = 66;
pub(super) const ID_CLOSEST: i64 = 67;
pub(super) const ID_INT_LIST: i64 = 68;
pub(super) const ID_COMPACT_CLOSEST: i64 = 69;

pub(super) const DEF_PROOF: Def = Def::Struct(
    "SparseMerkleProof",
    ID_PROOF,
    &[
        ("SideNodes", ID_BYTES_LIST),
        ("NonMembershipLeafData", T_BYTES),
        ("SiblingData", T_BYTES),
    ],
);
pub(super) const DEF_BYTES_LIST: Def = Def::Slice("[][]uint8", ID_BYTES_LIST, T_BYTES);
pub(super) const DEF_COMPACT: Def = Def::Struct(
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
pub(super) const DEF_CLOSEST: Def = Def::Struct(
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
pub(super) const DEF_INT_LIST: Def = Def::Slice("[]int", ID_INT_LIST, T_INT);
pub(super) const DEF_COMPACT_CLOSEST: Def = Def::Struct(
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
