//! `xakiosk bench --only sync`: the sync engine's figures, each beside a peer measured in the
//! same run. Not a test: nothing here fails a build.
//! - drain throughput: the engine sending N queued dossiers to the reference portal over HTTP
//!   (`IN_FLIGHT` at a time), beside a bare loop of signed HTTP PUTs, one after another, of
//!   the same kind of payloads to the same portal;
//! - memory while draining a large queue (100 000 dossiers; 20 000 with `--quick`) through a
//!   portal that accepts at once: resident memory sampled every tenth, beside the start;
//! - a simulation of 10 000 kiosks reconnecting after a shared outage, driven by the engine's
//!   own schedule (`sync::backoff`): peak over steady request rate at the portal, beside the
//!   same fleet with a naive schedule (fixed retry, no jitter).

use crate::devices::clock::{Clock, SystemClock};
use crate::portal::PortalDb;
use crate::protocol::contract::{
    Acceptance, DossierUpload, Enrolled, Heartbeat, SignedCatalogue, StatusPage, UploadProgress,
};
use crate::protocol::sealing::{DEVELOPMENT_PUBLIC_KEY, Sealer};
use crate::protocol::signing::DeviceKey;
use crate::store::{Store, StoreHandle};
use crate::sync::backoff::{Backoff, housekeeping_phase, idle_wait, start_delay};
use crate::sync::engine::SyncEngine;
use crate::sync::transport::{HttpTransport, KioskIdentity, PortalTransport, SendError};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct Row {
    pub what: String,
    pub value: String,
    pub peer: String,
    pub ratio: f64,
}

/// A kiosk store with `n` queued dossiers (filled without fsync per dossier: setup only).
fn queued_store(path: &Path, n: u64) -> Result<Store, String> {
    let sealer = Sealer::from_base64(DEVELOPMENT_PUBLIC_KEY).map_err(|e| e.to_string())?;
    let mut store = Store::open(path, sealer).map_err(|e| e.to_string())?;
    // Receipts signed at submit with the bench kiosk's key, as a kiosk does.
    store.sign_receipts(DeviceKey::from_seed([7; 32]), "KIOSK-BENCH");
    store.skip_fsync(true).map_err(|e| e.to_string())?;
    // A second apart, as residents come to the kiosk.
    let start = chrono::Utc::now() - chrono::Duration::seconds(n as i64);
    for i in 0..n {
        let at = start + chrono::Duration::seconds(i as i64);
        store
            .submit(&crate::tools::bench::sample_draft(i as u32), &[], at)
            .map_err(|e| e.to_string())?;
    }
    store.skip_fsync(false).map_err(|e| e.to_string())?;
    Ok(store)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// Engine drain vs a bare loop of signed PUTs, same portal, same run.
fn drain_throughput(dir: &Path, n: u64) -> Result<Row, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let portal = Arc::new(PortalDb::open(&dir.join("portal.sqlite")).map_err(|e| e.to_string())?);
    // No per-kiosk rate limit: both sides of the row send as fast as they can from one
    // kiosk id, and the row measures the kiosk and the HTTP path, not the portal's policy.
    let state = crate::portal::PortalState::new(portal.clone(), "bench").with_kiosk_limits(None);
    let base =
        crate::portal::spawn_on_loopback(runtime.handle(), state).map_err(|e| e.to_string())?;
    let key = DeviceKey::from_seed([7; 32]);
    let identity = KioskIdentity {
        kiosk_id: "KIOSK-BENCH".into(),
        key: key.clone(),
        place: "bench".into(),
        commune_code: String::new(),
    };

    // The engine: claim, send, record acceptance, for every dossier.
    let store = StoreHandle::spawn(queued_store(&dir.join("engine.sqlite"), n)?);
    let transport = HttpTransport::new(&base, identity.clone(), "bench", Duration::from_secs(30))
        .map_err(|e| e.to_string())?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let engine = SyncEngine::new(store, transport, clock, "KIOSK-BENCH");
    let started = Instant::now();
    let pass = runtime.block_on(engine.pass()).map_err(|e| e.to_string())?;
    let engine_time = started.elapsed();
    if pass.accepted as u64 != n {
        return Err(format!("the engine sent {} of {n}", pass.accepted));
    }

    // The peer: the same kind of payloads, prepared beforehand, PUT in a loop with the same
    // signature the portal requires, nothing recorded on the kiosk side.
    let mut raw_store = queued_store(&dir.join("raw.sqlite"), n)?;
    let mut bodies = Vec::new();
    let now = chrono::Utc::now();
    while let Some(item) = raw_store.claim_next(now).map_err(|e| e.to_string())? {
        let upload = crate::sync::engine::upload_of(&item, "KIOSK-BENCH");
        bodies.push((
            item.id,
            serde_json::to_vec(&upload).map_err(|e| e.to_string())?,
        ));
    }
    let client = reqwest::Client::new();
    let started = Instant::now();
    runtime.block_on(async {
        for (id, body) in &bodies {
            let path = format!("/v1/dossiers/{id}");
            let time = chrono::Utc::now().timestamp();
            let json =
                |name: &str| (name == "content-type").then(|| "application/json".to_string());
            let signature = crate::protocol::request_signature::sign(
                &key,
                &crate::protocol::request_signature::SignedRequest {
                    method: "PUT",
                    path_and_query: &path,
                    time,
                    kiosk_id: "KIOSK-BENCH",
                    body,
                    header: &json,
                },
            );
            let response = client
                .put(format!("{base}{path}"))
                .header(
                    crate::protocol::request_signature::KIOSK_HEADER,
                    "KIOSK-BENCH",
                )
                .header(
                    crate::protocol::request_signature::TIME_HEADER,
                    time.to_string(),
                )
                .header(
                    crate::protocol::request_signature::SIGNATURE_HEADER,
                    signature,
                )
                .header("content-type", "application/json")
                .header(
                    crate::protocol::request_signature::CONTENT_DIGEST_HEADER,
                    crate::protocol::request_signature::content_digest(body),
                )
                .body(body.clone())
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("raw PUT refused: {}", response.status()));
            }
        }
        Ok::<(), String>(())
    })?;
    let raw_time = started.elapsed();
    let rate = |t: Duration| n as f64 / t.as_secs_f64().max(1e-9);
    Ok(Row {
        what: format!("sync drain, {n} dossiers over HTTP"),
        value: format!("{:.0} /s", rate(engine_time)),
        peer: format!(
            "raw signed PUT loop {:.0} /s; goal rate ≥ 0.8×",
            rate(raw_time)
        ),
        // A rate: higher is better here.
        ratio: rate(engine_time) / rate(raw_time),
    })
}

