//! The kiosk's screens: `KioskController` (the session as a Slint-free state machine) and one
//! `*_adapter.rs` per Slint global that copies controller state into the window and turns
//! callbacks into controller events. Background work (storage, camera) runs through
//! `effects`; the UI thread never waits on it.

mod admin_adapter;
mod assist_adapter;
mod catalogue_adapter;
mod form_adapter;
mod identity_adapter;
mod keyboard_adapter;
mod lookup_adapter;
mod rating_adapter;
mod session_adapter;
mod voice_adapter;

use crate::slint_generated::AppWindow;
use crate::session::controller::{Command, KioskController};
use crate::app::effects::Effects;
use crate::session::outcome::Outcome;
use slint::ComponentHandle;
use std::cell::RefCell;
use std::rc::{Rc, Weak};

thread_local! {
    /// The kiosk of this UI thread, so background results can find it again.
    static CURRENT: RefCell<Weak<Kiosk>> = RefCell::new(Weak::new());
}

/// A window bound to a controller.
pub struct Kiosk {
    pub controller: RefCell<KioskController>,
    window: slint::Weak<AppWindow>,
    effects: Effects,
    /// Last rendered rows of each list, so unchanged lists keep their scroll position.
    cache: RefCell<form_adapter::RenderCache>,
    /// Spoken guidance, when the kiosk has a voice.
    voice: RefCell<Option<voice_adapter::Voice>>,
    /// The backlight as last switched (follows the controller's sleep).
    backlight_on: std::cell::Cell<bool>,
}

impl Kiosk {
    /// Connects every adapter to `window`, renders the first frame's state and starts the
    /// once-a-second inactivity tick.
    pub fn attach(window: &AppWindow, controller: KioskController, effects: Effects) -> Rc<Kiosk> {
        let kiosk = Rc::new(Kiosk {
            controller: RefCell::new(controller),
            window: window.as_weak(),
            effects,
            cache: RefCell::new(Default::default()),
            voice: RefCell::new(None),
            backlight_on: std::cell::Cell::new(true),
        });
        CURRENT.with(|c| *c.borrow_mut() = Rc::downgrade(&kiosk));
        session_adapter::connect(window, &kiosk);
        catalogue_adapter::connect(window, &kiosk);
        form_adapter::connect(window, &kiosk);
        keyboard_adapter::connect(window, &kiosk);
        lookup_adapter::connect(window, &kiosk);
        identity_adapter::connect(window, &kiosk);
        rating_adapter::connect(window, &kiosk);
        voice_adapter::connect(window, &kiosk);
        assist_adapter::connect(window, &kiosk);
        admin_adapter::connect(window, &kiosk);
        kiosk.render();
        kiosk
    }

    /// Gives the kiosk a voice: every screen's prompt is spoken from now on.
    pub fn set_voice(&self, guide: crate::app::voice_guide::VoiceGuide, place: &str, speed: u32) {
        *self.voice.borrow_mut() = Some(voice_adapter::Voice {
            guide,
            place: place.to_string(),
            speed,
            last: None,
        });
        self.render();
    }

    /// Waits until everything asked to be said was said (tests and the demo).
    pub fn flush_voice(&self) {
        if let Some(v) = self.voice.borrow().as_ref() {
            v.guide.flush();
        }
    }

    /// What the kiosk said so far.
    pub fn said(&self) -> Vec<String> {
        self.voice
            .borrow()
            .as_ref()
            .map(|v| v.guide.said())
            .unwrap_or_default()
    }

    /// Why the kiosk is silent, if it is.
    pub fn voice_problem(&self) -> Option<String> {
        self.voice
            .borrow()
            .as_ref()
            .and_then(|v| v.guide.problem().map(str::to_string))
    }

    /// Starts the inactivity tick (a `slint::Timer`, so it runs on the UI thread).
    pub fn start_tick(self: &Rc<Self>) -> slint::Timer {
        let timer = slint::Timer::default();
        let weak = Rc::downgrade(self);
        timer.start(
            slint::TimerMode::Repeated,
            std::time::Duration::from_secs(1),
            move || {
                if let Some(k) = weak.upgrade() {
                    k.update(|c| {
                        c.tick();
                        None
                    });
                }
            },
        );
        timer
    }

    /// Applies one event to the controller, re-renders, and runs the command it asked for.
    pub fn update(self: &Rc<Self>, event: impl FnOnce(&mut KioskController) -> Option<Command>) {
        let command = event(&mut self.controller.borrow_mut());
        self.render();
        if let Some(command) = command {
            let clock = self.controller.borrow().clock();
            self.effects.run(command, clock);
        }
    }

    /// Delivers a background result.
    pub fn deliver(self: &Rc<Self>, outcome: Outcome) {
        self.update(|c| outcome.apply_to(c));
    }

    /// Copies the controller's state into every global of the window.
    pub fn render(&self) {
        let Some(window) = self.window.upgrade() else {
            return;
        };
        let controller = self.controller.borrow();
        let mut cache = self.cache.borrow_mut();
        session_adapter::render(&window, &controller, &mut cache);
        catalogue_adapter::render(&window, &controller, &mut cache);
        form_adapter::render(&window, &controller, &mut cache);
        keyboard_adapter::render(&window, &controller);
        lookup_adapter::render(&window, &controller, &mut cache);
        identity_adapter::render(&window, &controller, &mut cache);
        rating_adapter::render(&window, &controller, &mut cache);
        assist_adapter::render(&window, &controller, &mut cache);
        admin_adapter::render(&window, &controller);
        let awake = !controller.asleep();
        if self.backlight_on.replace(awake) != awake {
            self.effects.set_backlight(awake);
        }
        voice_adapter::render(&window, &controller, self.voice.borrow_mut().as_mut());
    }
}

/// Hands a background result to this thread's kiosk (called on the UI thread).
pub(crate) fn deliver_to_current(outcome: Outcome) {
    if let Some(kiosk) = CURRENT.with(|c| c.borrow().upgrade()) {
        kiosk.deliver(outcome);
    }
}
