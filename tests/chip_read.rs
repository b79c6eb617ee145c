//! Reading the simulated CCCD chips through the same code a real reader uses: PACE with the
//! card access number from the QR (the common case, no typing), BAC on chips without PACE,
//! PACE-only chips, wrong CANs and MRZ keys, a card lifted at every stage, extended-length
//! reads, reads by short file identifier at the minimum number of APDUs, and a chip that
//! refuses reads before it is opened.

use chrono::NaiveDate;
use std::path::PathBuf;
use xakiosk::devices::DeviceError;
use xakiosk::devices::card_reader::{CardReader, EMRTD_AID, ReaderStatus, SimCardReader};
use xakiosk::identity::card_access::{Cipher, DomainParameters, PaceInfo};
use xakiosk::identity::card_image::CardImage;
use xakiosk::identity::card_side::emrtd_chip::EmrtdChip;
use xakiosk::identity::cccd_qr;
use xakiosk::identity::chip_authenticity::ChipAuthenticity;
use xakiosk::identity::chip_keys::{AccessKey, ChipKeys};
use xakiosk::identity::chip_recheck::{ChipRecheck, recheck_chip};
use xakiosk::identity::chip_session::{ChipError, ChipRead, ReadOptions, ReadStep, read_chip};
use xakiosk::identity::dg2_face;
use xakiosk::identity::dg13::field;
use xakiosk::identity::lds::EfId;
use xakiosk::identity::pace_keys::PacePassword;
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

/// The keys the kiosk derives from the card's printed QR code: its CAN and MRZ keys.
fn keys_from_qr(card: &CardImage) -> ChipKeys {
    let qr = cccd_qr::parse(&card.qr).unwrap();
    ChipKeys::for_holder(
        &qr.personal_id,
        qr.birth_date,
        Some(qr.issue_date),
        None,
        today(),
    )
}

fn reader_with(chip: EmrtdChip) -> SimCardReader {
    let mut reader = SimCardReader::new();
    reader.insert(chip);
    reader
}

fn open_and_read(reader: &mut dyn CardReader, keys: &ChipKeys) -> Result<ChipRead, ChipError> {
    read_chip(reader, keys, &trust(), ReadOptions::default(), &mut |_| {})
}

/// READ BINARYs the files take at `size` bytes each (the first names the file by its short
/// identifier, so no SELECT) — EF.COM and DG14 in the opening session; the rest, after chip
/// authentication, in its AES session (223 bytes, or `size` when extended).
fn reads(read: &ChipRead, size: usize) -> usize {
    let after = if read.authenticity.is_genuine() && size < 256 {
        223
    } else {
        size
    };
    read.files
        .iter()
        .map(|f| match f.file.as_str() {
            "EF.COM" | "DG14" => f.bytes.div_ceil(size),
            _ => f.bytes.div_ceil(after),
        })
        .sum()
}

/// EF.CardAccess (1), MSE:Set AT (1), General Authenticate (4), SELECT of the application (1).
const PACE_OPENING: usize = 7;
/// EF.CardAccess asked for (1, not found), SELECT, GET CHALLENGE, EXTERNAL AUTHENTICATE.
const BAC_OPENING: usize = 4;
/// Chip authentication with AES (the test cards' DG14): MSE:Set AT, General Authenticate.
const CHIP_AUTHENTICATION: usize = 2;

/// A reader that keeps every status word the card answered.
struct Recording {
    inner: SimCardReader,
    status_words: Vec<u16>,
}

