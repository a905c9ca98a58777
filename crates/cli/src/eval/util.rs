//! Field accessors shared by the eval topics; every failure is a lower-case reason string.

use serde_json::{Map, Value};

/// A required field.
pub(crate) fn field<'a>(case: &'a Map<String, Value>, name: &str) -> Result<&'a Value, String> {
    case.get(name)
        .ok_or_else(|| format!("missing field {name}"))
}

/// A required string field.
pub(crate) fn str_field<'a>(case: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    field(case, name)?
        .as_str()
        .ok_or_else(|| format!("field {name} is not a string"))
}

/// A required hex field (lowercase or uppercase, no `0x`).
pub(crate) fn hex_field(case: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    hex::decode(str_field(case, name)?).map_err(|_| format!("field {name} is not hex"))
}

/// A required hex field of exactly `N` bytes.
#[allow(dead_code)]
pub(crate) fn hex_array<const N: usize>(
    case: &Map<String, Value>,
    name: &str,
) -> Result<[u8; N], String> {
    let v = hex_field(case, name)?;
    v.as_slice()
        .try_into()
        .map_err(|_| format!("field {name} is {} bytes, expected {N}", v.len()))
}

/// A required unsigned integer field (full u64 range).
#[allow(dead_code)]
pub(crate) fn u64_field(case: &Map<String, Value>, name: &str) -> Result<u64, String> {
    field(case, name)?
        .as_u64()
        .ok_or_else(|| format!("field {name} is not an unsigned 64-bit integer"))
}

/// A required signed integer field (full i64 range).
#[allow(dead_code)]
pub(crate) fn i64_field(case: &Map<String, Value>, name: &str) -> Result<i64, String> {
    field(case, name)?
        .as_i64()
        .ok_or_else(|| format!("field {name} is not a signed 64-bit integer"))
}
