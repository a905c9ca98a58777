//! Staking: services, applications, gateways, delegations and suppliers. Stakes leave the
//! staker's balance for its module account (the gateway module for gateways); suppliers serve
//! from the session after the one they stake in. [DEVNET-1]

use std::collections::BTreeMap;

use pokt_crypto::VerifyingKey;
use pokt_primitives::{Address, BlockHeight, ComputeUnits, ServiceId, Upokt};
use pokt_relay::RingMembers;
use pokt_relay::llm::TokenPricing;
use pokt_session::ServiceConfig;
use pokt_tokenomics::{Account, RevShare};

use crate::ledger::LedgerError;
use crate::{Devnet, DevnetError};

/// A service on the devnet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceDef {
    /// The service id.
    pub id: ServiceId,
    /// Compute units per relay (POKT's fixed price; the base when token-metered).
    pub compute_units_per_relay: ComputeUnits,
    /// The service's owner: the model's source, paid the source-owner share.
    pub owner: Address,
    /// The relays per session the difficulty aims at.
    pub target_num_relays: u64,
    /// Token pricing (extension): relays weigh their signed usage. `None`: fixed units.
    pub token_pricing: Option<TokenPricing>,
}

/// An application as the chain stores it ([`Devnet::application`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApplicationInfo {
    /// Its public key.
    pub key: VerifyingKey,
    /// Its stake (settlement draws on it).
    pub stake: Upokt,
    /// The services it is staked for.
    pub services: Vec<ServiceId>,
    /// The gateways it delegates to, in delegation order.
    pub gateways: Vec<Address>,
}

/// A gateway as the chain stores it ([`Devnet::gateway`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GatewayInfo {
    /// Its public key.
    pub key: VerifyingKey,
    /// Its stake (held by the gateway module).
    pub stake: Upokt,
}

/// A supplier as the chain stores it ([`Devnet::supplier`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupplierInfo {
    /// The operator's public key.
    pub key: VerifyingKey,
    /// The owner, whose balance the stake came from.
    pub owner: Address,
    /// The stake (penalties draw on it).
    pub stake: Upokt,
    /// The services it serves.
    pub services: Vec<ServiceId>,
    /// Revenue shares (config order; all to the owner unless set).
    pub rev_shares: Vec<RevShare>,
    /// The height its services are active from (the session start after its last stake).
    pub activation_height: BlockHeight,
    /// The relay miner's URL, if set.
    pub endpoint: Option<String>,
}

/// Who is staked for what.
#[derive(Clone, Debug, Default)]
pub(crate) struct Staking {
    services: BTreeMap<ServiceId, ServiceDef>,
    apps: BTreeMap<Address, ApplicationInfo>,
    gateways: BTreeMap<Address, GatewayInfo>,
    suppliers: BTreeMap<Address, SupplierInfo>,
}

impl Staking {
    pub(crate) fn service(&self, id: &ServiceId) -> Result<&ServiceDef, DevnetError> {
        self.services
            .get(id)
            .ok_or_else(|| DevnetError::UnknownService(id.clone()))
    }

    pub(crate) fn application(&self, addr: &Address) -> Result<&ApplicationInfo, DevnetError> {
        self.apps
            .get(addr)
            .ok_or(DevnetError::UnknownApplication(*addr))
    }

    pub(crate) fn supplier(&self, addr: &Address) -> Result<&SupplierInfo, DevnetError> {
        self.suppliers
            .get(addr)
            .ok_or(DevnetError::UnknownSupplier(*addr))
    }

    fn known_services(&self, services: &[ServiceId]) -> Result<(), DevnetError> {
        match services.iter().find(|s| !self.services.contains_key(*s)) {
            Some(s) => Err(DevnetError::UnknownService(s.clone())),
            None => Ok(()),
        }
    }

    /// Every supplier's configuration for each service it serves (what session derivation
    /// filters).
    pub(crate) fn service_configs(&self) -> Vec<ServiceConfig> {
        self.suppliers
            .iter()
            .flat_map(|(addr, s)| {
                s.services.iter().map(move |svc| ServiceConfig {
                    operator: *addr,
                    service: svc.clone(),
                    activation_height: s.activation_height,
                    deactivation_height: None,
                })
            })
            .collect()
    }

    /// The application and its delegated gateways' keys (ring members).
    pub(crate) fn ring_members(&self, app: &Address) -> Result<RingMembers, DevnetError> {
        let a = self.application(app)?;
        let delegated = a
            .gateways
            .iter()
            .filter_map(|g| self.gateways.get(g).map(|g| g.key))
            .collect();
        Ok(RingMembers {
            application: Some(a.key),
            delegated,
            pending_undelegations: vec![],
        })
    }

    /// Every application's stake (what settlement draws on).
    pub(crate) fn application_stakes(&self) -> impl Iterator<Item = (&Address, Upokt)> {
        self.apps.iter().map(|(a, s)| (a, s.stake))
    }

    /// Settlement's new stakes (an address no longer staked is skipped).
    pub(crate) fn set_application_stake(&mut self, addr: &Address, stake: Upokt) {
        if let Some(a) = self.apps.get_mut(addr) {
            a.stake = stake;
        }
    }

    pub(crate) fn set_supplier_stake(&mut self, addr: &Address, stake: Upokt) {
        if let Some(s) = self.suppliers.get_mut(addr) {
            s.stake = stake;
        }
    }
}

impl Devnet {
    /// Adds a service (or replaces its definition).
    pub fn add_service(&mut self, def: ServiceDef) {
        self.difficulty.add_service(&def.id);
        self.staking.services.insert(def.id.clone(), def);
    }

