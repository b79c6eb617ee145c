//! Opens a chip's secure channel the way ICAO Doc 9303 part 11 §4.2 orders it: read
//! EF.CardAccess (by its short file identifier, or selected directly — chip ID cards answer
//! SELECT MF with 6D00); when it offers a PACE variant this reader runs (chip authentication
//! mapping first: it proves the chip inside PACE), PACE with the card access number first, then with each MRZ key, and select the eMRTD application under the
//! new session; otherwise Basic Access Control with each MRZ key. A wrong password moves to the
//! next; a PACE the chip breaks off for another reason falls back to BAC. Blocking (talks to a
//! device); never logs card data or keys.

use crate::devices::card_reader::EMRTD_AID;
use crate::identity::apdu::{self, Command};
use crate::identity::apdu_link::Link;
use crate::identity::bac::ReaderAuthentication;
use crate::identity::card_access::{self, Cipher, DomainParameters, PaceInfo};
use crate::identity::chip_keys::ChipKeys;
use crate::identity::chip_session::{ChipError, ReadStep};
use crate::identity::lds::EfId;
use crate::identity::pace::{self, Terminal};
use crate::identity::pace_cam::{self, CamProof};
use crate::identity::pace_keys::PacePassword;
use crate::identity::pace_mapping;
use crate::identity::secure_messaging::SecureChannel;
use crate::identity::{access_key::BacKeys, tlv};

/// EF.CardAccess is a few hundred bytes; a chip claiming more is not believed.
const MAX_CARD_ACCESS: usize = 4096;

/// How the chip was opened, for the report and the bench.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccessMethod {
    /// "PACE" or "BAC".
    pub protocol: &'static str,
    /// "CAN" or "MRZ".
    pub password: &'static str,
    /// PACE's variant ("ECDH-GM brainpoolP256r1 AES-128"); empty for BAC.
    pub variant: String,
    /// Whether EF.CardAccess offered PACE at all.
    pub pace_offered: bool,
    /// Why PACE was not used when it was offered (a variant not run here, a chip that broke
    /// the exchange off); empty otherwise.
    pub pace_skipped: String,
}

/// An open session.
pub(crate) struct Opened {
    pub channel: SecureChannel,
    pub access: AccessMethod,
    /// Which MRZ key opened it (index into `ChipKeys::mrz`); None for the CAN.
    pub mrz_key: Option<usize>,
    /// PACE's chip authentication mapping, to check against DG14's key.
    pub cam: Option<CamProof>,
}

fn curve_name(curve: DomainParameters) -> String {
    match curve {
        DomainParameters::BrainpoolP256r1 => "brainpoolP256r1".into(),
        DomainParameters::BrainpoolP384r1 => "brainpoolP384r1".into(),
        DomainParameters::BrainpoolP512r1 => "brainpoolP512r1".into(),
        DomainParameters::NistP256 => "NIST P-256".into(),
        DomainParameters::NistP384 => "NIST P-384".into(),
        DomainParameters::Modp1024_160 => "MODP-1024/160".into(),
        DomainParameters::Modp2048_224 => "MODP-2048/224".into(),
        DomainParameters::Modp2048_256 => "MODP-2048/256".into(),
        other => format!("{other:?}"),
    }
}

fn variant_name(offer: &PaceInfo) -> String {
    let cipher = match offer.cipher {
        Cipher::Des3 => "3DES".to_string(),
        Cipher::Aes(bits) => format!("AES-{bits}"),
    };
    let curve = offer.parameters.map(curve_name).unwrap_or_default();
    let agreement = match offer.agreement {
        card_access::KeyAgreement::Dh => "DH",
        card_access::KeyAgreement::Ecdh => "ECDH",
    };
    let mapping = match offer.mapping {
        card_access::Mapping::Generic => "GM",
        card_access::Mapping::Integrated => "IM",
        card_access::Mapping::ChipAuthentication => "CAM",
    };
    format!("{agreement}-{mapping} {curve} {cipher}")
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).expect("system randomness");
    out
}

/// EF.CardAccess's PACE offers; empty when the chip has no such file (a BAC-only chip) or
/// it cannot be read or parsed (BAC is then tried, as on a chip without PACE).
fn read_card_access(link: &mut Link<'_>) -> Result<Vec<PaceInfo>, ChipError> {
    let by_sfi = Command::new(
        0x00,
        apdu::INS_READ_BINARY,
        0x80 | EfId::CardAccess.sfi(),
        0,
    )
    .with_le(256);
    let first = link.send(&by_sfi)?;
    let mut data = if first.is_ok() {
        first.data
    } else if first.sw == apdu::SW_FILE_NOT_FOUND {
        return Ok(Vec::new());
    } else {
        // The chip does not take a short file identifier here: select the file itself.
        if link.send(&Command::select_file(EfId::CardAccess.fid()))?.sw != apdu::SW_OK {
            return Ok(Vec::new());
        }
        let answer = link.send(&Command::read_binary(0, 256))?;
        if !answer.is_ok() {
            return Ok(Vec::new());
        }
        answer.data
    };
    let Ok(total) = tlv::total_length(&data) else {
        return Ok(Vec::new());
    };
    if total > MAX_CARD_ACCESS {
        return Ok(Vec::new());
    }
    while data.len() < total {
        let answer = link.send(&Command::read_binary(data.len(), 256))?;
        if !answer.is_ok() || answer.data.is_empty() {
            return Ok(Vec::new());
        }
        data.extend_from_slice(&answer.data);
    }
    data.truncate(total);
    Ok(card_access::parse(&data).unwrap_or_default())
}

