//! The tokenomics params settlement accepts: those poktroll's params validation accepts, less the
//! share sets whose floors could add up to more than the amount they split. [TOK-PARAMS-1]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use alloc::string::String;
use core::fmt::Write;

use crypto_bigint::U1024;
use pokt_primitives::{Fraction, Shares, TokenomicsParams};

/// poktroll's bound on `overservicing_bonus_multiplier` (`MaxOverservicingBonusMultiplier`).
pub const MAX_OVERSERVICING_BONUS_MULTIPLIER: u64 = 1_000;

/// The basis points of a whole (100 %), in which poktroll checks that shares sum to one.
const BASIS_POINTS: i64 = 10_000;

/// Which split of a minted amount a [`ParamsError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SharesParam {
    /// `mint_allocation_percentages`, the split of the global-inflation mint.
    MintAllocation,
    /// `mint_equals_burn_claim_distribution`, the split of the burn-equals-mint mint.
    MintEqualsBurnDistribution,
}

impl SharesParam {
    /// The param's name on chain.
    pub fn name(self) -> &'static str {
        match self {
            Self::MintAllocation => "mint_allocation_percentages",
            Self::MintEqualsBurnDistribution => "mint_equals_burn_claim_distribution",
        }
    }
}

/// Why tokenomics params are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// The shares do not sum to one as poktroll counts them: each share rounded to basis points,
    /// the five summed, and the sum compared with 10,000.
    #[error("{} sum to {basis_points} basis points, not 10000", .shares.name())]
    SharesSum {
        /// Which split.
        shares: SharesParam,
        /// Their sum in rounded basis points.
        basis_points: i64,
    },
    /// The shares paid before the DAO's remainder (supplier, proposer, source owner, application)
    /// sum to more than one exactly, although their basis points round to 10,000: for a large
    /// enough amount their floors exceed it, the DAO's remainder turns negative and poktroll
    /// panics (`NewCoin` of a negative amount).
    #[error("{} pay more than the whole before the dao's remainder", .shares.name())]
    SharesAboveOne {
        /// Which split.
        shares: SharesParam,
    },
    /// `mint_ratio` outside (0, 1].
    #[error("mint_ratio {ratio} is outside (0, 1]")]
    MintRatio {
        /// The ratio.
        ratio: Fraction,
    },
    /// `overservicing_bonus_multiplier` above [`MAX_OVERSERVICING_BONUS_MULTIPLIER`].
    #[error("overservicing_bonus_multiplier {value} is above 1000")]
    OverservicingBonusMultiplier {
        /// The multiplier.
        value: u64,
    },
}

/// Checks tokenomics params as poktroll's `Params.ValidateBasic` does, in its order (the
/// allocation shares, the burn-equals-mint shares, the mint ratio, the overservicing multiplier;
/// the DAO address and a non-negative inflation hold by construction), then refuses share sets
/// whose paid shares exceed one exactly. Settlement runs it first and refuses a block whose params
/// fail. [TOK-PARAMS-1]
///
/// ```
/// use pokt_tokenomics::{Fraction, ParamsError, SharesParam, TokenomicsParams, validate_params};
///
/// let mut params = TokenomicsParams::mainnet()?;
/// assert_eq!(validate_params(&params), Ok(()));
/// params.mint_ratio = Fraction::ZERO;
/// assert_eq!(validate_params(&params), Err(ParamsError::MintRatio { ratio: Fraction::ZERO }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// The first [`ParamsError`] found.
pub fn validate_params(params: &TokenomicsParams) -> Result<(), ParamsError> {
    let sets = [
        (SharesParam::MintAllocation, &params.mint_allocation),
        (
            SharesParam::MintEqualsBurnDistribution,
            &params.mint_equals_burn_distribution,
        ),
    ];
    for (shares, set) in sets {
        let basis_points = basis_points(set);
        if basis_points != BASIS_POINTS {
            return Err(ParamsError::SharesSum {
                shares,
                basis_points,
            });
        }
    }
    let ratio = params.mint_ratio;
    if ratio.is_zero() || ratio.num() > ratio.den() {
        return Err(ParamsError::MintRatio { ratio });
    }
    let value = params.overservicing_bonus_multiplier;
    if value > MAX_OVERSERVICING_BONUS_MULTIPLIER {
        return Err(ParamsError::OverservicingBonusMultiplier { value });
    }
    for (shares, set) in sets {
        if paid_above_one(set) {
            return Err(ParamsError::SharesAboveOne { shares });
        }
    }
    Ok(())
}

