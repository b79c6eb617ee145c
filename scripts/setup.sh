#!/usr/bin/env bash
# Installs what building and testing xakiosk needs on Debian 12 (bookworm): the C libraries
# Slint and SQLite build against, the X11 client libraries a desktop window loads, and a
# recent Rust toolchain (through rustup, when cargo is missing or older than 1.95: Cargo.toml's
# rust-version, the oldest every dependency builds with; tests/rust_version.rs keeps it so).
# Safe to run again: it installs only what is missing. Arguments are more Debian packages to
# install the same way (the slow suites' own needs: `scripts/image-test.sh`).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(
  build-essential pkg-config ca-certificates curl
  libfontconfig1-dev libfreetype-dev        # text shaping and font lookup (Slint)
  libxkbcommon-x11-0 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxkbcommon0  # desktop window (X11)
  libpcsclite-dev pcscd vsmartcard-vpcd     # the PC/SC card reader, and a virtual one for the tests
  espeak-ng alsa-utils                      # spoken guidance (Vietnamese voice) played through ALSA
  libudev-dev libinput-dev libgbm-dev libdrm-dev libxkbcommon-dev  # the appliance's KMS build
  libclang-dev                              # the V4L2 camera's bindings (bindgen, at build time)
  python3 python3-venv                      # the portal contract's validator (scripts/check-contract.sh)
  "$@"
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
need_rust=1
if command -v cargo >/dev/null 2>&1; then
  version=$(rustc --version | awk '{print $2}')
  if [ "$(printf '%s\n1.95.0\n' "$version" | sort -V | head -n1)" = "1.95.0" ]; then need_rust=0; fi
fi
if [ "$need_rust" -eq 1 ]; then
  if command -v rustup >/dev/null 2>&1; then
    echo "==> updating the Rust toolchain"
    rustup update stable
  else
    echo "==> installing Rust with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    . "$HOME/.cargo/env"
  fi
fi

# Formatting and lints in the test command.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  echo "==> adding rustfmt and clippy"
  rustup component add rustfmt clippy
fi

# The dependency policy check (deny.toml) in the test command.
if ! command -v cargo-deny >/dev/null 2>&1; then
  echo "==> installing cargo-deny"
  cargo install --locked cargo-deny --version 0.20.2
fi
