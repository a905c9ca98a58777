//! `pokt settle` and `pokt eval settle`: one block's settlement from a JSON description
//! (spec/eval.md, topic `settle`), printed as JSON or as a table of ledger operations.

use std::collections::BTreeMap;

use pokt_primitives::{Address, ServiceId, SessionId, TargetHash};
use pokt_tokenomics::{
    Account, Actor, AppAccount, BlockInput, BlockSettlement, ClaimInput, ClaimPricing,
    ComputeUnits, DiscardReason, Event, Expiry, Fraction, LedgerOp, Metering, Outcome,
    ProofFailure, Reason, RevShare, SettleError, Shares, TokenomicsParams, Upokt, settle_block,
    settle_block_strict,
};
use serde_json::{Map, Value, json};

type Obj = Map<String, Value>;

fn get<'a>(o: &'a Obj, name: &str) -> Result<&'a Value, String> {
    o.get(name).ok_or_else(|| format!("missing field {name}"))
}

fn obj<'a>(o: &'a Obj, name: &str) -> Result<&'a Obj, String> {
    get(o, name)?
        .as_object()
        .ok_or_else(|| format!("field {name} is not an object"))
}

fn string<'a>(o: &'a Obj, name: &str) -> Result<&'a str, String> {
    get(o, name)?
        .as_str()
        .ok_or_else(|| format!("field {name} is not a string"))
}

/// A u64 given as a JSON number or a decimal string.
fn uint(o: &Obj, name: &str) -> Result<u64, String> {
    match get(o, name)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("field {name} is not an unsigned 64-bit integer"))
}

/// An amount given as a JSON number or a decimal string.
fn upokt(o: &Obj, name: &str) -> Result<Upokt, String> {
    uint(o, name).map(Upokt::new)
}

fn address(o: &Obj, name: &str) -> Result<Address, String> {
    string(o, name)?
        .parse()
        .map_err(|e| format!("field {name}: {e}"))
}

/// A fractional param as the chain holds it: a float64 (given as a number or a decimal string)
/// converted through its shortest decimal form.
fn fraction(o: &Obj, name: &str) -> Result<Fraction, String> {
    let f: f64 = match get(o, name)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("field {name} is not a number"))?;
    Fraction::from_f64_shortest(f).map_err(|e| format!("field {name}: {e}"))
}

fn shares(o: &Obj, name: &str) -> Result<Shares, String> {
    let s = obj(o, name)?;
    Ok(Shares {
        dao: fraction(s, "dao")?,
        proposer: fraction(s, "proposer")?,
        supplier: fraction(s, "supplier")?,
        source_owner: fraction(s, "source_owner")?,
        application: fraction(s, "application")?,
    })
}

fn params(case: &Obj) -> Result<TokenomicsParams, String> {
    match get(case, "params")? {
        Value::String(s) if s == "mainnet" => {
            TokenomicsParams::mainnet().map_err(|e| e.to_string())
        }
        Value::Object(p) => Ok(TokenomicsParams {
            mint_ratio: fraction(p, "mint_ratio")?,
            global_inflation_per_claim: fraction(p, "global_inflation_per_claim")?,
            mint_allocation: shares(p, "mint_allocation_percentages")?,
            mint_equals_burn_distribution: shares(p, "mint_equals_burn_claim_distribution")?,
            dao_reward_address: address(p, "dao_reward_address")?,
            overservicing_bonus_multiplier: uint(p, "overservicing_bonus_multiplier")?,
        }),
        _ => Err("params must be \"mainnet\" or an object".into()),
    }
}

