//! Runs the controller's commands away from the UI thread — storing a dossier on the store's
//! writer thread, taking a photo on a blocking worker — and brings each result back to the UI
//! thread with `slint::invoke_from_event_loop`. `Effects::inline` runs them on the spot
//! instead, for tests that drive a window without an event loop.

use crate::core::answer::AttachmentRef;
use crate::core::text::Text;
use crate::devices::camera::Camera;
use crate::devices::clock::Clock;
use crate::store::{DossierSummary, StatusEvent, StoreHandle};
use crate::ui::controller::{Command, KioskController, Photo};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// A finished background job.
pub enum Outcome {
    Submitted(Result<DossierSummary, Text>),
    PhotoTaken(Result<Photo, Text>),
    LookedUp(Result<Option<(DossierSummary, Vec<StatusEvent>)>, Text>),
    /// The sync engine's view: online, and how many dossiers still wait.
    Sync(crate::sync::engine::SyncStatus),
    /// A newer procedure catalogue (and maybe units list) from the portal.
    CatalogueInstalled(
        Arc<crate::core::catalogue::Catalogue>,
        Option<Arc<crate::core::address::AdminUnits>>,
    ),
}

impl Outcome {
    pub fn apply_to(self, c: &mut KioskController) {
        match self {
            Outcome::Submitted(r) => c.submitted(r),
            Outcome::PhotoTaken(r) => c.photo_taken(r),
            Outcome::LookedUp(r) => c.looked_up(r),
            Outcome::Sync(s) => {
                c.online = s.online;
                c.queue_count = s.queued;
                c.sending = s.sending;
            }
            Outcome::CatalogueInstalled(catalogue, units) => c.replace_catalogue(catalogue, units),
        }
    }
}

#[derive(Clone)]
pub struct Effects {
    store: StoreHandle,
    camera: Arc<Mutex<dyn Camera>>,
    /// Where background work runs; `None` runs it inline.
    runtime: Option<tokio::runtime::Handle>,
    /// Wakes the sync engine after a dossier is stored, so it is sent at once when online.
    sync_waker: Option<Arc<tokio::sync::Notify>>,
}

impl Effects {
    pub fn background(
        store: StoreHandle,
        camera: Arc<Mutex<dyn Camera>>,
        runtime: tokio::runtime::Handle,
    ) -> Effects {
        Effects {
            store,
            camera,
            runtime: Some(runtime),
            sync_waker: None,
        }
    }

    pub fn with_sync_waker(mut self, waker: Arc<tokio::sync::Notify>) -> Effects {
        self.sync_waker = Some(waker);
        self
    }

    pub fn inline(store: StoreHandle, camera: Arc<Mutex<dyn Camera>>) -> Effects {
        Effects {
            store,
            camera,
            runtime: None,
            sync_waker: None,
        }
    }

    pub fn run(&self, command: Command, clock: Arc<dyn Clock>) {
        match &self.runtime {
            Some(rt) => {
                let this = self.clone();
                rt.spawn(async move {
                    let outcome = this.execute(command, clock).await;
                    let _ = slint::invoke_from_event_loop(move || {
                        crate::ui::deliver_to_current(outcome)
                    });
                });
            }
            None => {
                let outcome = block_on_here(self.execute(command, clock));
                crate::ui::deliver_to_current(outcome);
            }
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
                let work = move || capture_photo(&camera);
                let result = match &self.runtime {
                    Some(_) => tokio::task::spawn_blocking(work)
                        .await
                        .unwrap_or_else(|_| Err(camera_failed())),
                    None => work(),
                };
                Outcome::PhotoTaken(result)
            }
            Command::Lookup(code) => {
                let result = self
                    .store
                    .call(move |s| match s.find_by_code(&code)? {
                        Some(summary) => {
                            let history = s.history(summary.id)?;
                            Ok(Some((summary, history)))
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

fn camera_failed() -> Text {
    Text::new(
        "Không chụp được ảnh. Vui lòng thử lại hoặc báo cán bộ hỗ trợ.",
        "The photo could not be taken. Please try again or call a helper.",
    )
}

/// Takes a frame, encodes it as JPEG, hashes it and makes a screen preview.
pub fn capture_photo(camera: &Arc<Mutex<dyn Camera>>) -> Result<Photo, Text> {
    let frame = camera
        .lock()
        .map_err(|_| camera_failed())?
        .capture()
        .map_err(|e| {
            tracing::warn!(error = %e, "camera capture failed");
            camera_failed()
        })?;
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
