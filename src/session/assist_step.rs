//! Assisted mode: a community tech-team member signs in (name and PIN, or their own ID card)
//! and the resident consents that they act for them. Holds the roster, the sign-in in progress,
//! the PIN lockout (kept across sessions and restarts) and the helper acting now; the
//! controller routes the events here and turns the answers into screens and commands.

use crate::core::assist::{AssistedBy, Helper, PinGuard, PinGuardState, SignIn};
use crate::core::citizen::Verification;
use crate::core::field::InputMode;
use crate::core::form::Key;
use crate::core::text::Text;
use crate::session::command::{Command, PinCheck};
use crate::session::identity_step::{IdentityStep, Phase};
use crate::session::text_entry::edit_text;
use std::sync::Arc;
use std::time::Duration;

/// The roster, the sign-in in progress and the helper acting now.
#[derive(Debug, Default)]
pub struct AssistStep {
    pub helpers: Arc<Vec<Helper>>,
    pub chosen: Option<usize>,
    pub pin: String,
    pub error: Option<Text>,
    /// Kept across sessions: the lockout must outlive "home".
    guard: PinGuard,
    /// Signed in and waiting for, or given, the resident's consent.
    pub helper: Option<Helper>,
    pub consented_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Signing in with the helper's own ID card (QR, then chip) is under way.
    pub by_card: bool,
    /// How the helper proved who they are: "pin" or "card".
    method: &'static str,
}

/// Where a helper's card sign-in stands after a card step.
#[derive(Debug, PartialEq, Eq)]
pub enum CardSignIn {
    /// Not signing in by card, or the card is still being read.
    Pending,
    /// The chip was verified and belongs to a registered helper: on to the consent.
    SignedIn,
    /// Refused; the reason is in `error`.
    Refused,
}

fn locked(left: Duration) -> Text {
    let minutes = left.as_secs().div_ceil(60);
    Text::new(
        format!("Nhập sai quá nhiều lần: đăng nhập bị khóa {minutes} phút."),
        format!("Too many wrong PINs: sign-in is locked for {minutes} min."),
    )
}

impl AssistStep {
    /// The community tech-team members who may sign in here.
    pub fn set_helpers(&mut self, helpers: Vec<Helper>) {
        self.helpers = Arc::new(helpers);
    }

    /// The helper acting for the resident (after consent).
    pub fn assisting(&self) -> Option<&Helper> {
        self.consented_at.and(self.helper.as_ref())
    }

