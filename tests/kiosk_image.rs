//! The SD-card image recipe (`kiosk-image/build-image`), built for amd64 from Debian packages
//! with the xakiosk package made by cargo-deb from this build, then laid out as the A/B disk
//! image. The test looks inside: the package and its units are installed and enabled, there is
//! no login prompt, SSH is off, the root is read-only with the data partition for
//! /var/lib/xakiosk, the journal is volatile, and the installed kiosk passes its own selftest
//! inside the image. Needs root, mmdebstrap and cargo-deb (scripts/setup.sh installs them) and
//! Debian's mirror; it takes about three minutes, so it is a slow suite outside the test
//! command: `bash scripts/image-test.sh` (installs what it needs, then runs it).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
#[ignore = "slow suite (builds a disk image from Debian's mirror): bash scripts/image-test.sh"]
fn the_amd64_image_holds_the_installed_kiosk_locked_down_on_a_read_only_root() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path();
    // The package, from the binary this test run built.
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_xakiosk"));
    let profile_dir = binary.parent().unwrap().file_name().unwrap();
    assert_eq!(
        profile_dir, "debug",
        "the test runs on the dev profile build"
    );
    run(Command::new("cargo")
        .current_dir(repo())
        .args([
            "deb",
            "--no-build",
            "--profile",
            "dev",
            "--strip",
            "--output",
        ])
        .arg(out_dir));
    let deb = std::fs::read_dir(out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .expect("cargo deb made a package");
    let contents = run(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    for path in [
        "./usr/bin/xakiosk",
        "./etc/xakiosk/config.toml",
        "./usr/share/xakiosk/assets/procedures/",
        "./usr/share/xakiosk/assets/fonts/NotoSans-Regular.ttf",
        "./usr/lib/systemd/system/xakiosk.service",
        "./usr/lib/systemd/system/xakiosk-reboot.path",
        "./usr/lib/systemd/system/xakiosk-maintenance.path",
    ] {
        assert!(
            contents.contains(path),
            "the package lacks {path}:\n{contents}"
        );
    }
    assert!(
        !contents.contains("portal-development.key"),
        "development keys stay out of the package"
    );

    run(Command::new("bash")
        .arg(repo().join("kiosk-image/build-image"))
        .args(["--arch", "amd64", "--deb"])
        .arg(&deb)
        .arg("--out")
        .arg(out_dir));

    let root = look_at_disk_and_unpack(out_dir, "amd64");
    // A PC boots GRUB from the EFI system partition; RAUC's GRUB backend edits its environment.
    let esp = run(Command::new("sfdisk")
        .arg("--json")
        .arg(out_dir.join("xakiosk-amd64.img")));
    assert!(
        esp.contains("C12A7328-F81F-11D2-BA4B-00A0C93EC93B"),
        "the first partition is an EFI system partition: {esp}"
    );
    let rauc = read(&root, "etc/rauc/system.conf");
    assert!(
        rauc.contains("bootloader=grub") && rauc.contains("grubenv=/boot/efi/EFI/BOOT/grubenv")
    );
    assert!(read(&root, "etc/fstab").contains("/boot/efi"));
    assert!(root.join("usr/bin/grub-editenv").exists());
    inspect_root(&root);
    selftest_in(&root);
}

#[test]
#[ignore = "slow suite (cross-compiles the appliance and builds an arm64 image): bash scripts/image-test.sh --arch arm64"]
fn the_arm64_image_holds_the_pi_kiosk_cross_built_on_amd64() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path();
    // The package: XAKIOSK_ARM64_DEB when given (made by scripts/build-arm64.sh), else made now.
    let deb = match std::env::var_os("XAKIOSK_ARM64_DEB") {
        Some(path) => PathBuf::from(path),
        None => {
            let printed = run(Command::new("bash")
                .arg(repo().join("scripts/build-arm64.sh"))
                .arg("--out")
                .arg(out_dir));
            PathBuf::from(printed.lines().last().expect("the package's path").trim())
        }
    };
    let info = run(Command::new("dpkg-deb")
        .arg("--field")
        .arg(&deb)
        .arg("Architecture"));
    assert_eq!(info.trim(), "arm64");
    let depends = run(Command::new("dpkg-deb")
        .arg("--field")
        .arg(&deb)
        .arg("Depends"));
    assert!(depends.contains("libccid"), "{depends}");
    run(Command::new("bash")
        .arg(repo().join("kiosk-image/build-image"))
        .args(["--arch", "arm64", "--deb"])
        .arg(&deb)
        .arg("--out")
        .arg(out_dir));
    let root = look_at_disk_and_unpack(out_dir, "arm64");
    // The binary is for the Pi: a 64-bit little-endian ELF for AArch64 (e_machine 183).
    let head = std::fs::read(root.join("usr/bin/xakiosk")).unwrap();
    assert_eq!(&head[..4], b"\x7fELF");
    assert_eq!((head[4], head[5]), (2, 1), "ELF64, little-endian");
    assert_eq!(u16::from_le_bytes([head[18], head[19]]), 183, "EM_AARCH64");
    // The Raspberry Pi's boot configuration and A/B updates.
    for file in [
        "boot/firmware/config.txt",
        "boot/firmware/cmdline.txt",
        "etc/rauc/system.conf",
    ] {
        assert!(root.join(file).exists(), "{file}");
    }
    assert!(read(&root, "boot/firmware/config.txt").contains("arm_64bit=1"));
    assert!(read(&root, "etc/rauc/system.conf").contains("bootloader=custom"));
    assert!(
        read(&root, "etc/os-release").contains("VERSION_CODENAME=trixie"),
        "a Debian release with security support"
    );
    inspect_root(&root);
    // Its own selftest, run in the arm64 root under qemu-aarch64 (binfmt).
    selftest_in(&root);
}

