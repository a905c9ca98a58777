//! Transaction execution: gas, refusals with their Cosmos codes, the ante checks every
//! transaction passes, and DeliverTx running a transaction's messages against the devnet.
//! [CHAIN-DEVNET-2]

use pokt_crypto::VerifyingKey;
use pokt_devnet::Devnet;
use pokt_primitives::{Address, BlockHeight, ServiceId, Upokt};

use crate::tx::{DENOM, DecodedTx, TxDecodeError, TxMsg};

use super::{Event, Node, TxRecord, devnet_event};

/// Gas every transaction costs before its messages (the ante handler's work).
pub const GAS_BASE: u64 = 40_000;
/// Gas per transaction byte (the SDK's `TxSizeCostPerByte`).
pub const GAS_PER_BYTE: u64 = 10;
/// Gas per `MsgCreateClaim`.
pub const GAS_PER_CLAIM: u64 = 30_000;
/// Gas per `MsgSubmitProof`.
pub const GAS_PER_PROOF: u64 = 80_000;

/// The devnet's gas for a transaction: base + bytes + messages. Simulation reports it; a gas
/// limit below it is refused with "out of gas". [CHAIN-DEVNET-2]
pub fn gas_needed(tx: &DecodedTx) -> u64 {
    let per_msg: u64 = tx
        .msgs
        .iter()
        .map(|m| match m {
            TxMsg::CreateClaim(_) => GAS_PER_CLAIM,
            TxMsg::SubmitProof(_) => GAS_PER_PROOF,
        })
        .fold(0u64, u64::saturating_add);
    GAS_BASE
        .saturating_add(GAS_PER_BYTE.saturating_mul(u64::try_from(tx.size).unwrap_or(u64::MAX)))
        .saturating_add(per_msg)
}

/// Codespace of the SDK's own errors.
pub const SDK: &str = "sdk";
/// Codespace of the proof module.
pub const PROOF: &str = "proof";

/// A Cosmos-style refusal: codespace, code and log. Codes of the `sdk` codespace are the SDK's
/// (`types/errors`); those of `proof` are poktroll's x/proof codes. [CHAIN-DEVNET-3]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// `sdk` or `proof`.
    pub codespace: &'static str,
    /// Non-zero code.
    pub code: u32,
    /// What went wrong.
    pub log: String,
}

pub(super) fn refuse(codespace: &'static str, code: u32, log: impl Into<String>) -> Refusal {
    Refusal {
        codespace,
        code,
        log: log.into(),
    }
}

impl From<TxDecodeError> for Refusal {
    fn from(e: TxDecodeError) -> Self {
        match e {
            TxDecodeError::TooLarge { .. } => refuse(SDK, 21, format!("{e}: tx too large")),
            TxDecodeError::UnknownMessage => refuse(SDK, 6, format!("{e}: unknown request")),
            TxDecodeError::PublicKey => refuse(SDK, 8, format!("{e}: invalid pubkey")),
            TxDecodeError::Fee => refuse(SDK, 10, format!("{e}: invalid coins")),
            TxDecodeError::Unsupported(_) => {
                refuse(SDK, 31, format!("{e}: unknown extension options"))
            }
            TxDecodeError::Signers | TxDecodeError::SignatureCount(_) => {
                refuse(SDK, 4, format!("{e}: unauthorized"))
            }
            _ => refuse(SDK, 2, format!("{e}: tx parse error")),
        }
    }
}

