//! What a run reports: the time series per session and service, the token flows per
//! settlement block, claim counts and the fake claimers' economics.

use pokt_primitives::{BlockHeight, Upokt};

/// One row of the time series: a service in a session.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// Session index (0-based).
    pub session: u64,
    /// The session's first block.
    pub start_height: BlockHeight,
    /// Service id.
    pub service: String,
    /// Relays served by honest suppliers.
    pub relays_served: u64,
    /// Relays mined (volume-applicable) by honest suppliers.
    pub relays_mined: u64,
    /// Relays in claims (honest and fake).
    pub relays_claimed: u64,
    /// Estimated relays: mined ÷ probability.
    pub relays_estimated: f64,
    /// Probability that a relay is mined in this session.
    pub probability: f64,
    /// The EMA of the difficulty in force.
    pub ema: u64,
    /// target_num_relays.
    pub target_num_relays: u64,
    /// (mined − target) / target for this session (one settlement block per session).
    pub target_error: f64,
    /// (estimated − served) / served.
    pub estimation_error: f64,
}

/// Tokens per actor kind over the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flows {
    /// Burned from application stakes (settlements).
    pub application_burned: Upokt,
    /// Paid by applications to the DAO (reimbursement requests).
    pub application_reimbursed: Upokt,
    /// Minted in total.
    pub minted: Upokt,
    /// To suppliers (their revenue shareholders).
    pub supplier: Upokt,
    /// To source owners (service owners).
    pub source_owner: Upokt,
    /// To the block proposer.
    pub proposer: Upokt,
    /// To the DAO (shares and remainders).
    pub dao: Upokt,
    /// To applications (their share, if any).
    pub application_share: Upokt,
    /// Burned from supplier stakes as proof penalties.
    pub penalties: Upokt,
}

/// One settlement block's flows (for the token-flow time series).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowRow {
    /// Session index whose claims settled.
    pub session: u64,
    /// Settlement height.
    pub height: BlockHeight,
    /// The flows of that block.
    pub flows: Flows,
}

/// What the fake-claiming suppliers did and earned.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AdversaryReport {
    /// Fake claims made.
    pub fake_claims: u64,
    /// Of which a proof was required (and failed).
    pub caught: u64,
    /// uPOKT earned from fake claims that settled.
    pub earned_upokt: Upokt,
    /// uPOKT of penalties paid.
    pub penalties_upokt: Upokt,
    /// The penalty above which faking is unprofitable: S = R(1−p)/p, R the mean reward of a fake
    /// claim, p the probability a fake claim is caught (the proof request probability below the
    /// threshold).
    pub break_even_penalty_upokt: f64,
    /// The configured penalty.
    pub configured_penalty_upokt: Upokt,
}

/// The result of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Scenario name.
    pub name: String,
    /// Controller used.
    pub controller: String,
    /// Per session and service.
    pub rows: Vec<Row>,
    /// Per settlement block.
    pub flow_rows: Vec<FlowRow>,
    /// Totals.
    pub flows: Flows,
    /// Claims settled, expired (missing proof) and discarded.
    pub claims_settled: u64,
    /// Claims whose required proof was missing.
    pub claims_expired: u64,
    /// Claims discarded by settlement.
    pub claims_discarded: u64,
    /// Proofs required (threshold or probabilistic).
    pub proofs_required: u64,
    /// Fake-claim economics.
    pub adversary: AdversaryReport,
    /// Relays hashed one by one (exact mode) vs drawn (sampled mode).
    pub relays_exact: u64,
    /// Relays whose mined count was drawn.
    pub relays_sampled: u64,
    /// Claims whose root came from a real session tree (exact mode) and whose proof requirement
    /// was drawn from the real claim's hash.
    pub claims_with_tree_roots: u64,
}

impl Flows {
    /// Adds another block's flows to these totals (refused past `Upokt::MAX`).
    pub fn checked_add(&self, o: &Self) -> Option<Self> {
        Some(Self {
            application_burned: self.application_burned.checked_add(o.application_burned)?,
            application_reimbursed: self
                .application_reimbursed
                .checked_add(o.application_reimbursed)?,
            minted: self.minted.checked_add(o.minted)?,
            supplier: self.supplier.checked_add(o.supplier)?,
            source_owner: self.source_owner.checked_add(o.source_owner)?,
            proposer: self.proposer.checked_add(o.proposer)?,
            dao: self.dao.checked_add(o.dao)?,
            application_share: self.application_share.checked_add(o.application_share)?,
            penalties: self.penalties.checked_add(o.penalties)?,
        })
    }
}
