//! A minimal protobuf wire codec for the canonical gogoproto encoding the chain hashes.
//!
//! Writing: fields in ascending number order, proto3 zero values omitted (the callers decide
//! which embedded messages are always written). Reading: bounded by the input — lengths are checked
//! against the bytes left before anything is allocated, nesting is fixed by the schema, unknown
//! fields are skipped as Go skips them. [ENC-WIRE-1]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::string::String;
use alloc::vec::Vec;

/// Why bytes did not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended inside a value.
    #[error("truncated input")]
    Truncated,
    /// A varint longer than 10 bytes or overflowing 64 bits.
    #[error("malformed varint")]
    Varint,
    /// A known field with the wrong wire type, or an invalid wire type.
    #[error("field {field} has the wrong wire type")]
    WireType {
        /// The field number.
        field: u32,
    },
    /// A string field that is not UTF-8.
    #[error("field {field} is not UTF-8")]
    Utf8 {
        /// The field number.
        field: u32,
    },
    /// Field number 0 or above the protobuf maximum.
    #[error("invalid field number")]
    FieldNumber,
    /// An enum or integer value out of range.
    #[error("field {field} is out of range")]
    Range {
        /// The field number.
        field: u32,
    },
}

/// Wire type of varints.
pub(crate) const VARINT: u8 = 0;
/// Wire type of length-delimited fields.
pub(crate) const LEN: u8 = 2;

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(u8::try_from(v & 0x7f).unwrap_or(0) | 0x80);
        v >>= 7;
    }
    out.push(u8::try_from(v).unwrap_or(0));
}

fn put_tag(out: &mut Vec<u8>, field: u32, wt: u8) {
    put_varint(out, (u64::from(field) << 3) | u64::from(wt));
}

/// Writes a bytes/string field unless empty (proto3 zero value).
pub(crate) fn put_bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    if !b.is_empty() {
        put_message(out, field, b);
    }
}

/// Writes an embedded message, even when empty (gogoproto non-nullable, or a set pointer).
pub(crate) fn put_message(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    put_tag(out, field, LEN);
    put_varint(out, u64::try_from(b.len()).unwrap_or(u64::MAX));
    out.extend_from_slice(b);
}

/// Writes a varint field unless zero.
pub(crate) fn put_u64(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        put_tag(out, field, VARINT);
        put_varint(out, v);
    }
}

/// Writes an int64 field unless zero (two's complement, 10 bytes when negative).
pub(crate) fn put_i64(out: &mut Vec<u8>, field: u32, v: i64) {
    put_u64(out, field, u64::from_ne_bytes(v.to_ne_bytes()));
}

/// A cursor over protobuf bytes.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

/// One field's value.
pub(crate) enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Other,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v: u64 = 0;
        for i in 0..10u32 {
            let (&b, rest) = self.buf.split_first().ok_or(DecodeError::Truncated)?;
            self.buf = rest;
            if i == 9 && b > 1 {
                return Err(DecodeError::Varint);
            }
            v |= u64::from(b & 0x7f) << 7u32.wrapping_mul(i); // i < 10: at most 63
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(DecodeError::Varint)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], DecodeError> {
        let n = usize::try_from(n).map_err(|_| DecodeError::Truncated)?;
        if n > self.buf.len() {
            return Err(DecodeError::Truncated);
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }

    /// The next (field number, wire type, value), or `None` at the end.
    pub(crate) fn next(&mut self) -> Result<Option<(u32, u8, Value<'a>)>, DecodeError> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let field = u32::try_from(key >> 3).map_err(|_| DecodeError::FieldNumber)?;
        if field == 0 || field > 536_870_911 {
            return Err(DecodeError::FieldNumber);
        }
        let wt = u8::try_from(key & 7).unwrap_or(7);
        let v = match wt {
            VARINT => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Other
            }
            LEN => {
                let n = self.varint()?;
                Value::Bytes(self.take(n)?)
            }
            5 => {
                self.take(4)?;
                Value::Other
            }
            _ => return Err(DecodeError::WireType { field }),
        };
        Ok(Some((field, wt, v)))
    }
}

pub(crate) fn as_bytes<'a>(field: u32, v: Value<'a>) -> Result<&'a [u8], DecodeError> {
    match v {
        Value::Bytes(b) => Ok(b),
        _ => Err(DecodeError::WireType { field }),
    }
}

pub(crate) fn as_string(field: u32, v: Value<'_>) -> Result<String, DecodeError> {
    let b = as_bytes(field, v)?;
    core::str::from_utf8(b)
        .map(String::from)
        .map_err(|_| DecodeError::Utf8 { field })
}

pub(crate) fn as_u64(field: u32, v: Value<'_>) -> Result<u64, DecodeError> {
    match v {
        Value::Varint(x) => Ok(x),
        _ => Err(DecodeError::WireType { field }),
    }
}

pub(crate) fn as_i64(field: u32, v: Value<'_>) -> Result<i64, DecodeError> {
    as_u64(field, v).map(|x| i64::from_ne_bytes(x.to_ne_bytes()))
}