impl Node {
    pub(super) fn ante(
        &self,
        tx: &DecodedTx,
        expected: u64,
        verify: bool,
    ) -> Result<(Address, VerifyingKey, u64), Refusal> {
        if tx.body.memo.len() > self.rules.max_memo_bytes {
            return Err(refuse(
                SDK,
                12,
                format!(
                    "maximum number of characters is {} but received {} characters: memo too large",
                    self.rules.max_memo_bytes,
                    tx.body.memo.len()
                ),
            ));
        }
        let next = self.height().saturating_add(1);
        if tx.body.timeout_height != 0
            && i64::try_from(tx.body.timeout_height).unwrap_or(i64::MAX) < next
        {
            return Err(refuse(
                SDK,
                30,
                format!(
                    "block height: {next}, timeout height: {}: tx timeout height",
                    tx.body.timeout_height
                ),
            ));
        }
        let signer: Address = tx
            .signer
            .parse()
            .map_err(|_| refuse(SDK, 7, "invalid signer address: invalid address"))?;
        let acc = self.accounts.get(&signer).ok_or_else(|| {
            refuse(
                SDK,
                9,
                format!("account {signer} not found: unknown address"),
            )
        })?;
        let key = match (tx.public_key, acc.public_key) {
            (Some(k), Some(on_chain)) if k != on_chain => {
                return Err(refuse(
                    SDK,
                    8,
                    "public key differs from the account's: invalid pubkey",
                ));
            }
            (Some(k), _) => k,
            (None, Some(k)) => k,
            (None, None) => {
                return Err(refuse(
                    SDK,
                    8,
                    "pubkey on account is not set: invalid pubkey",
                ));
            }
        };
        if key.address() != signer {
            return Err(refuse(
                SDK,
                8,
                "pubKey does not match signer address: invalid pubkey",
            ));
        }
        let needed = gas_needed(tx);
        if tx.gas_limit < needed {
            return Err(refuse(
                SDK,
                11,
                format!(
                    "out of gas; gasWanted: {}, gasUsed: {needed}: out of gas",
                    tx.gas_limit
                ),
            ));
        }
        if verify {
            let required = self
                .min_gas_price
                .mul_ceil(tx.gas_limit)
                .unwrap_or(u64::MAX);
            if tx.fee_upokt < required {
                return Err(refuse(
                    SDK,
                    13,
                    format!(
                        "insufficient fees; got: {}{DENOM} required: {required}{DENOM}: insufficient fee",
                        tx.fee_upokt
                    ),
                ));
            }
            if self.devnet.balance(&signer) < Upokt::new(tx.fee_upokt) {
                return Err(refuse(
                    SDK,
                    5,
                    format!(
                        "{}{DENOM} is smaller than {}{DENOM}: insufficient funds",
                        self.devnet.balance(&signer).get(),
                        tx.fee_upokt
                    ),
                ));
            }
        }
        if tx.sequence != expected {
            return Err(refuse(
                SDK,
                32,
                format!(
                    "account sequence mismatch, expected {expected}, got {}: incorrect account sequence",
                    tx.sequence
                ),
            ));
        }
        if verify && tx.verify(&key, &self.genesis.chain_id, acc.number).is_err() {
            return Err(refuse(
                SDK,
                4,
                format!(
                    "signature verification failed; please verify account number ({}), sequence ({}) and chain-id ({}): unauthorized",
                    acc.number, acc.sequence, self.genesis.chain_id
                ),
            ));
        }
        Ok((signer, key, needed))
    }

    pub(super) fn check_sequence(&self, addr: &Address) -> u64 {
        self.check_sequences
            .get(addr)
            .copied()
            .or_else(|| self.accounts.get(addr).map(|a| a.sequence))
            .unwrap_or(0)
    }

    /// DeliverTx at `height`: the ante checks against the committed state (nothing changes when
    /// they fail); then the fee goes to the proposer, the sequence advances and the public key is
    /// recorded whatever the messages do; the messages run all or nothing. [CHAIN-DEVNET-2]
    pub(super) fn deliver(
        &mut self,
        tx: &DecodedTx,
        bytes: Vec<u8>,
        height: i64,
        index: u32,
    ) -> TxRecord {
        let mut record = TxRecord {
            hash: tx.hash,
            height,
            index,
            refusal: None,
            gas_wanted: tx.gas_limit,
            gas_used: 0,
            events: Vec::new(),
            bytes,
        };
        let expected = tx
            .signer
            .parse::<Address>()
            .ok()
            .and_then(|a| self.accounts.get(&a))
            .map_or(0, |a| a.sequence);
        let (signer, key, needed) = match self.ante(tx, expected, true) {
            Ok(x) => x,
            Err(r) => {
                record.refusal = Some(r);
                return record;
            }
        };
        record.gas_used = needed;
        if tx.fee_upokt > 0
            && let Err(e) =
                self.devnet
                    .transfer(&signer, &Devnet::proposer(), Upokt::new(tx.fee_upokt))
        {
            record.refusal = Some(refuse(SDK, 5, format!("{e}: insufficient funds")));
            return record;
        }
        if let Some(acc) = self.accounts.get_mut(&signer) {
            acc.sequence = acc.sequence.saturating_add(1);
            acc.public_key = Some(key);
        }
        let snapshot = (tx.msgs.len() > 1).then(|| self.devnet.clone());
        for m in &tx.msgs {
            match self.execute(m) {
                Ok(events) => record.events.extend(events),
                Err(r) => {
                    if let Some(s) = snapshot {
                        self.devnet = s;
                    }
                    record.events.clear();
                    record.refusal = Some(r);
                    return record;
                }
            }
        }
        record
    }

