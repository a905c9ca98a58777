//! Writing gob streams: numbers, struct bodies with delta-coded fields, type definitions and
//! messages.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::vec::Vec;

use super::types::Def;
use crate::proof::SideNode;

pub(super) struct Wr(Vec<u8>);

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
pub(super) enum F<'a> {
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

pub(super) fn write_struct(w: &mut Wr, fields: &[F<'_>]) {
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

fn write_common(w: &mut Wr, name: &str, id: i64) {
    w.uint(1);
    w.bytes(name.as_bytes());
    w.uint(1);
    w.int(id);
    w.uint(0);
}

pub(super) fn message(out: &mut Vec<u8>, id: i64, body: impl FnOnce(&mut Wr)) {
    let mut m = Wr(Vec::new());
    m.int(id);
    body(&mut m);
    let mut w = Wr(Vec::new());
    w.uint(u64::try_from(m.0.len()).unwrap_or(0));
    out.extend_from_slice(&w.0);
    out.extend_from_slice(&m.0);
}

pub(super) fn write_def(out: &mut Vec<u8>, d: &Def) {
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
