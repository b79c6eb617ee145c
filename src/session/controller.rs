//! The kiosk session as a state machine the UI renders: which screen is up, the form being
//! filled, the search and lookup texts, the inactivity warning, and the commands (store a
//! dossier, take a photo, look up a code) the adapters run in the background.
//! Sans-IO and Slint-free: events in, state and `Command`s out; results come back through
//! `submitted`, `photo_taken`, `looked_up`. Tested without a window.

use crate::core::address::AdminUnits;
use crate::core::answer::AttachmentRef;
use crate::core::catalogue::Catalogue;
use crate::core::dossier::DossierDraft;
use crate::core::dossier_code::DossierCode;
use crate::core::field::{FieldKind, InputMode};
use crate::core::form::{AddressStage, FormSession, Key, Position};
use crate::core::inactivity::{Activity, InactivityPolicy, InactivityTimer};
use crate::core::procedure::Procedure;
use crate::core::receipt_content::{ReceiptContent, ReceiptContext};
use crate::core::stored_dossier::{DossierSummary, StoredAttachment};
use crate::core::text::{Lang, Text};
use crate::devices::clock::Clock;
use crate::session::identity_step::{CardOutcome, IdentityStep};
use crate::session::lookup_step::LookupStep;
use crate::session::rating_step::RatingStep;
use crate::session::text_entry::edit_text;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Home,
    Procedures,
    ProcedureInfo,
    Question,
    Review,
    Done,
    Lookup,
    Help,
    /// Before the questions: QR code, chip card, result.
    Identity,
    /// After "Finish": how satisfied the resident was.
    Rating,
    /// A community tech-team member signs in (name, then PIN).
    AssistSignIn,
    /// The resident agrees that the helper acts for them.
    AssistConsent,
    /// The technician's screen (PIN, health, queue, maintenance).
    Admin,
}

/// Assisted mode: the roster, the sign-in in progress and the helper acting now.
#[derive(Debug, Default)]
pub struct AssistState {
    pub helpers: Arc<Vec<crate::core::assist::Helper>>,
    pub chosen: Option<usize>,
    pub pin: String,
    pub error: Option<Text>,
    /// Kept across sessions: the lockout must outlive "home".
    guard: crate::core::assist::PinGuard,
    /// Signed in and waiting for, or given, the resident's consent.
    pub helper: Option<crate::core::assist::Helper>,
    pub consented_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Signing in with the helper's own ID card (QR, then chip) is under way.
    pub by_card: bool,
    /// How the helper proved who they are: "pin" or "card".
    method: &'static str,
}

