//! `pokt difficulty` (walk a service's difficulty over settled relay counts) and `pokt proof
//! verify` (the chain's proof validation on message files).

use anyhow::{Context, bail};
use pokt_crypto::VerifyingKey;
use pokt_mining::{
    Controller, DifficultyHistory, EstimatedRelayEma, MinedRelayEma, ProofContext,
    RelayMiningDifficulty, validate_claim_root, validate_proof, validate_proof_go_compatible,
};
use pokt_primitives::{
    Address, BlockHash, BlockHeight, ComputeUnits, Message, MsgCreateClaim, MsgSubmitProof,
    SharedParams, TargetHash,
};
use pokt_session::WindowOffsets;
use serde::Deserialize;
use serde_json::json;

/// Which controller feeds the EMA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ControllerKind {
    /// poktroll: the EMA is fed the mined (claimed) relays.
    Poktroll,
    /// The Relay Mining paper: the EMA is fed the estimated relays (mined ÷ probability).
    Paper,
}

/// Walks the difficulty over one settlement per count. With `served`, each count is the relays
/// served in that settlement and the mined count is its expectation ⌊served · p⌋ under the
/// difficulty in force; otherwise each count is the mined relays. Prints one JSON object per
/// settlement.
pub(crate) fn difficulty(
    counts: &[u64],
    target_num_relays: u64,
    controller: ControllerKind,
    served: bool,
) -> anyhow::Result<()> {
    let mut history = DifficultyHistory::new();
    let mut current = RelayMiningDifficulty::default_for(target_num_relays);
    for (i, &count) in counts.iter().enumerate() {
        let p = current.probability_f64();
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let mined = if served {
            (count as f64 * p).floor() as u64
        } else {
            count
        };
        let height = i64::try_from(i).unwrap_or(i64::MAX);
        let next = match controller {
            ControllerKind::Poktroll => step(
                &mut history,
                &MinedRelayEma,
                height,
                mined,
                target_num_relays,
            ),
            ControllerKind::Paper => step(
                &mut history,
                &EstimatedRelayEma,
                height,
                mined,
                target_num_relays,
            ),
        };
        let Some(next) = next else {
            bail!("settlement {i}: the EMA reached 0 (no relays to settle)");
        };
        println!(
            "{}",
            json!({
                "settlement": i,
                "served": if served { json!(count) } else { json!(null) },
                "mined": mined,
                "probability_before": p,
                "ema": next.num_relays_ema,
                "target_hash": next.target_hash.to_hex(),
                "probability_after": next.probability_f64(),
            })
        );
        current = next;
    }
    Ok(())
}

fn step(
    h: &mut DifficultyHistory,
    c: &impl Controller,
    height: i64,
    mined: u64,
    target_num_relays: u64,
) -> Option<RelayMiningDifficulty> {
    h.update(
        c,
        BlockHeight::new(height),
        BlockHeight::new(height.saturating_add(1)),
        mined,
        target_num_relays,
    )
}

/// What the chain knows when it judges a proof (the `--context` JSON file).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProofInputs {
    /// The suppliers of the chain's session.
    session_suppliers: Vec<String>,
    /// The application's ring at the session end height, hex keys.
    ring: Vec<String>,
    /// The supplier's public key, hex.
    supplier_key: String,
    /// The service's target hash at the session start, hex (64 chars).
    target_hash: String,
    /// The block hash at proof window open − 1, hex.
    seed_block_hash: String,
    /// Whether the proof arrives inside the proof window (default true).
    #[serde(default = "yes")]
    in_proof_window: bool,
    /// The claim's compute units per relay, for the claim checks (default: skip them).
    #[serde(default)]
    compute_units_per_relay: Option<u64>,
    /// Strict closest-proof verification (default false: the chain's verdict).
    #[serde(default)]
    strict: bool,
}

fn yes() -> bool {
    true
}

