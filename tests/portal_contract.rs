//! The reference portal against its published contract (`docs/portal-openapi.yaml`, read
//! with a YAML parser): every operation has an operationId, and a scripted kiosk — good
//! requests, replays, conflicts, strangers, garbage, oversized bodies, floods — drives every
//! operation through every answer the server gives. Each answer must be one the document lists
//! for that operation, and each answer the document lists (but a timeout and an unavailable
//! database, which a healthy test portal cannot give) must have been seen. The document's
//! validity as OpenAPI 3.1 is checked by `scripts/check-contract.sh` in the test command.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use xakiosk::portal::{PortalDb, PortalState};
use xakiosk::protocol::request_signature::{
    KIOSK_HEADER, SIGNATURE_HEADER, SignedRequest, TIME_HEADER, sign,
};
use xakiosk::protocol::signing::DeviceKey;
use yaml_rust2::{Yaml, YamlLoader};

const TOKEN: &str = "a-long-shared-enrollment-token";

/// operationId → the statuses the document lists for it.
fn documented() -> BTreeMap<String, BTreeSet<u16>> {
    let docs = YamlLoader::load_from_str(include_str!("../docs/portal-openapi.yaml"))
        .expect("the contract is YAML");
    let paths = docs[0]["paths"].as_hash().expect("the contract has paths");
    let mut operations = BTreeMap::new();
    for (path, item) in paths {
        for method in ["get", "put", "post", "patch", "delete"] {
            let operation = &item[method];
            if operation.is_badvalue() {
                continue;
            }
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path:?} has no operationId"))
                .to_string();
            let statuses: BTreeSet<u16> = operation["responses"]
                .as_hash()
                .unwrap_or_else(|| panic!("{id} lists no responses"))
                .keys()
                .map(|k| match k {
                    Yaml::String(s) => s.parse().unwrap_or_else(|_| panic!("{id}: {s}")),
                    Yaml::Integer(n) => *n as u16,
                    other => panic!("{id}: {other:?}"),
                })
                .collect();
            assert!(
                operations.insert(id.clone(), statuses).is_none(),
                "{id} twice"
            );
        }
    }
    operations
}

/// A kiosk speaking to the portal, recording which answer each operation gave.
struct Probe {
    base: String,
    http: reqwest::Client,
    contract: BTreeMap<String, BTreeSet<u16>>,
    seen: Mutex<BTreeMap<String, BTreeSet<u16>>>,
}

#[derive(Clone)]
struct Kiosk {
    id: String,
    key: DeviceKey,
}

impl Probe {
    /// Sends a request for `operation`; its status, checked against the document.
    async fn send(
        &self,
        operation: &str,
        method: reqwest::Method,
        path: &str,
        signer: Option<&Kiosk>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> u16 {
        use xakiosk::protocol::contract::body_limits::SMALL;
        if body.len() > SMALL && body.iter().all(|b| *b == b' ') {
            return self
                .send_head_only(operation, &method, path, headers, body.len())
                .await;
        }
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(kiosk) = signer {
            let time = chrono::Utc::now().timestamp();
            let lookup = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.to_string())
            };
            let signature = sign(
                &kiosk.key,
                &SignedRequest {
                    method: method.as_str(),
                    path_and_query: path,
                    time,
                    kiosk_id: &kiosk.id,
                    body: &body,
                    header: &lookup,
                },
            );
            request = request
                .header(KIOSK_HEADER, &kiosk.id)
                .header(TIME_HEADER, time.to_string())
                .header(SIGNATURE_HEADER, signature);
        }
        let status = request.body(body).send().await.unwrap().status().as_u16();
        self.record(operation, status, &method, path)
    }

    /// A probe of a body limit (`big`): only the head is sent, announcing `length` bytes, so
    /// the portal's answer (which comes before any body is read) cannot race the upload.
    async fn send_head_only(
        &self,
        operation: &str,
        method: &reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        length: usize,
    ) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(self.base.trim_start_matches("http://"))
            .await
            .unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {length}\r\n\r\n"));
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0; 64];
        let n = stream.read(&mut answer).await.unwrap();
        let status = String::from_utf8_lossy(&answer[..n])
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0);
        self.record(operation, status, method, path)
    }

    /// Checks `status` is listed for `operation` and records it as given.
    fn record(&self, operation: &str, status: u16, method: &reqwest::Method, path: &str) -> u16 {
        let listed = &self.contract[operation];
        assert!(
            listed.contains(&status),
            "{operation} answered {status}, which the contract does not list ({listed:?}): {method} {path}"
        );
        self.seen
            .lock()
            .unwrap()
            .entry(operation.to_string())
            .or_default()
            .insert(status);
        status
    }
}

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

