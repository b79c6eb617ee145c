//! The technician's commands as a technician runs them: `xakiosk card read` on the simulator
//! prints JSON with the verification; bad input gets an English message and a failing exit
//! code; `xakiosk qr` reads the card QR from image files and names the ones it cannot.

use std::process::Command;

fn xakiosk(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xakiosk"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn card_read_prints_the_fields_and_the_verification() {
    let (ok, out, err) = xakiosk(&[
        "card",
        "read",
        "--id",
        "079301000456",
        "--birth",
        "02/07/2001",
    ]);
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["passive_authentication"]["verdict"]["status"],
        "verified"
    );
    assert_eq!(json["dg13"]["2"][0], "Trần Thị Bích Ngọc");
    assert_eq!(json["dg1"]["personal_id"], "079301000456");
    assert_eq!(json["access"]["protocol"], "PACE");
    assert_eq!(json["access"]["password"], "CAN");
    assert_eq!(json["access_key"]["mrz_key"], serde_json::Value::Null);
    assert_eq!(json["face"]["decodes"], true);
    let files: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["EF.COM", "DG14", "DG1", "DG13", "DG2", "EF.SOD"]);
    assert_eq!(json["chip_authenticity"]["status"], "genuine");

    // A chip without PACE opens with BAC and the expiry the renewal rules give.
    let (ok, out, err) = xakiosk(&[
        "card",
        "read",
        "--id",
        "079301000456",
        "--birth",
        "02/07/2001",
        "--sim-chip",
        "bac-only",
    ]);
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["access"]["protocol"], "BAC");
    assert_eq!(json["access_key"]["mrz_key"]["expiry_field"], "410702");

    // Against an empty trust list the same card is honestly "not trusted".
    let empty = tempfile::tempdir().unwrap();
    let (ok, out, _) = xakiosk(&[
        "card",
        "read",
        "--id",
        "079301000456",
        "--birth",
        "02/07/2001",
        "--trust",
        empty.path().to_str().unwrap(),
    ]);
    assert!(ok);
    assert!(out.contains("\"signer_not_trusted\""), "{out}");
}

#[test]
fn card_read_opens_a_pace_card_from_the_qr_text_alone() {
    let qr = "038162000789||Lê Thị Hường|08031962|Nữ|Thôn Đông, xã Cẩm Tú, huyện Cẩm Thủy, Thanh Hóa|05052021";
    let (ok, out, err) = xakiosk(&["card", "read", "--qr", qr]);
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["access"]["protocol"], "PACE");
    assert_eq!(json["access"]["password"], "CAN");
    assert_eq!(json["access"]["variant"], "ECDH-GM brainpoolP256r1 AES-128");
    assert!(json["apdus"].as_u64().unwrap() > 7);
    assert_eq!(
        json["passive_authentication"]["verdict"]["status"],
        "verified"
    );
    assert_eq!(json["dg1"]["personal_id"], "038162000789");
    assert_eq!(json["chip_authenticity"]["status"], "genuine");

    // A chip offering chip authentication mapping: proven within PACE.
    let (ok, out, err) = xakiosk(&["card", "read", "--qr", qr, "--sim-chip", "cam"]);
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["access"]["variant"],
        "ECDH-CAM brainpoolP256r1 AES-128"
    );
    assert_eq!(
        json["chip_authenticity"]["method"],
        "PACE chip authentication mapping"
    );
    // The same data on another chip: the data verified, the chip a suspected clone.
    let (ok, out, err) = xakiosk(&["card", "read", "--qr", qr, "--sim-chip", "copy"]);
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["passive_authentication"]["verdict"]["status"],
        "verified"
    );
    assert_eq!(json["chip_authenticity"]["status"], "clone_suspected");
}

#[test]
fn bad_input_is_a_message_and_an_exit_code() {
    for (args, says) in [
        (vec!["card", "read", "--id", "079301000456"], "--qr"),
        (
            vec![
                "card",
                "read",
                "--id",
                "07930100045",
                "--birth",
                "02/07/2001",
            ],
            "12 digits",
        ),
        (
            vec![
                "card",
                "read",
                "--id",
                "079301000456",
                "--birth",
                "2001-07-02",
            ],
            "DD/MM/YYYY",
        ),
        (vec!["card", "read", "--qr", "hello"], "not a CCCD"),
        (
            vec![
                "card",
                "read",
                "--id",
                "079301000456",
                "--birth",
                "02/07/2001",
                "--expiry",
                "01/01/2030",
                "--no-can",
            ],
            "access keys",
        ),
        (
            vec![
                "card",
                "read",
                "--id",
                "001093000999",
                "--birth",
                "02/07/1993",
            ],
            "no test card",
        ),
    ] {
        let (ok, out, err) = xakiosk(&args);
        assert!(!ok, "{args:?} succeeded: {out}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn qr_reads_card_images_and_names_the_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let qr = "031210000321||Phạm Minh Đức|09092010|Nam|Số 8 ngõ 100 đường Tô Hiệu, Lê Chân, Hải Phòng|01082024";
    let card = dir.path().join("card.png");
    xakiosk::devices::camera::scene::card_front_frame(qr, 1280, 720)
        .save(&card)
        .unwrap();
    let blank = dir.path().join("blank.png");
    image::RgbImage::new(320, 240).save(&blank).unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not an image").unwrap();

    let (ok, out, _) = xakiosk(&["qr", card.to_str().unwrap()]);
    assert!(ok);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["full_name"], "Phạm Minh Đức");
    assert_eq!(json[0]["old_id"], serde_json::Value::Null);
    assert_eq!(json[0]["issue_date"], "01/08/2024");

    let (ok, out, err) = xakiosk(&[
        "qr",
        card.to_str().unwrap(),
        blank.to_str().unwrap(),
        text.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("2 of 3 files"), "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[1]["error"], "no QR code found");
    assert!(
        json[2]["error"]
            .as_str()
            .unwrap()
            .starts_with("not an image")
    );
}

#[test]
fn camera_saves_a_frame_and_names_a_missing_camera() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let data = dir.path().join("data");
    let write = |camera: &str| {
        std::fs::write(
            &config,
            format!("[kiosk]\ndata_dir = {data:?}\n[portal]\nurl = \"\"\n[devices]\n{camera}\n"),
        )
        .unwrap()
    };
    write("camera = \"sim\"");
    let frame = dir.path().join("frame.png");
    let (ok, out, err) = xakiosk(&[
        "--config",
        config.to_str().unwrap(),
        "camera",
        "--out",
        frame.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (json["width"].as_u64(), json["height"].as_u64()),
        (Some(1280), Some(720))
    );
    assert_eq!(image::open(&frame).unwrap().width(), 1280);
    // A V4L2 camera that is not there: an English message and a failing exit code, no panic.
    write("camera = \"v4l2\"\ncamera_device = \"/dev/video-not-here\"");
    let (ok, _, err) = xakiosk(&[
        "--config",
        config.to_str().unwrap(),
        "camera",
        "--still",
        "--out",
        frame.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("camera is not connected"), "{err}");
}
