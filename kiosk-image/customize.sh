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
  xakiosk.service xakiosk-reboot.path xakiosk-maintenance.path xakiosk-network.path pcscd.socket
# The admin screen's static network settings live on the data partition (10- sorts before the
# image's 20-wired.network DHCP file, so they win when present).
ln -sf /var/lib/xakiosk/network/10-admin.network "$root/etc/systemd/network/10-admin.network"
# A read-only root: systemd makes a transient machine id at each boot.
: > "$root/etc/machine-id"
echo xakiosk > "$root/etc/hostname"
# What was in /var/lib/systemd moves to the data partition (bind-mounted back, see fstab).
mkdir -p "$root/var/lib/xakiosk/.system"
cp -a "$root/var/lib/systemd" "$root/var/lib/xakiosk/.system/systemd"

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
  mkdir -p "$root/etc/rauc"
  cp "$repo/kiosk-image/rauc/system.conf" "$repo/kiosk-image/rauc/tryboot-backend" "$root/etc/rauc/"
fi
