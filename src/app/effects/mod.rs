//! Runs the session's commands away from the UI thread — storing a dossier on the store's
//! writer thread, taking a photo on a blocking worker — and sends each outcome on a channel
//! the kiosk owns (`take_outcomes`). The work of each device is beside it (`camera.rs`,
//! `card.rs`, `receipt_printing.rs`); this file routes a command to it. `Effects::inline` runs them on the spot instead and
//! returns the outcomes, for tests that drive a window without an event loop.

mod camera;
mod card;
mod receipt_printing;

pub use camera::capture_photo;
pub use card::{COPIED_CARD, IdentityDevices};
pub use receipt_printing::PrintDevices;

use crate::core::text::Text;
use crate::devices::camera::Camera;
use crate::devices::clock::Clock;
use crate::identity::card_side::emrtd_chip::EmrtdChip;
use crate::session::command::Command;
use crate::session::identity_step::CardOutcome;
use crate::session::lookup_step::LookupFound;
use crate::session::outcome::Outcome;
use crate::store::StoreHandle;
use camera::{camera_failed, scan_receipt_qr};
use card::{read_card, scan_card_qr};
use std::sync::{Arc, Mutex};

/// Where the kiosk receives the outcomes of work done in the background.
pub type Outcomes = tokio::sync::mpsc::UnboundedReceiver<Outcome>;

/// Where finished work goes: to the kiosk's channel (background), or into a list the kiosk
/// delivers right after the command (inline).
#[derive(Clone)]
enum Report {
    Channel(tokio::sync::mpsc::UnboundedSender<Outcome>),
    Inline(Arc<Mutex<Vec<Outcome>>>),
}

impl Report {
    fn send(&self, outcome: Outcome) {
        match self {
            Report::Channel(sender) => {
                // Closed only when the kiosk is gone: nobody is left to show it.
                let _ = sender.send(outcome);
            }
            Report::Inline(done) => done.lock().unwrap_or_else(|e| e.into_inner()).push(outcome),
        }
    }
}

#[derive(Clone)]
pub struct Effects {
    report: Report,
    /// The receiving end of the channel, until the kiosk takes it.
    outcomes: Arc<Mutex<Option<Outcomes>>>,
    store: StoreHandle,
    camera: Arc<Mutex<dyn Camera>>,
    identity: Option<Arc<IdentityDevices>>,
    printing: Option<Arc<PrintDevices>>,
    /// Where background work runs; `None` runs it inline.
    runtime: Option<tokio::runtime::Handle>,
    /// Wakes the sync engine after a dossier is stored, so it is sent at once when online.
    sync_waker: Option<Arc<tokio::sync::Notify>>,
    /// Device states learnt while serving residents.
    health: crate::appliance::health::Health,
    admin: Option<Arc<crate::app::admin_actions::AdminDevices>>,
    backlight: Option<Arc<Mutex<dyn crate::devices::backlight::Backlight>>>,
}

impl Effects {
    pub fn background(
        store: StoreHandle,
        camera: Arc<Mutex<dyn Camera>>,
        runtime: tokio::runtime::Handle,
    ) -> Effects {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        Effects {
            report: Report::Channel(sender),
            outcomes: Arc::new(Mutex::new(Some(receiver))),
            store,
            camera,
            identity: None,
            printing: None,
            runtime: Some(runtime),
            sync_waker: None,
            health: crate::appliance::health::Health::new(),
            admin: None,
            backlight: None,
        }
    }

    pub fn with_backlight(
        mut self,
        backlight: Arc<Mutex<dyn crate::devices::backlight::Backlight>>,
    ) -> Effects {
        self.backlight = Some(backlight);
        self
    }

    /// Switches the backlight (off the UI thread: a sysfs write can be slow).
    pub fn set_backlight(&self, on: bool) {
        let Some(backlight) = self.backlight.clone() else {
            return;
        };
        let switch = move || {
            let mut b = backlight.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = b.set_on(on) {
                tracing::warn!("cannot switch the backlight: {e}");
            }
        };
        match &self.runtime {
            Some(rt) => {
                rt.spawn_blocking(switch);
            }
            None => switch(),
        }
    }

    pub fn with_admin(mut self, devices: crate::app::admin_actions::AdminDevices) -> Effects {
        self.admin = Some(Arc::new(devices));
        self
    }

    pub fn with_health(mut self, health: crate::appliance::health::Health) -> Effects {
        self.health = health;
        self
    }

    pub fn with_printing(mut self, devices: PrintDevices) -> Effects {
        self.printing = Some(Arc::new(devices));
        self
    }

    pub fn with_identity(mut self, devices: IdentityDevices) -> Effects {
        self.identity = Some(Arc::new(devices));
        self
    }

