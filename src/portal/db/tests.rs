//! The portal database's promises: receipts checked, replays answered alike, decisions out
//! through a cursor, photos resumed, one key per kiosk, old databases upgraded.

use super::*;
use crate::portal::db::schema::MIGRATIONS;
use crate::protocol::contract::AttachmentDecl;
use crate::protocol::contract::Enrollment;
use sha2::{Digest, Sha256};

const PHOTO: &[u8] = b"sealed photo";

fn by() -> crate::portal::db::audit::Attribution {
    crate::portal::db::audit::Attribution::officer("test-officer", "127.0.0.1")
}

fn photo_sha() -> String {
    hex::encode(Sha256::digest(PHOTO))
}

/// A portal where kiosk K1 is enrolled with `key`.
fn enrolled(key: &crate::protocol::signing::DeviceKey) -> PortalDb {
    let db = PortalDb::open_in_memory().unwrap();
    db.enroll(
        &Enrollment {
            kiosk_id: "K1".into(),
            public_key: key.public_base64(),
            place: "Phường Hoàn Kiếm".into(),
            commune_code: "00070".into(),
            app_version: "test".into(),
            handovers: Vec::new(),
        },
        "2026-11-24T01:00:00Z",
    )
    .unwrap();
    db
}

fn upload(code: &str) -> DossierUpload {
    DossierUpload {
        code: code.into(),
        procedure_id: "dang-ky-tam-tru".into(),
        procedure_version: 1,
        kiosk_id: "K1".into(),
        submitted_at: "2026-11-24T02:00:00.000000Z".into(),
        sealed_answers: "c2VhbGVk".into(),
        supplements: None,
        attachments: vec![AttachmentDecl {
            sha256: photo_sha(),
            mime: "image/jpeg".into(),
        }],
        receipt: None,
    }
}

fn signed(
    key: &crate::protocol::signing::DeviceKey,
    id: &str,
    mut u: DossierUpload,
) -> DossierUpload {
    let at = "2026-11-24T02:00:00Z".parse().unwrap();
    u.receipt = crate::protocol::receipt::Receipt::for_upload(key, id, &u, at).map(|r| r.to_text());
    u
}

/// Dossier ids the tests use (receipts name UUIDs).
const ID1: &str = "0190e5b2-7c1a-7000-8000-0000000000d1";
const ORIG: &str = "0190e5b2-7c1a-7000-8000-00000000000a";
const NOBODY: &str = "0190e5b2-7c1a-7000-8000-0000000000ff";

fn supplement_id(n: u8) -> String {
    format!("0190e5b2-7c1a-7000-8000-0000000005{n:02}")
}

/// `u` with the receipt its kiosk (K1: seed 1, K2: seed 2) signed for dossier `id`.
fn receipted(id: &str, u: &DossierUpload) -> DossierUpload {
    let seed = if u.kiosk_id == "K2" { 2 } else { 1 };
    signed(
        &crate::protocol::signing::DeviceKey::from_seed([seed; 32]),
        id,
        u.clone(),
    )
}

#[test]
fn a_new_dossier_without_its_receipt_is_refused() {
    let db = enrolled(&crate::protocol::signing::DeviceKey::from_seed([1; 32]));
    let mut u = upload("KCP36MK6N");
    u.attachments.clear();
    assert!(matches!(
        db.receive(ID1, &u, "t"),
        Err(PortalError::BadReceipt(m)) if m.contains("receipt")
    ));
    assert_eq!(db.received_count().unwrap(), 0);
    db.receive(ID1, &receipted(ID1, &u), "t").unwrap();
    assert_eq!(db.received_count().unwrap(), 1);
}

