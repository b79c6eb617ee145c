//! How an adapter hands an event to the session: a callback turns it into a change of the
//! controller, and the kiosk that owns the controller (`app::kiosk`) applies it, renders and
//! runs the command it returns. Each event says what the person did — a tap, a key of the
//! on-screen keyboard, or a simulator control that stands for a device — so the kiosk can
//! count a resident's touches. The adapters know no more of the kiosk than this.

use crate::session::command::Command;
use crate::session::controller::KioskController;
use std::rc::Rc;

/// One change of the session, as an adapter's callback asks for it.
pub type Event<'a> = Box<dyn FnOnce(&mut KioskController) -> Option<Command> + 'a>;

/// What the person did to send an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    /// A tap on anything but a keyboard key.
    Tap,
    /// A key of the on-screen keyboard.
    Key,
    /// A simulator's control standing in for a device (a test card put on the reader): no
    /// touch of the screen on a real kiosk.
    Simulator,
}

/// A resident's touches so far: taps, and keys typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Touches {
    pub taps: u32,
    pub keys: u32,
}

impl Touches {
    /// Counts one more `touch`.
    pub fn count(&mut self, touch: Touch) {
        match touch {
            Touch::Tap => self.taps += 1,
            Touch::Key => self.keys += 1,
            Touch::Simulator => {}
        }
    }

    /// The touches made since `earlier`.
    pub fn since(self, earlier: Touches) -> Touches {
        Touches {
            taps: self.taps.saturating_sub(earlier.taps),
            keys: self.keys.saturating_sub(earlier.keys),
        }
    }
}

/// Cheap to clone: every callback keeps one.
#[derive(Clone)]
pub struct Dispatch(Rc<dyn Fn(Touch, Event<'_>)>);

impl Dispatch {
    pub fn new(apply: impl Fn(Touch, Event<'_>) + 'static) -> Dispatch {
        Dispatch(Rc::new(apply))
    }

    /// A tap: applies `event` to the controller (then the kiosk renders and runs its command).
    pub fn update(&self, event: impl FnOnce(&mut KioskController) -> Option<Command>) {
        (self.0)(Touch::Tap, Box::new(event))
    }

    /// A key of the on-screen keyboard, applied the same way.
    pub fn key(&self, event: impl FnOnce(&mut KioskController) -> Option<Command>) {
        (self.0)(Touch::Key, Box::new(event))
    }

    /// A simulator's control, applied the same way but not a touch of the screen.
    pub fn simulate(&self, event: impl FnOnce(&mut KioskController) -> Option<Command>) {
        (self.0)(Touch::Simulator, Box::new(event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn taps_and_keys_are_counted_apart_and_simulator_controls_not_at_all() {
        let counted = Rc::new(Cell::new(Touches::default()));
        let seen = counted.clone();
        let dispatch = Dispatch::new(move |touch, _event| {
            let mut t = seen.get();
            t.count(touch);
            seen.set(t);
        });
        let start = counted.get();
        dispatch.update(|_| None);
        dispatch.key(|_| None);
        dispatch.key(|_| None);
        dispatch.simulate(|_| None);
        dispatch.update(|_| None);
        assert_eq!(counted.get().since(start), Touches { taps: 2, keys: 2 });
        assert_eq!(
            start.since(counted.get()),
            Touches::default(),
            "never negative"
        );
    }
}
