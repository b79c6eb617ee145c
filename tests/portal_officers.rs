//! The reference portal's officer pages over real HTTP, as an attacker would try them: no page
//! without signing in, no form from another site or without the session's token, no page
//! under a rebinding host name, guessed passwords locked out, officers confined to their
//! communes' dossiers, administrators alone on the fleet and the audit log, and every sign-in,
//! opening and decision in that log.

use std::sync::Arc;
use xakiosk::portal::db::audit::Attribution;
use xakiosk::portal::db::officers::{Communes, FREE_FAILURES, Role};
use xakiosk::portal::{PortalDb, PortalState};
use xakiosk::protocol::contract::{DossierUpload, Enrollment};
use xakiosk::protocol::receipt::Receipt;
use xakiosk::tools::officer_browser::{OfficerBrowser, client, hidden_field};

const PASSWORD: &str = "correct-horse-battery";

struct Portal {
    db: Arc<PortalDb>,
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Portal {
    async fn shut(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.server.take().unwrap().await.unwrap().unwrap();
    }
}

fn add(db: &PortalDb, name: &str, role: Role, communes: &str) {
    db.add_officer(
        name,
        &xakiosk::core::pin_hash::hash_pin(PASSWORD, [3; 16]),
        role,
        &Communes::parse(communes).unwrap(),
        &Attribution::command("test"),
        0,
    )
    .unwrap();
}

/// A dossier from a kiosk of `commune`; its id.
fn receive_from(db: &PortalDb, kiosk: &str, commune: &str, code: &str) -> String {
    let key = xakiosk::protocol::signing::DeviceKey::from_seed([kiosk.len() as u8; 32]);
    db.enroll(
        &Enrollment {
            kiosk_id: kiosk.into(),
            public_key: key.public_base64(),
            place: String::new(),
            commune_code: commune.into(),
            app_version: "test".into(),
            handovers: Vec::new(),
        },
        "2026-12-07T01:00:00Z",
    )
    .unwrap();
    let id = uuid::Uuid::now_v7().to_string();
    let mut upload = DossierUpload {
        code: code.into(),
        procedure_id: "dang-ky-tam-tru".into(),
        procedure_version: 1,
        kiosk_id: kiosk.into(),
        submitted_at: "2026-12-07T01:00:00Z".into(),
        sealed_answers: "c2VhbGVk".into(),
        attachments: Vec::new(),
        receipt: None,
        supplements: None,
    };
    upload.receipt =
        Receipt::for_upload(&key, &id, &upload, chrono::Utc::now()).map(|r| r.to_text());
    db.receive(&id, &upload, "2026-12-07T01:01:00.000000Z")
        .unwrap();
    id
}

/// A portal with officers of Hoàn Kiếm (00070) and Hàng Bạc (00073), an administrator, and a
/// dossier from each commune.
async fn portal_with(state: impl FnOnce(PortalState) -> PortalState) -> (Portal, String, String) {
    let db = Arc::new(PortalDb::open_in_memory().unwrap());
    add(&db, "lan", Role::Officer, "00070");
    add(&db, "minh", Role::Officer, "00073");
    add(&db, "quan-tri", Role::Admin, "*");
    let ours = receive_from(&db, "K-HK", "00070", "HK0000001");
    let theirs = receive_from(&db, "K-HANGBAC", "00073", "HB0000001");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(xakiosk::portal::serve(
        listener,
        state(PortalState::new(db.clone(), "a-long-enrollment-token")),
        async {
            let _ = stopped.await;
        },
    ));
    (
        Portal {
            db,
            base,
            stop: Some(stop),
            server: Some(server),
        },
        ours,
        theirs,
    )
}

async fn status_of(request: reqwest::RequestBuilder) -> (u16, Option<String>) {
    let answer = request.send().await.unwrap();
    let location = answer
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_string);
    (answer.status().as_u16(), location)
}

