//! What a kiosk trusts when it talks to a portal, tried against small servers that misbehave
//! on purpose: a portal under the province's own CA is reached only once that CA is configured
//! (`[portal] ca_file`); a redirect is never followed (a signed request is not replayed
//! elsewhere); an answer longer than `MAX_ANSWER_BYTES` is not read to its end.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_rustls::rustls;
use xakiosk::protocol::signing::DeviceKey;
use xakiosk::sync::transport::{
    HttpTransport, KioskIdentity, MAX_ANSWER_BYTES, PortalTransport, SendError, TransportOptions,
};

fn identity() -> KioskIdentity {
    KioskIdentity {
        kiosk_id: "K-TRUST".into(),
        key: DeviceKey::from_seed([8; 32]),
        place: String::new(),
        commune_code: "00070".into(),
    }
}

fn transport(base: &str, ca_pem: Option<&[u8]>) -> HttpTransport {
    HttpTransport::with_options(
        base,
        identity(),
        "a-long-enrollment-token",
        Duration::from_secs(20),
        TransportOptions {
            ca_pem,
            allow_plain_http: false,
        },
    )
    .unwrap()
}

/// Reads one request (head, and the body its Content-Length announces).
async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) {
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
            return;
        }
        seen.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&seen).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = stream.read_exact(&mut body).await;
}

/// A server on loopback that answers every request with `answer` (over TLS with `tls`); how
/// many connections it took.
async fn server(
    answer: Vec<u8>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let (answer, tls) = (answer.clone(), tls.clone());
            tokio::spawn(async move {
                async fn reply<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, answer: &[u8]) {
                    read_request(&mut s).await;
                    let _ = s.write_all(answer).await;
                    let _ = s.shutdown().await;
                }
                match tls {
                    Some(acceptor) => {
                        if let Ok(s) = acceptor.accept(stream).await {
                            reply(s, &answer).await;
                        }
                    }
                    None => reply(stream, &answer).await,
                }
            });
        }
    });
    (format!("127.0.0.1:{}", address.port()), connections)
}

fn ok_json(body: &[u8]) -> Vec<u8> {
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(body);
    answer
}

/// The province's own CA (PEM) and a TLS acceptor with a certificate it issued for 127.0.0.1.
fn province_ca() -> (String, tokio_rustls::TlsAcceptor) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Sở TT&TT — CA thử nghiệm");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server_cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        )
        .unwrap();
    (
        ca_cert.pem(),
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    )
}

/// A portal whose certificate a national or provincial CA issued: refused as a TLS failure
/// until that CA is configured, then reached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_under_the_provinces_own_ca_is_reached_only_with_that_ca() {
    let (ca_pem, acceptor) = province_ca();
    let enrolled = serde_json::to_vec(&xakiosk::protocol::contract::Enrolled {
        kiosk_id: "K-TRUST".into(),
        enrolled_at: "2026-12-07T00:00:00Z".into(),
        sealing_public_key: None,
        catalogue_public_key: None,
    })
    .unwrap();
    let (address, connections) = server(ok_json(&enrolled), Some(acceptor)).await;
    let base = format!("https://{address}");
    match transport(&base, None).enroll().await {
        Err(SendError::Retry { reason, .. }) => assert!(reason.contains("TLS"), "{reason}"),
        other => panic!("the web roots do not know the province's CA: {other:?}"),
    }
    let reached = transport(&base, Some(ca_pem.as_bytes())).enroll().await;
    assert_eq!(reached.unwrap().kiosk_id, "K-TRUST");
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

/// A portal (or something on the way) answering a redirect does not get the signed request
/// sent on to the address it names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_never_followed() {
    let (elsewhere, reached_elsewhere) = server(ok_json(b"{}"), None).await;
    for code in [
        "301 Moved Permanently",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let redirect = format!(
            "HTTP/1.1 {code}\r\nLocation: http://{elsewhere}/v1/status?since=0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .into_bytes();
        let (portal, _) = server(redirect, None).await;
        let kiosk = transport(&format!("http://{portal}"), None);
        assert!(kiosk.status(0).await.is_err(), "{code}");
    }
    assert_eq!(
        reached_elsewhere.load(Ordering::SeqCst),
        0,
        "nothing went where the redirect pointed"
    );
}

/// An answer announcing more than `MAX_ANSWER_BYTES`, or streaming without end, is cut off:
/// the exchange fails (a retry later) instead of filling the kiosk's memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_longer_than_the_cap_is_not_read_to_its_end() {
    let announced = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        MAX_ANSWER_BYTES + 1
    )
    .into_bytes();
    let (portal, _) = server(announced, None).await;
    match transport(&format!("http://{portal}"), None).status(0).await {
        Err(SendError::Retry { reason, .. }) => assert!(reason.contains("longer"), "{reason}"),
        other => panic!("{other:?}"),
    }

    // Chunked, without a length: the kiosk stops reading past the cap.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let sent = Arc::new(AtomicUsize::new(0));
    let counted = sent.clone();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        read_request(&mut stream).await;
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        if stream.write_all(head).await.is_err() {
            return;
        }
        let chunk = vec![b' '; 1024 * 1024];
        let framed = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk,
            b"\r\n".to_vec(),
        ]
        .concat();
        // Until the kiosk hangs up (or far past the cap, which fails the test below).
        while counted.load(Ordering::SeqCst) < 4 * MAX_ANSWER_BYTES {
            if stream.write_all(&framed).await.is_err() {
                break;
            }
            counted.fetch_add(1024 * 1024, Ordering::SeqCst);
        }
    });
    match transport(&format!("http://{address}"), None)
        .status(0)
        .await
    {
        Err(SendError::Retry { reason, .. }) => assert!(reason.contains("longer"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(sent.load(Ordering::SeqCst) < 4 * MAX_ANSWER_BYTES);
}
