//! Watches the cabinet's inputs on the tokio runtime and turns them into debounced events:
//! sleeps until a pin says one changed (edge events), samples only then and while a change
//! settles, and falls back to sampling every few milliseconds on a backend that cannot tell
//! (rppal) or when waiting or reading fails. The one loop both the kiosk's cabinet and the
//! technician's `xakiosk gpio watch` run; what an event means to the kiosk is not decided here.

use crate::devices::gpio::edge_wait::EdgeWait;
use crate::devices::gpio::events::{CabinetEvent, Debouncer};
use crate::devices::gpio::{Gpio, lock};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// How long a new level must hold before it counts (a bouncing contact, a passer-by's
/// shadow on the presence sensor).
pub const DEBOUNCE: Duration = Duration::from_millis(60);
/// How often pins are sampled when they must be (no edge events, a change settling).
pub const POLL_EVERY: Duration = Duration::from_millis(20);

/// What one look at the pins found.
#[derive(Debug, Default)]
pub struct Sampled {
    /// Inputs whose new level has now held for the debounce time.
    pub events: Vec<CabinetEvent>,
    /// The pins just started failing (reading them, or waiting for their edges): said once
    /// per streak (logged here), for the caller to count.
    pub newly_failing: bool,
}

pub struct InputWatch {
    gpio: Arc<Mutex<dyn Gpio>>,
    edges: Option<EdgeWait>,
    debouncer: Debouncer,
    tick: Interval,
    start: Instant,
    failing: bool,
}

impl InputWatch {
    /// Watches `gpio`'s inputs: a level counts once it has held for `debounce`; pins without
    /// edge events are sampled every `poll_every`. Must be called on a tokio runtime.
    pub fn new(gpio: Arc<Mutex<dyn Gpio>>, debounce: Duration, poll_every: Duration) -> Self {
        let edges = match lock(&gpio).edge_signals() {
            Ok(fds) => EdgeWait::new(fds).unwrap_or_else(|e| {
                tracing::warn!("cannot watch the cabinet inputs ({e}); sampling them instead");
                None
            }),
            Err(e) => {
                tracing::warn!("cabinet inputs without edge events ({e}); sampling them instead");
                None
            }
        };
        let mut tick = tokio::time::interval(poll_every);
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        InputWatch {
            gpio,
            edges,
            debouncer: Debouncer::new(debounce),
            tick,
            start: Instant::now(),
            failing: false,
        }
    }

    /// Whether changes are told by the pins (otherwise they are sampled all the time).
    pub fn uses_edges(&self) -> bool {
        self.edges.is_some()
    }

    /// Reads every input once; the events whose level has now held.
    pub fn sample(&mut self) -> Sampled {
        let now = self.start.elapsed();
        let mut sampled = Sampled::default();
        let mut failed = None;
        {
            let mut gpio = lock(&self.gpio);
            for input in crate::devices::gpio::Input::ALL {
                match gpio.read(input) {
                    Ok(active) => sampled
                        .events
                        .extend(self.debouncer.sample(input, active, now)),
                    Err(e) => failed = Some(e),
                }
            }
        }
        match failed {
            Some(e) if !self.failing => {
                tracing::error!("cannot read the cabinet inputs: {e}");
                sampled.newly_failing = true;
                self.failing = true;
            }
            Some(_) => {}
            None => self.failing = false,
        }
        sampled
    }

    /// Waits for the next reason to look at the pins — an edge; the poll tick while a change
    /// settles, while reading fails, or on a backend without edges — and samples them.
    /// Cancel-safe: dropped while waiting, nothing is lost (an edge keeps its descriptor
    /// readable until the next call takes it).
    pub async fn next(&mut self) -> Sampled {
        let polling = self.edges.is_none() || self.debouncer.settling() || self.failing;
        let (edges, tick) = (&self.edges, &mut self.tick);
        let waited = tokio::select! {
            changed = async { edges.as_ref()?.changed().await.ok() }, if edges.is_some() => {
                Some(changed.is_some())
            }
            _ = tick.tick(), if polling => None,
        };
        let mut lost_edges = false;
        match waited {
            Some(true) => {
                if let Err(e) = lock(&self.gpio).clear_edges() {
                    tracing::warn!("cannot take the cabinet's edge events: {e}");
                }
            }
            Some(false) => {
                tracing::error!("cannot wait for the cabinet inputs; sampling them instead");
                self.edges = None;
                lost_edges = true;
            }
            None => {}
        }
        let mut sampled = self.sample();
        sampled.newly_failing |= lost_edges;
        sampled
    }
}
