#!/usr/bin/env bash
# The image slow suite (not in the test command, ~3 min after a build): builds the amd64
# SD-card image with the package of the test build and looks inside (tests/kiosk_image.rs);
# with --arch arm64, the Raspberry Pi's image with the appliance cross-compiled on amd64 (the
# package from XAKIOSK_ARM64_DEB when set, else scripts/build-arm64.sh: ~30 min more).
# Installs what the image recipe needs first: mmdebstrap and the disk tools, and cargo-deb.
# Needs root or sudo, and Debian's mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh mmdebstrap dosfstools mtools e2fsprogs fdisk
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "==> installing cargo-deb"
  cargo install --locked cargo-deb --version 3.8.0  # 3.x still packages a dev-profile build (the test does)
fi
if [ "${1:-}" = "--arch" ] && [ "${2:-}" = "arm64" ]; then
  exec cargo test --locked --test kiosk_image -- --ignored the_arm64_image
fi
exec cargo test --locked --test kiosk_image -- --ignored the_amd64_image
