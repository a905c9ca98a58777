//! `pokt keys`: the public key and address of a secret key (read from stdin so it stays out of
//! shell history), the key derived from a secret string, and the placeholder ring key. Secrets are
//! never printed.

use anyhow::{Context, bail};
use pokt_crypto::{Ed25519SigningKey, RelaySigner, SigningKey};
use serde_json::json;
use zeroize::Zeroizing;

/// How the key is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Source {
    /// A 32-byte secp256k1 secret as 64 hex characters on stdin.
    Secp256k1,
    /// A 32-byte ed25519 seed as 64 hex characters on stdin.
    Ed25519,
    /// Any secret string on stdin, derived as Cosmos `GenPrivKeyFromSecret` does.
    FromSecret,
    /// The placeholder ring key of applications without gateways (no input).
    Placeholder,
}

fn secret32(text: &str) -> anyhow::Result<Zeroizing<[u8; 32]>> {
    let bytes = Zeroizing::new(hex::decode(text.trim()).context("the secret is not hex")?);
    let mut out = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        bail!("the secret must be 32 bytes, got {}", bytes.len());
    }
    out.copy_from_slice(&bytes);
    Ok(out)
}

/// Prints `{"algorithm", "public_key", "address"}` for the key read from `input`.
pub(crate) fn run(source: Source, input: &str) -> anyhow::Result<()> {
    let out = match source {
        Source::Ed25519 => {
            let key = Ed25519SigningKey::from_bytes(&*secret32(input)?);
            json!({"algorithm": "ed25519", "public_key": hex::encode(key.verifier().to_bytes())})
        }
        Source::Secp256k1 | Source::FromSecret | Source::Placeholder => {
            let key = match source {
                Source::Secp256k1 => SigningKey::from_bytes(&*secret32(input)?),
                Source::FromSecret => {
                    pokt_crypto::key_from_secret(input.trim_end_matches('\n').as_bytes())
                }
                _ => pokt_crypto::placeholder_key(),
            }
            .map_err(|e| anyhow::anyhow!("not a valid key: {e}"))?;
            json!({
                "algorithm": "secp256k1",
                "public_key": hex::encode(key.verifying_key().as_bytes()),
                "address": key.address().to_string(),
            })
        }
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
