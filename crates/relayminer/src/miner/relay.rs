//! Request handling: a relay's session entry, decode → accept → meter → sign → mine, whole
//! answers and signed-batch streams.

use super::*;

impl<C: Chain> RelayMiner<C> {
    /// The session entry of a relay's header, derived from the chain on first use (only the
    /// chain's own session id is remembered).
    async fn entry(&self, h: &SessionHeader) -> Result<(Arc<SessionEntry>, Arc<Serving>), Refusal> {
        let cached = lock(&self.sessions).get(&h.session_id).cloned();
        if let Some(e) = &cached
            && let Some(s) = lock(&e.serving).clone()
        {
            return Ok((e.clone(), s));
        }
        let unavailable = |e: pokt_chain::ChainError| Refusal {
            status: StatusCode::SERVICE_UNAVAILABLE,
            kind: "unavailable",
            code: "chain_unavailable",
            message: format!("the session could not be read from the chain: {e}"),
        };
        let app: Address = h
            .application_address
            .parse()
            .map_err(|_| Refusal::rejected("unknown_session", "application address"))?;
        let service = ServiceId::new(&h.service_id)
            .map_err(|e| Refusal::rejected("unknown_session", e.to_string()))?;
        let Some(svc) = self.services.get(&h.service_id) else {
            return Err(Refusal::rejected(
                "unknown_service",
                format!("service {:?} is not served here", h.service_id),
            ));
        };
        let start = BlockHeight::new(h.session_start_block_height);
        let session = match self.chain.session(&app, &service, start).await {
            Ok(s) => s,
            Err(pokt_chain::ChainError::NotFound { what }) => {
                return Err(Refusal::rejected(
                    "unknown_session",
                    format!("no such session on chain ({what})"),
                ));
            }
            Err(e) => return Err(unavailable(e)),
        };
        let header = session.header.clone();
        let end = BlockHeight::new(header.session_end_block_height);
        let real_start = BlockHeight::new(header.session_start_block_height);
        let ring = host::ring(&self.chain, &app, end)
            .await
            .map_err(unavailable)?;
        let ring = Arc::new(
            PreparedRing::new(&ring).map_err(|_| Refusal::rejected("unknown_session", "ring"))?,
        );
        let shared_end = self.chain.shared_params(end).await.map_err(unavailable)?;
        let shared_start = self
            .chain
            .shared_params(real_start)
            .await
            .map_err(unavailable)?;
        let target = self
            .chain
            .difficulty(&service, real_start)
            .await
            .map_err(unavailable)?
            .target_hash;
        let policy = match svc.token_pricing {
            Some(p) => HostPolicy::Metered(TokenMetered::new(p)),
            None => {
                let s = self.chain.service(&service).await.map_err(unavailable)?;
                HostPolicy::Fixed(FixedComputeUnits::new(ComputeUnits::new(
                    s.compute_units_per_relay,
                )))
            }
        };
        let budget_cu = if self.cfg.meter.enabled {
            let tok = self.chain.tokenomics_params().await.map_err(unavailable)?;
            let pending = WindowOffsets {
                grace_period_end_offset_blocks: shared_end.grace_period_end_offset_blocks,
                claim_window_open_offset_blocks: shared_end.claim_window_open_offset_blocks,
                claim_window_close_offset_blocks: shared_end.claim_window_close_offset_blocks,
                proof_window_open_offset_blocks: shared_end.proof_window_open_offset_blocks,
                proof_window_close_offset_blocks: shared_end.proof_window_close_offset_blocks,
            }
            .num_pending_sessions(shared_end.num_blocks_per_session)
            .unwrap_or(1);
            budget_compute_units(
                session.application.stake_upokt,
                pending,
                u64::try_from(session.suppliers.len()).unwrap_or(1),
                tok.overservicing_bonus_multiplier,
                self.cfg.meter.overservicing_allowance_percent,
                shared_start.compute_units_to_tokens_multiplier,
                shared_start.compute_unit_cost_granularity,
            )
        } else {
            u128::MAX
        };
        let windows = host::windows(&self.chain, end).await.ok();
        let serving = Arc::new(Serving {
            suppliers: session.suppliers.iter().map(|s| s.operator).collect(),
            ring,
            grace: shared_end.grace_period_end_offset_blocks.get(),
        });
        let mut map = lock(&self.sessions);
        let entry = map
            .entry(header.session_id.clone())
            .or_insert_with(|| {
                Arc::new(SessionEntry {
                    header: header.clone(),
                    service: h.service_id.clone(),
                    target,
                    policy,
                    serving: Mutex::new(None),
                    windows: Mutex::new(None),
                    budget_cu,
                    suppliers: Mutex::new(HashMap::new()),
                })
            })
            .clone();
        drop(map);
        *lock(&entry.serving) = Some(serving.clone());
        if windows.is_some() {
            *lock(&entry.windows) = windows;
        }
        // A restored session learns its budget now.
        for st in lock(&entry.suppliers).values_mut() {
            st.meter.budget_cu = budget_cu;
        }
        Ok((entry, serving))
    }

