//! Reads a CCCD chip through any `CardReader` (PC/SC or the simulator — the same code):
//! opens it (`chip_opening`: PACE with the card access number when EF.CardAccess offers it,
//! BAC otherwise), then under secure messaging reads EF.COM, DG1, DG13, DG2 and EF.SOD by
//! short file identifier (no SELECT per file where the chip allows) with READ BINARY as large
//! as the session and the card allow, and runs passive authentication on what was read.
//! Reports progress per file. Blocking (it talks to a device): call it off the UI thread.
//! Never logs card data.

use crate::devices::DeviceError;
use crate::devices::card_reader::CardReader;
use crate::identity::apdu::{self, Command};
use crate::identity::apdu_link::Link;
use crate::identity::chip_keys::ChipKeys;
use crate::identity::chip_opening::{self, AccessMethod};
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
    /// Every APDU sent, opening included.
    pub apdus: usize,
    /// PACE or BAC, and with which password.
    pub access: AccessMethod,
    /// Which MRZ key opened the chip (0-based); None when the card access number did.
    pub key_index: Option<usize>,
    /// Which expiry field that MRZ key carried.
    pub expiry_field: Option<String>,
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

struct FileReader<'a, 'b> {
    link: &'b mut Link<'a>,
    channel: SecureChannel,
    chunk: usize,
    /// The largest short read of this session's cipher.
    short_max: usize,
    extended_tried: bool,
    /// Whether READ BINARY by short file identifier still works on this chip.
    by_sfi: bool,
}

impl FileReader<'_, '_> {
    /// Reads one file whole; `None` when the card does not have it.
    fn read(
        &mut self,
        file: EfId,
        progress: &mut dyn FnMut(ReadStep),
    ) -> Result<Option<(Vec<u8>, usize)>, ChipError> {
        let before = self.link.apdus;
        // The first read names the file by its short identifier (and selects it); a chip
        // that refuses that is read after a SELECT from then on.
        let mut first_by_sfi = self.by_sfi;
        if !first_by_sfi {
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
        }
        let mut data: Vec<u8> = Vec::new();
        let mut total: Option<usize> = None;
        loop {
            let want = match total {
                Some(t) => (t - data.len()).min(self.chunk),
                None => self.chunk,
            };
            let command = if first_by_sfi {
                Command::new(0x00, apdu::INS_READ_BINARY, 0x80 | file.sfi(), 0).with_le(want)
            } else {
                Command::read_binary(data.len(), want)
            };
            let answer = self.link.send_secure(&mut self.channel, &command)?;
            if answer.sw == apdu::SW_WRONG_LENGTH
                && self.chunk > self.short_max
                && !self.extended_tried
            {
                // The card does not take reads this long: short reads from now on.
                self.extended_tried = true;
                self.chunk = self.short_max;
                continue;
            }
            if first_by_sfi {
                first_by_sfi = false;
                if answer.sw == apdu::SW_FILE_NOT_FOUND {
                    return Ok(None);
                }
                if !answer.is_ok() {
                    // No short file identifiers on this chip: SELECT, then read.
                    self.by_sfi = false;
                    return self
                        .read(file, progress)
                        .map(|read| read.map(|(bytes, apdus)| (bytes, apdus + 1)));
                }
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

/// Reads the chip: opens it with the first key that works, then the files, then checks them.
pub fn read_chip(
    reader: &mut dyn CardReader,
    keys: &ChipKeys,
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
    let opened = chip_opening::open(&mut link, keys, progress)?;
    let short_max = opened.channel.max_short_read();
    let mut files = FileReader {
        link: &mut link,
        channel: opened.channel,
        chunk: options.extended_read.unwrap_or(short_max).max(8),
        short_max,
        extended_tried: options.extended_read.is_none(),
        by_sfi: true,
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
        access: opened.access,
        key_index: opened.mrz_key,
        expiry_field: opened.mrz_key.map(|i| keys.mrz[i].expiry.clone()),
    })
}