    /// Hands a result to the kiosk: on its channel, or (inline) to the list `run` returns.
    fn report(&self, outcome: Outcome) {
        self.report.send(outcome)
    }

    /// The receiving end of the outcomes of background work, once (`None` when inline, or
    /// when already taken).
    pub fn take_outcomes(&self) -> Option<Outcomes> {
        self.outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Sends other results of the world (cabinet events, sync status, a new catalogue) the
    /// same way as the effects' own, from any thread.
    pub fn outcome_sender(&self) -> impl Fn(Outcome) + Send + Sync + Clone + 'static {
        let report = self.report.clone();
        move |outcome| report.send(outcome)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        match &self.runtime {
            Some(_) => tokio::task::spawn_blocking(work).await.ok(),
            None => Some(work()),
        }
    }

    pub fn with_sync_waker(mut self, waker: Arc<tokio::sync::Notify>) -> Effects {
        self.sync_waker = Some(waker);
        self
    }

    pub fn inline(store: StoreHandle, camera: Arc<Mutex<dyn Camera>>) -> Effects {
        Effects {
            report: Report::Inline(Arc::default()),
            outcomes: Arc::default(),
            store,
            camera,
            identity: None,
            printing: None,
            runtime: None,
            sync_waker: None,
            health: crate::appliance::health::Health::new(),
            admin: None,
            backlight: None,
        }
    }

    /// Runs `command`: in the background, its outcome arrives later on the kiosk's channel and
    /// nothing is returned; inline, its outcomes (progress first) are returned.
    pub fn run(&self, command: Command, clock: Arc<dyn Clock>) -> Vec<Outcome> {
        self.start(command, clock);
        match &self.report {
            Report::Channel(_) => Vec::new(),
            Report::Inline(done) => {
                std::mem::take(&mut *done.lock().unwrap_or_else(|e| e.into_inner()))
            }
        }
    }

    fn start(&self, command: Command, clock: Arc<dyn Clock>) {
        if let Command::Batch(commands) = command {
            for command in commands {
                self.start(command, clock.clone());
            }
            return;
        }
        match &self.runtime {
            Some(rt) => {
                let this = self.clone();
                rt.spawn(async move {
                    let outcome = this.execute(command, clock).await;
                    this.report(outcome);
                });
            }
            None => self.report(block_on_here(self.execute(command, clock))),
        }
    }

