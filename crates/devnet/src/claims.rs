//! Claims and proofs: a claim is accepted when its header is the chain's session, its supplier
//! is in it, the height is in the claim window, its root passes the claim checks and no claim
//! exists for (session, supplier); a proof is validated in the chain's order under the
//! configured [`ProofPolicy`](crate::ProofPolicy) and its verdict recorded for settlement.
//! [DEVNET-1]

use std::collections::BTreeMap;

use pokt_mining::{
    ClaimError, MeteringError, ProofContext, ProofError, check_token_metered_weight,
    validate_claim, validate_claim_token_metered, validate_proof, validate_proof_go_compatible,
};
use pokt_primitives::{
    Address, AddressError, BlockHeight, Claim, ClaimProofStatus, ComputeUnits, MsgCreateClaim,
    MsgSubmitProof, ServiceIdError, SessionId,
};
use pokt_session::{Session, SessionHeader, Windows};
use pokt_smst::Root;

use crate::{Devnet, DevnetError, DevnetEvent, ProofPolicy, ServiceDef};

/// Why a claim or proof message does not name the chain's session for its supplier.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageRefusal {
    /// The supplier operator address is not an address.
    #[error("supplier address: {0}")]
    SupplierAddress(AddressError),
    /// The message carries no session header.
    #[error("no session header")]
    NoSessionHeader,
    /// The header's application address is not an address.
    #[error("application address: {0}")]
    ApplicationAddress(AddressError),
    /// The header's service id is not a service id.
    #[error("service id: {0}")]
    ServiceId(ServiceIdError),
    /// The header is not the chain's session for its application, service and start.
    #[error("session header differs from the chain's")]
    HeaderMismatch,
    /// The supplier is not one of the session's suppliers.
    #[error("supplier {supplier} is not in the session")]
    SupplierNotInSession {
        /// The supplier operator.
        supplier: Address,
    },
}

/// Why a claim is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimRefusal {
    /// The root fails the claim checks, or the height is outside the claim window.
    #[error("{0}")]
    Invalid(ClaimError),
    /// The supplier already claimed this session.
    #[error("already claimed")]
    AlreadyClaimed,
}

/// Why a proof was rejected: recorded on the claim (which expires if a proof is required) and
/// reported as [`DevnetEvent::ProofRejected`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofRejection {
    /// A step of the chain's proof validation failed.
    #[error("{0} ({step})", step = .0.step())]
    Invalid(ProofError),
    /// The proof is valid but the revealed relay's weight is not its signed usage's price
    /// (token-metered services, LLM-METER-2).
    #[error("{0} (metering)")]
    Metering(MeteringError),
}

impl ProofRejection {
    /// The failed step: the chain's validation step id (`"A1"` … `"B6"`, see
    /// [`ProofError::step`]) or `"metering"`.
    pub fn step(&self) -> &'static str {
        match self {
            Self::Invalid(e) => e.step(),
            Self::Metering(_) => "metering",
        }
    }
}

/// Why a proof is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofRefusal {
    /// The claim already has a proof (validated or rejected).
    #[error("already proven")]
    AlreadyProven,
    /// Step A3: outside the proof window (refused and not recorded, so it can be submitted
    /// again in the window).
    #[error("height {height} is outside the proof window [{open}, {close}]")]
    OutsideWindow {
        /// The current height.
        height: BlockHeight,
        /// The earliest proof commit height.
        open: BlockHeight,
        /// The proof window's close (inclusive).
        close: BlockHeight,
    },
    /// The proof failed validation; recorded.
    #[error("{0}")]
    Rejected(ProofRejection),
}

/// A claim the chain holds until its settlement block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimRecord {
    claim: Claim,
    session: SessionHeader,
    supplier: Address,
    root: Root,
    windows: Windows,
    height: BlockHeight,
    proof: Option<Result<ComputeUnits, ProofRejection>>,
}

impl ClaimRecord {
    /// The claim as stored (its bytes are the claim hash's preimage).
    pub fn claim(&self) -> &Claim {
        &self.claim
    }

