//! [`Submitter`]: signs and submits a supplier's claims and proofs — gas from simulation times an
//! adjustment, fee from a gas price, account number and sequence tracked and resynchronised on a
//! mismatch, broadcast, wait for inclusion, retries with backoff while the message's window is
//! open. [CHAIN-SUBMIT-1] [CHAIN-SUBMIT-2]

use std::time::Duration;

use pokt_crypto::SigningKey;
use pokt_primitives::{Address, BlockHeight, Fraction};
use tokio::sync::Mutex;

use crate::chain::Chain;
use crate::tx::{TxFields, TxHash, TxMsg, sign_tx};
use crate::types::{ChainError, TxResult};

/// How a [`Submitter`] prices and retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmitConfig {
    /// Gas limit = ⌈simulated gas × this⌉.
    pub gas_adjustment: Fraction,
    /// Fee = ⌈gas limit × this⌉ uPOKT.
    pub gas_price_upokt: Fraction,
    /// A transaction needing more gas than this is not sent.
    pub max_gas: u64,
    /// How long one attempt waits for inclusion.
    pub inclusion_timeout: Duration,
    /// How often inclusion is polled.
    pub poll_interval: Duration,
    /// First retry delay (doubled per retry up to `backoff_max`).
    pub backoff_initial: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// Memo of every transaction.
    pub memo: String,
}

impl SubmitConfig {
    /// Defaults for a node with the devnet's minimum gas price (0.001 uPOKT): adjustment 1.5,
    /// price 0.001, 10M gas at most, 30 s inclusion wait polled every 200 ms, backoff 250 ms to
    /// 5 s.
    pub fn new() -> Self {
        Self {
            gas_adjustment: Fraction::new(3, 2).unwrap_or(Fraction::ONE),
            gas_price_upokt: Fraction::new(1, 1000).unwrap_or(Fraction::ZERO),
            max_gas: 10_000_000,
            inclusion_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_millis(200),
            backoff_initial: Duration::from_millis(250),
            backoff_max: Duration::from_secs(5),
            memo: String::new(),
        }
    }
}

impl Default for SubmitConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a submission did not succeed. [CHAIN-SUBMIT-2]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// The node could not be reached or answered garbage, and the deadline passed.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// The node refused the transaction for a reason a retry cannot fix.
    #[error("refused at broadcast ({codespace} {code}): {log}")]
    Rejected {
        /// Error namespace.
        codespace: String,
        /// Code.
        code: u32,
        /// The node's log.
        log: String,
    },
    /// The transaction was included and failed for a reason a retry cannot fix.
    #[error("included at {} and failed ({} {}): {}", .0.height, .0.codespace, .0.code, .0.log)]
    Failed(Box<TxResult>),
    /// The deadline height passed before the transaction succeeded.
    #[error("deadline height {deadline} passed (last attempt: {last})")]
    DeadlinePassed {
        /// The deadline.
        deadline: BlockHeight,
        /// What the last attempt gave.
        last: String,
    },
    /// The transaction needs more gas than allowed.
    #[error("transaction needs {needed} gas, more than the {max} allowed")]
    Gas {
        /// Gas limit after adjustment.
        needed: u64,
        /// The bound.
        max: u64,
    },
    /// No message, or messages of another signer.
    #[error("messages must be non-empty and signed by the submitter's address")]
    Messages,
}

/// A transaction accepted into the mempool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingTx {
    /// Its hash.
    pub hash: TxHash,
    /// The sequence it used.
    pub sequence: u64,
}

#[derive(Clone, Copy, Debug)]
struct Account {
    number: u64,
    next_sequence: u64,
}

/// Whether a refusal (code, codespace) may succeed when retried: a full or duplicate mempool, a
/// sequence race, out of gas (re-simulated), and claim or proof window errors (the window may not
/// be open yet; the deadline stops retries once it has closed). Everything else — signature,
/// chain id, funds, fee, malformed transaction, an invalid claim or proof — is final.
/// [CHAIN-SUBMIT-2]
pub fn is_retryable(codespace: &str, code: u32) -> bool {
    match codespace {
        "sdk" => matches!(code, 11 | 19 | 20 | 32),
        "proof" => matches!(code, 1121 | 1122),
        _ => false,
    }
}

