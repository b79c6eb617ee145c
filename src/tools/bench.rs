//! `xakiosk bench`: prints a table of the kiosk's performance figures, each beside a peer or a
//! limit measured in the same run, with their ratio. Not a test: nothing here fails a build.
//! - cold start to the first rendered home frame (a child process), beside a bare start of the
//!   same binary; and in a real window, beside Chromium in kiosk mode (`bench_cold_start`);
//! - idle memory after the first frame, beside a 150 MiB budget for a Raspberry Pi 4;
//! - render time of a resident's interactions, only what changed redrawn, beside a 60 Hz
//!   frame, and a Pi 4 estimate of the same (`bench_render`);
//! - durable submit latency p50/p99, beside a raw SQLite insert with the same pragmas;
//! - the ID card figures of `bench_identity` (chip read APDUs and time, QR decoding);
//! - the sync figures of `bench_sync` (drain throughput, memory, fleet reconnect).

use crate::core::answer::Answer;
use crate::core::dossier::DossierDraft;
use crate::core::dossier_code::DossierCode;
use crate::core::personal_id::PersonalId;
use crate::store::Store;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Row {
    pub(crate) what: String,
    pub(crate) value: String,
    pub(crate) peer: String,
    pub(crate) ratio: f64,
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The child side of the cold-start measurement: first frame, then RSS, on stdout.
pub fn first_frame_probe() -> Result<(), String> {
    let config = crate::config::Config::development();
    let dir = tempfile_dir()?;
    let startup = crate::app::startup::Startup::prepare(&config, Some(&dir.join("probe.sqlite")))?;
    let (headless, _app, _kiosk) = headless_kiosk(&startup)?;
    headless.snapshot().map_err(|e| e.to_string())?;
    println!("frame");
    println!("rss {}", rss_kib().unwrap_or(0));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The real UI on the headless platform, with simulated devices and inline effects.
pub(crate) fn headless_kiosk(
    startup: &crate::app::startup::Startup,
) -> Result<
    (
        crate::tools::headless::Headless,
        crate::slint_generated::AppWindow,
        std::rc::Rc<crate::app::kiosk::Kiosk>,
    ),
    String,
> {
    let headless =
        crate::tools::headless::Headless::install(1280, 800).map_err(|e| e.to_string())?;
    let app = crate::slint_generated::AppWindow::new().map_err(|e| e.to_string())?;
    let controller = startup.controller(std::sync::Arc::new(
        crate::devices::clock::SystemClock::new(),
    ));
    let camera: std::sync::Arc<std::sync::Mutex<dyn crate::devices::camera::Camera>> =
        std::sync::Arc::new(std::sync::Mutex::new(
            crate::devices::camera::SimCamera::new(1280, 720),
        ));
    let effects = crate::app::effects::Effects::inline(startup.store.clone(), camera);
    let kiosk = crate::app::kiosk::Kiosk::attach(&app, controller, effects);
    Ok((headless, app, kiosk))
}

pub(crate) fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("xakiosk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn cold_start(runs: usize) -> Result<(Duration, Duration, u64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut frames = Vec::new();
    let mut bare = Vec::new();
    let mut rss = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let mut child = Command::new(&exe)
            .arg("bench-first-frame")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line == "frame" {
                frames.push(t.elapsed());
            } else if let Some(v) = line.strip_prefix("rss ") {
                rss = v.parse().unwrap_or(0);
            }
        }
        child.wait().map_err(|e| e.to_string())?;
        let t = Instant::now();
        Command::new(&exe)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        bare.push(t.elapsed());
    }
    if frames.is_empty() {
        return Err("the first-frame probe never rendered".into());
    }
    frames.sort();
    bare.sort();
    Ok((percentile(&frames, 0.5), percentile(&bare, 0.5), rss))
}

/// A typical dossier for the benchmarks (sync ones too).
pub(crate) fn sample_draft(i: u32) -> DossierDraft {
    let mut answers = BTreeMap::new();
    answers.insert("full_name".into(), Answer::Text("Nguyễn Văn An".into()));
    answers.insert(
        "address".into(),
        Answer::Text("12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội".into()),
    );
    // Codes are random, as at the kiosk (an index would repeat: symbols are taken mod 29).
    let mut random = [0u8; 8];
    let _ = getrandom::fill(&mut random);
    random[7] ^= i as u8;
    DossierDraft {
        id: uuid::Uuid::now_v7(),
        code: DossierCode::from_random(&random),
        procedure_id: "dang-ky-tam-tru".into(),
        procedure_version: 1,
        applicant_id: PersonalId::parse("001093047064").expect("valid sample ID"),
        answers,
        identity: None,
        assisted_by: None,
        supplements: None,
        office_commune: None,
        declaration: None,
    }
}

