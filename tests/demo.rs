//! `xakiosk demo` as a resident would run it: every shipped procedure is walked end to end,
//! headless, on the software renderer; the command succeeds, writes a PNG of every screen and
//! a summary, and every dossier it reports is in its database.

use std::process::Command;

#[test]
fn the_demo_walks_every_procedure_and_saves_every_screen() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_xakiosk"))
        .args(["demo", "--procedure", "all", "--out"])
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success(), "the demo reported a failed step");

    let summary = std::fs::read_to_string(out.path().join("summary.txt")).unwrap();
    assert!(!summary.contains("FAIL"), "{summary}");
    let codes: Vec<&str> = summary
        .lines()
        .filter_map(|l| l.strip_prefix("dossier stored: "))
        .collect();
    assert_eq!(
        codes.len(),
        6,
        "one dossier per shipped procedure:\n{summary}"
    );
    // Each procedure walked says what it took, "<id>: <N> taps, <M> keys".
    let counted: Vec<(&str, u32, u32)> = summary
        .lines()
        .filter_map(|l| {
            let (id, rest) = l.split_once(": ")?;
            let (taps, keys) = rest.strip_suffix(" keys")?.split_once(" taps, ")?;
            Some((id, taps.parse().ok()?, keys.parse().ok()?))
        })
        .collect();
    assert_eq!(counted.len(), 6, "a count per procedure:\n{summary}");
    for (id, taps, keys) in &counted {
        assert!(
            *taps >= 4,
            "{id}: {taps} taps cannot reach a submitted dossier"
        );
        assert!(*keys > 0, "{id}: the walk types its answers");
    }

    let (receipts, pngs): (Vec<_>, Vec<_>) = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .partition(|p| p.to_string_lossy().contains("receipt-printed"));
    // The printed receipt (as the simulated 80 mm printer printed it): its QR codes read back
    // as a signed receipt and a VietQR payment code.
    assert_eq!(receipts.len(), 1, "{receipts:?}");
    let paper = image::open(&receipts[0]).unwrap().to_luma8();
    assert_eq!(paper.width(), 576 + 32, "80 mm paper and its margins");
    let printed = xakiosk::printing::escpos_preview::qr_codes(
        &paper,
        xakiosk::identity::qr_camera::decode_gray,
    );
    assert_eq!(printed.len(), 2, "{printed:?}");
    xakiosk::protocol::receipt::Receipt::parse(&printed[0])
        .unwrap()
        .verify()
        .unwrap();
    assert!(xakiosk::core::vietqr::parse(&printed[1]).is_ok());
    // Every screen was spoken: a WAV file (and its words) per prompt.
    let wavs = std::fs::read_dir(out.path().join("voice"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .count();
    assert!(wavs >= 30, "only {wavs} spoken prompts");
    assert!(pngs.len() >= 60, "only {} screenshots", pngs.len());
    for png in &pngs {
        let img = image::open(png).unwrap().to_rgb8();
        assert!(
            img.width() == 1280 || img.width() == 1080,
            "{} is {}x{}",
            png.display(),
            img.width(),
            img.height()
        );
        // A rendered screen has the blue top bar (dimmed under the timeout warning and the help
        // notice); the sleeping screen is black.
        let top = img.get_pixel(img.width() / 2, 10).0;
        let name = png.to_string_lossy();
        if name.ends_with("-asleep.png") {
            assert_eq!(top, [0, 0, 0], "{} is not dark", png.display());
        } else {
            let dimmed = name.contains("timeout-warning") || name.contains("help-called");
            assert!(
                dimmed || top == [0x0b, 0x4f, 0x8a],
                "{} has no top bar",
                png.display()
            );
        }
        let colours: std::collections::HashSet<_> = img.pixels().step_by(97).map(|p| p.0).collect();
        assert!(colours.len() > 8, "{} looks blank", png.display());
    }

    // What the resident typed is nowhere in the kiosk's files in clear: not in the database,
    // not in its write-ahead log.
    let mut raw = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(bytes) = std::fs::read(out.path().join(format!("demo-dossiers.sqlite{suffix}"))) {
            raw.extend(bytes);
        }
    }
    assert!(raw.len() > 10_000);
    let contains = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
    assert!(
        contains(b"dang-ky-tam-tru"),
        "the scan sees what is meant to be in clear"
    );
    for secret in [
        "Nguyễn Văn An",
        "001093047064",
        "0912345678",
        "an.nguyen@gmail.com",
        "Hàng Bạc",
        "Trần Thị Mai",
        // The simulator's test card read in the demo.
        "001093000123",
        "Hàng Bông",
    ] {
        assert!(!contains(secret.as_bytes()), "{secret} is stored in clear");
    }

    let sealer = xakiosk::protocol::sealing::Sealer::from_base64(
        xakiosk::protocol::sealing::DEVELOPMENT_PUBLIC_KEY,
    )
    .unwrap();
    let store =
        xakiosk::store::Store::open(&out.path().join("demo-dossiers.sqlite"), sealer).unwrap();
    for code in &codes {
        let code = xakiosk::core::dossier_code::DossierCode::parse(code).unwrap();
        assert!(store.find_by_code(&code).unwrap().is_some());
    }

    // Every dossier came with a receipt the kiosk signed; verify-receipt accepts it with the
    // kiosk's key and refuses it once altered.
    let code = xakiosk::core::dossier_code::DossierCode::parse(codes[0]).unwrap();
    let receipt = store
        .find_by_code(&code)
        .unwrap()
        .unwrap()
        .receipt
        .expect("a signed receipt");
    // The QR on the done screen, read back from the PNG, is exactly that receipt.
    let done = pngs
        .iter()
        .filter(|p| p.to_string_lossy().ends_with("-done.png"))
        .min()
        .expect("a done screen");
    // The payment QR sits right of the receipt QR: read the left part of the screen.
    let luma = image::open(done).unwrap().to_luma8();
    let luma = image::imageops::crop_imm(&luma, 0, 0, 1032, luma.height()).to_image();
    let (w, h) = luma.dimensions();
    let scanned =
        rxing::helpers::detect_in_luma(luma.into_raw(), w, h, Some(rxing::BarcodeFormat::QR_CODE))
            .expect("the receipt QR on the done screen scans");
    assert_eq!(scanned.getText(), receipt);
    let key = std::fs::read_to_string(out.path().join("device.key")).unwrap();
    let public = xakiosk::protocol::signing::DeviceKey::from_base64(&key)
        .unwrap()
        .public_base64();
    let ok = Command::new(env!("CARGO_BIN_EXE_xakiosk"))
        .args(["verify-receipt", &receipt, "--public-key", &public])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains(&codes[0].replace('-', "")));
    let mut altered = xakiosk::protocol::receipt::Receipt::parse(&receipt).unwrap();
    altered.issued_at = "2020-01-01T00:00:00.000000Z".into();
    let bad = Command::new(env!("CARGO_BIN_EXE_xakiosk"))
        .args(["verify-receipt", &altered.to_text()])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("signature does not match"));
}

/// Bad input on the command line gets a clear English message and a failure exit code.
#[test]
fn an_unknown_procedure_fails_the_demo_with_a_message() {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xakiosk"))
        .args(["demo", "--procedure", "no-such-procedure", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-procedure"), "{stderr}");
}
