//! Why gob bytes did not decode.

/// The Go proof struct a gob value was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GobStruct {
    /// `SparseMerkleProof`.
    SparseMerkleProof,
    /// `SparseCompactMerkleProof`.
    SparseCompactMerkleProof,
    /// `SparseMerkleClosestProof`.
    SparseMerkleClosestProof,
    /// `SparseCompactMerkleClosestProof`.
    SparseCompactMerkleClosestProof,
}

impl GobStruct {
    /// The Go type name.
    pub fn name(self) -> &'static str {
        match self {
            Self::SparseMerkleProof => "SparseMerkleProof",
            Self::SparseCompactMerkleProof => "SparseCompactMerkleProof",
            Self::SparseMerkleClosestProof => "SparseMerkleClosestProof",
            Self::SparseCompactMerkleClosestProof => "SparseCompactMerkleClosestProof",
        }
    }
}

impl core::fmt::Display for GobStruct {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why gob bytes did not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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
    /// The value's shape does not match the expected proof struct (a field of another type, or
    /// not a struct at all).
    #[error("gob value has the wrong shape for {0}")]
    Shape(GobStruct),
}