    /// decode → accept → meter: the relay's session, supplier, key and reservation.
    async fn prepare(&self, body: &[u8]) -> Result<Prepared, Refusal> {
        if self.stopping.load(Ordering::Acquire) {
            return Err(Refusal {
                status: StatusCode::SERVICE_UNAVAILABLE,
                kind: "unavailable",
                code: "shutting_down",
                message: "the relay miner is shutting down".into(),
            });
        }
        let req = steps::decode(body)?;
        let h = req.meta.session_header.clone().unwrap_or_default();
        let (entry, serving) = self.entry(&h).await?;
        let accepted = steps::accept(
            req,
            &SessionView {
                header: &entry.header,
                suppliers: &serving.suppliers,
                ring: &serving.ring,
                grace: serving.grace,
            },
            self.height(),
            &self.own,
        )?;
        let supplier = accepted.supplier();
        let key = match &self.impostor_key {
            Some(k) => k.clone(),
            None => self.keys.get(&supplier).cloned().ok_or_else(|| {
                Refusal::rejected("not_our_supplier", "supplier is not served here")
            })?,
        };
        let svc = self
            .services
            .get(&entry.service)
            .cloned()
            .ok_or_else(|| Refusal::rejected("unknown_service", "service not served here"))?;
        self.metrics.accepted(&entry.service);
        let reserved = entry.policy.estimate();
        self.with_supplier(&entry, supplier, |st| {
            if st.sealed {
                return Err(Refusal::rejected(
                    "session_claimed",
                    "the session's claim is built; no more relays are served for it",
                ));
            }
            st.meter.reserve(reserved)
        })?;
        Ok(Prepared {
            entry,
            supplier,
            key,
            accepted,
            reserved,
            svc,
        })
    }