/// The sequence a Cosmos node expects, from its log ("… expected 7, got 5 …").
fn expected_sequence(log: &str) -> Option<u64> {
    let rest = log.split("expected ").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Signs and submits one signer's transactions. Safe to share: a lock orders the signing and
/// broadcast of its transactions so sequences never collide. [CHAIN-SUBMIT-1]
#[derive(Debug)]
pub struct Submitter<C: Chain> {
    chain: C,
    key: SigningKey,
    address: Address,
    cfg: SubmitConfig,
    account: Mutex<Option<Account>>,
}

impl<C: Chain> Submitter<C> {
    /// A submitter for `key` on `chain`.
    pub fn new(chain: C, key: SigningKey, cfg: SubmitConfig) -> Self {
        Self {
            address: key.address(),
            chain,
            key,
            cfg,
            account: Mutex::new(None),
        }
    }

    /// The signer's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The chain.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    async fn resync(&self, hint: Option<u64>) -> Result<Account, ChainError> {
        let a = self.chain.account(&self.address).await?;
        Ok(Account {
            number: a.account_number,
            next_sequence: hint.unwrap_or(a.sequence).max(a.sequence),
        })
    }

    fn sign(
        &self,
        msgs: &[TxMsg],
        chain_id: &str,
        acc: Account,
        gas: u64,
        fee: u64,
    ) -> crate::tx::SignedTx {
        sign_tx(
            &self.key,
            msgs,
            &TxFields {
                chain_id: chain_id.into(),
                account_number: acc.number,
                sequence: acc.next_sequence,
                gas_limit: gas,
                fee_upokt: fee,
                memo: self.cfg.memo.clone(),
                timeout_height: 0,
            },
        )
    }

    /// Simulates, signs and broadcasts `msgs` once, resynchronising the sequence once if the node
    /// reports a mismatch. Returns the pending transaction, or the node's refusal.
    pub async fn broadcast(&self, msgs: &[TxMsg]) -> Result<PendingTx, SubmitError> {
        if msgs.is_empty() || msgs.iter().any(|m| m.signer() != self.address.as_str()) {
            return Err(SubmitError::Messages);
        }
        let chain_id = self.chain.chain_id().await?;
        let mut guard = self.account.lock().await;
        let mut acc = match *guard {
            Some(a) => a,
            None => self.resync(None).await?,
        };
        let mut resynced = false;
        loop {
            let sim = self.sign(msgs, &chain_id, acc, 0, 0);
            let gas = match self.chain.simulate(&sim.tx_raw).await {
                Ok(g) => g.gas_used,
                Err(ChainError::Refused { message, .. })
                    if !resynced && message.contains("incorrect account sequence") =>
                {
                    acc = self.resync(expected_sequence(&message)).await?;
                    resynced = true;
                    continue;
                }
                Err(e) => {
                    *guard = None;
                    return Err(e.into());
                }
            };
            let gas_limit = self.cfg.gas_adjustment.mul_ceil(gas).unwrap_or(u64::MAX);
            if gas_limit > self.cfg.max_gas {
                return Err(SubmitError::Gas {
                    needed: gas_limit,
                    max: self.cfg.max_gas,
                });
            }
            let fee = self
                .cfg
                .gas_price_upokt
                .mul_ceil(gas_limit)
                .unwrap_or(u64::MAX);
            let tx = self.sign(msgs, &chain_id, acc, gas_limit, fee);
            let r = match self.chain.broadcast(&tx.tx_raw).await {
                Ok(r) => r,
                Err(e) => {
                    // Unknown whether it reached the mempool: resynchronise next time.
                    *guard = None;
                    return Err(e.into());
                }
            };
            match r.code {
                0 => {
                    *guard = Some(Account {
                        next_sequence: acc.next_sequence.saturating_add(1),
                        ..acc
                    });
                    return Ok(PendingTx {
                        hash: tx.hash,
                        sequence: acc.next_sequence,
                    });
                }
                32 if r.codespace == "sdk" && !resynced => {
                    acc = self.resync(expected_sequence(&r.log)).await?;
                    resynced = true;
                }
                code => {
                    *guard = Some(acc);
                    return Err(SubmitError::Rejected {
                        codespace: r.codespace,
                        code,
                        log: r.log,
                    });
                }
            }
        }
    }

    /// Polls for a transaction's inclusion for at most `timeout`; `Ok(None)` when it did not
    /// appear.
    pub async fn wait_for_inclusion(
        &self,
        hash: &TxHash,
        timeout: Duration,
    ) -> Result<Option<TxResult>, ChainError> {
        let start = tokio::time::Instant::now();
        loop {
            if let Some(r) = self.chain.tx(hash).await? {
                return Ok(Some(r));
            }
            if start.elapsed() >= timeout {
                return Ok(None);
            }
            tokio::time::sleep(self.cfg.poll_interval.min(timeout)).await;
        }
    }

    /// Submits `msgs` until they are included successfully, retrying with backoff what may
    /// succeed later (see [`is_retryable`]; transport errors and transactions that were not
    /// included in time are retried too, after resynchronising the sequence) while the latest
    /// height is at most `deadline` (the last height of the message's window). A copy that was
    /// not included in time and lands later is the result: before each retry, and instead of a
    /// failure, the earlier copies are looked up, so a duplicate of an included claim or proof is
    /// never reported as a failure. [CHAIN-SUBMIT-2]
    pub async fn submit(
        &self,
        msgs: &[TxMsg],
        deadline: BlockHeight,
    ) -> Result<TxResult, SubmitError> {
        let mut delay = self.cfg.backoff_initial;
        let mut last = String::new();
        // Every copy broadcast so far: one that was not included in time may land later, and
        // then it is the copy that counts (the next one fails as a duplicate).
        let mut sent: Vec<TxHash> = Vec::new();
        loop {
            match self.chain.latest_block().await {
                Ok(b) if b.height > deadline => {
                    return match self.landed(&sent).await {
                        Some(r) => Ok(r),
                        None => Err(SubmitError::DeadlinePassed { deadline, last }),
                    };
                }
                _ => {}
            }
            let outcome = self.attempt(msgs, &mut sent).await;
            if outcome.is_err()
                && let Some(r) = self.landed(&sent).await
            {
                return Ok(r);
            }
            match outcome {
                Ok(r) => return Ok(r),
                Err(Attempt::Final(e)) => return Err(e),
                Err(Attempt::Retry(why)) => last = why,
            }
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2).min(self.cfg.backoff_max);
        }
    }

    /// The first of the earlier copies that was included successfully, if any (one lookup
    /// each; a lookup that fails counts as not included).
    async fn landed(&self, sent: &[TxHash]) -> Option<TxResult> {
        for hash in sent {
            if let Ok(Some(r)) = self.chain.tx(hash).await
                && r.code == 0
            {
                return Some(r);
            }
        }
        None
    }

    async fn attempt(&self, msgs: &[TxMsg], sent: &mut Vec<TxHash>) -> Result<TxResult, Attempt> {
        let pending = match self.broadcast(msgs).await {
            Ok(p) => p,
            Err(SubmitError::Rejected {
                codespace,
                code,
                log,
            }) if is_retryable(&codespace, code) => {
                return Err(Attempt::Retry(format!(
                    "refused ({codespace} {code}): {log}"
                )));
            }
            Err(SubmitError::Chain(e)) => return Err(Attempt::Retry(e.to_string())),
            Err(e) => return Err(Attempt::Final(e)),
        };
        sent.push(pending.hash);
        match self
            .wait_for_inclusion(&pending.hash, self.cfg.inclusion_timeout)
            .await
        {
            Ok(Some(r)) if r.code == 0 => Ok(r),
            Ok(Some(r)) if is_retryable(&r.codespace, r.code) => {
                if r.code == 32 {
                    *self.account.lock().await = None;
                }
                Err(Attempt::Retry(format!(
                    "failed at {} ({} {}): {}",
                    r.height, r.codespace, r.code, r.log
                )))
            }
            Ok(Some(r)) => Err(Attempt::Final(SubmitError::Failed(Box::new(r)))),
            Ok(None) => {
                // Dropped from the mempool or still waiting: resynchronise before re-sending.
                *self.account.lock().await = None;
                Err(Attempt::Retry(format!(
                    "{} not included in time",
                    pending.hash
                )))
            }
            Err(e) => Err(Attempt::Retry(e.to_string())),
        }
    }
}

enum Attempt {
    Retry(String),
    Final(SubmitError),
}