impl CardReader for Recording {
    fn status(&mut self) -> Result<ReaderStatus, DeviceError> {
        self.inner.status()
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, DeviceError> {
        let answer = self.inner.transmit(apdu)?;
        if let [.., a, b] = answer.as_slice() {
            self.status_words.push(u16::from_be_bytes([*a, *b]));
        }
        Ok(answer)
    }
    fn name(&self) -> String {
        "recording".into()
    }
}

#[test]
fn every_test_card_opens_with_pace_and_the_card_number_from_its_qr_and_reads_verified() {
    for card in cards() {
        let mut reader = reader_with(EmrtdChip::new(card.clone()));
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
        assert_eq!(
            (read.access.protocol, read.access.password),
            ("PACE", "CAN"),
            "{}",
            card.label
        );
        assert_eq!(read.access.variant, "ECDH-GM brainpoolP256r1 AES-128");
        assert_eq!(
            read.authenticity,
            ChipAuthenticity::Genuine {
                method: "chip authentication".into()
            }
        );
        assert_eq!((read.key_index, read.expiry_field.as_deref()), (None, None));
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
        // Progress: one password, every file reported, ending complete, then the check.
        assert!(matches!(steps[0], ReadStep::Unlocking { n: 1, .. }));
        assert!(
            !steps
                .iter()
                .any(|s| matches!(s, ReadStep::Unlocking { n: 2.., .. })),
            "the first password opened it"
        );
        for ef in [
            EfId::Com,
            EfId::Dg(14),
            EfId::Dg(1),
            EfId::Dg(13),
            EfId::Dg(2),
            EfId::Sod,
        ] {
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
        // The minimum: PACE's seven APDUs, chip authentication's two, then reads of 223 bytes
        // (AES) by short file identifier, no SELECT per file.
        assert_eq!(
            read.apdus,
            PACE_OPENING + CHIP_AUTHENTICATION + reads(&read, 223),
            "{}",
            card.label
        );
    }
}

#[test]
fn a_chip_without_pace_opens_with_bac_and_the_mrz_keys_from_the_qr() {
    for card in cards() {
        let mut reader = reader_with(EmrtdChip::new(card.clone()).without_pace());
        let read = open_and_read(&mut reader, &keys_from_qr(&card)).unwrap();
        assert!(read.passive.verdict.is_verified());
        assert_eq!(
            (read.access.protocol, read.access.pace_offered),
            ("BAC", false)
        );
        // The QR's issue date gives the right expiry at the first try.
        assert_eq!(read.key_index, Some(0), "{}", card.label);
        assert_eq!(read.expiry_field.as_deref(), Some(card.expiry.as_str()));
        // 3DES sessions fit 231 plain bytes in a short answer.
        assert!(read.authenticity.is_genuine());
        assert_eq!(
            read.apdus,
            BAC_OPENING + CHIP_AUTHENTICATION + reads(&read, 231),
            "{}",
            card.label
        );
    }
}

#[test]
fn without_the_issue_date_the_candidates_still_open_the_card() {
    let card = card("Trần Thị Bích Ngọc"); // issued within two years of 25: runs to 40
    let id = xakiosk::core::personal_id::PersonalId::parse(&card.personal_id).unwrap();
    let birth = NaiveDate::from_ymd_opt(2001, 7, 2).unwrap();
    let keys = ChipKeys::mrz_only(AccessKey::candidates(&id, birth, None, None, today()));
    // With BAC, and with PACE and the MRZ as password (no CAN given).
    for chip in [
        EmrtdChip::new(card.clone()).without_pace(),
        EmrtdChip::new(card.clone()),
    ] {
        let read = open_and_read(&mut reader_with(chip), &keys).unwrap();
        assert_eq!(read.expiry_field.as_deref(), Some("410702"));
        assert_eq!(read.access.password, "MRZ");
    }
    // The card without expiry opens with the filler encoding.
    let card = card_named_expiry("<<<<<<");
    let id = xakiosk::core::personal_id::PersonalId::parse(&card.personal_id).unwrap();
    let birth = NaiveDate::from_ymd_opt(1962, 3, 8).unwrap();
    let keys = ChipKeys::mrz_only(AccessKey::candidates(&id, birth, None, None, today()));
    let read = open_and_read(&mut reader_with(EmrtdChip::new(card).without_pace()), &keys).unwrap();
    assert_eq!(
        (read.key_index, read.expiry_field.as_deref()),
        (Some(0), Some("<<<<<<"))
    );
}

fn card_named_expiry(expiry: &str) -> CardImage {
    cards().into_iter().find(|c| c.expiry == expiry).unwrap()
}

#[test]
fn a_pace_only_chip_opens_with_the_can_or_the_mrz_and_refuses_bac() {
    let card = card("Lê Thị Hường");
    let mut reader = reader_with(EmrtdChip::new(card.clone()).without_bac());
    let read = open_and_read(&mut reader, &keys_from_qr(&card)).unwrap();
    assert_eq!(
        (read.access.protocol, read.access.password),
        ("PACE", "CAN")
    );
    let mrz = keys_from_qr(&card).mrz;
    let read = read_chip(
        &mut reader,
        &ChipKeys::mrz_only(mrz),
        &trust(),
        ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        (read.access.protocol, read.access.password),
        ("PACE", "MRZ")
    );
    assert!(read.passive.verdict.is_verified());
    // BAC's first command is not there (on a fresh chip: a plain command ends a session).
    reader.insert(EmrtdChip::new(card.clone()).without_bac());
    let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x07];
    select.extend_from_slice(&EMRTD_AID);
    assert_eq!(reader.transmit(&select).unwrap(), [0x90, 0x00]);
    assert_eq!(
        reader.transmit(&[0x00, 0x84, 0x00, 0x00, 0x08]).unwrap(),
        [0x6D, 0x00]
    );
}

/// A reader whose chip refuses every MSE:Set AT for PACE (as a chip may refuse a kind of
/// password it does not take).
struct RefusingSetAt(SimCardReader);

impl CardReader for RefusingSetAt {
    fn status(&mut self) -> Result<ReaderStatus, DeviceError> {
        self.0.status()
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, DeviceError> {
        if apdu.starts_with(&[0x00, 0x22, 0xC1, 0xA4]) {
            return Ok(vec![0x6A, 0x80]);
        }
        self.0.transmit(apdu)
    }
    fn name(&self) -> String {
        "refusing MSE:Set AT".into()
    }
}

#[test]
fn a_chip_refusing_every_pace_password_kind_is_opened_with_bac_and_says_why() {
    let card = card("Phạm Minh Đức");
    let mut reader = RefusingSetAt(reader_with(EmrtdChip::new(card.clone())));
    let read = open_and_read(&mut reader, &keys_from_qr(&card)).unwrap();
    assert_eq!(read.access.protocol, "BAC");
    assert!(read.access.pace_offered);
    assert!(
        read.access.pace_skipped.contains("refused MSE:Set AT"),
        "{}",
        read.access.pace_skipped
    );
    assert!(read.passive.verdict.is_verified());
}

#[test]
fn a_wrong_can_is_answered_63cx_then_the_mrz_keys_are_tried() {
    let card = card("Nguyễn Văn An");
    let mut keys = keys_from_qr(&card);
    keys.can = Some(PacePassword::Can("999999".into()));
    let mut reader = Recording {
        inner: reader_with(EmrtdChip::new(card.clone())),
        status_words: Vec::new(),
    };
    let read = open_and_read(&mut reader, &keys).unwrap();
    assert_eq!(
        (read.access.protocol, read.access.password),
        ("PACE", "MRZ")
    );
    assert_eq!(read.key_index, Some(0));
    assert!(
        reader.status_words.contains(&0x63C2),
        "{:04X?}",
        reader.status_words
    );
    // Nothing right: every password refused, and said so.
    keys.mrz.truncate(1);
    keys.mrz[0].expiry = "300101".into();
    assert_eq!(
        read_chip(
            &mut reader,
            &keys,
            &trust(),
            ReadOptions::default(),
            &mut |_| {}
        )
        .unwrap_err(),
        ChipError::WrongKey { tried: 2 }
    );
    // The chip counts down but a CAN is never blocked: the right one still opens it.
    assert!(reader.status_words.contains(&0x63C1));
    let read = open_and_read(&mut reader, &keys_from_qr(&card)).unwrap();
    assert_eq!(read.access.password, "CAN");
}

#[test]
fn wrong_keys_are_refused_and_the_card_stays_usable() {
    let card = card("Nguyễn Văn An");
    let mut reader = reader_with(EmrtdChip::new(card.clone()).without_pace());
    let wrong = AccessKey {
        document_number: card.personal_id[3..].to_string(),
        birth: card.birth.clone(),
        expiry: "300101".into(),
    };
    let err =
        open_and_read(&mut reader, &ChipKeys::mrz_only(vec![wrong.clone(), wrong])).unwrap_err();
    assert_eq!(err, ChipError::WrongKey { tried: 2 });
    let read = open_and_read(&mut reader, &keys_from_qr(&card)).unwrap();
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
fn pace_variants_this_reader_does_not_run_fall_back_to_bac_and_others_run() {
    let card = card("Phạm Minh Đức");
    // Integrated mapping, and a curve with no arithmetic here.
    use xakiosk::identity::card_access::{KeyAgreement, Mapping, protocol_oid};
    let integrated = PaceInfo {
        protocol: protocol_oid(KeyAgreement::Ecdh, Mapping::Integrated, Cipher::Aes(128)),
        mapping: Mapping::Integrated,
        ..PaceInfo::ecdh_generic(Cipher::Aes(128), DomainParameters::BrainpoolP256r1)
    };
    for offers in [
        vec![PaceInfo::ecdh_generic(
            Cipher::Aes(256),
            DomainParameters::BrainpoolP320r1,
        )],
        vec![integrated],
    ] {
        let chip = EmrtdChip::new(card.clone()).with_pace_offers(&offers);
        let read = open_and_read(&mut reader_with(chip), &keys_from_qr(&card)).unwrap();
        assert_eq!(read.access.protocol, "BAC");
        assert!(read.access.pace_offered);
        assert!(
            read.access.pace_skipped.contains("not supported"),
            "{}",
            read.access.pace_skipped
        );
    }
    // 3DES on NIST P-384: a 3DES session reads 231 bytes at a time.
    let offers = [PaceInfo::ecdh_generic(
        Cipher::Des3,
        DomainParameters::NistP384,
    )];
    let chip = EmrtdChip::new(card.clone()).with_pace_offers(&offers);
    let read = open_and_read(&mut reader_with(chip), &keys_from_qr(&card)).unwrap();
    assert_eq!(read.access.variant, "ECDH-GM NIST P-384 3DES");
    assert_eq!(
        read.apdus,
        PACE_OPENING + CHIP_AUTHENTICATION + reads(&read, 231)
    );
    for (offers, variant) in [
        // One protocol on two curves: the reader names the parameters it picked (84) and the
        // chip runs on those.
        (
            vec![
                PaceInfo::ecdh_generic(Cipher::Aes(192), DomainParameters::BrainpoolP384r1),
                PaceInfo::ecdh_generic(Cipher::Aes(192), DomainParameters::NistP256),
            ],
            "ECDH-GM brainpoolP384r1 AES-192",
        ),
        // DH generic mapping on the 2048-bit RFC 5114 group with a 256-bit subgroup (id 2).
        (
            vec![PaceInfo::dh_generic(
                Cipher::Aes(128),
                DomainParameters::Modp2048_256,
            )],
            "DH-GM MODP-2048/256 AES-128",
        ),
        // brainpoolP512r1 with AES-256 (PACE id 17).
        (
            vec![PaceInfo::ecdh_generic(
                Cipher::Aes(256),
                DomainParameters::BrainpoolP512r1,
            )],
            "ECDH-GM brainpoolP512r1 AES-256",
        ),
    ] {
        let chip = EmrtdChip::new(card.clone()).with_pace_offers(&offers);
        let read = open_and_read(&mut reader_with(chip), &keys_from_qr(&card)).unwrap();
        assert_eq!(read.access.variant, variant);
        assert!(read.passive.verdict.is_verified());
    }
}

/// A private key other than the card's, valid on brainpoolP256r1.
fn another_chip_key() -> Vec<u8> {
    let key = vec![0x11; 32];
    assert!(
        xakiosk::identity::pace_mapping::public_key(DomainParameters::BrainpoolP256r1, &key)
            .is_ok()
    );
    key
}

#[test]
fn a_copy_of_a_genuine_cards_data_on_another_chip_is_a_suspected_clone() {
    let card = card("Trần Thị Bích Ngọc");
    for chip in [
        EmrtdChip::new(card.clone()).with_chip_key(another_chip_key()),
        EmrtdChip::new(card.clone())
            .with_chip_key(another_chip_key())
            .without_pace(),
    ] {
        let read = open_and_read(&mut reader_with(chip), &keys_from_qr(&card)).unwrap();
        // The data is the issuer's, copied whole: passive authentication cannot tell.
        assert!(read.passive.verdict.is_verified());
        assert!(
            matches!(read.authenticity, ChipAuthenticity::CloneSuspected { .. }),
            "{:?}",
            read.authenticity
        );
        // The rest was still read (in a new session) so the resident can be told and helped.
        assert_eq!(
            read.dg13.as_ref().unwrap().first(field::FULL_NAME),
            Some(card.label.as_str())
        );
        assert!(read.face.is_some());
        let identity = xakiosk::identity::citizen_from_card::from_chip(&read);
        assert_eq!(
            identity.verification,
            Some(xakiosk::core::citizen::Verification::ChipCloneSuspected)
        );
        assert_eq!(
            read.evidence.chip_authentication, "chip_clone_suspected",
            "sealed for the portal"
        );
    }
}

/// `card` reissued with a DG14 offering chip authentication over DH in RFC 5114's 2048-bit
/// group (as explicit X9.42 parameters) with `cipher`, and the chip's DH private key.
fn with_dh_chip_authentication(card: &CardImage, cipher: Cipher) -> CardImage {
    use xakiosk::identity::{dg14, pace_dh};
    let group = pace_dh::group(DomainParameters::Modp2048_224).unwrap();
    let private = group.random_private();
    let public = group.public_key(&private).unwrap();
    let mut image = card.clone();
    image
        .files
        .insert(EfId::Dg(14), dg14::encode_dh(cipher, &group, &public));
    let issuer = xakiosk::identity::card_side::test_issuer::load_issuer(&folder()).unwrap();
    let groups = image.data_groups();
    // The issuer signs the new DG14's hash, as it would have for such a card.
    image
        .files
        .insert(EfId::Sod, issuer.sign_sod(&groups).unwrap());
    image.chip_private_key = Some(private.to_vec());
    image
}

#[test]
fn chip_authentication_over_dh_proves_a_genuine_chip_and_catches_a_copy() {
    let card = card("Phạm Minh Đức");
    for cipher in [Cipher::Aes(128), Cipher::Des3] {
        let image = with_dh_chip_authentication(&card, cipher);
        for pace in [true, false] {
            let chip = EmrtdChip::new(image.clone());
            let chip = if pace { chip } else { chip.without_pace() };
            let read = open_and_read(&mut reader_with(chip), &keys_from_qr(&card)).unwrap();
            assert!(read.passive.verdict.is_verified(), "{:?}", read.passive);
            assert_eq!(
                read.authenticity,
                ChipAuthenticity::Genuine {
                    method: "chip authentication".into()
                },
                "{cipher:?}, PACE {pace}"
            );
            assert!(read.face.is_some());
        }
        // The same data on a chip with another DH key.
        let other = with_dh_chip_authentication(&card, cipher)
            .chip_private_key
            .unwrap();
        let chip = EmrtdChip::new(image.clone()).with_chip_key(other);
        let read = open_and_read(&mut reader_with(chip), &keys_from_qr(&card)).unwrap();
        assert!(read.passive.verdict.is_verified());
        assert!(
            matches!(read.authenticity, ChipAuthenticity::CloneSuspected { .. }),
            "{:?}",
            read.authenticity
        );
    }
}

#[test]
fn chip_authentication_mapping_proves_the_chip_within_pace_and_catches_a_copy() {
    let card = card("Nguyễn Văn An");
    // As German documents list them: generic mapping, then chip authentication mapping.
    let chip = EmrtdChip::new(card.clone()).with_chip_authentication_mapping();
    let read = open_and_read(&mut reader_with(chip), &keys_from_qr(&card)).unwrap();
    assert_eq!(read.access.variant, "ECDH-CAM brainpoolP256r1 AES-128");
    assert_eq!(
        read.authenticity,
        ChipAuthenticity::Genuine {
            method: "PACE chip authentication mapping".into()
        }
    );
    assert!(read.passive.verdict.is_verified());
    assert_eq!(read.evidence.chip_authentication, "chip_genuine");
    // No separate chip authentication: two APDUs fewer than generic mapping.
    assert_eq!(read.apdus, PACE_OPENING + reads(&read, 223));
    // The same data on a chip with another static key: PACE opens (the password is right),
    // the mapping's proof does not match DG14's key.
    let chip = EmrtdChip::new(card.clone())
        .with_chip_authentication_mapping()
        .with_chip_key(another_chip_key());
    let read = open_and_read(&mut reader_with(chip), &keys_from_qr(&card)).unwrap();
    assert!(read.passive.verdict.is_verified());
    assert!(
        matches!(&read.authenticity, ChipAuthenticity::CloneSuspected { reason } if reason.contains("PACE chip authentication data")),
        "{:?}",
        read.authenticity
    );
    assert_eq!(read.evidence.chip_authentication, "chip_clone_suspected");
    // A chip offering the mapping without DG14: not proven by it, active authentication does.
    let mut image = card.clone();
    image.files.remove(&EfId::Dg(14));
    let chip = EmrtdChip::new(image).with_chip_authentication_mapping();
    let read = open_and_read(&mut reader_with(chip), &keys_from_qr(&card)).unwrap();
    assert_eq!(
        read.authenticity,
        ChipAuthenticity::Genuine {
            method: "active authentication".into()
        }
    );
}

#[test]
fn when_chip_authentication_cannot_settle_it_active_authentication_does() {
    let card = card("Nguyễn Văn An");
    let read_image = |image: CardImage| {
        open_and_read(
            &mut reader_with(EmrtdChip::new(image)),
            &keys_from_qr(&card),
        )
        .unwrap()
    };
    let by_aa = ChipAuthenticity::Genuine {
        method: "active authentication".into(),
    };
    // The chip refuses chip authentication (it holds no key): active authentication proves
    // it, in the same session.
    let mut image = card.clone();
    image.chip_private_key = None;
    let read = read_image(image.clone());
    assert_eq!(read.authenticity, by_aa);
    assert!(read.passive.verdict.is_verified());
    // The exchange is sealed with DG14/DG15, and the portal verifies the signature itself.
    assert!(read.evidence.active_authentication.is_some());
    assert_eq!(
        read.evidence
            .data_groups
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [1, 13, 14, 15]
    );
    assert_eq!(recheck_chip(&read.evidence), ChipRecheck::Signed);
    // And refusing both: not proven, everything still read.
    image.aa_private_key = None;
    let read = read_image(image);
    assert!(
        matches!(&read.authenticity, ChipAuthenticity::NotProven { reason } if reason.contains("refused active")),
        "{:?}",
        read.authenticity
    );
    assert!(read.passive.verdict.is_verified() && read.face.is_some());
    // A card without DG14 signs with DG15's key.
    let mut image = card.clone();
    image.files.remove(&EfId::Dg(14));
    assert_eq!(read_image(image.clone()).authenticity, by_aa);
    // ... and a copy of its data on another chip cannot.
    let chip = EmrtdChip::new(image.clone()).with_aa_key(vec![0x33; 32]);
    let read = open_and_read(&mut reader_with(chip), &keys_from_qr(&card)).unwrap();
    assert!(
        matches!(read.authenticity, ChipAuthenticity::CloneSuspected { .. }),
        "{:?}",
        read.authenticity
    );
    // The portal finds the same, from what was sealed.
    assert!(matches!(
        recheck_chip(&read.evidence),
        ChipRecheck::NotSigned { .. }
    ));
    // A card with neither has nothing to prove it with; its data is still verified.
    image.files.remove(&EfId::Dg(15));
    let read = read_image(image);
    assert_eq!(read.authenticity, ChipAuthenticity::NotOffered);
    assert_eq!(
        xakiosk::identity::citizen_from_card::from_chip(&read).verification,
        Some(xakiosk::core::citizen::Verification::ChipVerified)
    );
}

#[test]
fn a_card_lifted_at_any_stage_is_reported_and_a_retry_works() {
    let card = card("Phạm Minh Đức");
    // 0: reading EF.CardAccess; 1: MSE:Set AT; 2–5: General Authenticate; 6: SELECT; later:
    // the files.
    for after in [0, 1, 2, 3, 4, 5, 6, 12, 30] {
        let mut reader = reader_with(EmrtdChip::new(card.clone()));
        reader.remove_after(after);
        let err = open_and_read(&mut reader, &keys_from_qr(&card)).unwrap_err();
        assert_eq!(err, ChipError::Removed, "after {after}");
        assert_eq!(
            open_and_read(&mut reader, &keys_from_qr(&card)).unwrap_err(),
            ChipError::NoCard
        );
        reader.insert(EmrtdChip::new(card.clone()));
        assert!(open_and_read(&mut reader, &keys_from_qr(&card)).is_ok());
    }
}

#[test]
fn extended_length_reads_when_the_card_allows_and_short_ones_when_not() {
    let card = card("Lê Thị Hường");
    let options = ReadOptions {
        extended_read: Some(1024),
    };
    let mut long_reader = reader_with(EmrtdChip::new(card.clone()).with_extended_length(1024));
    let long = read_chip(
        &mut long_reader,
        &keys_from_qr(&card),
        &trust(),
        options,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        long.apdus,
        PACE_OPENING + CHIP_AUTHENTICATION + reads(&long, 1024)
    );
    // A short-only chip answers 6700 to the first long read; the reader falls back at once.
    let mut short_reader = reader_with(EmrtdChip::new(card.clone()));
    let short = read_chip(
        &mut short_reader,
        &keys_from_qr(&card),
        &trust(),
        options,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        short.apdus,
        PACE_OPENING + CHIP_AUTHENTICATION + reads(&short, 223) + 1
    );
    assert!(
        long.apdus * 2 < short.apdus,
        "{} vs {}",
        long.apdus,
        short.apdus
    );
    assert!(short.passive.verdict.is_verified());
}

#[test]
fn ef_card_access_is_readable_before_anything_and_select_mf_is_not_supported() {
    let card = card("Nguyễn Văn An");
    let mut reader = reader_with(EmrtdChip::new(card.clone()));
    assert_eq!(
        reader
            .transmit(&[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00])
            .unwrap(),
        [0x6D, 0x00]
    );
    let by_sfi = reader.transmit(&[0x00, 0xB0, 0x9C, 0x00, 0x00]).unwrap();
    let file = &card.files[&EfId::CardAccess];
    assert_eq!(&by_sfi[..file.len()], file.as_slice());
    assert_eq!(&by_sfi[file.len()..], [0x62, 0x82]);
    assert_eq!(
        reader
            .transmit(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1C])
            .unwrap(),
        [0x90, 0x00]
    );
    let selected = reader.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x04]).unwrap();
    assert_eq!(&selected[..4], &file[..4]);
    // A data group is not readable that way.
    assert_eq!(
        reader.transmit(&[0x00, 0xB0, 0x81, 0x00, 0x04]).unwrap(),
        [0x6A, 0x82]
    );
}

#[test]
fn the_chip_refuses_reads_before_bac_and_ends_the_session_on_a_plain_command() {
    let mut reader = reader_with(EmrtdChip::new(card("Nguyễn Văn An")));
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
