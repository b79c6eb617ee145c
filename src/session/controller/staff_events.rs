//! How the controller routes what staff do: a helper's sign-in and the resident's consent,
//! PIN checks, the technician's admin screen, and the cabinet's sensor and help button.

use crate::session::admin_panel::AdminAction;
use crate::session::assist_step::CardSignIn;
use crate::session::command::{Command, PinCheck};
use crate::session::controller::KioskController;
use crate::session::screen::Screen;

impl KioskController {
    /// The helper acting for the resident (after consent).
    pub fn assisting(&self) -> Option<&crate::core::assist::Helper> {
        self.assist.assisting()
    }

    /// "Helper sign-in" on the home screen.
    pub fn open_assist(&mut self) {
        self.touch();
        self.assist.sign_out();
        self.screen = Screen::AssistSignIn;
    }

    pub fn choose_helper(&mut self, index: usize) {
        self.touch();
        self.assist.choose(index);
    }

    /// "Sign in" under the PIN: the check runs in the background (`pin_checked`).
    pub fn assist_sign_in(&mut self) -> Option<Command> {
        self.touch();
        self.assist.sign_in(self.clock.since_start())
    }

    /// "Sign in with my ID card": the helper's card QR, then its chip; the chip's personal ID
    /// must be a registered helper's. Nothing of the helper's card is kept.
    pub fn assist_sign_in_with_card(&mut self) -> Option<Command> {
        self.touch();
        if self.screen != Screen::AssistSignIn || !self.assist.start_card() {
            return None;
        }
        self.identity.wipe();
        self.identity.start_scan().then_some(Command::ScanQr)
    }

    /// After a card step of a helper's sign-in: on to the consent, or the reason said.
    pub(super) fn assist_card_step(&mut self) {
        match self.assist.card_step(&self.identity) {
            CardSignIn::Pending => return,
            CardSignIn::SignedIn => self.screen = Screen::AssistConsent,
            CardSignIn::Refused => {}
        }
        // The helper's card data is not needed any more.
        self.identity.wipe();
    }

    /// The resident's answer on the consent screen.
    pub fn consent(&mut self, agreed: bool) {
        self.touch();
        if self.screen != Screen::AssistConsent || self.assist.helper.is_none() {
            return;
        }
        if self.assist.consent(agreed, self.clock.now()) {
            self.search.clear();
            self.screen = Screen::Procedures;
        } else {
            // Refused: the step signed the helper out.
            self.screen = Screen::Home;
        }
    }

    // ----- PINs (admin and helpers) -----------------------------------------------------

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
            PinCheck::Helper(index) => {
                if self.assist.pin_checked(index, matched, now) {
                    self.screen = Screen::AssistConsent;
                }
            }
        }
        next.push(Command::SavePinLockouts {
            admin: self.admin.guard_state(now),
            helpers: self.assist.guard_state(now),
        });
        Some(Command::Batch(next))
    }

    // ----- the admin screen -------------------------------------------------------------

    /// A tap on the place name in the top bar; the fifth quick one opens the admin screen
    /// (only between sessions: a resident's answers are never shown to a technician).
    pub fn tap_place(&mut self) {
        if self.form.is_open() || self.screen == Screen::Admin {
            return;
        }
        if self.admin.tap(self.clock.since_start()) {
            self.reset_session();
            self.touch();
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

    pub fn admin_act(&mut self, action: AdminAction) -> Option<Command> {
        self.touch();
        self.admin.act(action).map(Command::Admin)
    }

    pub fn admin_close(&mut self) {
        self.admin.close();
        self.go_home();
    }

    // ----- the cabinet and calling a person ---------------------------------------------

    /// A debounced cabinet input changed (the alert itself was stored by the cabinet).
    pub fn cabinet_event(&mut self, event: crate::devices::gpio::events::CabinetEvent) {
        use crate::devices::gpio::events::CabinetEvent;
        match event {
            // Someone walked up to an idle kiosk: greet them (the home prompt is spoken again).
            CabinetEvent::PersonArrived if self.screen == Screen::Home && !self.form.is_open() => {
                if self.idle.asleep() {
                    self.wake()
                } else {
                    self.replay()
                }
            }
            CabinetEvent::HelpPressed => {
                self.touch();
                self.help.pressed(self.clock.now());
            }
            _ => {}
        }
    }

    /// "Gọi hỗ trợ" on screen; not sent twice while the first call is fresh.
    pub fn call_help(&mut self) -> Option<Command> {
        self.touch();
        self.help
            .call(self.clock.now())
            .then_some(Command::CallHelp)
    }

    /// "Đã hiểu" on the help notice.
    pub fn dismiss_help(&mut self) {
        self.touch();
        self.help.dismiss();
    }
}
