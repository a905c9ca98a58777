//! The devnet as a node: pokt-devnet's state plus what a Cosmos node adds around it — auth
//! accounts (numbers, sequences, public keys), the ante checks every transaction passes (size,
//! signature over the SignDoc with this chain id and account number, sequence, fee, gas), a
//! mempool with CheckTx semantics, blocks that execute their transactions at their own height
//! before the end-blocker, transaction results and block events — and the answers of the query
//! services, as the wire messages a real node returns. Pure: the caller gives each block's time.
//! [CHAIN-DEVNET-1] [CHAIN-DEVNET-2]

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use pokt_crypto::VerifyingKey;
use pokt_devnet::{Devnet, DevnetError, DevnetEvent};
use pokt_primitives::{Address, BlockHash, BlockHeight, Fraction, ServiceId, Upokt};
use prost::Message as _;

use crate::genesis::{AuthAccount, Genesis, GenesisError, TxRules};
use crate::proto::cosmos as pc;
use crate::proto::pocket as pp;
use crate::tx::{DENOM, DecodedTx, TxDecodeError, TxHash, TxMsg, decode_tx};

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

fn refuse(codespace: &'static str, code: u32, log: impl Into<String>) -> Refusal {
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
fn devnet_event(e: &DevnetEvent) -> Option<Event> {
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

/// The outcome of CheckTx (the answer of `BroadcastTx` in SYNC mode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// The transaction's hash (of the bytes received, even when they do not decode).
    pub hash: TxHash,
    /// `None` when admitted to the mempool.
    pub refusal: Option<Refusal>,
    /// The gas limit.
    pub gas_wanted: u64,
    /// The gas the ante checks need.
    pub gas_used: u64,
}

/// A transaction included in a block, with its result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxRecord {
    /// The hash.
    pub hash: TxHash,
    /// The block height.
    pub height: i64,
    /// Position in the block.
    pub index: u32,
    /// `None` on success.
    pub refusal: Option<Refusal>,
    /// Gas limit.
    pub gas_wanted: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Events.
    pub events: Vec<Event>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl TxRecord {
    /// As `cosmos.base.abci.v1beta1.TxResponse`.
    pub fn to_proto(&self, time: &str) -> pc::TxResponse {
        let (codespace, code, log) = match &self.refusal {
            Some(r) => (r.codespace.to_string(), r.code, r.log.clone()),
            None => (String::new(), 0, String::new()),
        };
        pc::TxResponse {
            height: self.height,
            txhash: self.hash.to_string(),
            codespace,
            code,
            raw_log: log,
            gas_wanted: i64::try_from(self.gas_wanted).unwrap_or(i64::MAX),
            gas_used: i64::try_from(self.gas_used).unwrap_or(i64::MAX),
            timestamp: time.into(),
            events: self.events.iter().map(Event::to_proto).collect(),
            ..pc::TxResponse::default()
        }
    }
}

/// A block as the node keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockRecord {
    /// Height.
    pub height: i64,
    /// The devnet's block hash.
    pub hash: BlockHash,
    /// Unix time in milliseconds.
    pub time_ms: u64,
    /// The transactions included, in order.
    pub txs: Vec<TxHash>,
    /// The end-blocker's events (settlements, difficulty updates).
    pub events: Vec<Event>,
}

/// Why a query could not be answered (maps to a gRPC status).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The object does not exist (gRPC `NOT_FOUND`).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is malformed (gRPC `INVALID_ARGUMENT`).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

impl From<DevnetError> for QueryError {
    fn from(e: DevnetError) -> Self {
        match e {
            DevnetError::UnknownApplication(_) => Self::NotFound("application"),
            DevnetError::UnknownGateway(_) => Self::NotFound("gateway"),
            DevnetError::UnknownSupplier(_) => Self::NotFound("supplier"),
            DevnetError::UnknownService(_) => Self::NotFound("service"),
            DevnetError::UnknownClaim { .. } => Self::NotFound("claim"),
            other => Self::InvalidArgument(other.to_string()),
        }
    }
}

