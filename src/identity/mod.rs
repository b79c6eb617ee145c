//! Citizen identity from the chip ID card (CCCD, an ICAO 9303 eMRTD) and its printed QR code
//! (issue #4): the access key, APDUs, BAC and secure messaging, the data groups and their
//! passive authentication. Pure computation, except `chip_session` (talks to a card only
//! through the `CardReader` transport) and the file loaders `trust_list`, `card_image` and
//! `test_issuer` (development cards). Personal data read here is never logged.

pub mod access_key;
pub mod active_authentication;
pub mod apdu;
pub(crate) mod apdu_link;
pub mod bac;
pub mod brainpool_p512;
pub mod card_access;
pub mod card_image;
pub mod card_side;
pub mod cccd_qr;
pub mod chip_authentication;
pub mod chip_authenticity;
pub mod chip_keys;
pub mod chip_opening;
pub mod chip_recheck;
pub mod chip_session;
pub mod citizen_from_card;
pub mod cms_signer;
pub mod dg13;
pub mod dg14;
pub mod dg15;
pub mod dg1_mrz;
pub mod dg2_face;
pub mod ecdsa_check;
pub mod ef_com;
pub mod evidence_recheck;
pub mod expiry_candidates;
pub mod lds;
pub mod master_list;
pub mod pace;
pub mod pace_cam;
pub mod pace_dh;
pub mod pace_keys;
pub mod pace_mapping;
pub mod pace_token;
pub mod passive_auth;
pub mod qr_camera;
pub mod secure_messaging;
pub mod signature_check;
pub mod sod;
#[cfg(test)]
pub(crate) mod test_cards;
#[cfg(test)]
pub(crate) mod test_vectors;
pub mod tlv;
pub mod trust_list;
