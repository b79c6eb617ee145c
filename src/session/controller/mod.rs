//! The kiosk session: which screen is up and which step each event concerns. A thin router:
//! every event goes to the step that owns it (identity, form, photos, submit, lookup, rating,
//! assist, admin, accessibility, idle, help), and comes back as a screen change and at most one
//! `Command` for the app to run. Sans-IO and Slint-free; tested without a window.

use crate::core::address::AdminUnits;
use crate::core::catalogue::Catalogue;
use crate::core::field::InputMode;
use crate::core::form::{FormSession, Key};
use crate::core::inactivity::InactivityPolicy;
use crate::core::procedure::Procedure;
use crate::core::receipt_content::ReceiptContext;
use crate::core::text::{Lang, Text};
use crate::devices::clock::Clock;
use crate::session::accessibility::Accessibility;
use crate::session::admin_panel::AdminPanel;
use crate::session::assist_step::AssistStep;
use crate::session::command::Command;
use crate::session::form_step::FormStep;
use crate::session::help_call::HelpCall;
use crate::session::identity_step::IdentityStep;
use crate::session::idle_watch::{IdleTick, IdleWatch};
use crate::session::lookup_step::LookupStep;
use crate::session::photos::{Photo, Photos};
use crate::session::rating_step::RatingStep;
use crate::session::screen::Screen;
use crate::session::submit_step::SubmitStep;
use crate::session::text_entry::edit_text;
use std::sync::Arc;

mod form_events;
mod identity_events;
mod lookup_and_rating_events;
mod staff_events;
#[cfg(test)]
mod tests;

pub struct KioskController {
    clock: Arc<dyn Clock>,
    catalogue: Arc<Catalogue>,
    units: Arc<AdminUnits>,
    default_lang: Lang,
    lang: Lang,
    screen: Screen,
    search: String,
    chosen: Option<Arc<Procedure>>,
    identity: IdentityStep,
    form: FormStep,
    photos: Photos,
    submit: SubmitStep,
    lookup: LookupStep,
    rating: RatingStep,
    assist: AssistStep,
    pub admin: AdminPanel,
    access: Accessibility,
    idle: IdleWatch,
    help: HelpCall,
    /// Dossiers stored but not yet at the portal.
    pub queue_count: u64,
    pub online: bool,
    /// While the engine sends: (done, of how many).
    pub sending: Option<(u32, u32)>,
    /// Names of the simulator's test cards (empty with a real reader).
    test_cards: Vec<String>,
    /// The commune the kiosk stands in (a units code): every address offers it first.
    home_commune: Option<String>,
    /// The offices residents go to, by commune (address and hours said after submitting).
    offices: Arc<crate::core::office::Offices>,
    /// The month the current date question's calendar shows.
    calendar: crate::session::date_calendar::DateCalendar,
    /// "Bổ sung tại máy": the sent-back dossier the form being filled completes.
    supplementing: Option<crate::core::supplement_form::Original>,
    /// An update installed in the other slot, waiting for a quiet moment to restart into.
    update_waiting: Option<String>,
}

