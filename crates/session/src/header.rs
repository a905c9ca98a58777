//! The session header: the typed header of a derived session, its wire form, and the basic
//! validation every relay, claim and proof header passes. The one home of these rules.
//! [SESSION-HEADER-1]

use pokt_primitives::{
    Address, AddressError, BlockHeight, ServiceId, ServiceIdError, SessionHeader as WireHeader,
    SessionId,
};

/// The session header every relay, claim and proof carries, as derived from the chain's state.
///
/// Its wire form ([`to_wire`](Self::to_wire)) is `pokt_primitives::SessionHeader`, the message
/// relays, claims and proofs carry; a received wire header is checked with
/// [`validate_wire_header`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionHeader {
    /// The application's address.
    pub application: Address,
    /// The service.
    pub service_id: ServiceId,
    /// The session id.
    pub session_id: SessionId,
    /// First block of the session.
    pub start: BlockHeight,
    /// Last block of the session (inclusive).
    pub end: BlockHeight,
}

impl SessionHeader {
    /// The wire header of this session: the application's bech32 address, the service id, the
    /// session id as 64 lowercase hex characters, the start and end heights. [SESSION-HEADER-1]
    pub fn to_wire(&self) -> WireHeader {
        WireHeader {
            application_address: self.application.as_str().into(),
            service_id: self.service_id.as_str().into(),
            session_id: self.session_id.to_hex(),
            session_start_block_height: self.start.get(),
            session_end_block_height: self.end.get(),
        }
    }
}

impl From<&SessionHeader> for WireHeader {
    fn from(h: &SessionHeader) -> Self {
        h.to_wire()
    }
}

/// Why a wire session header fails the chain's basic validation (`SessionHeader.ValidateBasic`),
/// in the order the chain checks. [SESSION-HEADER-1]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The application address is not a bech32 `pokt` address.
    #[error("application address: {0}")]
    ApplicationAddress(AddressError),
    /// The session id is empty.
    #[error("session id is empty")]
    EmptySessionId,
    /// The service id is not a valid service id.
    #[error("service id: {0}")]
    ServiceId(ServiceIdError),
    /// The start height is below 1.
    #[error("session start height {start} is below 1")]
    StartHeight {
        /// The header's start height.
        start: BlockHeight,
    },
    /// The end height is not after the start height.
    #[error("session end height {end} is not after start height {start}")]
    EndHeight {
        /// The header's start height.
        start: BlockHeight,
        /// The header's end height.
        end: BlockHeight,
    },
}

/// The chain's basic validation of a received session header (`SessionHeader.ValidateBasic`):
/// application address is valid bech32 `pokt`, session id non-empty, service id valid, start ≥ 1,
/// end > start. It does not compare the header with the chain's session (the caller does that
/// against [`SessionHeader::to_wire`]). [SESSION-HEADER-1]
///
/// ```
/// use pokt_primitives::{BlockHeight, SessionHeader};
/// use pokt_session::{HeaderError, validate_wire_header};
/// let mut h = SessionHeader {
///     application_address: "pokt1v9utztg8z8e6jv9xzv7rnt3m38570xsyjr2crf".into(),
///     service_id: "llm".into(),
///     session_id: "ab".repeat(32),
///     session_start_block_height: 11,
///     session_end_block_height: 20,
/// };
/// assert_eq!(validate_wire_header(&h), Ok(()));
/// h.session_end_block_height = 11;
/// assert_eq!(
///     validate_wire_header(&h),
///     Err(HeaderError::EndHeight { start: BlockHeight::new(11), end: BlockHeight::new(11) })
/// );
/// ```
pub fn validate_wire_header(h: &WireHeader) -> Result<(), HeaderError> {
    h.application_address
        .parse::<Address>()
        .map_err(HeaderError::ApplicationAddress)?;
    if h.session_id.is_empty() {
        return Err(HeaderError::EmptySessionId);
    }
    ServiceId::new(&h.service_id).map_err(HeaderError::ServiceId)?;
    let start = BlockHeight::new(h.session_start_block_height);
    let end = BlockHeight::new(h.session_end_block_height);
    if start < BlockHeight::new(1) {
        return Err(HeaderError::StartHeight { start });
    }
    if end <= start {
        return Err(HeaderError::EndHeight { start, end });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn header() -> SessionHeader {
        SessionHeader {
            application: Address::from_bytes([7; 20]),
            service_id: ServiceId::new("llm").unwrap(),
            session_id: SessionId::from_bytes([0xab; 32]),
            start: BlockHeight::new(11),
            end: BlockHeight::new(20),
        }
    }

    /// A derived header's wire form passes the basic validation, and each rule is reachable in
    /// the chain's order.
    #[test]
    fn wire_form_and_each_rule() {
        let wire = header().to_wire();
        assert_eq!(wire.session_id, "ab".repeat(32));
        assert_eq!(WireHeader::from(&header()), wire);
        assert_eq!(validate_wire_header(&wire), Ok(()));
        let bad = |f: &dyn Fn(&mut WireHeader)| {
            let mut w = wire.clone();
            f(&mut w);
            validate_wire_header(&w)
        };
        assert!(matches!(
            bad(&|w| w.application_address = "cosmos1xyz".into()),
            Err(HeaderError::ApplicationAddress(_))
        ));
        assert_eq!(
            bad(&|w| w.session_id.clear()),
            Err(HeaderError::EmptySessionId)
        );
        assert!(matches!(
            bad(&|w| w.service_id = "no spaces".into()),
            Err(HeaderError::ServiceId(_))
        ));
        assert_eq!(
            bad(&|w| w.session_start_block_height = 0),
            Err(HeaderError::StartHeight {
                start: BlockHeight::ZERO
            })
        );
        assert_eq!(
            bad(&|w| w.session_end_block_height = 11),
            Err(HeaderError::EndHeight {
                start: BlockHeight::new(11),
                end: BlockHeight::new(11)
            })
        );
        // The address is checked first.
        assert!(matches!(
            bad(&|w| {
                w.application_address.clear();
                w.session_id.clear();
            }),
            Err(HeaderError::ApplicationAddress(_))
        ));
    }
}
