//! Runs the session's commands away from the UI thread — storing a dossier on the store's
//! writer thread, taking a photo on a blocking worker — and sends each outcome on a channel
//! the kiosk owns (`take_outcomes`). `Effects::inline` runs them on the spot instead and
//! returns the outcomes, for tests that drive a window without an event loop.

use crate::core::answer::AttachmentRef;
use crate::core::receipt_content::{self, ReceiptContent};
use crate::core::text::Text;
use crate::devices::camera::Camera;
use crate::devices::card_reader::{CardReader, ReaderStatus};
use crate::devices::clock::Clock;
use crate::devices::printer::ReceiptPrinter;
use crate::identity::card_image::CardImage;
use crate::identity::card_side::emrtd_chip::EmrtdChip;
use crate::identity::chip_session::{AccessKey, ChipError, ReadOptions, ReadStep, read_chip};
use crate::identity::qr_camera::{self, ScanError};
use crate::identity::trust_list::TrustList;
use crate::identity::{citizen_from_card, dg2_face};
use crate::printing::escpos_encoder::{self, PrinterProfile};
use crate::printing::raster_text::Fonts;
use crate::session::controller::{Command, LookupFound, Photo};
use crate::session::identity_step::CardOutcome;
use crate::session::outcome::Outcome;
use crate::store::StoreHandle;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// What reading the ID card needs: the reader, the CSCA trust list, the read size and, with
/// the simulated reader, the test cards.
pub struct IdentityDevices {
    pub reader: Arc<Mutex<dyn CardReader>>,
    pub trust: TrustList,
    pub options: ReadOptions,
    pub test_cards: Vec<CardImage>,
}

impl IdentityDevices {
    /// From the configuration: the CSCA folder, the read size; with a simulated reader, also
    /// the test cards and the test CSCA that signed them (trusted for simulated cards only).
    pub fn from_config(
        config: &crate::config::IdentityConfig,
        reader: Arc<Mutex<dyn CardReader>>,
    ) -> IdentityDevices {
        let simulated = reader
            .lock()
            .map(|mut r| r.simulator().is_some())
            .unwrap_or(false);
        let mut trust = TrustList::empty();
        if !config.trust_list.is_empty() && std::path::Path::new(&config.trust_list).exists() {
            trust.add_folder(std::path::Path::new(&config.trust_list));
        }
        let mut test_cards = Vec::new();
        if simulated {
            let folder = crate::app::assets::assets_dir().join("dev/cards");
            if let Ok(pem) = std::fs::read(folder.join("csca.pem"))
                && let Ok(certs) = crate::identity::trust_list::parse_certificates(&pem)
            {
                trust.cscas.extend(certs);
            }
            test_cards = CardImage::load_folder(&folder).unwrap_or_else(|e| {
                tracing::warn!("no test cards for the simulated reader: {e}");
                Vec::new()
            });
        }
        for problem in &trust.problems {
            tracing::warn!("CSCA trust list: {problem}");
        }
        tracing::info!(cscas = trust.cscas.len(), "CSCA trust list loaded");
        IdentityDevices {
            reader,
            trust,
            options: ReadOptions {
                extended_read: (config.extended_read > 0).then_some(config.extended_read as usize),
            },
            test_cards,
        }
    }

    /// The test cards' names, for the buttons on the identity screen.
    pub fn test_card_names(&self) -> Vec<String> {
        self.test_cards.iter().map(|c| c.label.clone()).collect()
    }
}

/// What printing needs: the printer, its profile and the receipt font.
pub struct PrintDevices {
    pub printer: Arc<Mutex<dyn ReceiptPrinter>>,
    pub profile: PrinterProfile,
    pub fonts: Fonts,
    /// Where the printer's state after each job is recorded.
    pub health: crate::appliance::health::Health,
}

impl PrintDevices {
    /// The configured printer with its profile and the bundled font; a bad `[printer]`
    /// setting or a missing font is an error naming it.
    pub fn from_config(
        config: &crate::config::PrinterConfig,
        printer: Arc<Mutex<dyn ReceiptPrinter>>,
    ) -> Result<PrintDevices, String> {
        Ok(PrintDevices {
            printer,
            profile: config.profile()?,
            fonts: crate::app::assets::receipt_fonts()
                .map_err(|e| format!("the receipt font is missing: {e}"))?,
            health: crate::appliance::health::Health::new(),
        })
    }

    pub fn with_health(mut self, health: crate::appliance::health::Health) -> PrintDevices {
        self.health = health;
        self
    }

