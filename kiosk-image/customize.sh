#!/bin/sh
# mmdebstrap customize hook: makes the installed root an appliance root. Runs on the build host
# with the root filesystem at $1.
#   customize.sh ROOT ARCH REPO
set -eu
root="$1"; arch="$2"; repo="$3"

# No login prompt anywhere: the screen belongs to the kiosk, the console to nobody.
for unit in getty@.service serial-getty@.service console-getty.service autovt@.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
# SSH only in maintenance mode (xakiosk-maintenance.path starts it until the next reboot).
systemctl --root="$root" disable ssh.service ssh.socket 2>/dev/null || true
# Host keys are made at first maintenance start on the data partition, not baked in the image.
rm -f "$root"/etc/ssh/ssh_host_*
systemctl --root="$root" enable systemd-networkd.service systemd-timesyncd.service \
  xakiosk.service xakiosk-reboot.path xakiosk-maintenance.path xakiosk-network.path pcscd.socket \
  xakiosk-update.path xakiosk-slot-commit.service
# The admin screen's static network settings live on the data partition (10- sorts before the
# image's 20-wired.network DHCP file, so they win when present). Root renders the file from the
# kiosk's checked request (xakiosk apply-network) into its own folder of the data partition.
ln -sf /var/lib/xakiosk/system/network/10-admin.network "$root/etc/systemd/network/10-admin.network"
# A read-only root: systemd makes a transient machine id at each boot.
: > "$root/etc/machine-id"
echo xakiosk > "$root/etc/hostname"
# What was in /var/lib/systemd moves to root's folder of the data partition (bind-mounted
# back, see fstab); the package laid the rest out (root's top folder, the kiosk's own folder).
mkdir -p "$root/var/lib/xakiosk/system"
rm -rf "$root/var/lib/xakiosk/system/systemd"
cp -a "$root/var/lib/systemd" "$root/var/lib/xakiosk/system/systemd"
# The fleet's update signing certificate is part of the image (read-only root), never of the
# data partition the kiosk writes to (build-image --keyring put it at $root/etc/rauc/keyring.pem;
# without one the image takes no update, and says so when it is built).
mkdir -p "$root/etc/rauc"
# RAUC's own unit would mark every boot good unconditionally; xakiosk-slot-commit decides.
ln -sf /dev/null "$root/etc/systemd/system/rauc-mark-good.service"

if [ "$arch" = arm64 ]; then
  # The Raspberry Pi boot configuration (firmware/): the official 7" display and radios off
  # are the defaults; a technician swaps display.txt/radios.txt for the other variants.
  mkdir -p "$root/boot/firmware"
  cp "$repo/firmware/config.txt" "$repo/firmware/cmdline.txt" "$root/boot/firmware/"
  cp "$repo/firmware/display-dsi7.txt" "$root/boot/firmware/display.txt"
  cp "$repo/firmware/radios-off.txt" "$root/boot/firmware/radios.txt"
  cp "$repo/firmware/"display-*.txt "$repo/firmware/"radios-*.txt "$root/boot/firmware/"
  # The hardware watchdog (dtparam=watchdog=on) fed by systemd: a hung kernel reboots.
  mkdir -p "$root/etc/systemd/system.conf.d"
  printf '[Manager]\nRuntimeWatchdogSec=15\nRebootWatchdogSec=2min\n' \
    > "$root/etc/systemd/system.conf.d/watchdog.conf"
  cp "$repo/kiosk-image/rauc/system.conf" "$repo/kiosk-image/rauc/tryboot-backend" "$root/etc/rauc/"
else
  # A PC: GRUB on the EFI system partition picks the root slot; RAUC edits its environment
  # there, so the partition is mounted (only root can read it).
  cp "$repo/kiosk-image/rauc/system-pc.conf" "$root/etc/rauc/system.conf"
  mkdir -p "$root/boot/efi"
  # Debian's boot-success recorder for a GRUB of its own (/boot/grub): not this one.
  ln -sf /dev/null "$root/etc/systemd/system/grub-common.service"
  printf '%s\n' "# The EFI system partition: GRUB and its environment (which root slot boots)." \
    "PARTLABEL=config  /boot/efi  vfat  umask=0077,noatime,nodev,nosuid,noexec,nofail  0 0" >> "$root/etc/fstab"
fi
