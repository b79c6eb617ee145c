//! The committed test cards (`assets/dev/cards`) and the test CSCA that signed them, for the
//! identity module's own tests.

use crate::identity::card_image::CardImage;
use crate::identity::trust_list::{TrustList, parse_certificates};
use std::path::PathBuf;

pub fn cards_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/dev/cards")
}

/// A trust list holding only the test CSCA.
pub fn test_csca() -> TrustList {
    let pem = std::fs::read(cards_folder().join("csca.pem")).expect("the test CSCA");
    TrustList::with(parse_certificates(&pem).expect("the test CSCA parses"))
}

pub fn cards() -> Vec<CardImage> {
    CardImage::load_folder(&cards_folder()).expect("the committed test cards")
}
