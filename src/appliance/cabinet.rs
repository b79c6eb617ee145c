//! Runs the kiosk cabinet on the tokio runtime: hears the debounced GPIO input events
//! (`gpio::input_watch`: edge events, polled only where the pins cannot tell), stores help
//! requests and door events as alerts for the portal (durable, so one raised offline is
//! reported later), keeps the health facts and the status light in step, and powers the
//! printer. The UI hears of events through a callback; this must not decide what the screen
//! shows, and it never blocks the UI thread.

use crate::appliance::health::Health;
use crate::devices::DeviceError;
use crate::devices::clock::Clock;
use crate::devices::gpio::events::CabinetEvent;
use crate::devices::gpio::input_watch::{InputWatch, Sampled};
use crate::devices::gpio::{Gpio, Output, lock};
use crate::store::{AlertKind, StoreHandle};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

pub struct Cabinet {
    gpio: Arc<Mutex<dyn Gpio>>,
    health: Health,
    store: StoreHandle,
    clock: Arc<dyn Clock>,
    sync_waker: Option<Arc<Notify>>,
    poll_every: Duration,
    debounce: Duration,
    /// The status light could not be set last time (said once per streak, not per change).
    light_failing: std::sync::atomic::AtomicBool,
}

/// Sets the status light from the health facts.
pub fn show_light(gpio: &Mutex<dyn Gpio>, health: &Health) -> Result<(), DeviceError> {
    let (green, red) = health.snapshot().light().levels();
    let mut g = lock(gpio);
    g.write(Output::LightGreen, green)
        .and_then(|()| g.write(Output::LightRed, red))
}

/// Switches the printer off for `off_for`, then on again (a printer that stopped answering).
pub async fn power_cycle_printer(
    gpio: &Mutex<dyn Gpio>,
    off_for: Duration,
) -> Result<(), DeviceError> {
    lock(gpio).write(Output::PrinterPower, false)?;
    tokio::time::sleep(off_for).await;
    lock(gpio).write(Output::PrinterPower, true)
}

impl Cabinet {
    pub fn new(
        gpio: Arc<Mutex<dyn Gpio>>,
        health: Health,
        store: StoreHandle,
        clock: Arc<dyn Clock>,
    ) -> Cabinet {
        Cabinet {
            gpio,
            health,
            store,
            clock,
            sync_waker: None,
            poll_every: crate::devices::gpio::input_watch::POLL_EVERY,
            debounce: crate::devices::gpio::input_watch::DEBOUNCE,
            light_failing: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Wakes the sync engine when an alert is stored, so help is asked for at once.
    pub fn with_sync_waker(mut self, waker: Arc<Notify>) -> Cabinet {
        self.sync_waker = Some(waker);
        self
    }

    /// Samples the inputs until `shutdown`; `on_event` hears every debounced change after it
    /// was recorded.
    pub async fn run(
        self,
        on_event: impl Fn(CabinetEvent) + Send + 'static,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        if let Err(e) = lock(&self.gpio).write(Output::PrinterPower, true) {
            tracing::error!("cannot switch the printer's power on: {e}");
            self.health.count_error("gpio");
        }
        self.refresh_light();
        let mut watch = InputWatch::new(self.gpio.clone(), self.debounce, self.poll_every);
        tokio::pin!(shutdown);
        // The levels at start (a door already open is reported once it has held).
        let mut sampled = watch.sample();
        loop {
            if sampled.newly_failing {
                self.health.count_error("gpio");
            }
            for event in sampled.events.drain(..) {
                self.record(event).await;
                on_event(event);
            }
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.health.changed() => {
                    self.refresh_light();
                    sampled = Sampled::default();
                }
                next = watch.next() => sampled = next,
            }
        }
    }

    fn refresh_light(&self) {
        use std::sync::atomic::Ordering;
        match show_light(&self.gpio, &self.health) {
            Ok(()) => self.light_failing.store(false, Ordering::Relaxed),
            Err(e) => {
                if !self.light_failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!("cannot set the status light: {e}");
                }
            }
        }
    }

    async fn record(&self, event: CabinetEvent) {
        let alert = match event {
            CabinetEvent::HelpPressed => {
                tracing::info!("help button pressed");
                Some(AlertKind::Assistance)
            }
            CabinetEvent::DoorOpened => {
                tracing::warn!("cabinet door opened");
                self.health.update(|s| s.door_open = true);
                Some(AlertKind::DoorOpened)
            }
            CabinetEvent::DoorClosed => {
                tracing::info!("cabinet door closed");
                self.health.update(|s| s.door_open = false);
                Some(AlertKind::DoorClosed)
            }
            CabinetEvent::PersonArrived | CabinetEvent::PersonLeft => None,
        };
        if let Some(kind) = alert {
            raise_alert(
                &self.store,
                &self.health,
                self.sync_waker.as_deref(),
                kind,
                &*self.clock,
            )
            .await;
        }
    }
}

/// Stores an alert for the portal and wakes the sync engine (the help button on the cabinet
/// and the one on screen both come here, and are counted here).
pub async fn raise_alert(
    store: &StoreHandle,
    health: &Health,
    sync_waker: Option<&Notify>,
    kind: AlertKind,
    clock: &dyn Clock,
) {
    if kind == AlertKind::Assistance {
        health.update(|s| s.help_requests += 1);
    }
    let at = clock.now();
    match store.call(move |s| s.raise_alert(kind, at)).await {
        Ok(_) => {
            if let Some(w) = sync_waker {
                w.notify_one();
            }
        }
        Err(e) => {
            tracing::error!("cannot store the {} alert: {e}", kind.as_str());
            health.count_error("store");
        }
    }
}