/// Resident memory while the engine drains a large queue.
fn drain_memory(dir: &Path, n: u64) -> Result<Vec<Row>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let store = StoreHandle::spawn(queued_store(&dir.join("memory.sqlite"), n)?);
    let start_rss = rss_kib();
    let samples = Arc::new(std::sync::Mutex::new(Vec::new()));
    let counter = Arc::new(AtomicU64::new(0));
    let (probe, count) = (samples.clone(), counter.clone());
    let step = (n / 10).max(1);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let engine =
        SyncEngine::new(store, AcceptingPortal, clock, "KIOSK-MEM").with_on_accepted(move |_| {
            let done = count.fetch_add(1, Ordering::Relaxed) + 1;
            if done % step == 0 {
                probe
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((done, rss_kib()));
            }
        });
    let started = Instant::now();
    let pass = runtime.block_on(engine.pass()).map_err(|e| e.to_string())?;
    let took = started.elapsed();
    if pass.accepted as u64 != n {
        return Err(format!("drained {} of {n}", pass.accepted));
    }
    let samples = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let first = samples.first().map(|s| s.1).unwrap_or(start_rss);
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(start_rss);
    let last = samples.last().map(|s| s.1).unwrap_or(start_rss);
    let mib = |k: u64| format!("{:.1} MiB", k as f64 / 1024.0);
    Ok(vec![
        Row {
            what: format!("RSS draining {n} queued, peak"),
            value: mib(peak),
            peer: format!("after the first tenth {}", mib(first)),
            ratio: peak as f64 / first.max(1) as f64,
        },
        Row {
            what: format!("RSS draining {n} queued, at the end"),
            value: mib(last),
            peer: format!("after the first tenth {}", mib(first)),
            ratio: last as f64 / first.max(1) as f64,
        },
        Row {
            what: "drain to a portal that accepts at once".into(),
            value: format!("{:.0} /s", n as f64 / took.as_secs_f64().max(1e-9)),
            peer: format!(
                "kiosk's own cost: {} in flight, no fsync of its own",
                crate::sync::engine::IN_FLIGHT
            ),
            ratio: f64::NAN,
        },
    ])
}

