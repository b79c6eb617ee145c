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
use crate::identity::chip_authenticity::ChipAuthenticity;
use crate::identity::chip_keys::ChipKeys;
use crate::identity::chip_opening::{self, AccessMethod};
use crate::identity::dg1_mrz::Td1;
use crate::identity::dg2_face::FaceImage;
use crate::identity::dg13::Dg13;
use crate::identity::ef_com::EfCom;
use crate::identity::lds::EfId;
use crate::identity::pace_cam::CamVerdict;
use crate::identity::passive_auth::{self, PassiveAuthentication};
use crate::identity::secure_messaging::SecureChannel;
use crate::identity::trust_list::TrustList;
use crate::identity::{
    active_authentication, chip_authentication, dg1_mrz, dg2_face, dg13, dg14, dg15, ef_com, tlv,
};
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
    /// Whether the chip proved it is genuine (chip authentication).
    pub authenticity: ChipAuthenticity,
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
    /// Uses a new secure channel (after chip authentication).
    fn use_channel(&mut self, channel: SecureChannel) {
        let short_max = channel.max_short_read();
        // Short reads stay short, at the new cipher's size; extended ones stay extended.
        if self.chunk <= self.short_max {
            self.chunk = short_max;
        }
        self.short_max = short_max;
        self.channel = channel;
    }

    /// Opens the chip again (the session broke) and carries on with the new session.
    fn reopen(
        &mut self,
        keys: &ChipKeys,
        progress: &mut dyn FnMut(ReadStep),
    ) -> Result<(), ChipError> {
        let opened = chip_opening::open(self.link, keys, progress)?;
        self.use_channel(opened.channel);
        Ok(())
    }
}

/// Active authentication with DG15's key over a fresh challenge.
fn active_authenticate(
    files: &mut FileReader<'_, '_>,
    dg15_bytes: &[u8],
    algorithm: Option<&der::asn1::ObjectIdentifier>,
    keys: &ChipKeys,
    progress: &mut dyn FnMut(ReadStep),
) -> Result<(ChipAuthenticity, Option<AaExchange>), ChipError> {
    let not_proven = |reason: String| Ok((ChipAuthenticity::NotProven { reason }, None));
    let key = match dg15::parse(dg15_bytes) {
        Ok(Ok(key)) => key,
        Ok(Err(why)) => return not_proven(why),
        Err(e) => return not_proven(format!("DG15 unreadable: {e}")),
    };
    let mut challenge = [0u8; 8];
    getrandom::fill(&mut challenge).expect("system randomness");
    let answer = match files.link.send_secure(
        &mut files.channel,
        &active_authentication::command(&challenge),
    ) {
        Ok(answer) => answer,
        Err(ChipError::Protocol(why)) => {
            // Carry on in a session known to work.
            files.reopen(keys, progress)?;
            return not_proven(format!("the chip broke active authentication off ({why})"));
        }
        Err(e) => return Err(e),
    };
    if answer.sw != apdu::SW_OK {
        return not_proven(format!(
            "the chip refused active authentication ({:04X})",
            answer.sw
        ));
    }
    let exchange = Some(AaExchange {
        challenge,
        signature: answer.data.clone(),
    });
    match active_authentication::verify(&key, algorithm, &challenge, &answer.data) {
        Ok(()) => Ok((
            ChipAuthenticity::Genuine {
                method: "active authentication".into(),
            },
            exchange,
        )),
        Err(active_authentication::AaError::BadSignature) => Ok((
            ChipAuthenticity::CloneSuspected {
                reason: "the chip's signature over the kiosk's challenge does not verify with \
                         the key its signed DG15 names"
                    .into(),
            },
            exchange,
        )),
        Err(e) => not_proven(e.to_string()),
    }
}

/// Active authentication's challenge and the chip's answer, sealed for the portal.
struct AaExchange {
    challenge: [u8; 8],
    signature: Vec<u8>,
}