    /// The record sealed with the dossier, once the resident consented.
    pub fn record(&self) -> Option<AssistedBy> {
        let h = self.helper.as_ref()?;
        let at = self.consented_at?;
        Some(AssistedBy {
            helper_id: h.id.clone(),
            helper_name: h.name.clone(),
            signed_in_with: self.method.into(),
            consented_at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    }

    /// Nobody signed in, nothing typed (the lockout stays).
    pub fn sign_out(&mut self) {
        self.by_card = false;
        self.chosen = None;
        self.pin.clear();
        self.error = None;
        self.helper = None;
        self.consented_at = None;
    }

    pub fn choose(&mut self, index: usize) {
        if index < self.helpers.len() {
            self.chosen = Some(index);
            self.pin.clear();
            self.error = None;
        }
    }

    /// A key on the PIN pad.
    pub fn key(&mut self, key: Key) {
        self.pin = edit_text(&self.pin, key, InputMode::Digits, 8);
        self.error = None;
    }

    /// "Sign in" under the PIN: the command that checks it in the background, or why not.
    pub fn sign_in(&mut self, now: Duration) -> Option<Command> {
        let pin = std::mem::take(&mut self.pin);
        if let Some(left) = self.guard.locked(now) {
            self.error = Some(locked(left));
            return None;
        }
        let Some((index, helper)) = self
            .chosen
            .and_then(|i| self.helpers.get(i).map(|h| (i, h)))
        else {
            self.error = Some(Text::new(
                "Chọn tên mình trước khi nhập mã PIN.",
                "Choose your name before typing the PIN.",
            ));
            return None;
        };
        Some(Command::CheckPin {
            who: PinCheck::Helper(index),
            pin,
            hash: helper.pin_hash.clone(),
        })
    }

    /// The background check of helper `index`'s PIN came back; true when signed in.
    pub fn pin_checked(&mut self, index: usize, matched: bool, now: Duration) -> bool {
        let helper = self.helpers.get(index).cloned();
        let matched = matched && helper.is_some();
        self.error = match self.guard.record(matched, now) {
            SignIn::Accepted => {
                self.helper = helper;
                self.method = "pin";
                return true;
            }
            SignIn::WrongPin { tries_left } => Some(Text::new(
                format!("Mã PIN không đúng. Còn {tries_left} lần thử."),
                format!("Wrong PIN. {tries_left} tries left."),
            )),
            SignIn::Locked(left) => Some(locked(left)),
            SignIn::UnknownHelper => None,
        };
        false
    }

    /// The helper PIN lockout, to keep across a restart.
    pub fn guard_state(&self, now: Duration) -> PinGuardState {
        self.guard.state(now)
    }

    /// Goes on from a lockout kept before a restart.
    pub fn restore_guard(&mut self, state: PinGuardState, since_start: Duration) {
        self.guard = PinGuard::restored(state, since_start);
    }

    /// "Sign in with my ID card": true when the card reading starts (the caller wipes the
    /// identity step and starts its scan).
    pub fn start_card(&mut self) -> bool {
        if self.by_card {
            return false;
        }
        self.error = None;
        self.by_card = true;
        true
    }

    /// After a card step of a helper's sign-in: signed in, refused, or still reading. When it
    /// is not `Pending` the caller wipes the identity step: nothing of the helper's card is
    /// kept.
    pub fn card_step(&mut self, identity: &IdentityStep) -> CardSignIn {
        if !self.by_card {
            return CardSignIn::Pending;
        }
        let outcome = match &identity.phase {
            Phase::Failed { message, .. } => Err(message.clone()),
            Phase::Done => self.helper_of(identity),
            _ => return CardSignIn::Pending,
        };
        self.by_card = false;
        match outcome {
            Ok(helper) => {
                tracing::info!(helper = %helper.id, "helper signed in with their ID card");
                self.helper = Some(helper);
                self.method = "card";
                CardSignIn::SignedIn
            }
            Err(message) => {
                self.error = Some(message);
                CardSignIn::Refused
            }
        }
    }

    /// The registered helper whose verified chip was read, or why not.
    fn helper_of(&self, identity: &IdentityStep) -> Result<Helper, Text> {
        let identity = identity.identity();
        // Only a chip whose data chains to a trusted issuer: with no CSCA installed, a
        // home-made chip carrying a helper's (public) ID number would otherwise sign in.
        let verification = identity.and_then(|i| i.verification);
        if verification == Some(Verification::ChipSignerNotTrusted) {
            return Err(Text::new(
                "Máy chưa xác minh được thẻ này do cơ quan cấp (chưa cài chứng thư gốc CSCA). Vui lòng đăng nhập bằng mã PIN và báo kỹ thuật viên.",
                "The kiosk cannot confirm this card's issuer (no CSCA certificate installed). Please sign in with your PIN and tell the technician.",
            ));
        }
        // And a chip that proved itself, when the card can (chip authentication).
        let chip_proof = identity
            .and_then(|i| i.chip_evidence.as_ref())
            .map(|e| e.chip_authentication.as_str());
        if matches!(chip_proof, Some("chip_not_proven" | "chip_clone_suspected")) {
            return Err(Text::new(
                "Chip của thẻ chưa chứng minh được là chip thật. Vui lòng đăng nhập bằng mã PIN.",
                "The card's chip did not prove it is genuine. Please sign in with your PIN.",
            ));
        }
        let chip = verification == Some(Verification::ChipVerified);
        let id = identity
            .and_then(|i| i.personal_id.as_ref())
            .map(|p| p.as_str().to_string());
        let helper = id.and_then(|id| {
            self.helpers
                .iter()
                .find(|h| !h.personal_id.is_empty() && h.personal_id == id)
                .cloned()
        });
        match (chip, helper) {
            (true, Some(h)) => Ok(h),
            (false, _) => Err(Text::new(
                "Không xác thực được chip của thẻ. Vui lòng đăng nhập bằng mã PIN.",
                "The card's chip could not be verified. Please sign in with your PIN.",
            )),
            (true, None) => Err(Text::new(
                "Thẻ căn cước này không thuộc người hỗ trợ nào đã đăng ký trên máy.",
                "This ID card does not belong to a helper registered on this kiosk.",
            )),
        }
    }

    /// What the helper's card sign-in is doing, for the sign-in page.
    pub fn card_status(&self, identity: &IdentityStep) -> Option<Text> {
        if !self.by_card {
            return None;
        }
        Some(match &identity.phase {
            Phase::WaitingForCard => {
                Text::new("Đặt thẻ lên đầu đọc thẻ.", "Place the card on the reader.")
            }
            Phase::Reading { .. } => Text::new("Đang đọc chip…", "Reading the chip…"),
            _ => Text::new(
                "Đưa mặt trước thẻ căn cước (có mã QR) vào trước camera.",
                "Hold the front of your ID card (with the QR code) to the camera.",
            ),
        })
    }

    /// The resident's answer on the consent screen; true when the helper now acts for them
    /// (on "no" the helper is signed out).
    pub fn consent(&mut self, agreed: bool, now: chrono::DateTime<chrono::Utc>) -> bool {
        if self.helper.is_none() {
            return false;
        }
        if agreed {
            self.consented_at = Some(now);
            tracing::info!(helper = %self.helper.as_ref().map(|h| h.id.as_str()).unwrap_or(""), "assisted session started with consent");
            true
        } else {
            self.sign_out();
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster() -> AssistStep {
        let mut a = AssistStep::default();
        a.set_helpers(vec![Helper {
            id: "h1".into(),
            name: "Nguyễn Văn Hộ".into(),
            pin_hash: "hash-of-h1".into(),
            personal_id: "001093047064".into(),
        }]);
        a
    }

    fn now() -> chrono::DateTime<chrono::Utc> {
        "2026-11-24T02:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_pin_is_checked_for_the_chosen_helper_and_consent_starts_the_assisted_session() {
        let mut a = roster();
        assert!(a.sign_in(Duration::ZERO).is_none(), "no name chosen");
        assert!(a.error.as_ref().unwrap().vi.contains("Chọn tên"));
        a.choose(0);
        for c in "1234".chars() {
            a.key(Key::Char(c));
        }
        let Some(Command::CheckPin { who, pin, hash }) = a.sign_in(Duration::ZERO) else {
            panic!("the PIN is checked in the background")
        };
        assert_eq!(
            (who, pin.as_str(), hash.as_str()),
            (PinCheck::Helper(0), "1234", "hash-of-h1")
        );
        assert!(a.pin.is_empty(), "the typed PIN does not stay on the step");
        assert!(a.pin_checked(0, true, Duration::ZERO));
        assert!(
            a.assisting().is_none(),
            "not acting before the resident consents"
        );
        assert!(a.record().is_none());
        assert!(a.consent(true, now()));
        assert_eq!(a.assisting().unwrap().id, "h1");
        let record = a.record().unwrap();
        assert_eq!(record.signed_in_with, "pin");
        assert_eq!(record.consented_at, "2026-11-24T02:00:00Z");
    }

    #[test]
    fn a_refused_consent_signs_the_helper_out() {
        let mut a = roster();
        a.choose(0);
        assert!(a.pin_checked(0, true, Duration::ZERO));
        assert!(!a.consent(false, now()));
        assert!(a.helper.is_none() && a.assisting().is_none());
    }

    #[test]
    fn wrong_pins_count_down_then_lock_and_the_lock_outlives_a_sign_out() {
        let mut a = roster();
        a.choose(0);
        assert!(!a.pin_checked(0, false, Duration::ZERO));
        assert!(
            a.error.as_ref().unwrap().vi.contains("Còn"),
            "tries left are said"
        );
        let mut t = Duration::ZERO;
        while a.guard.locked(t).is_none() {
            assert!(!a.pin_checked(0, false, t));
            t += Duration::from_secs(1);
        }
        a.sign_out();
        a.choose(0);
        assert!(a.sign_in(t).is_none(), "locked: no check is even asked for");
        assert!(a.error.as_ref().unwrap().vi.contains("bị khóa"));
        assert!(
            !a.pin_checked(0, true, t),
            "a right PIN while locked does not sign in"
        );
    }

    #[test]
    fn a_pin_for_a_helper_not_on_the_roster_never_signs_in() {
        let mut a = roster();
        assert!(!a.pin_checked(5, true, Duration::ZERO));
        assert!(a.helper.is_none());
    }

    #[test]
    fn a_card_sign_in_waits_for_the_card_and_a_failed_read_is_refused_with_its_reason() {
        let mut a = roster();
        let identity = IdentityStep::default();
        assert_eq!(
            a.card_step(&identity),
            CardSignIn::Pending,
            "not by card yet"
        );
        assert!(a.start_card());
        assert!(!a.start_card(), "one card sign-in at a time");
        assert!(a.card_status(&identity).is_some());
        let mut identity = IdentityStep::default();
        identity.phase = Phase::Failed {
            message: Text::new("Không đọc được thẻ", "Card unreadable"),
            can_retry: false,
        };
        assert_eq!(a.card_step(&identity), CardSignIn::Refused);
        assert_eq!(a.error.as_ref().unwrap().vi, "Không đọc được thẻ");
        assert!(!a.by_card && a.helper.is_none());
    }

    fn read_card_of(id: &str, verification: Verification) -> IdentityStep {
        read_card_with_proof(id, verification, "chip_genuine")
    }

    fn read_card_with_proof(id: &str, verification: Verification, proof: &str) -> IdentityStep {
        let mut identity = IdentityStep::default();
        identity.phase = Phase::WaitingForCard;
        let mut citizen = crate::core::citizen::CitizenIdentity::default();
        citizen.personal_id = Some(crate::core::personal_id::PersonalId::parse(id).unwrap());
        citizen.verification = Some(verification);
        let mut evidence = crate::core::chip_evidence::ChipEvidence::from_files(
            &[0x77, 0],
            &std::collections::BTreeMap::new(),
        );
        evidence.chip_authentication = proof.into();
        citizen.chip_evidence = Some(evidence);
        identity.card_read(crate::session::identity_step::CardOutcome::Read {
            identity: citizen,
            face: None,
        });
        identity
    }

    #[test]
    fn only_a_chip_that_chains_to_a_trusted_issuer_signs_a_helper_in() {
        for (verification, signs_in) in [
            (Verification::ChipVerified, true),
            (Verification::ChipSignerNotTrusted, false),
            (Verification::ChipFailed, false),
            (Verification::ChipCloneSuspected, false),
            (Verification::QrOnly, false),
        ] {
            let mut a = roster();
            a.start_card();
            let outcome = a.card_step(&read_card_of("001093047064", verification));
            assert_eq!(
                outcome == CardSignIn::SignedIn,
                signs_in,
                "{verification:?}: {:?}",
                a.error
            );
            assert_eq!(a.helper.is_some(), signs_in);
            if verification == Verification::ChipSignerNotTrusted {
                assert!(a.error.as_ref().unwrap().vi.contains("CSCA"));
            }
        }
        // A verified card whose chip did not prove itself though it could: refused; an older
        // card with no such proof: accepted.
        for (proof, signs_in) in [
            ("chip_not_proven", false),
            ("chip_clone_suspected", false),
            ("chip_not_offered", true),
        ] {
            let mut a = roster();
            a.start_card();
            let outcome = a.card_step(&read_card_with_proof(
                "001093047064",
                Verification::ChipVerified,
                proof,
            ));
            assert_eq!(outcome == CardSignIn::SignedIn, signs_in, "{proof}");
        }
        // A verified card of someone not on the roster.
        let mut a = roster();
        a.start_card();
        let outcome = a.card_step(&read_card_of("079301000456", Verification::ChipVerified));
        assert_eq!(outcome, CardSignIn::Refused);
    }

    #[test]
    fn a_card_read_without_a_verified_chip_is_refused() {
        let mut a = roster();
        a.start_card();
        let mut identity = IdentityStep::default();
        identity.phase = Phase::Done;
        assert_eq!(a.card_step(&identity), CardSignIn::Refused);
        assert!(a.error.as_ref().unwrap().vi.contains("chip"));
    }
}
