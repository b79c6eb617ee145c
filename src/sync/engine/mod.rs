//! The sync loop: each pass first requeues dossiers left "sending" (by a crash, or by a failed
//! write of their outcome); it enrolls the kiosk
//! when the portal does not know it yet; then it sends the due dossiers a few at a time
//! (`IN_FLIGHT`, claimed together; each dossier's photos first, in chunks that resume where
//! the portal's copy stops, then the dossier itself, the commit point), records what the
//! portal said to the batch in one transaction, schedules failures with backoff so that
//! one failing dossier never blocks the others, pulls decisions back, now and then sends a
//! heartbeat and asks for a newer catalogue, and sleeps until the next dossier is due or it is
//! woken (a new submission). It reports online/queue/progress through a watch channel. Every
//! portal call has its own deadline. No file IO and no UI here.

use crate::core::health::HealthSnapshot;
use crate::core::sync_status::SyncStatus;
use crate::devices::clock::Clock;
use crate::protocol::contract::{AttachmentDecl, DossierUpload};
use crate::store::{OutboxItem, SendOutcome, StoreError, StoreHandle};
use crate::sync::backoff::Backoff;
use crate::sync::catalogue_sink::CatalogueSink;
use crate::sync::transport::{PortalTransport, SendError};
use base64::Engine as _;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use tokio::sync::{Notify, watch};

mod dossier_upload;
mod enrollment;
mod housekeeping;
mod side_records;
mod update_pull;

pub use crate::sync::health_facts::HealthFacts;

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pass {
    pub accepted: usize,
    pub retried: usize,
}

/// Called with a dossier's code once its acceptance is recorded.
type OnAccepted = Box<dyn Fn(&str) + Send + Sync>;

pub struct SyncEngine<T: PortalTransport> {
    store: StoreHandle,
    transport: T,
    clock: Arc<dyn Clock>,
    backoff: Backoff,
    kiosk_id: String,
    /// Woken on every new submission, so it does not wait for a timer.
    wake: Arc<Notify>,
    status: watch::Sender<SyncStatus>,
    /// Uniform random numbers in [0, 1) for the jitter.
    random: Box<dyn Fn() -> f64 + Send + Sync>,
    /// How long to wait before trying again when nothing is due (to pull statuses and to
    /// notice the network coming back).
    idle_poll: Duration,
    /// Called with a dossier's code once its acceptance is recorded (the crash test's probe).
    on_accepted: Option<OnAccepted>,
    /// The portal knows this kiosk's device key (learnt by enrolling, lost on a 401).
    enrolled: AtomicBool,
    /// Photo bytes per upload request: a broken connection costs at most this much.
    chunk_size: usize,
    /// The deadline of every portal call, whatever the transport does.
    request_timeout: Duration,
    /// How often to send a heartbeat and ask for a newer catalogue.
    housekeeping_every: Duration,
    /// How long the content of a dossier the portal holds stays on the kiosk (None: forever).
    keep_delivered: Option<Duration>,
    last_housekeeping: Mutex<Option<chrono::DateTime<chrono::Utc>>>,
    catalogue: Option<Arc<dyn CatalogueSink>>,
    updates: Option<Arc<dyn crate::sync::update_sink::UpdateSink>>,
    /// Device states reported in the heartbeat.
    health: Arc<dyn HealthFacts>,
    /// How many dossiers go up at once (claimed together, outcomes recorded together).
    in_flight: usize,
}

/// Dossiers in flight at once by default: enough to keep the connection and the portal busy
/// while one answer is on its way back, few enough that a slow link is not shared thin and
/// a batch's photos stay a few megabytes of memory.
pub const IN_FLIGHT: usize = 4;

/// The portal upload of a claimed dossier: what the kiosk sends, and what a replay repeats.
pub fn upload_of(item: &OutboxItem, kiosk_id: &str) -> DossierUpload {
    DossierUpload {
        code: item.code.clone(),
        procedure_id: item.procedure_id.clone(),
        procedure_version: item.procedure_version,
        kiosk_id: kiosk_id.to_string(),
        submitted_at: item
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        sealed_answers: base64::engine::general_purpose::STANDARD.encode(&item.sealed_answers),
        attachments: item
            .attachments
            .iter()
            .map(|(sha, mime, _)| AttachmentDecl {
                sha256: sha.clone(),
                mime: mime.clone(),
            })
            .collect(),
        receipt: item.receipt.clone(),
        supplements: item.supplements.map(|u| u.to_string()),
    }
}

fn system_random() -> f64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

