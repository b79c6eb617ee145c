//! Queued dossiers reach the portal exactly once: through injected faults (500s, 429 with
//! Retry-After, timeouts, slow answers, TLS failures, a connection reset mid-upload or after
//! the portal stored the dossier) under tokio's paused time, with photos resuming where they
//! stopped; over real HTTP on loopback with the reference portal: enrollment and signed
//! requests, replays, conflicts, clock skew, a TLS handshake failure, a signed catalogue
//! update (and a forged one refused), a software update offered to the kiosk's group fetched
//! in pieces and handed to root once, heartbeats, and an officer's decision flowing back.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use xakiosk::core::answer::{Answer, AttachmentRef};
use xakiosk::core::dossier::{DossierDraft, DossierState};
use xakiosk::core::dossier_code::DossierCode;
use xakiosk::core::personal_id::PersonalId;
use xakiosk::devices::clock::{Clock, TokioClock};
use xakiosk::portal::PortalDb;
use xakiosk::portal::db::audit::Attribution;
use xakiosk::portal::db::officers::{Communes, Role};
use xakiosk::protocol::contract::{
    Acceptance, DossierUpload, Enrolled, Heartbeat, SignedCatalogue, StatusPage, UploadProgress,
};
use xakiosk::protocol::receipt::Receipt;
use xakiosk::protocol::sealing::{DEVELOPMENT_PUBLIC_KEY, Sealer};
use xakiosk::protocol::signing::DeviceKey;
use xakiosk::store::{Store, StoreHandle, StoredAttachment};
use xakiosk::sync::backoff::Backoff;
use xakiosk::sync::engine::SyncEngine;
use xakiosk::sync::transport::{HttpTransport, KioskIdentity, PortalTransport, SendError};
use xakiosk::tools::in_process_portal::InProcessPortal;
use xakiosk::tools::officer_browser::OfficerBrowser;

fn identity(kiosk_id: &str, seed: u8) -> KioskIdentity {
    KioskIdentity {
        kiosk_id: kiosk_id.into(),
        key: DeviceKey::from_seed([seed; 32]),
        place: "Phường Hoàn Kiếm".into(),
        commune_code: "00070".into(),
    }
}

fn draft(i: u32) -> (DossierDraft, Vec<StoredAttachment>) {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).unwrap();
    let mut answers = std::collections::BTreeMap::new();
    answers.insert(
        "applicant_name".to_string(),
        Answer::Text(format!("Lê Thị Hoa {i}")),
    );
    let mut attachments = Vec::new();
    if i.is_multiple_of(3) {
        let bytes = vec![i as u8; 2048];
        let reference = AttachmentRef {
            sha256: format!("{:064x}", i + 1),
            mime: "image/jpeg".into(),
            bytes: bytes.len(),
        };
        answers.insert("paper".to_string(), Answer::Attachment(reference.clone()));
        attachments.push(StoredAttachment { reference, bytes });
    }
    let d = DossierDraft {
        id: uuid::Uuid::now_v7(),
        code: DossierCode::from_random(&random),
        procedure_id: "dang-ky-tam-tru".into(),
        procedure_version: 1,
        applicant_id: PersonalId::parse("001093047064").unwrap(),
        answers,
        identity: None,
        assisted_by: None,
        supplements: None,
        office_commune: None,
        declaration: None,
    };
    (d, attachments)
}

async fn kiosk_with(n: u32) -> (StoreHandle, Vec<uuid::Uuid>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(
        &dir.path().join("kiosk.sqlite"),
        Sealer::from_base64(DEVELOPMENT_PUBLIC_KEY).unwrap(),
    )
    .unwrap();
    // Receipts signed with the device key the tests' kiosks enroll (seed 1), as a kiosk does.
    store.sign_receipts(DeviceKey::from_seed([1; 32]), "KIOSK-TEST");
    let handle = StoreHandle::spawn(store);
    let mut ids = Vec::new();
    for i in 0..n {
        let (d, a) = draft(i);
        ids.push(d.id);
        handle
            .call(move |s| s.submit(&d, &a, chrono::Utc::now()))
            .await
            .unwrap();
    }
    (handle, ids, dir)
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    ServerError,
    TooManyRequests,
    Timeout,
    /// The portal answers, but only after ten minutes (the engine's own deadline cuts it).
    Slow,
    /// The TLS handshake fails (a captive portal, a proxy, a certificate problem).
    Tls,
    /// The portal stored the request, then the connection broke before the answer arrived.
    ResetAfterCommit,
}

/// Wraps the in-process portal and fails calls in a seeded pseudo-random pattern.
struct Flaky {
    inner: InProcessPortal,
    seed: AtomicU64,
    dossier_calls: AtomicUsize,
    resets_after_commit: AtomicUsize,
    faults: Mutex<Vec<&'static str>>,
    /// Photo bytes the kiosk put on the wire, and chunk requests that failed.
    bytes_offered: AtomicU64,
    failed_chunks: AtomicU64,
    /// A chunk committed at the portal whose answer was lost.
    chunk_resets: AtomicUsize,
}

impl Flaky {
    fn new(inner: InProcessPortal, seed: u64) -> Flaky {
        Flaky {
            inner,
            seed: AtomicU64::new(seed),
            dossier_calls: AtomicUsize::new(0),
            resets_after_commit: AtomicUsize::new(0),
            faults: Mutex::new(Vec::new()),
            bytes_offered: AtomicU64::new(0),
            failed_chunks: AtomicU64::new(0),
            chunk_resets: AtomicUsize::new(0),
        }
    }
}

impl Flaky {
    fn next_fault(&self) -> Fault {
        // xorshift: deterministic, so a failure is reproducible.
        let mut x = self.seed.load(Ordering::SeqCst);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.store(x, Ordering::SeqCst);
        match x % 16 {
            0 | 1 => Fault::ServerError,
            2 => Fault::TooManyRequests,
            3 => Fault::Timeout,
            4 => Fault::Slow,
            5 => Fault::Tls,
            6 | 7 => Fault::ResetAfterCommit,
            _ => Fault::None,
        }
    }

    async fn before(&self, fault: Fault) -> Result<(), SendError> {
        self.faults.lock().unwrap().push(match fault {
            Fault::None => "none",
            Fault::ServerError => "500",
            Fault::TooManyRequests => "429",
            Fault::Timeout => "timeout",
            Fault::Slow => "slow",
            Fault::Tls => "tls",
            Fault::ResetAfterCommit => "reset",
        });
        match fault {
            Fault::ServerError => Err(SendError::retry("500 Internal Server Error")),
            Fault::TooManyRequests => Err(SendError::Retry {
                reason: "429".into(),
                retry_after: Some(Duration::from_secs(30)),
            }),
            Fault::Timeout => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Err(SendError::retry("timed out"))
            }
            Fault::Slow => {
                // Longer than the engine's deadline: the engine must give up on its own.
                tokio::time::sleep(Duration::from_secs(600)).await;
                Ok(())
            }
            Fault::Tls => Err(SendError::retry("TLS failure (certificate or handshake)")),
            Fault::None | Fault::ResetAfterCommit => Ok(()),
        }
    }
}

impl PortalTransport for Flaky {
    async fn enroll(&self) -> Result<Enrolled, SendError> {
        self.inner.enroll().await
    }

    async fn upload_progress(
        &self,
        id: uuid::Uuid,
        sha256: &str,
    ) -> Result<UploadProgress, SendError> {
        self.inner.upload_progress(id, sha256).await
    }