fn actions(db: &PortalDb, action: &str) -> Vec<(String, String, String)> {
    db.audit_log(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| (e.actor, e.subject, e.source))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_officer_page_answers_without_signing_in() {
    let (portal, ours, _) = portal_with(|s| s).await;
    let (base, http) = (&portal.base, client());
    for path in [
        "/officer".to_string(),
        format!("/officer/dossiers/{ours}"),
        "/officer/admin".into(),
        "/officer/admin/audit.csv".into(),
    ] {
        let (status, location) = status_of(http.get(format!("{base}{path}"))).await;
        assert_eq!(
            (status, location.as_deref()),
            (303, Some("/officer/sign-in")),
            "{path}"
        );
    }
    // A forged session cookie is no session.
    let (status, _) = status_of(
        http.get(format!("{base}/officer"))
            .header("cookie", "xakiosk_officer=forged"),
    )
    .await;
    assert_eq!(status, 303);
    // A decision without a session is refused and changes nothing.
    let (status, _) = status_of(
        http.post(format!("{base}/officer/dossiers/{ours}/decision"))
            .form(&[("state", "rejected")]),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        portal.db.received(&ours).unwrap().unwrap().state,
        "accepted"
    );
    assert!(actions(&portal.db, "decide").is_empty());
    portal.shut().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_form_or_a_missing_token_is_refused() {
    let (portal, ours, _) = portal_with(|s| s).await;
    let base = portal.base.clone();
    let lan = OfficerBrowser::sign_in(&base, "lan", PASSWORD)
        .await
        .unwrap();
    let token = lan.form_token().await.unwrap();
    let decision = format!("{base}/officer/dossiers/{ours}/decision");
    let http = client();
    // Another site's page posting with the officer's cookie (as a browser would without
    // SameSite) and even the right token: its Origin gives it away.
    let (status, _) = status_of(
        http.post(&decision)
            .header("cookie", lan.cookie())
            .header("origin", "https://evil.example")
            .form(&[("state", "rejected"), ("csrf", &token)]),
    )
    .await;
    assert_eq!(status, 403);
    // A browser that sends no Origin but says the request is cross-site.
    let (status, _) = status_of(
        http.post(&decision)
            .header("cookie", lan.cookie())
            .header("sec-fetch-site", "cross-site")
            .form(&[("state", "rejected"), ("csrf", &token)]),
    )
    .await;
    assert_eq!(status, 403);
    // From the portal's own origin but without the session's token, or with another one.
    for csrf in ["", "guessed-token"] {
        let (status, _) = status_of(
            http.post(&decision)
                .header("cookie", lan.cookie())
                .header("origin", &base)
                .form(&[("state", "rejected"), ("csrf", csrf)]),
        )
        .await;
        assert_eq!(status, 403, "csrf {csrf:?}");
    }
    assert_eq!(
        portal.db.received(&ours).unwrap().unwrap().state,
        "accepted"
    );
    assert!(actions(&portal.db, "decide").is_empty());
    // The sign-in form itself: posted from elsewhere, or without the cookie it must echo.
    let (status, _) = status_of(
        http.post(format!("{base}/officer/sign-in"))
            .header("origin", "https://evil.example")
            .form(&[("name", "lan"), ("password", PASSWORD), ("form_token", "x")]),
    )
    .await;
    assert_eq!(status, 403);
    // The real form from the real page works, and is logged under the officer's name.
    let (status, _) = lan
        .post(
            &format!("/officer/dossiers/{ours}/decision"),
            &[("state", "rejected"), ("note", "Không thuộc thẩm quyền")],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        portal.db.received(&ours).unwrap().unwrap().state,
        "rejected"
    );
    assert_eq!(
        actions(&portal.db, "decide"),
        [("lan".to_string(), ours.clone(), "127.0.0.1".to_string())]
    );
    portal.shut().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_under_another_host_name_is_refused() {
    // DNS rebinding: a hostile name resolving to the portal's address reaches the port, but
    // the browser names the hostile host.
    let (portal, _, _) = portal_with(|s| s).await;
    let http = client();
    let port = portal.base.rsplit(':').next().unwrap().to_string();
    for host in [format!("evil.example:{port}"), "evil.example".into()] {
        let (status, _) = status_of(
            http.get(format!("{}/officer/sign-in", portal.base))
                .header("host", &host),
        )
        .await;
        assert_eq!(status, 400, "{host}");
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, _) = status_of(
            http.get(format!("{}/officer/sign-in", portal.base))
                .header("host", &host),
        )
        .await;
        assert_eq!(status, 200, "{host}");
    }
    portal.shut().await;
    // Published behind a proxy: its public name is answered, and the cookie is Secure.
    let (portal, _, _) = portal_with(|s| s.with_public_origin("https://dvc.example.gov.vn")).await;
    let answer = http
        .get(format!("{}/officer/sign-in", portal.base))
        .header("host", "dvc.example.gov.vn")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let cookie = answer.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.ends_with("; Secure"),
        "{cookie}"
    );
    portal.shut().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessed_passwords_lock_the_account_out() {
    let (portal, _, _) = portal_with(|s| s).await;
    let base = portal.base.clone();
    for _ in 0..FREE_FAILURES {
        let (status, page) = OfficerBrowser::sign_in(&base, "lan", "wrong-password-123")
            .await
            .err()
            .unwrap();
        assert_eq!(status, 401);
        assert!(page.contains("Sai tên đăng nhập hoặc mật khẩu"), "{page}");
    }
    // Now even the right password is refused until the lockout ends.
    let (status, page) = OfficerBrowser::sign_in(&base, "lan", PASSWORD)
        .await
        .err()
        .unwrap();
    assert_eq!(status, 429);
    assert!(page.contains("tạm khóa"), "{page}");
    let refused = actions(&portal.db, "sign_in_refused");
    assert_eq!(refused.len(), FREE_FAILURES as usize + 1);
    assert!(
        refused
            .iter()
            .all(|(actor, _, source)| actor == "lan" && source == "127.0.0.1")
    );
    // An unknown name is refused alike, and logged.
    let (status, _) = OfficerBrowser::sign_in(&base, "nobody", PASSWORD)
        .await
        .err()
        .unwrap();
    assert_eq!(status, 401);
    // Another officer is not affected; an administrator's reset lifts the lockout.
    assert!(
        OfficerBrowser::sign_in(&base, "minh", PASSWORD)
            .await
            .is_ok()
    );
    portal
        .db
        .set_officer_password(
            "lan",
            &xakiosk::core::pin_hash::hash_pin(PASSWORD, [4; 16]),
            &Attribution::command("test"),
            chrono::Utc::now().timestamp(),
        )
        .unwrap();
    assert!(
        OfficerBrowser::sign_in(&base, "lan", PASSWORD)
            .await
            .is_ok()
    );
    // A disabled account cannot sign in, and its open session ends.
    let minh = OfficerBrowser::sign_in(&base, "minh", PASSWORD)
        .await
        .unwrap();
    portal
        .db
        .set_officer_disabled("minh", true, &Attribution::command("test"), 0)
        .unwrap();
    assert_eq!(minh.get("/officer").await.0, 303);
    assert_eq!(
        OfficerBrowser::sign_in(&base, "minh", PASSWORD)
            .await
            .err()
            .unwrap()
            .0,
        401
    );
    portal.shut().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_sees_and_decides_only_the_dossiers_of_their_communes() {
    let (portal, ours, theirs) = portal_with(|s| s).await;
    let lan = OfficerBrowser::sign_in(&portal.base, "lan", PASSWORD)
        .await
        .unwrap();
    let list = lan.page("/officer").await.unwrap();
    assert!(
        list.contains("HK0000001") && !list.contains("HB0000001"),
        "{list}"
    );
    assert_eq!(lan.get(&format!("/officer/dossiers/{theirs}")).await.0, 404);
    let (status, _) = lan
        .post(
            &format!("/officer/dossiers/{theirs}/decision"),
            &[("state", "rejected")],
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        portal.db.received(&theirs).unwrap().unwrap().state,
        "accepted"
    );
    // Their own dossier opens, and the opening is logged; the list itself opens nothing.
    assert!(actions(&portal.db, "open_dossier").is_empty());
    let page = lan
        .page(&format!("/officer/dossiers/{ours}"))
        .await
        .unwrap();
    assert!(page.contains("HK0000001"));
    assert_eq!(
        actions(&portal.db, "open_dossier"),
        [("lan".to_string(), ours.clone(), "127.0.0.1".to_string())]
    );
    // An officer is no administrator.
    assert_eq!(lan.get("/officer/admin").await.0, 403);
    assert_eq!(lan.get("/officer/admin/audit.csv").await.0, 403);
    // Signing out ends the session: the same cookie no longer opens anything.
    let (status, _) = lan.post("/officer/sign-out", &[]).await;
    assert_eq!(status, 303);
    assert_eq!(lan.get("/officer").await.0, 303);
    assert_eq!(actions(&portal.db, "sign_out").len(), 1);
    portal.shut().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_read_and_export_the_audit_log() {
    let (portal, ours, _) = portal_with(|s| s).await;
    let lan = OfficerBrowser::sign_in(&portal.base, "lan", PASSWORD)
        .await
        .unwrap();
    lan.page(&format!("/officer/dossiers/{ours}"))
        .await
        .unwrap();
    let admin = OfficerBrowser::sign_in(&portal.base, "quan-tri", PASSWORD)
        .await
        .unwrap();
    // An update offered to the general group is listed with the fleet's groups.
    let (sha256, size) = portal
        .db
        .store_update_bundle(&b"a bundle"[..], 1 << 20, "2026-12-07T00:00:00Z")
        .unwrap();
    let offer = xakiosk::protocol::contract::UpdateOffer {
        version: "0.99.1".into(),
        sha256,
        size,
        group: "general".into(),
        offered_at: "2026-12-07T00:00:00Z".into(),
    };
    portal
        .db
        .offer_update(
            &offer,
            &xakiosk::protocol::update_offer::sign(
                &offer,
                &xakiosk::protocol::signing::DeviceKey::from_seed([9; 32]),
            ),
            &Attribution::command("release-manager"),
        )
        .unwrap();
    let page = admin.page("/officer/admin").await.unwrap();
    assert!(page.contains("K-HANGBAC"), "the fleet is listed");
    assert!(
        page.contains("<td>0.99.1</td>") && page.contains("command:release-manager"),
        "the offer is listed"
    );
    assert!(page.contains("<td>general</td>"), "each kiosk's group");
    assert!(page.contains("open_dossier") && page.contains(&ours));
    let (status, csv) = admin.get("/officer/admin/audit.csv").await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "seq,at,actor,action,subject,detail,source");
    for wanted in ["officer_added", "sign_in", "open_dossier", "view_audit"] {
        assert!(
            lines.iter().any(|l| l.split(',').nth(3) == Some(wanted)),
            "{wanted} in {csv}"
        );
    }
    // Reading and exporting the log are themselves logged, by whom.
    assert_eq!(actions(&portal.db, "export_audit")[0].0, "quan-tri");
    // The page's sign-out form carries the session's token.
    assert!(hidden_field(&page, "csrf").is_some());
    portal.shut().await;
}

/// One address trying many passwords (or many accounts) is slowed down before the per-account
/// lockout matters: beyond the burst it gets 429 with the time to wait, and the password is
/// not even checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_sign_ins_from_one_address_gets_429() {
    use xakiosk::portal::routes::rate_limits::BURST;
    let (portal, _, _) = portal_with(|s| s).await;
    let http = client();
    let mut statuses = Vec::new();
    for attempt in 0..=BURST {
        let answer = http
            .post(format!("{}/officer/sign-in", portal.base))
            .form(&[
                ("name", format!("guess{attempt}")),
                ("password", "x".into()),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(answer.status().as_u16());
        if answer.status() == 429 {
            assert!(answer.headers().contains_key("retry-after"));
        }
    }
    assert!(
        statuses[..BURST as usize].iter().all(|s| *s == 403),
        "{statuses:?}"
    );
    assert_eq!(statuses[BURST as usize], 429);
    // The page itself still opens (only posting is limited).
    assert_eq!(
        http.get(format!("{}/officer/sign-in", portal.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    portal.shut().await;
}

/// An administrator issues a one-time token for a kiosk id and commune; the provisioning code
/// on the page is one the kiosk reads; the kiosk enrolls with it (again after a restart), and
/// nobody else can: not another key, not another kiosk id. Retiring the kiosk shuts it out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_enrolls_a_kiosk_with_a_one_time_token() {
    use xakiosk::sync::transport::{HttpTransport, KioskIdentity, PortalTransport, SendError};
    let (portal, _, _) = portal_with(|s| PortalState {
        shared_enrollment_token: None,
        ..s
    })
    .await;
    let base = portal.base.clone();
    let admin = OfficerBrowser::sign_in(&base, "quan-tri", PASSWORD)
        .await
        .unwrap();
    let issue = [
        ("kiosk_id", "KIOSK-NEW"),
        ("commune", "00073"),
        ("days", "7"),
    ];
    let lan = OfficerBrowser::sign_in(&base, "lan", PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        lan.post("/officer/admin/enrollment-tokens", &issue).await.0,
        403,
        "officers do not enroll kiosks"
    );
    let (status, page) = admin.post("/officer/admin/enrollment-tokens", &issue).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("data:image/png;base64,"),
        "the QR code is on the page"
    );
    let code = page
        .split("<pre>")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap()
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let request = xakiosk::appliance::provision::ProvisionRequest::from_qr(&code).unwrap();
    assert_eq!(request.portal, base);
    assert_eq!(request.kiosk_id.as_deref(), Some("KIOSK-NEW"));
    assert_eq!(request.commune, "00073");

    let kiosk = |id: &str, seed: u8| {
        HttpTransport::new(
            &base,
            KioskIdentity {
                kiosk_id: id.into(),
                key: xakiosk::protocol::signing::DeviceKey::from_seed([seed; 32]),
                place: String::new(),
                commune_code: "00070".into(),
            },
            &request.token,
            std::time::Duration::from_secs(5),
        )
        .unwrap()
    };
    let new = kiosk("KIOSK-NEW", 40);
    new.enroll().await.unwrap();
    new.enroll().await.expect("the same key may enroll again");
    for (thief, why) in [
        (kiosk("KIOSK-NEW", 41), "already been used"),
        (kiosk("KIOSK-OTHER", 40), "another kiosk id"),
    ] {
        match thief.enroll().await {
            Err(SendError::Refused(m)) => assert!(m.contains(why), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    let device = portal
        .db
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.kiosk_id == "KIOSK-NEW")
        .unwrap();
    assert_eq!(
        device.commune, "00073",
        "the token's commune, not the kiosk's claim"
    );
    assert!(new.status(0).await.is_ok());

    let (status, _) = admin
        .post("/officer/admin/kiosks/KIOSK-NEW/retire", &[])
        .await;
    assert_eq!(status, 303);
    assert!(matches!(
        new.status(0).await,
        Err(SendError::Unauthorised(_))
    ));
    assert!(matches!(new.enroll().await, Err(SendError::Refused(_))));
    let audit = actions(&portal.db, "token_issued");
    assert_eq!(
        audit,
        [("quan-tri".into(), "KIOSK-NEW".into(), "127.0.0.1".into())]
    );
    assert_eq!(actions(&portal.db, "kiosk_retired").len(), 1);
    portal.shut().await;
}

/// A dossier from kiosk K-HK (commune 00070) whose sealed content is `content`; its id.
fn receive_sealed(
    db: &PortalDb,
    code: &str,
    content: &xakiosk::protocol::sealed_content::SealedContent,
) -> String {
    use base64::Engine as _;
    use xakiosk::protocol::sealing::{DEVELOPMENT_PUBLIC_KEY, Sealer};
    let key = xakiosk::protocol::signing::DeviceKey::from_seed([4; 32]);
    db.enroll(
        &Enrollment {
            kiosk_id: "K-HK".into(),
            public_key: key.public_base64(),
            place: String::new(),
            commune_code: "00070".into(),
            app_version: "test".into(),
            handovers: Vec::new(),
        },
        "2026-12-07T01:00:00Z",
    )
    .unwrap();
    let id = uuid::Uuid::now_v7();
    let sealed = Sealer::from_base64(DEVELOPMENT_PUBLIC_KEY)
        .unwrap()
        .seal(
            &serde_json::to_vec(content).unwrap(),
            &xakiosk::protocol::sealed_content::seal_context(id, "answers"),
        )
        .unwrap();
    let mut upload = DossierUpload {
        code: code.into(),
        procedure_id: "dang-ky-tam-tru".into(),
        procedure_version: 1,
        kiosk_id: "K-HK".into(),
        submitted_at: "2026-12-07T01:00:00Z".into(),
        sealed_answers: base64::engine::general_purpose::STANDARD.encode(sealed),
        attachments: Vec::new(),
        receipt: None,
        supplements: None,
    };
    upload.receipt = Receipt::for_upload(&key, &id.to_string(), &upload, chrono::Utc::now())
        .map(|r| r.to_text());
    db.receive(&id.to_string(), &upload, "2026-12-07T01:01:00.000000Z")
        .unwrap();
    id.to_string()
}

/// An officer reads on the dossier's page what the portal itself found re-checking the chip
/// data the kiosk sealed (against the portal's own CSCA list), not only the kiosk's claim.
#[tokio::test]
async fn the_dossier_page_says_whether_the_portal_re_verified_the_chip() {
    use xakiosk::core::answer::Answer;
    use xakiosk::core::chip_evidence::ChipEvidence;
    use xakiosk::core::citizen::{IdentityEvidence, Verification};
    use xakiosk::identity::card_image::CardImage;
    use xakiosk::identity::lds::EfId;
    use xakiosk::identity::{citizen_from_card, dg1_mrz, dg13};
    let cards = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/dev/cards");
    let card = &CardImage::load_folder(&cards).unwrap()[0];
    let groups = card.data_groups();
    let chip = citizen_from_card::from_data_groups(
        &dg1_mrz::parse(&groups[&1]).unwrap(),
        Some(&dg13::parse(&groups[&13]).unwrap()),
    );
    let id = chip.personal_id.clone().unwrap();
    let content = |name: &str, evidence: Option<ChipEvidence>| {
        xakiosk::protocol::sealed_content::SealedContent {
            applicant_id: id.as_str().to_string(),
            answers: [
                ("applicant_id".to_string(), Answer::PersonalId(id.clone())),
                ("applicant_name".to_string(), Answer::Text(name.to_string())),
            ]
            .into_iter()
            .collect(),
            identity: Some(IdentityEvidence {
                verification: Verification::ChipVerified,
                from_card: vec!["applicant_id".into(), "applicant_name".into()],
                chip: evidence,
            }),
            assisted_by: None,
            declaration: None,
        }
    };
    let evidence = ChipEvidence::from_files(&card.files[&EfId::Sod], &groups);

    let db = Arc::new(PortalDb::open_in_memory().unwrap());
    add(&db, "lan", Role::Officer, "00070");
    let genuine = receive_sealed(
        &db,
        "CHIP00001",
        &content(&chip.full_name, Some(evidence.clone())),
    );
    let renamed = receive_sealed(&db, "CHIP00002", &content("Nguyễn Văn Giả", Some(evidence)));
    let bare = receive_sealed(&db, "CHIP00003", &content(&chip.full_name, None));
    // A chip proven by active authentication: the exchange sealed, and one whose signature
    // was made by another key.
    let challenge = [9u8; 8];
    let sign = |key: &[u8]| {
        xakiosk::identity::active_authentication::sign_ecdsa(
            xakiosk::identity::card_access::DomainParameters::NistP256,
            key,
            &challenge,
        )
        .unwrap()
    };
    let with_exchange = |signature: Vec<u8>| {
        let mut evidence = ChipEvidence::from_files(&card.files[&EfId::Sod], &groups);
        evidence.seal_active_authentication(&challenge, &signature, &groups);
        Some(evidence)
    };
    let signed = receive_sealed(
        &db,
        "CHIP00004",
        &content(
            &chip.full_name,
            with_exchange(sign(card.aa_private_key.as_ref().unwrap())),
        ),
    );
    let unsigned = receive_sealed(
        &db,
        "CHIP00005",
        &content(&chip.full_name, with_exchange(sign(&[0x44; 32]))),
    );
    let mut trust = xakiosk::identity::trust_list::TrustList::empty();
    trust.add_path(&cards.join("csca.pem"));
    let key = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/dev/portal-development.key"),
    )
    .unwrap();
    let state = PortalState::new(db.clone(), "a-long-enrollment-token")
        .with_opener(xakiosk::protocol::sealing::Opener::from_base64(&key).unwrap());
    for (trust, genuine_says) in [
        (trust, "Cổng ĐÃ KIỂM TRA LẠI"),
        (
            xakiosk::identity::trust_list::TrustList::empty(),
            "chưa có chứng thư gốc (CSCA)",
        ),
    ] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(xakiosk::portal::serve(
            listener,
            state.clone().with_trust_list(trust),
            async {
                let _ = stopped.await;
            },
        ));
        let portal = Portal {
            db: db.clone(),
            base,
            stop: Some(stop),
            server: Some(server),
        };
        let lan = OfficerBrowser::sign_in(&portal.base, "lan", PASSWORD)
            .await
            .unwrap();
        let path = |id: &String| format!("/officer/dossiers/{id}");
        let text = lan.page(&path(&genuine)).await.unwrap();
        assert!(text.contains(genuine_says), "{text}");
        let text = lan.page(&path(&renamed)).await.unwrap();
        assert!(
            text.contains("KHÔNG ĐẠT") && text.contains("applicant_name"),
            "{text}"
        );
        let text = lan.page(&path(&bare)).await.unwrap();
        assert!(text.contains("CHƯA kiểm tra lại được"), "{text}");
        let text = lan.page(&path(&signed)).await.unwrap();
        assert!(
            text.contains("chữ ký của chip trên mã thử của máy (xác thực chủ động): hợp lệ"),
            "{text}"
        );
        let text = lan.page(&path(&unsigned)).await.unwrap();
        assert!(
            text.contains("chữ ký của chip (xác thực chủ động) KHÔNG ĐẠT"),
            "{text}"
        );
        assert!(!text.contains("hợp lệ, chip giữ khoá"), "{text}");
        portal.shut().await;
    }
}