impl<T: PortalTransport> SyncEngine<T> {
    pub fn new(
        store: StoreHandle,
        transport: T,
        clock: Arc<dyn Clock>,
        kiosk_id: &str,
    ) -> SyncEngine<T> {
        let (status, _) = watch::channel(SyncStatus::default());
        SyncEngine {
            store,
            transport,
            clock,
            backoff: Backoff::default(),
            kiosk_id: kiosk_id.to_string(),
            wake: Arc::new(Notify::new()),
            status,
            random: Box::new(system_random),
            idle_poll: Duration::from_secs(60),
            on_accepted: None,
            enrolled: AtomicBool::new(false),
            chunk_size: 256 * 1024,
            request_timeout: Duration::from_secs(60),
            housekeeping_every: Duration::from_secs(300),
            keep_delivered: None,
            last_housekeeping: Mutex::new(None),
            catalogue: None,
            updates: None,
            health: Arc::new(HealthSnapshot::default()),
            in_flight: IN_FLIGHT,
        }
    }

    /// Sends up to `n` dossiers at once (at least one).
    pub fn with_in_flight(mut self, n: usize) -> Self {
        self.in_flight = n.max(1);
        self
    }

    /// Shares the kiosk's health facts: the heartbeat reports them, each pass records in
    /// them whether the portal was reached.
    pub fn with_health(mut self, health: impl HealthFacts + 'static) -> Self {
        self.health = Arc::new(health);
        self
    }

