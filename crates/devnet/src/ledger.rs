//! The ledger: the balance of every account and module account, the gateway module (gateway
//! stakes, which settlement never touches), and the supply changes (minted, burned).
//!
//! Every amount is a [`Upokt`] with checked arithmetic. An operation that would overdraw a
//! balance or pass `Upokt::MAX` is refused whole (nothing is written), so the ledger never wraps
//! or saturates, and every account plus the gateway module always holds minted − burned.
//! [DEVNET-1]

use std::collections::BTreeMap;

use pokt_primitives::{Address, Upokt};
use pokt_tokenomics::{Account, LedgerOp};

use crate::{Devnet, DevnetError};

/// Why the ledger refused an operation (nothing was written).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The account holds less than the amount.
    #[error("{account:?} holds {balance}, less than {amount}")]
    InsufficientFunds {
        /// The account debited.
        account: Account,
        /// What it holds.
        balance: Upokt,
        /// What was asked.
        amount: Upokt,
    },
    /// The account's balance would pass `Upokt::MAX`.
    #[error("{account:?}'s balance would pass the largest amount")]
    BalanceOverflow {
        /// The account credited.
        account: Account,
    },
    /// The gateway module would pass `Upokt::MAX`.
    #[error("the gateway module would pass the largest amount")]
    GatewayModuleOverflow,
    /// The total minted or burned since genesis would pass `Upokt::MAX`.
    #[error("the supply would pass the largest amount")]
    SupplyOverflow,
}

/// What was minted (funding included) and burned since genesis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SupplyChanges {
    /// Minted, funding included.
    pub minted: Upokt,
    /// Burned.
    pub burned: Upokt,
}

impl SupplyChanges {
    /// Minted − burned: what the ledger holds in total ([`Devnet::total_held`]).
    pub fn net(&self) -> Option<Upokt> {
        self.minted.checked_sub(self.burned)
    }
}

/// Balances and the supply.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ledger {
    balances: BTreeMap<Account, Upokt>,
    gateway_module: Upokt,
    supply: SupplyChanges,
}

impl Ledger {
    pub(crate) fn balance(&self, account: &Account) -> Upokt {
        self.balances.get(account).copied().unwrap_or(Upokt::ZERO)
    }

    fn credited(&self, account: Account, amount: Upokt) -> Result<Upokt, LedgerError> {
        self.balance(&account)
            .checked_add(amount)
            .ok_or(LedgerError::BalanceOverflow { account })
    }

    fn debited(&self, account: Account, amount: Upokt) -> Result<Upokt, LedgerError> {
        let balance = self.balance(&account);
        balance
            .checked_sub(amount)
            .ok_or(LedgerError::InsufficientFunds {
                account,
                balance,
                amount,
            })
    }

    /// Creates `amount` in `to`.
    pub(crate) fn mint(&mut self, to: Account, amount: Upokt) -> Result<(), LedgerError> {
        let minted = self
            .supply
            .minted
            .checked_add(amount)
            .ok_or(LedgerError::SupplyOverflow)?;
        let balance = self.credited(to, amount)?;
        self.balances.insert(to, balance);
        self.supply.minted = minted;
        Ok(())
    }

    /// Destroys `amount` held by `from`.
    pub(crate) fn burn(&mut self, from: Account, amount: Upokt) -> Result<(), LedgerError> {
        let balance = self.debited(from, amount)?;
        let burned = self
            .supply
            .burned
            .checked_add(amount)
            .ok_or(LedgerError::SupplyOverflow)?;
        self.balances.insert(from, balance);
        self.supply.burned = burned;
        Ok(())
    }

    /// Moves `amount` from one account to another.
    pub(crate) fn transfer(
        &mut self,
        from: Account,
        to: Account,
        amount: Upokt,
    ) -> Result<(), LedgerError> {
        let from_balance = self.debited(from, amount)?;
        if from == to {
            return Ok(());
        }
        let to_balance = self.credited(to, amount)?;
        self.balances.insert(from, from_balance);
        self.balances.insert(to, to_balance);
        Ok(())
    }

    /// Moves `amount` from an account into the gateway module.
    pub(crate) fn stake_gateway(
        &mut self,
        from: Address,
        amount: Upokt,
    ) -> Result<(), LedgerError> {
        let from = Account::Address(from);
        let balance = self.debited(from, amount)?;
        let module = self
            .gateway_module
            .checked_add(amount)
            .ok_or(LedgerError::GatewayModuleOverflow)?;
        self.balances.insert(from, balance);
        self.gateway_module = module;
        Ok(())
    }

    /// Applies one of settlement's operations.
    pub(crate) fn apply(&mut self, op: &LedgerOp) -> Result<(), LedgerError> {
        match *op {
            LedgerOp::Mint { to, amount, .. } => self.mint(to, amount),
            LedgerOp::Burn { from, amount, .. } => self.burn(from, amount),
            LedgerOp::Transfer {
                from, to, amount, ..
            } => self.transfer(from, to, amount),
        }
    }

