//! Queued dossiers reach the portal exactly once: through injected faults (500s, 429 with
//! Retry-After, timeouts, a connection reset after the portal stored the dossier) under tokio's
//! paused time; over real HTTP on loopback with the reference portal, including replays,
//! conflicts, a wrong token, and an officer's decision flowing back to the kiosk.

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
use xakiosk::portal::in_process::InProcessPortal;
use xakiosk::sealing::{DEVELOPMENT_PUBLIC_KEY, Sealer};
use xakiosk::store::{Store, StoreHandle, StoredAttachment};
use xakiosk::sync::backoff::Backoff;
use xakiosk::sync::contract::{Acceptance, DossierUpload, StatusPage};
use xakiosk::sync::engine::SyncEngine;
use xakiosk::sync::transport::{HttpTransport, PortalTransport, SendError};

fn draft(i: u32) -> (DossierDraft, Vec<StoredAttachment>) {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).unwrap();
    let mut answers = std::collections::BTreeMap::new();
    answers.insert(
        "applicant_name".to_string(),
        Answer::Text(format!("Lê Thị Hoa {i}")),
    );
    let mut attachments = Vec::new();
    if i % 3 == 0 {
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
    };
    (d, attachments)
}

async fn kiosk_with(n: u32) -> (StoreHandle, Vec<uuid::Uuid>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        &dir.path().join("kiosk.sqlite"),
        Sealer::from_base64(DEVELOPMENT_PUBLIC_KEY).unwrap(),
    )
    .unwrap();
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
}

impl Flaky {
    fn next_fault(&self) -> Fault {
        // xorshift: deterministic, so a failure is reproducible.
        let mut x = self.seed.load(Ordering::SeqCst);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.store(x, Ordering::SeqCst);
        match x % 10 {
            0 | 1 => Fault::ServerError,
            2 => Fault::TooManyRequests,
            3 => Fault::Timeout,
            4 => Fault::ResetAfterCommit,
            _ => Fault::None,
        }
    }

    async fn before(&self, fault: Fault) -> Result<(), SendError> {
        self.faults.lock().unwrap().push(match fault {
            Fault::None => "none",
            Fault::ServerError => "500",
            Fault::TooManyRequests => "429",
            Fault::Timeout => "timeout",
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
            Fault::None | Fault::ResetAfterCommit => Ok(()),
        }
    }
}

impl PortalTransport for Flaky {
    async fn put_attachment(
        &self,
        id: uuid::Uuid,
        sha256: &str,
        sealed: Vec<u8>,
    ) -> Result<(), SendError> {
        let fault = self.next_fault();
        self.before(fault).await?;
        self.inner.put_attachment(id, sha256, sealed).await?;
        match fault {
            Fault::ResetAfterCommit => Err(SendError::retry("connection reset mid-upload")),
            _ => Ok(()),
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
}

/// 30 dossiers, four in ten calls failing in some way: every one ends accepted, the portal
/// holds each exactly once, and no failing dossier kept the others from being sent.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_dossier_reaches_the_portal_exactly_once_despite_faults() {
    let (store, ids, _dir) = kiosk_with(30).await;
    let portal = Arc::new(PortalDb::open_in_memory().unwrap());
    let flaky = Arc::new(Flaky {
        inner: InProcessPortal { db: portal.clone() },
        seed: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
        dossier_calls: AtomicUsize::new(0),
        resets_after_commit: AtomicUsize::new(0),
        faults: Mutex::new(Vec::new()),
    });
    struct Shared(Arc<Flaky>);
    impl PortalTransport for Shared {
        async fn put_attachment(
            &self,
            id: uuid::Uuid,
            sha: &str,
            b: Vec<u8>,
        ) -> Result<(), SendError> {
            self.0.put_attachment(id, sha, b).await
        }
        async fn put_dossier(
            &self,
            id: uuid::Uuid,
            u: &DossierUpload,
        ) -> Result<Acceptance, SendError> {
            self.0.put_dossier(id, u).await
        }
        async fn status(&self, since: u64) -> Result<StatusPage, SendError> {
            self.0.status(since).await
        }
    }
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(chrono::Utc::now()));
    let seed = AtomicU64::new(7);
    let engine = SyncEngine::new(store.clone(), Shared(flaky.clone()), clock, "KIOSK-TEST")
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
    for kind in ["500", "429", "timeout", "reset"] {
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
}

/// A restart while a dossier was "sending" queues it again, and the resend is harmless.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_dossier_left_sending_by_a_crash_is_sent_once_after_restart() {
    let (store, ids, _dir) = kiosk_with(1).await;
    let portal = Arc::new(PortalDb::open_in_memory().unwrap());
    let transport = InProcessPortal { db: portal.clone() };
    // The previous run claimed it and the portal stored it; then the power went.
    let now = chrono::Utc::now();
    let item = store
        .call(move |s| s.claim_next(now))
        .await
        .unwrap()
        .unwrap();
    let upload = xakiosk::sync::engine::upload_of(&item, "KIOSK-TEST");
    for (sha, _, sealed) in &item.attachments {
        transport
            .put_attachment(item.id, sha, sealed.clone())
            .await
            .unwrap();
    }
    transport.put_dossier(item.id, &upload).await.unwrap();

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

/// The real thing: the reference portal over HTTP on loopback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_replays_conflicts_tokens_and_decisions_behave() {
    let portal = Arc::new(PortalDb::open_in_memory().unwrap());
    let state = xakiosk::portal::PortalState {
        db: portal.clone(),
        token: Arc::new("secret-token".into()),
        opener: Some(Arc::new(
            xakiosk::sealing::Opener::from_base64(include_str!(
                "../assets/dev/portal-development.key"
            ))
            .unwrap(),
        )),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(xakiosk::portal::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let (store, ids, _dir) = kiosk_with(4).await;
    let transport = HttpTransport::new(&base, "secret-token", Duration::from_secs(5)).unwrap();
    let clock: Arc<dyn Clock> = Arc::new(xakiosk::devices::clock::SystemClock::new());
    let engine = SyncEngine::new(store.clone(), transport.clone(), clock, "KIOSK-HTTP");
    let pass = engine.pass().await.unwrap();
    assert_eq!(pass.accepted, 4);
    assert_eq!(portal.received_count().unwrap(), 4);

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
    let intruder = HttpTransport::new(&base, "wrong", Duration::from_secs(5)).unwrap();
    assert!(matches!(
        intruder.put_dossier(ids[0], &first.upload).await,
        Err(SendError::Refused(_))
    ));
    assert_eq!(portal.received_count().unwrap(), 4);

    // The officer page opens the sealed dossier with the portal key and decides.
    let page = reqwest::get(format!("{base}/officer"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Lê Thị Hoa 0 · 001093047064"),
        "the portal can open what the kiosk sealed"
    );
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{base}/officer/decide"))
        .form(&[
            ("id", ids[1].to_string()),
            ("state", "needs_fix".into()),
            ("note", "Thiếu hợp đồng thuê nhà".into()),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success() || response.status().is_redirection());
    engine.pass().await.unwrap();
    let id = ids[1];
    let history = store.call(move |s| s.history(id)).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.state, DossierState::NeedsFix);
    assert_eq!(last.note.as_deref(), Some("Thiếu hợp đồng thuê nhà"));

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
