//! What a kiosk reads from the network, on arbitrary bytes: every portal answer it parses
//! (acceptance, decisions, enrollment, upload progress, errors, signed catalogues), a
//! catalogue bundle signed with a key the harness holds (so the bytes reach the procedure,
//! units and offices parsers behind the signature), a provisioning QR code and a receipt's
//! QR text. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xakiosk::protocol::contract::{
    Acceptance, Enrolled, ErrorBody, SignedCatalogue, StatusPage, UploadProgress,
};
use xakiosk::protocol::signing::DeviceKey;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<Acceptance>(data);
    let _ = serde_json::from_slice::<StatusPage>(data);
    let _ = serde_json::from_slice::<Enrolled>(data);
    let _ = serde_json::from_slice::<UploadProgress>(data);
    let _ = serde_json::from_slice::<ErrorBody>(data);
    let key = DeviceKey::from_seed([7; 32]);
    if let Ok(signed) = serde_json::from_slice::<SignedCatalogue>(data) {
        let _ = xakiosk::protocol::catalogue_bundle::open(&signed, &key.public_base64(), 0);
    }
    // The bytes as a bundle the portal really signed: past the signature, into the parsers.
    use base64::Engine as _;
    let version = serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .and_then(|v| v.get("version").and_then(|v| v.as_u64()))
        .unwrap_or(1);
    let mut message = b"xakiosk catalogue v1\n".to_vec();
    message.extend_from_slice(data);
    let signed = SignedCatalogue {
        version,
        bundle: base64::engine::general_purpose::STANDARD.encode(data),
        signature: key.sign(&message),
    };
    let _ = xakiosk::protocol::catalogue_bundle::open(&signed, &key.public_base64(), 0);
    let text = String::from_utf8_lossy(data);
    let _ = xakiosk::appliance::provision::ProvisionRequest::from_qr(&text);
    let _ = xakiosk::protocol::receipt::Receipt::parse(&text);
});
