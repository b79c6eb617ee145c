//! Reads a CCCD chip through any `CardReader` (PC/SC or the simulator — the same code):
//! SELECT the eMRTD application, Basic Access Control with each candidate access key in turn,
//! then under secure messaging EF.COM, DG1, DG13, DG2 and EF.SOD with READ BINARY as large as
//! the card allows, and passive authentication of what was read. Reports progress per file.
//! Blocking (it talks to a device): call it off the UI thread. Never logs card data.

use crate::devices::DeviceError;
use crate::devices::card_reader::{CardReader, EMRTD_AID, card_removed};
use crate::identity::access_key::{BacKeys, mrz_information};
use crate::identity::apdu::{self, Command, Response};
use crate::identity::bac::ReaderAuthentication;
use crate::identity::card_side::emrtd_chip::SHORT_READ_MAX;
use crate::identity::dg1_mrz::Td1;
use crate::identity::dg2_face::FaceImage;
use crate::identity::dg13::Dg13;
use crate::identity::ef_com::EfCom;
use crate::identity::lds::EfId;
use crate::identity::passive_auth::{self, PassiveAuthentication};
use crate::identity::secure_messaging::SecureChannel;
use crate::identity::trust_list::TrustList;
use crate::identity::{dg1_mrz, dg2_face, dg13, ef_com, tlv};
use std::collections::BTreeMap;
use thiserror::Error;

/// The three MRZ fields that open the chip.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub document_number: String,
    /// YYMMDD.
    pub birth: String,
    /// YYMMDD or the no-expiry encoding.
    pub expiry: String,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKey(..)")
    }
}

impl AccessKey {
    /// The keys to try for a holder: the document number (last 9 digits of the ID) and birth
    /// date with each candidate expiry — the typed one alone when the resident gave it.
    pub fn candidates(
        id: &crate::core::personal_id::PersonalId,
        birth: chrono::NaiveDate,
        issue: Option<chrono::NaiveDate>,
        typed_expiry: Option<chrono::NaiveDate>,
        today: chrono::NaiveDate,
    ) -> Vec<AccessKey> {
        use crate::identity::expiry_candidates::{self, Expiry};
        let expiries = match typed_expiry {
            Some(date) => vec![Expiry::On(date)],
            None => expiry_candidates::candidates(birth, issue, today),
        };
        expiry_candidates::mrz_fields(&expiries)
            .into_iter()
            .map(|expiry| AccessKey {
                document_number: id.document_number().to_string(),
                birth: birth.format("%y%m%d").to_string(),
                expiry,
            })
            .collect()
    }

    fn bac_keys(&self) -> Option<BacKeys> {
        mrz_information(&self.document_number, &self.birth, &self.expiry)
            .map(|i| BacKeys::from_mrz_information(&i))
    }
}

/// What the reading is doing, for the progress on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadStep {
    /// Trying access key `n` of `of` (1-based).
    Unlocking {
        n: usize,
        of: usize,
    },
    /// `done` of `total` bytes of `file` read.
    Reading {
        file: EfId,
        done: usize,
        total: usize,
    },
    Checking,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChipError {
    #[error("no card on the reader")]
    NoCard,
    #[error("the card was taken off the reader during the reading")]
    Removed,
    #[error("card reader: {0}")]
    Reader(DeviceError),
    #[error("this card is not a chip ID card (no eMRTD application)")]
    NotAnIdCard,
    #[error("none of the {tried} access keys opened the chip")]
    WrongKey { tried: usize },
    #[error("the card's answer broke the protocol: {0}")]
    Protocol(String),
    #[error("a file on the card is malformed: {0}")]
    Malformed(String),
}

/// Reading options: the largest plain READ BINARY to try in an extended-length APDU (only
/// for readers and cards known to support it; the reader falls back to short reads on 6700).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    pub extended_read: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileRead {
    pub file: String,
    pub bytes: usize,
    pub apdus: usize,
}

/// Everything read from the chip. Personal data: wiped on drop.
pub struct ChipRead {
    pub com: EfCom,
    pub dg1: Td1,
    pub dg13: Option<Dg13>,
    pub face: Option<FaceImage>,
    pub passive: PassiveAuthentication,
    /// EF.SOD, DG1 and DG13 as read: sealed with the dossier for the portal to re-check.
    pub evidence: crate::core::chip_evidence::ChipEvidence,
    pub files: Vec<FileRead>,
    /// Every APDU sent, BAC included.
    pub apdus: usize,
    /// Which candidate key opened the chip (0-based).
    pub key_index: usize,
    /// Which expiry field that key carried.
    pub expiry_field: String,
}

