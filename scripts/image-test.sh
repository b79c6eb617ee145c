#!/usr/bin/env bash
# The image slow suite (not in the test command, ~3 min after a build): builds the amd64
# SD-card image with the package of the test build and looks inside (tests/kiosk_image.rs).
# Installs what the image recipe needs first: mmdebstrap and the disk tools, and cargo-deb.
# Needs root or sudo, and Debian's mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in mmdebstrap dosfstools mtools e2fsprogs fdisk; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "==> installing cargo-deb"
  cargo install --locked cargo-deb --version 3.8.0  # 3.x still packages a dev-profile build (the test does)
fi
exec cargo test --locked --test kiosk_image -- --ignored
