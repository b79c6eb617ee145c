//! Time, as a device: wall-clock time for records and the kiosk's local date for validation,
//! plus monotonic time since start for timeouts. `SimClock` is set and advanced by tests and
//! the demo so that no test waits for real time.

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub trait Clock: Send + Sync {
    /// Wall-clock time, for timestamps on dossiers.
    fn now(&self) -> DateTime<Utc>;
    /// Time since the kiosk started; never goes backwards (for timeouts).
    fn since_start(&self) -> Duration;
    /// Today's date in Việt Nam (UTC+7, no daylight saving).
    fn today(&self) -> NaiveDate {
        crate::core::time::vietnam_date(self.now())
    }
}

pub struct SystemClock {
    started: Instant,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock {
            started: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn since_start(&self) -> Duration {
        self.started.elapsed()
    }
}

/// Wall-clock time that follows tokio's timer, so tests with paused tokio time see dossier
/// timestamps and retry sleeps move together.
pub struct TokioClock {
    wall_start: DateTime<Utc>,
    start: tokio::time::Instant,
}

impl TokioClock {
    pub fn new(wall_start: DateTime<Utc>) -> TokioClock {
        TokioClock {
            wall_start,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        self.wall_start + chrono::Duration::from_std(self.start.elapsed()).unwrap_or_default()
    }
    fn since_start(&self) -> Duration {
        self.start.elapsed()
    }
}

/// A clock that moves only when told to.
pub struct SimClock {
    state: Mutex<(DateTime<Utc>, Duration)>,
}

impl SimClock {
    pub fn new(start: DateTime<Utc>) -> SimClock {
        SimClock {
            state: Mutex::new((start, Duration::ZERO)),
        }
    }

    pub fn advance(&self, by: Duration) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 += chrono::Duration::from_std(by).unwrap_or_default();
        s.1 += by;
    }
}

impl Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0
    }
    fn since_start(&self) -> Duration {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sim_clock_moves_only_when_advanced_and_dates_are_vietnamese() {
        let start = DateTime::parse_from_rfc3339("2026-11-24T16:59:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = SimClock::new(start);
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
        );
        clock.advance(Duration::from_secs(60));
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            "midnight in Hà Nội is 17:00 UTC"
        );
        assert_eq!(clock.since_start(), Duration::from_secs(60));
    }
}
