//! The dossier store keeps what it confirmed: across reopening, across schema upgrades, and
//! across a kill -9 in the middle of writing (the closest a test gets to pulling the plug).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use xakiosk::core::answer::Answer;
use xakiosk::core::dossier::{DossierDraft, DossierState};
use xakiosk::core::dossier_code::DossierCode;
use xakiosk::core::personal_id::PersonalId;
use xakiosk::protocol::sealing::{DEVELOPMENT_PUBLIC_KEY, Opener, Sealer};
use xakiosk::store::Store;

fn sealer() -> Sealer {
    Sealer::from_base64(DEVELOPMENT_PUBLIC_KEY).unwrap()
}

fn opener() -> Opener {
    Opener::from_base64(include_str!("../assets/dev/portal-development.key")).unwrap()
}

fn draft(seed: u8) -> DossierDraft {
    let mut answers = std::collections::BTreeMap::new();
    answers.insert(
        "applicant_name".to_string(),
        Answer::Text("Trần Thị Mai".into()),
    );
    DossierDraft {
        id: uuid::Uuid::now_v7(),
        code: DossierCode::from_random(&[seed, 1, 2, 3, 4, 5, 6, seed]),
        procedure_id: "dang-ky-khai-sinh".into(),
        procedure_version: 1,
        applicant_id: PersonalId::parse("079305123456").unwrap(),
        answers,
        identity: None,
        assisted_by: None,
        supplements: None,
        office_commune: None,
        declaration: None,
    }
}

/// A dossier written, the store dropped and reopened: it is still there, with its answers.
#[test]
fn a_dossier_survives_closing_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.sqlite");
    let d = draft(9);
    {
        let mut store = Store::open(&path, sealer()).unwrap();
        store.submit(&d, &[], chrono::Utc::now()).unwrap();
    }
    let store = Store::open(&path, sealer()).unwrap();
    let found = store
        .find_by_code(&d.code)
        .unwrap()
        .expect("stored dossier");
    assert_eq!(found.state, DossierState::Queued);
    let sealed = store.payload(d.id).unwrap().unwrap();
    let clear = opener()
        .open(
            &sealed,
            &xakiosk::protocol::sealed_content::seal_context(d.id, "answers"),
        )
        .unwrap();
    let content: xakiosk::protocol::sealed_content::SealedContent =
        serde_json::from_slice(&clear).unwrap();
    assert_eq!(content.answers, d.answers);
    assert_eq!(content.applicant_id, "079305123456");
    assert_eq!(content.identity, None);
}

/// How the applicant was identified travels sealed with the answers, to the officer.
#[test]
fn the_identity_verification_is_sealed_with_the_dossier() {
    use xakiosk::core::citizen::{IdentityEvidence, Verification};
    let mut d = draft(11);
    d.identity = Some(IdentityEvidence {
        verification: Verification::ChipVerified,
        from_card: vec!["applicant_id".into(), "applicant_name".into()],
        chip: Some(xakiosk::core::chip_evidence::ChipEvidence::from_files(
            b"EF.SOD bytes",
            &[(1, b"DG1 bytes".to_vec()), (13, b"DG13 bytes".to_vec())]
                .into_iter()
                .collect(),
        )),
    });
    let mut store = Store::open_in_memory(sealer()).unwrap();
    store.submit(&d, &[], chrono::Utc::now()).unwrap();
    let sealed = store.payload(d.id).unwrap().unwrap();
    let clear = opener()
        .open(
            &sealed,
            &xakiosk::protocol::sealed_content::seal_context(d.id, "answers"),
        )
        .unwrap();
    let content: xakiosk::protocol::sealed_content::SealedContent =
        serde_json::from_slice(&clear).unwrap();
    assert_eq!(content.identity, d.identity);
    assert!(
        !String::from_utf8_lossy(&sealed).contains("RUYuU09E"),
        "the chip evidence is sealed, not beside the seal"
    );
}

/// A database made by the first schema version, holding a dossier, is upgraded in place and
/// the dossier gets its first status event from the upgrade.
#[test]
fn an_older_schema_is_upgraded_without_losing_dossiers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    Store::create_at_version(&path, 1, &sealer()).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let d = draft(4);
    conn.execute(
        "INSERT INTO dossiers (id, code, procedure_id, procedure_version, applicant_id, state, payload, created_at, updated_at)
         VALUES (?1, ?2, 'dang-ky-khai-sinh', 1, '079305123456', 'queued', x'7b7d', '2026-01-02T03:04:05+00:00', '2026-01-02T03:04:05+00:00')",
        rusqlite::params![d.id.to_string(), d.code.as_str()],
    )
    .unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
    drop(conn);

    let store = Store::open(&path, sealer()).unwrap();
    assert_eq!(store.schema_version().unwrap(), 10);
    let found = store.find_by_code(&d.code).unwrap().unwrap();
    let history = store.history(found.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].state, DossierState::Queued);
    assert_eq!(history[0].at.to_rfc3339(), "2026-01-02T03:04:05+00:00");
    // Version 3 sealed what version 1 kept in clear, and the clear ID column is gone.
    let sealed = store.payload(found.id).unwrap().unwrap();
    let clear = opener()
        .open(
            &sealed,
            &xakiosk::protocol::sealed_content::seal_context(found.id, "answers"),
        )
        .unwrap();
    let content: xakiosk::protocol::sealed_content::SealedContent =
        serde_json::from_slice(&clear).unwrap();
    assert_eq!(content.applicant_id, "079305123456");
    drop(store);
    let raw = std::fs::read(&path).unwrap();
    assert!(
        !raw.windows(12).any(|w| w == b"079305123456"),
        "the clear ID is gone from the file"
    );
}

/// A file that is not a database is reported as such, not as a panic.
#[test]
fn a_damaged_database_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.sqlite");
    std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
    let err = Store::open(&path, sealer())
        .err()
        .expect("junk must not open");
    assert!(
        err.to_string().contains("damaged") || err.to_string().contains("not a database"),
        "{err}"
    );
}

/// kill -9 a process that is writing dossiers, several times: every dossier it reported as
/// saved is in the database afterwards, and the database passes SQLite's integrity check.
#[test]
fn dossiers_confirmed_before_a_kill_9_are_all_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.sqlite");
    let mut confirmed: Vec<String> = Vec::new();
    for trial in 0..8u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xakiosk"))
            .arg("crash-writer")
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Kill after a different number of confirmed dossiers each time, mid-stream.
        let wanted = 3 + (trial * 7) % 11;
        for _ in 0..wanted {
            match lines.next() {
                Some(Ok(code)) => confirmed.push(code),
                _ => break,
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Anything printed between the last read and the kill was confirmed too.
        for code in lines.map_while(Result::ok) {
            confirmed.push(code);
        }
    }
    let store = Store::open(&path, sealer()).unwrap();
    assert_eq!(
        store
            .integrity_problem(xakiosk::store::IntegrityCheck::Thorough)
            .unwrap(),
        None
    );
    assert!(confirmed.len() >= 24);
    for code in &confirmed {
        let code = DossierCode::parse(code).unwrap();
        assert!(
            store.find_by_code(&code).unwrap().is_some(),
            "confirmed dossier {} lost",
            code.display()
        );
    }
    assert!(store.dossier_count().unwrap() >= confirmed.len() as u64);
}