fn claim(c: &Obj) -> Result<ClaimInput, String> {
    let rev_shares = get(c, "rev_shares")?
        .as_array()
        .ok_or("field rev_shares is not an array")?
        .iter()
        .map(|r| {
            let r = r.as_object().ok_or("a revenue share is not an object")?;
            Ok(RevShare {
                address: address(r, "address")?,
                percentage: uint(r, "percentage")?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(ClaimInput {
        supplier_operator: address(c, "supplier_operator")?,
        supplier_owner: address(c, "supplier_owner")?,
        rev_shares,
        application: address(c, "application")?,
        service_id: ServiceId::new(string(c, "service_id")?).map_err(|e| e.to_string())?,
        source_owner: address(c, "source_owner")?,
        session_id: SessionId::from_wire(string(c, "session_id")?).map_err(|e| e.to_string())?,
        num_relays: uint(c, "num_relays")?,
        num_compute_units: ComputeUnits::new(uint(c, "num_compute_units")?),
        compute_units_per_relay: ComputeUnits::new(uint(c, "compute_units_per_relay")?),
        // Extension (spec/llm.md): optional, false when absent.
        metering: match c.get("token_metered") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => Metering::FixedPerRelay,
            Some(Value::Bool(true)) => Metering::TokenMetered,
            Some(_) => return Err("field token_metered is not a boolean".into()),
        },
        pricing: ClaimPricing {
            target_hash: TargetHash::from_hex(string(c, "target_hash")?)
                .map_err(|e| format!("field target_hash: {e}"))?,
            compute_units_to_tokens_multiplier: uint(c, "compute_units_to_tokens_multiplier")?,
            compute_unit_cost_granularity: uint(c, "compute_unit_cost_granularity")?,
        },
    })
}

/// Everything a block's settlement reads, owned.
pub(crate) struct Block {
    claims: Vec<ClaimInput>,
    apps: BTreeMap<Address, AppAccount>,
    params: TokenomicsParams,
    num_pending_sessions: u64,
    proposer: Address,
    application_min_stake: Upokt,
    /// `settle_block` (mode "go") or `settle_block_strict` (mode "strict").
    settle: fn(&BlockInput<'_>) -> Result<BlockSettlement, SettleError>,
    expiry: Expiry,
}

/// Reads the optional `expiry` object: `failed_proofs` ({claim index: "missing"|"invalid"}),
/// `supplier_stakes`, `penalty_upokt`, `supplier_min_stake_upokt`.
fn expiry(case: &Obj) -> Result<Expiry, String> {
    let Some(e) = case.get("expiry") else {
        return Ok(Expiry::default());
    };
    let e = e.as_object().ok_or("field expiry is not an object")?;
    let mut out = Expiry {
        proof_missing_penalty: upokt(e, "penalty_upokt")?,
        supplier_min_stake: upokt(e, "supplier_min_stake_upokt")?,
        ..Expiry::default()
    };
    for (k, v) in obj(e, "failed_proofs")? {
        let i: usize = k
            .parse()
            .map_err(|_| format!("failed_proofs: {k} is not a claim index"))?;
        let f = match v.as_str() {
            Some("missing") => ProofFailure::Missing,
            Some("invalid") => ProofFailure::Invalid,
            _ => {
                return Err(format!(
                    "failed_proofs: {k}: neither \"missing\" nor \"invalid\""
                ));
            }
        };
        out.failed_proofs.insert(i, f);
    }
    for (a, v) in obj(e, "supplier_stakes")? {
        let stake = match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| format!("supplier_stakes: {a} is not a u64"))?;
        out.supplier_stakes.insert(
            a.parse()
                .map_err(|e| format!("supplier_stakes: {a}: {e}"))?,
            Upokt::new(stake),
        );
    }
    Ok(out)
}

/// Reads a block description (the `settle` topic's input object).
pub(crate) fn parse(case: &Obj) -> Result<Block, String> {
    let claims = get(case, "claims")?
        .as_array()
        .ok_or("field claims is not an array")?
        .iter()
        .map(|c| claim(c.as_object().ok_or("a claim is not an object")?))
        .collect::<Result<Vec<_>, String>>()?;
    let mut apps = BTreeMap::new();
    for (addr, a) in obj(case, "apps")? {
        let a = a.as_object().ok_or("an application is not an object")?;
        let limit = match a.get("per_session_spend_limit") {
            None | Some(Value::Null) => None,
            Some(_) => Some(upokt(a, "per_session_spend_limit")?),
        };
        apps.insert(
            addr.parse::<Address>()
                .map_err(|e| format!("apps: {addr}: {e}"))?,
            AppAccount {
                stake: upokt(a, "stake")?,
                per_session_spend_limit: limit,
            },
        );
    }
    let settle = match case.get("mode").and_then(Value::as_str).unwrap_or("go") {
        "go" => settle_block,
        "strict" => settle_block_strict,
        m => return Err(format!("mode {m:?} is neither \"go\" nor \"strict\"")),
    };
    Ok(Block {
        claims,
        apps,
        params: params(case)?,
        num_pending_sessions: uint(case, "num_pending_sessions")?,
        proposer: address(case, "proposer")?,
        application_min_stake: upokt(case, "application_min_stake")?,
        settle,
        expiry: expiry(case)?,
    })
}

impl Block {
    /// Settles the block.
    pub(crate) fn settle(&self) -> Result<BlockSettlement, String> {
        (self.settle)(&BlockInput {
            claims: &self.claims,
            apps: self.apps.clone(),
            num_pending_sessions: self.num_pending_sessions,
            params: &self.params,
            proposer: self.proposer,
            application_min_stake: self.application_min_stake,
            expiry: self.expiry.clone(),
        })
        .map_err(|e| e.to_string())
    }
}

fn account(a: &Account) -> String {
    match a {
        Account::ApplicationModule => "application_module".into(),
        Account::TokenomicsModule => "tokenomics_module".into(),
        Account::SupplierModule => "supplier_module".into(),
        Account::Address(a) => a.to_string(),
    }
}

fn actor(a: Actor) -> &'static str {
    match a {
        Actor::Dao => "dao",
        Actor::Proposer => "proposer",
        Actor::Supplier => "supplier",
        Actor::SourceOwner => "source_owner",
        Actor::Application => "application",
    }
}

fn reason(r: &Reason) -> String {
    match r {
        Reason::RelayBurn => "relay_burn".into(),
        Reason::RelayMint => "relay_mint".into(),
        Reason::RelayMintShare(a) => format!("relay_mint_share:{}", actor(*a)),
        Reason::GlobalMint => "global_mint".into(),
        Reason::GlobalMintShare(a) => format!("global_mint_share:{}", actor(*a)),
        Reason::ReimbursementRequest => "reimbursement_request".into(),
        Reason::ProofPenalty => "proof_penalty".into(),
    }
}

fn op_json(op: &LedgerOp) -> Value {
    match op {
        LedgerOp::Mint {
            to,
            amount,
            reason: r,
        } => {
            json!({"op": "mint", "to": account(to), "amount": amount.get().to_string(), "reason": reason(r)})
        }
        LedgerOp::Burn {
            from,
            amount,
            reason: r,
        } => {
            json!({"op": "burn", "from": account(from), "amount": amount.get().to_string(), "reason": reason(r)})
        }
        LedgerOp::Transfer {
            from,
            to,
            amount,
            reason: r,
        } => json!({
            "op": "transfer", "from": account(from), "to": account(to),
            "amount": amount.get().to_string(), "reason": reason(r)
        }),
    }
}

fn failure_name(f: ProofFailure) -> &'static str {
    match f {
        ProofFailure::Missing => "missing",
        ProofFailure::Invalid => "invalid",
    }
}

fn discard(d: &DiscardReason) -> String {
    match d {
        DiscardReason::UnknownApplication => "unknown_application".into(),
        DiscardReason::ZeroComputeUnitsPerRelay => "zero_compute_units_per_relay".into(),
        DiscardReason::Value(e) => format!("value: {e}"),
        DiscardReason::InvalidClaim => "invalid_claim".into(),
        DiscardReason::InsufficientStake => "insufficient_stake".into(),
        DiscardReason::ZeroMint => "zero_mint".into(),
        DiscardReason::NoRevShares => "no_rev_shares".into(),
        DiscardReason::InsufficientStakeForReimbursement => {
            "insufficient_stake_for_reimbursement".into()
        }
    }
}

fn event_json(e: &Event) -> Value {
    match e {
        Event::ApplicationOverserviced {
            application,
            supplier_operator,
            expected_burn: expected_upokt,
            effective_burn: effective_upokt,
        } => json!({
            "event": "application_overserviced", "application": application.to_string(),
            "supplier_operator": supplier_operator.to_string(),
            "expected_upokt": expected_upokt.digits().to_string(), "effective_upokt": effective_upokt.get().to_string()
        }),
        Event::ApplicationReimbursementRequest {
            application,
            amount,
        } => json!({
            "event": "application_reimbursement_request", "application": application.to_string(),
            "amount": amount.get().to_string()
        }),
        Event::RevShareFallback { supplier_operator } => json!({
            "event": "rev_share_fallback", "supplier_operator": supplier_operator.to_string()
        }),
        Event::ApplicationUnbondingStarted { application } => json!({
            "event": "application_unbonding_started", "application": application.to_string()
        }),
        Event::SupplierUnbondingStarted { supplier_operator } => json!({
            "event": "supplier_unbonding_started", "supplier_operator": supplier_operator.to_string()
        }),
    }
}

/// The settlement as the `settle` topic's output object.
pub(crate) fn to_json(s: &BlockSettlement) -> Value {
    let outcomes: Vec<Value> = s
        .outcomes()
        .iter()
        .map(|o| match o {
            Outcome::Settled {
                claimed: claimed_upokt,
                settled: settled_upokt,
            } => json!({"outcome": "settled", "claimed_upokt": claimed_upokt.digits().to_string(),
                        "settled_upokt": settled_upokt.get().to_string()}),
            Outcome::Discarded(d) => json!({"outcome": "discarded", "reason": discard(d)}),
            Outcome::Expired {
                failure,
                penalty: penalty_upokt,
            } => json!({"outcome": "expired", "failure": failure_name(*failure),
                        "penalty_upokt": penalty_upokt.get().to_string()}),
        })
        .collect();
    let stakes: Map<String, Value> = s
        .app_stakes()
        .iter()
        .map(|(a, v)| (a.to_string(), Value::String(v.get().to_string())))
        .collect();
    json!({
        "ops": s.ops().iter().map(op_json).collect::<Vec<_>>(),
        "outcomes": outcomes,
        "events": s.events().iter().map(event_json).collect::<Vec<_>>(),
        "app_stakes": stakes,
        "supplier_stakes": s.supplier_stakes().iter().map(|(a, v)| (a.to_string(), Value::String(v.get().to_string()))).collect::<Map<String, Value>>(),
        "minted": s.minted().digits().to_string(),
        "burned": s.burned().digits().to_string(),
    })
}

/// `pokt eval settle`: one block per case.
pub(crate) fn eval(case: &Obj) -> Result<Value, String> {
    Ok(to_json(&parse(case)?.settle()?))
}

/// `pokt settle FILE`: prints the ledger operations as a table (or the eval JSON with `json`).
pub(crate) fn run(input: &str, as_json: bool) -> anyhow::Result<()> {
    let v: Value = serde_json::from_str(input)?;
    let case = v
        .as_object()
        .ok_or_else(|| anyhow::anyhow!("the scenario is not a JSON object"))?;
    let block = parse(case).map_err(|e| anyhow::anyhow!(e))?;
    let s = block.settle().map_err(|e| anyhow::anyhow!(e))?;
    if as_json {
        println!("{}", serde_json::to_string_pretty(&to_json(&s))?);
        return Ok(());
    }
    println!(
        "{:<4} {:<9} {:<20} {:<20} {:>16}  reason",
        "#", "op", "from", "to", "uPOKT"
    );
    let short = |a: &Account| {
        let s = account(a);
        if s.len() > 20 {
            format!("{}…{}", &s[..9], &s[s.len() - 6..])
        } else {
            s
        }
    };
    for (i, op) in s.ops().iter().enumerate() {
        let (kind, from, to, amount, r) = match op {
            LedgerOp::Mint { to, amount, reason } => {
                ("mint", String::new(), short(to), amount, reason)
            }
            LedgerOp::Burn {
                from,
                amount,
                reason,
            } => ("burn", short(from), String::new(), amount, reason),
            LedgerOp::Transfer {
                from,
                to,
                amount,
                reason,
            } => ("transfer", short(from), short(to), amount, reason),
        };
        let amount = amount.get();
        println!(
            "{i:<4} {kind:<9} {from:<20} {to:<20} {amount:>16}  {}",
            reason(r)
        );
    }
    println!();
    for (i, o) in s.outcomes().iter().enumerate() {
        match o {
            Outcome::Settled {
                claimed: claimed_upokt,
                settled: settled_upokt,
            } => println!(
                "claim {i}: settled {} uPOKT (claimed {})",
                settled_upokt.get(),
                claimed_upokt.digits()
            ),
            Outcome::Discarded(d) => println!("claim {i}: discarded ({})", discard(d)),
            Outcome::Expired {
                failure,
                penalty: penalty_upokt,
            } => println!(
                "claim {i}: expired (proof {}), supplier penalised {} uPOKT",
                failure_name(*failure),
                penalty_upokt.get()
            ),
        }
    }
    for e in s.events() {
        println!("event: {}", event_json(e));
    }
    println!(
        "minted {} uPOKT, burned {} uPOKT",
        s.minted().digits(),
        s.burned().digits()
    );
    Ok(())
}
