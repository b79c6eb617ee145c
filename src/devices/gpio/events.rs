//! Turns sampled cabinet inputs into events: a level must hold for the debounce time before it
//! counts, and only changes are reported (a held help button is one press). Pure: the caller
//! samples the pins and passes the time.

use crate::devices::gpio::Input;
use std::collections::HashMap;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CabinetEvent {
    PersonArrived,
    PersonLeft,
    HelpPressed,
    DoorOpened,
    DoorClosed,
}

impl CabinetEvent {
    /// The event's name in technicians' output (`xakiosk gpio watch`).
    pub fn name(self) -> &'static str {
        match self {
            CabinetEvent::PersonArrived => "person_arrived",
            CabinetEvent::PersonLeft => "person_left",
            CabinetEvent::HelpPressed => "help_pressed",
            CabinetEvent::DoorOpened => "door_opened",
            CabinetEvent::DoorClosed => "door_closed",
        }
    }

    fn of(input: Input, active: bool) -> Option<CabinetEvent> {
        match (input, active) {
            (Input::Presence, true) => Some(CabinetEvent::PersonArrived),
            (Input::Presence, false) => Some(CabinetEvent::PersonLeft),
            (Input::HelpButton, true) => Some(CabinetEvent::HelpPressed),
            (Input::HelpButton, false) => None,
            (Input::Tamper, true) => Some(CabinetEvent::DoorOpened),
            (Input::Tamper, false) => Some(CabinetEvent::DoorClosed),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Track {
    stable: bool,
    candidate: bool,
    since: Duration,
}

/// Debounces every input; inputs start at rest (inactive), so a door already open at start is
/// reported once its level has held.
#[derive(Debug, Clone)]
pub struct Debouncer {
    hold: Duration,
    tracks: HashMap<Input, Track>,
}

impl Debouncer {
    pub fn new(hold: Duration) -> Debouncer {
        Debouncer {
            hold,
            tracks: HashMap::new(),
        }
    }

    /// One sample of `input` at `now` (any monotonic time); the event when its debounced level
    /// changed.
    pub fn sample(&mut self, input: Input, active: bool, now: Duration) -> Option<CabinetEvent> {
        let track = self.tracks.entry(input).or_insert(Track {
            stable: false,
            candidate: false,
            since: now,
        });
        if active != track.candidate {
            track.candidate = active;
            track.since = now;
        }
        if track.candidate != track.stable && now.saturating_sub(track.since) >= self.hold {
            track.stable = track.candidate;
            return CabinetEvent::of(input, track.stable);
        }
        None
    }

    /// Whether some input's level changed and has not held long enough yet (it must be sampled
    /// again to be decided).
    pub fn settling(&self) -> bool {
        self.tracks.values().any(|t| t.candidate != t.stable)
    }

    /// The debounced level of `input`.
    pub fn is_active(&self, input: Input) -> bool {
        self.tracks.get(&input).is_some_and(|t| t.stable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn contact_bounce_is_one_press_and_holding_is_not_repeated() {
        let mut d = Debouncer::new(MS(40));
        let mut events = Vec::new();
        // Bouncing for 15 ms, then held for half a second, then released.
        let samples = [
            (0, true),
            (5, false),
            (10, true),
            (15, false),
            (20, true),
            (40, true),
            (60, true),
            (80, true),
            (500, true),
            (520, false),
            (600, false),
        ];
        for (t, level) in samples {
            events.extend(d.sample(Input::HelpButton, level, MS(t)));
        }
        assert_eq!(events, vec![CabinetEvent::HelpPressed]);
        assert!(!d.is_active(Input::HelpButton));
        assert!(!d.settling(), "released and held: decided");
        d.sample(Input::HelpButton, true, MS(700));
        assert!(d.settling(), "pressed again, not held yet");
    }

    #[test]
    fn a_glitch_shorter_than_the_hold_is_ignored() {
        let mut d = Debouncer::new(MS(40));
        assert_eq!(d.sample(Input::Tamper, true, MS(0)), None);
        assert_eq!(d.sample(Input::Tamper, false, MS(20)), None);
        assert_eq!(d.sample(Input::Tamper, false, MS(100)), None);
        assert!(!d.is_active(Input::Tamper));
    }

    #[test]
    fn presence_and_the_door_report_both_edges() {
        let mut d = Debouncer::new(MS(40));
        let mut events = Vec::new();
        for (t, level) in [(0, true), (50, true), (100, false), (150, false)] {
            events.extend(d.sample(Input::Presence, level, MS(t)));
            events.extend(d.sample(Input::Tamper, level, MS(t)));
        }
        assert_eq!(
            events,
            vec![
                CabinetEvent::PersonArrived,
                CabinetEvent::DoorOpened,
                CabinetEvent::PersonLeft,
                CabinetEvent::DoorClosed
            ]
        );
    }
}