    async fn append_upload(
        &self,
        id: uuid::Uuid,
        sha256: &str,
        checksum: &str,
        offset: u64,
        total: u64,
        chunk: Vec<u8>,
    ) -> Result<UploadProgress, SendError> {
        self.bytes_offered
            .fetch_add(chunk.len() as u64, Ordering::SeqCst);
        let fault = self.next_fault();
        if let Err(e) = self.before(fault).await {
            self.failed_chunks.fetch_add(1, Ordering::SeqCst);
            return Err(e);
        }
        let progress = self
            .inner
            .append_upload(id, sha256, checksum, offset, total, chunk)
            .await?;
        match fault {
            Fault::ResetAfterCommit => {
                self.chunk_resets.fetch_add(1, Ordering::SeqCst);
                self.failed_chunks.fetch_add(1, Ordering::SeqCst);
                Err(SendError::retry("connection reset mid-upload"))
            }
            _ => Ok(progress),
        }
    }

    async fn put_dossier(
        &self,
        id: uuid::Uuid,
        upload: &DossierUpload,
    ) -> Result<Acceptance, SendError> {
        self.dossier_calls.fetch_add(1, Ordering::SeqCst);
        let fault = self.next_fault();
        self.before(fault).await?;
        let acceptance = self.inner.put_dossier(id, upload).await?;
        match fault {
            Fault::ResetAfterCommit => {
                self.resets_after_commit.fetch_add(1, Ordering::SeqCst);
                Err(SendError::retry("connection reset"))
            }
            _ => Ok(acceptance),
        }
    }

    async fn status(&self, since: u64) -> Result<StatusPage, SendError> {
        self.inner.status(since).await
    }

    async fn catalogue(&self, since: u64) -> Result<Option<SignedCatalogue>, SendError> {
        self.inner.catalogue(since).await
    }

    async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), SendError> {
        self.inner.heartbeat(beat).await
    }
    async fn rating(
        &self,
        id: uuid::Uuid,
        rating: &xakiosk::protocol::contract::RatingUpload,
    ) -> Result<(), SendError> {
        self.inner.rating(id, rating).await
    }
    async fn alert(
        &self,
        id: uuid::Uuid,
        alert: &xakiosk::protocol::contract::AlertUpload,
    ) -> Result<(), SendError> {
        self.inner.alert(id, alert).await
    }
}

/// 30 dossiers (a third with a photo sent in 512-byte chunks), half the calls failing in
/// some way: every one ends accepted, the portal holds each exactly once, photos resume where
/// the portal's copy stops, and no failing dossier kept the others from being sent.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_dossier_reaches_the_portal_exactly_once_despite_faults() {
    let (store, ids, _dir) = kiosk_with(30).await;
    let sealed_photo_bytes: u64 = {
        let mut total = 0;
        for id in &ids {
            let id = *id;
            total += store
                .call(move |s| s.sealed_attachment_bytes(id))
                .await
                .unwrap();
        }
        total
    };
    let portal = Arc::new(PortalDb::open_in_memory().unwrap());
    let flaky = Arc::new(Flaky::new(
        InProcessPortal::new(portal.clone(), identity("KIOSK-TEST", 1)),
        0x9E37_79B9_7F4A_7C15,
    ));
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(chrono::Utc::now()));
    let seed = AtomicU64::new(7);
    let engine = SyncEngine::new(store.clone(), flaky.clone(), clock, "KIOSK-TEST")
        .with_chunk_size(512)
        .with_request_timeout(Duration::from_secs(60))
        .with_backoff(Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(120),
        })
        .with_random(move || {
            let x = seed.fetch_add(0x9E37_79B9, Ordering::SeqCst);
            (x % 1000) as f64 / 1000.0
        })
        .with_idle_poll(Duration::from_secs(60));
    run_until_drained(engine).await;

    assert_eq!(
        portal.received_count().unwrap(),
        30,
        "each dossier exactly once at the portal"
    );
    let received: HashSet<String> = portal
        .list(100)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let sent: HashSet<String> = ids.iter().map(|i| i.to_string()).collect();
    assert_eq!(received, sent);
    for id in ids {
        let states: Vec<DossierState> = store
            .call(move |s| s.history(id))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.state)
            .collect();
        assert_eq!(states.last(), Some(&DossierState::Accepted));
    }
    let faults = flaky.faults.lock().unwrap().clone();
    for kind in ["500", "429", "timeout", "slow", "tls", "reset"] {
        assert!(
            faults.contains(&kind),
            "the run never injected {kind}: {faults:?}"
        );
    }
    assert!(
        flaky.resets_after_commit.load(Ordering::SeqCst) > 0,
        "a replay after a lost answer happened"
    );
    assert!(
        flaky.dossier_calls.load(Ordering::SeqCst) > 30,
        "failures were retried"
    );
    // Resuming, not restarting: beyond the photos themselves, only the chunks whose request
    // failed went on the wire twice.
    let offered = flaky.bytes_offered.load(Ordering::SeqCst);
    let failed = flaky.failed_chunks.load(Ordering::SeqCst);
    assert!(
        flaky.chunk_resets.load(Ordering::SeqCst) > 0,
        "a connection broke mid-upload"
    );
    assert!(
        offered <= sealed_photo_bytes + failed * 512,
        "photos restarted from the beginning: {offered} bytes sent for {sealed_photo_bytes}"
    );
    for r in portal.list(100).unwrap() {
        for a in &r.upload.attachments {
            assert!(portal.attachment(&r.id, &a.sha256).unwrap().is_some());
        }
    }
}

/// One dossier the portal holds while the kiosk still has it "sending": claimed and sent
/// outside the engine (what an earlier run did before its outcome was lost).
async fn delivered_but_left_sending() -> (
    StoreHandle,
    Vec<uuid::Uuid>,
    tempfile::TempDir,
    Arc<PortalDb>,
    InProcessPortal,
    Acceptance,
) {
    let (store, ids, dir) = kiosk_with(1).await;
    let portal = Arc::new(PortalDb::open_in_memory().unwrap());
    let transport = InProcessPortal::new(portal.clone(), identity("KIOSK-TEST", 1));
    transport.enroll().await.unwrap();
    let now = chrono::Utc::now();
    let item = store
        .call(move |s| s.claim_next(now))
        .await
        .unwrap()
        .unwrap();
    let upload = xakiosk::sync::engine::upload_of(&item, "KIOSK-TEST");
    for (sha, _, sealed) in &item.attachments {
        let checksum = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(sealed));
        let total = sealed.len() as u64;
        transport
            .append_upload(item.id, sha, &checksum, 0, total, sealed.clone())
            .await
            .unwrap();
    }
    let acceptance = transport.put_dossier(item.id, &upload).await.unwrap();
    (store, ids, dir, portal, transport, acceptance)
}

/// The portal took a dossier but writing "accepted" failed (a full or read-only disk for a
/// moment): the dossier is left "sending". The next pass — not the next restart — queues it
/// again, and the resend gets the original acceptance.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_dossier_whose_outcome_was_not_recorded_goes_again_at_the_next_pass() {
    let (store, ids, _dir, portal, transport, first) = delivered_but_left_sending().await;
    // ...and the store refused to record it.
    store.call(|s| s.refuse_writes(true)).await.unwrap();
    let id = ids[0];
    let failed = store
        .call(move |s| s.mark_accepted(id, &first.reference, chrono::Utc::now()))
        .await;
    assert!(failed.is_err());
    store.call(|s| s.refuse_writes(false)).await.unwrap();
    // The same engine goes on (no restart).
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(chrono::Utc::now()));
    let engine = SyncEngine::new(store.clone(), transport, clock, "KIOSK-TEST");
    let pass = engine.pass().await.unwrap();
    assert_eq!(pass.accepted, 1);
    assert_eq!(store.call(|s| s.queue_len()).await.unwrap(), 0);
    assert_eq!(portal.received_count().unwrap(), 1, "once");
    let history = store.call(move |s| s.history(id)).await.unwrap();
    assert_eq!(
        history.last().map(|e| e.state),
        Some(DossierState::Accepted)
    );
    assert!(
        history
            .iter()
            .any(|e| e.state == DossierState::Queued && e.note.is_some()),
        "the requeue is in the history"
    );
}