/// Why the node stopped (a ledger invariant of the devnet failed).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("devnet end-blocker failed: {0}")]
pub struct NodeError(pub DevnetError);

/// The devnet node. [CHAIN-DEVNET-1]
#[derive(Clone, Debug)]
pub struct Node {
    genesis: Genesis,
    devnet: Devnet,
    rules: TxRules,
    min_gas_price: Fraction,
    accounts: BTreeMap<Address, AuthAccount>,
    check_sequences: HashMap<Address, u64>,
    mempool: VecDeque<(DecodedTx, Vec<u8>)>,
    in_mempool: HashSet<TxHash>,
    txs: HashMap<TxHash, TxRecord>,
    /// Block 1.
    first: BlockRecord,
    /// Blocks 2, 3, ….
    blocks: Vec<BlockRecord>,
}

fn coin(amount: u64) -> pc::Coin {
    pc::Coin {
        denom: DENOM.into(),
        amount: amount.to_string(),
    }
}

impl Node {
    /// A node at height 1 from a genesis; block 1 gets the genesis time.
    pub fn new(genesis: Genesis) -> Result<Self, GenesisError> {
        let state = genesis.build()?;
        let min_gas_price = genesis.min_gas_price()?;
        let hash = state
            .devnet
            .block_hash(BlockHeight::new(1))
            .ok_or(GenesisError::Field {
                field: "seed",
                reason: "no genesis block",
            })?;
        Ok(Self {
            rules: genesis.tx.clone(),
            first: BlockRecord {
                height: 1,
                hash,
                time_ms: genesis.genesis_time.saturating_mul(1000),
                txs: Vec::new(),
                events: Vec::new(),
            },
            blocks: Vec::new(),
            genesis,
            devnet: state.devnet,
            min_gas_price,
            accounts: state.accounts,
            check_sequences: HashMap::new(),
            mempool: VecDeque::new(),
            in_mempool: HashSet::new(),
            txs: HashMap::new(),
        })
    }

    /// The genesis.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The chain id.
    pub fn chain_id(&self) -> &str {
        &self.genesis.chain_id
    }

    /// The devnet's state (read-only).
    pub fn devnet(&self) -> &Devnet {
        &self.devnet
    }

    /// The latest height.
    pub fn height(&self) -> i64 {
        self.devnet.height().get()
    }

    /// A block.
    pub fn block(&self, height: i64) -> Option<&BlockRecord> {
        if height == 1 {
            return Some(&self.first);
        }
        let i = usize::try_from(height.checked_sub(2)?).ok()?;
        self.blocks.get(i)
    }

    /// The latest block.
    pub fn latest(&self) -> &BlockRecord {
        self.blocks.last().unwrap_or(&self.first)
    }

    /// An included transaction.
    pub fn tx(&self, hash: &TxHash) -> Option<&TxRecord> {
        self.txs.get(hash)
    }

    /// Transactions waiting in the mempool.
    pub fn mempool_len(&self) -> usize {
        self.mempool.len()
    }

    /// An auth account.
    pub fn auth_account(&self, addr: &Address) -> Option<&AuthAccount> {
        self.accounts.get(addr)
    }

