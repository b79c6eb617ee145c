//! A call for a person (the cabinet's help button or "call a staff member" on screen): when it
//! was made, so that "help is on the way" shows for a few minutes and a second press within
//! them does not send another alert.

use chrono::{DateTime, TimeDelta, Utc};

/// How long "help is on the way" stays on screen, and a second call is not sent again.
const NOTICE: TimeDelta = TimeDelta::minutes(3);

#[derive(Debug, Default)]
pub struct HelpCall {
    called_at: Option<DateTime<Utc>>,
}

impl HelpCall {
    /// The cabinet's button was pressed (its alert was already stored by the cabinet).
    pub fn pressed(&mut self, now: DateTime<Utc>) {
        self.called_at = Some(now);
    }

    /// "Call a staff member" on screen: true when an alert must be sent (not while the last
    /// call is fresh).
    pub fn call(&mut self, now: DateTime<Utc>) -> bool {
        if self.notice(now) {
            return false;
        }
        self.called_at = Some(now);
        true
    }

    /// A person has been called and is on the way.
    pub fn notice(&self, now: DateTime<Utc>) -> bool {
        self.called_at.is_some_and(|at| now - at < NOTICE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_call_within_the_notice_sends_nothing_and_a_later_one_does() {
        let t0: DateTime<Utc> = "2026-11-24T02:00:00Z".parse().unwrap();
        let mut h = HelpCall::default();
        assert!(!h.notice(t0));
        assert!(h.call(t0));
        assert!(!h.call(t0 + TimeDelta::minutes(2)));
        assert!(h.notice(t0 + TimeDelta::minutes(2)));
        assert!(!h.notice(t0 + NOTICE));
        assert!(h.call(t0 + NOTICE));
    }

    #[test]
    fn the_cabinet_button_shows_the_notice_and_holds_back_the_screen_call() {
        let t0: DateTime<Utc> = "2026-11-24T02:00:00Z".parse().unwrap();
        let mut h = HelpCall::default();
        h.pressed(t0);
        assert!(h.notice(t0));
        assert!(!h.call(t0 + TimeDelta::seconds(10)));
    }
}
