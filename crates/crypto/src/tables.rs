//! Tables of odd multiples for [`crate::glv::lincomb`]: built with mixed additions on an
//! isomorphic curve (no inversion per entry), made affine in batches, or left sharing one Z for a
//! point used once. [CRYPTO-RING-5] [CRYPTO-PERF-1]
#![warn(clippy::indexing_slicing)]

use alloc::vec::Vec;

use crate::point::{Affine, Fe, Jacobian, fe, normalize_all};

/// Odd multiples P, 3P, …, (2^(w−1) − 1)P of a point and of λP, in affine form — and with
/// more than one level, the same for 2^64·P (2^(64j)·P at level j), so that [`lincomb`] cuts
/// each 128-bit half scalar in 64-bit parts and doubles half as often.
///
/// [`lincomb`]: crate::glv::lincomb
#[derive(Clone, Debug)]
pub(crate) struct Tables {
    w: u32,
    /// (base, endo) per level.
    levels: Vec<(Vec<Affine>, Vec<Affine>)>,
}

/// [`Tables`] whose entries share one Jacobian Z instead of being affine: entry (x, y) stands
/// for (x/Z², y/Z³) — an affine point of the curve y² = x³ + 7Z⁶, isomorphic to secp256k1.
/// Built without any inversion, for a single multiplication by a point seen once (ECDSA).
#[derive(Clone, Debug)]
pub(crate) struct SharedZ {
    tables: Tables,
    z: Fe,
}

/// Windows are kept between 4 and 16 (2 to 16384 entries per table).
fn window(w: u32) -> u32 {
    w.clamp(4, 16)
}

/// The odd multiples P, 3P, …, (2·count − 1)P of a point as coordinates sharing one Jacobian Z,
/// which is returned. With D = 2P = (X_D, Y_D, Z_D), the curve isomorphism (x, y) ↦ (u²x, u³y)
/// for u = Z_D makes D affine, so each next multiple is a mixed addition; the multiples' own
/// Z's differ by the additions' ratios, and a backward pass of those ratios brings them all to
/// the last one's Z. No inversion. [CRYPTO-PERF-1]
fn odd_multiples(p: &Affine, count: usize) -> (Vec<Affine>, Fe) {
    let Some((xd, yd, zd)) = Jacobian::from_affine(p).double().coordinates() else {
        // 2P is never the identity (the order is odd); keep the function total anyway.
        return (alloc::vec![*p; count], Fe::ONE);
    };
    let (u2, u3) = {
        let u2 = zd.square();
        (u2, u2 * &zd)
    };
    let (xd, yd) = (xd.normalize_weak(), yd);
    let mut cur = Jacobian::from_coordinates(p.x * &u2, p.y * &u3, Fe::ONE);
    let mut points = Vec::with_capacity(count);
    let mut ratios = Vec::with_capacity(count);
    points.push(cur);
    for _ in 1..count {
        // (2k+1)P ≠ ±2P for the small k here, so the addition has no special case and the
        // ratio is always there.
        ratios.push(cur.add_assign_xy(&xd, &yd, None).unwrap_or(Fe::ONE));
        points.push(cur);
    }
    let Some((_, _, z_last)) = cur.coordinates() else {
        return (alloc::vec![*p; count], Fe::ONE);
    };
    // Entry k times (Z_last/Z_k)² and ³, Z_last/Z_k being the product of the later ratios.
    let mut out = alloc::vec![*p; count];
    let mut ratio: Option<Fe> = None;
    for (k, q) in points.iter().enumerate().rev() {
        let Some((x, y, _)) = q.coordinates() else {
            continue;
        };
        let (x, y) = match ratio {
            None => (x.normalize_weak(), y.normalize_weak()),
            Some(r) => {
                let r2 = r.square();
                (x * &r2, y * &(r2 * &r))
            }
        };
        if let Some(o) = out.get_mut(k) {
            *o = Affine { x, y };
        }
        if let Some(h) = k.checked_sub(1).and_then(|i| ratios.get(i)) {
            ratio = Some(ratio.map_or(*h, |r| r * h));
        }
    }
    // Back on secp256k1 the shared Z is Z_last·u.
    (out, z_last * &zd)
}

/// β·x: the endomorphism's images of a table's entries.
fn endo(base: &[Affine]) -> Vec<Affine> {
    let beta = fe(&crate::glv::BETA).unwrap_or(Fe::ONE);
    base.iter()
        .map(|a| Affine {
            x: a.x * &beta,
            y: a.y,
        })
        .collect()
}

impl Tables {
    /// Tables of window `w` (4 ≤ w ≤ 16; 2^(w−2) entries each) for `p`.
    pub(crate) fn new(p: &Affine, w: u32) -> Self {
        Self::batch(&[(*p, w)], 1).pop().unwrap_or(Self {
            w,
            levels: Vec::new(),
        })
    }

