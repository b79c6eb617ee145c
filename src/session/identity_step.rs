//! The "who are you" step before a procedure's questions: scan the card's QR code, tap the
//! chip card, see the result (photo, name, how it was verified), or skip and type. A Slint-free
//! state machine owned by `KioskController`; the device work it asks for runs in `effects`.
//! Holds personal data only for the session: `wipe` clears it.

use crate::core::citizen::{CitizenIdentity, Verification};
use crate::core::text::Text;
use crate::identity::cccd_qr::CccdQr;
use crate::identity::chip_keys::ChipKeys;
use crate::identity::chip_session::{ChipError, ReadStep};
use crate::identity::lds::EfId;
use chrono::Datelike;

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Choose: scan the QR (then the chip), type the ID and birth date, or skip.
    Choose,
    /// Typing the ID, then the birth date (when there is no readable QR code).
    Typing {
        birth: bool,
        text: String,
        error: Option<Text>,
    },
    ScanningQr,
    /// Choosing, while the camera looks for a card's QR code by itself (one frame at a time):
    /// shown as `Choose`; a frame without a code goes back to `Choose` quietly.
    Watching,
    /// The QR was read; waiting for the card on the reader.
    WaitingForCard,
    Reading {
        label: Text,
        fraction: f32,
    },
    /// Identity shown; "continue" starts the questions with it.
    Done,
    Failed {
        message: Text,
        can_retry: bool,
    },
}

/// How the card read ended, as the effects report it. (Made once per read and moved, never
/// copied: the size of the read identity does not matter.)
#[allow(clippy::large_enum_variant)]
pub enum CardOutcome {
    Read {
        identity: CitizenIdentity,
        /// The face as RGB: (width, height, pixels); `None` if it could not be decoded.
        face: Option<(u32, u32, Vec<u8>)>,
    },
    Failed(ChipError),
    /// The reader itself is missing (no pcscd, unplugged).
    NoReader(String),
}

pub struct IdentityStep {
    pub phase: Phase,
    qr: Option<CccdQr>,
    /// The ID and birth date typed instead of the QR.
    typed: Option<(crate::core::personal_id::PersonalId, chrono::NaiveDate)>,
    typed_id: Option<crate::core::personal_id::PersonalId>,
    identity: Option<CitizenIdentity>,
    face: Option<(u32, u32, Vec<u8>)>,
}

impl Default for IdentityStep {
    fn default() -> Self {
        IdentityStep {
            phase: Phase::Choose,
            qr: None,
            typed: None,
            typed_id: None,
            identity: None,
            face: None,
        }
    }
}

fn file_label(file: EfId) -> Text {
    match file {
        EfId::CardAccess | EfId::Com => Text::new("Đang mở chip…", "Opening the chip…"),
        EfId::Dg(1) => Text::new("Đang đọc thông tin cơ bản…", "Reading the basic details…"),
        EfId::Dg(13) => Text::new(
            "Đang đọc thông tin công dân…",
            "Reading the citizen details…",
        ),
        EfId::Dg(2) => Text::new("Đang đọc ảnh chân dung…", "Reading the portrait…"),
        EfId::Dg(14) => Text::new("Đang kiểm tra chip thật…", "Checking the chip is genuine…"),
        EfId::Sod => Text::new(
            "Đang đọc phần kiểm tra của thẻ…",
            "Reading the card's digital signature…",
        ),
        EfId::Dg(_) => Text::new("Đang đọc thẻ…", "Reading the card…"),
    }
}

pub fn chip_error_message(e: &ChipError) -> (Text, bool) {
    match e {
        ChipError::NoCard | ChipError::Removed => (
            Text::new(
                "Thẻ đã bị nhấc ra khi đang đọc. Vui lòng đặt lại thẻ và giữ yên đến khi máy báo xong.",
                "The card was lifted during the reading. Please put it back and hold it still until the kiosk is done.",
            ),
            true,
        ),
        ChipError::WrongKey { .. } => (
            Text::new(
                "Chip không mở được bằng thông tin trên mã QR. Có thể thẻ này khác thẻ vừa quét mã. Vui lòng dùng cùng một thẻ.",
                "The chip did not open with the QR code's details. The card may not be the one whose code was scanned. Please use the same card.",
            ),
            true,
        ),
        ChipError::NotAnIdCard => (
            Text::new(
                "Thẻ này không phải thẻ căn cước gắn chip. Vui lòng đặt thẻ căn cước lên đầu đọc.",
                "This card is not a chip ID card. Please place your ID card on the reader.",
            ),
            true,
        ),
        ChipError::Reader(_) => (
            Text::new(
                "Đầu đọc thẻ không trả lời. Vui lòng thử lại hoặc dùng thông tin mã QR.",
                "The card reader is not answering. Please try again or use the QR code's details.",
            ),
            true,
        ),
        ChipError::Protocol(_) | ChipError::Malformed(_) => (
            Text::new(
                "Chưa đọc được chip trên thẻ này. Vui lòng thử lại; nếu vẫn không được, dùng thông tin mã QR.",
                "The chip on this card could not be read. Please try again; if it still fails, use the QR code's details.",
            ),
            true,
        ),
    }
}

