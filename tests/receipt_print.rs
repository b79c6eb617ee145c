//! The printed receipt, end to end without a printer: a fixed receipt is encoded to exactly the
//! ESC/POS bytes of the golden files (`tests/golden/*.escpos`; `UPDATE_GOLDEN=1` rewrites them
//! after a deliberate change), those bytes are interpreted back into a picture of the paper,
//! and the QR codes read off that picture are the ones that were encoded.
//! `XAKIOSK_SAVE_PREVIEW=dir` saves the pictures.

use image::GrayImage;
use xakiosk::core::dossier_code::DossierCode;
use xakiosk::core::receipt_content::{self, ReceiptContent, ReceiptContext};
use xakiosk::core::vietqr::{self, Beneficiary};
use xakiosk::core::working_days::HolidayCalendar;
use xakiosk::printing::escpos_encoder::{self, PrinterProfile, TextMode};
use xakiosk::printing::escpos_preview;

fn fixed_receipt() -> ReceiptContent {
    let (catalogue, _) = xakiosk::app::assets::load_catalogue(
        &xakiosk::app::assets::assets_dir().join("procedures"),
    );
    let procedure = catalogue.get("dang-ky-tam-tru").unwrap().clone();
    let context = ReceiptContext {
        place: "Phường Hoàn Kiếm, Thành phố Hà Nội".into(),
        commune: "Phường Hoàn Kiếm, Thành phố Hà Nội".into(),
        kiosk_id: "KIOSK-DEV-01".into(),
        calendar: HolidayCalendar::computed(),
        beneficiary: Some(Beneficiary {
            bank_bin: "970415".into(),
            account: "113366668888".into(),
            account_name: "UBND PHUONG HOAN KIEM".into(),
        }),
        help_phone: "024 3825 1234".into(),
    };
    let key = xakiosk::protocol::signing::DeviceKey::from_seed([7; 32]);
    let submitted: chrono::DateTime<chrono::Utc> = "2026-02-13T03:41:00Z".parse().unwrap();
    let code = DossierCode::parse("HK7M-2QPD-W")
        .unwrap_or_else(|_| DossierCode::from_random(&[1, 2, 3, 4, 5, 6, 7, 8]));
    let signed = xakiosk::protocol::receipt::Receipt::issue(
        &key,
        "0190e5b2-7c1a-7000-8000-000000000001",
        code.as_str(),
        &xakiosk::protocol::receipt::content_hash(b"sealed", &[]),
        submitted,
        "KIOSK-DEV-01",
    )
    .to_text();
    // The contract was photographed at the kiosk: only what is still to bring is printed.
    let papers = procedure
        .papers
        .iter()
        .filter(|p| p.still_to_bring(&["rent_paper"]))
        .cloned()
        .collect::<Vec<_>>();
    // The ward's police decides it: its address and hours are printed.
    let offices = xakiosk::app::assets::load_offices(
        &xakiosk::app::assets::assets_dir().join("offices.toml"),
    )
    .unwrap();
    ReceiptContent::new(
        &context,
        &procedure,
        offices.find("00070", procedure.office),
        &papers,
        &code,
        submitted,
        Some(&signed),
        true,
        12,
    )
}

fn qr_texts(img: &GrayImage) -> Vec<String> {
    escpos_preview::qr_codes(img, xakiosk::identity::qr_camera::decode_gray)
}

fn golden(name: &str, bytes: &[u8]) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    if expected != bytes {
        let at = expected
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(bytes.len()));
        panic!(
            "{name}: the ESC/POS bytes changed at byte {at} ({} bytes now, {} in the golden file)",
            bytes.len(),
            expected.len()
        );
    }
}

fn save(name: &str, img: &GrayImage) {
    if let Some(dir) = std::env::var_os("XAKIOSK_SAVE_PREVIEW") {
        img.save(std::path::Path::new(&dir).join(name)).unwrap();
    }
}

#[test]
fn the_58mm_raster_receipt_is_the_golden_bytes_and_prints_both_qr_codes() {
    let fonts = xakiosk::app::assets::receipt_fonts().unwrap();
    let receipt = fixed_receipt();
    assert_eq!(
        receipt.appointment, "25/02/2026",
        "3 working days across Tết 2026"
    );
    let profile = PrinterProfile::for_paper(58);
    let bytes = escpos_encoder::encode(&receipt_content::receipt_blocks(&receipt), profile, &fonts)
        .unwrap();
    golden("receipt-58mm-raster.escpos", &bytes);
    assert!(bytes.starts_with(&[0x1B, b'@']), "initialises the printer");
    assert!(
        bytes.ends_with(&[0x1D, b'V', b'A', 1]),
        "ends with a partial cut"
    );
    for text in [
        "Hẹn trả kết quả".as_bytes().to_vec(),
        xakiosk::printing::cp1258::encode("Hẹn trả kết quả"),
    ] {
        assert!(
            !bytes.windows(text.len()).any(|w| w == text),
            "raster mode sends pixels, not text"
        );
    }

    let preview = escpos_preview::render(&bytes, profile.dots, &fonts).unwrap();
    save("receipt-58mm.png", &preview.image);
    assert_eq!(preview.cuts, 1);
    let payment = receipt.fee.as_ref().unwrap().payment_qr.clone().unwrap();
    assert_eq!(
        qr_texts(&preview.image),
        vec![receipt.lookup_qr.clone(), payment.clone()],
        "the lookup QR, then the payment QR"
    );
    // What was read back is a genuine receipt and a valid VietQR.
    xakiosk::protocol::receipt::Receipt::parse(&receipt.lookup_qr)
        .unwrap()
        .verify()
        .unwrap();
    assert!(vietqr::parse(&payment).is_ok());
}