    /// Two-level tables (P and 2^64·P) of window `w` for a point used many times.
    pub(crate) fn leveled(p: &Affine, w: u32) -> Self {
        Self::batch(&[(*p, w)], 2)
            .pop()
            .unwrap_or_else(|| Self::new(p, w))
    }

    /// The window.
    pub(crate) fn w(&self) -> u32 {
        self.w
    }

    /// (base, endo) entries per level.
    pub(crate) fn levels(&self) -> &[(Vec<Affine>, Vec<Affine>)] {
        &self.levels
    }

    /// Tables with `levels` levels (1 or 2) for several points, made affine with one inversion
    /// for all of them (two with the shifted points).
    pub(crate) fn batch(points: &[(Affine, u32)], levels: usize) -> Vec<Self> {
        let levels = levels.clamp(1, 2);
        // The shifted points 2^64·P, affine (one inversion for all).
        let mut bases: Vec<(Affine, u32)> = Vec::with_capacity(points.len() * levels);
        if levels == 2 {
            let shifted: Vec<Jacobian> = points
                .iter()
                .map(|(p, _)| {
                    let mut q = Jacobian::from_affine(p);
                    for _ in 0..crate::glv::LEVEL_BITS {
                        q.double_assign();
                    }
                    q
                })
                .collect();
            for ((p, w), q) in points.iter().zip(normalize_all(&shifted)) {
                bases.push((*p, *w));
                // 2^64·P is never the identity (P has order n).
                bases.push((q.unwrap_or(*p), *w));
            }
        } else {
            bases.extend_from_slice(points);
        }
        let shared: Vec<(Vec<Affine>, Fe)> = bases
            .iter()
            .map(|(p, w)| odd_multiples(p, 1usize << (window(*w) - 2)))
            .collect();
        // 1/Z of every table at once (Montgomery's trick).
        let zs: Vec<Jacobian> = shared
            .iter()
            .map(|(_, z)| Jacobian::from_coordinates(Fe::ONE, Fe::ONE, *z))
            .collect();
        let inverses = normalize_all(&zs);
        let mut made =
            bases
                .iter()
                .zip(shared)
                .zip(inverses)
                .map(|(((_, w), (entries, _)), inv)| {
                    // normalize_all of (1, 1, Z) gives (1/Z², 1/Z³).
                    let (zi2, zi3) = inv.map_or((Fe::ONE, Fe::ONE), |a| (a.x, a.y));
                    let base: Vec<Affine> = entries
                        .iter()
                        .map(|a| Affine {
                            x: a.x * &zi2,
                            y: a.y * &zi3,
                        })
                        .collect();
                    (window(*w), (endo(&base), base))
                });
        points
            .iter()
            .map(|(_, w)| {
                let levels = (0..levels)
                    .filter_map(|_| made.next())
                    .map(|(_, (endo, base))| (base, endo))
                    .collect();
                Self {
                    w: window(*w),
                    levels,
                }
            })
            .collect()
    }
}

impl SharedZ {
    /// Tables of window `w` for `p`, without inversion.
    pub(crate) fn new(p: &Affine, w: u32) -> Self {
        let w = window(w);
        let (base, z) = odd_multiples(p, 1usize << (w - 2));
        Self {
            tables: Tables {
                w,
                levels: alloc::vec![(base.clone(), endo(&base))],
            },
            z,
        }
    }

    pub(crate) fn tables(&self) -> &Tables {
        &self.tables
    }

    pub(crate) fn z(&self) -> &Fe {
        &self.z
    }
}

/// Window of the generator's tables: 2^(w−2) = 4096 entries per table, built once per process
/// with `std`; without `std` a window of 8 is built per call or per prepared ring.
#[cfg(feature = "std")]
const G_WINDOW: u32 = 14;
/// Levels of the generator's tables (G and 2^64·G).
#[cfg(feature = "std")]
const G_LEVELS: usize = 2;
#[cfg(not(feature = "std"))]
const G_WINDOW: u32 = 8;

/// The generator's tables.
#[cfg(feature = "std")]
pub(crate) fn generator() -> alloc::borrow::Cow<'static, Tables> {
    static TABLES: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
    alloc::borrow::Cow::Borrowed(TABLES.get_or_init(|| {
        Tables::batch(&[(Affine::generator(), G_WINDOW)], G_LEVELS)
            .pop()
            .unwrap_or_else(|| Tables::new(&Affine::generator(), G_WINDOW))
    }))
}

/// The generator's tables.
#[cfg(not(feature = "std"))]
pub(crate) fn generator() -> alloc::borrow::Cow<'static, Tables> {
    alloc::borrow::Cow::Owned(Tables::new(&Affine::generator(), G_WINDOW))
}
