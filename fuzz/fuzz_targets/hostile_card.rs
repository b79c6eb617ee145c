//! A hostile card during the whole reading: every answer to the kiosk's APDUs comes from the
//! fuzzer (EF.CardAccess, MSE:Set AT, General Authenticate, BAC, the files), after a genuine
//! EF.CardAccess (ECDH, ECDH-CAM or DH) three times in four so PACE is reached; and the PACE parsers and the software
//! chip's PACE side on arbitrary bytes. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xakiosk::devices::DeviceError;
use xakiosk::devices::card_reader::{CardReader, ReaderStatus, card_removed};
use xakiosk::identity::card_access::{self, Cipher, DomainParameters, PaceInfo};
use xakiosk::identity::chip_keys::{AccessKey, ChipKeys};
use xakiosk::identity::chip_session::{ReadOptions, read_chip};
use xakiosk::identity::pace;
use xakiosk::identity::pace_keys::PacePassword;
use xakiosk::identity::trust_list::TrustList;

/// Answers from the fuzzer's bytes: each a length byte, then that many bytes.
struct Scripted {
    answers: Vec<Vec<u8>>,
    next: usize,
}

impl CardReader for Scripted {
    fn status(&mut self) -> Result<ReaderStatus, DeviceError> {
        Ok(ReaderStatus::CardPresent)
    }
    fn transmit(&mut self, _apdu: &[u8]) -> Result<Vec<u8>, DeviceError> {
        self.next += 1;
        self.answers.get(self.next - 1).cloned().ok_or_else(card_removed)
    }
    fn name(&self) -> String {
        "hostile".into()
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = card_access::parse(data);
    let _ = pace::parse_set_at(data);
    let _ = pace::dynamic_object(data, pace::TAG_ENCRYPTED_NONCE, "fuzz");

    let mut answers = Vec::new();
    if let Some(offer) = match data.first().map(|b| b % 4) {
        Some(0) => Some(PaceInfo::ecdh_generic(
            Cipher::Aes(128),
            DomainParameters::BrainpoolP256r1,
        )),
        Some(1) => Some(PaceInfo::ecdh_cam(
            Cipher::Aes(128),
            DomainParameters::BrainpoolP256r1,
        )),
        Some(2) => Some(PaceInfo::dh_generic(
            Cipher::Aes(128),
            DomainParameters::Modp1024_160,
        )),
        _ => None,
    } {
        let mut file = card_access::encode(&[offer]);
        file.extend_from_slice(&[0x90, 0x00]);
        answers.push(file);
    }
    let mut rest = data.get(1..).unwrap_or_default();
    while let Some((&len, tail)) = rest.split_first() {
        let take = usize::from(len).min(tail.len());
        answers.push(tail[..take].to_vec());
        rest = &tail[take..];
    }
    let keys = ChipKeys {
        can: Some(PacePassword::Can("000123".into())),
        mrz: vec![AccessKey {
            document_number: "093000123".into(),
            birth: "930115".into(),
            expiry: "330115".into(),
        }],
    };
    let mut card = Scripted { answers, next: 0 };
    let _ = read_chip(&mut card, &keys, &TrustList::empty(), ReadOptions::default(), &mut |_| {});

    // The software chip: PACE set up with the CAN, then whatever arrives.
    let mut chip = xakiosk::identity::card_side::emrtd_chip::EmrtdChip::new(
        xakiosk::identity::card_image::CardImage {
            label: String::new(),
            personal_id: "001093000123".into(),
            birth: "930115".into(),
            expiry: "330115".into(),
            qr: String::new(),
            files: [(
                xakiosk::identity::lds::EfId::CardAccess,
                card_access::encode(&[PaceInfo::ecdh_generic(
                    Cipher::Aes(128),
                    DomainParameters::BrainpoolP256r1,
                )]),
            )]
            .into(),
            chip_private_key: Some(vec![0x11; 32]),
            aa_private_key: Some(vec![0x22; 32]),
        },
    );
    let set_at = pace::set_at(
        &PaceInfo::ecdh_generic(Cipher::Aes(128), DomainParameters::BrainpoolP256r1),
        &PacePassword::Can("000123".into()),
        None,
    );
    chip.process(&set_at.to_bytes());
    chip.process(&pace::general_authenticate(&[], false).to_bytes());
    chip.process(data);
});