impl std::fmt::Debug for ChipRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ChipRead({} files, {} APDUs, {:?})",
            self.files.len(),
            self.apdus,
            self.passive.verdict
        )
    }
}

impl Drop for ChipRead {
    fn drop(&mut self) {
        if let Some(dg13) = self.dg13.as_mut() {
            dg13.wipe();
        }
        if let Some(face) = self.face.as_mut() {
            zeroize::Zeroize::zeroize(&mut face.bytes);
        }
        zeroize::Zeroize::zeroize(&mut self.dg1.raw);
    }
}

struct Link<'a> {
    reader: &'a mut dyn CardReader,
    apdus: usize,
}

impl Link<'_> {
    fn send(&mut self, command: &Command) -> Result<Response, ChipError> {
        self.apdus += 1;
        let bytes = self.reader.transmit(&command.to_bytes()).map_err(|e| {
            if e == card_removed() {
                ChipError::Removed
            } else {
                ChipError::Reader(e)
            }
        })?;
        Response::parse(&bytes)
            .ok_or_else(|| ChipError::Protocol("an answer shorter than a status word".into()))
    }

    fn send_secure(
        &mut self,
        channel: &mut SecureChannel,
        command: &Command,
    ) -> Result<Response, ChipError> {
        let answer = self.send(&channel.protect(command))?;
        channel
            .unprotect(&answer)
            .map_err(|e| ChipError::Protocol(e.to_string()))
    }
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).expect("system randomness");
    out
}

fn select_application(link: &mut Link<'_>) -> Result<(), ChipError> {
    let answer = link.send(&Command::select_application(&EMRTD_AID))?;
    match answer.sw {
        apdu::SW_OK => Ok(()),
        _ => Err(ChipError::NotAnIdCard),
    }
}