    /// The claim's session.
    pub fn session(&self) -> &SessionHeader {
        &self.session
    }

    /// The supplier operator.
    pub fn supplier(&self) -> &Address {
        &self.supplier
    }

    /// Relays in the claim (the root's count).
    pub fn num_relays(&self) -> u64 {
        self.root.count()
    }

    /// Compute units in the claim (the root's sum).
    pub fn num_compute_units(&self) -> ComputeUnits {
        ComputeUnits::new(self.root.sum())
    }

    /// The session's windows.
    pub fn windows(&self) -> &Windows {
        &self.windows
    }

    /// The height it was accepted at.
    pub fn height(&self) -> BlockHeight {
        self.height
    }

    /// The proof's verdict: `None` until one is submitted, then the revealed leaf's weight or
    /// why it was rejected.
    pub fn proof(&self) -> Option<&Result<ComputeUnits, ProofRejection>> {
        self.proof.as_ref()
    }
}

/// The claims not yet settled, by (session, supplier): the order settlement takes them in.
#[derive(Clone, Debug, Default)]
pub(crate) struct Claims {
    by_key: BTreeMap<(SessionId, Address), ClaimRecord>,
}

impl Claims {
    pub(crate) fn get(&self, session_id: &SessionId, supplier: &Address) -> Option<&ClaimRecord> {
        self.by_key.get(&(*session_id, *supplier))
    }

    /// The claims settled at `height`, in settlement order.
    pub(crate) fn ripe(&self, height: BlockHeight) -> impl Iterator<Item = &ClaimRecord> {
        self.by_key
            .values()
            .filter(move |r| r.windows.settlement_height == height)
    }

    /// Forgets the claims settled at `height`.
    pub(crate) fn remove_ripe(&mut self, height: BlockHeight) {
        self.by_key
            .retain(|_, r| r.windows.settlement_height != height);
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &ClaimRecord> {
        self.by_key.values()
    }
}

fn parse_supplier(address: &str) -> Result<Address, MessageRefusal> {
    address.parse().map_err(MessageRefusal::SupplierAddress)
}

impl Devnet {
    /// The chain's session named by a message's header, with its service.
    fn onchain_session(
        &self,
        header: Option<&pokt_primitives::SessionHeader>,
    ) -> Result<(Session, &ServiceDef), DevnetError> {
        let h = header.ok_or(MessageRefusal::NoSessionHeader)?;
        let app: Address = h
            .application_address
            .parse()
            .map_err(MessageRefusal::ApplicationAddress)?;
        let service = h.service_id.parse().map_err(MessageRefusal::ServiceId)?;
        let def = self.staking.service(&service)?;
        let session = self.session(
            &app,
            &service,
            BlockHeight::new(h.session_start_block_height),
        )?;
        if session.header.to_wire() != *h {
            return Err(MessageRefusal::HeaderMismatch.into());
        }
        Ok((session, def))
    }

    /// Accepts a `MsgCreateClaim` at the current height: the chain's session, the supplier in it,
    /// the claim window, the root checks (the metered ones for a token-priced service), one claim
    /// per (session, supplier).
    pub fn submit_claim(&mut self, msg: &MsgCreateClaim) -> Result<(), DevnetError> {
        let supplier = parse_supplier(&msg.supplier_operator_address)?;
        let (session, def) = self.onchain_session(msg.session_header.as_ref())?;
        if !session.suppliers.contains(&supplier) {
            return Err(MessageRefusal::SupplierNotInSession { supplier }.into());
        }
        let windows = self.windows(session.header.end)?;
        let now = self.height();
        let root = match def.token_pricing {
            Some(_) => validate_claim_token_metered(&msg.root_hash, now, &windows),
            None => validate_claim(&msg.root_hash, def.compute_units_per_relay, now, &windows),
        }
        .map_err(ClaimRefusal::Invalid)?;
        let session_id = session.header.session_id;
        if self.claims.get(&session_id, &supplier).is_some() {
            return Err(ClaimRefusal::AlreadyClaimed.into());
        }
        self.events.push(DevnetEvent::ClaimCreated {
            supplier,
            session_id,
            num_relays: root.count(),
            num_compute_units: ComputeUnits::new(root.sum()),
        });
        let record = ClaimRecord {
            claim: Claim {
                supplier_operator_address: msg.supplier_operator_address.clone(),
                session_header: msg.session_header.clone(),
                root_hash: msg.root_hash.clone(),
                proof_validation_status: ClaimProofStatus::default(),
            },
            session: session.header,
            supplier,
            root,
            windows,
            height: now,
            proof: None,
        };
        self.claims.by_key.insert((session_id, supplier), record);
        Ok(())
    }