impl IdentityStep {
    pub fn identity(&self) -> Option<&CitizenIdentity> {
        self.identity.as_ref()
    }
    pub fn face(&self) -> Option<&(u32, u32, Vec<u8>)> {
        self.face.as_ref()
    }
    pub fn has_qr(&self) -> bool {
        self.qr.is_some()
    }

    pub fn start_scan(&mut self) -> bool {
        if matches!(
            self.phase,
            Phase::ScanningQr | Phase::Watching | Phase::Reading { .. }
        ) {
            return false;
        }
        self.phase = Phase::ScanningQr;
        true
    }

    /// While the resident is choosing, the camera looks for a QR code without being asked:
    /// true when a frame should be taken now (none is being taken).
    pub fn watch(&mut self) -> bool {
        if self.phase != Phase::Choose {
            return false;
        }
        self.phase = Phase::Watching;
        true
    }

    /// The QR was read (or not). On success returns the access keys to try on the chip.
    pub fn qr_scanned(
        &mut self,
        result: Result<CccdQr, Text>,
        today: chrono::NaiveDate,
    ) -> Option<ChipKeys> {
        let watching = self.phase == Phase::Watching;
        if self.phase != Phase::ScanningQr && !watching {
            return None; // the resident left meanwhile
        }
        match result {
            // Nothing in front of the camera yet: keep looking, say nothing.
            Err(_) if watching => {
                self.phase = Phase::Choose;
                None
            }
            Ok(qr) => {
                self.qr = Some(qr);
                self.retry_keys(today)
            }
            Err(message) => {
                self.phase = Phase::Failed {
                    message,
                    can_retry: true,
                };
                None
            }
        }
    }

    /// The keys to try on the chip from what the resident gave (the QR, else the typed ID and
    /// birth date), and the wait for the card; `None` when neither is known. Also the retry.
    pub fn retry_keys(&mut self, today: chrono::NaiveDate) -> Option<ChipKeys> {
        let keys = match (&self.qr, &self.typed) {
            (Some(qr), _) => ChipKeys::for_holder(
                &qr.personal_id,
                qr.birth_date,
                Some(qr.issue_date),
                None,
                today,
            ),
            (None, Some((id, birth))) => ChipKeys::for_holder(id, *birth, None, None, today),
            (None, None) => return None,
        };
        self.phase = Phase::WaitingForCard;
        Some(keys)
    }

    /// "Type my ID and birth date instead": the ID first.
    pub fn start_typing(&mut self) {
        self.typed = None;
        self.typed_id = None;
        self.phase = Phase::Typing {
            birth: false,
            text: String::new(),
            error: None,
        };
    }

    pub fn typing(&self) -> bool {
        matches!(self.phase, Phase::Typing { .. })
    }

    /// A key of the digit pad while typing.
    pub fn key(&mut self, key: crate::core::form::Key) {
        use crate::core::form::Key;
        let Phase::Typing { birth, text, error } = &mut self.phase else {
            return;
        };
        let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
        let digits = match key {
            Key::Char(c) if c.is_ascii_digit() && digits.len() < if *birth { 8 } else { 12 } => {
                format!("{digits}{c}")
            }
            Key::Backspace => digits
                .chars()
                .take(digits.chars().count().saturating_sub(1))
                .collect(),
            Key::Clear => String::new(),
            _ => digits,
        };
        *text = if *birth {
            crate::core::form::format_date_digits(&digits)
        } else {
            digits
        };
        *error = None;
    }

