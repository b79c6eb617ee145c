//! The Raspberry Pi boot files in `firmware/` parse and hold what the kiosk image and the
//! kiosk rely on: KMS graphics, the hardware watchdog, audio for speech, the UART free for a
//! serial printer, a quiet boot, a read-only root, and the included files exist. Every setting
//! line is commented (the line or the block above it says why).

use std::collections::BTreeMap;
use std::path::Path;

/// `config.txt` as (section, key, value) lines; `include` lines are kept as key "include".
fn parse_config(text: &str) -> Result<Vec<(String, String, String)>, String> {
    let mut section = "all".to_string();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if !["all", "pi4", "pi5", "none"].contains(&name) {
                return Err(format!("line {}: unknown section [{name}]", n + 1));
            }
            section = name.to_string();
        } else if let Some(file) = line.strip_prefix("include ") {
            out.push((section.clone(), "include".into(), file.trim().into()));
        } else if let Some(rest) = line.strip_prefix("initramfs ") {
            // `initramfs FILE followkernel` (the one space-separated setting).
            match rest.split_whitespace().collect::<Vec<_>>()[..] {
                [file, "followkernel"] => {
                    out.push((section.clone(), "initramfs".into(), file.into()))
                }
                _ => return Err(format!("line {}: bad initramfs line {line:?}", n + 1)),
            }
        } else if let Some((k, v)) = line.split_once('=') {
            if k.trim().is_empty() || k.contains(' ') {
                return Err(format!("line {}: bad key in {line:?}", n + 1));
            }
            out.push((section.clone(), k.trim().into(), v.trim().into()));
        } else {
            return Err(format!("line {}: not key=value: {line:?}", n + 1));
        }
    }
    Ok(out)
}

fn firmware(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("firmware")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("firmware/{name}: {e}"))
}

fn has(lines: &[(String, String, String)], section: &str, key: &str, value: &str) -> bool {
    lines
        .iter()
        .any(|(s, k, v)| s == section && k == key && v == value)
}

/// Every setting line has a comment on it or in the block of lines just above it.
fn every_setting_is_commented(name: &str, text: &str) {
    let mut commented = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            commented = false;
        } else if line.starts_with('#') {
            commented = true;
        } else if !line.starts_with('[') {
            assert!(
                commented,
                "firmware/{name}: {line:?} has no comment above it"
            );
        }
    }
}

#[test]
fn config_txt_sets_what_the_kiosk_needs() {
    let text = firmware("config.txt");
    let lines = parse_config(&text).unwrap();
    every_setting_is_commented("config.txt", &text);
    for (key, value, why) in [
        (
            "dtoverlay",
            "vc4-kms-v3d",
            "KMS: Slint's linuxkms backend draws to DRM",
        ),
        (
            "dtparam",
            "watchdog=on",
            "the hardware watchdog resets a hung kiosk",
        ),
        (
            "dtparam",
            "audio=on",
            "the spoken guidance needs a sound device",
        ),
        ("enable_uart", "1", "a serial receipt printer on GPIO14/15"),
        ("arm_64bit", "1", "the image is arm64"),
        ("disable_splash", "1", "quiet boot"),
        (
            "kernel",
            "vmlinuz",
            "Debian's kernel, as raspi-firmware installs it",
        ),
        (
            "initramfs",
            "initrd.img",
            "Debian's initramfs (followkernel)",
        ),
    ] {
        assert!(has(&lines, "all", key, value), "[all] {key}={value}: {why}");
    }
    assert!(
        has(&lines, "pi4", "dtoverlay", "miniuart-bt"),
        "Pi 4 UART for the printer"
    );
    assert!(
        has(&lines, "pi5", "dtparam", "uart0=on"),
        "Pi 5 UART for the printer"
    );
    // Settings appear once per section (a repeated key is usually a mistake).
    let mut seen = BTreeMap::new();
    for (s, k, v) in &lines {
        if k != "dtoverlay" && k != "dtparam" && k != "include" {
            assert!(
                seen.insert((s.clone(), k.clone()), v.clone()).is_none(),
                "{k} twice in [{s}]"
            );
        }
    }
    // The included files are made from shipped variants.
    let includes: Vec<&str> = lines
        .iter()
        .filter(|(_, k, _)| k == "include")
        .map(|(_, _, v)| v.as_str())
        .collect();
    assert_eq!(includes, ["display.txt", "radios.txt"]);
    for variant in [
        "display-dsi7.txt",
        "display-hdmi.txt",
        "radios-off.txt",
        "radios-on.txt",
    ] {
        let text = firmware(variant);
        let lines = parse_config(&text).unwrap_or_else(|e| panic!("{variant}: {e}"));
        assert!(!lines.is_empty(), "{variant} sets something");
        every_setting_is_commented(variant, &text);
    }
    let radios_off = parse_config(&firmware("radios-off.txt")).unwrap();
    assert!(has(&radios_off, "all", "dtoverlay", "disable-wifi"));
    assert!(has(&radios_off, "all", "dtoverlay", "disable-bt"));
    assert!(has(
        &parse_config(&firmware("display-dsi7.txt")).unwrap(),
        "all",
        "display_auto_detect",
        "1"
    ));
}

#[test]
fn cmdline_txt_boots_a_quiet_read_only_root_without_a_serial_console() {
    let text = firmware("cmdline.txt");
    assert_eq!(text.lines().count(), 1, "cmdline.txt must be a single line");
    let args: Vec<&str> = text.split_whitespace().collect();
    for needed in [
        "ro",
        "rootwait",
        "quiet",
        "root=PARTLABEL=root-a",
        "logo.nologo",
        "consoleblank=0",
    ] {
        assert!(args.contains(&needed), "cmdline.txt lacks {needed}");
    }
    assert!(!args.contains(&"rw"), "the root filesystem is read-only");
    assert!(
        !args
            .iter()
            .any(|a| a.starts_with("console=serial") || a.starts_with("console=ttyAMA")),
        "the UART belongs to the receipt printer, not a console"
    );
}

#[test]
fn the_parser_refuses_what_the_bootloader_would_not_understand() {
    assert!(parse_config("[pi9]\n").is_err());
    assert!(parse_config("just words\n").is_err());
    assert!(parse_config("bad key=1\n").is_err());
    assert_eq!(
        parse_config("# c\ndtparam=watchdog=on\n").unwrap(),
        vec![("all".into(), "dtparam".into(), "watchdog=on".into())]
    );
}
