//! Developer commands (not in the appliance build): the scripted demo and the children the
//! crash tests start.

use std::path::PathBuf;

/// Walk a scripted resident through procedures headless and save a PNG of every screen
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Folder for the screenshots, the summary and the demo database
    #[arg(long, default_value = "demo-out")]
    pub out: PathBuf,
    /// Procedure id to walk (repeatable; "all" walks every procedure)
    #[arg(long = "procedure")]
    pub procedures: Vec<String>,
}

/// Walks the scripted resident and says whether every step passed.
pub fn demo(args: DemoArgs) -> Result<(), String> {
    let DemoArgs { out, procedures } = args;
    let report = crate::tools::demo::run(&crate::tools::demo::DemoOptions {
        out: out.clone(),
        procedures,
    })?;
    let failures = report.failures();
    if failures.is_empty() {
        println!(
            "demo passed: {} screens in {}",
            report.screenshots.len(),
            out.display()
        );
        Ok(())
    } else {
        Err(format!(
            "{} demo step(s) failed: {}",
            failures.len(),
            failures.join("; ")
        ))
    }
}

/// The sync crash test's child: sends the queue until it is empty, printing each accepted
/// code as soon as its acceptance is recorded.
pub fn crash_syncer(db: &std::path::Path, portal: &str, token: &str) -> Result<(), String> {
    use std::io::Write;
    use std::sync::Arc;
    let sealer = crate::protocol::sealing::Sealer::from_base64(
        crate::protocol::sealing::DEVELOPMENT_PUBLIC_KEY,
    )
    .map_err(|e| e.to_string())?;
    let mut store = crate::store::Store::open(db, sealer).map_err(|e| e.to_string())?;
    let identity = crate::sync::transport::KioskIdentity {
        kiosk_id: "KIOSK-CRASH".into(),
        key: crate::appliance::device_key_file::load_or_create(&db.with_file_name("device.key"))
            .map_err(|e| e.to_string())?,
        place: "crash test".into(),
        commune_code: String::new(),
    };
    // As the kiosk does at startup: receipts signed with the device key (the writer stored
    // its dossiers without one; each gets its receipt when first sent).
    store.sign_receipts(identity.key.clone(), &identity.kiosk_id);
    let store = crate::store::StoreHandle::spawn(store);
    let transport = crate::sync::transport::HttpTransport::new(
        portal,
        identity,
        token,
        std::time::Duration::from_secs(10),
    )
    .map_err(|e| e.to_string())?;
    let clock = Arc::new(crate::devices::clock::SystemClock::new());
    let engine = crate::sync::engine::SyncEngine::new(
        store.clone(),
        transport,
        clock.clone(),
        "KIOSK-CRASH",
    )
    // Small chunks, so the crash test's kills also land between the chunks of a photo.
    .with_chunk_size(1024)
    .with_on_accepted(|code| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{code}");
        let _ = out.flush();
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        // Each pass first queues again what the killed run left "sending".
        loop {
            engine.pass().await.map_err(|e| e.to_string())?;
            if store
                .call(|s| s.queue_len())
                .await
                .map_err(|e| e.to_string())?
                == 0
            {
                return Ok(());
            }
            // A failed send is scheduled with backoff; this probe waits for it, but a second
            // at most: a portal's 429 is over by then (its bucket refills), and the test does
            // not wait out long backoffs. Trying again at once would spend each refilled
            // request on asking where a photo's upload stands, never on its next chunk.
            use crate::devices::clock::Clock as _;
            let next = store
                .call(|s| s.next_due())
                .await
                .map_err(|e| e.to_string())?;
            let wait = next
                .and_then(|at| (at - clock.now()).to_std().ok())
                .unwrap_or_default()
                .min(std::time::Duration::from_secs(1));
            tokio::time::sleep(wait).await;
            store
                .call(|s| s.make_all_due().map(|_| ()))
                .await
                .map_err(|e| e.to_string())?;
        }
    })
}