    /// "Continue" while typing: checks the ID (then the birth date, which must agree with
    /// the ID's year); with both, the keys to try on the chip.
    pub fn typed_next(&mut self, today: chrono::NaiveDate) -> Option<ChipKeys> {
        use crate::core::answer::Answer;
        use crate::core::field::FieldKind;
        use crate::core::validation::validate_typed;
        let Phase::Typing { birth, text, error } = &mut self.phase else {
            return None;
        };
        if !*birth {
            match validate_typed(&FieldKind::PersonalId, text, today) {
                Ok(Answer::PersonalId(id)) => {
                    self.typed_id = Some(id);
                    self.phase = Phase::Typing {
                        birth: true,
                        text: String::new(),
                        error: None,
                    };
                }
                Ok(_) => {}
                Err(message) => *error = Some(message),
            }
            return None;
        }
        let id = self.typed_id.clone()?;
        match crate::core::validation::parse_date(text) {
            Ok(date) if date.year() != id.birth_year() || date > today => {
                *error = Some(Text::new(
                    format!("Năm sinh phải là {} theo số định danh.", id.birth_year()),
                    format!(
                        "The year of birth must be {} according to the ID.",
                        id.birth_year()
                    ),
                ));
                None
            }
            Ok(date) => {
                self.typed = Some((id, date));
                self.retry_keys(today)
            }
            Err(message) => {
                *error = Some(message);
                None
            }
        }
    }

    fn reading(&self) -> bool {
        matches!(self.phase, Phase::WaitingForCard | Phase::Reading { .. })
    }

    pub fn progress(&mut self, step: ReadStep) {
        if !self.reading() {
            return;
        }
        self.phase = match step {
            ReadStep::Unlocking { .. } => Phase::Reading {
                label: Text::new("Đang mở khóa chip…", "Unlocking the chip…"),
                fraction: 0.05,
            },
            ReadStep::Reading { file, done, total } => {
                // Weighted by the typical share of each file in a CCCD read.
                let (start, share) = match file {
                    EfId::Com => (0.05, 0.05),
                    EfId::Dg(1) => (0.10, 0.05),
                    EfId::Dg(13) => (0.15, 0.15),
                    EfId::Dg(2) => (0.30, 0.55),
                    _ => (0.85, 0.13),
                };
                let part = if total == 0 {
                    0.0
                } else {
                    done as f32 / total as f32
                };
                Phase::Reading {
                    label: file_label(file),
                    fraction: start + share * part,
                }
            }
            ReadStep::Checking => Phase::Reading {
                label: Text::new(
                    "Đang kiểm tra thông tin trên chip…",
                    "Checking the digital signature…",
                ),
                fraction: 0.98,
            },
        };
    }

    pub fn card_read(&mut self, outcome: CardOutcome) {
        if !self.reading() {
            return;
        }
        match outcome {
            CardOutcome::Read { identity, face } => {
                self.identity = Some(identity);
                self.face = face;
                self.phase = Phase::Done;
            }
            CardOutcome::Failed(e) => {
                let (message, can_retry) = chip_error_message(&e);
                self.phase = Phase::Failed { message, can_retry };
            }
            CardOutcome::NoReader(_) => {
                self.phase = Phase::Failed {
                    message: Text::new(
                        "Máy chưa kết nối được đầu đọc thẻ. Có thể dùng thông tin mã QR vừa quét, hoặc chạm Gọi hỗ trợ.",
                        "The kiosk cannot reach its card reader. You can use the QR code's details, or call a helper.",
                    ),
                    can_retry: true,
                }
            }
        }
    }

    /// "Use the QR code's details": the identity from the QR, marked as not verified.
    pub fn use_qr(&mut self) -> bool {
        let Some(qr) = self.qr.as_ref() else {
            return false;
        };
        self.identity = Some(crate::identity::citizen_from_card::from_qr(qr));
        self.face = None;
        self.phase = Phase::Done;
        true
    }

    pub fn verification(&self) -> Option<Verification> {
        self.identity.as_ref().and_then(|i| i.verification)
    }