fn read_hex_file(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    hex::decode(text.trim()).with_context(|| format!("{}: hex", path.display()))
}

fn key(hex_key: &str) -> anyhow::Result<VerifyingKey> {
    VerifyingKey::from_sec1(&hex::decode(hex_key.trim()).context("key hex")?)
        .map_err(|e| anyhow::anyhow!("key {hex_key}: {e}"))
}

fn bytes32(hex32: &str, what: &str) -> anyhow::Result<[u8; 32]> {
    hex::decode(hex32.trim())
        .with_context(|| what.to_string())?
        .try_into()
        .map_err(|_| anyhow::anyhow!("{what}: 32 bytes expected"))
}

/// Judges `proof` (MsgSubmitProof, hex file) against `claim` (MsgCreateClaim, hex file) with the
/// chain's knowledge from `context`. Prints a JSON verdict and returns whether the proof is valid.
pub(crate) fn proof_verify(
    claim: &std::path::Path,
    proof: &std::path::Path,
    context: &std::path::Path,
) -> anyhow::Result<bool> {
    let claim = MsgCreateClaim::decode(&read_hex_file(claim)?).context("claim message")?;
    let proof = MsgSubmitProof::decode(&read_hex_file(proof)?).context("proof message")?;
    let inputs: ProofInputs = serde_json::from_str(
        &std::fs::read_to_string(context).with_context(|| format!("{}", context.display()))?,
    )
    .context("context JSON")?;
    let header = claim
        .session_header
        .clone()
        .context("the claim has no session header")?;
    let suppliers = inputs
        .session_suppliers
        .iter()
        .map(|a| {
            a.parse::<Address>()
                .map_err(|e| anyhow::anyhow!("{a}: {e}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ring = inputs
        .ring
        .iter()
        .map(|k| key(k))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let supplier_key = key(&inputs.supplier_key)?;
    let target = TargetHash::from_bytes(bytes32(&inputs.target_hash, "target_hash")?);
    let seed = BlockHash::from_bytes(bytes32(&inputs.seed_block_hash, "seed_block_hash")?);
    if let Some(cu) = inputs.compute_units_per_relay
        && let Err(e) = validate_claim_root(&claim.root_hash, ComputeUnits::new(cu))
    {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"verdict": "invalid", "step": "claim", "reason": e.to_string()})
            )?
        );
        return Ok(false);
    }
    // The context says only whether the proof arrives in its window: stand for that with the
    // session's windows under the code-default offsets and a height at the window's opening or
    // just after its close.
    let offsets = WindowOffsets::from(&SharedParams::defaults());
    let windows = offsets
        .windows(BlockHeight::new(header.session_end_block_height))
        .or_else(|| offsets.windows(BlockHeight::ZERO))
        .context("proof windows")?;
    let height = if inputs.in_proof_window {
        windows.proof_window_open
    } else {
        windows
            .proof_window_close
            .checked_next()
            .context("proof window close")?
    };
    let ctx = ProofContext {
        session_header: &header,
        session_suppliers: &suppliers,
        height,
        windows: &windows,
        target: &target,
        claim_root: &claim.root_hash,
        ring: &ring,
        supplier_key: &supplier_key,
        seed_block_hash: &seed,
    };
    let validated = if inputs.strict {
        validate_proof(&proof, &ctx)
    } else {
        validate_proof_go_compatible(&proof, &ctx)
    };
    let verdict = match validated {
        Ok(v) => json!({
            "verdict": "valid",
            "strict": inputs.strict,
            "relay_hash": v.relay().relay_hash().to_hex(),
            "weight": v.weight().get(),
        }),
        Err(e) => json!({
            "verdict": "invalid",
            "strict": inputs.strict,
            "step": e.step(),
            "reason": e.to_string(),
        }),
    };
    println!("{}", serde_json::to_string_pretty(&verdict)?);
    Ok(verdict["verdict"] == "valid")
}