/// A portal that accepts everything at once and keeps nothing: only the kiosk's memory and
/// time are measured.
struct AcceptingPortal;

impl PortalTransport for AcceptingPortal {
    async fn enroll(&self) -> Result<Enrolled, SendError> {
        Ok(Enrolled {
            kiosk_id: "KIOSK-MEM".into(),
            enrolled_at: String::new(),
            sealing_public_key: None,
            catalogue_public_key: None,
        })
    }
    async fn upload_progress(&self, _: uuid::Uuid, _: &str) -> Result<UploadProgress, SendError> {
        Ok(UploadProgress {
            received: 0,
            complete: true,
        })
    }
    async fn append_upload(
        &self,
        _: uuid::Uuid,
        _: &str,
        _: &str,
        _: u64,
        total: u64,
        _: Vec<u8>,
    ) -> Result<UploadProgress, SendError> {
        Ok(UploadProgress {
            received: total,
            complete: true,
        })
    }
    async fn put_dossier(
        &self,
        id: uuid::Uuid,
        _: &DossierUpload,
    ) -> Result<Acceptance, SendError> {
        Ok(Acceptance {
            id: id.to_string(),
            reference: "HS".into(),
            received_at: String::new(),
        })
    }
    async fn status(&self, since: u64) -> Result<StatusPage, SendError> {
        Ok(StatusPage {
            cursor: since,
            changes: Vec::new(),
        })
    }
    async fn catalogue(&self, _: u64) -> Result<Option<SignedCatalogue>, SendError> {
        Ok(None)
    }
    async fn heartbeat(&self, _: &Heartbeat) -> Result<(), SendError> {
        Ok(())
    }
    async fn alert(
        &self,
        _: uuid::Uuid,
        _: &crate::protocol::contract::AlertUpload,
    ) -> Result<(), SendError> {
        Ok(())
    }
    async fn rating(
        &self,
        _: uuid::Uuid,
        _: &crate::protocol::contract::RatingUpload,
    ) -> Result<(), SendError> {
        Ok(())
    }
}

/// A reproducible uniform source for the simulation.
struct Xorshift(u64);

