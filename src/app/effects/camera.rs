//! The camera's side of the effects: one frame (a failure said as "the photo could not be
//! taken"), a paper photographed (JPEG, hash, screen preview), and a receipt's QR code read to
//! look its dossier up.

use crate::core::answer::AttachmentRef;
use crate::core::text::Text;
use crate::devices::camera::Camera;
use crate::identity::qr_camera;
use crate::session::photos::Photo;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// Looks for a receipt's QR code in a few frames.
pub(super) fn scan_receipt_qr(
    camera: &Arc<Mutex<dyn Camera>>,
) -> Result<crate::core::dossier_code::DossierCode, Text> {
    for _ in 0..8 {
        let frame = capture_frame(camera)?;
        if let Some(text) = qr_camera::decode_text(&frame) {
            return crate::printing::receipt_qr::code_from_receipt_qr(&text);
        }
    }
    Err(Text::new(
        "Chưa thấy mã QR. Vui lòng đưa mã QR trên biên nhận vào trước camera và giữ yên, hoặc nhập mã hồ sơ.",
        "No QR code seen yet. Please hold the receipt's QR code still in front of the camera, or type the dossier code.",
    ))
}

/// One frame from the camera for a QR code; a failure is logged and said to the resident.
pub(super) fn capture_frame(camera: &Arc<Mutex<dyn Camera>>) -> Result<image::RgbImage, Text> {
    let mut camera = camera.lock().map_err(|_| camera_failed())?;
    camera.capture().map_err(said)
}

/// A paper photographed at the camera's full resolution.
fn capture_still(camera: &Arc<Mutex<dyn Camera>>) -> Result<image::RgbImage, Text> {
    let mut camera = camera.lock().map_err(|_| camera_failed())?;
    camera.capture_still().map_err(said)
}

fn said(e: crate::devices::DeviceError) -> Text {
    tracing::warn!(error = %e, "camera capture failed");
    match e {
        crate::devices::DeviceError::NotConnected { .. } => Text::new(
            "Máy chưa thấy camera (có thể dây camera bị lỏng). Vui lòng chạm Gọi hỗ trợ.",
            "The kiosk cannot find its camera (its cable may be loose). Please call a helper.",
        ),
        _ => camera_failed(),
    }
}

pub(super) fn camera_failed() -> Text {
    Text::new(
        "Không chụp được ảnh. Vui lòng thử lại, hoặc chạm Gọi hỗ trợ.",
        "The photo could not be taken. Please try again or call a helper.",
    )
}

/// Takes a frame, encodes it as JPEG, hashes it and makes a screen preview.
pub fn capture_photo(camera: &Arc<Mutex<dyn Camera>>) -> Result<Photo, Text> {
    let frame = capture_still(camera)?;
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
        .encode_image(&frame)
        .map_err(|_| camera_failed())?;
    let sha256 = hex::encode(Sha256::digest(&jpeg));
    let preview =
        image::imageops::thumbnail(&frame, 400, 400 * frame.height() / frame.width().max(1));
    Ok(Photo {
        reference: AttachmentRef {
            sha256,
            mime: "image/jpeg".into(),
            bytes: jpeg.len(),
        },
        jpeg,
        preview: (preview.width(), preview.height(), preview.into_raw()),
    })
}