    /// Accepts a `MsgSubmitProof` at the current height and validates it in the chain's order
    /// (plus the metering check for a token-priced service); returns the revealed leaf's weight.
    /// A rejected proof is recorded (the claim will expire if a proof is required) and returned
    /// as [`ProofRefusal::Rejected`]; a proof outside its window is refused and not recorded.
    pub fn submit_proof(&mut self, msg: &MsgSubmitProof) -> Result<ComputeUnits, DevnetError> {
        let supplier = parse_supplier(&msg.supplier_operator_address)?;
        let (session, def) = self.onchain_session(msg.session_header.as_ref())?;
        let session_id = session.header.session_id;
        let record = self
            .claims
            .get(&session_id, &supplier)
            .ok_or(DevnetError::UnknownClaim {
                session_id,
                supplier,
            })?;
        if record.proof.is_some() {
            return Err(ProofRefusal::AlreadyProven.into());
        }
        let end = session.header.end;
        let header = session.header.to_wire();
        let target = self.target(&def.id, session.header.start)?;
        let ring = self.ring(&session.header.application, end)?;
        let supplier_key = self
            .supplier_key(&supplier)
            .ok_or(DevnetError::UnknownSupplier(supplier))?;
        let seed = self.proof_seed(end)?;
        let ctx = ProofContext {
            session_header: &header,
            session_suppliers: &session.suppliers,
            height: self.height(),
            windows: &record.windows,
            target: &target,
            claim_root: &record.claim.root_hash,
            ring: &ring,
            supplier_key: &supplier_key,
            seed_block_hash: &seed,
        };
        let validated = match self.cfg.proof_policy {
            ProofPolicy::Strict => validate_proof(msg, &ctx),
            ProofPolicy::GoCompatible => validate_proof_go_compatible(msg, &ctx),
        };
        let verdict = match validated {
            Err(ProofError::OutsideProofWindow {
                height,
                open,
                close,
            }) => {
                return Err(ProofRefusal::OutsideWindow {
                    height,
                    open,
                    close,
                }
                .into());
            }
            Err(e) => Err(ProofRejection::Invalid(e)),
            Ok(v) => match &def.token_pricing {
                Some(p) => check_token_metered_weight(&v, p).map_err(ProofRejection::Metering),
                None => Ok(v.weight()),
            },
        };
        self.events.push(match &verdict {
            Ok(weight) => DevnetEvent::ProofValidated {
                supplier,
                session_id,
                weight: *weight,
            },
            Err(reason) => DevnetEvent::ProofRejected {
                supplier,
                session_id,
                reason: reason.clone(),
            },
        });
        if let Some(r) = self.claims.by_key.get_mut(&(session_id, supplier)) {
            r.proof = Some(verdict.clone());
        }
        verdict.map_err(|e| ProofRefusal::Rejected(e).into())
    }

    /// The claims not yet settled, in settlement order.
    pub fn pending_claims(&self) -> impl Iterator<Item = &ClaimRecord> {
        self.claims.iter()
    }

    /// The claim of `supplier` for the session `session_id`, if the chain holds one (not yet
    /// settled).
    pub fn claim(&self, session_id: &SessionId, supplier: &Address) -> Option<&ClaimRecord> {
        self.claims.get(session_id, supplier)
    }
}
