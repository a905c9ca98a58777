//! The query services' answers, as the wire messages a real node returns (pocket.* queries,
//! cosmos.auth, cosmos.bank, cosmos.tx GetTx). [CHAIN-DEVNET-1]

use std::collections::BTreeMap;

use pokt_devnet::DevnetError;
use pokt_primitives::{Address, BlockHeight, ServiceId};
use prost::Message as _;

use crate::proto::cosmos as pc;
use crate::proto::pocket as pp;
use crate::tx::{DENOM, TxHash};

use super::{Node, rfc3339};

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

fn coin(amount: u64) -> pc::Coin {
    pc::Coin {
        denom: DENOM.into(),
        amount: amount.to_string(),
    }
}

impl Node {
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