/// How long the home screen must have been untouched before the kiosk restarts into an
/// installed update (nobody is reading it, nobody is about to start).
pub const UPDATE_RESTART_QUIET: std::time::Duration = std::time::Duration::from_secs(60);

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
            identity: IdentityStep::default(),
            form: FormStep::default(),
            photos: Photos::default(),
            submit: SubmitStep::default(),
            lookup: LookupStep::default(),
            rating: RatingStep::default(),
            assist: AssistStep::default(),
            admin: AdminPanel::default(),
            access: Accessibility::default(),
            idle: IdleWatch::new(policy, now),
            help: HelpCall::default(),
            queue_count: 0,
            online: false,
            sending: None,
            test_cards: Vec::new(),
            home_commune: None,
            offices: Arc::default(),
            calendar: Default::default(),
            supplementing: None,
            update_waiting: None,
        }
    }

    // ----- settings from the wiring -----------------------------------------------------

    /// Idle time at home before the screen sleeps (`None`: never).
    pub fn set_sleep_after(&mut self, after: Option<std::time::Duration>) {
        self.idle.set_sleep_after(after);
    }
    /// The configured speech volume (0–100).
    pub fn set_volume(&mut self, volume: u8) {
        self.access.set_volume(volume);
    }
    /// The community tech-team members who may sign in here.
    pub fn set_helpers(&mut self, helpers: Vec<crate::core::assist::Helper>) {
        self.assist.set_helpers(helpers);
    }
    /// Receipts are printed from now on, with this context.
    pub fn set_receipt_context(&mut self, context: Arc<ReceiptContext>, queue_tickets: bool) {
        self.submit.set_receipt_context(context, queue_tickets);
    }
    /// The community team's phone number and the expected wait, said when help is called.
    pub fn set_help_line(&mut self, phone: &str, wait_minutes: u32) {
        self.help.set_line(phone, wait_minutes);
    }
    /// The commune the kiosk stands in, offered first for every address.
    pub fn set_home_commune(&mut self, code: Option<String>) {
        self.home_commune = code;
    }
    /// The offices residents go to, by commune.
    pub fn set_offices(&mut self, offices: Arc<crate::core::office::Offices>) {
        self.offices = offices;
    }
    /// The simulator's test cards, offered as buttons on the identity screen.
    pub fn set_test_cards(&mut self, names: Vec<String>) {
        self.test_cards = names;
    }
    /// Swaps in a newer catalogue. A session in progress keeps the procedure it started with;
    /// the list, search and next sessions use the new one.
    pub fn replace_catalogue(
        &mut self,
        catalogue: Arc<Catalogue>,
        units: Option<Arc<AdminUnits>>,
        offices: Option<Arc<crate::core::office::Offices>>,
    ) {
        self.catalogue = catalogue;
        if let Some(units) = units {
            self.units = units;
        }
        if let Some(offices) = offices {
            self.offices = offices;
        }
    }
    /// Goes on from the PIN lockouts kept before a restart (each with the time it was kept).
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
        self.assist.restore_guard(as_of(helpers), since_start);
    }

    // ----- what the screens show --------------------------------------------------------

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
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }
    pub fn test_cards(&self) -> &[String] {
        &self.test_cards
    }
    pub fn identity_step(&self) -> &IdentityStep {
        &self.identity
    }
    pub fn form(&self) -> Option<&FormSession> {
        self.form.form()
    }
    pub fn photos(&self) -> &Photos {
        &self.photos
    }
    /// The photo answering the current question, if one was taken.
    pub fn current_photo(&self) -> Option<&Photo> {
        self.photos.get(self.form.current_attachment()?)
    }
    pub fn submission(&self) -> &SubmitStep {
        &self.submit
    }
    pub fn lookup_step(&self) -> &LookupStep {
        &self.lookup
    }
    pub fn rating(&self) -> &RatingStep {
        &self.rating
    }
    pub fn assist(&self) -> &AssistStep {
        &self.assist
    }
    /// What the helper's card sign-in is doing, for the sign-in page.
    pub fn assist_card_status(&self) -> Option<Text> {
        self.assist.card_status(&self.identity)
    }
    pub fn accessibility(&self) -> &Accessibility {
        &self.access
    }
    pub fn idle(&self) -> &IdleWatch {
        &self.idle
    }
    /// A person has been called and is on the way (shown for a few minutes).
    pub fn help_notice(&self) -> bool {
        self.help.notice(self.clock.now())
    }
    /// The help notice is open over the screen.
    pub fn help_notice_open(&self) -> bool {
        self.help.notice_open(self.clock.now())
    }
    /// Who is called and how to reach them (the notice's words, the phone number).
    pub fn help(&self) -> &HelpCall {
        &self.help
    }

    /// What should be being said now, and a counter that changes when it must be said again
    /// even if the words are the same.
    pub fn utterance(&self, place: &str) -> (Text, u64) {
        let text = match (self.access.readout(), self.screen) {
            (Some(r), Screen::Done) if self.idle.warning_seconds().is_none() => r.clone(),
            _ => crate::session::voice_prompt::prompt(self, place),
        };
        (text, self.access.speech_nonce())
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
                .form()
                .map(|f| f.input_mode())
                .unwrap_or(InputMode::None),
            Screen::Identity if self.identity.typing() => InputMode::Digits,
            Screen::AssistSignIn if self.assist.chosen.is_some() => InputMode::Digits,
            _ => InputMode::None,
        }
    }

    /// Text for the pick-list trail ("Thành phố Hà Nội › Phường Hoàn Kiếm").
    pub fn address_trail(&self) -> String {
        self.form.address_trail(&self.units)
    }

    /// Whether the current pick list offers "my paper shows an old address".
    pub fn offers_legacy_address(&self) -> bool {
        self.form.offers_legacy_address()
    }

    // ----- navigation -------------------------------------------------------------------

    /// Any touch: restarts the inactivity timer, hides the warning, wakes the screen.
    pub fn touch(&mut self) {
        self.idle.touch(self.clock.since_start());
    }

    /// A touch on the sleeping screen, or someone in front of the presence sensor: wake up and
    /// greet (the home prompt is spoken again).
    pub fn wake(&mut self) {
        let was_asleep = self.idle.asleep();
        self.touch();
        if was_asleep && self.screen == Screen::Home {
            self.access.say_again();
        }
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
        self.submit.clear_receipt();
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
            self.supplementing = None;
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

    /// A key of the on-screen keyboard ("a", "backspace", "space", "clear", "shift"…), for the
    /// box the current screen types into.
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
            Screen::Question => self.form.key(key),
            Screen::Identity => self.identity.key(key),
            Screen::AssistSignIn => self.assist.key(key),
            _ => {}
        }
    }

    // ----- voice and large text ---------------------------------------------------------

    pub fn louder(&mut self) {
        self.touch();
        self.access.louder();
    }
    pub fn quieter(&mut self) {
        self.touch();
        self.access.quieter();
    }
    /// "Say it again".
    pub fn replay(&mut self) {
        self.touch();
        self.access.say_again();
    }
    /// "Read the receipt aloud" on the done page.
    pub fn read_receipt(&mut self) {
        self.touch();
        if let Some(r) = self.submit.receipt() {
            self.access.read_aloud(r.spoken());
        }
    }
    /// "Large text" on the home screen: on for this session (off again at its end), with
    /// twice the time before the inactivity warning.
    pub fn toggle_elder(&mut self) {
        let elder = self.access.toggle_elder();
        self.idle.set_longer(elder);
        self.touch();
    }

    // ----- time passing -----------------------------------------------------------------

    /// Called every second: the warning, then the session cleared; sleep on an idle home.
    /// A second passed: the inactivity watch, and on the identity screen the camera's look
    /// for a card's QR code (a frame, when none is being taken).
    pub fn tick(&mut self) -> Option<Command> {
        let in_session = self.screen != Screen::Home || self.form.is_open();
        let now = self.clock.since_start();
        if self.idle.tick(now, in_session) == IdleTick::Expired {
            tracing::info!("session cleared after inactivity");
            self.reset_session();
            self.touch();
            return None;
        }
        // Never in a resident's session nor on the technician's screen: only on a home screen
        // nobody has touched for a while.
        if !in_session
            && !self.admin.open
            && self.idle.idle_for(now) >= UPDATE_RESTART_QUIET
            && let Some(version) = self.update_waiting.take()
        {
            tracing::warn!(%version, "restarting into the installed update");
            return Some(Command::Admin(
                crate::session::admin_panel::AdminAction::RestartForUpdate,
            ));
        }
        (self.screen == Screen::Identity && self.identity.watch()).then_some(Command::ScanQr)
    }

    /// Root installed an update: restart into it at the next quiet moment (`tick`).
    pub fn update_installed(&mut self, version: String) {
        if self.update_waiting.is_none() {
            tracing::info!(%version, "update installed; restarting into it once the kiosk is idle");
        }
        self.update_waiting = Some(version);
    }

    /// "I am still here".
    pub fn stay(&mut self) {
        self.touch();
    }

    fn wipe_answers(&mut self) {
        self.form.wipe();
        self.calendar.forget();
        self.identity.wipe();
        self.photos.wipe();
    }

    fn reset_session(&mut self) {
        self.admin.close();
        self.wipe_answers();
        self.search.clear();
        self.chosen = None;
        self.supplementing = None;
        self.submit.end_session();
        self.rating.clear();
        self.assist.sign_out();
        if self.access.elder() {
            self.idle.set_longer(false);
        }
        self.access.end_session();
        self.lookup.clear();
        self.lang = self.default_lang;
        self.screen = Screen::Home;
    }
}
