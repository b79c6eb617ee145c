//! Property tests: every parser of card data — BER-TLV, APDUs, EF.CardAccess, EF.COM, DG1,
//! DG2, DG13, DG14, DG15, EF.SOD, CSCA master lists, PACE and chip authentication messages,
//! secure-messaging answers, the CCCD QR text, the MRZ — given random bytes, truncated or
//! bit-flipped real files, returns an error or a value, and never panics.

use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use xakiosk::identity::access_key::BacKeys;
use xakiosk::identity::apdu::{Command, Response};
use xakiosk::identity::card_image::CardImage;
use xakiosk::identity::lds::EfId;
use xakiosk::identity::secure_messaging::SecureChannel;
use xakiosk::identity::trust_list::TrustList;
use xakiosk::identity::{
    card_access, cccd_qr, chip_authentication, dg1_mrz, dg2_face, dg13, dg14, dg15, ef_com,
    master_list, pace, passive_auth, sod, tlv,
};

fn real_files() -> Vec<Vec<u8>> {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/dev/cards");
    let card = &CardImage::load_folder(&folder).unwrap()[0];
    let mut files: Vec<Vec<u8>> = card.files.values().cloned().collect();
    // A master list of the test CSCA, signed by the test issuer.
    let issuer = xakiosk::identity::card_side::test_issuer::load_issuer(&folder).unwrap();
    let cscas = TrustList::with(
        xakiosk::identity::trust_list::parse_certificates(
            &std::fs::read(folder.join("csca.pem")).unwrap(),
        )
        .unwrap(),
    )
    .cscas;
    files.push(issuer.master_list(&cscas).unwrap());
    // A DG14 offering chip authentication over DH (X9.42 parameters), which the cards lack.
    let group = xakiosk::identity::pace_dh::group(
        xakiosk::identity::card_access::DomainParameters::Modp1024_160,
    )
    .unwrap();
    let y = group.public_key(&[5; 20]).unwrap();
    files.push(dg14::encode_dh(
        xakiosk::identity::card_access::Cipher::Aes(128),
        &group,
        &y,
    ));
    files
}

/// Runs every parser on `bytes`; only a panic fails.
fn parse_all(bytes: &[u8]) {
    let _ = tlv::read(bytes);
    let _ = tlv::children(bytes);
    let _ = tlv::total_length(bytes);
    let _ = Command::parse(bytes);
    let _ = Response::parse(bytes);
    let _ = ef_com::parse(bytes);
    let _ = dg1_mrz::parse(bytes);
    let _ = dg13::parse(bytes);
    if let Ok(face) = dg2_face::parse(bytes) {
        let _ = dg2_face::decode(&face);
    }
    let _ = sod::parse(bytes);
    let _ = card_access::parse(bytes);
    let _ = dg14::parse(bytes);
    let _ = xakiosk::identity::pace_cam::decrypt_chip_data(&[0x5A; 16], bytes);
    let _ = dg15::parse(bytes);
    let _ = master_list::open(bytes, &[]);
    let _ = pace::parse_set_at(bytes);
    let _ = pace::dynamic_object(bytes, pace::TAG_TOKEN_CHIP, "token");
    let _ = chip_authentication::parse_set_at(bytes);
    let _ = chip_authentication::terminal_key(
        &Command::new(0, 0x22, 0x41, 0xA6).with_data(bytes.to_vec()),
    );
    let mut groups = BTreeMap::new();
    groups.insert(1u8, bytes.to_vec());
    let _ = passive_auth::check(bytes, &groups, &TrustList::empty());
    let mut sm = SecureChannel::new(BacKeys::from_seed(&[7; 16]), 1);
    let _ = sm.unprotect(&Response {
        data: bytes.to_vec(),
        sw: 0x9000,
    });
    let _ = sm.unprotect_command(&Command::new(0x0C, 0xB0, 0, 0).with_data(bytes.to_vec()));
    let text = String::from_utf8_lossy(bytes);
    let _ = cccd_qr::parse(&text);
    let _ = dg1_mrz::parse_mrz(&text);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        parse_all(&bytes);
    }

    #[test]
    fn truncated_and_flipped_real_files(file in 0usize..10, cut in any::<prop::sample::Index>(), flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6)) {
        let files = real_files();
        let mut bytes = files[file % files.len()].clone();
        let end = cut.index(bytes.len() + 1);
        bytes.truncate(end);
        for (at, mask) in flips {
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] ^= mask;
            }
        }
        parse_all(&bytes);
    }

    #[test]
    fn qr_like_text(fields in proptest::collection::vec("[0-9A-Za-zÀ-ỹ ,/]{0,20}", 0..10)) {
        let _ = cccd_qr::parse(&fields.join("|"));
    }

    #[test]
    fn tlv_lengths_that_lie(tag in any::<u8>(), len_bytes in proptest::collection::vec(any::<u8>(), 0..6), body in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut bytes = vec![tag];
        bytes.extend(len_bytes);
        bytes.extend(body);
        parse_all(&bytes);
    }
}

#[test]
fn every_real_file_parses() {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/dev/cards");
    for card in CardImage::load_folder(&folder).unwrap() {
        assert!(ef_com::parse(&card.files[&EfId::Com]).is_ok());
        assert!(dg1_mrz::parse(&card.files[&EfId::Dg(1)]).is_ok());
        assert!(dg2_face::parse(&card.files[&EfId::Dg(2)]).is_ok());
        assert!(dg13::parse(&card.files[&EfId::Dg(13)]).is_ok());
        assert!(sod::parse(&card.files[&EfId::Sod]).is_ok());
        assert!(
            !card_access::parse(&card.files[&EfId::CardAccess])
                .unwrap()
                .is_empty()
        );
        assert!(
            dg14::parse(&card.files[&EfId::Dg(14)])
                .unwrap()
                .chosen()
                .is_some()
        );
        assert!(dg15::parse(&card.files[&EfId::Dg(15)]).unwrap().is_ok());
        assert!(cccd_qr::parse(&card.qr).is_ok());
    }
}