/// A restart while a dossier was "sending" queues it again, and the resend is harmless.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_dossier_left_sending_by_a_crash_is_sent_once_after_restart() {
    // The previous run claimed it and the portal stored it; then the power went.
    let (store, ids, _dir, portal, transport, _) = delivered_but_left_sending().await;

    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(chrono::Utc::now()));
    let engine = SyncEngine::new(store.clone(), transport, clock, "KIOSK-TEST");
    run_until_drained(engine).await;
    assert_eq!(portal.received_count().unwrap(), 1);
    let id = ids[0];
    let states: Vec<DossierState> = store
        .call(move |s| s.history(id))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.state)
        .collect();
    assert_eq!(
        states,
        [
            DossierState::Queued,
            DossierState::Sending,
            DossierState::Queued,
            DossierState::Sending,
            DossierState::Accepted
        ]
    );
}

/// Passes dossiers to the in-process portal, holding each `put` a (paused-time) moment so
/// that those sent together overlap; counts how many were in flight at most, and answers the
/// dossiers named in `refuse` / `fail` with a conflict / a temporary failure.
struct Overlapping {
    inner: InProcessPortal,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    puts: AtomicUsize,
    refuse: Vec<uuid::Uuid>,
    fail: Vec<uuid::Uuid>,
}

impl Overlapping {
    fn new(inner: InProcessPortal, refuse: Vec<uuid::Uuid>, fail: Vec<uuid::Uuid>) -> Self {
        Overlapping {
            inner,
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
            puts: AtomicUsize::new(0),
            refuse,
            fail,
        }
    }
}

impl PortalTransport for Overlapping {
    async fn enroll(&self) -> Result<Enrolled, SendError> {
        self.inner.enroll().await
    }
    async fn upload_progress(
        &self,
        id: uuid::Uuid,
        sha: &str,
    ) -> Result<UploadProgress, SendError> {
        self.inner.upload_progress(id, sha).await
    }
    async fn append_upload(
        &self,
        id: uuid::Uuid,
        sha256: &str,
        checksum: &str,
        offset: u64,
        total: u64,
        chunk: Vec<u8>,
    ) -> Result<UploadProgress, SendError> {
        self.inner
            .append_upload(id, sha256, checksum, offset, total, chunk)
            .await
    }
    async fn put_dossier(
        &self,
        id: uuid::Uuid,
        upload: &DossierUpload,
    ) -> Result<Acceptance, SendError> {
        self.puts.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if self.refuse.contains(&id) {
            return Err(SendError::Conflict("another dossier under this id".into()));
        }
        if self.fail.contains(&id) {
            return Err(SendError::retry("503 Service Unavailable"));
        }
        self.inner.put_dossier(id, upload).await
    }
    async fn status(&self, since: u64) -> Result<StatusPage, SendError> {
        self.inner.status(since).await
    }
    async fn catalogue(&self, since: u64) -> Result<Option<SignedCatalogue>, SendError> {
        self.inner.catalogue(since).await
    }
    async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), SendError> {
        self.inner.heartbeat(beat).await
    }
    async fn rating(
        &self,
        id: uuid::Uuid,
        rating: &xakiosk::protocol::contract::RatingUpload,
    ) -> Result<(), SendError> {
        self.inner.rating(id, rating).await
    }
    async fn alert(
        &self,
        id: uuid::Uuid,
        alert: &xakiosk::protocol::contract::AlertUpload,
    ) -> Result<(), SendError> {
        self.inner.alert(id, alert).await
    }
}

async fn last_state(store: &StoreHandle, id: uuid::Uuid) -> Option<DossierState> {
    store
        .call(move |s| s.history(id))
        .await
        .unwrap()
        .last()
        .map(|e| e.state)
}

/// Several dossiers go up at once, never more than the engine's bound; the portal holds each
/// exactly once with its photos whole; a refusal in the middle of a batch keeps only that
/// dossier back (queued, with its reason), and the batch's acceptances are all recorded.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn several_dossiers_go_up_at_once_and_a_refusal_keeps_back_only_its_own() {
    let (store, ids, _dir) = kiosk_with(11).await;
    let portal = Arc::new(PortalDb::open_in_memory().unwrap());
    let refused = ids[5];
    let transport = Arc::new(Overlapping::new(
        InProcessPortal::new(portal.clone(), identity("KIOSK-TEST", 1)),
        vec![refused],
        vec![],
    ));
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(chrono::Utc::now()));
    let engine =
        SyncEngine::new(store.clone(), transport.clone(), clock, "KIOSK-TEST").with_in_flight(3);
    let pass = engine.pass().await.unwrap();
    assert_eq!((pass.accepted, pass.retried), (10, 1));
    assert_eq!(
        transport.most_in_flight.load(Ordering::SeqCst),
        3,
        "three at a time, never more"
    );
    assert_eq!(transport.puts.load(Ordering::SeqCst), 11, "each sent once");
    assert_eq!(portal.received_count().unwrap(), 10, "each exactly once");
    for &id in &ids {
        let expected = if id == refused {
            DossierState::Queued
        } else {
            DossierState::Accepted
        };
        assert_eq!(last_state(&store, id).await, Some(expected), "{id}");
    }
    let queue = store.call(|s| s.queue_view(10)).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].attempts, 1);
    assert!(
        queue[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("conflict")),
        "{:?}",
        queue[0].last_error
    );
    for r in portal.list(100).unwrap() {
        for a in &r.upload.attachments {
            assert!(portal.attachment(&r.id, &a.sha256).unwrap().is_some());
        }
    }
}

/// A temporary failure (the portal or the network down) ends the pass after the batch it
/// was in: the batch's other dossiers are recorded as accepted, later ones are not tried.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_temporary_failure_ends_the_pass_after_its_batch() {
    let (store, ids, _dir) = kiosk_with(10).await;
    let portal = Arc::new(PortalDb::open_in_memory().unwrap());
    let transport = Arc::new(Overlapping::new(
        InProcessPortal::new(portal.clone(), identity("KIOSK-TEST", 1)),
        vec![],
        vec![ids[5]],
    ));
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(chrono::Utc::now()));
    let engine =
        SyncEngine::new(store.clone(), transport.clone(), clock, "KIOSK-TEST").with_in_flight(4);
    let pass = engine.pass().await.unwrap();
    // Batches of four, oldest first: 0..4 accepted, 4..8 sent with 5 failing, 8 and 9 wait.
    assert_eq!((pass.accepted, pass.retried), (7, 1));
    assert_eq!(transport.puts.load(Ordering::SeqCst), 8);
    assert_eq!(portal.received_count().unwrap(), 7);
    assert_eq!(store.call(|s| s.queue_len()).await.unwrap(), 3);
    assert!(
        !engine.status().borrow().online,
        "the pass says the portal is out of reach"
    );
    for (i, &id) in ids.iter().enumerate() {
        let expected = if i == 5 || i >= 8 {
            DossierState::Queued
        } else {
            DossierState::Accepted
        };
        assert_eq!(last_state(&store, id).await, Some(expected), "dossier {i}");
    }
}

