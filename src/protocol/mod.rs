//! The contract between a kiosk and the portal, shared by both sides: the wire types
//! (`contract`), what a kiosk signs on each request (`request_signature`), the seal format
//! (`sealing`), signed receipts (`receipt`), signing keys and their handovers (`signing`,
//! `key_handover`), signed catalogue bundles (`catalogue_bundle`) and signed update offers
//! (`update_offer`). Pure: no IO, no clock.

pub mod catalogue_bundle;
pub mod contract;
pub mod key_handover;
pub mod receipt;
pub mod request_signature;
pub mod sealed_content;
pub mod sealing;
pub mod signing;
pub mod update_offer;