const JSON: (&str, &str) = ("content-type", "application/json");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_only_what_the_contract_lists_and_all_of_it() {
    use reqwest::Method;
    let contract = documented();
    let db = Arc::new(PortalDb::open_in_memory().unwrap());
    let catalogue_key = DeviceKey::from_seed([42; 32]);
    let state =
        PortalState::new(db.clone(), TOKEN).with_catalogue_key(&catalogue_key.public_base64());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(xakiosk::portal::serve(
        listener,
        state,
        std::future::pending(),
    ));
    let p = Probe {
        base,
        http: reqwest::Client::new(),
        contract,
        seen: Mutex::new(BTreeMap::new()),
    };
    let kiosk = Kiosk {
        id: "K-CONTRACT".into(),
        key: DeviceKey::from_seed([5; 32]),
    };
    let other = Kiosk {
        id: "K-OTHER".into(),
        key: DeviceKey::from_seed([6; 32]),
    };
    let bearer = format!("Bearer {TOKEN}");
    let enrollment = |k: &Kiosk, key: &DeviceKey| {
        json(&xakiosk::protocol::contract::Enrollment {
            kiosk_id: k.id.clone(),
            public_key: key.public_base64(),
            place: String::new(),
            commune_code: "00070".into(),
            app_version: "test".into(),
            handovers: Vec::new(),
        })
    };
    let enroll = |body: Vec<u8>, token: &str| {
        let auth = token.to_string();
        let p = &p;
        async move {
            p.send(
                "enrollKiosk",
                Method::POST,
                "/v1/enroll",
                None,
                &[JSON, ("authorization", &auth)],
                body,
            )
            .await
        }
    };
    let big = |limit: usize| vec![b' '; limit + 1];
    use xakiosk::protocol::contract::body_limits::{DOSSIER, SMALL, UPLOAD_CHUNK};

    // Enrollment.
    assert_eq!(enroll(enrollment(&kiosk, &kiosk.key), &bearer).await, 200);
    assert_eq!(enroll(enrollment(&other, &other.key), &bearer).await, 200);
    assert_eq!(enroll(b"{".to_vec(), &bearer).await, 400);
    assert_eq!(
        enroll(enrollment(&kiosk, &kiosk.key), "Bearer wrong-token").await,
        401
    );
    assert_eq!(enroll(enrollment(&kiosk, &other.key), &bearer).await, 409);
    assert_eq!(enroll(big(SMALL), &bearer).await, 413);
    assert_eq!(
        p.send(
            "getHealth",
            Method::GET,
            "/v1/health",
            None,
            &[],
            Vec::new()
        )
        .await,
        200
    );

    // A photo, in two chunks; the stranger, the garbage, the wrong offset, the wrong checksum.
    let id = uuid::Uuid::now_v7();
    let photo: Vec<u8> = (0..2000u32).map(|i| (i % 241) as u8).collect();
    let sha = "ab".repeat(32);
    let checksum = format!("sha256 {}", hex::encode(Sha256::digest(&photo)));
    let total = photo.len().to_string();
    let upload_path = format!("/v1/dossiers/{id}/attachments/{sha}");
    let chunk_headers = |offset: &'static str| {
        [
            ("content-type", "application/offset+octet-stream"),
            ("upload-offset", offset),
            ("upload-length", total.as_str()),
            ("upload-checksum", checksum.as_str()),
        ]
    };
    let patch = |signer: Option<&Kiosk>, headers: Vec<(&str, &str)>, body: Vec<u8>| {
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let path = upload_path.clone();
        let p = &p;
        let signer = signer.cloned();
        async move {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            p.send(
                "appendUpload",
                Method::PATCH,
                &path,
                signer.as_ref(),
                &headers,
                body,
            )
            .await
        }
    };
    let first = photo[..1000].to_vec();
    assert_eq!(
        patch(Some(&kiosk), chunk_headers("0").to_vec(), first.clone()).await,
        200
    );
    assert_eq!(
        patch(Some(&kiosk), chunk_headers("0").to_vec(), first).await,
        409
    );
    assert_eq!(patch(Some(&kiosk), vec![JSON], Vec::new()).await, 400);
    assert_eq!(
        patch(None, chunk_headers("1000").to_vec(), Vec::new()).await,
        401
    );
    assert_eq!(
        patch(None, chunk_headers("0").to_vec(), big(UPLOAD_CHUNK)).await,
        413
    );
    let progress = |signer: Option<&Kiosk>, path: String| {
        let p = &p;
        let signer = signer.cloned();
        async move {
            p.send(
                "getUploadProgress",
                Method::GET,
                &path,
                signer.as_ref(),
                &[],
                Vec::new(),
            )
            .await
        }
    };
    assert_eq!(progress(Some(&kiosk), upload_path.clone()).await, 200);
    assert_eq!(progress(None, upload_path.clone()).await, 401);
    assert_eq!(
        progress(Some(&kiosk), format!("/v1/dossiers/{id}/attachments/zz")).await,
        400
    );
    let rest = photo[1000..].to_vec();
    assert_eq!(
        patch(Some(&kiosk), chunk_headers("1000").to_vec(), rest).await,
        200
    );
    // A photo whose bytes do not match its checksum is discarded.
    let bad_path = format!("/v1/dossiers/{id}/attachments/{}", "cd".repeat(32));
    let wrong = format!("sha256 {}", "00".repeat(32));
    let status = p
        .send(
            "appendUpload",
            Method::PATCH,
            &bad_path,
            Some(&kiosk),
            &[
                ("content-type", "application/offset+octet-stream"),
                ("upload-offset", "0"),
                ("upload-length", "4"),
                ("upload-checksum", &wrong),
            ],
            b"abcd".to_vec(),
        )
        .await;
    assert_eq!(status, 422);

    // The dossier.
    let upload = |code: &str, kiosk_id: &str, photos: Vec<String>| {
        xakiosk::protocol::contract::DossierUpload {
            code: code.into(),
            procedure_id: "dang-ky-tam-tru".into(),
            procedure_version: 1,
            kiosk_id: kiosk_id.into(),
            submitted_at: "2026-12-07T01:00:00Z".into(),
            sealed_answers: "c2VhbGVk".into(),
            attachments: photos
                .into_iter()
                .map(|sha256| xakiosk::protocol::contract::AttachmentDecl {
                    sha256,
                    mime: "image/jpeg".into(),
                })
                .collect(),
            receipt: None,
            supplements: None,
        }
    };
    // As the kiosk's store sends it: with the receipt it signed for the resident.
    let upload = |code: &str, kiosk_id: &str, photos: Vec<String>| {
        let mut u = upload(code, kiosk_id, photos);
        u.receipt = xakiosk::protocol::receipt::Receipt::for_upload(
            &kiosk.key,
            &id.to_string(),
            &u,
            chrono::Utc::now(),
        )
        .map(|r| r.to_text());
        u
    };
    let put = |signer: Option<&Kiosk>, body: Vec<u8>| {
        let p = &p;
        let signer = signer.cloned();
        async move {
            p.send(
                "putDossier",
                Method::PUT,
                &format!("/v1/dossiers/{id}"),
                signer.as_ref(),
                &[JSON],
                body,
            )
            .await
        }
    };
    let missing = json(&upload("AAAAAAAA1", &kiosk.id, vec!["ef".repeat(32)]));
    assert_eq!(put(Some(&kiosk), missing).await, 422);
    let mut unreceipted = upload("AAAAAAAA1", &kiosk.id, vec![sha.clone()]);
    unreceipted.receipt = None;
    assert_eq!(put(Some(&kiosk), json(&unreceipted)).await, 400);
    let dossier = json(&upload("AAAAAAAA1", &kiosk.id, vec![sha.clone()]));
    assert_eq!(put(Some(&kiosk), dossier.clone()).await, 201);
    assert_eq!(put(Some(&kiosk), dossier.clone()).await, 200);
    let changed = json(&upload("BBBBBBBB2", &kiosk.id, vec![sha.clone()]));
    assert_eq!(put(Some(&kiosk), changed).await, 409);
    let someone_else = json(&upload("AAAAAAAA1", &other.id, vec![sha.clone()]));
    assert_eq!(put(Some(&kiosk), someone_else).await, 403);
    assert_eq!(put(Some(&kiosk), b"not json".to_vec()).await, 400);
    assert_eq!(put(None, dossier).await, 401);
    assert_eq!(put(None, big(DOSSIER)).await, 413);

    // Its rating.
    let rating = json(&xakiosk::protocol::contract::RatingUpload {
        stars: 5,
        reasons: vec!["fast".into()],
        rated_at: "2026-12-07T01:05:00Z".into(),
    });
    for (path, signer, body, expected) in [
        (
            format!("/v1/dossiers/{id}/rating"),
            Some(&kiosk),
            rating.clone(),
            204,
        ),
        (
            format!("/v1/dossiers/{}/rating", uuid::Uuid::now_v7()),
            Some(&kiosk),
            rating.clone(),
            404,
        ),
        (
            format!("/v1/dossiers/{id}/rating"),
            Some(&kiosk),
            b"{".to_vec(),
            400,
        ),
        (
            format!("/v1/dossiers/{id}/rating"),
            None,
            rating.clone(),
            401,
        ),
        (format!("/v1/dossiers/{id}/rating"), None, big(SMALL), 413),
    ] {
        let status = p
            .send("rateDossier", Method::PUT, &path, signer, &[JSON], body)
            .await;
        assert_eq!(status, expected, "{path}");
    }

    // Alerts.
    let alert = json(&xakiosk::protocol::contract::AlertUpload {
        kind: "assistance".into(),
        raised_at: "2026-12-07T01:06:00Z".into(),
    });
    let alert_path = format!("/v1/alerts/{}", uuid::Uuid::now_v7());
    for (signer, body, expected) in [
        (Some(&kiosk), alert.clone(), 204),
        (Some(&other), alert.clone(), 409),
        (Some(&kiosk), b"[]".to_vec(), 400),
        (None, alert.clone(), 401),
        (None, big(SMALL), 413),
    ] {
        let status = p
            .send(
                "raiseAlert",
                Method::PUT,
                &alert_path,
                signer,
                &[JSON],
                body,
            )
            .await;
        assert_eq!(status, expected);
    }

    // Heartbeats.
    let beat = |kiosk_id: &str| {
        json(&xakiosk::protocol::contract::Heartbeat {
            kiosk_id: kiosk_id.into(),
            at: "2026-12-07T01:07:00Z".into(),
            queued: 0,
            oldest_queued_at: None,
            catalogue_version: 1,
            app_version: "test".into(),
            printer: String::new(),
            reader: String::new(),
            door_open: false,
            config_fault: false,
        })
    };
    for (signer, body, expected) in [
        (Some(&kiosk), beat(&kiosk.id), 204),
        (Some(&kiosk), beat(&other.id), 403),
        (Some(&kiosk), b"{}".to_vec(), 400),
        (None, beat(&kiosk.id), 401),
        (None, big(SMALL), 413),
    ] {
        let status = p
            .send(
                "sendHeartbeat",
                Method::POST,
                "/v1/heartbeat",
                signer,
                &[JSON],
                body,
            )
            .await;
        assert_eq!(status, expected);
    }

    // Decisions and catalogues, pulled with a cursor.
    for (operation, path) in [
        ("getStatus", "/v1/status"),
        ("getCatalogue", "/v1/catalogue"),
    ] {
        let ok = if operation == "getCatalogue" {
            204
        } else {
            200
        };
        for (query, signer, expected) in [
            ("?since=0", Some(&kiosk), ok),
            ("?since=0", None, 401),
            ("?since=soon", Some(&kiosk), 400),
        ] {
            let status = p
                .send(
                    operation,
                    Method::GET,
                    &format!("{path}{query}"),
                    signer,
                    &[],
                    Vec::new(),
                )
                .await;
            assert_eq!(status, expected, "{operation}{query}");
        }
    }
    let bundle = xakiosk::app::assets::catalogue_bundle_from_files(
        &xakiosk::app::assets::assets_dir().join("procedures"),
        None,
        None,
        2,
    )
    .unwrap();
    db.publish_catalogue(&xakiosk::protocol::catalogue_bundle::sign(
        &bundle,
        &catalogue_key,
    ))
    .unwrap();
    let status = p
        .send(
            "getCatalogue",
            Method::GET,
            "/v1/catalogue?since=0",
            Some(&kiosk),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(status, 200);

    // The update offered to the kiosk's group, and its bundle in pieces.
    let update = |signer: Option<&Kiosk>, path: String| {
        let signer = signer.cloned();
        let p = &p;
        async move {
            let operation = if path == "/v1/update-offer" {
                "getUpdateOffer"
            } else {
                "getUpdateBundle"
            };
            p.send(
                operation,
                Method::GET,
                &path,
                signer.as_ref(),
                &[],
                Vec::new(),
            )
            .await
        }
    };
    assert_eq!(update(Some(&kiosk), "/v1/update-offer".into()).await, 204);
    assert_eq!(update(None, "/v1/update-offer".into()).await, 401);
    let bundle = vec![7u8; 5 * 1024 * 1024];
    let (sha, size) = db
        .store_update_bundle(bundle.as_slice(), 1 << 30, "t")
        .unwrap();
    let offer = xakiosk::protocol::contract::UpdateOffer {
        version: "0.99.0".into(),
        sha256: sha.clone(),
        size,
        group: "general".into(),
        offered_at: "2026-12-07T00:00:00Z".into(),
    };
    db.offer_update(
        &offer,
        &xakiosk::protocol::update_offer::sign(&offer, &catalogue_key),
        &xakiosk::portal::db::audit::Attribution::command("test"),
    )
    .unwrap();
    assert_eq!(update(Some(&kiosk), "/v1/update-offer".into()).await, 200);
    let piece = |offset: &str| format!("/v1/updates/{sha}?offset={offset}");
    assert_eq!(update(Some(&kiosk), piece("4194304")).await, 200);
    assert_eq!(update(None, piece("0")).await, 401);
    assert_eq!(update(Some(&kiosk), piece("soon")).await, 400);
    assert_eq!(
        update(Some(&kiosk), "/v1/updates/not-a-digest".into()).await,
        400
    );
    assert_eq!(update(Some(&kiosk), piece(&size.to_string())).await, 404);
    let unknown = format!("/v1/updates/{:064x}", 1);
    assert_eq!(update(Some(&kiosk), unknown).await, 404);

    // Floods: unfinished uploads per kiosk, enrollments per address.
    let mut flooded = 0;
    for n in 0..100u32 {
        let path = format!(
            "/v1/dossiers/{}/attachments/{:064x}",
            uuid::Uuid::now_v7(),
            n
        );
        let status = p
            .send(
                "appendUpload",
                Method::PATCH,
                &path,
                Some(&other),
                &[
                    ("content-type", "application/offset+octet-stream"),
                    ("upload-offset", "0"),
                    ("upload-length", "10"),
                    ("upload-checksum", &checksum),
                ],
                b"abc".to_vec(),
            )
            .await;
        if status == 429 {
            flooded = n;
            break;
        }
    }
    assert_eq!(flooded, xakiosk::portal::db::MAX_OPEN_UPLOADS);
    let mut last = 0;
    for _ in 0..=xakiosk::portal::routes::rate_limits::BURST {
        last = enroll(enrollment(&kiosk, &kiosk.key), &bearer).await;
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429);

    // A kiosk over its rate: every signed operation answers 429 (on a portal that allows one
    // request per hour, once that one is spent).
    let db = Arc::new(PortalDb::open_in_memory().unwrap());
    let state = PortalState::new(db, TOKEN)
        .with_kiosk_limits(Some((1, std::time::Duration::from_secs(3600))));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let slow = Probe {
        base: format!("http://{}", listener.local_addr().unwrap()),
        http: reqwest::Client::new(),
        contract: p.contract.clone(),
        seen: Mutex::new(BTreeMap::new()),
    };
    tokio::spawn(xakiosk::portal::serve(
        listener,
        state,
        std::future::pending(),
    ));
    let enrolled = slow
        .send(
            "enrollKiosk",
            Method::POST,
            "/v1/enroll",
            None,
            &[JSON, ("authorization", &bearer)],
            enrollment(&kiosk, &kiosk.key),
        )
        .await;
    assert_eq!(enrolled, 200);
    let sha = "ab".repeat(32);
    let dossier = format!("/v1/dossiers/{id}");
    let attachment = format!("/v1/dossiers/{id}/attachments/{sha}");
    let rating = format!("/v1/dossiers/{id}/rating");
    let alert = format!("/v1/alerts/{id}");
    let chunk = [
        ("content-type", "application/offset+octet-stream"),
        ("upload-offset", "0"),
        ("upload-length", "4"),
        (
            "upload-checksum",
            "sha256 0000000000000000000000000000000000000000000000000000000000000000",
        ),
    ];
    /// operationId, method, path, headers, body.
    type Call<'a> = (&'a str, Method, &'a str, &'a [(&'a str, &'a str)], &'a [u8]);
    let bundle_piece = format!("/v1/updates/{sha}");
    let signed_operations: [Call; 11] = [
        ("getStatus", Method::GET, "/v1/status", &[], b""),
        ("getStatus", Method::GET, "/v1/status", &[], b""),
        ("getCatalogue", Method::GET, "/v1/catalogue", &[], b""),
        ("getUpdateOffer", Method::GET, "/v1/update-offer", &[], b""),
        ("getUpdateBundle", Method::GET, &bundle_piece, &[], b""),
        ("getUploadProgress", Method::GET, &attachment, &[], b""),
        ("appendUpload", Method::PATCH, &attachment, &chunk, b"abcd"),
        ("putDossier", Method::PUT, &dossier, &[JSON], b"{}"),
        ("rateDossier", Method::PUT, &rating, &[JSON], b"{}"),
        ("raiseAlert", Method::PUT, &alert, &[JSON], b"{}"),
        (
            "sendHeartbeat",
            Method::POST,
            "/v1/heartbeat",
            &[JSON],
            b"{}",
        ),
    ];
    for (n, (operation, method, path, headers, body)) in signed_operations.into_iter().enumerate() {
        let status = slow
            .send(
                operation,
                method,
                path,
                Some(&kiosk),
                headers,
                body.to_vec(),
            )
            .await;
        assert_eq!(status, if n == 0 { 200 } else { 429 }, "{operation}");
    }
    for (operation, statuses) in slow.seen.lock().unwrap().iter() {
        p.seen
            .lock()
            .unwrap()
            .entry(operation.clone())
            .or_default()
            .extend(statuses);
    }

    // Every answer the document lists was given (but a timeout and a database outage).
    let seen = p.seen.lock().unwrap().clone();
    for (operation, listed) in &p.contract {
        let given = seen.get(operation).cloned().unwrap_or_default();
        let never: Vec<&u16> = listed
            .iter()
            .filter(|s| !given.contains(s) && ![408, 503].contains(*s))
            .collect();
        assert!(
            never.is_empty(),
            "{operation}: the contract lists {never:?}, never answered"
        );
    }
}
