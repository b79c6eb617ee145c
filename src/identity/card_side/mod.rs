//! The card side of ICAO 9303: a software chip that answers APDUs as a CCCD does
//! (`emrtd_chip`), served on vsmartcard's virtual reader (`vpcd_card`), and the issuer of the
//! test cards and their test CSCA (`test_issuer`). For simulators and tests only.

pub mod emrtd_chip;
#[cfg(any(test, feature = "dev-tools"))]
pub mod test_issuer;
pub mod vpcd_card;
