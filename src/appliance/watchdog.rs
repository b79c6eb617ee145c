//! Tells systemd the kiosk is ready (`Type=notify`) and feeds its watchdog (`WatchdogSec=`)
//! from the Slint event loop, so a frozen screen gets the service restarted. Does nothing when
//! the kiosk was not started by systemd. It must not feed from a background thread: that
//! would keep a hung UI alive.

use std::time::Duration;

/// systemd's notification socket, as the environment gives it.
pub struct Watchdog {
    /// How often to feed; `None` when the unit has no watchdog (only "ready" is sent).
    feed_every: Option<Duration>,
}

/// Feeding at half the watchdog period leaves a whole half-period for a late frame.
pub fn feed_interval(watchdog: Duration) -> Duration {
    (watchdog / 2).max(Duration::from_millis(100))
}

impl Watchdog {
    /// The notification socket and watchdog period from the environment (`NOTIFY_SOCKET`,
    /// `WATCHDOG_USEC`); `None` outside systemd.
    pub fn from_env() -> Option<Watchdog> {
        std::env::var_os("NOTIFY_SOCKET")?;
        let mut usec = 0;
        let feed_every = sd_notify::watchdog_enabled(false, &mut usec)
            .then(|| feed_interval(Duration::from_micros(usec)));
        Some(Watchdog { feed_every })
    }

    pub fn feed_every(&self) -> Option<Duration> {
        self.feed_every
    }

    /// "READY=1" with a status line for `systemctl status`.
    pub fn ready(&self) {
        if let Err(e) = sd_notify::notify(
            false,
            &[
                sd_notify::NotifyState::Ready,
                sd_notify::NotifyState::Status("serving residents"),
            ],
        ) {
            tracing::warn!("cannot tell systemd the kiosk is ready: {e}");
        }
    }

    /// "WATCHDOG=1".
    pub fn feed(&self) {
        if let Err(e) = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]) {
            tracing::warn!("cannot feed the systemd watchdog: {e}");
        }
    }

    /// Sends "ready" from the event loop's first turn, then feeds the watchdog from a Slint
    /// timer on the UI thread. Keep the timer alive as long as the window runs.
    pub fn feed_from_event_loop(self) -> slint::Timer {
        let timer = slint::Timer::default();
        let this = std::rc::Rc::new(self);
        let first = this.clone();
        slint::Timer::single_shot(Duration::ZERO, move || {
            first.ready();
            first.feed();
        });
        if let Some(every) = this.feed_every {
            timer.start(slint::TimerMode::Repeated, every, move || this.feed());
        }
        timer
    }
}

/// The watchdog of this process, when run by systemd.
pub fn start() -> Option<Watchdog> {
    let w = Watchdog::from_env()?;
    tracing::info!(
        feed_every_ms = w.feed_every.map(|d| d.as_millis() as u64),
        "run by systemd: will report ready and feed the watchdog"
    );
    Some(w)
}