/// Chip authentication with DG14's key (`dg14` as parsed). `Ok(Err((why, reopen)))` when it
/// was not run or the chip refused it (`reopen`: the session may be broken).
#[allow(clippy::type_complexity)]
fn chip_authenticate(
    files: &mut FileReader<'_, '_>,
    dg14: &Result<dg14::Dg14, dg14::Dg14Error>,
) -> Result<Result<(), (String, bool)>, ChipError> {
    let dg14 = match dg14 {
        Ok(dg14) => dg14,
        Err(e) => return Ok(Err((format!("DG14 unreadable: {e}"), false))),
    };
    let Some((info, key)) = dg14.chosen() else {
        let why = dg14
            .unsupported
            .first()
            .cloned()
            .unwrap_or_else(|| "DG14 names no chip authentication key".into());
        return Ok(Err((format!("not run here: {why}"), false)));
    };
    let Ok((private, public)) = chip_authentication::ephemeral_key(key) else {
        return Ok(Err(("DG14's key is not in a group run here".into(), false)));
    };
    for command in chip_authentication::commands(info, key, &public) {
        match files.link.send_secure(&mut files.channel, &command) {
            Ok(answer) if answer.sw == apdu::SW_OK => {}
            Ok(answer) => {
                return Ok(Err((
                    format!("the chip refused chip authentication ({:04X})", answer.sw),
                    true,
                )));
            }
            Err(ChipError::Protocol(why)) => {
                return Ok(Err((
                    format!("the chip broke chip authentication off ({why})"),
                    true,
                )));
            }
            Err(e) => return Err(e),
        }
    }
    match chip_authentication::session(key, info.cipher, &private, &key.public) {
        Ok(channel) => {
            files.use_channel(channel);
            Ok(Ok(()))
        }
        Err(e) => Ok(Err((format!("DG14's key: {e}"), true))),
    }
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
    let chip_opening::Opened {
        channel,
        access,
        mrz_key,
        cam,
    } = chip_opening::open(&mut link, keys, progress)?;
    let short_max = channel.max_short_read();
    let mut files = FileReader {
        link: &mut link,
        channel,
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
    let mut authenticity = ChipAuthenticity::NotOffered;
    // Chip authentication changed the keys: the next answer shows whether the chip could.
    let mut keys_changed = false;
    if com.data_groups.contains(&14) {
        read_into(&mut files, EfId::Dg(14), progress, &mut raw, &mut read_log)?;
    }
    // Parsed once, for the mapping's check, chip authentication and active authentication.
    let dg14 = raw.get(&EfId::Dg(14)).map(|bytes| dg14::parse(bytes));
    let dg14_ok = dg14.as_ref().and_then(|parsed| parsed.as_ref().ok());
    // PACE's chip authentication mapping, checked against DG14's key, settles it without
    // chip authentication.
    let by_mapping = cam.map(|proof| proof.verify(dg14_ok.map_or(&[][..], |d| &d.keys)));
    match by_mapping {
        Some(CamVerdict::Proven) => {
            authenticity = ChipAuthenticity::Genuine {
                method: "PACE chip authentication mapping".into(),
            }
        }
        Some(CamVerdict::Mismatch) => {
            authenticity = ChipAuthenticity::CloneSuspected {
                reason: "the chip's PACE chip authentication data does not match the key \
                         its signed DG14 names"
                    .into(),
            }
        }
        Some(CamVerdict::NoKey) if dg14.is_none() => {
            authenticity = ChipAuthenticity::NotProven {
                reason: "PACE chip authentication mapping without DG14 to check it \
                         (EF.CardSecurity is not read here)"
                    .into(),
            }
        }
        Some(CamVerdict::NoKey) | None => {}
    }
    if let Some(parsed) = dg14
        .as_ref()
        .filter(|_| matches!(authenticity, ChipAuthenticity::NotOffered))
    {
        match chip_authenticate(&mut files, parsed)? {
            Ok(()) => {
                keys_changed = true;
                authenticity = ChipAuthenticity::Genuine {
                    method: "chip authentication".into(),
                };
            }
            Err((reason, reopen)) => {
                authenticity = ChipAuthenticity::NotProven { reason };
                if reopen {
                    files.reopen(keys, progress)?;
                }
            }
        }
    }
    for n in [1u8, 13, 2] {
        if n == 1 || com.data_groups.contains(&n) {
            match read_into(&mut files, EfId::Dg(n), progress, &mut raw, &mut read_log) {
                Err(ChipError::Protocol(why)) if keys_changed => {
                    // It could not answer under the keys of the chip key its signed DG14
                    // names: the data is a copy on another chip. Read on in a new session.
                    authenticity = ChipAuthenticity::CloneSuspected {
                        reason: format!(
                            "the chip could not answer under the keys chip authentication \
                             agreed ({why})"
                        ),
                    };
                    files.reopen(keys, progress)?;
                    read_into(&mut files, EfId::Dg(n), progress, &mut raw, &mut read_log)?;
                }
                other => {
                    other?;
                }
            }
            keys_changed = false;
        }
    }
    // Active authentication when chip authentication did not settle it (a card without
    // DG14, or one that refused it).
    let mut aa_exchange = None;
    if matches!(
        authenticity,
        ChipAuthenticity::NotOffered | ChipAuthenticity::NotProven { .. }
    ) && com.data_groups.contains(&15)
        && read_into(&mut files, EfId::Dg(15), progress, &mut raw, &mut read_log)?
    {
        let algorithm = dg14_ok.and_then(|dg14| dg14.active_authentication.as_ref());
        (authenticity, aa_exchange) =
            active_authenticate(&mut files, &raw[&EfId::Dg(15)], algorithm, keys, progress)?;
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
    let mut evidence = crate::core::chip_evidence::ChipEvidence::from_files(&sod, &groups);
    evidence.chip_authentication = authenticity.code().to_string();
    if let Some(aa) = aa_exchange {
        evidence.seal_active_authentication(&aa.challenge, &aa.signature, &groups);
    }
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
        access,
        authenticity,
        key_index: mrz_key,
        expiry_field: mrz_key.map(|i| keys.mrz[i].expiry.clone()),
    })
}
