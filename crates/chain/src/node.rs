//! The devnet as a node: pokt-devnet's state plus what a Cosmos node adds around it — auth
//! accounts (numbers, sequences, public keys), the ante checks every transaction passes (size,
//! signature over the SignDoc with this chain id and account number, sequence, fee, gas), a
//! mempool with CheckTx semantics, blocks that execute their transactions at their own height
//! before the end-blocker, transaction results and block events — and the answers of the query
//! services, as the wire messages a real node returns. Pure: the caller gives each block's time.
//! [CHAIN-DEVNET-1] [CHAIN-DEVNET-2]

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use pokt_devnet::{Devnet, DevnetError};
use pokt_primitives::{Address, BlockHash, BlockHeight, Fraction};

use crate::genesis::{AuthAccount, Genesis, GenesisError, TxRules};
use crate::proto::cosmos as pc;
use crate::tx::{DecodedTx, TxHash, decode_tx};

mod events;
mod exec;
mod query;

pub use events::Event;
pub use exec::{
    GAS_BASE, GAS_PER_BYTE, GAS_PER_CLAIM, GAS_PER_PROOF, PROOF, Refusal, SDK, gas_needed,
};
pub use query::QueryError;

use events::devnet_event;
use exec::refuse;

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