    /// Encodes and prints a receipt (then the queue ticket); the advice to show on failure.
    pub fn print(&self, content: &ReceiptContent, queue_ticket: bool) -> Result<(), Text> {
        let mut jobs = vec![receipt_content::receipt_blocks(content)];
        if queue_ticket {
            jobs.push(receipt_content::queue_ticket_blocks(content));
        }
        for blocks in jobs {
            let bytes =
                escpos_encoder::encode(&blocks, self.profile, &self.fonts).map_err(|e| {
                    tracing::error!(error = %e, "receipt not encoded");
                    crate::devices::printer::PrinterStatus::Offline.advice()
                })?;
            let mut printer = self
                .printer
                .lock()
                .map_err(|_| crate::devices::printer::PrinterStatus::Offline.advice())?;
            printer.print(&bytes).map_err(|e| {
                tracing::warn!(error = %e, "receipt not printed");
                self.health.record_printer(e.status());
                e.status().advice()
            })?;
        }
        self.health
            .record_printer(crate::devices::printer::PrinterStatus::Ready);
        Ok(())
    }
}

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
                            Ok(Some(LookupFound {
                                summary,
                                history,
                                statuses_fetched_at,
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

impl Effects {
    /// The queue ticket's number: the place of the dossier stored at `stored_at` among that day's (Việt Nam time).
    async fn ticket_number(&self, stored_at: chrono::DateTime<chrono::Utc>) -> u32 {
        let vn = crate::core::time::vietnam_offset();
        let midnight = stored_at
            .with_timezone(&vn)
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(vn).single())
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or(stored_at);
        self.store
            .call(move |s| s.count_between(midnight, stored_at))
            .await
            .map(|n| n as u32)
            .unwrap_or(0)
    }
}

/// Looks for a receipt's QR code in a few frames.
fn scan_receipt_qr(
    camera: &Arc<Mutex<dyn Camera>>,
) -> Result<crate::core::dossier_code::DossierCode, Text> {
    for _ in 0..8 {
        let frame = capture_frame(camera)?;
        if let Some(text) = qr_camera::decode_text(&frame) {
            return crate::printing::receipt_qr::code_from_receipt_qr(&text);
        }
    }
    Err(Text::new(
        "Chưa thấy mã QR. Vui lòng đưa mã QR trên biên nhận vào trước camera và giữ yên, hoặc nhập mã hồ sơ.",
        "No QR code seen yet. Please hold the receipt's QR code still in front of the camera, or type the dossier code.",
    ))
}

/// Looks for the card's QR code in a few frames.
fn scan_card_qr(camera: &Arc<Mutex<dyn Camera>>) -> Result<crate::identity::cccd_qr::CccdQr, Text> {
    let mut last = ScanError::NoCode;
    for _ in 0..8 {
        let frame = capture_frame(camera)?;
        match qr_camera::scan_cccd(&frame) {
            Ok(qr) => return Ok(qr),
            Err(e) => last = e,
        }
    }
    Err(match last {
        ScanError::NoCode => Text::new(
            "Chưa thấy mã QR. Vui lòng đưa mặt trước thẻ căn cước (có mã QR) vào trước camera và giữ yên.",
            "No QR code seen yet. Please hold the front of your ID card (with the QR code) still in front of the camera.",
        ),
        ScanError::NotCccd(e) => e.message(),
    })
}

/// Waits for a card (when `wait`), reads its chip and makes the identity and face preview.
fn read_card(
    devices: &IdentityDevices,
    keys: &[AccessKey],
    wait: bool,
    progress: &mut dyn FnMut(ReadStep),
) -> CardOutcome {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let present = match devices.reader.lock() {
            Ok(mut reader) if wait => reader.wait_for_card(std::time::Duration::from_secs(1)),
            Ok(mut reader) => reader.status().map(|s| s == ReaderStatus::CardPresent),
            Err(_) => return CardOutcome::NoReader("reader lock poisoned".into()),
        };
        match present {
            Ok(true) => break,
            Ok(false) if wait && std::time::Instant::now() < deadline => {}
            Ok(false) => return CardOutcome::Failed(ChipError::NoCard),
            Err(e) => {
                tracing::warn!(error = %e, "card reader unavailable");
                return CardOutcome::NoReader(e.to_string());
            }
        }
    }
    let mut reader = match devices.reader.lock() {
        Ok(reader) => reader,
        Err(_) => return CardOutcome::NoReader("reader lock poisoned".into()),
    };
    match read_chip(
        &mut *reader,
        keys,
        &devices.trust,
        devices.options,
        progress,
    ) {
        Ok(read) => {
            tracing::info!(
                apdus = read.apdus,
                verdict = read.passive.verdict.code(),
                "ID card read"
            );
            let face = read.face.as_ref().and_then(dg2_face::decode).map(|img| {
                let img =
                    image::imageops::thumbnail(&img, 240, 240 * img.height() / img.width().max(1));
                (img.width(), img.height(), img.into_raw())
            });
            CardOutcome::Read {
                identity: citizen_from_card::from_chip(&read),
                face,
            }
        }
        Err(e) => {
            tracing::info!(error = %e, "ID card not read");
            CardOutcome::Failed(e)
        }
    }
}

/// One frame from the camera; a failure is logged and said as "the photo could not be taken".
fn capture_frame(camera: &Arc<Mutex<dyn Camera>>) -> Result<image::RgbImage, Text> {
    camera
        .lock()
        .map_err(|_| camera_failed())?
        .capture()
        .map_err(|e| {
            tracing::warn!(error = %e, "camera capture failed");
            camera_failed()
        })
}

fn camera_failed() -> Text {
    Text::new(
        "Không chụp được ảnh. Vui lòng thử lại hoặc báo cán bộ hỗ trợ.",
        "The photo could not be taken. Please try again or call a helper.",
    )
}

/// Takes a frame, encodes it as JPEG, hashes it and makes a screen preview.
pub fn capture_photo(camera: &Arc<Mutex<dyn Camera>>) -> Result<Photo, Text> {
    let frame = capture_frame(camera)?;
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
        .encode_image(&frame)
        .map_err(|_| camera_failed())?;
    let sha256 = hex::encode(Sha256::digest(&jpeg));
    let preview =
        image::imageops::thumbnail(&frame, 400, 400 * frame.height() / frame.width().max(1));
    Ok(Photo {
        reference: AttachmentRef {
            sha256,
            mime: "image/jpeg".into(),
            bytes: jpeg.len(),
        },
        jpeg,
        preview: (preview.width(), preview.height(), preview.into_raw()),
    })
}

/// Drives a future that completes without waiting on a reactor (the store's reply arrives
/// through a oneshot channel fed by the writer thread).
fn block_on_here<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime always builds")
        .block_on(future)
}