    /// A service.
    pub fn service(&self, id: &ServiceId) -> Option<&ServiceDef> {
        self.staking.services.get(id)
    }

    /// Stakes an application for `services`, moving `stake` from its balance to the
    /// application module. Staking again adds to the stake and replaces the services.
    pub fn stake_application(
        &mut self,
        key: VerifyingKey,
        stake: Upokt,
        services: Vec<ServiceId>,
    ) -> Result<Address, DevnetError> {
        let addr = key.address();
        self.staking.known_services(&services)?;
        let prev = self
            .staking
            .apps
            .get(&addr)
            .map_or(Upokt::ZERO, |a| a.stake);
        let total = prev
            .checked_add(stake)
            .ok_or(LedgerError::BalanceOverflow {
                account: Account::ApplicationModule,
            })?;
        self.ledger
            .transfer(Account::Address(addr), Account::ApplicationModule, stake)?;
        let app = self.staking.apps.entry(addr).or_insert(ApplicationInfo {
            key,
            stake: Upokt::ZERO,
            services: Vec::new(),
            gateways: Vec::new(),
        });
        app.stake = total;
        app.services = services;
        Ok(addr)
    }

    /// An application as the chain stores it.
    pub fn application(&self, addr: &Address) -> Option<&ApplicationInfo> {
        self.staking.apps.get(addr)
    }

    /// An application's stake.
    pub fn application_stake(&self, addr: &Address) -> Option<Upokt> {
        self.application(addr).map(|a| a.stake)
    }

    /// Stakes a gateway: its stake leaves its balance for the gateway module (which settlement
    /// never touches; see [`gateway_module`](Self::gateway_module)). Staking again adds to it.
    pub fn stake_gateway(
        &mut self,
        key: VerifyingKey,
        stake: Upokt,
    ) -> Result<Address, DevnetError> {
        let addr = key.address();
        let prev = self
            .staking
            .gateways
            .get(&addr)
            .map_or(Upokt::ZERO, |g| g.stake);
        let total = prev
            .checked_add(stake)
            .ok_or(LedgerError::GatewayModuleOverflow)?;
        self.ledger.stake_gateway(addr, stake)?;
        self.staking
            .gateways
            .insert(addr, GatewayInfo { key, stake: total });
        Ok(addr)
    }

    /// A gateway as the chain stores it.
    pub fn gateway(&self, addr: &Address) -> Option<&GatewayInfo> {
        self.staking.gateways.get(addr)
    }

    /// Delegates `app` to `gateway` (once; delegating again changes nothing).
    pub fn delegate(&mut self, app: &Address, gateway: &Address) -> Result<(), DevnetError> {
        if !self.staking.gateways.contains_key(gateway) {
            return Err(DevnetError::UnknownGateway(*gateway));
        }
        let a = self
            .staking
            .apps
            .get_mut(app)
            .ok_or(DevnetError::UnknownApplication(*app))?;
        if !a.gateways.contains(gateway) {
            a.gateways.push(*gateway);
        }
        Ok(())
    }

    /// Stakes a supplier (operator key) for `services`, owned by `owner` (whose balance pays
    /// the stake) with `rev_shares` (percentages summing to 100; empty: all to the owner),
    /// active from the next session. Staking again adds to the stake and replaces the owner,
    /// services and shares (active from the next session); the endpoint is kept.
    pub fn stake_supplier(
        &mut self,
        key: VerifyingKey,
        owner: Address,
        stake: Upokt,
        services: Vec<ServiceId>,
        rev_shares: Vec<RevShare>,
    ) -> Result<Address, DevnetError> {
        let addr = key.address();
        self.staking.known_services(&services)?;
        let activation_height = self.next_session_start(self.height())?;
        let prev = self.staking.suppliers.get(&addr);
        let total = prev
            .map_or(Upokt::ZERO, |s| s.stake)
            .checked_add(stake)
            .ok_or(LedgerError::BalanceOverflow {
                account: Account::SupplierModule,
            })?;
        let endpoint = prev.and_then(|s| s.endpoint.clone());
        self.ledger
            .transfer(Account::Address(owner), Account::SupplierModule, stake)?;
        let rev_shares = if rev_shares.is_empty() {
            vec![RevShare {
                address: owner,
                percentage: 100,
            }]
        } else {
            rev_shares
        };
        self.staking.suppliers.insert(
            addr,
            SupplierInfo {
                key,
                owner,
                stake: total,
                services,
                rev_shares,
                activation_height,
                endpoint,
            },
        );
        Ok(addr)
    }

    /// A supplier as the chain stores it.
    pub fn supplier(&self, addr: &Address) -> Option<&SupplierInfo> {
        self.staking.suppliers.get(addr)
    }

    /// Sets the URL where a supplier's relay miner serves relays (its service configuration's
    /// endpoint on chain).
    pub fn set_supplier_endpoint(
        &mut self,
        addr: &Address,
        url: String,
    ) -> Result<(), DevnetError> {
        let s = self
            .staking
            .suppliers
            .get_mut(addr)
            .ok_or(DevnetError::UnknownSupplier(*addr))?;
        s.endpoint = Some(url);
        Ok(())
    }

    /// The URL of a supplier's relay miner, if set.
    pub fn supplier_endpoint(&self, addr: &Address) -> Option<&str> {
        self.supplier(addr).and_then(|s| s.endpoint.as_deref())
    }

    /// A supplier's stake.
    pub fn supplier_stake(&self, addr: &Address) -> Option<Upokt> {
        self.supplier(addr).map(|s| s.stake)
    }

    /// A supplier operator's public key.
    pub fn supplier_key(&self, addr: &Address) -> Option<VerifyingKey> {
        self.supplier(addr).map(|s| s.key)
    }
}