enum PaceOutcome {
    Opened(SecureChannel, Option<CamProof>),
    /// The chip refused the token: this password is not the card's.
    WrongPassword,
    /// MSE:Set AT refused this kind of password.
    PasswordNotAccepted,
    /// The exchange broke off for another reason.
    Failed(String),
}

fn is_wrong_password(sw: u16) -> bool {
    sw == apdu::SW_AUTHENTICATION_FAILED || sw & 0xFFF0 == 0x63C0
}

/// One PACE exchange with one password.
fn pace_attempt(
    link: &mut Link<'_>,
    offer: &PaceInfo,
    parameter_id: Option<u32>,
    password: &PacePassword,
) -> Result<PaceOutcome, ChipError> {
    let failed = |what: &str| Ok(PaceOutcome::Failed(what.to_string()));
    let mut terminal = match Terminal::new(offer, password) {
        Ok(terminal) => terminal,
        Err(e) => return failed(&e.to_string()),
    };
    let curve = terminal.curve();
    let key = || pace_mapping::random_private_key(curve).expect("a curve PACE runs on");
    if link.send(&pace::set_at(offer, password, parameter_id))?.sw != apdu::SW_OK {
        return Ok(PaceOutcome::PasswordNotAccepted);
    }
    let steps: [(u32, u32, &str); 3] = [
        (0, pace::TAG_ENCRYPTED_NONCE, "the encrypted nonce"),
        (
            pace::TAG_MAPPING_TERMINAL,
            pace::TAG_MAPPING_CHIP,
            "the chip's mapping key",
        ),
        (
            pace::TAG_EPHEMERAL_TERMINAL,
            pace::TAG_EPHEMERAL_CHIP,
            "the chip's ephemeral key",
        ),
    ];
    let mut outgoing: Vec<u8> = Vec::new();
    for (n, (tag_out, tag_in, what)) in steps.into_iter().enumerate() {
        let objects: Vec<(u32, &[u8])> = if n == 0 {
            Vec::new()
        } else {
            vec![(tag_out, outgoing.as_slice())]
        };
        let answer = link.send(&pace::general_authenticate(&objects, false))?;
        if answer.sw != apdu::SW_OK {
            return failed(&format!(
                "General Authenticate step {} answered {:04X}",
                n + 1,
                answer.sw
            ));
        }
        let incoming = match pace::dynamic_object(&answer.data, tag_in, what) {
            Ok(value) => value,
            Err(e) => return failed(&e.to_string()),
        };
        let next = match n {
            0 => terminal.mapping_key(&incoming, key()),
            1 => terminal.ephemeral_key(&incoming, key()),
            _ => terminal.token(&incoming).map(|t| t.to_vec()),
        };
        outgoing = match next {
            Ok(value) => value,
            Err(e) => return failed(&e.to_string()),
        };
    }
    let answer = link.send(&pace::general_authenticate(
        &[(pace::TAG_TOKEN_TERMINAL, outgoing.as_slice())],
        true,
    ))?;
    if is_wrong_password(answer.sw) {
        return Ok(PaceOutcome::WrongPassword);
    }
    if answer.sw != apdu::SW_OK {
        return failed(&format!(
            "General Authenticate step 4 answered {:04X}",
            answer.sw
        ));
    }
    let chip_token = match pace::dynamic_object(&answer.data, pace::TAG_TOKEN_CHIP, "the token") {
        Ok(token) => token,
        Err(e) => return failed(&e.to_string()),
    };
    let chip_data = pace::dynamic_object(
        &answer.data,
        pace_cam::TAG_ENCRYPTED_CHIP_DATA,
        "the chip authentication data",
    )
    .ok();
    match terminal.finish(&chip_token, chip_data.as_deref()) {
        Ok((channel, cam)) => Ok(PaceOutcome::Opened(channel, cam)),
        Err(pace::PaceError::ChipData) => {
            failed("the chip's chip authentication data is missing or does not decrypt")
        }
        Err(_) => failed("the chip's token does not prove it knew the password"),
    }
}

