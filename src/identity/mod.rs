//! Citizen identity from the chip ID card (CCCD, an ICAO 9303 eMRTD) and its printed QR code
//! (issue #4). So far: `access_key`, the Basic Access Control key material. Reading the chip
//! (secure messaging, data groups, passive authentication) arrives with the rest of #4.

pub mod access_key;
