//! What a scanned receipt QR code says: the dossier code to look up. A signed receipt
//! (`XKR1:…`) must verify (an altered one is refused, said plainly); a QR holding just a code
//! is checked by the code's check character. Pure; must not touch the camera or the store.

use crate::core::dossier_code::DossierCode;
use crate::core::text::Text;
use crate::protocol::receipt::{Receipt, ReceiptError};

/// The dossier code in a receipt QR's text.
pub fn code_from_receipt_qr(text: &str) -> Result<DossierCode, Text> {
    let text = text.trim();
    match Receipt::parse(text) {
        Ok(receipt) => {
            receipt.verify().map_err(|_| altered())?;
            DossierCode::parse(&receipt.code).map_err(|_| altered())
        }
        Err(ReceiptError::NotAReceipt) => DossierCode::parse(text).map_err(|_| {
            Text::new(
                "Đây không phải mã QR trên biên nhận hồ sơ. Vui lòng đưa mã QR trên biên nhận, hoặc nhập mã hồ sơ.",
                "This is not the QR code of a dossier receipt. Please show the receipt's QR code, or type the dossier code.",
            )
        }),
        Err(_) => Err(altered()),
    }
}

fn altered() -> Text {
    Text::new(
        "Mã QR trên biên nhận không đọc được hoặc đã bị thay đổi. Vui lòng nhập mã hồ sơ in trên biên nhận.",
        "The receipt's QR code is damaged or was altered. Please type the dossier code printed on the receipt.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_receipts_plain_codes_and_forgeries() {
        let key = crate::protocol::signing::DeviceKey::from_seed([3; 32]);
        let code = DossierCode::from_random(&[9; 8]);
        let receipt = Receipt::issue(
            &key,
            "0190e5b2-7c1a-7000-8000-000000000001",
            code.as_str(),
            &crate::protocol::receipt::content_hash(b"x", &[]),
            "2026-11-24T03:00:00Z".parse().unwrap(),
            "KIOSK-1",
        );
        assert_eq!(code_from_receipt_qr(&receipt.to_text()), Ok(code.clone()));
        assert_eq!(code_from_receipt_qr(&code.display()), Ok(code.clone()));
        let mut forged = receipt.clone();
        forged.kiosk_id = "KIOSK-2".into();
        let forged = forged.to_text();
        assert!(
            code_from_receipt_qr(&forged)
                .unwrap_err()
                .vi
                .contains("thay đổi")
        );
        assert!(
            code_from_receipt_qr("https://example.org")
                .unwrap_err()
                .vi
                .contains("không phải")
        );
    }
}