/// Submit latencies: the kiosk's durable submit (sealed to the portal's key with the seals it
/// prepares while idle, receipt signed with the device key, as the kiosk runs) beside a raw
/// SQLite insert of a payload of the same size with the same pragmas — and where the
/// difference goes: the sealing and the signature timed alone on the same drafts (the rest is
/// the transaction: rows, indexes, the fsync), and the preparation done off the submit path.
struct SubmitTimes {
    ours: Vec<Duration>,
    raw: Vec<Duration>,
    sealing: Vec<Duration>,
    signing: Vec<Duration>,
    preparing: Vec<Duration>,
}

fn submit_latency(n: u32) -> Result<SubmitTimes, String> {
    use crate::protocol::sealing::Sealer;
    let dir = tempfile_dir()?;
    let sealer = || {
        Sealer::from_base64(crate::protocol::sealing::DEVELOPMENT_PUBLIC_KEY)
            .map_err(|e| e.to_string())
    };
    let key = crate::protocol::signing::DeviceKey::from_seed([7; 32]);
    let mut store = Store::open(&dir.join("bench.sqlite"), sealer()?).map_err(|e| e.to_string())?;
    store.sign_receipts(key.clone(), "KIOSK-BENCH");
    let mut times = SubmitTimes {
        ours: Vec::new(),
        raw: Vec::new(),
        sealing: Vec::new(),
        signing: Vec::new(),
        preparing: Vec::new(),
    };
    for i in 0..n {
        let d = sample_draft(i);
        // As the kiosk does while idle, after a start and after each submit.
        let t = Instant::now();
        store.prepare_seals();
        times.preparing.push(t.elapsed());
        let t = Instant::now();
        store
            .submit(&d, &[], chrono::Utc::now())
            .map_err(|e| e.to_string())?;
        times.ours.push(t.elapsed());
    }
    let seal_with = sealer()?;
    let mut sealed_sizes = Vec::new();
    for i in 0..n {
        let d = sample_draft(i);
        let prepared = seal_with.prepare().map_err(|e| e.to_string())?;
        let t = Instant::now();
        let clear = serde_json::to_vec(&d.answers).map_err(|e| e.to_string())?;
        let sealed = prepared
            .seal(&clear, d.id.as_bytes())
            .map_err(|e| e.to_string())?;
        times.sealing.push(t.elapsed());
        let t = Instant::now();
        let hash = crate::protocol::receipt::content_hash(&sealed, &[]);
        let receipt = crate::protocol::receipt::Receipt::issue(
            &key,
            &d.id.to_string(),
            d.code.as_str(),
            &hash,
            chrono::Utc::now(),
            "KIOSK-BENCH",
        )
        .to_text();
        times.signing.push(t.elapsed());
        sealed_sizes.push(sealed.len() + receipt.len());
    }
    let raw = rusqlite::Connection::open(dir.join("raw.sqlite")).map_err(|e| e.to_string())?;
    raw.execute_batch(Store::PRAGMAS)
        .map_err(|e| e.to_string())?;
    raw.execute_batch("CREATE TABLE t (id TEXT PRIMARY KEY, payload BLOB NOT NULL)")
        .map_err(|e| e.to_string())?;
    for (i, size) in sealed_sizes.into_iter().enumerate() {
        let d = sample_draft(i as u32);
        let payload = vec![0x5Au8; size];
        let t = Instant::now();
        raw.execute(
            "INSERT INTO t (id, payload) VALUES (?1, ?2)",
            rusqlite::params![d.id.to_string(), payload],
        )
        .map_err(|e| e.to_string())?;
        times.raw.push(t.elapsed());
    }
    let _ = std::fs::remove_dir_all(&dir);
    for v in [
        &mut times.ours,
        &mut times.raw,
        &mut times.sealing,
        &mut times.signing,
        &mut times.preparing,
    ] {
        v.sort();
    }
    Ok(times)
}