#[test]
fn a_dossier_received_before_receipts_were_required_is_the_same_when_resent_with_one() {
    let db = enrolled(&crate::protocol::signing::DeviceKey::from_seed([1; 32]));
    let mut u = upload("KCP36MK6N");
    u.attachments.clear();
    // As an older portal stored it: no receipt.
    {
        let mut conn = db.lock();
        let tx = conn.transaction().unwrap();
        let internal = crate::portal::db::claims::claim(&tx, "K1", ID1, "t").unwrap();
        tx.execute(
            "INSERT INTO received (id, body_hash, body, reference, received_at, kiosk_id, commune)
             VALUES (?1, ?2, ?3, 'HS-2026-000001', 't', 'K1', '00070')",
            rusqlite::params![internal, u.body_hash(), serde_json::to_string(&u).unwrap()],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let (acceptance, new) = db.receive(ID1, &receipted(ID1, &u), "t2").unwrap();
    assert!(!new, "the kiosk that never heard the answer gets it now");
    assert_eq!(acceptance.reference, "HS-2026-000001");
    // Other content under the id is still a conflict, receipt or not.
    let mut other = u.clone();
    other.sealed_answers = "b3RoZXI=".into();
    assert!(matches!(
        db.receive(ID1, &receipted(ID1, &other), "t3"),
        Err(PortalError::Conflict)
    ));
    assert_eq!(db.received_count().unwrap(), 1);
}

#[test]
fn receipts_are_checked_on_arrival() {
    let [id1, id2, id3, id4, id9] =
        [1, 2, 3, 4, 9].map(|n| format!("0190e5b2-7c1a-7000-8000-00000000000{n}"));
    let (id1, id2, id3, id4, id9) = (
        id1.as_str(),
        id2.as_str(),
        id3.as_str(),
        id4.as_str(),
        id9.as_str(),
    );
    let key = crate::protocol::signing::DeviceKey::from_seed([1; 32]);
    let db = enrolled(&key);
    let mut u = upload("KCP36MK6N");
    u.attachments.clear();
    // Genuine: accepted.
    db.receive(id1, &signed(&key, id1, u.clone()), "t").unwrap();
    // A receipt for other content is refused.
    let mut swapped = signed(&key, id2, u.clone());
    swapped.sealed_answers = "b3RoZXI=".into();
    assert!(matches!(
        db.receive(id2, &swapped, "t"),
        Err(PortalError::BadReceipt(_))
    ));
    // A receipt signed by another key than the kiosk enrolled is refused.
    let forger = crate::protocol::signing::DeviceKey::from_seed([2; 32]);
    assert!(matches!(
        db.receive(id3, &signed(&forger, id3, u.clone()), "t"),
        Err(PortalError::BadReceipt(_))
    ));
    // A receipt naming another dossier is refused.
    assert!(matches!(
        db.receive(id4, &signed(&key, id9, u.clone()), "t"),
        Err(PortalError::BadReceipt(_))
    ));
    assert_eq!(db.received_count().unwrap(), 1);
}

#[test]
fn a_replay_gets_the_original_acceptance_and_a_different_body_a_conflict() {
    let db = enrolled(&crate::protocol::signing::DeviceKey::from_seed([1; 32]));
    let u = upload("AAAAAAAAA");
    assert!(
        matches!(db.receive(ID1, &receipted(ID1, &u), "2026-11-24T03:00:00Z"), Err(PortalError::MissingAttachments(m)) if m == [photo_sha()])
    );
    let total = PHOTO.len() as u64;
    // Sent twice: a repeat of a finished upload is harmless.
    for _ in 0..2 {
        db.append_upload("K1", ID1, &photo_sha(), &photo_sha(), 0, total, PHOTO, "t")
            .unwrap();
    }
    let (first, new) = db
        .receive(ID1, &receipted(ID1, &u), "2026-11-24T03:00:00Z")
        .unwrap();
    assert!(new);
    let (again, new) = db
        .receive(ID1, &receipted(ID1, &u), "2026-11-24T04:00:00Z")
        .unwrap();
    assert!(!new);
    assert_eq!(
        again, first,
        "the replay is answered with the original acceptance"
    );
    assert!(matches!(
        db.receive(
            ID1,
            &receipted(ID1, &upload("BBBBBBBBB")),
            "2026-11-24T04:00:00Z"
        ),
        Err(PortalError::Conflict)
    ));
    assert_eq!(db.received_count().unwrap(), 1);
}

#[test]
fn decisions_flow_out_through_a_cursor() {
    let db = enrolled(&crate::protocol::signing::DeviceKey::from_seed([1; 32]));
    let mut u = upload("AAAAAAAAA");
    u.attachments.clear();
    db.receive(ID1, &receipted(ID1, &u), "2026-11-24T03:00:00Z")
        .unwrap();
    assert!(matches!(
        db.decide("nope", "rejected", None, None, &by(), "t"),
        Err(PortalError::NotFound)
    ));
    assert!(matches!(
        db.decide(ID1, "lost", None, None, &by(), "t"),
        Err(PortalError::BadDecision)
    ));
    let seq = db
        .decide(
            ID1,
            "needs_fix",
            Some("Thiếu hợp đồng thuê nhà"),
            None,
            &by(),
            "t",
        )
        .unwrap();
    let page = db.status_since("K1", 0, 100).unwrap();
    assert!(
        db.status_since("K2", 0, 100).unwrap().changes.is_empty(),
        "a kiosk sees only its own dossiers' decisions"
    );
    assert_eq!(page.cursor, seq);
    assert_eq!(page.changes[0].state, "needs_fix");
    assert!(
        db.status_since("K1", page.cursor, 100)
            .unwrap()
            .changes
            .is_empty()
    );
}

#[test]
fn a_needs_fix_decision_carries_its_request_to_the_kiosk_and_the_officer_list() {
    let db = enrolled(&crate::protocol::signing::DeviceKey::from_seed([1; 32]));
    let mut u = upload("AAAAAAAAA");
    u.attachments.clear();
    db.receive(ID1, &receipted(ID1, &u), "2026-11-24T03:00:00Z")
        .unwrap();
    let request = crate::core::fix_request::FixRequest {
        what: "Thiếu hợp đồng thuê nhà".into(),
        fields: vec!["rent_paper".into()],
        due: chrono::NaiveDate::from_ymd_opt(2026, 12, 10),
    };
    let bad = crate::core::fix_request::FixRequest {
        what: " ".into(),
        ..request.clone()
    };
    assert!(matches!(
        db.decide(ID1, "needs_fix", None, Some(&bad), &by(), "t"),
        Err(PortalError::BadRequest(_))
    ));
    db.decide(ID1, "needs_fix", Some("Thiếu"), Some(&request), &by(), "t")
        .unwrap();
    let page = db.status_since("K1", 0, 100).unwrap();
    assert_eq!(page.changes[0].request.as_ref(), Some(&request));
    assert_eq!(db.list(10).unwrap()[0].request.as_ref(), Some(&request));
    // Accepted later: the request is history, not shown as open.
    db.decide(ID1, "accepted", None, Some(&request), &by(), "t")
        .unwrap();
    let page = db.status_since("K1", page.cursor, 100).unwrap();
    assert_eq!(
        page.changes[0].request, None,
        "only 'needs_fix' carries a request"
    );
    assert_eq!(db.list(10).unwrap()[0].request, None);
}

#[test]
fn a_supplement_completes_only_a_sent_back_dossier_of_the_same_kiosk() {
    let db = enrolled(&crate::protocol::signing::DeviceKey::from_seed([1; 32]));
    db.enroll(
        &Enrollment {
            kiosk_id: "K2".into(),
            public_key: crate::protocol::signing::DeviceKey::from_seed([2; 32]).public_base64(),
            place: "Phường Hàng Bạc".into(),
            commune_code: "00070".into(),
            app_version: "test".into(),
            handovers: Vec::new(),
        },
        "2026-11-24T01:00:00Z",
    )
    .unwrap();
    let mut original = upload("AAAAAAAAA");
    original.attachments.clear();
    db.receive(ORIG, &receipted(ORIG, &original), "2026-11-24T03:00:00Z")
        .unwrap();
    let supplement = |code: &str, kiosk: &str, of: &str| DossierUpload {
        kiosk_id: kiosk.into(),
        supplements: Some(of.into()),
        attachments: Vec::new(),
        ..upload(code)
    };
    // Not sent back yet: nothing to complete.
    assert!(matches!(
        db.receive(
            &supplement_id(0),
            &receipted(&supplement_id(0), &supplement("BBBBBBBBB", "K1", ORIG)),
            "t"
        ),
        Err(PortalError::NotSupplementable)
    ));
    db.decide(ORIG, "needs_fix", Some("Thiếu"), None, &by(), "t")
        .unwrap();
    // Another kiosk, or a dossier nobody sent: refused.
    assert!(matches!(
        db.receive(
            &supplement_id(1),
            &receipted(&supplement_id(1), &supplement("CCCCCCCCC", "K2", ORIG)),
            "t"
        ),
        Err(PortalError::NotSupplementable)
    ));
    assert!(matches!(
        db.receive(
            &supplement_id(2),
            &receipted(&supplement_id(2), &supplement("DDDDDDDDD", "K1", NOBODY)),
            "t"
        ),
        Err(PortalError::NotSupplementable)
    ));
    // The kiosk that sent it: received once, a replay answered alike.
    let (first, new) = db
        .receive(
            &supplement_id(3),
            &receipted(&supplement_id(3), &supplement("EEEEEEEEE", "K1", ORIG)),
            "t",
        )
        .unwrap();
    assert!(new);
    let (again, new) = db
        .receive(
            &supplement_id(3),
            &receipted(&supplement_id(3), &supplement("EEEEEEEEE", "K1", ORIG)),
            "t2",
        )
        .unwrap();
    assert!(!new);
    assert_eq!(first, again);
    let listed = db.list(10).unwrap();
    let s3 = listed.iter().find(|r| r.id == supplement_id(3)).unwrap();
    assert_eq!(s3.upload.supplements.as_deref(), Some(ORIG));
}

#[test]
fn photos_arrive_in_chunks_resume_at_the_portals_offset_and_are_checked() {
    let db = enrolled(&crate::protocol::signing::DeviceKey::from_seed([1; 32]));
    let sha = photo_sha();
    let total = PHOTO.len() as u64;
    let p = db
        .append_upload("K1", "d", &sha, &photo_sha(), 0, total, &PHOTO[..5], "t")
        .unwrap();
    assert_eq!((p.received, p.complete), (5, false));
    // A chunk from the wrong place is refused with where to go on.
    assert!(matches!(
        db.append_upload("K1", "d", &sha, &photo_sha(), 0, total, &PHOTO[..5], "t"),
        Err(PortalError::WrongOffset(5))
    ));
    assert_eq!(db.upload_progress("K1", "d", &sha).unwrap().received, 5);
    let p = db
        .append_upload("K1", "d", &sha, &photo_sha(), 5, total, &PHOTO[5..], "t")
        .unwrap();
    assert!(p.complete);
    assert_eq!(db.attachment("d", &sha).unwrap().as_deref(), Some(PHOTO));

    // Bytes that do not match the checksum given are discarded whole.
    let wrong = hex::encode(Sha256::digest(b"something else"));
    assert!(matches!(
        db.append_upload("K1", "d", &wrong, &wrong, 0, total, PHOTO, "t"),
        Err(PortalError::HashMismatch)
    ));
    assert_eq!(db.upload_progress("K1", "d", &wrong).unwrap().received, 0);
    // Beyond the declared length, or over the limit: refused.
    assert!(matches!(
        db.append_upload("K1", "e", &sha, &photo_sha(), 0, 3, PHOTO, "t"),
        Err(PortalError::BadUpload(_))
    ));
    assert!(matches!(
        db.append_upload(
            "K1",
            "e",
            &sha,
            &photo_sha(),
            0,
            MAX_ATTACHMENT_BYTES + 1,
            PHOTO,
            "t"
        ),
        Err(PortalError::BadUpload(_))
    ));
}

#[test]
fn enrollment_binds_one_key_to_a_kiosk_id() {
    let key = crate::protocol::signing::DeviceKey::from_seed([1; 32]);
    let db = enrolled(&key);
    let again = Enrollment {
        kiosk_id: "K1".into(),
        public_key: key.public_base64(),
        place: "Phường Hoàn Kiếm".into(),
        commune_code: "00070".into(),
        app_version: "test".into(),
        handovers: Vec::new(),
    };
    let first = db.enroll(&again, "later").unwrap();
    assert_eq!(
        first.enrolled_at, "2026-11-24T01:00:00Z",
        "a repeat keeps the enrollment"
    );
    let thief = Enrollment {
        public_key: crate::protocol::signing::DeviceKey::from_seed([2; 32]).public_base64(),
        ..again.clone()
    };
    assert!(matches!(
        db.enroll(&thief, "t"),
        Err(PortalError::KeyMismatch)
    ));
    // A handover signed by someone else's key does not move the enrollment either.
    let next = crate::protocol::signing::DeviceKey::from_seed([5; 32]);
    let forged = Enrollment {
        public_key: next.public_base64(),
        handovers: vec![crate::protocol::key_handover::KeyHandover::sign(
            &crate::protocol::signing::DeviceKey::from_seed([2; 32]),
            &next.public_base64(),
        )],
        ..again.clone()
    };
    assert!(matches!(
        db.enroll(&forged, "t"),
        Err(PortalError::KeyMismatch)
    ));
    let junk = Enrollment {
        public_key: "not a key".into(),
        kiosk_id: "K9".into(),
        ..again
    };
    assert!(matches!(
        db.enroll(&junk, "t"),
        Err(PortalError::BadUpload(_))
    ));
    assert_eq!(db.device_key("K1").unwrap(), Some(key.public_base64()));
    // A dossier from a kiosk that never enrolled is refused.
    let mut u = upload("AAAA");
    u.attachments.clear();
    u.kiosk_id = "K9".into();
    assert!(matches!(
        db.receive("x", &u, "t"),
        Err(PortalError::NotEnrolled)
    ));
}

#[test]
fn an_old_portal_database_is_upgraded_and_its_pinned_keys_become_enrollments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portal.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute(
            "INSERT INTO kiosks (kiosk_id, public_key) VALUES ('K1', 'pinned')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO received (id, body_hash, body, reference, received_at) VALUES ('x', 'h', '{\"kiosk_id\":\"K1\"}', 'HS-1', 't')",
            [],
        )
        .unwrap();
    }
    let db = PortalDb::open(&path).unwrap();
    assert_eq!(db.device_key("K1").unwrap().as_deref(), Some("pinned"));
    db.decide("x", "accepted", None, None, &by(), "t").unwrap();
    assert_eq!(db.status_since("K1", 0, 10).unwrap().changes.len(), 1);
}

