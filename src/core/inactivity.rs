//! The inactivity rule of a public kiosk: after a quiet spell a visible warning with a
//! countdown, then the session is cleared. Pure: the caller passes the current time (as time
//! since the kiosk started), so tests drive it with any clock.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InactivityPolicy {
    /// Quiet time before the warning appears.
    pub warn_after: Duration,
    /// Further time the warning stays before everything is cleared.
    pub grace: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Active,
    /// Show the warning with this many whole seconds left.
    Warning {
        seconds_left: u64,
    },
    /// Clear the session now.
    Expired,
}

/// Tracks the last touch and answers what the screen should do now.
#[derive(Debug, Clone, Copy)]
pub struct InactivityTimer {
    policy: InactivityPolicy,
    last_activity: Duration,
}

impl InactivityTimer {
    pub fn new(policy: InactivityPolicy, now: Duration) -> Self {
        InactivityTimer {
            policy,
            last_activity: now,
        }
    }

    /// Any touch or key press.
    pub fn touch(&mut self, now: Duration) {
        self.last_activity = now;
    }

    pub fn policy(&self) -> InactivityPolicy {
        self.policy
    }

    pub fn set_policy(&mut self, policy: InactivityPolicy) {
        self.policy = policy;
    }

    pub fn status(&self, now: Duration) -> Activity {
        let quiet = now.saturating_sub(self.last_activity);
        let limit = self.policy.warn_after + self.policy.grace;
        if quiet >= limit {
            Activity::Expired
        } else if quiet >= self.policy.warn_after {
            Activity::Warning {
                seconds_left: (limit - quiet).as_secs_f64().ceil() as u64,
            }
        } else {
            Activity::Active
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn warns_then_expires_and_a_touch_resets() {
        let policy = InactivityPolicy {
            warn_after: secs(90),
            grace: secs(30),
        };
        let mut t = InactivityTimer::new(policy, secs(0));
        assert_eq!(t.status(secs(89)), Activity::Active);
        assert_eq!(t.status(secs(90)), Activity::Warning { seconds_left: 30 });
        assert_eq!(t.status(secs(119)), Activity::Warning { seconds_left: 1 });
        assert_eq!(t.status(secs(120)), Activity::Expired);
        t.touch(secs(100));
        assert_eq!(t.status(secs(120)), Activity::Active);
        assert_eq!(t.status(secs(190)), Activity::Warning { seconds_left: 30 });
    }
}