fn authenticate(link: &mut Link<'_>, key: &BacKeys) -> Result<Option<SecureChannel>, ChipError> {
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

struct FileReader<'a, 'b> {
    link: &'b mut Link<'a>,
    channel: SecureChannel,
    chunk: usize,
    extended_tried: bool,
}

impl FileReader<'_, '_> {
    /// Reads one file whole; `None` when the card does not have it.
    fn read(
        &mut self,
        file: EfId,
        progress: &mut dyn FnMut(ReadStep),
    ) -> Result<Option<(Vec<u8>, usize)>, ChipError> {
        let before = self.link.apdus;
        let selected = self
            .link
            .send_secure(&mut self.channel, &Command::select_file(file.fid()))?;
        if selected.sw == apdu::SW_FILE_NOT_FOUND {
            return Ok(None);
        }
        if selected.sw != apdu::SW_OK {
            return Err(ChipError::Protocol(format!(
                "SELECT {} answered {:04X}",
                file.name(),
                selected.sw
            )));
        }
        let mut data: Vec<u8> = Vec::new();
        let mut total: Option<usize> = None;
        loop {
            let want = match total {
                Some(t) => (t - data.len()).min(self.chunk),
                None => self.chunk,
            };
            let answer = self
                .link
                .send_secure(&mut self.channel, &Command::read_binary(data.len(), want))?;
            if answer.sw == apdu::SW_WRONG_LENGTH
                && self.chunk > SHORT_READ_MAX
                && !self.extended_tried
            {
                // The card does not take reads this long: short reads from now on.
                self.extended_tried = true;
                self.chunk = SHORT_READ_MAX;
                continue;
            }
            if !answer.is_ok() {
                return Err(ChipError::Protocol(format!(
                    "READ BINARY {} answered {:04X}",
                    file.name(),
                    answer.sw
                )));
            }
            if answer.data.is_empty() {
                return Err(ChipError::Malformed(format!(
                    "{} ends before its length",
                    file.name()
                )));
            }
            self.extended_tried = true;
            data.extend_from_slice(&answer.data);
            if total.is_none() {
                let length = tlv::total_length(&data)
                    .map_err(|e| ChipError::Malformed(format!("{}: {e}", file.name())))?;
                if length > 1 << 20 {
                    return Err(ChipError::Malformed(format!(
                        "{} claims {length} bytes",
                        file.name()
                    )));
                }
                total = Some(length);
            }
            let t = total.unwrap_or(0);
            progress(ReadStep::Reading {
                file,
                done: data.len().min(t),
                total: t,
            });
            if data.len() >= t {
                data.truncate(t);
                return Ok(Some((data, self.link.apdus - before)));
            }
        }
    }
}

fn read_into(
    files: &mut FileReader<'_, '_>,
    ef: EfId,
    progress: &mut dyn FnMut(ReadStep),
    raw: &mut BTreeMap<EfId, Vec<u8>>,
    log: &mut Vec<FileRead>,
) -> Result<bool, ChipError> {
    match files.read(ef, progress)? {
        Some((bytes, apdus)) => {
            log.push(FileRead {
                file: ef.name(),
                bytes: bytes.len(),
                apdus,
            });
            raw.insert(ef, bytes);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Reads the chip: tries each access key, then the files, then checks them.
pub fn read_chip(
    reader: &mut dyn CardReader,
    keys: &[AccessKey],
    trust: &TrustList,
    options: ReadOptions,
    progress: &mut dyn FnMut(ReadStep),
) -> Result<ChipRead, ChipError> {
    if matches!(
        reader.status(),
        Ok(crate::devices::card_reader::ReaderStatus::NoCard)
    ) {
        return Err(ChipError::NoCard);
    }
    let mut link = Link { reader, apdus: 0 };
    let mut opened = None;
    for (i, key) in keys.iter().enumerate() {
        progress(ReadStep::Unlocking {
            n: i + 1,
            of: keys.len(),
        });
        let Some(bac) = key.bac_keys() else { continue };
        select_application(&mut link)?;
        if let Some(channel) = authenticate(&mut link, &bac)? {
            opened = Some((i, channel));
            break;
        }
    }
    let Some((key_index, channel)) = opened else {
        return Err(ChipError::WrongKey { tried: keys.len() });
    };
    let mut files = FileReader {
        link: &mut link,
        channel,
        chunk: options.extended_read.unwrap_or(SHORT_READ_MAX).max(8),
        extended_tried: options.extended_read.is_none(),
    };
    let mut read_log = Vec::new();
    let mut raw: BTreeMap<EfId, Vec<u8>> = BTreeMap::new();
    if !read_into(&mut files, EfId::Com, progress, &mut raw, &mut read_log)? {
        return Err(ChipError::Malformed("the card has no EF.COM".into()));
    }
    let com = ef_com::parse(&raw[&EfId::Com])
        .map_err(|e| ChipError::Malformed(format!("EF.COM: {e}")))?;
    for n in [1u8, 13, 2] {
        if n == 1 || com.data_groups.contains(&n) {
            read_into(&mut files, EfId::Dg(n), progress, &mut raw, &mut read_log)?;
        }
    }
    if !read_into(&mut files, EfId::Sod, progress, &mut raw, &mut read_log)? {
        return Err(ChipError::Malformed("the card has no EF.SOD".into()));
    }
    let apdus = files.link.apdus;
    progress(ReadStep::Checking);
    let dg1_bytes = raw
        .get(&EfId::Dg(1))
        .ok_or_else(|| ChipError::Malformed("the card has no DG1".into()))?;
    let dg1 = dg1_mrz::parse(dg1_bytes).map_err(|e| ChipError::Malformed(e.to_string()))?;
    let dg13 = match raw.get(&EfId::Dg(13)) {
        Some(bytes) => {
            Some(dg13::parse(bytes).map_err(|e| ChipError::Malformed(format!("DG13: {e}")))?)
        }
        None => None,
    };
    let face = raw
        .get(&EfId::Dg(2))
        .and_then(|bytes| dg2_face::parse(bytes).ok());
    let mut sod = raw.remove(&EfId::Sod).unwrap_or_default();
    // The data groups move out of `raw` (no second copy to forget to wipe).
    let mut groups: BTreeMap<u8, Vec<u8>> = raw
        .into_iter()
        .filter_map(|(ef, bytes)| match ef {
            EfId::Dg(n) => Some((n, bytes)),
            _ => None,
        })
        .collect();
    let passive = passive_auth::check(&sod, &groups, trust);
    let evidence = crate::core::chip_evidence::ChipEvidence::from_files(&sod, &groups);
    zeroize::Zeroize::zeroize(&mut sod);
    for bytes in groups.values_mut() {
        zeroize::Zeroize::zeroize(bytes);
    }
    Ok(ChipRead {
        com,
        dg1,
        dg13,
        face,
        passive,
        evidence,
        files: read_log,
        apdus,
        key_index,
        expiry_field: keys[key_index].expiry.clone(),
    })
}
