//! `xakiosk gpio`, the technician's wiring check, as a technician runs it on the simulated
//! pins: `set` switches an output and says so, `watch` prints the inputs' levels and ends at
//! its timeout (or fails when the changes it waits for never come); bad input gets an English
//! message and a failing exit code. (The same commands against the kernel's GPIO simulator run
//! in `kiosk-image/device-test`.)

use std::process::Command;

fn xakiosk(config: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xakiosk"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn simulated_config(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[kiosk]\ndata_dir = {:?}\n[devices]\ngpio = \"sim\"\n",
            dir.join("data").display().to_string()
        ),
    )
    .unwrap();
    path
}

#[test]
fn set_switches_an_output_and_names_the_pins() {
    let dir = tempfile::tempdir().unwrap();
    let config = simulated_config(dir.path());
    let (ok, out, err) = xakiosk(&config, &["gpio", "set", "light_red", "on"]);
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["output"], "light_red");
    assert_eq!(json["on"], true);
    assert_eq!(json["gpio"], "simulated");

    let (ok, _, err) = xakiosk(&config, &["gpio", "set", "siren", "on"]);
    assert!(!ok);
    assert!(
        err.contains("\"siren\" is not an output; one of: light_green, light_red, printer_power"),
        "{err}"
    );
    let (ok, _, err) = xakiosk(&config, &["gpio", "set", "light_green", "bright"]);
    assert!(!ok);
    assert!(err.contains("\"bright\": say on or off"), "{err}");
    let (ok, _, err) = xakiosk(&config, &["gpio", "set", "light_green", "on", "--hold=-1"]);
    assert!(!ok);
    assert!(err.contains("-1 is not a number of seconds"), "{err}");
}

#[test]
fn watch_prints_the_levels_and_ends_at_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let config = simulated_config(dir.path());
    let (ok, out, err) = xakiosk(&config, &["gpio", "watch", "--timeout", "0"]);
    assert!(ok, "{err}");
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["gpio"], "simulated");
    assert_eq!(first["edges"], true, "the simulator tells changes");
    for input in ["presence", "help_button", "tamper"] {
        assert_eq!(first["inputs"][input], false, "{input} at rest");
    }
    assert_eq!(out.lines().count(), 1, "no change, no event: {out}");

    // Waiting for changes that never come is a failure, said plainly.
    let (ok, _, err) = xakiosk(
        &config,
        &["gpio", "watch", "--events", "2", "--timeout", "0"],
    );
    assert!(!ok);
    assert!(
        err.contains("0 of 2 changes seen before the timeout"),
        "{err}"
    );
}

#[test]
fn pins_that_cannot_be_opened_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[kiosk]\ndata_dir = {:?}\n[devices]\ngpio = \"cdev\"\ngpio_chip = {:?}\n",
            dir.path().join("data").display().to_string(),
            dir.path().join("no-chip").display().to_string()
        ),
    )
    .unwrap();
    let (ok, _, err) = xakiosk(&config, &["gpio", "watch", "--timeout", "0"]);
    assert!(!ok);
    assert!(err.contains("cannot open"), "{err}");
}