/// The disk's partitions, the kernel beside it; the root filesystem unpacked (its path).
fn look_at_disk_and_unpack(out_dir: &Path, arch: &str) -> PathBuf {
    let image = out_dir.join(format!("xakiosk-{arch}.img"));
    // The disk: six GPT partitions with their names; the kernel beside it for QEMU.
    let table: serde_json::Value =
        serde_json::from_str(&run(Command::new("sfdisk").arg("--json").arg(&image))).unwrap();
    let names: Vec<&str> = table["partitiontable"]["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["config", "boot-a", "boot-b", "root-a", "root-b", "data"]
    );
    assert!(out_dir.join("vmlinuz").exists() && out_dir.join("initrd.img").exists());

    // Inside the root filesystem.
    let root = out_dir.join("root");
    std::fs::create_dir(&root).unwrap();
    run(Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-xpf")
        .arg(out_dir.join("rootfs.tar")));
    root
}

/// What every image holds: the kiosk installed, locked down, on a read-only root.
fn inspect_root(root: &Path) {
    let root = root.to_path_buf();
    // The links point into the image (absolute paths): look at the links, not their targets.
    let enabled = |unit: &str, target: &str| {
        std::fs::symlink_metadata(root.join(format!("etc/systemd/system/{target}.wants/{unit}")))
            .is_ok()
    };
    assert!(enabled("xakiosk.service", "multi-user.target"));
    assert!(enabled("xakiosk-reboot.path", "multi-user.target"));
    assert!(enabled("xakiosk-maintenance.path", "multi-user.target"));
    assert!(enabled("xakiosk-network.path", "multi-user.target"));
    // A/B updates: the kiosk's requests reach root, every boot is committed or rolled back.
    assert!(enabled("xakiosk-update.path", "multi-user.target"));
    assert!(enabled("xakiosk-slot-commit.service", "multi-user.target"));
    assert!(root.join("usr/bin/rauc").exists(), "RAUC is installed");
    assert!(read(&root, "etc/rauc/system.conf").contains("check-purpose=codesign-rauc"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(root.join("usr/lib/xakiosk/slot-commit"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "slot-commit is executable");
    }
    assert_eq!(
        std::fs::read_link(root.join("etc/systemd/network/10-admin.network")).unwrap(),
        Path::new("/var/lib/xakiosk/system/network/10-admin.network"),
        "the admin screen's network settings are rendered by root in its folder of the data partition"
    );
    assert!(enabled("systemd-timesyncd.service", "sysinit.target"));
    assert!(enabled("systemd-networkd.service", "multi-user.target"));
    assert!(
        !enabled("ssh.service", "multi-user.target"),
        "SSH only in maintenance mode"
    );
    for getty in ["getty@.service", "serial-getty@.service"] {
        let link = std::fs::read_link(root.join("etc/systemd/system").join(getty)).unwrap();
        assert_eq!(
            link,
            Path::new("/dev/null"),
            "{getty} is masked: no login prompt"
        );
    }
    let unit = read(&root, "usr/lib/systemd/system/xakiosk.service");
    for line in [
        "Type=notify",
        "WatchdogSec=30",
        "Restart=always",
        "Environment=SLINT_BACKEND=linuxkms",
        "User=xakiosk",
        "UMask=0077",
        "ReadWritePaths=/var/lib/xakiosk/kiosk /run/xakiosk /media",
        "CapabilityBoundingSet=",
        "RestrictNamespaces=yes",
        "MemoryDenyWriteExecute=yes",
        "ProtectKernelTunables=yes",
        "SystemCallFilter=@system-service",
    ] {
        assert!(
            unit.lines().any(|l| l == line),
            "xakiosk.service lacks {line}"
        );
    }
    assert!(
        !unit.contains("StateDirectory="),
        "StateDirectory would give /var/lib/xakiosk to the kiosk user"
    );
    // The data partition's layout: root's top folder and state, the kiosk's own folder.
    let tmpfiles = read(&root, "usr/lib/tmpfiles.d/xakiosk.conf");
    for line in [
        "d /var/lib/xakiosk                 0755 root    root    -",
        "d /var/lib/xakiosk/kiosk           0700 xakiosk xakiosk -",
        "d /var/lib/xakiosk/system          0755 root    root    -",
    ] {
        assert!(tmpfiles.lines().any(|l| l == line), "tmpfiles lacks {line}");
    }
    let config = read(&root, "etc/xakiosk/config.toml");
    assert!(config.contains("data_dir = \"/var/lib/xakiosk/kiosk\""));
    assert!(
        !config.contains("url = \"builtin\""),
        "never the built-in portal on the appliance"
    );
    let sshd = read(&root, "etc/ssh/sshd_config.d/xakiosk-maintenance.conf");
    assert!(sshd.contains("PasswordAuthentication no"));
    assert!(sshd.contains("AuthorizedKeysFile /var/lib/xakiosk/system/ssh/authorized_keys"));
    let fstab = read(&root, "etc/fstab");
    let mount = |point: &str| {
        fstab
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .find(|f| f.get(1) == Some(&point))
            .unwrap_or_else(|| panic!("no {point} in fstab"))
    };
    assert!(mount("/var/lib/xakiosk")[3].starts_with("rw"));
    assert_eq!(mount("/var/lib/xakiosk")[0], "LABEL=data");
    assert_eq!(mount("/tmp")[2], "tmpfs");
    // USB sticks (log export, updates) are mounted on a tmpfs /media, for the kiosk user.
    assert_eq!(mount("/media")[2], "tmpfs");
    assert!(read(&root, "usr/lib/udev/rules.d/60-xakiosk.rules").contains("usb-mount add"));
    assert!(root.join("usr/lib/xakiosk/usb-mount").exists());
    let journald = read(&root, "etc/systemd/journald.conf.d/xakiosk.conf");
    assert!(journald.contains("Storage=volatile") && journald.contains("RuntimeMaxUse="));
    assert_eq!(read(&root, "etc/machine-id"), "", "made at each boot");
    let passwd = read(&root, "etc/passwd");
    assert!(
        passwd.lines().any(|l| l.starts_with("xakiosk:")),
        "the kiosk user"
    );
    let config = read(&root, "etc/xakiosk/config.toml");
    assert!(config.contains("gpio = \"cdev\"") && config.contains("card_reader = \"pcsc\""));
    assert!(
        config.contains("camera = \"v4l2\""),
        "the appliance uses the real camera"
    );
    // Who owns what on the data partition's skeleton: root the top folder and its state, the
    // kiosk user only its own folder (it cannot rename system/ away and plant its own).
    {
        use std::os::unix::fs::MetadataExt;
        let kiosk_uid: u32 = passwd
            .lines()
            .find(|l| l.starts_with("xakiosk:"))
            .and_then(|l| l.split(':').nth(2))
            .and_then(|u| u.parse().ok())
            .unwrap();
        let meta = |p: &str| std::fs::metadata(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_eq!(meta("var/lib/xakiosk").uid(), 0);
        assert_eq!(meta("var/lib/xakiosk").mode() & 0o022, 0);
        assert_eq!(meta("var/lib/xakiosk/system").uid(), 0);
        assert_eq!(meta("var/lib/xakiosk/system/systemd").uid(), 0);
        assert_eq!(meta("var/lib/xakiosk/kiosk").uid(), kiosk_uid);
        assert_eq!(meta("var/lib/xakiosk/kiosk").mode() & 0o077, 0);
    }
    let rauc = read(&repo(), "kiosk-image/rauc/system.conf");
    assert!(
        rauc.contains("path=/etc/rauc/keyring.pem"),
        "the update keyring is on the read-only root"
    );
    assert!(rauc.contains("data-directory=/var/lib/xakiosk/system/rauc"));
    assert!(std::fs::read_dir(root.join("etc/ssh")).unwrap().all(|e| {
        !e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("ssh_host_")
    }));
}

/// The installed kiosk runs in the image: its selftest on simulated devices, offline.
fn selftest_in(root: &Path) {
    let root = root.to_path_buf();
    let data = root.join("tmp/selftest");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        root.join("tmp/selftest.toml"),
        "[kiosk]\ndata_dir = \"/tmp/selftest\"\n[portal]\nurl = \"\"\n",
    )
    .unwrap();
    let out = Command::new("chroot")
        .arg(&root)
        .args([
            "/usr/bin/xakiosk",
            "--config",
            "/tmp/selftest.toml",
            "selftest",
        ])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{table}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("printer") && l.contains("test page printed"))
    );
}
