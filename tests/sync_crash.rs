//! Pull the plug while syncing: a child process sending the queue to the reference portal
//! (real HTTP on loopback) is killed with SIGKILL at varying points and restarted until the
//! queue is empty; the portal then holds every dossier exactly once and the kiosk shows each
//! one accepted, with every photo whole. Photos go up in 1 KiB chunks here, so kills also land
//! between chunks. `XAKIOSK_CRASH_TRIALS` sets the number of kills (CI: 24; the soak command
//! runs a thousand).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use xakiosk::core::answer::{Answer, AttachmentRef};
use xakiosk::core::dossier::{DossierDraft, DossierState};
use xakiosk::core::dossier_code::DossierCode;
use xakiosk::core::personal_id::PersonalId;
use xakiosk::portal::{PortalDb, PortalState};
use xakiosk::protocol::sealing::{DEVELOPMENT_PUBLIC_KEY, Sealer};
use xakiosk::store::{Store, StoredAttachment};

#[test]
fn a_kill_9_while_syncing_never_loses_or_duplicates_a_dossier() {
    let trials: usize = std::env::var("XAKIOSK_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let dossiers = (trials * 2).max(40);
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("kiosk.sqlite");
    let mut ids = Vec::new();
    {
        let mut store = Store::open(
            &db_path,
            Sealer::from_base64(DEVELOPMENT_PUBLIC_KEY).unwrap(),
        )
        .unwrap();
        for i in 0..dossiers {
            let mut random = [0u8; 8];
            getrandom::fill(&mut random).unwrap();
            let mut answers = std::collections::BTreeMap::new();
            answers.insert(
                "applicant_name".to_string(),
                Answer::Text(format!("Phạm Văn {i}")),
            );
            let d = DossierDraft {
                id: uuid::Uuid::now_v7(),
                code: DossierCode::from_random(&random),
                procedure_id: "chung-thuc-ban-sao".into(),
                procedure_version: 1,
                applicant_id: PersonalId::parse("001093047064").unwrap(),
                answers,
                identity: None,
                assisted_by: None,
                supplements: None,
                office_commune: None,
                declaration: None,
            };
            ids.push(d.id);
            let mut attachments = Vec::new();
            if i % 4 == 0 {
                let bytes: Vec<u8> = (0..5000u32).map(|b| (b * 7 + i as u32) as u8).collect();
                attachments.push(StoredAttachment {
                    reference: AttachmentRef {
                        sha256: format!("{:064x}", i + 1),
                        mime: "image/jpeg".into(),
                        bytes: bytes.len(),
                    },
                    bytes,
                });
            }
            let d = DossierDraft {
                answers: {
                    let mut a = d.answers;
                    for (n, att) in attachments.iter().enumerate() {
                        a.insert(
                            format!("paper{n}"),
                            Answer::Attachment(att.reference.clone()),
                        );
                    }
                    a
                },
                ..d
            };
            store.submit(&d, &attachments, chrono::Utc::now()).unwrap();
        }
    }

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let portal = Arc::new(PortalDb::open(&dir.path().join("portal.sqlite")).unwrap());
    let state = PortalState::new(portal.clone(), "t");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(xakiosk::portal::serve(
        listener,
        state,
        std::future::pending(),
    ));

    let mut kills = 0;
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs < trials + 50, "the queue never drained");
        let mut child = Command::new(env!("CARGO_BIN_EXE_xakiosk"))
            .args(["crash-syncer", "--portal", &base, "--token", "t"])
            .arg(&db_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        if kills < trials {
            // Kill after 0 to 3 acceptances: mid-claim, mid-upload, between the portal's
            // commit and the kiosk's.
            let wanted = kills % 4;
            let mut seen = 0;
            while seen < wanted {
                match lines.next() {
                    Some(Ok(_)) => seen += 1,
                    _ => break,
                }
            }
            child.kill().unwrap();
            child.wait().unwrap();
            kills += 1;
        } else {
            for _ in lines.by_ref() {}
            let status = child.wait().unwrap();
            assert!(status.success(), "the last syncer failed");
            break;
        }
    }

    assert_eq!(
        portal.received_count().unwrap(),
        dossiers as u64,
        "every dossier exactly once"
    );
    let received: std::collections::HashSet<String> = portal
        .list(10_000)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(received.len(), dossiers);
    let store = Store::open(
        &db_path,
        Sealer::from_base64(DEVELOPMENT_PUBLIC_KEY).unwrap(),
    )
    .unwrap();
    assert_eq!(store.queue_len().unwrap(), 0);
    for r in portal.list(10_000).unwrap() {
        for a in &r.upload.attachments {
            assert!(
                portal.attachment(&r.id, &a.sha256).unwrap().is_some(),
                "a received dossier has all its photos, whole"
            );
        }
    }
    for id in ids {
        assert!(received.contains(&id.to_string()));
        assert_eq!(
            store.history(id).unwrap().last().unwrap().state,
            DossierState::Accepted
        );
    }
    assert!(kills >= trials.min(1));
}
