//! The sync loop: at start it requeues dossiers a crash left "sending"; then it sends every
//! due dossier one by one (photos first, then the dossier itself, the commit point), records
//! the portal's acceptance, schedules failures with backoff so that one failing dossier never
//! blocks the others, pulls decisions back, and sleeps until the next dossier is due or it is
//! woken (a new submission). It reports online/queue state through a watch channel.

use crate::core::dossier::DossierState;
use crate::devices::clock::Clock;
use crate::store::{OutboxItem, StoreError, StoreHandle};
use crate::sync::backoff::Backoff;
use crate::sync::contract::{AttachmentDecl, DossierUpload};
use crate::sync::transport::{PortalTransport, SendError};
use base64::Engine as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// What the top bar shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncStatus {
    /// The last exchange with the portal succeeded.
    pub online: bool,
    /// Dossiers not yet accepted by the portal.
    pub queued: u64,
}

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pass {
    pub accepted: usize,
    pub retried: usize,
}

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
    on_accepted: Option<Box<dyn Fn(&str) + Send + Sync>>,
}

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
        }
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

    /// Runs until `shutdown` completes.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let now = self.clock.now();
        match self.store.call(move |s| s.recover_after_crash(now)).await {
            Ok(n) if n > 0 => tracing::info!(
                recovered = n,
                "dossiers left sending by a restart are queued again"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "cannot recover the outbox"),
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
        match next {
            Some(at) => (at - self.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(self.idle_poll),
            None => self.idle_poll,
        }
    }

    /// Sends every dossier that is due now, then pulls statuses.
    pub async fn pass(&self) -> Result<Pass, StoreError> {
        let mut pass = Pass::default();
        loop {
            let now = self.clock.now();
            let Some(item) = self.store.call(move |s| s.claim_next(now)).await? else {
                break;
            };
            let id = item.id;
            let code = item.code.clone();
            let attempts = item.attempts;
            match self.send(item).await {
                Ok(reference) => {
                    let now = self.clock.now();
                    self.store
                        .call(move |s| s.mark_accepted(id, &reference, now))
                        .await?;
                    tracing::info!(code = %code, "dossier accepted by the portal");
                    if let Some(f) = &self.on_accepted {
                        f(&code);
                    }
                    pass.accepted += 1;
                    self.publish(true).await;
                }
                Err(e) => {
                    let retry_after = match &e {
                        SendError::Retry { retry_after, .. } => *retry_after,
                        // A conflict or refusal will not fix itself soon: keep the dossier,
                        // try again rarely, and make it visible in the log.
                        _ => Some(self.backoff.cap),
                    };
                    let delay = self.backoff.delay(attempts, retry_after, (self.random)());
                    let now = self.clock.now();
                    let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
                    let reason = e.to_string();
                    tracing::warn!(code = %code, attempts = attempts + 1, retry_in = ?delay, "dossier not sent: {reason}");
                    self.store
                        .call(move |s| s.schedule_retry(id, &reason, next, now))
                        .await?;
                    pass.retried += 1;
                    self.publish(!matches!(e, SendError::Retry { .. })).await;
                    if matches!(e, SendError::Retry { .. }) {
                        // The portal or the network is down: the other dossiers would fail the
                        // same way now. They keep their own schedule; stop this pass.
                        break;
                    }
                }
            }
        }
        self.pull_statuses().await?;
        Ok(pass)
    }

    async fn send(&self, item: OutboxItem) -> Result<String, SendError> {
        for (sha, _, sealed) in &item.attachments {
            self.transport
                .put_attachment(item.id, sha, sealed.clone())
                .await?;
        }
        let upload = upload_of(&item, &self.kiosk_id);
        let acceptance = self.transport.put_dossier(item.id, &upload).await?;
        Ok(acceptance.reference)
    }

    async fn pull_statuses(&self) -> Result<(), StoreError> {
        let since = self.store.call(|s| s.status_cursor()).await?;
        match self.transport.status(since).await {
            Ok(page) => {
                let now = self.clock.now();
                self.store
                    .call(move |s| {
                        for change in &page.changes {
                            let state = DossierState::parse(&change.state);
                            if let Some(state) = state {
                                s.apply_status(&change.id, state, change.note.as_deref(), now)?;
                            }
                        }
                        s.set_status_cursor(page.cursor)
                    })
                    .await?;
                self.publish(true).await;
            }
            Err(e) => {
                tracing::debug!("status pull failed: {e}");
                self.publish(false).await;
            }
        }
        Ok(())
    }

    async fn publish(&self, online: bool) {
        let queued = self.store.call(|s| s.queue_len()).await.unwrap_or(0);
        self.status.send_replace(SyncStatus { online, queued });
    }
}