#[test]
fn the_80mm_code_page_receipt_carries_cp1258_text_and_a_raster_qr_when_asked() {
    let fonts = xakiosk::app::assets::receipt_fonts().unwrap();
    let receipt = fixed_receipt();
    let profile = PrinterProfile {
        text: TextMode::CodePage(30),
        native_qr: false,
        ..PrinterProfile::for_paper(80)
    };
    assert_eq!(profile.dots, 576);
    let bytes = escpos_encoder::encode(&receipt_content::receipt_blocks(&receipt), profile, &fonts)
        .unwrap();
    golden("receipt-80mm-cp1258.escpos", &bytes);
    assert!(bytes.windows(3).any(|w| w == [0x1B, b't', 30]));
    let appointment = xakiosk::printing::cp1258::encode("Dự kiến có kết quả");
    assert!(bytes.windows(appointment.len()).any(|w| w == appointment));
    // Where to go and when it is open, from the offices list.
    for line in [
        "Nơi giải quyết: Công an phường Hoàn Kiếm",
        "Giờ làm việc: Thứ Hai",
    ] {
        let line = xakiosk::printing::cp1258::encode(line);
        assert!(bytes.windows(line.len()).any(|w| w == line), "{line:?}");
    }
    assert!(
        !bytes.windows(3).any(|w| w == [0x1D, b'(', b'k']),
        "no printer-drawn QR"
    );
    let preview = escpos_preview::render(&bytes, profile.dots, &fonts).unwrap();
    save("receipt-80mm-cp1258.png", &preview.image);
    let payment = receipt.fee.as_ref().unwrap().payment_qr.clone().unwrap();
    assert_eq!(qr_texts(&preview.image), vec![receipt.lookup_qr, payment]);
}

#[test]
fn the_queue_ticket_shows_the_number() {
    let fonts = xakiosk::app::assets::receipt_fonts().unwrap();
    let receipt = fixed_receipt();
    let blocks = receipt_content::queue_ticket_blocks(&receipt);
    assert!(blocks.iter().any(|b| matches!(
        b,
        receipt_content::Block::Text { text, .. } if text == "012"
    )));
    let bytes = escpos_encoder::encode(&blocks, PrinterProfile::for_paper(58), &fonts).unwrap();
    let preview = escpos_preview::render(&bytes, 384, &fonts).unwrap();
    save("queue-ticket-58mm.png", &preview.image);
    assert_eq!(preview.cuts, 1);
}

#[test]
fn the_technician_tools_print_a_marked_test_page_and_hash_helper_pins() {
    let dir = tempfile::tempdir().unwrap();
    let xakiosk = env!("CARGO_BIN_EXE_xakiosk");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[printer]\npaper_mm = 58\n").unwrap();
    let png = dir.path().join("sample.png");
    let sample = || {
        std::process::Command::new(xakiosk)
            .args([
                "--config",
                config.to_str().unwrap(),
                "receipt-sample",
                "--out",
            ])
            .arg(&png)
            .output()
            .unwrap()
    };
    let out = sample();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let paper = image::open(&png).unwrap().to_luma8();
    assert_eq!(paper.width(), 384 + 32, "58 mm paper and its margins");
    let codes = escpos_preview::qr_codes(&paper, xakiosk::identity::qr_camera::decode_gray);
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert!(DossierCode::parse(&codes[0]).is_ok(), "{}", codes[0]);

    std::fs::write(&config, "[printer]\npaper_mm = 70\n").unwrap();
    let bad = sample();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("paper_mm must be 58 or 80"));

    let pin = std::process::Command::new(xakiosk)
        .args(["helper-pin", "TCN-01", "2468"])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&pin.stdout).trim().to_string();
    assert!(
        xakiosk::core::pin_hash::verify_pin(&printed, "2468"),
        "{printed}"
    );
    assert!(!xakiosk::core::pin_hash::verify_pin(&printed, "2469"));
    let short = std::process::Command::new(xakiosk)
        .args(["helper-pin", "TCN-01", "12"])
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stderr).contains("4 to 8 digits"));
}
