//! How an adapter hands an event to the session: a callback turns it into a change of the
//! controller, and the kiosk that owns the controller (`app::kiosk`) applies it, renders and
//! runs the command it returns. The adapters know no more of the kiosk than this.

use crate::session::command::Command;
use crate::session::controller::KioskController;
use std::rc::Rc;

/// One change of the session, as an adapter's callback asks for it.
pub type Event<'a> = Box<dyn FnOnce(&mut KioskController) -> Option<Command> + 'a>;

/// Cheap to clone: every callback keeps one.
#[derive(Clone)]
pub struct Dispatch(Rc<dyn Fn(Event<'_>)>);

impl Dispatch {
    pub fn new(apply: impl Fn(Event<'_>) + 'static) -> Dispatch {
        Dispatch(Rc::new(apply))
    }

    /// Applies `event` to the controller (then the kiosk renders and runs its command).
    pub fn update(&self, event: impl FnOnce(&mut KioskController) -> Option<Command>) {
        (self.0)(Box::new(event))
    }
}