    /// The ante checks against an account's current sequence `expected`. [CHAIN-DEVNET-2]
    fn ante(
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

    fn check_sequence(&self, addr: &Address) -> u64 {
        self.check_sequences
            .get(addr)
            .copied()
            .or_else(|| self.accounts.get(addr).map(|a| a.sequence))
            .unwrap_or(0)
    }

    /// CheckTx: decodes and checks a transaction against the mempool's state and admits it; the
    /// answer of `BroadcastTx` (SYNC). A refused transaction changes nothing. [CHAIN-DEVNET-2]
    pub fn check_tx(&mut self, bytes: &[u8]) -> CheckResult {
        let hash = TxHash::of(bytes);
        let mut out = CheckResult {
            hash,
            refusal: None,
            gas_wanted: 0,
            gas_used: 0,
        };
        if self.in_mempool.contains(&hash) || self.txs.contains_key(&hash) {
            out.refusal = Some(refuse(
                SDK,
                19,
                "tx already exists in cache: tx already in mempool",
            ));
            return out;
        }
        if self.mempool.len() >= self.rules.max_mempool_txs {
            out.refusal = Some(refuse(
                SDK,
                20,
                format!(
                    "mempool is full: number of txs {} (max: {}): mempool is full",
                    self.mempool.len(),
                    self.rules.max_mempool_txs
                ),
            ));
            return out;
        }
        let tx = match decode_tx(bytes, self.rules.max_tx_bytes) {
            Ok(t) => t,
            Err(e) => {
                out.refusal = Some(e.into());
                return out;
            }
        };
        out.gas_wanted = tx.gas_limit;
        let signer = tx.signer.parse::<Address>().ok();
        let expected = signer.map_or(0, |a| self.check_sequence(&a));
        match self.ante(&tx, expected, true) {
            Ok((signer, _, needed)) => {
                out.gas_used = needed;
                self.check_sequences
                    .insert(signer, expected.saturating_add(1));
                self.in_mempool.insert(hash);
                self.mempool.push_back((tx, bytes.to_vec()));
            }
            Err(r) => out.refusal = Some(r),
        }
        out
    }

    /// Simulate: the ante checks without signature, fee or gas-limit checks, against the
    /// mempool's sequence; returns the gas the transaction needs. [CHAIN-DEVNET-2]
    pub fn simulate(&self, bytes: &[u8]) -> Result<u64, Refusal> {
        let mut tx = decode_tx(bytes, self.rules.max_tx_bytes)?;
        let needed = gas_needed(&tx);
        tx.gas_limit = u64::MAX;
        let signer = tx.signer.parse::<Address>().ok();
        let expected = signer.map_or(0, |a| self.check_sequence(&a));
        self.ante(&tx, expected, false)?;
        Ok(needed)
    }

    /// Makes the next block at `time_ms`: begins it, executes up to `max_block_txs` mempool
    /// transactions at its height, runs the end-blocker, re-checks what stays in the mempool.
    pub fn make_block(&mut self, time_ms: u64) -> Result<&BlockRecord, NodeError> {
        let height = self.devnet.begin_block().map_err(NodeError)?.get();
        let n = self.mempool.len().min(self.rules.max_block_txs);
        let mut hashes = Vec::with_capacity(n);
        for index in 0..n {
            let Some((tx, bytes)) = self.mempool.pop_front() else {
                break;
            };
            self.in_mempool.remove(&tx.hash);
            let record = self.deliver(&tx, bytes, height, u32::try_from(index).unwrap_or(u32::MAX));
            hashes.push(record.hash);
            self.txs.insert(record.hash, record);
        }
        let events = self
            .devnet
            .end_block()
            .map_err(NodeError)?
            .iter()
            .filter_map(devnet_event)
            .collect();
        self.recheck();
        let hash = self
            .devnet
            .block_hash(BlockHeight::new(height))
            .unwrap_or(BlockHash::from_bytes([0; 32]));
        self.blocks.push(BlockRecord {
            height,
            hash,
            time_ms,
            txs: hashes,
            events,
        });
        Ok(self.latest())
    }

    /// Replays a stored block: its transactions (in order, whatever the mempool holds) at its
    /// time. Used to rebuild the state on restart; the results equal the original run's.
    pub fn replay_block(
        &mut self,
        time_ms: u64,
        txs: &[Vec<u8>],
    ) -> Result<&BlockRecord, NodeError> {
        self.mempool.clear();
        self.in_mempool.clear();
        self.check_sequences.clear();
        for bytes in txs {
            let tx = match decode_tx(bytes, usize::MAX) {
                Ok(t) => t,
                Err(_) => continue,
            };
            self.in_mempool.insert(tx.hash);
            self.mempool.push_back((tx, bytes.clone()));
        }
        let max = self.rules.max_block_txs;
        self.rules.max_block_txs = usize::MAX;
        let r = self.make_block(time_ms).map(|b| b.height);
        self.rules.max_block_txs = max;
        let h = r?;
        Ok(self.block(h).unwrap_or_else(|| self.latest()))
    }

    /// The bytes of a block's transactions (what the store keeps).
    pub fn block_txs(&self, height: i64) -> Vec<Vec<u8>> {
        self.block(height)
            .map(|b| {
                b.txs
                    .iter()
                    .filter_map(|h| self.txs.get(h).map(|r| r.bytes.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// After a block, the mempool's transactions are checked again from the new state
    /// (CometBFT's recheck): those no longer valid are dropped.
    fn recheck(&mut self) {
        self.check_sequences.clear();
        let pending: Vec<_> = self.mempool.drain(..).collect();
        self.in_mempool.clear();
        for (tx, bytes) in pending {
            let Ok(signer) = tx.signer.parse::<Address>() else {
                continue;
            };
            let expected = self.check_sequence(&signer);
            if self.ante(&tx, expected, true).is_ok() {
                self.check_sequences
                    .insert(signer, expected.saturating_add(1));
                self.in_mempool.insert(tx.hash);
                self.mempool.push_back((tx, bytes));
            }
        }
    }

    /// DeliverTx at `height`: the ante checks against the committed state (nothing changes when
    /// they fail); then the fee goes to the proposer, the sequence advances and the public key is
    /// recorded whatever the messages do; the messages run all or nothing. [CHAIN-DEVNET-2]
    fn deliver(&mut self, tx: &DecodedTx, bytes: Vec<u8>, height: i64, index: u32) -> TxRecord {
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

    fn application_proto(&self, addr: &Address) -> Result<pp::Application, QueryError> {
        let a = self
            .devnet
            .application(addr)
            .ok_or(QueryError::NotFound("application"))?;
        Ok(pp::Application {
            address: addr.to_string(),
            stake: Some(coin(a.stake.get())),
            service_configs: a
                .services
                .iter()
                .map(|s| pp::ApplicationServiceConfig {
                    service_id: s.to_string(),
                })
                .collect(),
            delegatee_gateway_addresses: a.gateways.iter().map(ToString::to_string).collect(),
            pending_undelegations: BTreeMap::new(),
            unstake_session_end_height: 0,
        })
    }

    fn supplier_proto(&self, addr: &Address) -> Result<pp::Supplier, QueryError> {
        let s = self
            .devnet
            .supplier(addr)
            .ok_or(QueryError::NotFound("supplier"))?;
        let configs: Vec<pp::SupplierServiceConfig> = s
            .services
            .iter()
            .map(|svc| pp::SupplierServiceConfig {
                service_id: svc.to_string(),
                endpoints: s
                    .endpoint
                    .iter()
                    .map(|u| pp::SupplierEndpoint {
                        url: u.clone(),
                        rpc_type: 3,
                    })
                    .collect(),
                rev_share: s
                    .rev_shares
                    .iter()
                    .map(|r| pp::ServiceRevenueShare {
                        address: r.address.to_string(),
                        rev_share_percentage: r.percentage,
                    })
                    .collect(),
            })
            .collect();
        Ok(pp::Supplier {
            owner_address: s.owner.to_string(),
            operator_address: addr.to_string(),
            stake: Some(coin(s.stake.get())),
            service_config_history: configs
                .iter()
                .map(|c| pp::ServiceConfigUpdate {
                    operator_address: addr.to_string(),
                    service: Some(c.clone()),
                    activation_height: s.activation_height.get(),
                    deactivation_height: 0,
                })
                .collect(),
            services: configs,
            unstake_session_end_height: 0,
        })
    }

    fn address(s: &str) -> Result<Address, QueryError> {
        s.parse()
            .map_err(|_| QueryError::InvalidArgument(format!("invalid address {s:?}")))
    }

    fn service_id(s: &str) -> Result<ServiceId, QueryError> {
        ServiceId::new(s)
            .map_err(|_| QueryError::InvalidArgument(format!("invalid service id {s:?}")))
    }

    /// `pocket.session.Query/GetSession` (height 0: the latest).
    pub fn get_session(
        &self,
        r: &pp::QueryGetSessionRequest,
    ) -> Result<pp::QueryGetSessionResponse, QueryError> {
        let app = Self::address(&r.application_address)?;
        let service = Self::service_id(&r.service_id)?;
        let height = if r.block_height == 0 {
            self.height()
        } else {
            r.block_height
        };
        if height > self.height() || height < 1 {
            return Err(QueryError::InvalidArgument(format!(
                "height {height} is outside 1..={}",
                self.height()
            )));
        }
        let s = self
            .devnet
            .session(&app, &service, BlockHeight::new(height))?;
        let header = s.header.to_wire();
        Ok(pp::QueryGetSessionResponse {
            session: Some(pp::Session {
                session_id: header.session_id.clone(),
                header: Some((&header).into()),
                session_number: s.number.get(),
                num_blocks_per_session: s.num_blocks_per_session.get(),
                application: Some(self.application_proto(&app)?),
                suppliers: s
                    .suppliers
                    .iter()
                    .map(|a| self.supplier_proto(a))
                    .collect::<Result<_, _>>()?,
            }),
        })
    }

    /// `pocket.application.Query/Application`.
    pub fn application(
        &self,
        address: &str,
    ) -> Result<pp::QueryGetApplicationResponse, QueryError> {
        Ok(pp::QueryGetApplicationResponse {
            application: Some(self.application_proto(&Self::address(address)?)?),
        })
    }

    /// `pocket.gateway.Query/Gateway`.
    pub fn gateway(&self, address: &str) -> Result<pp::QueryGetGatewayResponse, QueryError> {
        let addr = Self::address(address)?;
        let stake = self
            .devnet
            .gateway(&addr)
            .ok_or(QueryError::NotFound("gateway"))?
            .stake
            .get();
        Ok(pp::QueryGetGatewayResponse {
            gateway: Some(pp::Gateway {
                address: addr.to_string(),
                stake: Some(coin(stake)),
                unstake_session_end_height: 0,
            }),
        })
    }

    /// `pocket.supplier.Query/Supplier`.
    pub fn supplier(&self, address: &str) -> Result<pp::QueryGetSupplierResponse, QueryError> {
        Ok(pp::QueryGetSupplierResponse {
            supplier: Some(self.supplier_proto(&Self::address(address)?)?),
        })
    }

    /// `pocket.service.Query/Service`.
    pub fn service(&self, id: &str) -> Result<pp::QueryGetServiceResponse, QueryError> {
        let id = Self::service_id(id)?;
        let s = self
            .devnet
            .service(&id)
            .ok_or(QueryError::NotFound("service"))?;
        let name = self
            .genesis
            .services
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.name.clone())
            .unwrap_or_default();
        Ok(pp::QueryGetServiceResponse {
            service: Some(pp::Service {
                id: id.to_string(),
                name,
                compute_units_per_relay: s.compute_units_per_relay.get(),
                owner_address: s.owner.to_string(),
            }),
        })
    }

    /// `pocket.service.Query/RelayMiningDifficultyAtHeight` (`block_height` echoes the query).
    pub fn difficulty_at(
        &self,
        r: &pp::QueryDifficultyAtHeightRequest,
    ) -> Result<pp::QueryDifficultyResponse, QueryError> {
        let id = Self::service_id(&r.service_id)?;
        let d = self
            .devnet
            .difficulty(&id, BlockHeight::new(r.block_height))?;
        Ok(pp::QueryDifficultyResponse {
            relay_mining_difficulty: Some(pp::RelayMiningDifficulty {
                service_id: id.to_string(),
                block_height: r.block_height,
                num_relays_ema: d.num_relays_ema,
                target_hash: d.target_hash.as_bytes().to_vec(),
            }),
        })
    }

    /// `pocket.shared.Query/ParamsAtHeight` (and `Params` at the latest height).
    pub fn shared_params(&self, height: i64) -> pp::SharedParamsResponse {
        let p = self.devnet.shared_params(BlockHeight::new(height));
        let u = |v: i64| u64::try_from(v).unwrap_or(0);
        pp::SharedParamsResponse {
            params: Some(pp::SharedParams {
                num_blocks_per_session: p.num_blocks_per_session.get(),
                grace_period_end_offset_blocks: p.grace_period_end_offset_blocks.get(),
                claim_window_open_offset_blocks: p.claim_window_open_offset_blocks.get(),
                claim_window_close_offset_blocks: p.claim_window_close_offset_blocks.get(),
                proof_window_open_offset_blocks: p.proof_window_open_offset_blocks.get(),
                proof_window_close_offset_blocks: p.proof_window_close_offset_blocks.get(),
                supplier_unbonding_period_sessions: p.supplier_unbonding_period_sessions,
                application_unbonding_period_sessions: p.application_unbonding_period_sessions,
                compute_units_to_tokens_multiplier: p.compute_units_to_tokens_multiplier,
                gateway_unbonding_period_sessions: p.gateway_unbonding_period_sessions,
                compute_unit_cost_granularity: p.compute_unit_cost_granularity,
                session_grid_anchor_height: u(p.session_grid_anchor_height.get()),
                session_number_at_anchor: u(p.session_number_at_anchor.get()),
            }),
        }
    }

    /// `pocket.session.Query/Params`.
    pub fn session_params(&self) -> pp::SessionParamsResponse {
        pp::SessionParamsResponse {
            params: Some(pp::SessionParams {
                num_suppliers_per_session: u64::try_from(
                    self.devnet.config().num_suppliers_per_session,
                )
                .unwrap_or(0),
            }),
        }
    }

    /// `pocket.proof.Query/Params` (the probability as the float64 the chain holds).
    pub fn proof_params(&self) -> pp::ProofParamsResponse {
        let p = &self.devnet.config().proof;
        pp::ProofParamsResponse {
            params: Some(pp::ProofParams {
                proof_request_probability: p.proof_request_probability_f64(),
                proof_requirement_threshold: Some(coin(p.proof_requirement_threshold.get())),
                proof_missing_penalty: Some(coin(p.proof_missing_penalty.get())),
                proof_submission_fee: Some(coin(p.proof_submission_fee.get())),
            }),
        }
    }

    /// `pocket.tokenomics.Query/Params`.
    pub fn tokenomics_params(&self) -> pp::TokenomicsParamsResponse {
        let t = &self.devnet.config().tokenomics;
        let sh = |s: &pokt_primitives::Shares| pp::Shares {
            dao: s.dao.to_f64(),
            proposer: s.proposer.to_f64(),
            supplier: s.supplier.to_f64(),
            source_owner: s.source_owner.to_f64(),
            application: s.application.to_f64(),
        };
        pp::TokenomicsParamsResponse {
            params: Some(pp::TokenomicsParams {
                mint_allocation_percentages: Some(sh(&t.mint_allocation)),
                dao_reward_address: t.dao_reward_address.to_string(),
                global_inflation_per_claim: t.global_inflation_per_claim.to_f64(),
                mint_equals_burn_claim_distribution: Some(sh(&t.mint_equals_burn_distribution)),
                mint_ratio: t.mint_ratio.to_f64(),
                overservicing_bonus_multiplier: t.overservicing_bonus_multiplier,
            }),
        }
    }

    fn claims_iter(&self) -> impl Iterator<Item = pp::Claim> + '_ {
        self.devnet
            .pending_claims()
            .map(|r| r.claim())
            .map(|c| pp::Claim {
                supplier_operator_address: c.supplier_operator_address.clone(),
                session_header: c.session_header.as_ref().map(Into::into),
                root_hash: c.root_hash.clone(),
                // As the devnet stores it (the status is not rewritten after validation, so the
                // claim's hash — the proof requirement's seed — is the one settlement uses).
                proof_validation_status: match c.proof_validation_status {
                    pokt_primitives::ClaimProofStatus::PendingValidation => 0,
                    pokt_primitives::ClaimProofStatus::Validated => 1,
                    pokt_primitives::ClaimProofStatus::Invalid => 2,
                    pokt_primitives::ClaimProofStatus::Other(v) => v,
                },
            })
    }

    /// `pocket.proof.Query/Claim`.
    pub fn claim(
        &self,
        r: &pp::QueryGetClaimRequest,
    ) -> Result<pp::QueryGetClaimResponse, QueryError> {
        let c = self
            .claims_iter()
            .find(|c| {
                c.supplier_operator_address == r.supplier_operator_address
                    && c.session_header
                        .as_ref()
                        .is_some_and(|h| h.session_id == r.session_id)
            })
            .ok_or(QueryError::NotFound("claim"))?;
        Ok(pp::QueryGetClaimResponse { claim: Some(c) })
    }

    /// `pocket.proof.Query/AllClaims` (every filter arm; one page holds everything).
    pub fn all_claims(&self, r: &pp::QueryAllClaimsRequest) -> pp::QueryAllClaimsResponse {
        let claims = self
            .claims_iter()
            .filter(|c| {
                r.supplier_operator_address
                    .as_ref()
                    .is_none_or(|s| *s == c.supplier_operator_address)
                    && r.session_id.as_ref().is_none_or(|id| {
                        c.session_header
                            .as_ref()
                            .is_some_and(|h| h.session_id == *id)
                    })
                    && r.session_end_height.is_none_or(|e| {
                        c.session_header.as_ref().is_some_and(|h| {
                            u64::try_from(h.session_end_block_height).ok() == Some(e)
                        })
                    })
            })
            .collect::<Vec<_>>();
        pp::QueryAllClaimsResponse {
            pagination: Some(pc::PageResponse {
                next_key: Vec::new(),
                total: u64::try_from(claims.len()).unwrap_or(0),
            }),
            claims,
        }
    }

    /// `cosmos.auth.v1beta1.Query/Account` (a `BaseAccount`).
    pub fn account(&self, address: &str) -> Result<pc::QueryAccountResponse, QueryError> {
        let addr = Self::address(address)?;
        let a = self
            .accounts
            .get(&addr)
            .ok_or(QueryError::NotFound("account"))?;
        let base = pc::BaseAccount {
            address: addr.to_string(),
            pub_key: a.public_key.map(|k| pc::Any {
                type_url: pc::SECP256K1_PUBKEY_URL.into(),
                value: pc::Secp256k1PubKey {
                    key: k.to_bytes().to_vec(),
                }
                .encode_to_vec(),
            }),
            account_number: a.number,
            sequence: a.sequence,
        };
        Ok(pc::QueryAccountResponse {
            account: Some(pc::Any {
                type_url: pc::BASE_ACCOUNT_URL.into(),
                value: base.encode_to_vec(),
            }),
        })
    }

    /// `cosmos.bank.v1beta1.Query/Balance` (only `upokt` exists).
    pub fn balance(
        &self,
        r: &pc::QueryBalanceRequest,
    ) -> Result<pc::QueryBalanceResponse, QueryError> {
        let addr = Self::address(&r.address)?;
        let amount = if r.denom == DENOM {
            self.devnet.balance(&addr).get()
        } else {
            0
        };
        Ok(pc::QueryBalanceResponse {
            balance: Some(pc::Coin {
                denom: r.denom.clone(),
                amount: amount.to_string(),
            }),
        })
    }

    /// `cosmos.tx.v1beta1.Service/GetTx`.
    pub fn get_tx(&self, hash: &str) -> Result<pc::GetTxResponse, QueryError> {
        let h = TxHash::from_hex(hash).ok_or_else(|| {
            QueryError::InvalidArgument("tx hash must be 64 hex characters".into())
        })?;
        let r = self.txs.get(&h).ok_or(QueryError::NotFound("tx"))?;
        let time = self
            .block(r.height)
            .map(|b| rfc3339(b.time_ms))
            .unwrap_or_default();
        let raw = pc::TxRaw::decode(r.bytes.as_slice()).unwrap_or_default();
        Ok(pc::GetTxResponse {
            tx: Some(pc::Tx {
                body: pc::TxBody::decode(raw.body_bytes.as_slice()).ok(),
                auth_info: pc::AuthInfo::decode(raw.auth_info_bytes.as_slice()).ok(),
                signatures: raw.signatures,
            }),
            tx_response: Some(r.to_proto(&time)),
        })
    }
}

/// RFC 3339 UTC time of a unix time in milliseconds (CometBFT's block time format).
pub fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let millis = ms % 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil from days (Howard Hinnant's algorithm), for dates from 1970 on.
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z")
}
