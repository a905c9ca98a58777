//! Settlement at one height: required proofs (honest suppliers prove; a fake claim cannot, and
//! expires with the penalty), pokt-tokenomics' `settle_block` on the rest, the token flows by
//! actor, and each service's difficulty update from its settled relays.

use std::collections::BTreeMap;

use pokt_mining::{EstimatedRelayEma, MinedRelayEma};
use pokt_primitives::BlockHeight;
use pokt_tokenomics::{
    Actor, BlockInput, ClaimInput, LedgerOp, Outcome, Reason, Upokt, proof_penalty, settle_block,
};

use crate::engine::{PendingClaim, Simulation};
use crate::error::SimError;
use crate::mining::address_of;
use crate::report::{FlowRow, Flows};
use crate::scenario::ControllerKind;

fn add(total: &mut Upokt, amount: Upokt) -> Result<(), SimError> {
    *total = total.checked_add(amount).ok_or(SimError::AmountOverflow)?;
    Ok(())
}

/// The flows of a block's ledger operations, by actor.
fn flows_of(ops: &[LedgerOp], flows: &mut Flows) -> Result<(), SimError> {
    for op in ops {
        let amount = op.amount();
        match *op {
            LedgerOp::Burn {
                reason: Reason::RelayBurn,
                ..
            } => add(&mut flows.application_burned, amount)?,
            LedgerOp::Mint { .. } => add(&mut flows.minted, amount)?,
            LedgerOp::Transfer {
                reason: Reason::ReimbursementRequest,
                ..
            } => add(&mut flows.application_reimbursed, amount)?,
            LedgerOp::Transfer {
                reason: Reason::RelayMintShare(actor) | Reason::GlobalMintShare(actor),
                ..
            } => match actor {
                Actor::Supplier => add(&mut flows.supplier, amount)?,
                Actor::SourceOwner => add(&mut flows.source_owner, amount)?,
                Actor::Proposer => add(&mut flows.proposer, amount)?,
                Actor::Dao => add(&mut flows.dao, amount)?,
                Actor::Application => add(&mut flows.application_share, amount)?,
            },
            _ => {}
        }
    }
    Ok(())
}

impl Simulation {
    /// Settles the claims whose settlement height is `height`.
    pub(crate) fn settle_at(&mut self, height: BlockHeight) -> Result<(), SimError> {
        let claims = self.pending.remove(&height).unwrap_or_default();
        let session = claims.first().map_or(0, |c| c.session);
        let mut flows = Flows::default();
        // Claims needing a proof: honest suppliers prove; a fake claim cannot.
        let mut ripe: Vec<&PendingClaim> = Vec::new();
        for c in &claims {
            if c.required {
                self.report.proofs_required += 1;
            }
            if c.required && c.fake_relays > 0 {
                self.report.claims_expired += 1;
                self.report.adversary.caught += 1;
                let stake = self.supplier_stakes[c.supplier];
                let left = proof_penalty(
                    stake,
                    Upokt::new(self.sc.proof.missing_penalty_upokt),
                    Upokt::new(self.sc.suppliers.min_stake_upokt),
                )
                .remaining_stake;
                let paid = stake.checked_sub(left).ok_or(SimError::AmountOverflow)?;
                self.supplier_stakes[c.supplier] = left;
                add(&mut flows.penalties, paid)?;
                add(&mut self.report.adversary.penalties_upokt, paid)?;
            } else {
                ripe.push(c);
            }
        }
        let inputs: Vec<ClaimInput> = ripe.iter().map(|c| c.input.clone()).collect();
        let params = &self.world.params;
        let out = settle_block(&BlockInput {
            claims: &inputs,
            apps: self.app_stakes.clone(),
            num_pending_sessions: self.world.num_pending,
            params,
            proposer: address_of("proposer", 0),
            application_min_stake: Upokt::ZERO,
            expiry: Default::default(),
        })
        .map_err(SimError::Settle)?;
        for (app, stake) in out.app_stakes() {
            if let Some(acc) = self.app_stakes.get_mut(app) {
                acc.stake = *stake;
            }
        }
        flows_of(out.ops(), &mut flows)?;
        // Per-claim outcomes; relays of settled claims drive the difficulty per service.
        let mut settled_relays: BTreeMap<usize, u64> = BTreeMap::new();
        for (c, o) in ripe.iter().zip(out.outcomes()) {
            match o {
                Outcome::Settled { settled, .. } => {
                    self.report.claims_settled += 1;
                    *settled_relays.entry(c.service).or_insert(0) += c.input.num_relays;
                    if c.fake_relays > 0 {
                        // The fake share of the supplier's payment.
                        let share = u64::try_from(
                            u128::from(settled.get()) * u128::from(c.fake_relays)
                                / u128::from(c.input.num_relays.max(1)),
                        )
                        .map_err(|_| SimError::AmountOverflow)?;
                        let supplier_part = params
                            .mint_equals_burn_distribution
                            .supplier
                            .mul_floor(params.mint_ratio.mul_floor(share).unwrap_or(0))
                            .unwrap_or(0);
                        let supplier_part = Upokt::new(supplier_part);
                        add(&mut self.report.adversary.earned_upokt, supplier_part)?;
                        self.fake_rewards.push(supplier_part);
                    }
                }
                Outcome::Discarded(_) => self.report.claims_discarded += 1,
                // Expired claims are handled above and never passed in (`expiry` is empty).
                Outcome::Expired { .. } => {}
            }
        }
        let next_start = self
            .world
            .grid
            .end(height)
            .checked_next()
            .ok_or(SimError::HeightOverflow)?;
        for (svc, mined) in settled_relays {
            let target = self.sc.services[svc].target_num_relays;
            let h = &mut self.histories[svc];
            let r = match self.sc.controller {
                ControllerKind::Poktroll => {
                    h.update(&MinedRelayEma, height, next_start, mined, target)
                }
                ControllerKind::Paper => {
                    h.update(&EstimatedRelayEma, height, next_start, mined, target)
                }
            };
            r.ok_or(SimError::EmaZero)?;
        }
        self.report.flows = self
            .report
            .flows
            .checked_add(&flows)
            .ok_or(SimError::AmountOverflow)?;
        self.report.flow_rows.push(FlowRow {
            session,
            height,
            flows,
        });
        Ok(())
    }
}
