//! Claims: one per (application session, supplier) with relays, fake claimers padding theirs;
//! each claim's proof requirement drawn at its proof window by pokt-mining's rule on the
//! claim's value.
#![allow(clippy::cast_precision_loss)] // Rates of counts far below 2^53.

use pokt_mining::{ProofRequirement, proof_requirement_for_claim, validate_claim_root};
use pokt_primitives::{Claim, ClaimProofStatus, SessionHeader};
use pokt_tokenomics::{ClaimInput, ClaimPricing, ComputeUnits, Metering, RevShare};

use crate::engine::{PendingClaim, Served, SessionStart, Simulation};
use crate::error::SimError;
use crate::mining::{session_id_for, synthetic_claim_hash};
use crate::report::Row;

impl Simulation {
    /// Turns what each application's session served into claims waiting for settlement, and
    /// returns the session's rows.
    pub(crate) fn claim(
        &mut self,
        at: &SessionStart,
        per_app: Vec<Vec<Served>>,
    ) -> Result<Vec<Row>, SimError> {
        let mut rows = self.rows(at);
        let sc = &self.sc;
        let w = &self.world;
        let is_fake = |i: usize| i < sc.suppliers.fake_claimers;
        for (ai, served) in per_app.into_iter().enumerate() {
            for x in served {
                let (svc, si) = (x.service, x.supplier);
                let row = &mut rows[svc];
                if x.root.is_some() {
                    self.report.relays_exact += x.served;
                } else {
                    self.report.relays_sampled += x.served;
                }
                let fake = if is_fake(si) {
                    sc.suppliers.fake_claim_relays
                } else {
                    0
                };
                if !is_fake(si) {
                    row.relays_served += x.served;
                    row.relays_mined += x.mined;
                }
                let claimed = x.mined + fake;
                if claimed == 0 {
                    continue;
                }
                row.relays_claimed += claimed;
                let spec = &sc.services[svc];
                let session_id = session_id_for(sc.seed, &w.apps[ai], &w.services[svc], at.start);
                let input = ClaimInput {
                    supplier_operator: w.suppliers[si],
                    supplier_owner: w.suppliers[si],
                    rev_shares: vec![RevShare {
                        address: w.suppliers[si],
                        percentage: 100,
                    }],
                    application: w.apps[ai],
                    service_id: w.services[svc].clone(),
                    source_owner: w.source_owners[svc],
                    session_id,
                    num_relays: claimed,
                    num_compute_units: ComputeUnits::new(claimed * spec.compute_units_per_relay),
                    compute_units_per_relay: ComputeUnits::new(spec.compute_units_per_relay),
                    metering: Metering::FixedPerRelay,
                    pricing: ClaimPricing {
                        target_hash: at.difficulties[svc].target_hash,
                        compute_units_to_tokens_multiplier: sc
                            .pricing
                            .compute_units_to_tokens_multiplier,
                        compute_unit_cost_granularity: sc.pricing.compute_unit_cost_granularity,
                    },
                };
                // A real claim when the relays were mined one by one into a session tree: the
                // chain's claim checks, and the claim hash over its canonical bytes; otherwise a
                // synthetic hash of the claim's identifying fields (there is no root to hash).
                let claim_hash = match x.root.filter(|_| fake == 0) {
                    Some(root) => {
                        validate_claim_root(
                            root.as_bytes(),
                            ComputeUnits::new(spec.compute_units_per_relay),
                        )
                        .map_err(SimError::Claim)?;
                        self.report.claims_with_tree_roots += 1;
                        let end = w.grid.end(at.start);
                        Claim {
                            supplier_operator_address: w.suppliers[si].to_string(),
                            session_header: Some(SessionHeader {
                                application_address: w.apps[ai].to_string(),
                                service_id: w.services[svc].as_str().into(),
                                session_id: session_id.to_hex(),
                                session_start_block_height: at.start.get(),
                                session_end_block_height: end.get(),
                            }),
                            root_hash: root.as_bytes().to_vec(),
                            proof_validation_status: ClaimProofStatus::default(),
                        }
                        .hash()
                    }
                    None => synthetic_claim_hash(&input),
                };
                // Proof requirement at the proof window (pokt-mining's rule on the claim's value).
                let draw = proof_requirement_for_claim(
                    &claim_hash,
                    input.num_compute_units,
                    &input.pricing,
                    &at.seed_hash,
                    &w.proof_params,
                )
                .map_err(SimError::ClaimValue)?;
                let required = draw.requirement != ProofRequirement::NotRequired;
                if fake > 0 {
                    self.report.adversary.fake_claims += 1;
                }
                self.pending
                    .entry(at.windows.settlement_height)
                    .or_default()
                    .push(PendingClaim {
                        session: at.index,
                        input,
                        service: svc,
                        supplier: si,
                        fake_relays: fake,
                        required,
                    });
            }
        }
        for row in &mut rows {
            let p = row.probability.max(f64::MIN_POSITIVE);
            row.relays_estimated = row.relays_mined as f64 / p;
            row.target_error = (row.relays_mined as f64 - row.target_num_relays as f64)
                / row.target_num_relays as f64;
            row.estimation_error = if row.relays_served > 0 {
                (row.relays_estimated - row.relays_served as f64) / row.relays_served as f64
            } else {
                0.0
            };
        }
        Ok(rows)
    }
}