    /// Runs one message at the current height. A single message that fails leaves the devnet as
    /// it was (the devnet checks before it writes).
    fn execute(&mut self, m: &TxMsg) -> Result<Vec<Event>, Refusal> {
        let height = BlockHeight::new(self.height());
        let header = m
            .session_header()
            .ok_or_else(|| refuse(PROOF, 1115, "session header is nil: invalid session header"))?;
        let app: Address = header
            .application_address
            .parse()
            .map_err(|_| refuse(PROOF, 1101, "invalid application address: invalid address"))?;
        let service = ServiceId::new(&header.service_id).map_err(|_| {
            refuse(
                PROOF,
                1103,
                "invalid service id: invalid service in supplier",
            )
        })?;
        if self.devnet.service(&service).is_none() {
            return Err(refuse(PROOF, 1125, format!("service {service} not found")));
        }
        let session = self
            .devnet
            .session(
                &app,
                &service,
                BlockHeight::new(header.session_start_block_height),
            )
            .map_err(|e| refuse(PROOF, 1115, format!("{e}: invalid session header")))?;
        if session.header.to_wire() != *header {
            return Err(refuse(
                PROOF,
                1115,
                "session header differs from the chain's session: invalid session header",
            ));
        }
        let supplier: Address = m.signer().parse().map_err(|_| {
            refuse(
                PROOF,
                1101,
                "invalid supplier operator address: invalid address",
            )
        })?;
        if !session.suppliers.contains(&supplier) {
            return Err(refuse(
                PROOF,
                1123,
                "supplier operator is not in the session: supplier operator address does not match the claim or proof",
            ));
        }
        let windows = self
            .devnet
            .windows(session.header.end)
            .map_err(|e| refuse(PROOF, 1117, format!("{e}: invalid session end height")))?;
        let before = self.devnet.events().len();
        match m {
            TxMsg::CreateClaim(c) => {
                if !windows.claim_open_at(height) {
                    return Err(refuse(
                        PROOF,
                        1121,
                        format!(
                            "current height {height}, claim window {}..={}: claim attempted outside of the session's claim window",
                            windows.earliest_claim_commit, windows.claim_window_close
                        ),
                    ));
                }
                self.devnet
                    .submit_claim(c)
                    .map_err(|e| refuse(PROOF, 1104, format!("{e}: invalid root hash")))?;
            }
            TxMsg::SubmitProof(p) => {
                if !windows.proof_open_at(height) {
                    return Err(refuse(
                        PROOF,
                        1122,
                        format!(
                            "current height {height}, proof window {}..={}: proof attempted outside of the session's proof window",
                            windows.earliest_proof_commit, windows.proof_window_close
                        ),
                    ));
                }
                if self
                    .devnet
                    .claim(&session.header.session_id, &supplier)
                    .is_none()
                {
                    return Err(refuse(
                        PROOF,
                        1106,
                        "no claim for the session and supplier: claim not found",
                    ));
                }
                // A proof that fails validation is recorded (the claim will expire if a proof is
                // required), as poktroll records it and judges it at settlement: the transaction
                // succeeds with the verdict in its event.
                if let Err(e) = self.devnet.submit_proof(p)
                    && self.devnet.events().len() == before
                {
                    return Err(refuse(PROOF, 1108, format!("{e}: invalid proof")));
                }
            }
        }
        Ok(self
            .devnet
            .events()
            .get(before..)
            .unwrap_or(&[])
            .iter()
            .filter_map(devnet_event)
            .collect())
    }

    // ----- queries (answers as the wire messages) -----
}
