//! When to call the portal again: for a failed dossier, exponential backoff with full jitter
//! (a random delay between zero and `base · 2^attempt`, capped), never earlier than the
//! portal's Retry-After; when nothing is due, an idle poll spread ±50 %; after a start, a
//! random part of the idle poll, and the first housekeeping at a random point of its period —
//! so thousands of kiosks that lost the network or the power together do not call the portal
//! in the same second. Pure: random numbers are passed in.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(15 * 60),
        }
    }
}

impl Backoff {
    /// The delay before attempt number `attempt + 1`; `unit` is uniform in [0, 1).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, unit: f64) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX))
            .min(self.cap);
        let jittered = ceiling.mul_f64(unit.clamp(0.0, 1.0));
        match retry_after {
            Some(after) => jittered.max(after.min(self.cap * 4)),
            None => jittered,
        }
    }
}

/// How long to sleep when nothing is due sooner; `unit` is uniform in [0, 1).
pub fn idle_wait(idle_poll: Duration, unit: f64) -> Duration {
    idle_poll.mul_f64(0.5 + unit.clamp(0.0, 1.0))
}

/// How long to wait after a start before the first pass (a new submission cuts it short).
pub fn start_delay(idle_poll: Duration, unit: f64) -> Duration {
    idle_poll.mul_f64(unit.clamp(0.0, 1.0))
}

/// How long after a start the first housekeeping (catalogue, update offer, heartbeat) is
/// due: a random part of its period, so kiosks that start together keep these calls as spread
/// as in normal running instead of all making them on their first pass.
pub fn housekeeping_phase(every: Duration, unit: f64) -> Duration {
    every.mul_f64(unit.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_housekeeping_comes_anywhere_in_its_period() {
        let every = Duration::from_secs(300);
        assert_eq!(housekeeping_phase(every, 0.0), Duration::ZERO);
        assert_eq!(housekeeping_phase(every, 0.5), Duration::from_secs(150));
        assert!(housekeeping_phase(every, 0.999_999) < every);
        assert_eq!(
            housekeeping_phase(every, 7.0),
            every,
            "out-of-range units are clamped"
        );
    }

    #[test]
    fn delays_grow_exponentially_within_the_cap() {
        let b = Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
        };
        assert_eq!(b.delay(0, None, 0.999_999).as_secs(), 0);
        assert_eq!(b.delay(3, None, 0.5), Duration::from_secs(4));
        assert_eq!(
            b.delay(20, None, 0.5),
            Duration::from_secs(30),
            "capped at 60 s before jitter"
        );
        assert_eq!(b.delay(200, None, 1.0), Duration::from_secs(60));
        assert_eq!(
            b.delay(5, None, 0.0),
            Duration::ZERO,
            "full jitter reaches zero"
        );
    }

    #[test]
    fn retry_after_is_a_floor() {
        let b = Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
        };
        assert_eq!(
            b.delay(0, Some(Duration::from_secs(30)), 0.1),
            Duration::from_secs(30)
        );
        assert_eq!(
            b.delay(10, Some(Duration::from_secs(1)), 0.5),
            Duration::from_secs(30)
        );
    }
}