    pub(crate) fn gateway_module(&self) -> Upokt {
        self.gateway_module
    }

    pub(crate) fn supply(&self) -> SupplyChanges {
        self.supply
    }

    /// Every balance plus the gateway module; `None` past `Upokt::MAX` (which the invariant
    /// held ≤ minted rules out).
    pub(crate) fn total_held(&self) -> Option<Upokt> {
        self.balances
            .values()
            .try_fold(self.gateway_module, |sum, b| sum.checked_add(*b))
    }
}

impl Devnet {
    /// Mints `amount` to `addr` (genesis funding).
    pub fn fund(&mut self, addr: Address, amount: Upokt) -> Result<(), DevnetError> {
        Ok(self.ledger.mint(Account::Address(addr), amount)?)
    }

    /// Moves `amount` from one account's liquid balance to another's (a bank send).
    pub fn transfer(
        &mut self,
        from: &Address,
        to: &Address,
        amount: Upokt,
    ) -> Result<(), DevnetError> {
        Ok(self
            .ledger
            .transfer(Account::Address(*from), Account::Address(*to), amount)?)
    }

    /// The liquid balance of `addr`.
    pub fn balance(&self, addr: &Address) -> Upokt {
        self.ledger.balance(&Account::Address(*addr))
    }

    /// The balance of any ledger account (module accounts included).
    pub fn balance_of(&self, account: &Account) -> Upokt {
        self.ledger.balance(account)
    }

    /// What gateways have staked (the gateway module; settlement never touches it).
    pub fn gateway_module(&self) -> Upokt {
        self.ledger.gateway_module()
    }

    /// Total minted since genesis (funding included) and total burned.
    pub fn supply_changes(&self) -> SupplyChanges {
        self.ledger.supply()
    }

    /// Everything held: every ledger account plus the gateway module. Always equals minted −
    /// burned ([`SupplyChanges::net`]); `None` only if that invariant were broken.
    pub fn total_held(&self) -> Option<Upokt> {
        self.ledger.total_held()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(b: u8) -> Account {
        Account::Address(Address::from_bytes([b; 20]))
    }

    fn u(v: u64) -> Upokt {
        Upokt::new(v)
    }

    #[test]
    fn operations_keep_held_equal_to_minted_minus_burned() {
        let mut l = Ledger::default();
        l.mint(addr(1), u(100)).unwrap();
        l.transfer(addr(1), addr(2), u(30)).unwrap();
        l.burn(addr(2), u(10)).unwrap();
        l.stake_gateway(Address::from_bytes([1; 20]), u(50))
            .unwrap();
        l.transfer(addr(2), addr(2), u(20)).unwrap();
        assert_eq!((l.balance(&addr(1)), l.balance(&addr(2))), (u(20), u(20)));
        assert_eq!(l.gateway_module(), u(50));
        assert_eq!(l.total_held(), l.supply().net());
        assert_eq!(l.total_held(), Some(u(90)));
    }

    #[test]
    fn a_refused_operation_writes_nothing() {
        let mut l = Ledger::default();
        l.mint(addr(1), u(5)).unwrap();
        let before = l.clone();
        assert_eq!(
            l.transfer(addr(1), addr(2), u(6)),
            Err(LedgerError::InsufficientFunds {
                account: addr(1),
                balance: u(5),
                amount: u(6)
            })
        );
        assert!(l.transfer(addr(1), addr(1), u(6)).is_err());
        assert!(l.burn(addr(2), u(1)).is_err());
        assert!(l.stake_gateway(Address::from_bytes([1; 20]), u(6)).is_err());
        // The supply cannot pass u64::MAX: a second mint is refused, not wrapped or saturated.
        l.mint(addr(3), Upokt::MAX.checked_sub(u(5)).unwrap())
            .unwrap();
        let full = l.clone();
        assert_eq!(l.mint(addr(4), u(1)), Err(LedgerError::SupplyOverflow));
        assert_eq!(l.balance(&addr(4)), Upokt::ZERO);
        assert_eq!(l.supply(), full.supply());
        assert_eq!(l.total_held(), Some(Upokt::MAX));
        assert_eq!(before.balance(&addr(1)), l.balance(&addr(1)));
    }

    #[test]
    fn settlement_ops_apply_in_kind() {
        use pokt_tokenomics::Reason;
        let mut l = Ledger::default();
        l.mint(Account::ApplicationModule, u(10)).unwrap();
        l.apply(&LedgerOp::Burn {
            from: Account::ApplicationModule,
            amount: u(4),
            reason: Reason::RelayBurn,
        })
        .unwrap();
        l.apply(&LedgerOp::Mint {
            to: Account::TokenomicsModule,
            amount: u(4),
            reason: Reason::RelayMint,
        })
        .unwrap();
        assert_eq!(
            l.supply(),
            SupplyChanges {
                minted: u(14),
                burned: u(4)
            }
        );
        assert!(
            l.apply(&LedgerOp::Burn {
                from: Account::SupplierModule,
                amount: u(1),
                reason: Reason::RelayBurn,
            })
            .is_err()
        );
    }
}
