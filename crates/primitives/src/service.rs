//! Service identifiers.

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

/// The longest service id the chain accepts.
pub const SERVICE_ID_MAX_LEN: usize = 42;

/// A service id: 1–42 characters of `[a-zA-Z0-9_-]` (`x/shared/types/service.go`).
///
/// # Spec
/// `[PRIM-SVC-1]`
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceId(String);

/// Why a string is not a service id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceIdError {
    /// Empty or longer than [`SERVICE_ID_MAX_LEN`].
    #[error("service id length {got} is outside 1..=42")]
    Length {
        /// The length found.
        got: usize,
    },
    /// A character outside `[a-zA-Z0-9_-]`.
    #[error("service id has a character outside [a-zA-Z0-9_-]")]
    Character,
}

impl ServiceId {
    /// Validates and wraps a service id.
    pub fn new(s: &str) -> Result<Self, ServiceIdError> {
        if s.is_empty() || s.len() > SERVICE_ID_MAX_LEN {
            return Err(ServiceIdError::Length { got: s.len() });
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(ServiceIdError::Character);
        }
        Ok(Self(String::from(s)))
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ServiceId {
    type Err = ServiceIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<&str> for ServiceId {
    type Error = ServiceIdError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl AsRef<str> for ServiceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServiceId({})", self.0)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ServiceId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for ServiceId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert!(ServiceId::new("anvil").is_ok());
        assert!(ServiceId::new("a_B-9").is_ok());
        assert!(ServiceId::new(&"x".repeat(42)).is_ok());
        assert_eq!(ServiceId::new(""), Err(ServiceIdError::Length { got: 0 }));
        assert_eq!(
            ServiceId::new(&"x".repeat(43)),
            Err(ServiceIdError::Length { got: 43 })
        );
        assert_eq!(ServiceId::new("a.b"), Err(ServiceIdError::Character));
        assert_eq!(ServiceId::new("é"), Err(ServiceIdError::Character));
    }
}