/// Kiosks that start together (power back after a cut) spread their heartbeats, catalogue
/// and update checks over the housekeeping period instead of all making them on their first
/// pass; the dossiers themselves still go at once.
#[tokio::test(flavor = "current_thread")]
async fn after_a_start_the_first_heartbeat_waits_for_its_random_point_in_the_period() {
    let (store, _ids, _dir) = kiosk_with(1).await;
    let portal = Arc::new(PortalDb::open_in_memory().unwrap());
    let transport = InProcessPortal::new(portal.clone(), identity("KIOSK-TEST", 1));
    let clock = Arc::new(xakiosk::devices::clock::SimClock::new(chrono::Utc::now()));
    let engine = SyncEngine::new(store.clone(), transport, clock.clone(), "KIOSK-TEST")
        .with_housekeeping_every(Duration::from_secs(300))
        .with_random(|| 0.5);
    engine.spread_first_housekeeping();
    let beats = || {
        portal
            .devices()
            .unwrap()
            .into_iter()
            .filter(|d| d.last_heartbeat.is_some())
            .count()
    };
    let pass = engine.pass().await.unwrap();
    assert_eq!(
        pass.accepted, 1,
        "the queued dossier goes on the first pass"
    );
    assert_eq!(beats(), 0, "no heartbeat on the first pass");
    clock.advance(Duration::from_secs(149));
    engine.pass().await.unwrap();
    assert_eq!(beats(), 0, "none before half the period (the drawn point)");
    clock.advance(Duration::from_secs(1));
    engine.pass().await.unwrap();
    assert_eq!(beats(), 1, "the heartbeat at its point of the period");
    // Then every period, as before.
    clock.advance(Duration::from_secs(299));
    engine.pass().await.unwrap();
    let first = portal.devices().unwrap()[0]
        .last_heartbeat
        .clone()
        .unwrap()
        .at;
    clock.advance(Duration::from_secs(1));
    engine.pass().await.unwrap();
    let second = portal.devices().unwrap()[0]
        .last_heartbeat
        .clone()
        .unwrap()
        .at;
    assert_ne!(first, second, "the next heartbeat a period later");
}

/// Runs the engine until the portal is reachable and nothing waits, then stops it.
async fn run_until_drained<T: PortalTransport>(engine: SyncEngine<T>) {
    let mut status = engine.status();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(engine.run(async {
        let _ = stopped.await;
    }));
    let _guard = Watchdog::arm("the queue never drained");
    status
        .wait_for(|s| s.online && s.queued == 0)
        .await
        .unwrap();
    stop.send(()).unwrap();
    task.await.unwrap();
}

/// Fails the whole test run if a paused-time test is still going after two real minutes (a
/// tokio timer cannot guard it: paused time would fire it while the store thread works).
struct Watchdog(Option<std::sync::mpsc::Sender<()>>);

impl Watchdog {
    fn arm(what: &'static str) -> Watchdog {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                rx.recv_timeout(Duration::from_secs(120))
            {
                eprintln!("watchdog: {what}");
                std::process::exit(101);
            }
        });
        Watchdog(Some(tx))
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// A reference portal on loopback: its database, its address, and a switch to stop it.
type RunningPortal = (
    Arc<PortalDb>,
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
);

async fn http_portal() -> RunningPortal {
    http_portal_with(|state| state).await
}

/// The reference portal over HTTP, its state as `adjust` makes it.
async fn http_portal_with(
    adjust: impl FnOnce(xakiosk::portal::PortalState) -> xakiosk::portal::PortalState,
) -> RunningPortal {
    let portal = Arc::new(PortalDb::open_in_memory().unwrap());
    let opener = xakiosk::protocol::sealing::Opener::from_base64(include_str!(
        "../assets/dev/portal-development.key"
    ))
    .unwrap();
    // The officer of the test kiosk's commune.
    portal
        .add_officer(
            "lan",
            &xakiosk::core::pin_hash::hash_pin(OFFICER_PASSWORD, [7; 16]),
            Role::Officer,
            &Communes::parse("00070").unwrap(),
            &Attribution::command("test"),
            0,
        )
        .unwrap();
    let state = adjust(
        xakiosk::portal::PortalState::new(portal.clone(), "secret-token")
            .with_opener(opener)
            .with_catalogue_key(&DeviceKey::from_seed([42; 32]).public_base64()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(xakiosk::portal::serve(listener, state, async {
        let _ = stopped.await;
    }));
    (portal, base, stop, server)
}

fn http(base: &str, who: KioskIdentity, token: &str) -> HttpTransport {
    HttpTransport::new(base, who, token, Duration::from_secs(5)).unwrap()
}

/// The real thing: the reference portal over HTTP on loopback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_replays_conflicts_tokens_and_decisions_behave() {
    let (portal, base, stop, server) = http_portal().await;
    let (store, ids, _dir) = kiosk_with(4).await;
    let transport = Arc::new(http(&base, identity("KIOSK-HTTP", 1), "secret-token"));
    let clock: Arc<dyn Clock> = Arc::new(xakiosk::devices::clock::SystemClock::new());
    let engine =
        SyncEngine::new(store.clone(), transport.clone(), clock, "KIOSK-HTTP").with_chunk_size(700);
    let pass = engine.pass().await.unwrap();
    assert_eq!(
        pass.accepted, 4,
        "the engine enrolled the kiosk, then sent everything"
    );
    assert_eq!(portal.received_count().unwrap(), 4);
    assert_eq!(
        portal.device_key("KIOSK-HTTP").unwrap(),
        Some(DeviceKey::from_seed([1; 32]).public_base64())
    );

    // A replay of the same body gets the original acceptance; a different body is a conflict.
    let first = portal
        .list(10)
        .unwrap()
        .into_iter()
        .find(|r| r.id == ids[0].to_string())
        .unwrap();
    let replay = transport.put_dossier(ids[0], &first.upload).await.unwrap();
    assert_eq!(replay.reference, first.reference);
    let mut other = first.upload.clone();
    other.code = "ZZZZZZZZZ".into();
    assert!(matches!(
        transport.put_dossier(ids[0], &other).await,
        Err(SendError::Conflict(_))
    ));

    // Who may speak: a wrong enrollment token, a kiosk that never enrolled, another key
    // claiming an enrolled kiosk id, and a kiosk submitting in another kiosk's name.
    let wrong_token = http(&base, identity("KIOSK-NEW", 2), "wrong");
    assert!(matches!(
        wrong_token.enroll().await,
        Err(SendError::Refused(_))
    ));
    assert!(matches!(
        wrong_token.status(0).await,
        Err(SendError::Unauthorised(_))
    ));
    let impostor = http(&base, identity("KIOSK-HTTP", 3), "secret-token");
    assert!(matches!(
        impostor.enroll().await,
        Err(SendError::Conflict(_))
    ));
    assert!(matches!(
        impostor.put_dossier(ids[0], &first.upload).await,
        Err(SendError::Unauthorised(_))
    ));
    let neighbour = http(&base, identity("KIOSK-NEIGHBOUR", 4), "secret-token");
    neighbour.enroll().await.unwrap();
    let mut stolen = first.upload.clone();
    stolen.code = "NEIGHBOUR".into();
    let stranger = uuid::Uuid::now_v7();
    assert!(matches!(
        neighbour.put_dossier(stranger, &stolen).await,
        Err(SendError::Refused(_))
    ));
    // An unsigned request is refused outright.
    let unsigned = reqwest::get(format!("{base}/v1/status?since=0"))
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    assert_eq!(portal.received_count().unwrap(), 4);

    // A kiosk whose clock is two hours behind is told the portal's time and corrects itself.
    let late_clock =
        http(&base, identity("KIOSK-HTTP", 1), "secret-token").with_clock_offset(-7200);
    assert!(late_clock.status(0).await.is_ok());

    // The officer of the kiosk's commune signs in, opens the sealed dossier with the portal
    // key and decides.
    let officer = OfficerBrowser::sign_in(&base, "lan", OFFICER_PASSWORD)
        .await
        .unwrap();
    let page = officer
        .page(&format!("/officer/dossiers/{}", ids[0]))
        .await
        .unwrap();
    assert!(
        page.contains("Lê Thị Hoa 0 · 001093047064"),
        "the portal can open what the kiosk sealed"
    );
    assert!(page.contains("KIOSK-HTTP"), "the dossier names its kiosk");
    let (status, _) = officer
        .post(
            &format!("/officer/dossiers/{}/decision", ids[1]),
            &[
                ("state", "needs_fix"),
                ("note", "Thiếu hợp đồng thuê nhà"),
                ("fields", "paper, applicant_name"),
                ("due", "2026-12-20"),
            ],
        )
        .await;
    assert_eq!(
        status, 303,
        "the decision is taken and the list shown again"
    );
    assert!(
        neighbour.status(0).await.unwrap().changes.is_empty(),
        "another kiosk does not see this kiosk's decisions"
    );
    engine.pass().await.unwrap();
    let id = ids[1];
    let history = store.call(move |s| s.history(id)).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.state, DossierState::NeedsFix);
    assert_eq!(last.note.as_deref(), Some("Thiếu hợp đồng thuê nhà"));
    let request = last
        .request
        .clone()
        .expect("the officer's request reached the kiosk");
    assert_eq!(request.fields, ["paper", "applicant_name"]);
    assert_eq!(request.due, chrono::NaiveDate::from_ymd_opt(2026, 12, 20));

    // "Bổ sung tại máy": a supplement naming the sent-back dossier goes out once, and the
    // officer sees it beside the dossier it completes.
    let (mut supplement, photos) = draft(3);
    supplement.supplements = Some(id);
    let supplement_id = supplement.id;
    let supplement_code = supplement.code.as_str().to_string();
    store
        .call(move |s| s.submit(&supplement, &photos, chrono::Utc::now()))
        .await
        .unwrap();
    let linked = store.call(move |s| s.supplement_of(id)).await.unwrap();
    assert_eq!(linked.map(|s| s.id), Some(supplement_id));
    assert_eq!(engine.pass().await.unwrap().accepted, 1);
    assert_eq!(engine.pass().await.unwrap().accepted, 0, "sent once");
    let received = portal
        .list(20)
        .unwrap()
        .into_iter()
        .find(|r| r.id == supplement_id.to_string())
        .expect("the portal holds the supplement");
    assert_eq!(received.upload.supplements, Some(id.to_string()));
    let page = officer.page("/officer").await.unwrap();
    let original_code = first_code_of(&portal, id);
    assert!(
        page.contains(&format!("BỔ SUNG cho hồ sơ {original_code}")),
        "the supplement names the dossier it completes"
    );
    assert!(page.contains(&format!("đã bổ sung: hồ sơ {supplement_code}")));
    assert!(page.contains(
        "yêu cầu: Thiếu hợp đồng thuê nhà (câu hỏi: paper, applicant_name), hạn 20/12/2026"
    ));
    let heartbeat = portal
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.kiosk_id == "KIOSK-HTTP")
        .and_then(|d| d.last_heartbeat)
        .expect("the kiosk sent a heartbeat");
    assert_eq!(heartbeat.queued, 0);

    // The portal going away is a retry, never a loss.
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    let (d, a) = draft(99);
    let late = d.id;
    store
        .call(move |s| s.submit(&d, &a, chrono::Utc::now()))
        .await
        .unwrap();
    let pass = engine.pass().await.unwrap();
    assert_eq!((pass.accepted, pass.retried), (0, 1));
    let history = store.call(move |s| s.history(late)).await.unwrap();
    assert_eq!(history.last().unwrap().state, DossierState::Queued);
}

