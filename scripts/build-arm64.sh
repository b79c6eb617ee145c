#!/usr/bin/env bash
# Cross-compiles the appliance (the `kms` release build) for the Raspberry Pi 4/5
# (aarch64-unknown-linux-gnu) on an ordinary amd64 Debian machine and packages it with
# cargo-deb — no containers, no Pi. Installs what it needs first: the Rust target, Debian's
# aarch64 cross compiler, the arm64 -dev libraries the build links (multiarch), qemu-user-static
# (to run arm64 programs: the tests below, and the image recipe's package scripts), cargo-deb.
#
#   bash scripts/build-arm64.sh [--out DIR] [--test]
#
# --out   where the .deb goes (default kiosk-image/out)
# --test  also run the identity and store unit tests, built for arm64, under qemu-aarch64
#
# Prints the package's path last. kiosk-image/build-image --arch arm64 calls it on amd64.
set -euo pipefail
cd "$(dirname "$0")/.."
out="kiosk-image/out"
test=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --test) test=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
target=aarch64-unknown-linux-gnu
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

# Debian's cross toolchain and the arm64 libraries the build links.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "==> enabling arm64 packages (multiarch)" >&2
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
fi
packages=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static binfmt-support libclang-dev
          libpcsclite-dev:arm64 libudev-dev:arm64 libinput-dev:arm64 libgbm-dev:arm64
          libdrm-dev:arm64 libxkbcommon-dev:arm64 libfontconfig1-dev:arm64 libfreetype-dev:arm64)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# arm64 programs run through binfmt_misc (qemu-aarch64 registered with the fix-binary flag, so
# they run inside a chroot too); mount and enable it where the machine has not.
[ -e /proc/sys/fs/binfmt_misc/status ] || $SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || $SUDO update-binfmts --enable qemu-aarch64
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
command -v cargo-deb >/dev/null 2>&1 || cargo install --locked cargo-deb --version 3.8.0

# The C parts (SQLite, ring) with the cross compiler; pkg-config looks at the arm64 libraries
# only; arm64 programs run under qemu (binfmt, with the arm64 loader multiarch installed).
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64-static

mkdir -p "$out"
echo "==> the appliance's build for $target (release, kms)" >&2
cargo deb --target "$target" --output "$out/" -- --locked --no-default-features --features kms
deb="$(ls -t "$out"/xakiosk_*_arm64.deb | head -n1)"

if [ "$test" -eq 1 ]; then
  echo "==> identity and store unit tests, arm64, under qemu-aarch64" >&2
  cargo test --locked --target "$target" --no-default-features --features kms --lib -- \
    identity:: store::
fi
echo "$deb"