    async fn execute(&self, command: Command, clock: Arc<dyn Clock>) -> Outcome {
        match command {
            Command::Submit { draft, attachments } => {
                let code = draft.code.display();
                let now = clock.now();
                let result = self
                    .store
                    .call(move |s| s.submit(&draft, &attachments, now))
                    .await;
                if let (Ok(_), Some(waker)) = (&result, &self.sync_waker) {
                    waker.notify_one();
                }
                // Seals for the next resident, after this one has the answer.
                self.store.send(|s| {
                    s.prepare_seals();
                });
                Outcome::Submitted(result.map_err(|e| {
                    tracing::error!(code = %code, error = %e, "dossier not stored");
                    e.message()
                }))
            }
            Command::CapturePhoto => {
                let camera = self.camera.clone();
                let result = self
                    .blocking(move || capture_photo(&camera))
                    .await
                    .unwrap_or_else(|| Err(camera_failed()));
                Outcome::PhotoTaken(result)
            }
            Command::ScanQr => {
                let camera = self.camera.clone();
                let result = self
                    .blocking(move || scan_card_qr(&camera))
                    .await
                    .unwrap_or_else(|| Err(camera_failed()));
                Outcome::QrScanned(result)
            }
            Command::ReadCard(keys) => {
                let Some(devices) = self.identity.clone() else {
                    return Outcome::CardRead(CardOutcome::NoReader(
                        "no card reader configured".into(),
                    ));
                };
                let this = self.clone();
                let wait = self.runtime.is_some();
                let outcome = self
                    .blocking(move || {
                        read_card(&devices, &keys, wait, &mut |step| {
                            this.report(Outcome::CardProgress(step))
                        })
                    })
                    .await
                    .unwrap_or_else(|| CardOutcome::NoReader("the reading task stopped".into()));
                let reader = match &outcome {
                    CardOutcome::NoReader(_) => {
                        crate::core::health::DeviceState::Fault("no_reader".into())
                    }
                    _ => crate::core::health::DeviceState::Ready,
                };
                self.health.update(|s| s.reader = reader);
                Outcome::CardRead(outcome)
            }
            Command::PlaceTestCard(n) => {
                if let Some(devices) = &self.identity
                    && let Some(card) = devices.test_cards.get(n)
                {
                    if let Ok(mut reader) = devices.reader.lock()
                        && let Some(sim) = reader.simulator()
                    {
                        sim.insert(EmrtdChip::new(card.clone()));
                    }
                    if let Ok(mut camera) = self.camera.lock()
                        && let Some(sim) = camera.simulator()
                    {
                        sim.hold_card(Some(card.qr.clone()));
                    }
                }
                Outcome::TestCardPlaced
            }
            Command::PrintReceipt {
                mut content,
                queue_ticket,
            } => {
                let Some(printing) = self.printing.clone() else {
                    return Outcome::Printed(Err(
                        crate::devices::printer::PrinterStatus::Offline.advice()
                    ));
                };
                if let Some(stored_at) = queue_ticket {
                    content.ticket_number = self.ticket_number(stored_at).await;
                }
                let result = self
                    .blocking(move || printing.print(&content, queue_ticket.is_some()))
                    .await
                    .unwrap_or_else(|| {
                        Err(crate::devices::printer::PrinterStatus::Offline.advice())
                    });
                Outcome::Printed(result)
            }
            Command::SaveRating { dossier, rating } => {
                let now = clock.now();
                let result = self
                    .store
                    .call(move |s| s.rate(dossier, &rating, now))
                    .await;
                if let (Ok(()), Some(waker)) = (&result, &self.sync_waker) {
                    waker.notify_one();
                }
                Outcome::RatingSaved(result.map_err(|e| {
                    tracing::error!(error = %e, "rating not stored");
                    Text::new(
                        "Máy chưa lưu được đánh giá. Vui lòng thử lại hoặc bấm Bỏ qua.",
                        "The kiosk could not save the rating. Please try again or press Skip.",
                    )
                }))
            }
            Command::CheckPin { who, pin, hash } => {
                let matched = self
                    .blocking(move || {
                        let mut pin = pin;
                        let matched = crate::core::pin_hash::verify_pin(&hash, &pin);
                        zeroize::Zeroize::zeroize(&mut pin);
                        matched
                    })
                    .await
                    .unwrap_or(false);
                Outcome::PinChecked { who, matched }
            }
            Command::SavePinLockouts { admin, helpers } => {
                let now = clock.now();
                let saved = self
                    .store
                    .call(move |s| {
                        s.save_pin_lockout(crate::store::PinUser::Admin, admin, now)?;
                        s.save_pin_lockout(crate::store::PinUser::Helpers, helpers, now)
                    })
                    .await;
                if let Err(e) = saved {
                    tracing::error!(error = %e, "the PIN lockouts were not kept");
                }
                Outcome::Kept
            }
            Command::Batch(_) => Outcome::Kept,
            Command::Admin(action) => {
                let Some(devices) = self.admin.clone() else {
                    return Outcome::Admin(crate::session::admin_panel::AdminResult::Done(Err(
                        "the admin actions are not available in this mode".into(),
                    )));
                };
                Outcome::Admin(
                    crate::app::admin_actions::perform(
                        action,
                        devices,
                        self.health.clone(),
                        self.store.clone(),
                        self.sync_waker.clone(),
                        self.printing.as_ref().map(|p| p.printer.clone()),
                    )
                    .await,
                )
            }
            Command::CallHelp => {
                crate::appliance::cabinet::raise_alert(
                    &self.store,
                    &self.health,
                    self.sync_waker.as_deref(),
                    crate::store::AlertKind::Assistance,
                    &*clock,
                )
                .await;
                Outcome::HelpCalled
            }
            Command::ScanReceiptQr => {
                let camera = self.camera.clone();
                let result = self
                    .blocking(move || scan_receipt_qr(&camera))
                    .await
                    .unwrap_or_else(|| Err(camera_failed()));
                Outcome::ReceiptQrScanned(result)
            }
            Command::Lookup(code) => {
                let result = self
                    .store
                    .call(move |s| match s.find_by_code(&code)? {
                        Some(summary) => {
                            let history = s.history(summary.id)?;
                            let statuses_fetched_at = s.statuses_fetched_at()?;
                            let supplement = s.supplement_of(summary.id)?;
                            Ok(Some(LookupFound {
                                summary,
                                history,
                                statuses_fetched_at,
                                supplement,
                            }))
                        }
                        None => Ok(None),
                    })
                    .await;
                Outcome::LookedUp(result.map_err(|e| {
                    tracing::error!(error = %e, "lookup failed");
                    Text::new(
                        "Máy chưa tra cứu được, vui lòng thử lại.",
                        "The kiosk could not look this up; please try again.",
                    )
                }))
            }
        }
    }
}

/// Drives a future that completes without waiting on a reactor (the store's reply arrives
/// through a oneshot channel fed by the writer thread).
fn block_on_here<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime always builds")
        .block_on(future)
}
