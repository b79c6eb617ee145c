//! Root's decision after each boot of the A/B appliance (`kiosk-image/rauc/slot-commit`, a
//! shell script so that a broken update cannot break it), run here against a recording double
//! of `rauc` and of the reboot command: an ordinary boot is committed at once; an update on
//! trial is committed only when the kiosk reported healthy, else marked bad with a reboot into
//! the other slot; coming back on the old slot after a trial says the update was rolled back.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Boot {
    dir: tempfile::TempDir,
}

impl Boot {
    /// A boot of slot `booted` (`rauc.slot=` on the kernel command line).
    fn of(booted: &str) -> Boot {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::create_dir_all(p.join("state")).unwrap();
        std::fs::write(
            p.join("cmdline"),
            format!("BOOT_IMAGE=/vmlinuz root=PARTLABEL=root-x rauc.slot={booted} ro quiet\n"),
        )
        .unwrap();
        let rauc = p.join("rauc");
        std::fs::write(
            &rauc,
            format!(
                "#!/bin/sh\necho \"rauc $*\" >> '{log}'\n\
                 [ \"$1 $2\" = 'status --detailed' ] && echo '{{\"compatible\":\"xakiosk-pc-amd64\",\"booted\":\"{booted}\",\"slots\":[]}}'\n\
                 exit 0\n",
                log = p.join("calls").display()
            ),
        )
        .unwrap();
        let reboot = p.join("reboot");
        std::fs::write(
            &reboot,
            format!(
                "#!/bin/sh\necho reboot >> '{}'\n",
                p.join("calls").display()
            ),
        )
        .unwrap();
        for f in [&rauc, &reboot] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Boot { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn trial(self, slot: &str, version: &str) -> Boot {
        std::fs::write(
            self.path("state/trial"),
            format!("slot={slot}\nversion={version}\n"),
        )
        .unwrap();
        self
    }

    fn healthy(self) -> Boot {
        std::fs::write(self.path("healthy"), "version=0.17.0\n").unwrap();
        self
    }

    /// Runs slot-commit (deadline 0: a kiosk not healthy now never will be in this test).
    fn run(&self) -> (String, String) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-image/rauc/slot-commit");
        let out = Command::new("sh")
            .arg(script)
            .env("XAKIOSK_RAUC_STATE", self.path("state"))
            .env("XAKIOSK_UPDATE_STATUS", self.path("status"))
            .env("XAKIOSK_HEALTHY", self.path("healthy"))
            .env("XAKIOSK_COMMIT_DEADLINE", "0")
            .env("XAKIOSK_CMDLINE", self.path("cmdline"))
            .env("RAUC", self.path("rauc"))
            .env("XAKIOSK_REBOOT", self.path("reboot"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let calls = std::fs::read_to_string(self.path("calls")).unwrap_or_default();
        (String::from_utf8_lossy(&out.stdout).into_owned(), calls)
    }

    fn last_result(&self) -> Option<String> {
        std::fs::read_to_string(self.path("state/last-result")).ok()
    }
}

#[test]
fn an_ordinary_boot_is_committed_at_once_and_reported_to_the_kiosk() {
    let boot = Boot::of("A");
    let (said, calls) = boot.run();
    assert!(said.contains("slot A booted and committed"), "{said}");
    assert!(calls.contains("rauc status mark-good booted"), "{calls}");
    assert!(!calls.contains("reboot"), "{calls}");
    let slots = std::fs::read_to_string(boot.path("status/slots.json")).unwrap();
    assert!(slots.contains("xakiosk-pc-amd64"), "{slots}");
    assert_eq!(boot.last_result(), None);
}

#[test]
fn an_update_on_trial_is_committed_only_once_the_kiosk_reported_healthy() {
    let boot = Boot::of("B").trial("B", "0.17.0").healthy();
    let (said, calls) = boot.run();
    assert!(said.contains("update 0.17.0 committed in slot B"), "{said}");
    assert_eq!(calls.matches("mark-good").count(), 1, "{calls}");
    assert!(
        !calls.contains("mark-bad") && !calls.contains("reboot"),
        "{calls}"
    );
    assert_eq!(boot.last_result().as_deref(), Some("committed B 0.17.0\n"));
    assert!(!boot.path("state/trial").exists(), "the trial is over");
    assert_eq!(
        std::fs::read_to_string(boot.path("status/result")).unwrap(),
        "committed B 0.17.0\n",
        "the kiosk's admin screen hears it"
    );
}

#[test]
fn an_update_whose_kiosk_never_gets_healthy_is_marked_bad_and_left_by_a_reboot() {
    let boot = Boot::of("B").trial("B", "0.17.0");
    let (said, calls) = boot.run();
    assert!(said.contains("did not report healthy"), "{said}");
    assert!(calls.contains("rauc status mark-bad booted"), "{calls}");
    assert!(!calls.contains("mark-good"), "{calls}");
    assert!(
        calls.trim_end().ends_with("reboot"),
        "reboots last: {calls}"
    );
    let result = boot.last_result().unwrap();
    assert!(
        result.starts_with("rolled-back B 0.17.0 the kiosk did not report healthy"),
        "{result}"
    );
    assert!(!boot.path("state/trial").exists());
}

#[test]
fn back_on_the_old_slot_after_a_trial_the_rollback_is_recorded() {
    // The new system in A never reached slot-commit (a kernel panic, a hang): the bootloader
    // came back to B by itself.
    let boot = Boot::of("B").trial("A", "0.18.0");
    let (said, calls) = boot.run();
    assert!(said.contains("rolled back to slot B"), "{said}");
    assert!(calls.contains("rauc status mark-good booted"), "{calls}");
    assert!(!calls.contains("reboot"), "{calls}");
    let result = boot.last_result().unwrap();
    assert!(
        result.starts_with("rolled-back A 0.18.0 the new system did not start"),
        "{result}"
    );
    // The next boot is an ordinary one.
    let (said, _) = boot.run();
    assert!(said.contains("slot B booted and committed"), "{said}");
}

#[test]
fn a_boot_without_a_slot_on_the_command_line_is_left_alone() {
    let boot = Boot::of("A");
    std::fs::write(boot.path("cmdline"), "root=PARTLABEL=root-a ro\n").unwrap();
    let (said, calls) = boot.run();
    assert!(said.contains("not an A/B boot"), "{said}");
    assert_eq!(calls, "", "RAUC is not asked anything");
}
