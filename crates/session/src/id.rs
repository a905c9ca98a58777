//! Session id and supplier selection.

use alloc::vec::Vec;

use pokt_primitives::{Address, BlockHash, BlockHeight, ServiceId, SessionId};
use sha3::{Digest, Sha3_256};

/// The delimiter the chain puts between the session-id components.
const DELIMITER: u8 = b'.';

/// The bytes the session id hashes: `block_hash(start) ‖ "." ‖ service ‖ "." ‖ app ‖ "." ‖
/// LE64(start)`. Supplier selection also seeds from these bytes (not from the id). [SESSION-ID-1]
///
/// `block_hash` is `None` for heights ≤ 0, where the chain hashes an empty byte string (the
/// delimiters are still inserted).
pub fn session_id_preimage(
    block_hash: Option<&BlockHash>,
    service_id: &ServiceId,
    application: &Address,
    session_start_height: BlockHeight,
) -> Vec<u8> {
    let service = service_id.as_str().as_bytes();
    let app = application.as_bech32_bytes();
    let mut out = Vec::with_capacity(32 + service.len() + app.len() + 11);
    if let Some(h) = block_hash {
        out.extend_from_slice(h.as_bytes());
    }
    out.push(DELIMITER);
    out.extend_from_slice(service);
    out.push(DELIMITER);
    out.extend_from_slice(app);
    out.push(DELIMITER);
    // Go writes the int64 start height as uint64 little-endian.
    out.extend_from_slice(&session_start_height.get().to_le_bytes());
    out
}

/// The session id: SHA3-256 (FIPS 202, not Keccak-256) of the preimage; its wire form is the
/// 64-character lowercase hex of the digest ([`SessionId::to_hex`]). [SESSION-ID-1]
pub fn session_id(preimage: &[u8]) -> SessionId {
    SessionId::from_bytes(Sha3_256::digest(preimage).into())
}

/// One supplier's service configuration as the chain stores it: the supplier serves `service`
/// from `activation_height` (inclusive) until `deactivation_height` (exclusive; `None` = never,
/// which the chain stores as 0).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServiceConfig {
    /// The supplier's operator address.
    pub operator: Address,
    /// The service configured.
    pub service: ServiceId,
    /// First height at which the configuration is active.
    pub activation_height: BlockHeight,
    /// Height from which it is no longer active; `None` when it has no end.
    pub deactivation_height: Option<BlockHeight>,
}

impl ServiceConfig {
    /// Whether the configuration is active at `height`: activation ≤ h and (no deactivation or
    /// h < deactivation). [SESSION-SUP-2]
    pub fn is_active(&self, height: BlockHeight) -> bool {
        self.activation_height <= height && self.deactivation_height.is_none_or(|d| height < d)
    }
}

/// The selection weight of `operator` for a session: the first 8 bytes of
/// SHA3-256(preimage ‖ "." ‖ operator), big-endian, read as a **signed** `i64` (Go converts the
/// `uint64` to `int`). [SESSION-SUP-1]
pub fn supplier_weight(preimage: &[u8], operator: &Address) -> i64 {
    let mut h = Sha3_256::new();
    h.update(preimage);
    h.update([DELIMITER]);
    h.update(operator.as_bech32_bytes());
    let d = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    i64::from_be_bytes(first)
}

/// Selects a session's suppliers from `candidates` in the chain store's iteration order
/// (activation height, then operator address) — pass them already filtered for the service and
/// activity at the query height (see [`filter_candidates`]).
///
/// Fewer candidates than `num_suppliers` ⇒ all of them, in the given order, unshuffled. Otherwise
/// they are ordered by (signed weight, operator address bytes) ascending and the first
/// `num_suppliers` kept. [SESSION-SUP-1]
pub fn select_suppliers<'a>(
    preimage: &[u8],
    candidates: &'a [Address],
    num_suppliers: usize,
) -> Vec<&'a Address> {
    if candidates.len() < num_suppliers {
        return candidates.iter().collect();
    }
    // The preimage and delimiter are absorbed once; each candidate continues from a copy.
    let mut prefix = Sha3_256::new();
    prefix.update(preimage);
    prefix.update([DELIMITER]);
    let weight = |a: &'a Address| -> (i64, &'a Address) {
        let d = prefix.clone().chain_update(a.as_bech32_bytes()).finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&d[..8]);
        (i64::from_be_bytes(first), a)
    };
    // Hashing the candidates is the whole cost (two Keccak permutations each): large candidate
    // sets are hashed on all cores with the `parallel` feature.
    #[cfg(feature = "parallel")]
    let mut weighted: Vec<(i64, &Address)> = if candidates.len() >= 1024 {
        use rayon::prelude::*;
        candidates.par_iter().map(weight).collect()
    } else {
        candidates.iter().map(weight).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let mut weighted: Vec<(i64, &Address)> = candidates.iter().map(weight).collect();
    fn key<'k>(x: &(i64, &'k Address)) -> (i64, &'k [u8]) {
        (x.0, x.1.as_bech32_bytes())
    }
    if num_suppliers < weighted.len() && num_suppliers > 0 {
        // Only the first `num_suppliers` need ordering.
        weighted.select_nth_unstable_by(num_suppliers - 1, |a, b| key(a).cmp(&key(b)));
        weighted.truncate(num_suppliers);
    } else {
        weighted.truncate(num_suppliers);
    }
    weighted.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
    weighted.into_iter().map(|(_, a)| a).collect()
}

/// Filters service configurations to the candidates of a session: those for `service` active at
/// `query_height`, in store order (activation height, then operator address string). [SESSION-SUP-2]
pub fn filter_candidates(
    configs: &[ServiceConfig],
    service: &ServiceId,
    query_height: BlockHeight,
) -> Vec<Address> {
    let mut out: Vec<&ServiceConfig> = configs
        .iter()
        .filter(|c| &c.service == service && c.is_active(query_height))
        .collect();
    fn key<'k>(c: &&'k ServiceConfig) -> (BlockHeight, &'k [u8]) {
        (c.activation_height, c.operator.as_bech32_bytes())
    }
    // The chain's store already iterates in this order; sort only when the caller's order differs.
    // Equal keys are the same operator, so an unstable sort gives the same result.
    if !out.is_sorted_by(|a, b| key(a) <= key(b)) {
        out.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
    }
    out.into_iter().map(|c| c.operator).collect()
}