fn select_application(link: &mut Link<'_>) -> Result<(), ChipError> {
    match link.send(&Command::select_application(&EMRTD_AID))?.sw {
        apdu::SW_OK => Ok(()),
        _ => Err(ChipError::NotAnIdCard),
    }
}

fn bac_attempt(link: &mut Link<'_>, key: &BacKeys) -> Result<Option<SecureChannel>, ChipError> {
    let challenge = link.send(&Command::new(0x00, apdu::INS_GET_CHALLENGE, 0, 0).with_le(8))?;
    let rnd_ic: [u8; 8] = match (challenge.sw, challenge.data.as_slice().try_into()) {
        (apdu::SW_OK, Ok(rnd)) => rnd,
        _ => {
            return Err(ChipError::Protocol(format!(
                "GET CHALLENGE answered {:04X}",
                challenge.sw
            )));
        }
    };
    let auth = ReaderAuthentication::new(rnd_ic, random(), random());
    let answer = link.send(
        &Command::new(0x00, apdu::INS_EXTERNAL_AUTHENTICATE, 0, 0)
            .with_data(auth.command_data(key))
            .with_le(40),
    )?;
    if answer.sw != apdu::SW_OK {
        return Ok(None);
    }
    Ok(auth.complete(key, &answer.data).ok())
}

/// Opens the chip with the first key that works.
pub(crate) fn open(
    link: &mut Link<'_>,
    keys: &ChipKeys,
    progress: &mut dyn FnMut(ReadStep),
) -> Result<Opened, ChipError> {
    let offers = read_card_access(link)?;
    let mut access = AccessMethod {
        protocol: "BAC",
        password: "MRZ",
        variant: String::new(),
        pace_offered: !offers.is_empty(),
        pace_skipped: String::new(),
    };
    // Chip authentication mapping first (it proves the chip within PACE), then the chip's order.
    let runnable = offers
        .iter()
        .filter(|o| pace::runnable(o).is_ok())
        .min_by_key(|o| o.mapping != card_access::Mapping::ChipAuthentication);
    if let Some(offer) = runnable {
        // Parameters are named only when the chip offers this protocol on several.
        let parameter_id = (offers
            .iter()
            .filter(|o| o.protocol == offer.protocol)
            .count()
            > 1)
        .then(|| offer.parameters.map(DomainParameters::id))
        .flatten();
        let attempts: Vec<(PacePassword, Option<usize>)> = keys
            .can
            .iter()
            .map(|can| (can.clone(), None))
            .chain(
                keys.mrz
                    .iter()
                    .enumerate()
                    .filter_map(|(i, k)| k.pace_password().map(|p| (p, Some(i)))),
            )
            .collect();
        let mut broke_off = None;
        // Whether the chip ever took a password (MSE:Set AT) and judged it.
        let mut judged = false;
        for (n, (password, mrz_key)) in attempts.iter().enumerate() {
            progress(ReadStep::Unlocking {
                n: n + 1,
                of: attempts.len(),
            });
            match pace_attempt(link, offer, parameter_id, password)? {
                PaceOutcome::Opened(mut channel, cam) => {
                    let selected =
                        link.send_secure(&mut channel, &Command::select_application(&EMRTD_AID))?;
                    if selected.sw != apdu::SW_OK {
                        return Err(ChipError::NotAnIdCard);
                    }
                    access.protocol = "PACE";
                    access.password = if mrz_key.is_some() { "MRZ" } else { "CAN" };
                    access.variant = variant_name(offer);
                    return Ok(Opened {
                        channel,
                        access,
                        mrz_key: *mrz_key,
                        cam,
                    });
                }
                PaceOutcome::WrongPassword => judged = true,
                PaceOutcome::PasswordNotAccepted => {}
                PaceOutcome::Failed(why) => {
                    broke_off = Some(why);
                    break;
                }
            }
        }
        match broke_off {
            Some(why) => access.pace_skipped = why,
            None if attempts.is_empty() => access.pace_skipped = "no password for PACE".into(),
            None if !judged => {
                access.pace_skipped = "the chip refused MSE:Set AT for every password".into()
            }
            // Every password was refused: the MRZ keys would fail BAC the same way.
            None => {
                return Err(ChipError::WrongKey {
                    tried: attempts.len(),
                });
            }
        }
    } else if let Some(offer) = offers.first() {
        access.pace_skipped = match pace::runnable(offer) {
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        };
    }
    for (i, key) in keys.mrz.iter().enumerate() {
        progress(ReadStep::Unlocking {
            n: i + 1,
            of: keys.mrz.len(),
        });
        let Some(bac) = key.bac_keys() else { continue };
        select_application(link)?;
        if let Some(channel) = bac_attempt(link, &bac)? {
            return Ok(Opened {
                channel,
                access,
                mrz_key: Some(i),
                cam: None,
            });
        }
    }
    Err(ChipError::WrongKey {
        tried: keys.mrz.len(),
    })
}