/// The durable submit beside the raw insert, and the breakdown of the difference.
fn submit_rows(quick: bool) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let submit = submit_latency(if quick { 50 } else { 300 })?;
    for (label, p) in [("p50", 0.5), ("p99", 0.99)] {
        let (a, b) = (percentile(&submit.ours, p), percentile(&submit.raw, p));
        rows.push(Row {
            what: format!("durable submit {label}"),
            value: ms(a),
            peer: format!("raw SQLite insert {}; goal ≤ 1.25×", ms(b)),
            ratio: a.as_secs_f64() / b.as_secs_f64().max(1e-9),
        });
    }
    let raw_p50 = percentile(&submit.raw, 0.5).as_secs_f64().max(1e-9);
    let ours_p50 = percentile(&submit.ours, 0.5);
    let sealing = percentile(&submit.sealing, 0.5);
    let signing = percentile(&submit.signing, 0.5);
    let rest = ours_p50.saturating_sub(sealing + signing);
    for (part, t) in [
        ("sealing with a prepared seal (AEAD)", sealing),
        ("receipt signature (Ed25519)", signing),
        ("transaction: rows, indexes, fsync", rest),
    ] {
        rows.push(Row {
            what: format!("  of which {part}, p50"),
            value: ms(t),
            peer: format!("raw SQLite insert {}", ms(percentile(&submit.raw, 0.5))),
            ratio: t.as_secs_f64() / raw_p50,
        });
    }
    let preparing = percentile(&submit.preparing, 0.5);
    rows.push(Row {
        what: "  seals prepared while idle, after each submit, p50".into(),
        value: ms(preparing),
        peer: "off the resident's path".into(),
        ratio: preparing.as_secs_f64() / raw_p50,
    });
    Ok(rows)
}

/// Runs every measurement and prints the table.
/// `only`: "ui", "store", "identity" or "sync" for one part; `None` for everything.
pub fn run(quick: bool, only: Option<&str>) -> Result<(), String> {
    let mut rows = Vec::new();
    if matches!(only, Some("identity")) {
        return print_table(
            crate::tools::bench_identity::rows(quick)?
                .into_iter()
                .map(|r| Row {
                    what: r.what,
                    value: r.value,
                    peer: r.peer,
                    ratio: r.ratio,
                })
                .collect(),
        );
    }
    if matches!(only, Some("store")) {
        return print_table(submit_rows(quick)?);
    }
    if matches!(only, Some("sync")) {
        return print_table(
            crate::tools::bench_sync::rows(quick)?
                .into_iter()
                .map(|r| Row {
                    what: r.what,
                    value: r.value,
                    peer: r.peer,
                    ratio: r.ratio,
                })
                .collect(),
        );
    }
    let (frame, bare, rss) = cold_start(if quick { 2 } else { 5 })?;
    rows.push(Row {
        what: "cold start → first home frame (p50)".into(),
        value: ms(frame),
        peer: format!("bare process start {}", ms(bare)),
        ratio: frame.as_secs_f64() / bare.as_secs_f64().max(1e-9),
    });
    rows.extend(crate::tools::bench_cold_start::rows(quick)?);
    let budget_kib = 150 * 1024;
    rows.push(Row {
        what: "idle RSS after first frame".into(),
        value: format!("{:.1} MiB", rss as f64 / 1024.0),
        peer: "budget 150 MiB (Pi 4)".into(),
        ratio: rss as f64 / budget_kib as f64,
    });
    rows.extend(crate::tools::bench_render::rows()?);
    rows.extend(submit_rows(quick)?);
    if only.is_none() {
        rows.extend(
            crate::tools::bench_identity::rows(quick)?
                .into_iter()
                .map(|r| Row {
                    what: r.what,
                    value: r.value,
                    peer: r.peer,
                    ratio: r.ratio,
                }),
        );
        rows.extend(
            crate::tools::bench_sync::rows(quick)?
                .into_iter()
                .map(|r| Row {
                    what: r.what,
                    value: r.value,
                    peer: r.peer,
                    ratio: r.ratio,
                }),
        );
    }
    print_table(rows)
}

fn print_table(rows: Vec<Row>) -> Result<(), String> {
    println!(
        "{:<62} {:>12}  {:<44} {:>7}",
        "measurement", "value", "peer / limit (same run)", "ratio"
    );
    println!("{}", "-".repeat(130));
    for r in rows {
        let ratio = if r.ratio.is_finite() {
            format!("{:.2}", r.ratio)
        } else {
            "—".into()
        };
        println!(
            "{:<62} {:>12}  {:<44} {:>7}",
            r.what, r.value, r.peer, ratio
        );
    }
    Ok(())
}
