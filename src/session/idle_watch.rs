//! How long nobody has touched the kiosk, and what that means: during a session, a warning
//! with a countdown and then the end of the session; on an idle home screen, sleep. Time comes
//! in as time since the kiosk started; the controller says whether a session is under way.

use crate::core::inactivity::{Activity, InactivityPolicy, InactivityTimer};
use std::time::Duration;

#[derive(Debug)]
pub struct IdleWatch {
    inactivity: InactivityTimer,
    /// The configured policy (the longer one doubles it).
    base_policy: InactivityPolicy,
    warning_seconds: Option<u64>,
    /// Idle time on the home screen before the screen sleeps; `None`: never.
    sleep_after: Option<Duration>,
    /// The screen is asleep (dark; the first touch only wakes it).
    asleep: bool,
    last_activity: Duration,
}

/// What a tick decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleTick {
    /// Nothing to do beyond what the watch shows (warning, sleep).
    Nothing,
    /// The warning ran out: clear the session now.
    Expired,
}

impl IdleWatch {
    pub fn new(policy: InactivityPolicy, now: Duration) -> IdleWatch {
        IdleWatch {
            inactivity: InactivityTimer::new(policy, now),
            base_policy: policy,
            warning_seconds: None,
            sleep_after: None,
            asleep: false,
            last_activity: now,
        }
    }

    /// Any touch: restarts the timer, hides the warning, wakes the screen.
    pub fn touch(&mut self, now: Duration) {
        self.inactivity.touch(now);
        self.last_activity = now;
        self.asleep = false;
        self.warning_seconds = None;
    }

    /// How long nobody has touched the kiosk.
    pub fn idle_for(&self, now: Duration) -> Duration {
        now.saturating_sub(self.last_activity)
    }

    /// Called every second. `in_session`: a resident is somewhere past the idle home screen.
    pub fn tick(&mut self, now: Duration, in_session: bool) -> IdleTick {
        if !in_session {
            self.warning_seconds = None;
            let idle = now.saturating_sub(self.last_activity);
            if self.sleep_after.is_some_and(|after| idle >= after) && !self.asleep {
                tracing::info!("screen asleep after {} s idle", idle.as_secs());
                self.asleep = true;
            }
            return IdleTick::Nothing;
        }
        match self.inactivity.status(now) {
            Activity::Active => self.warning_seconds = None,
            Activity::Warning { seconds_left } => self.warning_seconds = Some(seconds_left),
            Activity::Expired => {
                self.warning_seconds = None;
                return IdleTick::Expired;
            }
        }
        IdleTick::Nothing
    }

    /// Seconds left before the session is cleared, while the warning is up.
    pub fn warning_seconds(&self) -> Option<u64> {
        self.warning_seconds
    }

    /// The warning's grace period in whole seconds (what the spoken warning announces).
    pub fn grace_seconds(&self) -> u64 {
        self.inactivity.policy().grace.as_secs()
    }

    /// Twice the configured time (large-text mode), or the configured time.
    pub fn set_longer(&mut self, longer: bool) {
        let p = self.base_policy;
        self.inactivity.set_policy(if longer {
            InactivityPolicy {
                warn_after: p.warn_after * 2,
                grace: p.grace * 2,
            }
        } else {
            p
        });
    }

    /// Idle time at home before the screen sleeps (`None`: never).
    pub fn set_sleep_after(&mut self, after: Option<Duration>) {
        self.sleep_after = after;
    }

    pub fn asleep(&self) -> bool {
        self.asleep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn watch() -> IdleWatch {
        IdleWatch::new(
            InactivityPolicy {
                warn_after: secs(60),
                grace: secs(20),
            },
            Duration::ZERO,
        )
    }

    #[test]
    fn a_session_warns_then_expires_and_a_touch_starts_again() {
        let mut w = watch();
        assert_eq!(w.tick(secs(59), true), IdleTick::Nothing);
        assert_eq!(w.warning_seconds(), None);
        w.tick(secs(61), true);
        assert_eq!(w.warning_seconds(), Some(19));
        w.touch(secs(62));
        assert_eq!(w.warning_seconds(), None);
        assert_eq!(w.tick(secs(62 + 80), true), IdleTick::Expired);
        assert_eq!(w.warning_seconds(), None);
    }

    #[test]
    fn the_longer_policy_doubles_both_spells_and_can_be_undone() {
        let mut w = watch();
        w.set_longer(true);
        assert_eq!(w.grace_seconds(), 40);
        assert_eq!(w.tick(secs(119), true), IdleTick::Nothing);
        assert_eq!(w.warning_seconds(), None);
        w.set_longer(false);
        assert_eq!(w.grace_seconds(), 20);
    }

    #[test]
    fn only_an_idle_home_screen_sleeps_and_never_warns() {
        let mut w = watch();
        assert_eq!(w.tick(secs(3600), false), IdleTick::Nothing);
        assert!(!w.asleep(), "no sleep unless configured");
        assert_eq!(w.warning_seconds(), None);
        w.set_sleep_after(Some(secs(300)));
        w.touch(secs(3600));
        w.tick(secs(3899), false);
        assert!(!w.asleep());
        w.tick(secs(3900), false);
        assert!(w.asleep());
        w.touch(secs(3901));
        assert!(!w.asleep());
        w.tick(secs(9000), true);
        assert!(!w.asleep(), "never in the middle of a session");
    }
}
