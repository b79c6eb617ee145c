//! Citizen identity from the chip ID card (CCCD, an ICAO 9303 eMRTD) and its printed QR code
//! (issue #4): the access key, APDUs, BAC and secure messaging, the data groups and their
//! passive authentication. Pure computation apart from `chip_session`, which talks to a card
//! only through the `CardReader` transport. Personal data read here is never logged.

pub mod access_key;
pub mod apdu;
pub mod bac;
pub mod secure_messaging;
pub mod tlv;