/// The five shares in basis points as poktroll sums them: each float × 10,000 rounded half away
/// from zero (`math.Round`), then added.
fn basis_points(s: &Shares) -> i64 {
    [s.dao, s.proposer, s.supplier, s.source_owner, s.application]
        .iter()
        .map(|f| go_round(go_float(f) * 10_000.0))
        .fold(0i64, i64::saturating_add)
}

/// `int64(math.Round(x))`: rounded half away from zero, without std's `f64::round` (the crate is
/// `no_std`). Saturating: a share this large fails the sum however Go wraps it.
fn go_round(x: f64) -> i64 {
    // Toward zero, saturating (NaN reads as 0).
    #[allow(clippy::cast_possible_truncation)]
    let whole = x as i64;
    // Exact: below 2^52 whole and x are within a factor of two (or whole is 0); above, x is an
    // integer and the fraction is 0 (or whole saturated, where only the sign matters).
    #[allow(clippy::cast_precision_loss)]
    let fraction = x - whole as f64;
    if fraction >= 0.5 {
        whole.saturating_add(1)
    } else if fraction <= -0.5 {
        whole.saturating_sub(1)
    } else {
        whole
    }
}

/// The `float64` the chain holds for a fraction: the nearest double to its exact value, parsed
/// from its decimal digits (exact for a fraction built from a float's shortest decimal form, whose
/// digits parse back to that float); `to_f64` when the expansion does not end.
fn go_float(f: &Fraction) -> f64 {
    let (num, den) = (f.num(), f.den());
    let mut text = String::new();
    let mut rest = num.checked_rem(den).unwrap_or(0);
    if write!(text, "{}.", num.checked_div(den).unwrap_or(0)).is_err() {
        return f.to_f64();
    }
    // A u128 denominator dividing a power of ten divides 10^38.
    for _ in 0..40 {
        if rest == 0 {
            break;
        }
        let Some(r) = rest.checked_mul(10) else {
            return f.to_f64();
        };
        let digit = r.checked_div(den).unwrap_or(0);
        let Some(c) = u32::try_from(digit)
            .ok()
            .and_then(|d| char::from_digit(d, 10))
        else {
            return f.to_f64();
        };
        text.push(c);
        rest = r.checked_rem(den).unwrap_or(0);
    }
    if rest != 0 {
        return f.to_f64();
    }
    text.push('0');
    text.parse().unwrap_or_else(|_| f.to_f64())
}