    /// sign → mine (stored before returning): the encoded signed response to a whole answer.
    /// Backend errors (non-2xx) are answered (signed) but not mined.
    async fn finish_whole(
        &self,
        p: Prepared,
        status: u16,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, Refusal> {
        let res = steps::sign(&p.entry.header, status, content_type, body, &p.key);
        let bytes = res.encode();
        if (200..300).contains(&status) {
            let relay = Relay {
                req: Some(p.accepted.into_request()),
                res: Some(res),
            };
            self.mine(&p.entry, p.supplier, &relay, p.reserved).await?;
        } else {
            self.unreserve(&p.entry, p.supplier, p.reserved);
        }
        Ok(bytes)
    }

    /// The hot path with the backend's answer given instead of forwarded: decode → accept →
    /// meter → sign → mine (written to the store before it returns). Returns the encoded signed
    /// `RelayResponse`. For benches and tests of the steps without a backend.
    pub async fn answer_relay(
        &self,
        body: &[u8],
        status: u16,
        content_type: &str,
        answer: Vec<u8>,
    ) -> Result<Vec<u8>, Refusal> {
        let p = self.prepare(body).await?;
        self.finish_whole(p, status, content_type, answer).await
    }

    /// Serves one relay request body: every step; the signed answer (whole) or a stream.
    pub async fn handle(self: &Arc<Self>, body: &[u8]) -> Result<Response, Refusal> {
        self.serve_relay(body, None).await
    }

    /// [`RelayMiner::handle`] holding `permit` (a concurrency slot) until the answer is
    /// complete: dropped on return for a whole answer or a refusal, kept by a stream until its
    /// last batch is sent or its client goes away. [RM-OPS-3]
    pub(crate) async fn serve_relay(
        self: &Arc<Self>,
        body: &[u8],
        permit: Option<OwnedSemaphorePermit>,
    ) -> Result<Response, Refusal> {
        let p = self.prepare(body).await?;
        let (http_req, url) = steps::backend_request(&p.accepted, &p.svc.backend_url)
            .inspect_err(|_| self.unreserve(&p.entry, p.supplier, p.reserved))?;
        let started = Instant::now();
        let timeout = Duration::from_millis(p.svc.backend_timeout_ms);
        let answer = steps::forward(&self.http, &http_req, &url, timeout, p.svc.max_answer_bytes)
            .await
            .inspect_err(|_| self.unreserve(&p.entry, p.supplier, p.reserved))?;
        self.metrics
            .backend_latency
            .observe(started.elapsed().as_secs_f64());
        match answer {
            Answer::Stream { status, response } => {
                let max = p.svc.max_answer_bytes;
                Ok(self.stream(
                    p.entry,
                    p.supplier,
                    p.key,
                    p.accepted.into_request(),
                    status,
                    response,
                    timeout,
                    max,
                    p.reserved,
                    permit,
                ))
            }
            Answer::Whole {
                status,
                content_type,
                body,
            } => {
                let bytes = self.finish_whole(p, status, &content_type, body).await?;
                Ok((
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/octet-stream")],
                    bytes,
                )
                    .into_response())
            }
        }
    }

    fn with_supplier<R>(
        &self,
        entry: &SessionEntry,
        supplier: Address,
        f: impl FnOnce(&mut SupplierState) -> R,
    ) -> R {
        let mut map = lock(&entry.suppliers);
        let st = map.entry(supplier).or_insert_with(|| SupplierState {
            tree: SessionTree::new(entry.header.clone(), supplier, entry.target, entry.policy),
            record: SessionRecord {
                application: entry.header.application_address.clone(),
                service: entry.header.service_id.clone(),
                session_id: entry.header.session_id.clone(),
                start: entry.header.session_start_block_height,
                end: entry.header.session_end_block_height,
                supplier: supplier.to_string(),
                target: hex::encode(entry.target.as_bytes()),
                policy: policy_record(&entry.policy),
                stage: Stage::Open,
                served_cu: 0,
            },
            meter: Meter {
                budget_cu: entry.budget_cu,
                used_cu: 0,
            },
            busy: false,
            sealed: false,
        });
        f(st)
    }

    fn unreserve(&self, entry: &SessionEntry, supplier: Address, reserved: u64) {
        self.with_supplier(entry, supplier, |st| st.meter.settle(reserved, 0));
    }

    /// **mine**: offers a served relay to its (session, supplier) tree and, when it is inserted,
    /// writes it to the store before returning (the caller answers after). The served compute
    /// units are written with it — or alone when the relay is not mined — so the meter survives
    /// a restart. [RM-STORE-1] [RM-METER-2]
    async fn mine(
        &self,
        entry: &SessionEntry,
        supplier: Address,
        relay: &Relay,
        reserved: u64,
    ) -> Result<Mined, Refusal> {
        // Hashed and weighed before the tree's lock; its bytes are what the store keeps.
        let leaf = Leaf::new(relay, &entry.policy);
        let weight = leaf.weight().map_or(0, ComputeUnits::get);
        let (mined, record) = self.with_supplier(entry, supplier, |st| {
            st.meter.settle(reserved, weight);
            st.record.served_cu = st.record.served_cu.saturating_add(weight);
            let m = if st.sealed {
                Mined::NotApplicable
            } else {
                st.tree.offer_leaf(&leaf)
            };
            (m, st.record.clone())
        });
        if !matches!(mined, Mined::Inserted(_)) {
            if weight > 0
                && let Err(e) = self.store.put_served(&record).await
            {
                tracing::warn!(error = %e, "store: served compute units not written");
            }
        } else {
            self.store
                .put_relay(&record, leaf.into_bytes())
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "store write failed; relay not answered");
                    Refusal {
                        status: StatusCode::SERVICE_UNAVAILABLE,
                        kind: "unavailable",
                        code: "store_unavailable",
                        message: "the relay could not be persisted; not answered".into(),
                    }
                })?;
            self.metrics.mined(&entry.service);
        }
        Ok(mined)
    }

    /// Streams a backend's server-sent events as signed batches; the whole answer is mined (and
    /// stored) before the last batch is sent.
    #[allow(clippy::too_many_arguments)]
    fn stream(
        self: &Arc<Self>,
        entry: Arc<SessionEntry>,
        supplier: Address,
        key: SigningKey,
        relay_req: RelayRequest,
        status: u16,
        resp: reqwest::Response,
        timeout: Duration,
        max_body: usize,
        reserved: u64,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Response {
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
        let m = self.clone();
        // The slot is released when both the task (backend read, mining) and the body sent to
        // the client are done.
        let permit = Arc::new(permit);
        let task_permit = permit.clone();
        tokio::spawn(async move {
            let _slot = task_permit;
            let header = entry.header.clone();
            let limits = BatchLimits::HA_RELAY_MINER;
            let start = Instant::now();
            let now = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
            let mut batcher = StreamBatcher::new(limits);
            let mut full = Vec::new();
            let mut pending = Vec::new();
            let mut body = resp.bytes_stream();
            let mut ticker = tokio::time::interval(Duration::from_millis(limits.max_age_ms.max(1)));
            let mut ok = true;
            // The first read from the backend leaves at once, as its own signed batch (time to
            // first token); later lines are batched by the HA thresholds. [RM-STREAM-1]
            let mut first = true;
            let sign =
                |b: Vec<u8>| Bytes::from(sign_stream_batch(&header, u32::from(status), b, &key));
            loop {
                tokio::select! {
                    chunk = tokio::time::timeout(timeout, body.next()) => {
                        let chunk = match chunk {
                            Ok(Some(Ok(c))) => c,
                            Ok(None) => break,
                            Ok(Some(Err(_))) | Err(_) => { ok = false; break; }
                        };
                        if full.len() + chunk.len() > max_body {
                            ok = false;
                            break;
                        }
                        full.extend_from_slice(&chunk);
                        pending.extend_from_slice(&chunk);
                        while let Some(i) = pending.iter().position(|b| *b == b'\n') {
                            let line: Vec<u8> = pending.drain(..=i).collect();
                            if let Some(batch) = batcher.push_line(&line, now())
                                && tx.send(sign(batch)).await.is_err()
                            {
                                m.unreserve(&entry, supplier, reserved);
                                return;
                            }
                        }
                        if std::mem::take(&mut first)
                            && let Some(batch) = batcher.finish()
                            && tx.send(sign(batch)).await.is_err()
                        {
                            m.unreserve(&entry, supplier, reserved);
                            return;
                        }
                    }
                    _ = ticker.tick() => {
                        if let Some(batch) = batcher.tick(now())
                            && tx.send(sign(batch)).await.is_err()
                        {
                            m.unreserve(&entry, supplier, reserved);
                            return;
                        }
                    }
                }
            }
            if !pending.is_empty() {
                let line = std::mem::take(&mut pending);
                if let Some(batch) = batcher.push_line(&line, now()) {
                    let _ = tx.send(sign(batch)).await;
                }
            }
            let last = batcher.finish();
            if ok && (200..300).contains(&status) {
                // The mined relay carries the whole answer, signed as one response.
                let http = PoktHttpResponse {
                    status_code: u32::from(status),
                    header: HttpHeaders::new(),
                    body: full,
                };
                let res = sign_http_response(&header, &http, &key);
                let relay = Relay {
                    req: Some(relay_req),
                    res: Some(res),
                };
                if let Err(r) = m.mine(&entry, supplier, &relay, reserved).await {
                    m.metrics.refused(r.code);
                    return; // the last batch is withheld: the answer did not complete
                }
            } else {
                m.unreserve(&entry, supplier, reserved);
                if !ok {
                    m.metrics.refused("backend_stream");
                }
            }
            if let Some(batch) = last {
                let _ = tx.send(sign(batch)).await;
            }
        });
        let stream = futures_util::stream::unfold((rx, permit), |(mut rx, slot)| async move {
            rx.recv()
                .await
                .map(|b| (Ok::<_, std::convert::Infallible>(b), (rx, slot)))
        });
        Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, STREAM_CONTENT_TYPE)
            .body(Body::from_stream(stream))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// A relay past decode, accept and meter.
struct Prepared {
    entry: Arc<SessionEntry>,
    supplier: Address,
    key: SigningKey,
    accepted: pokt_relay::AcceptedRelay,
    reserved: u64,
    svc: ServiceConfig,
}