/// A hostile enrolled kiosk knows another kiosk's dossier id (it is in every receipt's QR):
/// sending a dossier under it first (without a receipt, with the resident's printed one, or
/// with one of its own), reading the other's photo upload or appending to it
/// gets it only a dossier and an upload of its own. The real kiosk's dossier still arrives,
/// whole, exactly once, and its decisions go to it alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_kiosk_cannot_take_or_touch_a_dossier_by_its_id() {
    use sha2::{Digest, Sha256};
    let (portal, base, stop, server) = http_portal().await;
    let (store, ids, _dir) = kiosk_with(4).await;
    let real = Arc::new(http(&base, identity("KIOSK-REAL", 1), "secret-token"));
    let hostile = http(&base, identity("KIOSK-HOSTILE", 2), "secret-token");
    real.enroll().await.unwrap();
    hostile.enroll().await.unwrap();

    // 1. It squats the first dossier's id before the real kiosk syncs.
    let squatted = ids[0];
    let squat = DossierUpload {
        code: "SQUATTED1".into(),
        procedure_id: "dang-ky-tam-tru".into(),
        procedure_version: 1,
        kiosk_id: "KIOSK-HOSTILE".into(),
        submitted_at: "2026-12-07T01:00:00Z".into(),
        sealed_answers: "c2VhbGVk".into(),
        attachments: Vec::new(),
        receipt: None,
        supplements: None,
    };
    // Without a receipt: refused.
    assert!(matches!(
        hostile.put_dossier(squatted, &squat).await,
        Err(SendError::Refused(why)) if why.contains("receipt")
    ));
    // With the receipt the resident took home (its QR is printed): not its key, not its
    // content: refused.
    let queued = store.call(|s| s.queue_view(10)).await.unwrap();
    let mut printed = None;
    for q in queued {
        let code = DossierCode::parse(&q.code).unwrap();
        let summary = store
            .call(move |s| s.find_by_code(&code))
            .await
            .unwrap()
            .unwrap();
        if summary.id == squatted {
            printed = summary.receipt;
        }
    }
    let stolen = DossierUpload {
        receipt: Some(printed.expect("the real kiosk signed a receipt at submit")),
        ..squat.clone()
    };
    assert!(matches!(
        hostile.put_dossier(squatted, &stolen).await,
        Err(SendError::Refused(why)) if why.contains("receipt")
    ));
    // With a receipt of its own: a dossier of its own, under that id.
    let squat = DossierUpload {
        receipt: Receipt::for_upload(
            &DeviceKey::from_seed([2; 32]),
            &squatted.to_string(),
            &squat,
            chrono::Utc::now(),
        )
        .map(|r| r.to_text()),
        ..squat
    };
    hostile.put_dossier(squatted, &squat).await.unwrap();

    // 2. A photo of the real kiosk's, half sent; the hostile kiosk reads and extends it.
    let photo_of = uuid::Uuid::now_v7();
    let photo: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    let sha = format!("{:064x}", 77);
    let checksum = hex::encode(Sha256::digest(&photo));
    let half = real
        .append_upload(
            photo_of,
            &sha,
            &checksum,
            0,
            photo.len() as u64,
            photo[..1500].to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(half.received, 1500);
    let seen = hostile.upload_progress(photo_of, &sha).await.unwrap();
    assert_eq!(
        (seen.received, seen.complete),
        (0, false),
        "not its upload to see"
    );
    let garbage = vec![0u8; 1500];
    match hostile
        .append_upload(photo_of, &sha, &checksum, 1500, photo.len() as u64, garbage)
        .await
    {
        Err(SendError::Conflict(_)) | Err(SendError::Refused(_)) => {}
        Ok(p) => assert_eq!(p.received, 0, "it only ever reaches an upload of its own"),
        Err(other) => panic!("{other:?}"),
    }
    let done = real
        .append_upload(
            photo_of,
            &sha,
            &checksum,
            1500,
            photo.len() as u64,
            photo[1500..].to_vec(),
        )
        .await
        .unwrap();
    assert!(
        done.complete,
        "the real kiosk's photo completes from where it was"
    );
    assert_eq!(
        portal.attachment(&photo_of.to_string(), &sha).unwrap(),
        Some(photo.clone()),
        "whole, and only the real kiosk's bytes"
    );

    // 3. The real kiosk syncs: every dossier is accepted, none refused as a conflict.
    let clock: Arc<dyn Clock> = Arc::new(xakiosk::devices::clock::SystemClock::new());
    let engine = SyncEngine::new(store.clone(), real.clone(), clock, "KIOSK-REAL");
    let pass = engine.pass().await.unwrap();
    assert_eq!((pass.accepted, pass.retried), (4, 0));
    assert_eq!(engine.pass().await.unwrap().accepted, 0, "exactly once");
    assert_eq!(
        portal.received_count().unwrap(),
        5,
        "four real ones and the squatter's"
    );
    let mine: Vec<_> = portal
        .list(10)
        .unwrap()
        .into_iter()
        .filter(|r| r.kiosk_dossier_id == squatted.to_string())
        .collect();
    assert_eq!(
        mine.len(),
        2,
        "two dossiers known by that id, one per kiosk"
    );
    let real_one = mine
        .iter()
        .find(|r| r.upload.kiosk_id == "KIOSK-REAL")
        .unwrap();
    assert_ne!(
        real_one.id,
        squatted.to_string(),
        "the squatter had the id first"
    );
    assert_ne!(real_one.upload.code, "SQUATTED1");

    // 4. A decision on the real dossier reaches the real kiosk under its own id, and the
    //    hostile kiosk hears nothing of it.
    portal
        .decide(
            &real_one.id,
            "accepted",
            None,
            None,
            &Attribution::officer("lan", "test"),
            "2026-12-07T02:00:00Z",
        )
        .unwrap();
    let heard = real.status(0).await.unwrap();
    assert!(
        heard
            .changes
            .iter()
            .any(|c| c.id == squatted.to_string() && c.state == "accepted")
    );
    assert!(hostile.status(0).await.unwrap().changes.is_empty());
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// The test officer's password.
const OFFICER_PASSWORD: &str = "a-long-officer-password";

/// The sign-in page as a browser gets it.
async fn sign_in_page(base: &str) -> String {
    reqwest::get(format!("{base}/officer/sign-in"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The code of a dossier the portal received.
fn first_code_of(portal: &PortalDb, id: uuid::Uuid) -> String {
    portal
        .list(50)
        .unwrap()
        .into_iter()
        .find(|r| r.id == id.to_string())
        .map(|r| r.upload.code)
        .unwrap()
}

/// Speaking TLS to something that is not a TLS server (a captive portal, a misconfigured
/// proxy) fails the handshake: a retry later, and the dossier stays queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_handshake_failure_keeps_the_dossier_queued() {
    let (_portal, base, _stop, _server) = http_portal().await;
    let https = base.replace("http://", "https://");
    let transport = http(&https, identity("KIOSK-TLS", 1), "secret-token");
    match transport.enroll().await {
        Err(SendError::Retry { reason, .. }) => {
            assert!(reason.contains("TLS"), "named as a TLS failure: {reason}")
        }
        other => panic!("expected a retry, got {other:?}"),
    }
    let (store, ids, _dir) = kiosk_with(1).await;
    let clock: Arc<dyn Clock> = Arc::new(xakiosk::devices::clock::SystemClock::new());
    let engine = SyncEngine::new(store.clone(), transport, clock, "KIOSK-TLS");
    let mut status = engine.status();
    engine.pass().await.unwrap();
    let id = ids[0];
    let history = store.call(move |s| s.history(id)).await.unwrap();
    assert_eq!(history.last().unwrap().state, DossierState::Queued);
    let seen = *status.borrow_and_update();
    assert!(!seen.online && seen.queued == 1, "{seen:?}");
}

/// A signed catalogue published at the portal is installed by the kiosk on its next pass; a
/// forged one (signed by another key) is refused and the installed one stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalogue_updates_install_only_when_signed_by_the_portal() {
    let (portal, base, _stop, _server) = http_portal().await;
    let (store, _ids, dir) = kiosk_with(0).await;
    let catalogue_key = DeviceKey::from_seed([42; 32]);
    let install = Arc::new(xakiosk::app::catalogue_install::CatalogueInstall::new(
        &dir.path().join("catalogue"),
        &catalogue_key.public_base64(),
    ));
    let engine = SyncEngine::new(
        store,
        http(&base, identity("KIOSK-CAT", 1), "secret-token"),
        Arc::new(xakiosk::devices::clock::SystemClock::new()),
        "KIOSK-CAT",
    )
    .with_catalogue(install.clone())
    .with_housekeeping_every(Duration::ZERO);
    let procedures = xakiosk::app::assets::assets_dir().join("procedures");
    let bundle =
        |v| xakiosk::app::assets::catalogue_bundle_from_files(&procedures, None, None, v).unwrap();

    portal
        .publish_catalogue(&xakiosk::protocol::catalogue_bundle::sign(
            &bundle(1),
            &catalogue_key,
        ))
        .unwrap();
    engine.pass().await.unwrap();
    assert_eq!(install.version(), 1);
    assert!(dir.path().join("catalogue/current.json").exists());
    let beat = portal
        .devices()
        .unwrap()
        .into_iter()
        .find_map(|d| d.last_heartbeat)
        .expect("a heartbeat arrived");
    assert_eq!(
        beat.catalogue_version, 1,
        "the heartbeat reports the installed catalogue"
    );

    let forger = DeviceKey::from_seed([13; 32]);
    portal
        .publish_catalogue(&xakiosk::protocol::catalogue_bundle::sign(
            &bundle(2),
            &forger,
        ))
        .unwrap();
    engine.pass().await.unwrap();
    assert_eq!(
        install.version(),
        1,
        "a forged catalogue is never installed"
    );
    let reloaded = xakiosk::app::catalogue_install::CatalogueInstall::new(
        &dir.path().join("catalogue"),
        &catalogue_key.public_base64(),
    );
    assert_eq!(reloaded.load().unwrap().unwrap().version, 1);

    portal
        .publish_catalogue(&xakiosk::protocol::catalogue_bundle::sign(
            &bundle(3),
            &catalogue_key,
        ))
        .unwrap();
    engine.pass().await.unwrap();
    assert_eq!(install.version(), 3);
}

/// Offers a bundle to `group`, signed by `key`, as `xakiosk offer-update` does.
fn offer_update(
    portal: &PortalDb,
    bundle: &[u8],
    version: &str,
    group: &str,
    key: &DeviceKey,
) -> xakiosk::protocol::contract::SignedUpdateOffer {
    let (sha256, size) = portal
        .store_update_bundle(bundle, 1 << 30, "2026-12-07T00:00:00Z")
        .unwrap();
    let offer = xakiosk::protocol::contract::UpdateOffer {
        version: version.into(),
        sha256,
        size,
        group: group.into(),
        offered_at: "2026-12-07T00:00:00Z".into(),
    };
    let signed = xakiosk::protocol::update_offer::sign(&offer, key);
    portal
        .offer_update(&offer, &signed, &Attribution::command("test"))
        .unwrap();
    signed
}

/// A software update offered to the kiosk's group is fetched over HTTP in pieces (resuming
/// what an earlier pass kept), checked against its digest and handed to root once; an offer
/// to another group, a forged one and an older version are not fetched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offered_update_is_fetched_whole_and_handed_to_root_once() {
    use xakiosk::app::update_download::UpdateDownload;
    use xakiosk::appliance::update_request::{Origin, REQUEST_FILE, UpdateRequest};
    use xakiosk::sync::update_sink::UpdateSink;
    let (portal, base, _stop, _server) = http_portal().await;
    let (store, _ids, dir) = kiosk_with(0).await;
    let key = DeviceKey::from_seed([42; 32]);
    let data = dir.path().join("kiosk");
    let download = Arc::new(
        UpdateDownload::new(&data, &key.public_base64(), "0.17.0")
            .unwrap()
            .with_free_space(|_| Ok(u64::MAX)),
    );
    let engine = SyncEngine::new(
        store,
        http(&base, identity("KIOSK-UPD", 1), "secret-token"),
        Arc::new(xakiosk::devices::clock::SystemClock::new()),
        "KIOSK-UPD",
    )
    .with_updates(download.clone())
    .with_housekeeping_every(Duration::ZERO);
    engine.pass().await.unwrap();
    let request = data.join(REQUEST_FILE);

    // Nothing this kiosk should take: another group's, a forged one, an older version.
    let bundle: Vec<u8> = (0..9 * 1024 * 1024 + 123u32)
        .map(|i| (i % 253) as u8)
        .collect();
    offer_update(&portal, &bundle, "0.18.0", "pilot", &key);
    engine.pass().await.unwrap();
    assert!(
        download.state().is_none(),
        "offered to the pilot group only"
    );
    offer_update(
        &portal,
        b"forged",
        "9.0.0",
        "general",
        &DeviceKey::from_seed([13; 32]),
    );
    engine.pass().await.unwrap();
    offer_update(&portal, b"old", "0.16.0", "general", &key);
    engine.pass().await.unwrap();
    assert!(download.state().is_none() && !request.exists());

    // Offered to everyone; an earlier pass kept its first 3 MiB before the link dropped.
    let signed = offer_update(&portal, &bundle, "0.18.0", "general", &key);
    let wanted = download.consider(&signed).unwrap().unwrap();
    download
        .append(&wanted, 0, &bundle[..3 * 1024 * 1024])
        .unwrap();
    engine.pass().await.unwrap();
    let asked = UpdateRequest::read(&request).unwrap();
    assert_eq!(asked.origin, Origin::Portal);
    assert!(
        std::fs::read(&asked.bundle).unwrap() == bundle,
        "the bundle arrived whole"
    );
    assert!(download.state().unwrap().requested);

    // Root takes the request away; the same offer is never fetched nor requested again.
    std::fs::remove_file(&request).unwrap();
    engine.pass().await.unwrap();
    assert!(!request.exists());
    let offered: Vec<String> = portal
        .update_offers()
        .unwrap()
        .into_iter()
        .map(|o| format!("{} {}", o.group, o.version))
        .collect();
    assert_eq!(
        offered,
        [
            "general 0.18.0",
            "general 0.16.0",
            "general 9.0.0",
            "pilot 0.18.0"
        ]
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_rating_reaches_the_portal_after_its_dossier_and_a_new_one_replaces_it() {
    let (store, ids, _dir) = kiosk_with(1).await;
    let id = ids[0];
    let now = chrono::Utc::now();
    let rating = xakiosk::core::rating::Rating::new(2, &["hard".into()]).unwrap();
    store.call(move |s| s.rate(id, &rating, now)).await.unwrap();
    // Not sent while the portal does not hold the dossier yet.
    assert!(store.call(|s| s.unsent_ratings()).await.unwrap().is_empty());

    let portal = Arc::new(PortalDb::open_in_memory().unwrap());
    let transport = InProcessPortal::new(portal.clone(), identity("KIOSK-TEST", 1));
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(now));
    let engine = SyncEngine::new(store.clone(), transport, clock, "KIOSK-TEST");
    let pass = engine.pass().await.unwrap();
    assert_eq!(pass.accepted, 1);
    assert_eq!(
        portal.rating_of(&id.to_string()).unwrap(),
        Some((2, vec!["hard".to_string()]))
    );
    assert!(store.call(|s| s.unsent_ratings()).await.unwrap().is_empty());
    assert_eq!(portal.rating_summary().unwrap(), (1, 2.0));

    // The resident changes their mind: the new rating replaces the old one, once.
    let later = now + chrono::Duration::seconds(30);
    let better = xakiosk::core::rating::Rating::new(5, &[]).unwrap();
    store
        .call(move |s| s.rate(id, &better, later))
        .await
        .unwrap();
    engine.pass().await.unwrap();
    assert_eq!(
        portal.rating_of(&id.to_string()).unwrap(),
        Some((5, vec![]))
    );
    assert_eq!(portal.rating_summary().unwrap(), (1, 5.0));

    // Another kiosk cannot rate this kiosk's dossier; nonsense is refused.
    let upload = xakiosk::protocol::contract::RatingUpload {
        stars: 1,
        reasons: vec![],
        rated_at: later.to_rfc3339(),
    };
    assert!(
        portal
            .rate("KIOSK-OTHER", &id.to_string(), &upload, "now")
            .is_err()
    );
    let bad = xakiosk::protocol::contract::RatingUpload { stars: 9, ..upload };
    assert!(
        portal
            .rate("KIOSK-TEST", &id.to_string(), &bad, "now")
            .is_err()
    );
}

/// An on-path attacker who moves an upload's offset (or changes its length or checksum) gets
/// the request refused: those headers are signed with the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_upload_whose_headers_are_altered_on_the_way_is_refused() {
    use xakiosk::protocol::request_signature as sig;
    let (_portal, base, stop, server) = http_portal().await;
    let key = DeviceKey::from_seed([7; 32]);
    http(&base, identity("KIOSK-MITM", 7), "secret-token")
        .enroll()
        .await
        .unwrap();
    let path = format!(
        "/v1/dossiers/{}/attachments/{}",
        uuid::Uuid::now_v7(),
        "ab".repeat(32)
    );
    let chunk = vec![7u8; 100];
    let sent = [
        (
            "content-type",
            "application/offset+octet-stream".to_string(),
        ),
        ("upload-offset", "0".to_string()),
        ("upload-length", "100".to_string()),
        ("upload-checksum", format!("sha256 {}", "cd".repeat(32))),
    ];
    let lookup = |name: &str| {
        sent.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let time = chrono::Utc::now().timestamp();
    let signature = sig::sign(
        &key,
        &sig::SignedRequest {
            method: "PATCH",
            path_and_query: &path,
            time,
            kiosk_id: "KIOSK-MITM",
            body: &chunk,
            header: &lookup,
        },
    );
    let client = reqwest::Client::new();
    let send = |altered: Option<(&'static str, &'static str)>| {
        let mut request = client
            .patch(format!("{base}{path}"))
            .header(sig::KIOSK_HEADER, "KIOSK-MITM")
            .header(sig::TIME_HEADER, time.to_string())
            .header(sig::SIGNATURE_HEADER, signature.clone())
            .body(chunk.clone());
        for (name, value) in &sent {
            let value = match altered {
                Some((n, v)) if n == *name => v.to_string(),
                _ => value.clone(),
            };
            request = request.header(*name, value);
        }
        async move { request.send().await.unwrap().status() }
    };
    for altered in [
        ("upload-offset", "50"),
        ("upload-length", "60"),
        ("upload-checksum", "sha256 00"),
        ("content-type", "application/json"),
    ] {
        assert_eq!(
            send(Some(altered)).await,
            reqwest::StatusCode::UNAUTHORIZED,
            "{altered:?}"
        );
    }
    // Untouched, the same request passes the signature (and is judged on its merits).
    assert_ne!(send(None).await, reqwest::StatusCode::UNAUTHORIZED);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// Every route reads at most its kind's body: anything larger is refused with 413, whoever
/// sends it and before it is read (a stranger cannot make the portal hold 32 MiB per request).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_on_every_route_before_it_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use xakiosk::protocol::contract::body_limits::{DOSSIER, SMALL, UPLOAD_CHUNK};
    let (_portal, base, stop, server) = http_portal().await;
    let id = uuid::Uuid::now_v7();
    let sha = "ab".repeat(32);
    let routes: [(reqwest::Method, String, usize); 7] = [
        (reqwest::Method::POST, "/v1/enroll".into(), SMALL),
        (reqwest::Method::PUT, format!("/v1/dossiers/{id}"), DOSSIER),
        (
            reqwest::Method::PATCH,
            format!("/v1/dossiers/{id}/attachments/{sha}"),
            UPLOAD_CHUNK,
        ),
        (reqwest::Method::POST, "/v1/heartbeat".into(), SMALL),
        (
            reqwest::Method::PUT,
            format!("/v1/dossiers/{id}/rating"),
            SMALL,
        ),
        (reqwest::Method::PUT, format!("/v1/alerts/{id}"), SMALL),
        (reqwest::Method::POST, "/officer/sign-in".into(), SMALL),
    ];
    for (method, path, limit) in routes {
        // Only the head is sent, announcing one byte over the limit: the answer comes without
        // a byte of the body (none is ever sent), so it was not read.
        let content_type = if path.starts_with("/officer") {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
            .await
            .unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer secret-token\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            limit + 1
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0; 256];
        let n = stream.read(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]).to_string();
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{method} {path}: {answer}"
        );
    }
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// Somebody guessing enrollment tokens from one address gets 429 once past the burst, with
/// the time to wait; the token is then not even looked at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_enrollments_from_one_address_gets_429() {
    use xakiosk::portal::routes::rate_limits::BURST;
    let (_portal, base, stop, server) = http_portal().await;
    let mut statuses = Vec::new();
    for attempt in 0..=BURST {
        let guesser = http(
            &base,
            identity(&format!("GUESS-{attempt}"), 9),
            "guessed-token",
        );
        statuses.push(match guesser.enroll().await {
            Err(SendError::Refused(m)) => m,
            other => format!("{other:?}"),
        });
    }
    let last = statuses.pop().unwrap();
    assert!(statuses.iter().all(|m| m.contains("401")), "{statuses:?}");
    assert!(last.contains("429"), "{last}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// A sender that starts a request and never finishes it holds the portal for the request
/// deadline only, then gets 408 (the clock is paused: the deadline passes without waiting).
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_request_that_never_finishes_arriving_gets_408_at_the_deadline() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_portal, base, stop, server) = http_portal().await;
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream
        .write_all(
            b"POST /v1/heartbeat HTTP/1.1\r\nHost: portal\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let mut answer = vec![0; 256];
    let n = tokio::time::timeout(
        xakiosk::portal::REQUEST_DEADLINE * 2,
        stream.read(&mut answer),
    )
    .await
    .expect("the portal answers by its deadline")
    .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]).to_string();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() >= xakiosk::portal::REQUEST_DEADLINE);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// A portal on the published development key and token says so on the officer page; a real