    /// Photo bytes per upload request, at most what the portal reads in one
    /// (`contract::body_limits::UPLOAD_CHUNK`).
    pub fn with_chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes.clamp(1, crate::protocol::contract::body_limits::UPLOAD_CHUNK);
        self
    }

    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Deletes the sealed content of dossiers the portal has held for `period` (housekeeping).
    pub fn with_retention(mut self, period: Duration) -> Self {
        self.keep_delivered = Some(period);
        self
    }

    pub fn with_housekeeping_every(mut self, every: Duration) -> Self {
        self.housekeeping_every = every;
        self
    }

    /// Pull newer catalogues from the portal into `sink`.
    pub fn with_catalogue(mut self, sink: Arc<dyn CatalogueSink>) -> Self {
        self.catalogue = Some(sink);
        self
    }

    /// Fetch the updates the portal offers this kiosk's group into `sink`.
    pub fn with_updates(mut self, sink: Arc<dyn crate::sync::update_sink::UpdateSink>) -> Self {
        self.updates = Some(sink);
        self
    }

    pub fn with_on_accepted(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.on_accepted = Some(Box::new(f));
        self
    }

    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    pub fn with_random(mut self, random: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.random = Box::new(random);
        self
    }

    pub fn with_idle_poll(mut self, idle_poll: Duration) -> Self {
        self.idle_poll = idle_poll;
        self
    }

    /// Notify this after storing a dossier to send it at once.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    pub fn status(&self) -> watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    /// After a start, puts the first housekeeping (catalogue, update offer, heartbeat) at a
    /// random point of its period rather than on the first pass, so kiosks that start
    /// together do not all make these calls at once (`run` does this; tests driving passes
    /// one by one call it themselves). Nothing changes once a housekeeping has run.
    pub fn spread_first_housekeeping(&self) {
        let every = self.housekeeping_every;
        let phase = crate::sync::backoff::housekeeping_phase(every, (self.random)());
        let due_in = chrono::Duration::from_std(phase).unwrap_or_default();
        let every = chrono::Duration::from_std(every).unwrap_or_default();
        let now = self.clock.now();
        self.last_housekeeping
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(now + due_in - every);
    }

    /// Runs until `shutdown` completes.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        // (Dossiers a restart left "sending" are queued again by the first pass.)
        // Kiosks that lose the power together start together: spread their first calls.
        self.publish(false, None).await;
        self.spread_first_housekeeping();
        let spread = crate::sync::backoff::start_delay(self.idle_poll, (self.random)());
        tokio::select! {
            _ = &mut shutdown => return,
            _ = self.wake.notified() => {}
            _ = tokio::time::sleep(spread) => {}
        }
        loop {
            if let Err(e) = self.pass().await {
                tracing::error!(error = %e, "sync pass failed on the store");
            }
            let wait = self.time_until_next_due().await;
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn time_until_next_due(&self) -> Duration {
        let next = self.store.call(|s| s.next_due()).await.ok().flatten();
        let idle = crate::sync::backoff::idle_wait(self.idle_poll, (self.random)());
        match next {
            Some(at) => (at - self.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(idle),
            None => idle,
        }
    }

    /// Runs one portal call under the engine's own deadline.
    pub(super) async fn call<R>(
        &self,
        f: impl std::future::Future<Output = Result<R, SendError>>,
    ) -> Result<R, SendError> {
        match tokio::time::timeout(self.request_timeout, f).await {
            Ok(result) => result,
            Err(_) => Err(SendError::retry("the portal did not answer in time")),
        }
    }

    /// Sends every dossier that is due now, then pulls statuses, and now and then sends a
    /// heartbeat and looks for a newer catalogue.
    pub async fn pass(&self) -> Result<Pass, StoreError> {
        let mut pass = Pass::default();
        // Only this engine claims dossiers and its passes do not overlap: one still "sending"
        // now was left so by a restart, or by a failed store write of its outcome. Queue it
        // again (the portal's idempotency makes the resend harmless).
        let now = self.clock.now();
        let stranded = self.store.call(move |s| s.recover_after_crash(now)).await?;
        if stranded > 0 {
            tracing::warn!(
                stranded,
                "dossiers left sending (a restart or a failed store write) are queued again"
            );
        }
        if !self.ensure_enrolled().await {
            self.publish(false, None).await;
            return Ok(pass);
        }
        let total = {
            let now = self.clock.now();
            self.store.call(move |s| s.due_count(now)).await?
        };
        let mut done = 0u32;
        let mut last_batch = 0u64;
        loop {
            let now = self.clock.now();
            let in_flight = self.in_flight;
            let batch = self
                .store
                .call(move |s| s.claim_due(now, in_flight))
                .await?;
            if batch.is_empty() {
                break;
            }
            let total = total.max(done as u64 + batch.len() as u64) as u32;
            // Progress without counting the queue again (that is a scan of the outbox).
            self.status.send_modify(|s| {
                s.online = true;
                s.sending = Some((done, total));
                s.queued = s.queued.saturating_sub(last_batch);
            });
            last_batch = batch.len() as u64;
            let claimed: Vec<(uuid::Uuid, String, u32)> = batch
                .iter()
                .map(|item| (item.id, item.code.clone(), item.attempts))
                .collect();
            // The batch goes up together (over the client's keep-alive connections, or
            // multiplexed on one where the portal speaks HTTP/2); each dossier is still its
            // own idempotent commit at the portal.
            let results =
                futures_util::future::join_all(batch.into_iter().map(|item| self.send(item))).await;
            let mut outcomes = Vec::with_capacity(results.len());
            let mut accepted = Vec::new();
            let mut stop = false;
            for ((id, code, attempts), result) in claimed.into_iter().zip(results) {
                done += 1;
                match result {
                    Ok(reference) => {
                        outcomes.push((id, SendOutcome::Accepted { reference }));
                        accepted.push(code);
                    }
                    Err(e) => {
                        if matches!(e, SendError::Unauthorised(_)) {
                            // The portal forgot this kiosk (or its key): enroll again next pass.
                            self.forget_enrollment().await;
                        }
                        let temporary =
                            matches!(e, SendError::Retry { .. } | SendError::Unauthorised(_));
                        let retry_after = match &e {
                            SendError::Retry { retry_after, .. } => *retry_after,
                            SendError::Unauthorised(_) => None,
                            // A conflict or refusal will not fix itself soon: keep the
                            // dossier, try again rarely, and make it visible in the log.
                            _ => Some(self.backoff.cap),
                        };
                        let delay = self.backoff.delay(attempts, retry_after, (self.random)());
                        let next = self.clock.now()
                            + chrono::Duration::from_std(delay).unwrap_or_default();
                        let error = e.to_string();
                        tracing::warn!(code = %code, attempts = attempts + 1, retry_in = ?delay, "dossier not sent: {error}");
                        outcomes.push((
                            id,
                            SendOutcome::Retry {
                                error,
                                next_attempt: next,
                            },
                        ));
                        pass.retried += 1;
                        // The portal or the network is down: the dossiers after this batch
                        // would fail the same way now. They keep their own schedule.
                        stop |= temporary;
                    }
                }
            }
            let now = self.clock.now();
            self.store
                .call(move |s| s.record_outcomes(&outcomes, now))
                .await?;
            for code in accepted {
                tracing::info!(code = %code, "dossier accepted by the portal");
                if let Some(f) = &self.on_accepted {
                    f(&code);
                }
                pass.accepted += 1;
            }
            if stop {
                self.publish(false, None).await;
                return Ok(pass);
            }
        }
        self.send_alerts().await?;
        self.send_ratings().await?;
        self.pull_statuses().await?;
        self.housekeeping().await;
        Ok(pass)
    }

    pub(super) async fn publish(&self, online: bool, sending: Option<(u32, u32)>) {
        let queued = self.store.call(|s| s.queue_len()).await.unwrap_or(0);
        let status = SyncStatus {
            online,
            queued,
            sending,
        };
        self.health.record_sync(&status, self.clock.now());
        self.status.send_replace(status);
    }
}
