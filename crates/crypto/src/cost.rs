//! Not tests: loops that count instructions per internal operation under callgrind, e.g.
//! `FE_OPS=double FE_REPS=10000 valgrind --tool=callgrind <test binary> --ignored cost::`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::field::Fe;
use crate::glv::{self, Tables};
use crate::point::{Affine, Jacobian};
use k256::Scalar;

#[test]
#[ignore]
fn op_loop() {
    use k256::elliptic_curve::hazmat::FieldArithmetic;
    type K = <k256::Secp256k1 as FieldArithmetic>::FieldElement;
    let reps: usize = std::env::var("FE_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let op = std::env::var("FE_OPS").unwrap_or_default();
    let bytes = std::hint::black_box([0x5au8; 32]);
    let bytes2 = std::hint::black_box([0x3cu8; 32]);
    let mut x = Fe::from_bytes(&bytes).unwrap();
    let y = Fe::from_bytes(&bytes2).unwrap();
    let mut kx = K::from_bytes(&bytes.into()).unwrap();
    let ky = K::from_bytes(&bytes2.into()).unwrap();
    let g = Affine::generator();
    let q = Affine::from_k256(&(k256::ProjectivePoint::GENERATOR * Scalar::from(77u64))).unwrap();
    let mut j = Jacobian::from_affine(&g).double();
    let tg = glv::generator();
    let tq = Tables::new(&q, 5);
    let s1 = Scalar::from(u64::MAX) * Scalar::from(u64::MAX - 7) * Scalar::from(u64::MAX - 99);
    let mut acc = 0u64;
    let start = std::time::Instant::now();
    for _ in 0..reps {
        match op.as_str() {
            "mul" => x = x.mul(&y),
            "square" => x = x.square(),
            "k256mul" => kx = kx.mul(&ky),
            "k256square" => kx = kx.square(),
            "invert" => x = x.invert(),
            "sqrt" => x = x.sqrt().unwrap_or(y),
            "double" => j = j.double(),
            "madd" => j = j.add_affine(&q),
            "shared5" => j = glv::lincomb(&[], Some((s1, &glv::SharedZ::new(&q, 5)))),
            "table5" => acc += Tables::new(&q, 5).w() as u64,
            "lincomb" => j = glv::lincomb(&[(s1, &tg), (s1, &tq)], None),
            "scalar-invert" => acc += u64::from(s1.invert_vartime().unwrap().to_bytes()[3]),
            _ => {}
        }
    }
    let el = start.elapsed();
    if reps > 0 {
        eprintln!("{op}: {:.1} ns", el.as_nanos() as f64 / reps as f64);
    }
    std::hint::black_box((x, kx, j, acc));
}

/// Field multiplication and squaring, ours against k256's, in alternating blocks (minimum block
/// time per operation, in ns).
#[test]
#[ignore]
fn field_race() {
    use k256::elliptic_curve::hazmat::FieldArithmetic;
    type K = <k256::Secp256k1 as FieldArithmetic>::FieldElement;
    let bytes = std::hint::black_box([0x5au8; 32]);
    let bytes2 = std::hint::black_box([0x3cu8; 32]);
    let (mut x, y) = (
        Fe::from_bytes(&bytes).unwrap(),
        Fe::from_bytes(&bytes2).unwrap(),
    );
    let (mut kx, ky) = (
        K::from_bytes(&bytes.into()).unwrap(),
        K::from_bytes(&bytes2.into()).unwrap(),
    );
    let mut best = [f64::MAX; 4];
    for _ in 0..2000 {
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            x = x.mul(&y);
        }
        best[0] = best[0].min(t.elapsed().as_secs_f64());
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            kx = kx.mul(&ky);
        }
        best[1] = best[1].min(t.elapsed().as_secs_f64());
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            x = x.square();
        }
        best[2] = best[2].min(t.elapsed().as_secs_f64());
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            kx = kx.square();
        }
        best[3] = best[3].min(t.elapsed().as_secs_f64());
    }
    std::hint::black_box((x, kx));
    eprintln!(
        "mul ours {:.1} ns, k256 {:.1} ns; square ours {:.1} ns, k256 {:.1} ns",
        best[0] * 1e6,
        best[1] * 1e6,
        best[2] * 1e6,
        best[3] * 1e6
    );
}