/// Whether supplier + proposer + source owner + application exceeds one, exactly: Σ nᵢ · P / dᵢ
/// against P = Π dᵢ (each part below 2¹²⁸, so every product fits 1,024 bits).
fn paid_above_one(s: &Shares) -> bool {
    let parts = [s.proposer, s.supplier, s.source_owner, s.application];
    let wide = |v: u128| U1024::from_u128(v);
    let product = parts
        .iter()
        .fold(U1024::ONE, |p, f| p.wrapping_mul(&wide(f.den())));
    let sum = parts.iter().enumerate().fold(U1024::ZERO, |acc, (i, f)| {
        let others = parts
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .fold(U1024::ONE, |p, (_, g)| p.wrapping_mul(&wide(g.den())));
        acc.wrapping_add(&wide(f.num()).wrapping_mul(&others))
    });
    sum > product
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn shares(v: [f64; 5]) -> Shares {
        let [dao, proposer, supplier, source_owner, application] = v;
        Shares::from_f64(dao, proposer, supplier, source_owner, application).unwrap()
    }

    fn with(allocation: [f64; 5], burn: [f64; 5]) -> TokenomicsParams {
        let mut p = TokenomicsParams::mainnet().unwrap();
        p.mint_allocation = shares(allocation);
        p.mint_equals_burn_distribution = shares(burn);
        p
    }

    /// Go: x/tokenomics/types/params.go, ValidateBasic, ValidateMintAllocationSum,
    /// ValidateMintEqualsBurnClaimDistribution, ValidateMintRatio,
    /// ValidateOverservicingBonusMultiplier; Sum() in mint_allocation_percentage.go and
    /// mint_equals_burn_claim_distribution.go (rounded basis points).
    #[test]
    fn go_validation() {
        assert_eq!(
            validate_params(&TokenomicsParams::mainnet().unwrap()),
            Ok(())
        );
        assert_eq!(
            validate_params(&TokenomicsParams::defaults().unwrap()),
            Ok(())
        );
        let ok = [0.1, 0.0, 0.8, 0.1, 0.0];
        // 0.1 + 0.05 + 0.7 + 0.15 + 0.0001 = 10,001 basis points.
        let over = [0.1, 0.05, 0.7, 0.15, 0.0001];
        assert_eq!(
            validate_params(&with(over, ok)),
            Err(ParamsError::SharesSum {
                shares: SharesParam::MintAllocation,
                basis_points: 10_001
            })
        );
        assert_eq!(
            validate_params(&with(ok, [0.0; 5])),
            Err(ParamsError::SharesSum {
                shares: SharesParam::MintEqualsBurnDistribution,
                basis_points: 0
            })
        );
        // 0.00004 rounds to 0 basis points: Go accepts paid shares summing to 1.00004 …
        let tiny_over = [0.0, 0.0, 0.9, 0.1, 0.00004];
        // … and one of 0.99996, which only gives the DAO more: accepted here too.
        let tiny_under = [0.09996, 0.0, 0.8, 0.1, 0.0];
        assert_eq!(validate_params(&with(ok, tiny_under)), Ok(()));
        let mut p = with(ok, ok);
        p.mint_ratio = Fraction::from_f64_shortest(1.0000001).unwrap();
        assert!(matches!(
            validate_params(&p),
            Err(ParamsError::MintRatio { .. })
        ));
        p.mint_ratio = Fraction::ONE;
        p.overservicing_bonus_multiplier = 1_000;
        assert_eq!(validate_params(&p), Ok(()));
        p.overservicing_bonus_multiplier = 1_001;
        assert_eq!(
            validate_params(&p),
            Err(ParamsError::OverservicingBonusMultiplier { value: 1_001 })
        );
        // The exact check refuses what Go's rounding lets through.
        assert_eq!(
            validate_params(&with(tiny_over, ok)),
            Err(ParamsError::SharesAboveOne {
                shares: SharesParam::MintAllocation
            })
        );
        // The DAO's own share does not count: 0.2 + 0.80001 (DAO) still pays at most the whole.
        assert_eq!(
            validate_params(&with(ok, [0.20001, 0.0, 0.8, 0.0, 0.0])),
            Ok(())
        );
    }

    #[test]
    fn floats_as_the_chain_holds_them() {
        for v in [0.975, 1e-6, 0.1, 0.00005, 0.00015, 1.0 / 3.0, 1.0, 0.0] {
            assert_eq!(go_float(&Fraction::from_f64_shortest(v).unwrap()), v);
        }
        // 1/3 has no terminating expansion: its f64 approximation.
        let third = Fraction::new(1, 3).unwrap();
        assert_eq!(go_float(&third), 1.0 / 3.0);
        // Half a basis point rounds away from zero, as math.Round does: 9,999.5 → 10,000 and
        // 0.5 → 1.
        let half = shares([0.99995, 0.00005, 0.0, 0.0, 0.0]);
        assert_eq!(basis_points(&half), 10_001);
        // The float product, not the exact one: 0.00015 × 10,000 is 1.4999999999999998 in
        // float64 (1.5 exactly), so it rounds to 1, and 0.9998 + 0.00015 + 0.00005 passes.
        let float = shares([0.9998, 0.00015, 0.00005, 0.0, 0.0]);
        assert_eq!(basis_points(&float), 9_998 + 1 + 1);
    }

    /// Go's `math.Round`: half away from zero, and exact at the largest double below one half
    /// (where adding 0.5 then truncating would round up).
    #[test]
    fn go_round_is_half_away_from_zero() {
        let cases = [
            (0.0, 0),
            (0.499_999_999_999_999_94, 0),
            (0.5, 1),
            (1.5, 2),
            (2.5, 3),
            (-0.5, -1),
            (-2.5, -3),
            (-0.499_999_999_999_999_94, 0),
            (9_999.999_999_999_998, 10_000),
            (4_503_599_627_370_497.0, 4_503_599_627_370_497),
            (1e300, i64::MAX),
            (-1e300, i64::MIN),
        ];
        for (x, want) in cases {
            assert_eq!(go_round(x), want, "{x}");
        }
    }
}