impl Xorshift {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How the simulated fleet schedules its calls.
#[derive(Clone, Copy)]
enum Policy {
    /// What `SyncEngine` does (`sync::backoff`).
    Engine,
    /// Retry every minute, poll every minute, start at once: no jitter anywhere.
    Naive,
}

/// Requests per second reaching the portal, for `kiosks` kiosks over three hours: one hour
/// of normal use, a one-hour outage, one hour after. With `power_cut`, every kiosk restarts
/// the moment the outage ends (the power came back with the network).
fn simulate_fleet(kiosks: usize, policy: Policy, power_cut: bool) -> (f64, f64) {
    const HOUR: f64 = 3600.0;
    let (outage_start, outage_end, end) = (HOUR, 2.0 * HOUR, 3.0 * HOUR);
    let idle_poll = Duration::from_secs(60);
    let backoff = Backoff::default();
    // Housekeeping: the catalogue check, the update offer and the heartbeat, every 5 minutes.
    let housekeeping_every = Duration::from_secs(300);
    let housekeeping_requests = 3;
    let submissions_per_hour = 2.0;
    let mut per_second = vec![0u32; end as usize + 1];
    let mut rng = Xorshift(0x2545_F491_4F6C_DD1D);
    let secs = |d: Duration| d.as_secs_f64();
    for _ in 0..kiosks {
        // Each dossier: (due at, failed attempts).
        let mut queue: Vec<(f64, u32)> = Vec::new();
        let mut submissions = Vec::new();
        let mut t = 0.0;
        loop {
            t += -(1.0 - rng.unit()).ln() * HOUR / submissions_per_hour;
            if t >= end {
                break;
            }
            submissions.push(t);
        }
        let mut next_submission = 0;
        let mut last_housekeeping = f64::NEG_INFINITY;
        let mut now = rng.unit() * secs(idle_poll);
        let mut restarted = false;
        while now < end {
            if power_cut && !restarted && now >= outage_start {
                // Down for the outage; up again at its end, with the queue kept on disk.
                restarted = true;
                now = outage_end
                    + match policy {
                        Policy::Engine => secs(start_delay(idle_poll, rng.unit())),
                        Policy::Naive => 0.0,
                    };
                // A fresh start: the engine's first housekeeping at a random point of its
                // period; the naive fleet's with its first pass.
                last_housekeeping = match policy {
                    Policy::Engine => {
                        outage_end + secs(housekeeping_phase(housekeeping_every, rng.unit()))
                            - secs(housekeeping_every)
                    }
                    Policy::Naive => f64::NEG_INFINITY,
                };
                while next_submission < submissions.len()
                    && submissions[next_submission] < outage_end
                {
                    next_submission += 1;
                }
                continue;
            }
            while next_submission < submissions.len() && submissions[next_submission] <= now {
                queue.push((submissions[next_submission], 0));
                next_submission += 1;
            }
            let online = !(outage_start..outage_end).contains(&now);
            let mut requests = 0;
            let mut i = 0;
            while i < queue.len() {
                if queue[i].0 > now {
                    i += 1;
                    continue;
                }
                requests += 1;
                if online {
                    queue.swap_remove(i);
                } else {
                    let attempts = queue[i].1;
                    let delay = match policy {
                        Policy::Engine => secs(backoff.delay(attempts, None, rng.unit())),
                        Policy::Naive => 60.0,
                    };
                    queue[i] = (now + delay, attempts + 1);
                    // The engine stops a pass at the first temporary failure.
                    break;
                }
            }
            requests += 1; // the status pull
            if now - last_housekeeping >= secs(housekeeping_every) {
                requests += housekeeping_requests;
                last_housekeeping = now;
            }
            if online {
                per_second[now as usize] += requests;
            }
            let idle = match policy {
                Policy::Engine => secs(idle_wait(idle_poll, rng.unit())),
                Policy::Naive => 60.0,
            };
            let next_due = queue.iter().map(|q| q.0).fold(f64::INFINITY, f64::min);
            let next_new = submissions
                .get(next_submission)
                .copied()
                .unwrap_or(f64::INFINITY);
            // A submission wakes the engine at once; otherwise the earliest due or the poll.
            now = (now + idle)
                .min(next_due.max(now + 1e-3))
                .min(next_new.max(now + 1e-3));
        }
    }
    let steady = per_second[(HOUR * 0.25) as usize..outage_start as usize]
        .iter()
        .map(|&r| r as f64)
        .sum::<f64>()
        / (outage_start - HOUR * 0.25);
    let peak = per_second[outage_end as usize..]
        .iter()
        .copied()
        .max()
        .unwrap_or(0) as f64;
    (peak, steady)
}

pub fn rows(quick: bool) -> Result<Vec<Row>, String> {
    let dir = std::env::temp_dir().join(format!("xakiosk-bench-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = (|| {
        let mut rows = vec![drain_throughput(&dir, if quick { 200 } else { 1000 })?];
        rows.extend(drain_memory(&dir, if quick { 20_000 } else { 100_000 })?);
        let kiosks = 10_000;
        for (label, power_cut) in [("network outage", false), ("power + network outage", true)] {
            let (peak, steady) = simulate_fleet(kiosks, Policy::Engine, power_cut);
            let (naive_peak, naive_steady) = simulate_fleet(kiosks, Policy::Naive, power_cut);
            rows.push(Row {
                what: format!("{kiosks} kiosks after a 1 h {label}: peak/steady"),
                value: format!("{:.1}×", peak / steady.max(1e-9)),
                peer: format!(
                    "no-jitter fleet {:.1}×; goal ≤ 2×",
                    naive_peak / naive_steady.max(1e-9)
                ),
                ratio: (peak / steady.max(1e-9)) / (naive_peak / naive_steady.max(1e-9)),
            });
            rows.push(Row {
                what: format!("  same, peak requests/s (steady {steady:.0}/s)"),
                value: format!("{peak:.0} /s"),
                peer: format!("no-jitter fleet {naive_peak:.0} /s"),
                ratio: peak / naive_peak.max(1e-9),
            });
        }
        Ok(rows)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
