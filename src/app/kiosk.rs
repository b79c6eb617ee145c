//! The kiosk on its window: owns the session controller, applies each event from the adapters
//! or from the world, renders, runs the command the session asked for through the effects, and
//! receives their outcomes on a channel it owns (drained on the UI thread by a Slint local
//! task). Also follows the session with the backlight and the voice.

use crate::app::effects::{Effects, Outcomes};
use crate::app::voice_guide::VoiceGuide;
use crate::session::command::Command;
use crate::session::controller::KioskController;
use crate::session::outcome::Outcome;
use crate::slint_generated::AppWindow;
use crate::ui::dispatch::{Dispatch, Touches};
use crate::ui::render_cache::RenderCache;
use slint::ComponentHandle;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// The kiosk's voice: the guide, where the kiosk is (said on the home screen), the speed,
/// and what was last handed over (so a re-render does not repeat it).
struct Voice {
    guide: VoiceGuide,
    place: String,
    speed: u32,
    last: Option<(String, u64)>,
}

/// A window bound to a controller.
pub struct Kiosk {
    pub controller: RefCell<KioskController>,
    window: slint::Weak<AppWindow>,
    effects: Effects,
    /// Last rendered rows of each list, so unchanged lists keep their scroll position.
    cache: RefCell<RenderCache>,
    /// Spoken guidance, when the kiosk has a voice.
    voice: RefCell<Option<Voice>>,
    /// The backlight as last switched (follows the controller's sleep).
    backlight_on: Cell<bool>,
    /// The touches received since the window opened (taps, keys).
    touches: Cell<Touches>,
}

impl Kiosk {
    /// Connects every adapter to `window`, renders the first frame's state, and with effects
    /// that run in the background, starts receiving their outcomes on the UI thread.
    pub fn attach(window: &AppWindow, controller: KioskController, effects: Effects) -> Rc<Kiosk> {
        let outcomes = effects.take_outcomes();
        let kiosk = Rc::new(Kiosk {
            controller: RefCell::new(controller),
            window: window.as_weak(),
            effects,
            cache: RefCell::new(Default::default()),
            voice: RefCell::new(None),
            backlight_on: Cell::new(true),
            touches: Cell::new(Touches::default()),
        });
        let weak = Rc::downgrade(&kiosk);
        crate::ui::connect(
            window,
            &Dispatch::new(move |touch, event| {
                if let Some(kiosk) = weak.upgrade() {
                    let mut touches = kiosk.touches.get();
                    touches.count(touch);
                    kiosk.touches.set(touches);
                    kiosk.update(event);
                }
            }),
        );
        if let Some(outcomes) = outcomes {
            kiosk.receive(outcomes);
        }
        kiosk.render();
        kiosk
    }

    /// The touches received since the window opened: taps, and keys typed (the demo counts a
    /// procedure's with `Touches::since`).
    pub fn touches(&self) -> Touches {
        self.touches.get()
    }

    /// Delivers every outcome sent on `outcomes` on the UI thread, until the kiosk is gone.
    fn receive(self: &Rc<Self>, mut outcomes: Outcomes) {
        let weak = Rc::downgrade(self);
        let spawned = slint::spawn_local(async move {
            while let Some(outcome) = outcomes.recv().await {
                match weak.upgrade() {
                    Some(kiosk) => kiosk.deliver(outcome),
                    None => break,
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!("background results cannot reach the screen: {e}");
        }
    }

    /// Gives the kiosk a voice: every screen's prompt is spoken from now on.
    pub fn set_voice(&self, guide: VoiceGuide, place: &str, speed: u32) {
        *self.voice.borrow_mut() = Some(Voice {
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
                    k.update(|c| c.tick());
                }
            },
        );
        timer
    }

    /// Applies one event to the controller, re-renders, and runs the command it asked for;
    /// outcomes the effects already have (inline) are delivered at once, in order.
    pub fn update(self: &Rc<Self>, event: impl FnOnce(&mut KioskController) -> Option<Command>) {
        let command = event(&mut self.controller.borrow_mut());
        self.render();
        if let Some(command) = command {
            let clock = self.controller.borrow().clock();
            for outcome in self.effects.run(command, clock) {
                self.deliver(outcome);
            }
        }
    }

    /// Delivers a result of the world (a finished command, a sync status, a cabinet event).
    pub fn deliver(self: &Rc<Self>, outcome: Outcome) {
        self.update(|c| outcome.apply_to(c));
    }

    /// Copies the controller's state into the window, switches the backlight with sleep, and
    /// hands the screen's prompt to the voice when it changed.
    pub fn render(&self) {
        let Some(window) = self.window.upgrade() else {
            return;
        };
        let controller = self.controller.borrow();
        let mut voice = self.voice.borrow_mut();
        crate::ui::render(
            &window,
            &controller,
            &mut self.cache.borrow_mut(),
            voice.as_ref().map(|v| v.guide.available()),
        );
        let awake = !controller.idle().asleep();
        if self.backlight_on.replace(awake) != awake {
            self.effects.set_backlight(awake);
        }
        if let Some(voice) = voice.as_mut() {
            let (text, nonce) = controller.utterance(&voice.place);
            let words = text.get(controller.lang()).to_string();
            let key = (words.clone(), nonce);
            if voice.last.as_ref() != Some(&key) {
                let speed = if controller.accessibility().elder() {
                    voice.speed * 4 / 5
                } else {
                    voice.speed
                };
                voice.guide.say(
                    &words,
                    controller.lang(),
                    controller.accessibility().volume(),
                    speed,
                );
                voice.last = Some(key);
            }
        }
    }
}
