//! ABCI events: the devnet's events as the typed events poktroll emits (attribute values
//! JSON-encoded, as the SDK writes them). [CHAIN-DEVNET-1]

use pokt_devnet::DevnetEvent;

use crate::proto::cosmos as pc;
use crate::tx::DENOM;

/// An ABCI event: a type and attributes (values JSON-encoded, as the SDK writes typed events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Event type, e.g. `pocket.proof.EventClaimCreated`.
    pub kind: String,
    /// (key, value) pairs.
    pub attributes: Vec<(String, String)>,
}

impl Event {
    fn new(kind: &str, attrs: &[(&str, String)]) -> Self {
        Self {
            kind: kind.into(),
            attributes: attrs
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        }
    }

    /// An attribute's value.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// As `tendermint.abci.Event`.
    pub fn to_proto(&self) -> pc::AbciEvent {
        pc::AbciEvent {
            r#type: self.kind.clone(),
            attributes: self
                .attributes
                .iter()
                .map(|(k, v)| pc::AbciEventAttribute {
                    key: k.clone(),
                    value: v.clone(),
                    index: true,
                })
                .collect(),
        }
    }
}

fn quoted(s: &str) -> String {
    serde_json::Value::String(s.into()).to_string()
}

/// The events of the devnet, typed as poktroll's (`pocket.proof.EventClaimCreated`, …); `None`
/// for a kind of event poktroll has no counterpart for.
pub(super) fn devnet_event(e: &DevnetEvent) -> Option<Event> {
    Some(match e {
        DevnetEvent::ClaimCreated {
            supplier,
            session_id,
            num_relays,
            num_compute_units,
        } => Event::new(
            "pocket.proof.EventClaimCreated",
            &[
                ("supplier_operator_address", quoted(supplier.as_str())),
                ("session_id", quoted(&session_id.to_hex())),
                ("num_relays", quoted(&num_relays.to_string())),
                (
                    "num_claimed_compute_units",
                    quoted(&num_compute_units.get().to_string()),
                ),
            ],
        ),
        DevnetEvent::ProofValidated {
            supplier,
            session_id,
            weight,
        } => Event::new(
            "pocket.proof.EventProofSubmitted",
            &[
                ("supplier_operator_address", quoted(supplier.as_str())),
                ("session_id", quoted(&session_id.to_hex())),
                ("proof_validation_status", quoted("VALIDATED")),
                ("weight", quoted(&weight.get().to_string())),
            ],
        ),
        DevnetEvent::ProofRejected {
            supplier,
            session_id,
            reason,
        } => Event::new(
            "pocket.proof.EventProofSubmitted",
            &[
                ("supplier_operator_address", quoted(supplier.as_str())),
                ("session_id", quoted(&session_id.to_hex())),
                ("proof_validation_status", quoted("INVALID")),
                ("failure_reason", quoted(&reason.to_string())),
            ],
        ),
        DevnetEvent::Settled {
            supplier,
            session_id,
            requirement,
            outcome,
        } => {
            let req = match requirement {
                pokt_mining::ProofRequirement::Threshold => "THRESHOLD",
                pokt_mining::ProofRequirement::Probabilistic => "PROBABILISTIC",
                pokt_mining::ProofRequirement::NotRequired => "NOT_REQUIRED",
            };
            let mut attrs = vec![
                ("supplier_operator_address", quoted(supplier.as_str())),
                ("session_id", quoted(&session_id.to_hex())),
                ("proof_requirement", quoted(req)),
            ];
            let kind = match outcome {
                pokt_tokenomics::Outcome::Settled { claimed, settled } => {
                    attrs.push((
                        "claimed_upokt",
                        quoted(&format!("{}{DENOM}", claimed.digits())),
                    ));
                    attrs.push((
                        "settled_upokt",
                        quoted(&format!("{}{DENOM}", settled.get())),
                    ));
                    "pocket.tokenomics.EventClaimSettled"
                }
                pokt_tokenomics::Outcome::Discarded(r) => {
                    attrs.push(("discard_reason", quoted(&format!("{r:?}"))));
                    "pocket.tokenomics.EventClaimDiscarded"
                }
                pokt_tokenomics::Outcome::Expired { failure, penalty } => {
                    attrs.push(("expiration_reason", quoted(&format!("{failure:?}"))));
                    attrs.push(("penalty", quoted(&format!("{}{DENOM}", penalty.get()))));
                    "pocket.tokenomics.EventClaimExpired"
                }
            };
            Event::new(kind, &attrs)
        }
        DevnetEvent::DifficultyUpdated {
            service,
            target,
            from_height,
        } => Event::new(
            "pocket.service.EventRelayMiningDifficultyUpdated",
            &[
                ("service_id", quoted(service.as_str())),
                ("new_target_hash", quoted(&target.to_hex())),
                ("effective_height", quoted(&from_height.to_string())),
            ],
        ),
        // The devnet's events are non-exhaustive; one it adds later has no poktroll event yet.
        _ => return None,
    })
}
