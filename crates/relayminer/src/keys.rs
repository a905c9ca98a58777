//! Supplier operator keys, from key files or environment variables. A secret is never printed
//! or logged: errors name the file or variable, never its content, and [`OperatorKeys`]' `Debug`
//! shows addresses only. [RM-KEYS-1]

use std::collections::BTreeMap;
use std::path::PathBuf;

use pokt_crypto::SigningKey;
use pokt_primitives::Address;
use zeroize::Zeroizing;

use crate::config::Config;

/// Why a key could not be loaded (never containing the secret).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key file could not be read.
    #[error("suppliers.key_files: reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The environment variable is not set.
    #[error("suppliers.key_env: environment variable {0} is not set")]
    MissingEnv(String),
    /// The content is not a 32-byte hex secp256k1 secret key.
    #[error("{0}: not a 64-hex-digit secp256k1 secret key")]
    Malformed(String),
    /// Two sources give the same operator.
    #[error("{0}: operator {1} is given twice")]
    Duplicate(String, Address),
}

/// The supplier operator keys the relay miner signs for, by address.
#[derive(Clone, Default)]
pub struct OperatorKeys {
    keys: BTreeMap<Address, SigningKey>,
}

impl std::fmt::Debug for OperatorKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.keys.keys()).finish()
    }
}

fn parse(what: &str, text: &str) -> Result<SigningKey, KeyError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    let t = text.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    hex::decode_to_slice(t, bytes.as_mut_slice()).map_err(|_| KeyError::Malformed(what.into()))?;
    SigningKey::from_bytes(&bytes).map_err(|_| KeyError::Malformed(what.into()))
}

impl OperatorKeys {
    /// Keys from explicit signing keys (tests, embedding).
    pub fn from_keys(keys: impl IntoIterator<Item = SigningKey>) -> Self {
        Self {
            keys: keys.into_iter().map(|k| (k.address(), k)).collect(),
        }
    }

    /// Loads every key the configuration names (files relative to the config file, then
    /// environment variables).
    pub fn load(cfg: &Config) -> Result<Self, KeyError> {
        let mut out = Self::default();
        for f in &cfg.suppliers.key_files {
            let path = cfg.resolve(f);
            let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|source| {
                KeyError::Read {
                    path: path.clone(),
                    source,
                }
            })?);
            let what = format!("suppliers.key_files ({})", path.display());
            out.insert(&what, parse(&what, &text)?)?;
        }
        for var in &cfg.suppliers.key_env {
            let text =
                Zeroizing::new(std::env::var(var).map_err(|_| KeyError::MissingEnv(var.clone()))?);
            let what = format!("suppliers.key_env ({var})");
            out.insert(&what, parse(&what, &text)?)?;
        }
        Ok(out)
    }

    fn insert(&mut self, what: &str, k: SigningKey) -> Result<(), KeyError> {
        let a = k.address();
        if self.keys.insert(a, k).is_some() {
            return Err(KeyError::Duplicate(what.into(), a));
        }
        Ok(())
    }

    /// The operator addresses.
    pub fn addresses(&self) -> Vec<Address> {
        self.keys.keys().copied().collect()
    }

    /// The key of `operator`.
    pub fn get(&self, operator: &Address) -> Option<&SigningKey> {
        self.keys.get(operator)
    }

    /// Every (address, key).
    pub fn iter(&self) -> impl Iterator<Item = (&Address, &SigningKey)> {
        self.keys.iter()
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_errors_never_show_the_secret() {
        let secret = "11".repeat(32);
        let k = parse("x", &secret).unwrap();
        let keys = OperatorKeys::from_keys([k.clone()]);
        let d = format!("{keys:?}");
        assert!(!d.contains(&secret) && d.contains(&k.address().to_string()));
        let e = parse("suppliers.key_env (K)", &"zz".repeat(32)).unwrap_err();
        assert!(!e.to_string().contains("zz"));
        assert!(parse("x", &format!("0x{secret}\n")).is_ok());
    }
}
