//! The end-blocker at each claim's settlement height: the proof requirement (MINING-REQ-1)
//! drawn from the stored claim's hash and the seed block; required proofs missing or rejected
//! make the claim expire with the penalty (TOK-EXPIRE-1); the rest settle (TOK-*) with the
//! devnet's one validator as block proposer; the ledger operations are applied all or none; each
//! service's difficulty is updated from its settled relays (MINING-DIFF-*), effective at the
//! next session start. [DEVNET-1]

use std::collections::BTreeMap;

use pokt_mining::{ProofRequirement, RequirementDraw, proof_requirement_for_claim};
use pokt_primitives::{Address, ServiceId, SessionId};
use pokt_tokenomics::{
    AppAccount, BlockInput, ClaimInput, ClaimPricing, Expiry, Metering, Outcome, ProofFailure,
    settle_block,
};
use sha2::{Digest, Sha256};

use crate::claims::ClaimRecord;
use crate::{Devnet, DevnetError, DevnetEvent};

impl Devnet {
    /// The devnet's block proposer (the only validator), paid the proposer shares.
    pub fn proposer() -> Address {
        let d: [u8; 32] = Sha256::digest(b"pokt-devnet proposer").into();
        let mut a = [0u8; 20];
        a.copy_from_slice(d.get(..20).unwrap_or(&[0; 20]));
        Address::from_bytes(a)
    }

    /// What settlement reads of a claim: its supplier's owner and shares, its service's owner,
    /// metering and price at the session start.
    fn claim_input(&self, record: &ClaimRecord) -> Result<ClaimInput, DevnetError> {
        let session = record.session();
        let def = self.staking.service(&session.service_id)?;
        let supplier = self.staking.supplier(record.supplier())?;
        Ok(ClaimInput {
            supplier_operator: *record.supplier(),
            supplier_owner: supplier.owner,
            rev_shares: supplier.rev_shares.clone(),
            application: session.application,
            service_id: session.service_id.clone(),
            source_owner: def.owner,
            session_id: session.session_id,
            num_relays: record.num_relays(),
            num_compute_units: record.num_compute_units(),
            compute_units_per_relay: def.compute_units_per_relay,
            metering: if def.token_pricing.is_some() {
                Metering::TokenMetered
            } else {
                Metering::FixedPerRelay
            },
            pricing: ClaimPricing::new(
                self.target(&session.service_id, session.start)?,
                self.shared_params(session.start),
            ),
        })
    }

    /// The proof requirement of a claim: drawn from the stored claim's hash and the proof seed
    /// block, against its value. [MINING-REQ-1]
    fn requirement(
        &self,
        record: &ClaimRecord,
        input: &ClaimInput,
    ) -> Result<RequirementDraw, DevnetError> {
        let seed = self.proof_seed(record.session().end)?;
        proof_requirement_for_claim(
            &record.claim().hash(),
            input.num_compute_units,
            &input.pricing,
            &seed,
            &self.cfg.proof,
        )
        .map_err(DevnetError::ClaimValue)
    }

    /// Whether the claim of `supplier` for the session `session_id` needs a proof, as the
    /// chain will decide at settlement (the seed block must exist: from the proof window's
    /// opening on). A relay miner proves only then.
    pub fn proof_requirement(
        &self,
        session_id: &SessionId,
        supplier: &Address,
    ) -> Result<ProofRequirement, DevnetError> {
        let record = self
            .claims
            .get(session_id, supplier)
            .ok_or(DevnetError::UnknownClaim {
                session_id: *session_id,
                supplier: *supplier,
            })?;
        let input = self.claim_input(record)?;
        Ok(self.requirement(record, &input)?.requirement)
    }

    /// Settles the claims whose settlement height is the current height.
    pub(crate) fn settle_ripe(&mut self) -> Result<(), DevnetError> {
        let height = self.height();
        // Nothing changes until settlement succeeds: the claims are forgotten, and the ledger
        // operations applied, only then.
        let ripe: Vec<ClaimRecord> = self.claims.ripe(height).cloned().collect();
        let Some(first) = ripe.first() else {
            return Ok(());
        };
        // One settlement height, one session end: pending sessions from the params there.
        let num_pending_sessions = self.num_pending_sessions(first.session().end);
        let mut inputs = Vec::with_capacity(ripe.len());
        let mut requirements = Vec::with_capacity(ripe.len());
        let mut expiry = Expiry {
            proof_missing_penalty: self.cfg.proof.proof_missing_penalty,
            supplier_min_stake: self.cfg.supplier_min_stake,
            ..Expiry::default()
        };
        for record in &ripe {
            let input = self.claim_input(record)?;
            let requirement = self.requirement(record, &input)?.requirement;
            let failure = match record.proof() {
                None => Some(ProofFailure::Missing),
                Some(Err(_)) => Some(ProofFailure::Invalid),
                Some(Ok(_)) => None,
            };
            if let Some(f) = failure.filter(|_| requirement.is_required()) {
                expiry.failed_proofs.insert(inputs.len(), f);
            }
            let stake = self.staking.supplier(record.supplier())?.stake;
            expiry.supplier_stakes.insert(*record.supplier(), stake);
            requirements.push(requirement);
            inputs.push(input);
        }
        let apps = self
            .staking
            .application_stakes()
            .map(|(a, stake)| {
                (
                    *a,
                    AppAccount {
                        stake,
                        per_session_spend_limit: None,
                    },
                )
            })
            .collect();
        let out = settle_block(&BlockInput {
            claims: &inputs,
            apps,
            num_pending_sessions,
            params: &self.cfg.tokenomics,
            proposer: Self::proposer(),
            application_min_stake: self.cfg.application_min_stake,
            expiry,
        })
        .map_err(DevnetError::Settle)?;
        // All or none: the operations are applied to a copy, which replaces the ledger.
        let mut ledger = self.ledger.clone();
        for op in out.ops() {
            ledger.apply(op)?;
        }
        let next_start = self.next_session_start(height)?;
        self.ledger = ledger;
        self.claims.remove_ripe(height);
        for (a, stake) in out.app_stakes() {
            self.staking.set_application_stake(a, *stake);
        }
        for (s, stake) in out.supplier_stakes() {
            self.staking.set_supplier_stake(s, *stake);
        }
        // Difficulty: the relays of the settled claims, per service.
        let mut mined: BTreeMap<ServiceId, u64> = BTreeMap::new();
        for ((input, outcome), requirement) in inputs.iter().zip(out.outcomes()).zip(requirements) {
            self.events.push(DevnetEvent::Settled {
                supplier: input.supplier_operator,
                session_id: input.session_id,
                requirement,
                outcome: *outcome,
            });
            if let Outcome::Settled { .. } = outcome {
                let relays = mined.entry(input.service_id.clone()).or_default();
                *relays = relays.saturating_add(input.num_relays);
            }
        }
        for (service, relays) in mined {
            let target_num = self
                .staking
                .service(&service)
                .map_or(1, |d| d.target_num_relays);
            if let Some(new) = self
                .difficulty
                .update(&service, height, next_start, relays, target_num)
            {
                self.events.push(DevnetEvent::DifficultyUpdated {
                    service,
                    target: new.target_hash,
                    from_height: next_start,
                });
            }
        }
        Ok(())
    }
}