impl AssistState {
    /// The record sealed with the dossier, once the resident consented.
    fn record(&self) -> Option<crate::core::assist::AssistedBy> {
        let h = self.helper.as_ref()?;
        let at = self.consented_at?;
        Some(crate::core::assist::AssistedBy {
            helper_id: h.id.clone(),
            helper_name: h.name.clone(),
            signed_in_with: self.method.into(),
            consented_at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    }

    fn sign_out(&mut self) {
        self.by_card = false;
        self.chosen = None;
        self.pin.clear();
        self.error = None;
        self.helper = None;
        self.consented_at = None;
    }
}

/// Work the controller asks for; the adapter runs it off the UI thread and reports back.
#[derive(Debug)]
pub enum Command {
    Submit {
        draft: DossierDraft,
        attachments: Vec<StoredAttachment>,
    },
    CapturePhoto,
    Lookup(DossierCode),
    /// Read the ID card's QR code from the camera.
    ScanQr,
    /// Wait for the card on the reader, then read its chip with these keys.
    ReadCard(Vec<crate::identity::chip_session::AccessKey>),
    /// Simulator only: put test card `n` on the reader and in front of the camera.
    PlaceTestCard(usize),
    /// Print the receipt, and the desk's queue ticket when given the dossier's storing time
    /// (its number is its place among that day's dossiers).
    PrintReceipt {
        content: ReceiptContent,
        queue_ticket: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Read a receipt's QR code from the camera, to look the dossier up.
    ScanReceiptQr,
    /// Store the resident's rating of the dossier's service.
    SaveRating {
        dossier: uuid::Uuid,
        rating: crate::core::rating::Rating,
    },
    /// Ask for a person: an assistance alert for the office (sent when online).
    CallHelp,
    /// Something the technician asked for on the admin screen.
    Admin(crate::session::admin_panel::AdminAction),
    /// Check a PIN against its (slow, salted) hash in the background.
    CheckPin {
        who: PinCheck,
        pin: String,
        hash: String,
    },
    /// Keep the PIN lockouts, so that a restart does not lift them.
    SavePinLockouts {
        admin: crate::core::assist::PinGuardState,
        helpers: crate::core::assist::PinGuardState,
    },
    /// Several pieces of work, each run on its own.
    Batch(Vec<Command>),
}

/// Whose PIN is being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCheck {
    Admin,
    /// The helper at this index of the roster.
    Helper(usize),
}

fn helper_locked(left: std::time::Duration) -> Text {
    let minutes = left.as_secs().div_ceil(60);
    Text::new(
        format!("Nhập sai quá nhiều lần: đăng nhập bị khóa {minutes} phút."),
        format!("Too many wrong PINs: sign-in is locked for {minutes} min."),
    )
}

/// How long "help is on the way" stays on screen, and a second call is not sent again.
const HELP_NOTICE: chrono::TimeDelta = chrono::TimeDelta::minutes(3);

/// The receipt printer's progress for the receipt on screen.
#[derive(Debug, Clone, PartialEq)]
pub enum PrintState {
    Idle,
    Printing,
    Printed,
    /// Not printed (printer missing, out of paper…): what to do, said on screen.
    Failed(Text),
}

/// A photographed paper, encoded and hashed.
#[derive(Debug, Clone)]
pub struct Photo {
    pub reference: AttachmentRef,
    pub jpeg: Vec<u8>,
    /// A small RGB preview for the screen: (width, height, pixels).
    pub preview: (u32, u32, Vec<u8>),
}

pub use crate::session::lookup_step::{LookupFound, LookupResult};

pub struct KioskController {
    clock: Arc<dyn Clock>,
    catalogue: Arc<Catalogue>,
    units: Arc<AdminUnits>,
    default_lang: Lang,
    lang: Lang,
    screen: Screen,
    search: String,
    chosen: Option<Arc<Procedure>>,
    form: Option<FormSession>,
    /// Photos taken this session, by hash; their bytes go into the dossier at submit.
    photos: HashMap<String, Photo>,
    camera_busy: bool,
    photo_error: Option<Text>,
    submitting: bool,
    submit_error: Option<Text>,
    submitted: Option<(DossierCode, Arc<Procedure>, Option<String>)>,
    lookup: LookupStep,
    inactivity: InactivityTimer,
    warning_seconds: Option<u64>,
    /// Dossiers stored but not yet at the portal.
    pub queue_count: u64,
    pub online: bool,
    /// While the engine sends: (done, of how many).
    pub sending: Option<(u32, u32)>,
    identity: IdentityStep,
    /// Names of the simulator's test cards (empty with a real reader).
    test_cards: Vec<String>,
    /// Where receipts come from (place, kiosk, holidays, fee account); none: no receipts.
    receipt_context: Option<Arc<ReceiptContext>>,
    /// Print the desk's queue ticket after receipts for procedures with papers to bring.
    queue_tickets: bool,
    /// The receipt of the dossier just submitted (or looked up), and its printing.
    receipt: Option<ReceiptContent>,
    print_state: PrintState,
    /// The dossier just submitted (what the rating is about).
    submitted_id: Option<uuid::Uuid>,
    rating: RatingStep,
    /// Speech volume (0–100), changed with the volume buttons; kept across sessions.
    volume: u8,
    /// Bumped by "replay" (and volume changes) so the same prompt is said again.
    speech_nonce: u64,
    /// The receipt read aloud on request (replaces the done page's prompt until it changes).
    readout: Option<Text>,
    /// Large text, high contrast, longer timeouts, slower speech: for this session.
    elder: bool,
    /// The configured inactivity policy (elder mode doubles it).
    base_policy: InactivityPolicy,
    assist: AssistState,
    /// When a person was last called (help button on the cabinet or on screen).
    help_called_at: Option<chrono::DateTime<chrono::Utc>>,
    pub admin: crate::session::admin_panel::AdminPanel,
    /// Idle time on the home screen before the screen sleeps; `None`: never.
    sleep_after: Option<std::time::Duration>,
    /// The screen is asleep (dark; the first touch only wakes it).
    asleep: bool,
    /// When the kiosk was last used (time since start).
    last_activity: std::time::Duration,
}

impl KioskController {
    pub fn new(
        clock: Arc<dyn Clock>,
        catalogue: Arc<Catalogue>,
        units: Arc<AdminUnits>,
        default_lang: Lang,
        policy: InactivityPolicy,
    ) -> KioskController {
        let now = clock.since_start();
        KioskController {
            clock,
            catalogue,
            units,
            default_lang,
            lang: default_lang,
            screen: Screen::Home,
            search: String::new(),
            chosen: None,
            form: None,
            photos: HashMap::new(),
            camera_busy: false,
            photo_error: None,
            submitting: false,
            submit_error: None,
            submitted: None,
            lookup: LookupStep::default(),
            inactivity: InactivityTimer::new(policy, now),
            warning_seconds: None,
            queue_count: 0,
            online: false,
            sending: None,
            identity: IdentityStep::default(),
            test_cards: Vec::new(),
            receipt_context: None,
            queue_tickets: false,
            receipt: None,
            print_state: PrintState::Idle,
            submitted_id: None,
            rating: RatingStep::default(),
            volume: 80,
            speech_nonce: 0,
            readout: None,
            elder: false,
            base_policy: policy,
            assist: AssistState::default(),
            help_called_at: None,
            admin: Default::default(),
            sleep_after: None,
            asleep: false,
            last_activity: now,
        }
    }

    // ----- screen sleep -----------------------------------------------------------------

    /// Idle time at home before the screen sleeps (`None`: never).
    pub fn set_sleep_after(&mut self, after: Option<std::time::Duration>) {
        self.sleep_after = after;
    }

    pub fn asleep(&self) -> bool {
        self.asleep
    }

    /// A touch on the sleeping screen, or someone in front of the presence sensor: wake up and
    /// greet (the home prompt is spoken again).
    pub fn wake(&mut self) {
        let was_asleep = self.asleep;
        self.touch();
        if was_asleep && self.screen == Screen::Home {
            self.speech_nonce += 1;
        }
    }

    // ----- the admin screen -----------------------------------------------------------

    /// A tap on the place name in the top bar; the fifth quick one opens the admin screen
    /// (only between sessions: a resident's answers are never shown to a technician).
    pub fn tap_place(&mut self) {
        if self.form.is_some() || self.screen == Screen::Admin {
            return;
        }
        if self.admin.tap(self.clock.since_start()) {
            self.reset_session();
            self.admin.open = true;
            self.screen = Screen::Admin;
        }
    }

    pub fn admin_key(&mut self, key: &str) {
        self.touch();
        self.admin.key(key);
    }

    pub fn admin_unlock(&mut self) -> Option<Command> {
        self.touch();
        let (pin, hash) = self.admin.unlock(self.clock.since_start())?;
        Some(Command::CheckPin {
            who: PinCheck::Admin,
            pin,
            hash,
        })
    }

    /// The background check of a PIN came back: sign in (or count the failure), and keep the
    /// lockouts.
    pub fn pin_checked(&mut self, who: PinCheck, matched: bool) -> Option<Command> {
        let now = self.clock.since_start();
        let mut next = Vec::new();
        match who {
            PinCheck::Admin => {
                if let Some(action) = self.admin.pin_checked(matched, now) {
                    next.push(Command::Admin(action));
                }
            }
            PinCheck::Helper(index) => self.helper_pin_checked(index, matched, now),
        }
        next.push(self.save_pin_lockouts());
        Some(Command::Batch(next))
    }

    fn save_pin_lockouts(&self) -> Command {
        let now = self.clock.since_start();
        Command::SavePinLockouts {
            admin: self.admin.guard_state(now),
            helpers: self.assist.guard.state(now),
        }
    }

    /// Goes on from the lockouts kept before a restart (each with the time it was kept).
    pub fn restore_pin_lockouts(
        &mut self,
        admin: crate::core::assist::SavedLockout,
        helpers: crate::core::assist::SavedLockout,
    ) {
        let since_start = self.clock.since_start();
        let now = self.clock.now();
        let as_of = |kept: crate::core::assist::SavedLockout| {
            kept.map(|(state, at)| state.as_of(at, now))
                .unwrap_or_default()
        };
        self.admin.restore_guard(as_of(admin), since_start);
        self.assist.guard = crate::core::assist::PinGuard::restored(as_of(helpers), since_start);
    }

    pub fn admin_act(
        &mut self,
        action: crate::session::admin_panel::AdminAction,
    ) -> Option<Command> {
        self.touch();
        self.admin.act(action).map(Command::Admin)
    }

    pub fn admin_close(&mut self) {
        self.admin.close();
        self.go_home();
    }

    // ----- the cabinet: presence sensor and help button ---------------------------------

    /// A debounced cabinet input changed (the alert itself was stored by the cabinet).
    pub fn cabinet_event(&mut self, event: crate::devices::gpio_events::CabinetEvent) {
        use crate::devices::gpio_events::CabinetEvent;
        match event {
            // Someone walked up to an idle kiosk: greet them (the home prompt is spoken again).
            CabinetEvent::PersonArrived if self.screen == Screen::Home && self.form.is_none() => {
                if self.asleep {
                    self.wake()
                } else {
                    self.replay()
                }
            }
            CabinetEvent::HelpPressed => {
                self.touch();
                self.help_called_at = Some(self.clock.now());
            }
            _ => {}
        }
    }

    /// "Call a staff member" on screen; not sent twice while the first call is fresh.
    pub fn call_help(&mut self) -> Option<Command> {
        self.touch();
        if self.help_notice() {
            return None;
        }
        self.help_called_at = Some(self.clock.now());
        Some(Command::CallHelp)
    }

    /// A person has been called and is on the way (shown for a few minutes).
    pub fn help_notice(&self) -> bool {
        self.help_called_at
            .is_some_and(|at| self.clock.now() - at < HELP_NOTICE)
    }

    // ----- assisted mode ----------------------------------------------------------------

    /// The community tech-team members who may sign in here.
    pub fn set_helpers(&mut self, helpers: Vec<crate::core::assist::Helper>) {
        self.assist.helpers = Arc::new(helpers);
    }
    pub fn assist(&self) -> &AssistState {
        &self.assist
    }
    /// The helper acting for the resident (after consent).
    pub fn assisting(&self) -> Option<&crate::core::assist::Helper> {
        self.assist.consented_at.and(self.assist.helper.as_ref())
    }

    /// "Helper sign-in" on the home screen.
    pub fn open_assist(&mut self) {
        self.touch();
        self.assist.sign_out();
        self.screen = Screen::AssistSignIn;
    }

    pub fn choose_helper(&mut self, index: usize) {
        self.touch();
        if index < self.assist.helpers.len() {
            self.assist.chosen = Some(index);
            self.assist.pin.clear();
            self.assist.error = None;
        }
    }

    /// "Sign in" under the PIN: the check runs in the background (`pin_checked`).
    pub fn assist_sign_in(&mut self) -> Option<Command> {
        self.touch();
        let pin = std::mem::take(&mut self.assist.pin);
        if let Some(left) = self.assist.guard.locked(self.clock.since_start()) {
            self.assist.error = Some(helper_locked(left));
            return None;
        }
        let Some((index, helper)) = self
            .assist
            .chosen
            .and_then(|i| self.assist.helpers.get(i).map(|h| (i, h)))
        else {
            self.assist.error = Some(Text::new(
                "Chọn tên của bạn trước khi nhập mã PIN.",
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

    fn helper_pin_checked(&mut self, index: usize, matched: bool, now: std::time::Duration) {
        use crate::core::assist::SignIn;
        let helpers = self.assist.helpers.clone();
        let helper = helpers.get(index);
        let matched = matched && helper.is_some();
        self.assist.error = match self.assist.guard.record(matched, now) {
            SignIn::Accepted => {
                self.assist.helper = helper.cloned();
                self.assist.method = "pin";
                self.screen = Screen::AssistConsent;
                None
            }
            SignIn::WrongPin { tries_left } => Some(Text::new(
                format!("Mã PIN không đúng. Còn {tries_left} lần thử."),
                format!("Wrong PIN. {tries_left} tries left."),
            )),
            SignIn::Locked(left) => Some(helper_locked(left)),
            SignIn::UnknownHelper => None,
        };
    }

    /// "Sign in with my ID card": the helper's card QR, then its chip; the chip's personal ID
    /// must be a registered helper's. Nothing of the helper's card is kept.
    pub fn assist_sign_in_with_card(&mut self) -> Option<Command> {
        self.touch();
        if self.screen != Screen::AssistSignIn || self.assist.by_card {
            return None;
        }
        self.identity.wipe();
        self.assist.error = None;
        self.assist.by_card = true;
        self.identity.start_scan().then_some(Command::ScanQr)
    }

    /// After a card step of a helper's sign-in: signed in, refused, or still reading.
    fn assist_card_step(&mut self) {
        use crate::core::citizen::Verification;
        use crate::session::identity_step::Phase;
        if !self.assist.by_card {
            return;
        }
        let outcome = match &self.identity.phase {
            Phase::Failed { message, .. } => Err(message.clone()),
            Phase::Done => {
                let identity = self.identity.identity();
                let chip = identity.and_then(|i| i.verification).is_some_and(|v| {
                    matches!(
                        v,
                        Verification::ChipVerified | Verification::ChipSignerNotTrusted
                    )
                });
                let id = identity
                    .and_then(|i| i.personal_id.as_ref())
                    .map(|p| p.as_str().to_string());
                let helper = id.and_then(|id| {
                    self.assist
                        .helpers
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
                        "Thẻ căn cước này không thuộc cán bộ hỗ trợ nào đã đăng ký trên máy.",
                        "This ID card does not belong to a helper registered on this kiosk.",
                    )),
                }
            }
            _ => return,
        };
        // The helper's card data is not needed any more.
        self.identity.wipe();
        self.assist.by_card = false;
        match outcome {
            Ok(helper) => {
                tracing::info!(helper = %helper.id, "helper signed in with their ID card");
                self.assist.helper = Some(helper);
                self.assist.method = "card";
                self.screen = Screen::AssistConsent;
            }
            Err(message) => self.assist.error = Some(message),
        }
    }

    /// What the helper's card sign-in is doing, for the sign-in page.
    pub fn assist_card_status(&self) -> Option<Text> {
        use crate::session::identity_step::Phase;
        if !self.assist.by_card {
            return None;
        }
        Some(match &self.identity.phase {
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

    /// The resident's answer on the consent screen.
    pub fn consent(&mut self, agreed: bool) {
        self.touch();
        if self.screen != Screen::AssistConsent || self.assist.helper.is_none() {
            return;
        }
        if agreed {
            self.assist.consented_at = Some(self.clock.now());
            tracing::info!(helper = %self.assist.helper.as_ref().map(|h| h.id.as_str()).unwrap_or(""), "assisted session started with consent");
            self.search.clear();
            self.screen = Screen::Procedures;
        } else {
            self.assist.sign_out();
            self.screen = Screen::Home;
        }
    }

    // ----- voice and elder mode -------------------------------------------------------

    pub fn volume(&self) -> u8 {
        self.volume
    }
    pub fn set_volume(&mut self, volume: u8) {
        self.volume = volume.min(100);
    }
    pub fn louder(&mut self) {
        self.touch();
        self.volume = (self.volume + 20).min(100);
        self.speech_nonce += 1;
    }
    pub fn quieter(&mut self) {
        self.touch();
        self.volume = self.volume.saturating_sub(20).max(20);
        self.speech_nonce += 1;
    }
    /// "Say it again".
    pub fn replay(&mut self) {
        self.touch();
        self.speech_nonce += 1;
    }
    /// "Read the receipt aloud" on the done page.
    pub fn read_receipt(&mut self) {
        self.touch();
        if let Some(r) = &self.receipt {
            let text = r.spoken();
            self.readout = Some(Text::new(text.clone(), text));
            self.speech_nonce += 1;
        }
    }
    /// What should be being said now, and a counter that changes when it must be said again
    /// even if the words are the same.
    pub fn utterance(&self, place: &str) -> (Text, u64) {
        let text = match (&self.readout, self.screen) {
            (Some(r), Screen::Done) if self.warning_seconds.is_none() => r.clone(),
            _ => crate::session::voice_prompt::prompt(self, place),
        };
        (text, self.speech_nonce)
    }
    /// The warning's grace period in whole seconds (what the spoken warning announces).
    pub fn grace_seconds(&self) -> u64 {
        self.inactivity.policy().grace.as_secs()
    }

    pub fn elder(&self) -> bool {
        self.elder
    }
    /// "Large text" on the home screen: on for this session (off again at its end).
    pub fn toggle_elder(&mut self) {
        self.elder = !self.elder;
        let p = self.base_policy;
        self.inactivity.set_policy(if self.elder {
            InactivityPolicy {
                warn_after: p.warn_after * 2,
                grace: p.grace * 2,
            }
        } else {
            p
        });
        self.touch();
        self.speech_nonce += 1;
    }

    pub fn rating_stars(&self) -> u8 {
        self.rating.stars()
    }
    pub fn rating_reasons(&self) -> &[String] {
        self.rating.reasons()
    }
    pub fn rating_saving(&self) -> bool {
        self.rating.saving()
    }
    pub fn rating_error(&self) -> Option<&Text> {
        self.rating.error()
    }

    /// "Finish" on the done page: the rating, when there is a dossier to rate.
    pub fn finish(&mut self) {
        self.touch();
        if self.screen == Screen::Done && self.submitted_id.is_some() {
            self.rating.clear();
            self.screen = Screen::Rating;
        } else {
            self.go_home();
        }
    }

    pub fn rate(&mut self, stars: u8) {
        self.touch();
        self.rating.rate(stars);
    }

    pub fn toggle_reason(&mut self, id: &str) {
        self.touch();
        self.rating.toggle_reason(id);
    }

    /// "Send rating": stored with the dossier (and sent to the portal by the sync engine).
    pub fn send_rating(&mut self) -> Option<Command> {
        self.touch();
        let dossier = self.submitted_id?;
        let rating = self.rating.send()?;
        Some(Command::SaveRating { dossier, rating })
    }

    /// The store's answer: thanks and home; on failure the resident may try again or skip.
    pub fn rating_saved(&mut self, result: Result<(), Text>) {
        if self.rating.saved(result) {
            self.go_home();
        }
    }

    /// Receipts are printed from now on, with this context.
    pub fn set_receipt_context(&mut self, context: Arc<ReceiptContext>, queue_tickets: bool) {
        self.receipt_context = Some(context);
        self.queue_tickets = queue_tickets;
    }
    /// The receipt of the dossier on screen (Done or looked up).
    pub fn receipt(&self) -> Option<&ReceiptContent> {
        self.receipt.as_ref()
    }
    pub fn print_state(&self) -> &PrintState {
        &self.print_state
    }
    pub fn lookup_scanning(&self) -> bool {
        self.lookup.scanning()
    }

    /// The simulator's test cards, offered as buttons on the identity screen.
    pub fn set_test_cards(&mut self, names: Vec<String>) {
        self.test_cards = names;
    }
    pub fn test_cards(&self) -> &[String] {
        &self.test_cards
    }
    pub fn identity_step(&self) -> &IdentityStep {
        &self.identity
    }

    /// Swaps in a newer catalogue. A session in progress keeps the procedure it started with;
    /// the list, search and next sessions use the new one.
    pub fn replace_catalogue(&mut self, catalogue: Arc<Catalogue>, units: Option<Arc<AdminUnits>>) {
        self.catalogue = catalogue;
        if let Some(units) = units {
            self.units = units;
        }
    }

    // ----- what the screens show -------------------------------------------------------

    pub fn screen(&self) -> Screen {
        self.screen
    }
    pub fn lang(&self) -> Lang {
        self.lang
    }
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }
    pub fn search_text(&self) -> &str {
        &self.search
    }
    pub fn matching_procedures(&self) -> Vec<Arc<Procedure>> {
        self.catalogue.search(&self.search, self.lang)
    }
    pub fn chosen(&self) -> Option<&Arc<Procedure>> {
        self.chosen.as_ref()
    }
    pub fn form(&self) -> Option<&FormSession> {
        self.form.as_ref()
    }
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }
    pub fn camera_busy(&self) -> bool {
        self.camera_busy
    }
    pub fn photo_error(&self) -> Option<&Text> {
        self.photo_error.as_ref()
    }
    /// The photo answering the current question, if one was taken.
    pub fn current_photo(&self) -> Option<&Photo> {
        match self.form.as_ref()?.draft()? {
            crate::core::form::Draft::Attachment(Some(r)) => self.photos.get(&r.sha256),
            _ => None,
        }
    }
    pub fn submitting(&self) -> bool {
        self.submitting
    }
    pub fn submit_error(&self) -> Option<&Text> {
        self.submit_error.as_ref()
    }
    pub fn last_submitted(&self) -> Option<&(DossierCode, Arc<Procedure>, Option<String>)> {
        self.submitted.as_ref()
    }
    pub fn lookup_text(&self) -> &str {
        self.lookup.text()
    }
    pub fn lookup_error(&self) -> Option<&Text> {
        self.lookup.error()
    }
    pub fn lookup_result(&self) -> Option<&LookupResult> {
        self.lookup.result()
    }
    pub fn warning_seconds(&self) -> Option<u64> {
        self.warning_seconds
    }

    /// The keyboard the current screen needs.
    pub fn keyboard(&self) -> InputMode {
        match self.screen {
            Screen::Procedures => InputMode::Vietnamese,
            // The keyboard gives way to the answer; "another code" brings it back.
            Screen::Lookup if self.lookup.result().is_some() => InputMode::None,
            Screen::Lookup => InputMode::Latin,
            Screen::Question => self
                .form
                .as_ref()
                .map(|f| f.input_mode())
                .unwrap_or(InputMode::None),
            Screen::Identity if self.identity.typing() => InputMode::Digits,
            Screen::AssistSignIn if self.assist.chosen.is_some() => InputMode::Digits,
            _ => InputMode::None,
        }
    }

    // ----- navigation -------------------------------------------------------------------

    /// Any touch: restarts the inactivity timer and hides the warning.
    pub fn touch(&mut self) {
        let now = self.clock.since_start();
        self.inactivity.touch(now);
        self.last_activity = now;
        self.asleep = false;
        self.warning_seconds = None;
    }

    pub fn set_language(&mut self, tag: &str) {
        self.touch();
        if let Some(lang) = Lang::from_tag(tag) {
            self.lang = lang;
        }
    }

    /// "Home" and "Finish": ends the session and wipes what the resident entered.
    pub fn go_home(&mut self) {
        self.reset_session();
        self.touch();
    }

    pub fn start_submit(&mut self) {
        self.touch();
        self.search.clear();
        self.screen = Screen::Procedures;
    }

    pub fn open_lookup(&mut self) {
        self.touch();
        self.lookup.open();
        self.receipt = None;
        self.print_state = PrintState::Idle;
        self.screen = Screen::Lookup;
    }

    pub fn open_help(&mut self) {
        self.touch();
        self.screen = Screen::Help;
    }

    pub fn pick_procedure(&mut self, id: &str) {
        self.touch();
        if let Some(p) = self.catalogue.get(id) {
            self.chosen = Some(p.clone());
            self.screen = Screen::ProcedureInfo;
        }
    }

    /// "Start" on the procedure page: first, who the resident is.
    pub fn begin(&mut self) {
        self.touch();
        if self.chosen.is_some() {
            self.identity.wipe();
            self.screen = Screen::Identity;
        }
    }

    // ----- identity ---------------------------------------------------------------------

    pub fn scan_qr(&mut self) -> Option<Command> {
        self.touch();
        self.identity.start_scan().then_some(Command::ScanQr)
    }

    pub fn qr_scanned(
        &mut self,
        result: Result<crate::identity::cccd_qr::CccdQr, Text>,
    ) -> Option<Command> {
        let today = self.clock.today();
        let next = self
            .identity
            .qr_scanned(result, today)
            .map(Command::ReadCard);
        self.assist_card_step();
        next
    }

    pub fn card_progress(&mut self, step: crate::identity::chip_session::ReadStep) {
        self.touch();
        self.identity.progress(step);
    }

    pub fn card_read(&mut self, outcome: CardOutcome) {
        self.touch();
        self.identity.card_read(outcome);
        self.assist_card_step();
    }

    /// "Try again": the chip again (the QR is known) or the QR again.
    pub fn retry_identity(&mut self) -> Option<Command> {
        self.touch();
        let today = self.clock.today();
        match self.identity.retry_keys(today) {
            Some(keys) => Some(Command::ReadCard(keys)),
            None => self.identity.start_scan().then_some(Command::ScanQr),
        }
    }

    /// "Type my ID and birth date" (no readable QR code).
    pub fn type_identity(&mut self) {
        self.touch();
        self.identity.start_typing();
    }

    /// "Continue" under the typed ID or birth date.
    pub fn identity_next(&mut self) -> Option<Command> {
        self.touch();
        let today = self.clock.today();
        self.identity.typed_next(today).map(Command::ReadCard)
    }

    /// "Use the QR code's details" when the chip cannot be read.
    pub fn use_qr_details(&mut self) {
        self.touch();
        self.identity.use_qr();
    }

    /// "Skip, I will type": the questions, nothing prefilled.
    pub fn skip_identity(&mut self) {
        self.touch();
        self.identity.wipe();
        self.start_form();
    }

    /// "Continue" under the identity shown: the questions, with what the card answers filled.
    pub fn continue_with_identity(&mut self) {
        self.touch();
        self.start_form();
    }

    pub fn place_test_card(&mut self, n: usize) -> Option<Command> {
        self.touch();
        (n < self.test_cards.len()).then_some(Command::PlaceTestCard(n))
    }

    fn start_form(&mut self) {
        let Some(p) = self.chosen.clone() else { return };
        let mut form = FormSession::new(p, self.units.clone());
        if let Some(identity) = self.identity.identity() {
            form.prefill(identity);
        }
        self.screen = match form.position() {
            Position::Review => Screen::Review,
            Position::Question(_) => Screen::Question,
        };
        self.form = Some(form);
        self.submit_error = None;
    }

    /// A key of the on-screen keyboard ("a", "backspace", "space", "clear", "shift"…).
    pub fn key(&mut self, key: &str) {
        self.touch();
        let key = match key {
            "backspace" => Key::Backspace,
            "space" => Key::Space,
            "clear" => Key::Clear,
            k => match k.chars().next() {
                Some(c) if k.chars().count() == 1 => Key::Char(c),
                _ => return,
            },
        };
        match self.screen {
            Screen::Procedures => {
                self.search = edit_text(&self.search, key, InputMode::Vietnamese, 60)
            }
            Screen::Lookup => self.lookup.key(key),
            Screen::Question => {
                if let Some(f) = self.form.as_mut() {
                    f.key(key);
                }
            }
            Screen::Identity => self.identity.key(key),
            Screen::AssistSignIn => {
                self.assist.pin = edit_text(&self.assist.pin, key, InputMode::Digits, 8);
                self.assist.error = None;
            }
            _ => {}
        }
    }

    pub fn pick(&mut self, id: &str) {
        self.touch();
        if let Some(f) = self.form.as_mut() {
            f.choose(id);
        }
    }

    pub fn next(&mut self) {
        self.touch();
        let today = self.clock.today();
        if let Some(f) = self.form.as_mut() {
            if let Ok(Position::Review) = f.next(today) {
                self.screen = Screen::Review;
            }
            self.photo_error = None;
        }
    }

    pub fn back(&mut self) {
        self.touch();
        let Some(f) = self.form.as_mut() else { return };
        if f.back() {
            self.screen = match f.position() {
                Position::Review => Screen::Review,
                Position::Question(_) => Screen::Question,
            };
            self.submit_error = None;
        } else {
            // Back from the first question: the procedure's information page. The answers are
            // dropped; the resident has typed at most one.
            self.form = None;
            self.screen = Screen::ProcedureInfo;
        }
    }

    pub fn change(&mut self, field_id: &str) {
        self.touch();
        if let Some(f) = self.form.as_mut() {
            f.edit(field_id);
            self.screen = Screen::Question;
        }
    }

    // ----- photos -----------------------------------------------------------------------

    pub fn take_photo(&mut self) -> Option<Command> {
        self.touch();
        if self.camera_busy || self.form.is_none() {
            return None;
        }
        self.camera_busy = true;
        self.photo_error = None;
        Some(Command::CapturePhoto)
    }

    pub fn photo_taken(&mut self, result: Result<Photo, Text>) {
        self.camera_busy = false;
        match result {
            Ok(photo) => {
                if let Some(f) = self.form.as_mut() {
                    f.attach(photo.reference.clone());
                    self.photos.insert(photo.reference.sha256.clone(), photo);
                }
            }
            Err(message) => self.photo_error = Some(message),
        }
    }

    // ----- submit -----------------------------------------------------------------------

    /// "Submit": builds the dossier and asks for it to be stored. The screen changes only
    /// when the store confirms (`submitted`).
    pub fn submit(&mut self, id: uuid::Uuid, random: [u8; 8]) -> Option<Command> {
        self.touch();
        if self.submitting {
            return None;
        }
        let form = self.form.as_ref()?;
        match form.finish(id, DossierCode::from_random(&random)) {
            Ok(mut draft) => {
                draft.assisted_by = self.assist.record();
                let attachments = form
                    .attachments()
                    .into_iter()
                    .filter_map(|r| self.photos.get(&r.sha256))
                    .map(|p| StoredAttachment {
                        reference: p.reference.clone(),
                        bytes: p.jpeg.clone(),
                    })
                    .collect();
                self.submitting = true;
                self.submit_error = None;
                Some(Command::Submit { draft, attachments })
            }
            Err(message) => {
                self.submit_error = Some(message);
                None
            }
        }
    }

    /// The store's answer. On success the session's answers are wiped and the code shown; on
    /// failure every answer stays and "submit" can be pressed again.
    /// On success, asks for the receipt to be printed.
    pub fn submitted(&mut self, result: Result<DossierSummary, Text>) -> Option<Command> {
        self.submitting = false;
        match result {
            Ok(summary) => {
                let procedure = self.form.as_ref().map(|f| f.procedure().clone());
                self.wipe_answers();
                self.queue_count += 1;
                self.screen = Screen::Done;
                let p = procedure?;
                self.receipt = self.receipt_context.as_ref().map(|ctx| {
                    ReceiptContent::new(
                        ctx,
                        &p,
                        &summary.code,
                        summary.created_at,
                        summary.receipt.as_deref(),
                        !self.online,
                        0,
                    )
                });
                let queue_ticket =
                    (self.queue_tickets && !p.papers.is_empty()).then_some(summary.created_at);
                self.submitted_id = Some(summary.id);
                self.submitted = Some((summary.code, p, summary.receipt));
                self.start_printing(queue_ticket)
            }
            Err(message) => {
                self.submit_error = Some(message);
                None
            }
        }
    }

    fn start_printing(
        &mut self,
        queue_ticket: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Option<Command> {
        if self.print_state == PrintState::Printing {
            return None;
        }
        let content = self.receipt.clone()?;
        self.print_state = PrintState::Printing;
        Some(Command::PrintReceipt {
            content,
            queue_ticket,
        })
    }

    /// The printer's answer.
    pub fn printed(&mut self, result: Result<(), Text>) {
        self.print_state = match result {
            Ok(()) => PrintState::Printed,
            Err(advice) => PrintState::Failed(advice),
        };
    }

    /// "Reprint" on the done screen or under a looked-up dossier.
    pub fn reprint(&mut self) -> Option<Command> {
        self.touch();
        if self.screen == Screen::Lookup && self.receipt.is_none() {
            let found = self.lookup.result()?;
            let Some(p) = self.catalogue.get(&found.summary.procedure_id) else {
                self.print_state = PrintState::Failed(Text::new(
                    "Thủ tục của hồ sơ này không còn trong danh mục của máy nên không in lại được biên nhận.",
                    "This dossier's procedure is no longer in the kiosk's catalogue, so its receipt cannot be reprinted.",
                ));
                return None;
            };
            let queued = matches!(
                found.summary.state,
                crate::core::dossier::DossierState::Queued
                    | crate::core::dossier::DossierState::Sending
            );
            self.receipt = self.receipt_context.as_ref().map(|ctx| {
                ReceiptContent::new(
                    ctx,
                    p,
                    &found.summary.code,
                    found.summary.created_at,
                    found.summary.receipt.as_deref(),
                    queued,
                    0,
                )
            });
        }
        self.start_printing(None)
    }

    // ----- lookup -----------------------------------------------------------------------

    pub fn lookup(&mut self) -> Option<Command> {
        self.touch();
        self.receipt = None;
        self.print_state = PrintState::Idle;
        self.lookup.start().map(Command::Lookup)
    }

    /// "Scan the receipt's QR code" on the lookup screen.
    pub fn scan_receipt_qr(&mut self) -> Option<Command> {
        self.touch();
        if !self.lookup.scan() {
            return None;
        }
        self.receipt = None;
        self.print_state = PrintState::Idle;
        Some(Command::ScanReceiptQr)
    }

    /// The code read off a receipt: looked up at once.
    pub fn receipt_qr_scanned(&mut self, result: Result<DossierCode, Text>) -> Option<Command> {
        if self.lookup.scanned(result) {
            self.lookup()
        } else {
            None
        }
    }

    pub fn looked_up(&mut self, result: Result<Option<LookupFound>, Text>) {
        self.lookup.found(result, &self.catalogue);
    }

    // ----- inactivity -------------------------------------------------------------------

    /// Called every second: shows the warning, then clears the session.
    pub fn tick(&mut self) {
        if self.screen == Screen::Home && self.form.is_none() {
            self.warning_seconds = None;
            let idle = self.clock.since_start().saturating_sub(self.last_activity);
            if self.sleep_after.is_some_and(|after| idle >= after) && !self.asleep {
                tracing::info!("screen asleep after {} s idle", idle.as_secs());
                self.asleep = true;
            }
            return;
        }
        match self.inactivity.status(self.clock.since_start()) {
            Activity::Active => self.warning_seconds = None,
            Activity::Warning { seconds_left } => self.warning_seconds = Some(seconds_left),
            Activity::Expired => {
                tracing::info!("session cleared after inactivity");
                self.reset_session();
                self.touch();
            }
        }
    }

    /// "I am still here".
    pub fn stay(&mut self) {
        self.touch();
    }

    fn wipe_answers(&mut self) {
        self.form = None;
        self.identity.wipe();
        for photo in self.photos.values_mut() {
            photo.jpeg.fill(0);
            photo.preview.2.fill(0);
        }
        self.photos.clear();
    }

    fn reset_session(&mut self) {
        self.admin.close();
        self.wipe_answers();
        self.search.clear();
        self.chosen = None;
        self.submitted = None;
        self.submitted_id = None;
        self.rating.clear();
        self.readout = None;
        self.assist.sign_out();
        if self.elder {
            self.elder = false;
            self.inactivity.set_policy(self.base_policy);
        }
        self.submit_error = None;
        self.submitting = false;
        self.camera_busy = false;
        self.photo_error = None;
        self.lookup.clear();
        self.receipt = None;
        self.print_state = PrintState::Idle;
        self.warning_seconds = None;
        self.lang = self.default_lang;
        self.screen = Screen::Home;
    }

    /// Text for the pick-list trail ("Thành phố Hà Nội › Phường Hoàn Kiếm").
    pub fn address_trail(&self) -> String {
        let Some(f) = self.form.as_ref() else {
            return String::new();
        };
        let Some(crate::core::form::Draft::Address(a)) = f.draft() else {
            return String::new();
        };
        let province = a
            .province_code
            .as_deref()
            .and_then(|c| self.units.province(c));
        let commune = province.and_then(|p| a.commune_code.as_deref().and_then(|c| p.commune(c)));
        match (a.stage, province, commune) {
            (AddressStage::Commune, Some(p), _) => format!("{} ›", p.name),
            (AddressStage::Detail, Some(p), Some(c)) => format!("{} › {}", p.name, c.name),
            _ => String::new(),
        }
    }

    /// Whether the current pick list offers "my paper shows an old address".
    pub fn offers_legacy_address(&self) -> bool {
        self.form.as_ref().is_some_and(|f| {
            matches!(f.current_field().map(|x| &x.kind), Some(FieldKind::Address))
                && f.address_stage() == Some(AddressStage::Province)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::inactivity::InactivityPolicy;
    use crate::devices::clock::SimClock;
    use std::time::Duration;

    const PROC: &str = r#"
id = "p"
version = 1
name = { vi = "Xác nhận", en = "Certificate" }
summary = { vi = "", en = "" }
authority = { vi = "UBND", en = "PC" }
fee = { amount_vnd = 0 }
processing = { working_days = 3 }

[[fields]]
id = "id"
label = { vi = "Số định danh", en = "Personal ID" }
kind = "personal_id"
role = "applicant_id"

[[fields]]
id = "paper"
label = { vi = "Ảnh giấy tờ", en = "Photo" }
kind = "attachment"
"#;

    fn controller() -> (KioskController, Arc<SimClock>) {
        let (catalogue, problems) = Catalogue::from_sources([("p.toml", PROC)]);
        assert!(problems.is_empty());
        let units =
            AdminUnits::parse_tsv("01\tThành phố Hà Nội\t00070\tPhường Hoàn Kiếm\n").unwrap();
        let clock = Arc::new(SimClock::new("2026-11-24T02:00:00Z".parse().unwrap()));
        let policy = InactivityPolicy {
            warn_after: Duration::from_secs(60),
            grace: Duration::from_secs(20),
        };
        let c = KioskController::new(
            clock.clone(),
            Arc::new(catalogue),
            Arc::new(units),
            Lang::Vi,
            policy,
        );
        (c, clock)
    }

    fn photo(byte: u8) -> Photo {
        Photo {
            reference: AttachmentRef {
                sha256: format!("{byte:02x}"),
                mime: "image/jpeg".into(),
                bytes: 3,
            },
            jpeg: vec![byte; 3],
            preview: (1, 1, vec![byte; 3]),
        }
    }

    /// Opens the test procedure and answers its first question (the personal ID).
    fn answer_id(c: &mut KioskController) {
        c.start_submit();
        c.pick_procedure("p");
        c.begin();
        assert_eq!(c.screen(), Screen::Identity);
        c.skip_identity();
        for k in "001093047064".chars() {
            c.key(&k.to_string());
        }
        c.next();
    }

    fn to_review(c: &mut KioskController) {
        answer_id(c);
        assert!(matches!(c.take_photo(), Some(Command::CapturePhoto)));
        assert!(c.take_photo().is_none(), "one capture at a time");
        c.photo_taken(Ok(photo(7)));
        c.next();
        assert_eq!(c.screen(), Screen::Review);
    }

    #[test]
    fn a_failed_store_keeps_every_answer_and_a_retry_asks_again() {
        let (mut c, _) = controller();
        to_review(&mut c);
        let Some(Command::Submit { draft, attachments }) = c.submit(uuid::Uuid::now_v7(), [1; 8])
        else {
            panic!("submit must ask the store")
        };
        assert_eq!(attachments.len(), 1, "the photo goes with the dossier");
        assert_eq!(attachments[0].bytes, vec![7; 3]);
        assert!(
            c.submit(uuid::Uuid::now_v7(), [2; 8]).is_none(),
            "no double submit while saving"
        );
        c.submitted(Err(Text::new("đầy", "full")));
        assert_eq!(c.screen(), Screen::Review);
        assert_eq!(c.submit_error().unwrap().vi, "đầy");
        assert_eq!(c.form().unwrap().review_rows(Lang::Vi)[0].2, "001093047064");
        let Some(Command::Submit { draft: again, .. }) = c.submit(draft.id, [1; 8]) else {
            panic!()
        };
        assert_eq!(again.answers, draft.answers);
    }

    #[test]
    fn success_shows_the_code_and_wipes_the_answers() {
        let (mut c, _) = controller();
        to_review(&mut c);
        let Some(Command::Submit { draft, .. }) = c.submit(uuid::Uuid::now_v7(), [3; 8]) else {
            panic!()
        };
        let summary = DossierSummary {
            receipt: None,
            id: draft.id,
            code: draft.code.clone(),
            procedure_id: "p".into(),
            state: crate::core::dossier::DossierState::Queued,
            created_at: chrono::Utc::now(),
        };
        c.submitted(Ok(summary));
        assert_eq!(c.screen(), Screen::Done);
        assert_eq!(c.last_submitted().unwrap().0, draft.code);
        assert!(c.form().is_none());
        assert!(c.current_photo().is_none());
        assert_eq!(c.queue_count, 1);
    }

    #[test]
    fn every_screen_has_a_spoken_prompt_in_both_languages() {
        let (mut c, clock) = controller();
        c.set_receipt_context(
            Arc::new(ReceiptContext {
                place: "Phường Hoàn Kiếm".into(),
                kiosk_id: "K1".into(),
                calendar: crate::core::working_days::HolidayCalendar::computed(),
                beneficiary: None,
            }),
            true,
        );
        let mut heard: Vec<(Screen, Text)> = Vec::new();
        let mut listen = |c: &KioskController| {
            let (t, _) = c.utterance("Phường Hoàn Kiếm");
            assert!(!t.vi.trim().is_empty(), "{:?} has no prompt", c.screen());
            assert_ne!(
                t.vi,
                t.get(Lang::En),
                "{:?}: English prompt missing",
                c.screen()
            );
            heard.push((c.screen(), t));
        };
        listen(&c);
        c.start_submit();
        listen(&c);
        c.pick_procedure("p");
        listen(&c);
        c.begin();
        listen(&c);
        assert!(c.scan_qr().is_some());
        listen(&c);
        c.skip_identity();
        listen(&c);
        answer_id(&mut c);
        listen(&c);
        c.next();
        c.take_photo();
        c.photo_taken(Ok(photo(1)));
        c.next();
        listen(&c);
        let Some(Command::Submit { draft, .. }) = c.submit(uuid::Uuid::now_v7(), [3; 8]) else {
            panic!("submit")
        };
        let print = c.submitted(Ok(DossierSummary {
            receipt: None,
            id: draft.id,
            code: draft.code.clone(),
            procedure_id: "p".into(),
            state: crate::core::dossier::DossierState::Queued,
            created_at: clock.now(),
        }));
        assert!(matches!(print, Some(Command::PrintReceipt { .. })));
        listen(&c);
        c.printed(Ok(()));
        listen(&c);
        // The receipt read aloud replaces the prompt, with the appointment in it.
        c.read_receipt();
        let (readout, _) = c.utterance("");
        assert!(
            readout.vi.contains("Hẹn trả kết quả ngày 27/11/2026"),
            "{}",
            readout.vi
        );
        c.finish();
        assert_eq!(c.screen(), Screen::Rating);
        listen(&c);
        c.go_home();
        c.open_lookup();
        listen(&c);
        c.open_help();
        listen(&c);
        // The timeout warning is said once: its words do not tick with the countdown.
        c.start_submit();
        clock.advance(Duration::from_secs(61));
        c.tick();
        let (first, _) = c.utterance("");
        clock.advance(Duration::from_secs(3));
        c.tick();
        assert_eq!(c.utterance("").0, first);
        assert!(first.vi.contains("20 giây"), "{}", first.vi);

        let screens: std::collections::BTreeSet<String> =
            heard.iter().map(|(s, _)| format!("{s:?}")).collect();
        for s in [
            "Home",
            "Procedures",
            "ProcedureInfo",
            "Identity",
            "Question",
            "Review",
            "Done",
            "Rating",
            "Lookup",
            "Help",
        ] {
            assert!(screens.contains(s), "{s} was not visited");
        }
        // "Replay" says the same words again.
        let (_, before) = c.utterance("");
        c.replay();
        assert_ne!(c.utterance("").1, before);
    }

    #[test]
    fn an_idle_home_screen_sleeps_and_a_person_or_a_touch_wakes_and_greets() {
        use crate::devices::gpio_events::CabinetEvent;
        let (mut c, clock) = controller();
        c.set_sleep_after(Some(Duration::from_secs(300)));
        clock.advance(Duration::from_secs(299));
        c.tick();
        assert!(!c.asleep());
        clock.advance(Duration::from_secs(1));
        c.tick();
        assert!(c.asleep());
        let (_, before) = c.utterance("");
        c.cabinet_event(CabinetEvent::PersonArrived);
        assert!(!c.asleep());
        assert_ne!(c.utterance("").1, before, "the welcome is spoken again");
        clock.advance(Duration::from_secs(300));
        c.tick();
        assert!(c.asleep());
        c.wake();
        assert!(!c.asleep());
        // Never in the middle of a session.
        c.start_submit();
        c.pick_procedure("p");
        c.begin();
        clock.advance(Duration::from_secs(1000));
        c.tick();
        assert!(!c.asleep());
    }

    #[test]
    fn a_camera_failure_is_said_and_the_camera_can_be_tried_again() {
        let (mut c, _) = controller();
        answer_id(&mut c);
        c.take_photo();
        c.photo_taken(Err(Text::new("Không chụp được", "No photo")));
        assert!(!c.camera_busy());
        assert!(c.photo_error().is_some());
        assert!(c.take_photo().is_some());
    }

    #[test]
    fn walking_away_warns_then_clears_and_resets_the_language() {
        let (mut c, clock) = controller();
        c.set_language("en");
        c.start_submit();
        c.pick_procedure("p");
        c.begin();
        assert_eq!(c.screen(), Screen::Identity);
        c.skip_identity();
        c.key("0");
        clock.advance(Duration::from_secs(59));
        c.tick();
        assert_eq!(c.warning_seconds(), None);
        clock.advance(Duration::from_secs(2));
        c.tick();
        assert_eq!(c.warning_seconds(), Some(19));
        clock.advance(Duration::from_secs(19));
        c.tick();
        assert_eq!(c.screen(), Screen::Home);
        assert!(c.form().is_none());
        assert_eq!(c.lang(), Lang::Vi);
    }

    #[test]
    fn an_idle_home_screen_never_warns() {
        let (mut c, clock) = controller();
        clock.advance(Duration::from_secs(3600));
        c.tick();
        assert_eq!(c.warning_seconds(), None);
    }

    #[test]
    fn a_malformed_lookup_code_is_refused_before_any_lookup() {
        let (mut c, _) = controller();
        c.open_lookup();
        for k in "abc".chars() {
            c.key(&k.to_string());
        }
        assert!(c.lookup().is_none());
        assert!(c.lookup_error().unwrap().vi.contains("9 ký tự"));
        assert_eq!(c.lookup_text(), "ABC", "codes are typed in capitals");
    }

    #[test]
    fn back_from_the_first_question_returns_to_the_procedure_page() {
        let (mut c, _) = controller();
        c.start_submit();
        c.pick_procedure("p");
        c.begin();
        assert_eq!(c.screen(), Screen::Identity);
        c.skip_identity();
        c.back();
        assert_eq!(c.screen(), Screen::ProcedureInfo);
        assert!(c.form().is_none());
    }
}
