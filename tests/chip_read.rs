//! Reading the simulated CCCD chips through the same code a real reader uses: a full read
//! with passive authentication, access keys derived from the QR, wrong keys, a card lifted
//! mid-read, extended-length reads, and a chip that refuses reads before BAC.

use chrono::NaiveDate;
use std::path::PathBuf;
use xakiosk::devices::card_reader::{CardReader, EMRTD_AID, SimCardReader};
use xakiosk::identity::card_image::CardImage;
use xakiosk::identity::card_side::emrtd_chip::EmrtdChip;
use xakiosk::identity::cccd_qr;
use xakiosk::identity::chip_session::{AccessKey, ChipError, ReadOptions, ReadStep, read_chip};
use xakiosk::identity::dg2_face;
use xakiosk::identity::dg13::field;
use xakiosk::identity::lds::EfId;
use xakiosk::identity::trust_list::{TrustList, parse_certificates};

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/dev/cards")
}

fn cards() -> Vec<CardImage> {
    CardImage::load_folder(&folder()).unwrap()
}

fn card(name: &str) -> CardImage {
    cards().into_iter().find(|c| c.label == name).unwrap()
}

fn trust() -> TrustList {
    TrustList::with(parse_certificates(&std::fs::read(folder().join("csca.pem")).unwrap()).unwrap())
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// The keys the kiosk derives from the card's printed QR code.
fn keys_from_qr(card: &CardImage) -> Vec<AccessKey> {
    let qr = cccd_qr::parse(&card.qr).unwrap();
    AccessKey::candidates(
        &qr.personal_id,
        qr.birth_date,
        Some(qr.issue_date),
        None,
        today(),
    )
}

fn reader_with(card: CardImage) -> SimCardReader {
    let mut reader = SimCardReader::new();
    reader.insert(EmrtdChip::new(card));
    reader
}

#[test]
fn every_test_card_reads_whole_and_verified_with_keys_from_its_qr() {
    for card in cards() {
        let mut reader = reader_with(card.clone());
        let mut steps = Vec::new();
        let read = read_chip(
            &mut reader,
            &keys_from_qr(&card),
            &trust(),
            ReadOptions::default(),
            &mut |s| steps.push(s),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", card.label));
        assert!(
            read.passive.verdict.is_verified(),
            "{}: {:?}",
            card.label,
            read.passive.verdict
        );
        // The QR's issue date gives the right expiry at the first try.
        assert_eq!(read.key_index, 0, "{}", card.label);
        assert_eq!(read.expiry_field, card.expiry);
        let dg13 = read.dg13.as_ref().unwrap();
        assert_eq!(dg13.first(field::FULL_NAME), Some(card.label.as_str()));
        assert_eq!(
            dg13.first(field::PERSONAL_ID),
            Some(card.personal_id.as_str())
        );
        assert_eq!(read.dg1.personal_id(), Some(card.personal_id.as_str()));
        assert!(read.dg1.check_digits_valid);
        let face = dg2_face::decode(read.face.as_ref().unwrap()).unwrap();
        assert_eq!(face.dimensions(), (240, 320));
        // Progress: every file reported, ending complete, then the check.
        for ef in [EfId::Com, EfId::Dg(1), EfId::Dg(13), EfId::Dg(2), EfId::Sod] {
            let size = card.files[&ef].len();
            assert!(
                steps.contains(&ReadStep::Reading {
                    file: ef,
                    done: size,
                    total: size
                }),
                "{ef:?}"
            );
        }
        assert_eq!(steps.last(), Some(&ReadStep::Checking));
        // Short reads of 223 bytes: SELECT + ceil(size / 223) per file, BAC's 3 APDUs.
        let minimum: usize = read
            .files
            .iter()
            .map(|f| 1 + f.bytes.div_ceil(0xDF))
            .sum::<usize>()
            + 3;
        assert_eq!(read.apdus, minimum, "{}", card.label);
    }
}

#[test]
fn without_the_issue_date_the_candidates_still_open_the_card() {
    let card = card("Trần Thị Bích Ngọc"); // issued within two years of 25: runs to 40
    let id = xakiosk::core::personal_id::PersonalId::parse(&card.personal_id).unwrap();
    let keys = AccessKey::candidates(
        &id,
        NaiveDate::from_ymd_opt(2001, 7, 2).unwrap(),
        None,
        None,
        today(),
    );
    let mut reader = reader_with(card);
    let read = read_chip(
        &mut reader,
        &keys,
        &trust(),
        ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(read.expiry_field, "410702");
    // The card without expiry opens with the filler encoding.
    let card = card_named_expiry("<<<<<<");
    let id = xakiosk::core::personal_id::PersonalId::parse(&card.personal_id).unwrap();
    let keys = AccessKey::candidates(
        &id,
        NaiveDate::from_ymd_opt(1962, 3, 8).unwrap(),
        None,
        None,
        today(),
    );
    let mut reader = reader_with(card);
    let read = read_chip(
        &mut reader,
        &keys,
        &trust(),
        ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!((read.key_index, read.expiry_field.as_str()), (0, "<<<<<<"));
}

fn card_named_expiry(expiry: &str) -> CardImage {
    cards().into_iter().find(|c| c.expiry == expiry).unwrap()
}

#[test]
fn wrong_keys_are_refused_and_the_card_stays_usable() {
    let card = card("Nguyễn Văn An");
    let mut reader = reader_with(card.clone());
    let wrong = AccessKey {
        document_number: card.personal_id[3..].to_string(),
        birth: card.birth.clone(),
        expiry: "300101".into(),
    };
    let err = read_chip(
        &mut reader,
        &[wrong.clone(), wrong],
        &trust(),
        ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(err, ChipError::WrongKey { tried: 2 });
    let read = read_chip(
        &mut reader,
        &keys_from_qr(&card),
        &trust(),
        ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(read.passive.verdict.is_verified());
    // With no trust list the same card says so, instead of "verified".
    let read = read_chip(
        &mut reader,
        &keys_from_qr(&card),
        &TrustList::empty(),
        ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(read.passive.verdict.code(), "chip_signer_not_trusted");
}

#[test]
fn a_card_lifted_mid_read_is_reported_and_a_retry_works() {
    let card = card("Phạm Minh Đức");
    for after in [1, 4, 12, 30] {
        let mut reader = reader_with(card.clone());
        reader.remove_after(after);
        let err = read_chip(
            &mut reader,
            &keys_from_qr(&card),
            &trust(),
            ReadOptions::default(),
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(err, ChipError::Removed, "after {after}");
        assert_eq!(
            read_chip(
                &mut reader,
                &keys_from_qr(&card),
                &trust(),
                ReadOptions::default(),
                &mut |_| {}
            )
            .unwrap_err(),
            ChipError::NoCard
        );
        reader.insert(EmrtdChip::new(card.clone()));
        assert!(
            read_chip(
                &mut reader,
                &keys_from_qr(&card),
                &trust(),
                ReadOptions::default(),
                &mut |_| {}
            )
            .is_ok()
        );
    }
}

#[test]
fn extended_length_reads_when_the_card_allows_and_short_ones_when_not() {
    let card = card("Lê Thị Hường");
    let options = ReadOptions {
        extended_read: Some(1024),
    };
    let mut long_reader = SimCardReader::new();
    long_reader.insert(EmrtdChip::new(card.clone()).with_extended_length(1024));
    let long = read_chip(
        &mut long_reader,
        &keys_from_qr(&card),
        &trust(),
        options,
        &mut |_| {},
    )
    .unwrap();
    let minimum: usize = long
        .files
        .iter()
        .map(|f| 1 + f.bytes.div_ceil(1024))
        .sum::<usize>()
        + 3;
    assert_eq!(long.apdus, minimum);
    // A short-only chip answers 6700 to the first long read; the reader falls back at once.
    let mut short_reader = reader_with(card.clone());
    let short = read_chip(
        &mut short_reader,
        &keys_from_qr(&card),
        &trust(),
        options,
        &mut |_| {},
    )
    .unwrap();
    let minimum: usize = short
        .files
        .iter()
        .map(|f| 1 + f.bytes.div_ceil(0xDF))
        .sum::<usize>()
        + 3;
    assert_eq!(short.apdus, minimum + 1);
    assert!(
        long.apdus * 2 < short.apdus,
        "{} vs {}",
        long.apdus,
        short.apdus
    );
    assert!(short.passive.verdict.is_verified());
}

#[test]
fn the_chip_refuses_reads_before_bac_and_ends_the_session_on_a_plain_command() {
    let mut reader = reader_with(card("Nguyễn Văn An"));
    let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x07];
    select.extend_from_slice(&EMRTD_AID);
    assert_eq!(reader.transmit(&select).unwrap(), [0x90, 0x00]);
    assert_eq!(
        reader
            .transmit(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01])
            .unwrap(),
        [0x69, 0x82]
    );
    assert_eq!(
        reader.transmit(&[0x00, 0xB0, 0x81, 0x00, 0x10]).unwrap(),
        [0x69, 0x82]
    );
    assert_eq!(
        reader
            .transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x02, 0xAB, 0xCD])
            .unwrap(),
        [0x6A, 0x82]
    );
    // EXTERNAL AUTHENTICATE without a challenge.
    let mut ext = vec![0x00, 0x82, 0x00, 0x00, 0x28];
    ext.extend_from_slice(&[0u8; 40]);
    ext.push(0x28);
    assert_eq!(reader.transmit(&ext).unwrap(), [0x69, 0x85]);
}
