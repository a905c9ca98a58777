//! Reading a gob stream into generic values: messages, type definitions (bounded), and one value
//! whose struct fields are named by the stream's own definitions.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::error::GobError;
use super::types::{T_BYTES, T_INT, T_STRING, T_UINT};

const MAX_TYPES: usize = 64;
const MAX_DEPTH: usize = 8;

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
pub(super) enum Val {
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
pub(super) fn decode_stream(bytes: &[u8]) -> Result<Val, GobError> {
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