/// one does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_development_portal_says_so_on_every_officer_page() {
    let banner = "MÔI TRƯỜNG THỬ NGHIỆM";
    for development in [false, true] {
        let mut state = xakiosk::portal::PortalState::new(
            Arc::new(PortalDb::open_in_memory().unwrap()),
            "a-long-random-token-1234",
        );
        if development {
            state = state.development();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(xakiosk::portal::serve(listener, state, async {
            let _ = stopped.await;
        }));
        assert_eq!(sign_in_page(&base).await.contains(banner), development);
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    }
}

/// A large body is read only once its signature holds: a stranger announcing a 900 KB photo
/// chunk is answered 401 at once, before sending a byte of it (the portal would otherwise
/// wait for the body until its 408 deadline); a signed chunk whose body is not the one its
/// `Content-Digest` names is refused; and a body over 64 KiB that names no digest at all is
/// not read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_body_is_read_only_after_its_signature_holds() {
    use sha2::{Digest, Sha256};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use xakiosk::protocol::request_signature::{self as rs, SignedRequest};
    let (_portal, base, stop, server) = http_portal().await;
    let kiosk = http(&base, identity("KIOSK-BODY", 1), "secret-token");
    kiosk.enroll().await.unwrap();
    let id = uuid::Uuid::now_v7();
    let path = format!("/v1/dossiers/{id}/attachments/{}", "cd".repeat(32));
    let chunk = vec![5u8; 900_000];
    let time = chrono::Utc::now().timestamp();
    let headers = |value: &str| {
        [
            (
                "content-type",
                "application/offset+octet-stream".to_string(),
            ),
            ("upload-offset", "0".to_string()),
            ("upload-length", chunk.len().to_string()),
            (
                "upload-checksum",
                format!("sha256 {}", hex::encode(Sha256::digest(&chunk))),
            ),
            ("content-digest", value.to_string()),
        ]
    };
    let signed_by = |key: &DeviceKey, body: &[u8]| {
        let list = headers(&rs::content_digest(body));
        let header = move |name: &str| {
            list.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        rs::sign(
            key,
            &SignedRequest {
                method: "PATCH",
                path_and_query: &path,
                time,
                kiosk_id: "KIOSK-BODY",
                body,
                header: &header,
            },
        )
    };

    // Sends only the head of the chunk's PATCH (the body never comes) and returns the answer.
    let head_only = async |signature: &str, digest: Option<String>| {
        let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
            .await
            .unwrap();
        let mut head = format!(
            "PATCH {path} HTTP/1.1\r\nHost: portal\r\nContent-Length: {}\r\n\
             x-xakiosk-kiosk: KIOSK-BODY\r\nx-xakiosk-time: {time}\r\n\
             x-xakiosk-signature: {signature}\r\n",
            chunk.len()
        );
        for (name, value) in headers(digest.as_deref().unwrap_or("")) {
            if name != "content-digest" || digest.is_some() {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0; 512];
        let n = stream.read(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer[..n]).to_string()
    };

    // 1. Signed by a key that is not the kiosk's; the body never comes.
    let forged = signed_by(&DeviceKey::from_seed([99; 32]), &chunk);
    let answer = head_only(&forged, Some(rs::content_digest(&chunk))).await;
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "answered before the body, not at the deadline: {answer}"
    );

    // 2. Signed by the kiosk over one body, another body sent under the same digest.
    let client = reqwest::Client::new();
    let send = |digest: Option<String>, signature: String, body: Vec<u8>| {
        let mut request = client
            .patch(format!("{base}{path}"))
            .header("x-xakiosk-kiosk", "KIOSK-BODY")
            .header("x-xakiosk-time", time.to_string())
            .header("x-xakiosk-signature", signature);
        for (name, value) in headers("") {
            if name != "content-digest" {
                request = request.header(name, value);
            }
        }
        if let Some(digest) = digest {
            request = request.header("content-digest", digest);
        }
        request.body(body).send()
    };
    let genuine = signed_by(&DeviceKey::from_seed([1; 32]), &chunk);
    let mut swapped = chunk.clone();
    swapped[0] ^= 1;
    let status = send(Some(rs::content_digest(&chunk)), genuine.clone(), swapped)
        .await
        .unwrap()
        .status();
    assert_eq!(status, 400);

    // 3. No digest named: a body over 64 KiB is not read, whoever signed it. Only the head is
    // sent (a client still writing a body the portal will not read may see the connection
    // close before the answer).
    let answer = head_only(&genuine, None).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // 4. The genuine chunk with its digest is taken.
    let status = send(Some(rs::content_digest(&chunk)), genuine, chunk.clone())
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// An enrolled kiosk may only send so fast (429 with the seconds to wait beyond its burst,
/// which the sync engine honours); other kiosks are not slowed, and requests that name a
/// kiosk without its signature never spend its allowance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kiosk_sends_within_its_own_rate() {
    let (_portal, base, stop, server) =
        http_portal_with(|state| state.with_kiosk_limits(Some((3, Duration::from_secs(3600)))))
            .await;
    let kiosk = http(&base, identity("KIOSK-FAST", 1), "secret-token");
    let other = http(&base, identity("KIOSK-CALM", 2), "secret-token");
    kiosk.enroll().await.unwrap();
    other.enroll().await.unwrap();
    // A stranger naming KIOSK-FAST with another key: refused, and nothing counted.
    let impostor = http(&base, identity("KIOSK-FAST", 66), "no-token");
    for _ in 0..10 {
        assert!(matches!(
            impostor.status(0).await,
            Err(SendError::Unauthorised(_))
        ));
    }
    for _ in 0..3 {
        kiosk.status(0).await.unwrap();
    }
    match kiosk.status(0).await {
        Err(SendError::Retry {
            reason,
            retry_after,
        }) => {
            assert!(reason.contains("429"), "{reason}");
            let wait = retry_after.expect("the seconds to wait");
            assert!(wait > Duration::from_secs(3500), "{wait:?}");
        }
        other => panic!("{other:?}"),
    }
    other.status(0).await.unwrap();
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