    /// Forgets everything read (finish, timeout, home, skip).
    pub fn wipe(&mut self) {
        if let Some(mut identity) = self.identity.take() {
            identity.wipe();
        }
        if let Some((mut id, _)) = self.typed.take() {
            id.wipe();
        }
        if let Some(mut id) = self.typed_id.take() {
            id.wipe();
        }
        if let Phase::Typing { text, .. } = &mut self.phase {
            zeroize::Zeroize::zeroize(text);
        }
        if let Some(mut qr) = self.qr.take() {
            qr.personal_id.wipe();
            zeroize::Zeroize::zeroize(&mut qr.full_name);
            zeroize::Zeroize::zeroize(&mut qr.residence);
        }
        if let Some((_, _, pixels)) = self.face.as_mut() {
            pixels.fill(0);
        }
        self.face = None;
        self.phase = Phase::Choose;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::text::Lang;

    fn qr() -> CccdQr {
        crate::identity::cccd_qr::parse(
            "001093000123|013456789|Nguyễn Văn An|15011993|Nam|Hà Nội|10042021",
        )
        .unwrap()
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn a_missing_reader_is_said_and_the_qr_details_remain_usable() {
        let mut step = IdentityStep::default();
        assert!(step.start_scan());
        let keys = step.qr_scanned(Ok(qr()), today()).unwrap();
        assert_eq!(keys.mrz[0].expiry, "330115", "the rules' expiry first");
        assert_eq!(
            keys.can,
            Some(crate::identity::pace_keys::PacePassword::Can(
                "000123".into()
            )),
            "the card access number: the ID's last 6 digits"
        );
        step.card_read(CardOutcome::NoReader("pcscd is not running".into()));
        let Phase::Failed { message, can_retry } = &step.phase else {
            panic!("{:?}", step.phase)
        };
        assert!(message.get(Lang::Vi).contains("đầu đọc thẻ") && *can_retry);
        assert!(step.use_qr());
        assert_eq!(step.verification(), Some(Verification::QrOnly));
        assert_eq!(step.identity().unwrap().full_name, "Nguyễn Văn An");
        step.wipe();
        assert!(step.identity().is_none() && !step.has_qr() && step.phase == Phase::Choose);
    }

    #[test]
    fn typing_the_id_and_birth_date_instead_of_the_qr() {
        use crate::core::form::Key;
        let mut step = IdentityStep::default();
        step.start_typing();
        for c in "00109300012".chars() {
            step.key(Key::Char(c));
        }
        assert_eq!(step.typed_next(today()), None);
        let Phase::Typing {
            error: Some(e),
            birth: false,
            ..
        } = &step.phase
        else {
            panic!("{:?}", step.phase)
        };
        assert!(e.get(Lang::Vi).contains("12 chữ số"));
        step.key(Key::Char('3'));
        step.key(Key::Char('x'));
        assert_eq!(step.typed_next(today()), None);
        for c in "15011994".chars() {
            step.key(Key::Char(c));
        }
        let Phase::Typing {
            text, birth: true, ..
        } = &step.phase
        else {
            panic!()
        };
        assert_eq!(text, "15/01/1994");
        assert_eq!(
            step.typed_next(today()),
            None,
            "1994 disagrees with the ID's 1993"
        );
        step.key(Key::Clear);
        for c in "15011993".chars() {
            step.key(Key::Char(c));
        }
        let keys = step.typed_next(today()).unwrap();
        assert_eq!(keys.mrz[0].document_number, "093000123");
        assert_eq!(keys.mrz[0].birth, "930115");
        assert!(keys.can.is_some(), "a typed ID gives the CAN too");
        assert_eq!(step.phase, Phase::WaitingForCard);
        // A retry uses the typed details again; there is no QR to fall back on.
        assert!(step.retry_keys(today()).is_some());
        assert!(!step.use_qr());
        step.wipe();
        assert!(step.retry_keys(today()).is_none());
    }

    #[test]
    fn results_arriving_after_the_resident_left_are_ignored() {
        let mut step = IdentityStep::default();
        // A QR scan finishing after the session was wiped does not start a card read.
        assert_eq!(step.qr_scanned(Ok(qr()), today()), None);
        assert_eq!(step.phase, Phase::Choose);
        step.progress(ReadStep::Checking);
        step.card_read(CardOutcome::Failed(ChipError::Removed));
        assert_eq!(step.phase, Phase::Choose);
        // Progress moves forward through the files.
        step.start_scan();
        step.qr_scanned(Ok(qr()), today());
        step.progress(ReadStep::Reading {
            file: EfId::Dg(2),
            done: 500,
            total: 1000,
        });
        let Phase::Reading { fraction, .. } = step.phase else {
            panic!()
        };
        assert!((0.5..0.6).contains(&fraction), "{fraction}");
    }
}
