//! Runs the kiosk cabinet on the tokio runtime: samples the GPIO inputs when the pins say one
//! changed (edge events; polled only while a change settles, or always on a backend that
//! cannot tell), debounces them into events, stores help requests and door events as alerts
//! for the portal (durable, so one raised offline is reported later), keeps the health facts and the status light in step, and powers
//! the printer. The UI hears of events through a callback; this must not decide what the screen
//! shows, and it never blocks the UI thread.

use crate::appliance::health::Health;
use crate::devices::DeviceError;
use crate::devices::clock::Clock;
use crate::devices::gpio::edge_wait::EdgeWait;
use crate::devices::gpio::events::{CabinetEvent, Debouncer};
use crate::devices::gpio::{Gpio, Input, Output};
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

fn lock(gpio: &Mutex<dyn Gpio>) -> std::sync::MutexGuard<'_, dyn Gpio + 'static> {
    gpio.lock().unwrap_or_else(|e| e.into_inner())
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
            poll_every: Duration::from_millis(20),
            debounce: Duration::from_millis(60),
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
        let mut edges = self.edge_wait();
        let start = tokio::time::Instant::now();
        let mut sampler = Sampler {
            debouncer: Debouncer::new(self.debounce),
            failing: false,
        };
        let mut tick = tokio::time::interval(self.poll_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        tokio::pin!(shutdown);
        // The levels at start (a door already open is reported once it has held).
        let mut events = self.sample(&mut sampler, start.elapsed());
        loop {
            for event in events.drain(..) {
                self.record(event).await;
                on_event(event);
            }
            let polling = edges.is_none() || sampler.debouncer.settling() || sampler.failing;
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.health.changed() => self.refresh_light(),
                changed = async { edges.as_ref()?.changed().await.ok() }, if edges.is_some() => {
                    if changed.is_none() {
                        tracing::error!("cannot wait for the cabinet inputs; sampling them instead");
                        self.health.count_error("gpio");
                        edges = None;
                        continue;
                    }
                    if let Err(e) = lock(&self.gpio).clear_edges() {
                        tracing::warn!("cannot take the cabinet's edge events: {e}");
                    }
                    events = self.sample(&mut sampler, start.elapsed());
                }
                _ = tick.tick(), if polling => events = self.sample(&mut sampler, start.elapsed()),
            }
        }
    }

    /// The pins' change notices, registered with the runtime; `None`: poll (a backend without
    /// edge events, such as rppal, or one whose notices cannot be watched).
    fn edge_wait(&self) -> Option<EdgeWait> {
        let fds = match lock(&self.gpio).edge_signals() {
            Ok(fds) => fds,
            Err(e) => {
                tracing::warn!("cabinet inputs without edge events ({e}); sampling them instead");
                return None;
            }
        };
        EdgeWait::new(fds).unwrap_or_else(|e| {
            tracing::warn!("cannot watch the cabinet inputs ({e}); sampling them instead");
            None
        })
    }

    /// Reads every input once; the events whose level has now held.
    fn sample(&self, sampler: &mut Sampler, now: Duration) -> Vec<CabinetEvent> {
        let mut events = Vec::new();
        let mut failed = None;
        {
            let mut gpio = lock(&self.gpio);
            for input in Input::ALL {
                match gpio.read(input) {
                    Ok(active) => events.extend(sampler.debouncer.sample(input, active, now)),
                    Err(e) => failed = Some(e),
                }
            }
        }
        match failed {
            Some(e) if !sampler.failing => {
                tracing::error!("cannot read the cabinet inputs: {e}");
                self.health.count_error("gpio");
                sampler.failing = true;
            }
            Some(_) => {}
            None => sampler.failing = false,
        }
        events
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

/// The debounced inputs and whether reading them failed last time (said once per streak).
struct Sampler {
    debouncer: Debouncer,
    failing: bool,
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