/// A kiosk cannot make the portal hold an unbounded number of half-sent photos: past
/// `MAX_OPEN_UPLOADS` a new one is refused until some finish; finishing one frees a place, and
/// other kiosks are not affected.
#[test]
fn a_kiosk_has_only_so_many_unfinished_uploads() {
    let db = enrolled(&crate::protocol::signing::DeviceKey::from_seed([1; 32]));
    let begin = |kiosk: &str, n: u32| {
        db.append_upload(
            kiosk,
            &format!("dossier-{n}"),
            &photo_sha(),
            &photo_sha(),
            0,
            PHOTO.len() as u64,
            &PHOTO[..3],
            "t",
        )
    };
    for n in 0..MAX_OPEN_UPLOADS {
        begin("K1", n).unwrap();
    }
    assert!(matches!(
        begin("K1", MAX_OPEN_UPLOADS),
        Err(PortalError::TooManyUploads)
    ));
    begin("K2", 0).expect("another kiosk has its own allowance");
    let finished = db
        .append_upload(
            "K1",
            "dossier-0",
            &photo_sha(),
            &photo_sha(),
            3,
            PHOTO.len() as u64,
            &PHOTO[3..],
            "t",
        )
        .unwrap();
    assert!(finished.complete);
    begin("K1", MAX_OPEN_UPLOADS).expect("a finished upload frees a place");
}
