//! The claim/proof driver: following blocks, and each (session, supplier)'s claim, proof and
//! prune steps.

use super::*;

impl<C: Chain> RelayMiner<C> {
    /// Follows the chain's blocks until `stop` is set: records the height and runs the claim and
    /// proof lifecycle at each block. Survives an unreachable chain (resubscribes with backoff;
    /// relays of known sessions are still served meanwhile).
    pub async fn run_blocks(self: Arc<Self>, stop: Arc<AtomicBool>) {
        let mut backoff = Duration::from_millis(200);
        while !stop.load(Ordering::Acquire) {
            let mut blocks = match self.chain.subscribe_blocks().await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "chain unreachable; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue;
                }
            };
            if let Ok(b) = self.chain.latest_block().await {
                self.on_block(b.height.get());
            }
            loop {
                if stop.load(Ordering::Acquire) {
                    return;
                }
                let next = tokio::time::timeout(Duration::from_millis(500), blocks.next()).await;
                match next {
                    Err(_) => continue,
                    Ok(Some(Ok(b))) => {
                        backoff = Duration::from_millis(200);
                        self.on_block(b.height.get());
                    }
                    Ok(Some(Err(e))) => {
                        tracing::warn!(error = %e, "block stream failed; resubscribing");
                        break;
                    }
                    Ok(None) => break,
                }
            }
            tokio::time::sleep(backoff).await;
        }
    }

    /// One block: the height, then each (session, supplier)'s next step — claim at the claim
    /// window's opening, prove in the proof window when required, prune once settled.
    /// [RM-CLAIM-1]
    pub fn on_block(self: &Arc<Self>, height: i64) {
        let prev = self.height.fetch_max(height, Ordering::AcqRel);
        let height = height.max(prev);
        self.metrics.height.set(height);
        self.metrics.store_size.set(self.store.size_bytes());
        self.metrics.store_commits.set(self.store.commits());
        let entries: Vec<Arc<SessionEntry>> = lock(&self.sessions).values().cloned().collect();
        let mut open = 0i64;
        for e in entries {
            let w = *lock(&e.windows);
            let Some(w) = w else {
                let m = self.clone();
                let e2 = e.clone();
                tokio::spawn(async move {
                    let end = BlockHeight::new(e2.header.session_end_block_height);
                    if let Ok(w) = host::windows(&m.chain, end).await {
                        *lock(&e2.windows) = Some(w);
                    }
                });
                continue;
            };
            let h = BlockHeight::new(height);
            let mut tasks = Vec::new();
            {
                let mut sups = lock(&e.suppliers);
                open += i64::try_from(sups.len()).unwrap_or(0);
                for (addr, st) in sups.iter_mut() {
                    if st.busy {
                        continue;
                    }
                    let empty = st.tree.root().count() == 0;
                    match st.record.stage {
                        _ if h > w.settlement_height => {
                            st.busy = true;
                            tasks.push(Task::Prune(*addr));
                        }
                        Stage::Open
                            if !empty
                                && h >= w.earliest_claim_commit
                                && h <= w.claim_window_close =>
                        {
                            st.busy = true;
                            st.sealed = true;
                            tasks.push(Task::Claim(*addr));
                        }
                        Stage::Claimed
                            if h >= w.earliest_proof_commit && h <= w.proof_window_close =>
                        {
                            st.busy = true;
                            tasks.push(Task::Prove(*addr));
                        }
                        _ => {}
                    }
                }
            }
            for t in tasks {
                let m = self.clone();
                let e = e.clone();
                tokio::spawn(async move { m.run_task(&e, w, t).await });
            }
        }
        self.metrics.sessions_open.set(open);
    }

    async fn run_task(self: Arc<Self>, e: &Arc<SessionEntry>, w: Windows, t: Task) {
        let addr = match t {
            Task::Claim(a) | Task::Prove(a) | Task::Prune(a) => a,
        };
        let outcome = match t {
            Task::Claim(a) => self.claim(e, a, &w).await,
            Task::Prove(a) => self.prove(e, a, &w).await,
            Task::Prune(a) => self.prune(e, a).await,
        };
        let mut sups = lock(&e.suppliers);
        if let Some(st) = sups.get_mut(&addr) {
            st.busy = false;
            if let Some(stage) = outcome {
                st.record.stage = stage;
            }
        }
        if matches!(t, Task::Prune(_)) {
            sups.remove(&addr);
            if sups.is_empty() {
                drop(sups);
                lock(&self.sessions).remove(&e.header.session_id);
            }
        }
    }

    async fn set_stage(&self, e: &SessionEntry, a: Address, stage: Stage) -> Option<Stage> {
        let record = lock(&e.suppliers).get(&a).map(|st| {
            let mut r = st.record.clone();
            r.stage = stage;
            r
        })?;
        match self.store.set_record(&record).await {
            Ok(()) => Some(stage),
            Err(err) => {
                tracing::error!(error = %err, "store: could not record the stage");
                None
            }
        }
    }

    /// Claims a (session, supplier) tree unless the chain already has the claim (never twice),
    /// or its fee would exceed its value (skipped, logged). [RM-CLAIM-2]
    async fn claim(&self, e: &SessionEntry, a: Address, w: &Windows) -> Option<Stage> {
        let sid = &e.header.session_id;
        match self.chain.claim(sid, &a).await {
            Ok(Some(_)) => {
                tracing::info!(session = %sid, supplier = %a, "claim already on chain");
                return self.set_stage(e, a, Stage::Claimed).await;
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(session = %sid, error = %err, "claim lookup failed; retrying next block");
                return None;
            }
        }
        let (msg, sum) = {
            let sups = lock(&e.suppliers);
            let st = sups.get(&a)?;
            (st.tree.claim(), st.tree.root().sum())
        };
        if self.cfg.claims.skip_unprofitable
            && let Some(reason) = self.unprofitable(e, sum).await
        {
            tracing::warn!(session = %sid, supplier = %a, %reason, "claim skipped: its fee would exceed its value");
            self.metrics.claims_skipped.inc();
            return self.set_stage(e, a, Stage::Done).await;
        }
        let sub = self.submitters.get(&a)?;
        match sub
            .submit(&[TxMsg::CreateClaim(msg)], w.claim_window_close)
            .await
        {
            Ok(r) => {
                tracing::info!(session = %sid, supplier = %a, height = %r.height, compute_units = sum, "claim included");
                self.metrics.claims_submitted.inc();
                self.set_stage(e, a, Stage::Claimed).await
            }
            Err(err) => {
                // A duplicate (e.g. a first copy landed late) is still a claim on chain.
                if let Ok(Some(_)) = self.chain.claim(sid, &a).await {
                    return self.set_stage(e, a, Stage::Claimed).await;
                }
                tracing::error!(session = %sid, supplier = %a, error = %err, "claim failed");
                self.metrics.claims_failed.inc();
                self.set_stage(e, a, Stage::Done).await
            }
        }
    }

    /// `Some(reason)` when the claim's expected fee exceeds its value.
    async fn unprofitable(&self, e: &SessionEntry, sum: u64) -> Option<String> {
        let start = BlockHeight::new(e.header.session_start_block_height);
        let shared = self.chain.shared_params(start).await.ok()?;
        let pricing = pokt_tokenomics::ClaimPricing::new(e.target, &shared);
        let value = pokt_tokenomics::claimed_upokt(ComputeUnits::new(sum), &pricing).ok()?;
        let price = parse_decimal("chain.gas_price_upokt", &self.cfg.chain.gas_price_upokt).ok()?;
        let adj = parse_decimal("chain.gas_adjustment", &self.cfg.chain.gas_adjustment).ok()?;
        let gas = adj.mul_ceil(self.cfg.claims.claim_gas_estimate).ok()?;
        let fee = price.mul_ceil(gas).ok()?;
        let value_u = value.capped_at(pokt_primitives::Upokt::new(u64::MAX)).get();
        (value_u < fee).then(|| format!("value {value_u} uPOKT, fee about {fee} uPOKT"))
    }

    /// Proves a claimed tree when the chain requires it (its own draw). [RM-CLAIM-3]
    async fn prove(&self, e: &SessionEntry, a: Address, w: &Windows) -> Option<Stage> {
        let sid = &e.header.session_id;
        let claim = match self.chain.claim(sid, &a).await {
            Ok(Some(c)) => c,
            Ok(None) => {
                tracing::error!(session = %sid, supplier = %a, "claim not found on chain at the proof window");
                return self.set_stage(e, a, Stage::Done).await;
            }
            Err(err) => {
                tracing::warn!(session = %sid, error = %err, "claim lookup failed; retrying next block");
                return None;
            }
        };
        let required = match host::claim_proof_requirement(&self.chain, &claim).await {
            Ok(r) => r.requirement.is_required(),
            Err(err) => {
                tracing::warn!(session = %sid, error = %err, "proof requirement unknown; retrying next block");
                return None;
            }
        };
        if !required {
            tracing::info!(session = %sid, supplier = %a, "no proof required");
            self.metrics.proofs_not_required.inc();
            return self.set_stage(e, a, Stage::Done).await;
        }
        let seed_height = BlockHeight::new(w.proof_window_open.get().saturating_sub(1));
        let seed = match self.chain.block(seed_height).await {
            Ok(b) => b.hash,
            Err(err) => {
                tracing::warn!(session = %sid, error = %err, "seed block unavailable; retrying next block");
                return None;
            }
        };
        let msg = {
            let sups = lock(&e.suppliers);
            sups.get(&a)?.tree.proof(&seed)
        };
        let sub = self.submitters.get(&a)?;
        match sub
            .submit(&[TxMsg::SubmitProof(msg)], w.proof_window_close)
            .await
        {
            Ok(r) => {
                tracing::info!(session = %sid, supplier = %a, height = %r.height, "proof included");
                self.metrics.proofs_submitted.inc();
                self.set_stage(e, a, Stage::Done).await
            }
            Err(err) => {
                tracing::error!(session = %sid, supplier = %a, error = %err, "proof failed");
                self.metrics.proofs_failed.inc();
                self.set_stage(e, a, Stage::Done).await
            }
        }
    }

    /// Drops a settled or expired (session, supplier) from memory and the store. [RM-STORE-4]
    async fn prune(&self, e: &SessionEntry, a: Address) -> Option<Stage> {
        let record = lock(&e.suppliers).get(&a).map(|st| st.record.clone())?;
        if record.stage == Stage::Open {
            let count = lock(&e.suppliers)
                .get(&a)
                .map_or(0, |st| st.tree.root().count());
            if count > 0 {
                tracing::error!(session = %record.session_id, supplier = %a, relays = count, "session expired unclaimed");
            }
        }
        if let Err(err) = self.store.remove(&record).await {
            tracing::error!(error = %err, "store: prune failed");
        }
        None
    }
}

#[derive(Clone, Copy, Debug)]
enum Task {
    Claim(Address),
    Prove(Address),
    Prune(Address),
}
